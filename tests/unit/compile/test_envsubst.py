"""The ``${VAR}`` substitution, a port of drone/envsubst v1.0.3 (velarun.compile.envsubst).

The first tables port the library's own ``eval_test.go`` and ``parse/parse_test.go`` rows; the
others pin the rules read from its source (scanner escapes, error texts, funcs quirks) and the
way Vela uses it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from velarun.compile.envsubst import (
    MAX_NESTING,
    SubstitutionError,
    _Func,
    _Node,
    _Parser,
    _Text,
    substitute,
)
from velarun.errors import VelarunError


def params(values: dict[str, str]) -> Callable[[str], str]:
    """The library tests' mapper: unknown names give the empty string."""
    return lambda name: values.get(name, "")


VELA_ENV = {"GREETING": "hello", "V": "3.19"}


def vela(env: dict[str, str]) -> Callable[[str], str]:
    """Vela's mapper: the value if defined, else the reference itself, ``${NAME}``."""
    return lambda name: env[name] if name in env else "${" + name + "}"


# -- eval_test.go (TestExpand), every row -----------------------------------------------------

V01 = {"var01": "abcdEFGH28ij"}
V01_UP = {"var01": "ABCDEFGH28IJ"}
PATH = {"path_name": "/home/bozo/ideas/thoughts.for.today"}
STRZ = {"stringZ": "abcABC123ABCabc"}
BASH = {"filename": "bash.string.txt"}

EVAL_TEST_ROWS = [
    ({}, "abcdEFGH28ij", "abcdEFGH28ij"),
    (V01, "${#var01}", "12"),
    (V01, "${var01^}", "AbcdEFGH28ij"),
    (V01, "${var01^^}", "ABCDEFGH28IJ"),
    (V01_UP, "${var01,}", "aBCDEFGH28IJ"),
    (V01_UP, "${var01,,}", "abcdefgh28ij"),
    (PATH, "${path_name:11}", "ideas/thoughts.for.today"),
    (PATH, "${path_name:11:5}", "ideas"),
    ({"var": "abc"}, "${var=abc}", "abc"),
    ({}, "${var=xyz}", "xyz"),
    ({"default_var": "foo"}, "something ${var=${default_var}}", "something foo"),
    ({"default_var": "foo1"}, "foo: ${var=${default_var}-suffix}", "foo: foo1-suffix"),
    ({"default_var": "foo1"}, "foo: ${var=prefix${default_var}-suffix}", "foo: prefixfoo1-suffix"),
    ({}, "${var:=xyz}", "xyz"),
    (STRZ, "${stringZ/%abc/XYZ}", "abcABC123ABCXYZ"),
    (STRZ, "${stringZ/#abc/XYZ}", "XYZABC123ABCabc"),
    (STRZ, "${stringZ//abc/xyz}", "xyzABC123ABCxyz"),
    (STRZ, "${stringZ/abc/xyz}", "xyzABC123ABCabc"),
    (BASH, "${filename#*.}", "string.txt"),
    ({"filename": "path/to/file"}, "${filename#*/}", "to/file"),
    ({"filename": "/path/to/file"}, "${filename#*/}", "path/to/file"),
    (BASH, "${filename##*.}", "txt"),
    ({"filename": "path/to/file"}, "${filename##*/}", "file"),
    ({"filename": "/path/to/file"}, "${filename##*/}", "file"),
    (BASH, "${filename%.*}", "bash.string"),
    (BASH, "${filename%%.*}", "bash"),
    (V01, "${var=${var01^^}}", "ABCDEFGH28IJ"),
    (V01, "$${var01}", "${var01}"),
    (
        V01,
        "some text ${var01}$${var$${var01}$var01${var01}",
        "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij",
    ),
    ({"default_var": "foo"}, "something $${var=${default_var}}", "something ${var=foo}"),
    ({"stringZ": "foo/bar"}, r"${stringZ/\//-}", "foo-bar"),
    ({"stringZ": "foo/bar/baz"}, r"${stringZ//\//-}", "foo-bar-baz"),
    ({"stringZ": "foo.bar"}, "${stringZ/./}", "foobar"),
]


@pytest.mark.parametrize(("values", "text", "expected"), EVAL_TEST_ROWS)
def test_library_eval_table(values: dict[str, str], text: str, expected: str) -> None:
    assert substitute(text, params(values)) == expected


# -- parse/parse_test.go (TestParse): the tree, as a flat list of nodes ----------------------


def T(value: str) -> _Text:
    return _Text(value.encode())


def F(param: str, name: str = "", *args: _Node) -> _Func:
    return _Func(param, name, list(args))


PARSE_TEST_ROWS: list[tuple[str, list[_Node]]] = [
    ("text", [T("text")]),
    ("}text", [T("}text")]),
    ("http://github.com", [T("http://github.com")]),
    ("$${string}", [T("${string}")]),
    ("$$string", [T("$string")]),
    ("${string}", [F("string")]),
    ("${string_A}", [F("string_A")]),
    ("${string,}", [F("string", ",")]),
    ("${string,,}", [F("string", ",,")]),
    ("${string^}", [F("string", "^")]),
    ("${string^^}", [F("string", "^^")]),
    ("${string:position}", [F("string", ":", T("position"))]),
    ("${string:position:length}", [F("string", ":", T("position"), T("length"))]),
    ("${string#substring}", [F("string", "#", T("substring"))]),
    ("${string##substring}", [F("string", "##", T("substring"))]),
    ("${string%substring}", [F("string", "%", T("substring"))]),
    ("${string%%substring}", [F("string", "%%", T("substring"))]),
    ("${string/substring/replacement}", [F("string", "/", T("substring"), T("replacement"))]),
    ("${string//substring/replacement}", [F("string", "//", T("substring"), T("replacement"))]),
    ("${string/#substring/replacement}", [F("string", "/#", T("substring"), T("replacement"))]),
    ("${string/%substring/replacement}", [F("string", "/%", T("substring"), T("replacement"))]),
    ("${string=default}", [F("string", "=", T("default"))]),
    ("${string:=default}", [F("string", ":=", T("default"))]),
    ("${string:-default}", [F("string", ":-", T("default"))]),
    ("${string:?default}", [F("string", ":?", T("default"))]),
    ("${string:+default}", [F("string", ":+", T("default"))]),
    ("${#string}", [F("string", "#")]),
    ("${string#$%:*{}", [F("string", "#", T("$%:*{"))]),
    ("hello ${#string} world", [T("hello "), F("string", "#"), T(" world")]),
    (r"${string/\/position/length}", [F("string", "/", T("/position"), T("length"))]),
    (r"${string/\/position\\/length}", [F("string", "/", T("/position\\"), T("length"))]),
    (r"${string/position/\/length}", [F("string", "/", T("position"), T("/length"))]),
    (r"${string/position/\/length\\}", [F("string", "/", T("position"), T("/length\\"))]),
    ("${string:${position}}", [F("string", ":", F("position"))]),
    (
        "${string:${stringy:position:length}:${stringz,,}}",
        [F("string", ":", F("stringy", ":", T("position"), T("length")), F("stringz", ",,"))],
    ),
    ("${string#${stringz}}", [F("string", "#", F("stringz"))]),
    ("${string=${stringz}}", [F("string", "=", F("stringz"))]),
    ("${string//${stringy}/${stringz}}", [F("string", "//", F("stringy"), F("stringz"))]),
    # more trees read from the parser
    ("${v=a${b}c}", [F("v", "=", T("a"), F("b"), T("c"))]),
    ("${v:1::2}", [F("v", ":", T("1"), T("2"))]),
    ("${v/a//b}", [F("v", "/", T("a"), T("b"))]),
    ("${v^,}", [F("v", "^,")]),
    ("", []),
]


@pytest.mark.parametrize(("text", "nodes"), PARSE_TEST_ROWS)
def test_library_parse_table(text: str, nodes: list[_Node]) -> None:
    assert _Parser(text.encode()).parse() == nodes


# -- how Vela uses it (its mapper gives back `${NAME}` for an unknown name) ----------------

VELA_ROWS = [
    ("echo ${GREETING}", "echo hello"),
    ("echo $${GREETING}", "echo ${GREETING}"),
    ("echo $$GREETING", "echo $GREETING"),
    ("echo $GREETING", "echo $GREETING"),
    ("echo ${UNKNOWN}", "echo ${UNKNOWN}"),
    ("echo ${UNKNOWN:-fallback}", "echo ${UNKNOWN}"),
    ("echo ${UNKNOWN=fallback}", "echo ${UNKNOWN}"),
    ("echo ${GREETING^^}", "echo HELLO"),
    ("echo ${GREETING^}", "echo Hello"),
    ("image: alpine:${V}", "image: alpine:3.19"),
    ("echo ${GREETING} ${GREETING}${V}", "echo hello hello3.19"),
    ("echo ${#UNKNOWN}", "echo 10"),
    ("echo ${UNKNOWN,,}", "echo ${unknown}"),
    ("echo $NOT_FOUND ${NOT_FOUND} $${NOT_FOUND}", "echo $NOT_FOUND ${NOT_FOUND} ${NOT_FOUND}"),
    ("curl http://host/${GREETING}", "curl http://host/hello"),
]


@pytest.mark.parametrize(("text", "expected"), VELA_ROWS)
def test_vela_mapper(text: str, expected: str) -> None:
    assert substitute(text, vela(VELA_ENV)) == expected


# -- text outside ${...}: the scanner's escapes ------------------------------------------------

GV = {"v": "hello", "p": "/a/b/", "e": "", "n": "3", "u": "ünï", "x": "a.b.c"}

TEXT_ROWS = [
    ("$", "$"),
    ("a$", "a$"),
    ("$$", "$"),
    ("$$$", "$$"),
    ("$$$$", "$$"),
    ("$$${v}", "$hello"),
    ("$$$${v}", "$${v}"),
    ("$v $1 $@ ${v}", "$v $1 $@ hello"),
    ("${v}${v}", "hellohello"),
    ("}{ $ {v}", "}{ $ {v}"),
    (r"a\\b", "a\\b"),
    (r"a\/b", "a/b"),
    (r"a\\\\b", r"a\\b"),
    (r"a\nb \$ \{", r"a\nb \$ \{"),
    ("\\", "\\"),
    (r"C:\\dir\file", r"C:\dir\file"),
    ("a\x00b${v}", "a"),
    ("\x00", ""),
    ("é ${u} ü", "é ünï ü"),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_ROWS)
def test_text_and_escapes(text: str, expected: str) -> None:
    assert substitute(text, params(GV)) == expected


# -- the operators, as funcs.go and path/match.go do them --------------------------------------

FUNC_ROWS = [
    # case
    ("${v^}", "Hello"),
    ("${v^^}", "HELLO"),
    ("${v,}", "hello"),
    ("${e^}", ""),
    ("${u^}", "Ünï"),
    ("${u^^}", "ÜNÏ"),
    ("${v^,}", "hello"),
    ("${v,^}", "hello"),
    # length in bytes
    ("${#v}", "5"),
    ("${#u}", "5"),
    ("${#e}", "0"),
    ("${#nope}", "0"),
    # substring (byte offsets)
    ("${v:1}", "ello"),
    ("${v:0}", "hello"),
    ("${v:5}", ""),
    ("${v:99}", ""),
    ("${v:1:3}", "ell"),
    ("${v:1:99}", "ello"),
    ("${v:9:1}", ""),
    ("${v:1:0}", ""),
    ("${v:+1:+2}", "hello"),
    ("${v:1:2:3}", "hello"),
    ("${v:007:1}", ""),
    ("${v:x}", "hello"),
    ("${v:1:x}", "hello"),
    ("${v: -2}", "hello"),
    ("${v:${n}}", "lo"),
    ("${v:${n}:1}", "l"),
    ("${v:-2}", "hello"),
    ("${e:-2}", "2"),
    ("${v:99999999999999999999}", "hello"),
    ("${v:1:9223372036854775806}", "ello"),
    ("${u:1}", "\ufffdnï"),
    ("${u:0:1}", "\ufffd"),
    # defaults: every form is "value if non-empty, else the argument"
    ("${v=d}", "hello"),
    ("${e=d}", "d"),
    ("${e:=d}", "d"),
    ("${e:-d}", "d"),
    ("${e:?d}", "d"),
    ("${e:+d}", "d"),
    ("${v:+d}", "hello"),
    ("${v:?d}", "hello"),
    ("${e:-}", ""),
    ("${e:-a b ${v} c}", "a b hello c"),
    ("${e:-${e:-${v^^}}}", "HELLO"),
    ("${e:-$$}", "$$"),
    ("${e:-a:b=c}", "a:b=c"),
    # remove prefix / suffix (globs with no separator: `*` and `?` also match `/`)
    ("${x#*.}", "b.c"),
    ("${x##*.}", "c"),
    ("${x%.*}", "a.b"),
    ("${x%%.*}", "a"),
    ("${x#a}", ".b.c"),
    ("${x#b}", "a.b.c"),
    ("${x#?}", ".b.c"),
    ("${x#[a-b]}", ".b.c"),
    ("${x#[^a]}", "a.b.c"),
    ("${x%?}", "a.b."),
    ("${x%[a-c]}", "a.b.c"),
    ("${p#*/}", "a/b/"),
    ("${p##*/}", ""),
    ("${p%/*}", "/a/b"),
    ("${p%%/*}", ""),
    ("${p#/*/}", "b/"),
    ("${p#?}", "a/b/"),
    ("${p%?}", "/a/b"),
    ("${p#/?/}", "b/"),
    ("${p##/?}", "/b/"),
    ("${p#*}", "a/b/"),
    ("${p%%b*}", "/a/"),
    ("${x#*}", ".b.c"),
    ("${x##*}", ""),
    ("${x#[}", "a.b.c"),
    ("${x#\\}", "a.b.c"),
    # a malformed glob leaves v unchanged, even when its start matches (drone reports the error
    # only if the match reaches it; a malformed glob can never match, so that cannot show)
    ("${x#a[}", "a.b.c"),
    ("${x#a*[}", "a.b.c"),
    ("${x##x*[}", "a.b.c"),
    ("${x%%*[}", "a.b.c"),
    ("${x%c[}", "a.b.c"),
    ("${x#${n}}", "a.b.c"),
    ("${e#*}", ""),
    # replace (plain substrings)
    ("${x/./-}", "a-b.c"),
    ("${x//./-}", "a-b-c"),
    ("${x/#a/z}", "z.b.c"),
    ("${x/#b/z}", "a.b.c"),
    ("${x/%c/z}", "a.b.z"),
    ("${x/%b/z}", "a.b.c"),
    ("${x/./}", "ab.c"),
    ("${x//./}", "abc"),
    ("${x/#a/}", "a.b.c"),
    ("${x/%c/}", "a.b.c"),
    ("${x/*/-}", "a.b.c"),
    ("${x//${e}/-}", "-a-.-b-.-c-"),
    ("${x/${e}/-}", "-a.b.c"),
    ("${x/#${e}/-}", "-a.b.c"),
    ("${x/%${e}/-}", "a.b.c-"),
    ("${p//\\//:}", ":a:b:"),
    ("${p//\\//\\\\}", "\\a\\b\\"),
    ("${x//./$$}", "a$b$c"),
    ("${x//./}}", "abc}"),
]


@pytest.mark.parametrize(("text", "expected"), FUNC_ROWS)
def test_functions(text: str, expected: str) -> None:
    assert substitute(text, params(GV)) == expected


def test_simple_case_mapping_like_go() -> None:
    # Go maps rune to rune: no "SS" for ß, dotted İ lowers to a plain i, no final-sigma rule.
    values = {"a": "straße", "b": "İSTANBUL", "c": "ΟΔΟΣ"}
    assert substitute("${a^^}", params(values)) == "STRAßE"
    assert substitute("${b,,}", params(values)) == "istanbul"
    assert substitute("${c,,}", params(values)) == "οδοσ"


def test_mapping_called_for_arguments_first() -> None:
    calls: list[str] = []

    def record(name: str) -> str:
        calls.append(name)
        return ""

    assert substitute("${a:-${b}${c}} ${d}", record) == " "
    assert calls == ["b", "c", "a", "d"]


def test_no_mapping_call_on_error() -> None:
    calls: list[str] = []

    def record(name: str) -> str:
        calls.append(name)
        return name

    with pytest.raises(SubstitutionError):
        substitute("${a} ${", record)
    assert calls == []


# -- errors: the library's texts ---------------------------------------------------------------

ERROR_ROWS = [
    ("echo ${{ github.sha }}", "unable to parse variable name"),
    ("echo ${FOO", "missing closing brace"),
    ("echo ${}", "unable to parse variable name"),
    ("${", "unable to parse variable name"),
    ("${ v}", "unable to parse variable name"),
    ("${-v}", "unable to parse variable name"),
    ("${v }", "missing closing brace"),
    ("${v-d}", "missing closing brace"),
    ("${v+d}", "missing closing brace"),
    ("${string_A-b}", "missing closing brace"),
    ("${v.w}", "missing closing brace"),
    ("${v:-d", "unable to parse substitution within function"),
    ("${v=", "unable to parse substitution within function"),
    ("${v#}", "unable to parse substitution within function"),
    ("${v%%}", "unable to parse substitution within function"),
    ("${v:}", "unable to parse substitution within function"),
    ("${v:1:}", "unable to parse substitution within function"),
    ("${v/}", "bad substitution"),
    ("${v:", "bad substitution"),
    ("${v:é}", "bad substitution"),
    ("${v/a}", "bad substitution"),
    ("${v//}", "bad substitution"),
    ("${v^^^}", "bad substitution"),
    ("${v,x}", "bad substitution"),
    ("${v#a${b}}", "bad substitution"),
    ("${v:1${n}}", "bad substitution"),
    ("${#}", "bad substitution"),
    ("${##v}", "bad substitution"),
    ("${#v:1}", "bad substitution"),
    ("ok ${v} then ${bad", "missing closing brace"),
    ("${v:1:-1}", "runtime error: slice bounds out of range [1:0]"),
    ("${v:0:-1}", "runtime error: slice bounds out of range [:-1]"),
    (
        "${v:1:9223372036854775807}",
        "runtime error: slice bounds out of range [:-9223372036854775808]",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERROR_ROWS)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(SubstitutionError) as info:
        substitute(text, params(GV))
    assert str(info.value) == message


def test_error_is_a_velarun_error() -> None:
    assert issubclass(SubstitutionError, VelarunError)


def test_nesting_is_bounded() -> None:
    ok = "${a:-" * MAX_NESTING + "x" + "}" * MAX_NESTING
    assert substitute(ok, params({})) == "x"
    deep = "${a:-" * (MAX_NESTING + 2) + "x" + "}" * (MAX_NESTING + 2)
    with pytest.raises(SubstitutionError, match="nested"):
        substitute(deep, params({}))


def test_many_references_do_not_recurse() -> None:
    text = "${v}-" * 20000
    assert substitute(text, params(GV)) == "hello-" * 20000


# -- any text: only SubstitutionError, always an answer -----------------------------------------

SPECIALS = "${}$#%:/=-?+^,\\*[]!._ aZ9é\x00\n"
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list(SPECIALS)), max_size=60),
    st.lists(
        st.sampled_from(["${", "}", "$$", "\\\\", "\\/", "v", "e", ":", "-", "#", "%", "/", "*"]),
        max_size=30,
    ).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(text=texts, value=st.text(max_size=12))
def test_any_text_substitutes_or_raises_substitution_error(text: str, value: str) -> None:
    mapping = params({"v": value, "e": ""})
    try:
        out = substitute(text, mapping)
    except SubstitutionError:
        return
    assert isinstance(out, str)
    out.encode("utf-8", "surrogatepass")


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(exclude_characters="$\\\x00")))
def test_text_without_dollar_backslash_or_nul_is_unchanged(text: str) -> None:
    assert substitute(text, params({})) == text
