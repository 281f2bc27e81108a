"""The public face of the Go template engine: ``render``, its errors and plugged-in functions
(what the differential cases cannot show, since Go's oracle has no Python functions)."""

from __future__ import annotations

import pytest

from velarun.errors import ExitCode, VelarunError
from velarun.template.gotemplate import FuncError, GoFunc, TemplateError, render


def test_a_parse_error_is_gos_message_with_its_line() -> None:
    with pytest.raises(TemplateError) as caught:
        render("steps:\n  - {{ if .x }}\n", {}, name="stages.yml")
    assert caught.value.message == "template: stages.yml:3: unexpected EOF"
    assert (caught.value.line, caught.value.col) == (3, None)
    assert isinstance(caught.value, VelarunError)
    assert caught.value.exit_code == ExitCode.INVALID


def test_an_execution_error_is_gos_message_with_line_and_byte_column() -> None:
    with pytest.raises(TemplateError) as caught:
        render("é\n  {{ .image.tag }}", {"image": "alpine"}, name="t.yml")
    assert caught.value.message == (
        'template: t.yml:2:11: executing "t.yml" at <.image.tag>: '
        "can't evaluate field tag in type interface {}"
    )
    # Go places a field chain at its last field (.tag), counting bytes from the line's start
    assert (caught.value.line, caught.value.col) == (2, 11)


def test_plugged_functions_are_known_to_the_parser_and_typed_as_declared() -> None:
    funcs = {
        "upper": GoFunc(str.upper, ("string",), None),
        "join": lambda *parts: "-".join(map(str, parts)),
    }
    assert render('{{ upper "a" }} {{ join 1 "b" }} {{ .s | upper }}', {"s": "x"}, funcs=funcs) == (
        "A 1-b X"
    )
    with pytest.raises(TemplateError, match=r"wrong type for value; expected string; got int"):
        render("{{ upper .n }}", {"n": 1}, funcs=funcs)
    with pytest.raises(TemplateError, match=r"wrong number of args for upper: want 1 got 2"):
        render('{{ upper "a" "b" }}', funcs=funcs)


def test_a_function_error_is_reported_as_error_calling() -> None:
    def fail(_: object) -> str:
        raise FuncError("no such thing")

    with pytest.raises(TemplateError) as caught:
        render("{{ fail 1 }}", funcs={"fail": GoFunc(fail, ("any",), None)})
    assert caught.value.message == (
        'template: template:1:3: executing "template" at <fail 1>: error calling fail: no such thing'
    )


def test_call_calls_a_function_value_from_the_data() -> None:
    add = GoFunc(lambda a, b: a + b, ("int", "int"), None)
    assert render("{{ call .add 1 2 }}", {"add": add}) == "3"
    with pytest.raises(TemplateError, match=r"error calling call: wrong number of args"):
        render("{{ call .add 1 }}", {"add": add})
    with pytest.raises(TemplateError, match=r"arg 1: value has type string; should be int"):
        render('{{ call .add 1 "x" }}', {"add": add})


def test_a_function_that_is_not_defined_is_a_parse_error() -> None:
    with pytest.raises(TemplateError, match=r'^template: t:1: function "toYaml" not defined$'):
        render("{{ toYaml . }}", name="t")


def test_null_and_missing_differ_as_in_go() -> None:
    assert render("{{ .a }}|{{ .b }}", {"a": None}) == "<no value>|<no value>"
    assert render("{{ .b.c }}", {"a": None}) == "<no value>"
    with pytest.raises(TemplateError, match=r"nil pointer evaluating interface \{\}\.c"):
        render("{{ .a.c }}", {"a": None})


def test_nesting_beyond_pythons_stack_is_a_template_error_not_a_crash() -> None:
    with pytest.raises(TemplateError, match=r"max expression depth exceeded"):
        render("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}")
    recursive = '{{ define "r" }}{{ if . }}{{ template "r" (slice . 1) }}{{ end }}{{ end }}'
    assert render(recursive + '{{ template "r" . }}', list(range(20))) == ""
    with pytest.raises(TemplateError, match=r"exceeded maximum template depth"):
        render(recursive + '{{ template "r" . }}', list(range(5000)))
