"""velarun's limits on what a template may do (``gotemplate/limits.py``, ``starlark_worker.py``):
a hostile or mistaken template ends in an error that says which limit, where, and what to do."""

from __future__ import annotations

import pytest

from velarun.template import starlark_worker
from velarun.template.engines import render_go, render_starlark
from velarun.template.gotemplate.limits import LimitError, check_result
from velarun.template.starlark_worker import StarlarkLimitError

STEPS_HINT = (
    "a range over a very large count, or ranges nested too deep? Render fewer items (velarun"
    " stops a Go template after 1000000 steps; Go and the Vela server would run it to its end)"
)
SIZE_HINT = (
    "render less: velarun caps a Go template's output, and any one value in it, at 4 MiB of"
    " text and 100000 items (the Vela server has no such cap; no real pipeline comes near)"
)
STARLARK_HINT = (
    "make the template do less: loop over fewer items, build smaller strings and lists (the"
    " Vela server stops a Starlark template after 7500 execution steps by default, its"
    " --compiler-starlark-exec-limit)"
)


def go(text: str) -> str:
    return render_go(text, name="t", environment={}, variables={})


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "{{ range until 100000000 }}x{{ end }}",
            'template: t:1:9: executing "t" at <until 100000000>: error calling until: it'
            " would make 100000000 items, more than velarun's limit of 100000 in one value",
            SIZE_HINT,
        ),
        (
            "{{ range 100000000 }}x{{ end }}",
            'template: t:1:21: executing "t" at <x>: too many steps: velarun stops a Go'
            " template after 1000000 steps",
            STEPS_HINT,
        ),
        (
            "{{ range until 10000 }}\n{{ range until 10000 }}{{ end }}{{ end }}",
            'template: t:2:9: executing "t" at <{{range until 10000}}{{end}}>: too many steps:'
            " velarun stops a Go template after 1000000 steps",
            STEPS_HINT,
        ),
        (
            '{{ repeat 1000000000 "x" }}',
            'template: t:1:3: executing "t" at <repeat 1000000000 "x">: error calling repeat:'
            " it would make 1000000000 characters, more than velarun's limit of 4 MiB in one"
            " value",
            SIZE_HINT,
        ),
        (
            "{{ untilStep 0 1000000000 3 }}",
            'template: t:1:3: executing "t" at <untilStep 0 1000000000 3>: error calling'
            " untilStep: it would make 333333334 items, more than velarun's limit of 100000 in"
            " one value",
            SIZE_HINT,
        ),
        (
            "{{ seq 5 2 100000000 }}",
            'template: t:1:3: executing "t" at <seq 5 2 100000000>: error calling seq: it would'
            " make 49999998 items, more than velarun's limit of 100000 in one value",
            SIZE_HINT,
        ),
        (
            '{{ range until 100000 }}{{ repeat 10000 "x" }}{{ end }}',
            'template: t:1:27: executing "t" at <{{repeat 10000 "x"}}>: the template rendered'
            " more than 4 MiB of text",
            SIZE_HINT,
        ),
        (
            '{{ $s := "0123456789" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}',
            'template: t:1:52: executing "t" at <print $s $s>: error calling print: it made'
            " 5242880 characters, more than velarun's limit of 4 MiB in one value",
            SIZE_HINT,
        ),
        (
            "{{ $l := list 1 }}{{ range until 60 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l }}",
            'template: t:1:46: executing "t" at <list $l $l>: error calling list: it made a'
            " value of more than 100000 items (counting each time a shared value is reached),"
            " velarun's limit",
            SIZE_HINT,
        ),
        (
            '{{ printf (repeat 1000 "%1000000d") }}',
            'template: t:1:3: executing "t" at <printf (repeat 1000 "%1000000d")>: error'
            " calling printf: it would make 1000009000 characters, more than velarun's limit of"
            " 4 MiB in one value",
            SIZE_HINT,
        ),
        (
            '{{ indent 100000000 "a\\nb" }}',
            'template: t:1:3: executing "t" at <indent 100000000 "a\\nb">: error calling'
            " indent: it would make 200000003 characters, more than velarun's limit of 4 MiB in"
            " one value",
            SIZE_HINT,
        ),
        (
            '{{ replace "" (repeat 10000 "y") (repeat 10000 "x") }}',
            'template: t:1:3: executing "t" at <replace "" (repeat 10000 "y") (repeat 10000'
            ' "x")>: error calling replace: it would make 100020000 characters, more than'
            " velarun's limit of 4 MiB in one value",
            SIZE_HINT,
        ),
        (
            "{{ randAlpha 100000000 }}",
            'template: t:1:3: executing "t" at <randAlpha 100000000>: error calling randAlpha:'
            " it would make 100000000 characters, more than velarun's limit of 4 MiB in one"
            " value",
            SIZE_HINT,
        ),
        (  # each repeat is within the caps, but a step is charged for each KiB it makes
            '{{ range until 100000 }}{{ $x := repeat 4000000 "x" }}{{ end }}',
            'template: t:1:33: executing "t" at <repeat 4000000 "x">: too many steps: velarun'
            " stops a Go template after 1000000 steps",
            STEPS_HINT,
        ),
        (  # a call that takes far longer than a step costs many more
            '{{ range until 100 }}{{ $x := bcrypt "secret" }}{{ end }}',
            'template: t:1:30: executing "t" at <bcrypt "secret">: too many steps: velarun'
            " stops a Go template after 1000000 steps",
            STEPS_HINT,
        ),
    ],
)
def test_a_go_template_past_a_limit_stops_where_it_is(text: str, message: str, hint: str) -> None:
    with pytest.raises(LimitError) as caught:
        go(text)
    assert (caught.value.message, caught.value.hint) == (message, hint)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (  # Go's own error, before any of velarun's limits: the oracle's cases
            '{{ repeat 9223372036854775807 "ab" }}',
            'template: t:1:3: executing "t" at <repeat 9223372036854775807 "ab">: error'
            " calling repeat: strings: Repeat output length overflow",
        ),
        (
            '{{ indent 9223372036854775807 "" }}',
            'template: t:1:3: executing "t" at <indent 9223372036854775807 "">: error calling'
            " indent: runtime error: makeslice: len out of range",
        ),
        (  # a template calling itself: Python's stack ends first, quickly
            '{{ define "a" }}{{ template "a" }}{{ end }}{{ template "a" }}',
            'template: t:1:28: executing "a" at <{{template "a"}}>: exceeded maximum template'
            " depth ({depth}: Python's recursion limit)",
        ),
    ],
)
def test_gos_own_errors_come_before_velaruns_limits(text: str, message: str) -> None:
    with pytest.raises(Exception) as caught:
        go(text)
    got = getattr(caught.value, "message", "")
    if "{depth}" in message:
        depth = got.split("depth (")[1].split(":")[0]
        message = message.replace("{depth}", depth)
    assert (type(caught.value).__name__, got) == ("TemplateError", message)


def test_templates_within_the_limits_render_as_before() -> None:
    text = '{{ range until 1000 }}{{ repeat 3 "ab" }} {{ end }}{{ len (until 100000) }}'
    assert go(text) == "ababab " * 1000 + "100000"
    assert go("{{ range 3 }}{{ . }}{{ end }}{{ range 0 }}x{{ else }}none{{ end }}") == "012none"


@pytest.mark.parametrize(
    ("value", "cost"),
    [
        ("x" * 5000, 4),
        ([1, 2, 3], 0),
        ({"a": ["x" * 2048] * 600}, 1),
        (42, 0),
    ],
)
def test_the_steps_a_value_costs(value: object, cost: int) -> None:
    assert check_result(value) == cost


def star(source: str) -> str:
    return render_starlark(
        source, filename="t.star", name="s", template_name="t", environment={}, variables={}
    )


@pytest.mark.parametrize(
    "source",
    [
        "def main(ctx):\n  for i in range(1000000000):\n    pass\n  return {}\n",
        "def main(ctx):\n  for i in range(100000):\n    for j in range(100000):\n"
        "      pass\n  return {}\n",
    ],
)
def test_a_starlark_template_that_loops_too_long_is_stopped(
    monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setattr(starlark_worker, "SECONDS", 1.0)  # quick tests
    with pytest.raises(StarlarkLimitError) as caught:
        star(source)
    error = caught.value
    assert (error.message, error.hint, error.line, error.col) == (
        "the Starlark template ran for more than 1 s and was stopped (velarun's limit)",
        STARLARK_HINT,
        None,
        None,
    )
    # the next template gets a new child
    assert star("def main(ctx):\n  return {'version': '1'}\n") == '---\n{"version": "1"}'


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "def main(ctx):\n  s = 'x' * (1 << 29)\n  return {'a': s + s}\n",
            "the Starlark template took more than 512 MiB of memory and was stopped (velarun's"
            " limit)",
        ),
        (
            "def main(ctx):\n  return {'version': '1', 'steps': [{'name': 'x' * 40000000}]}\n",
            "the Starlark template returned 40000041 characters, more than velarun's limit of"
            " 4 MiB",
        ),
    ],
)
def test_a_starlark_template_too_large_is_stopped(source: str, message: str) -> None:
    with pytest.raises(StarlarkLimitError) as caught:
        star(source)
    error = caught.value
    assert (error.message, error.hint, error.line, error.col) == (
        message,
        STARLARK_HINT,
        None,
        None,
    )
    assert star("def main(ctx):\n  return {'version': '1'}\n") == '---\n{"version": "1"}'


def test_the_child_renders_every_template_and_stops_when_asked() -> None:
    source = "def main(ctx):\n  print('hello')\n  return {'version': '1'}\n"
    star(source)
    first = starlark_worker._CHILD[0].pid
    star(source)
    assert starlark_worker._CHILD[0].pid == first
    starlark_worker.stop()
    assert starlark_worker._CHILD == []
