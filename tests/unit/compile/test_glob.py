"""velarun.compile.glob against Go's own filepath.Match table, Vela ruleset rows and Go's quirks,
and the separator parameter (``/`` for filepath.Match, None for drone/envsubst's path.Match)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from velarun.compile.glob import SEPARATOR, BadPatternError, match, match_bytes, validate
from velarun.errors import VelarunError

ERR = "syntax error in pattern"

# Every row of `matchTests` in Go's src/path/filepath/match_test.go, in order:
# (pattern, name, expected match, expected error or None).
GO_MATCH_TESTS: list[tuple[str, str, bool, str | None]] = [
    ("abc", "abc", True, None),
    ("*", "abc", True, None),
    ("*c", "abc", True, None),
    ("a*", "a", True, None),
    ("a*", "abc", True, None),
    ("a*", "ab/c", False, None),
    ("a*/b", "abc/b", True, None),
    ("a*/b", "a/c/b", False, None),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True, None),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True, None),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False, None),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False, None),
    ("a*b?c*x", "abxbbxdbxebxczzx", True, None),
    ("a*b?c*x", "abxbbxdbxebxczzy", False, None),
    ("ab[c]", "abc", True, None),
    ("ab[b-d]", "abc", True, None),
    ("ab[e-g]", "abc", False, None),
    ("ab[^c]", "abc", False, None),
    ("ab[^b-d]", "abc", False, None),
    ("ab[^e-g]", "abc", True, None),
    ("a\\*b", "a*b", True, None),
    ("a\\*b", "ab", False, None),
    ("a?b", "a☺b", True, None),
    ("a[^a]b", "a☺b", True, None),
    ("a???b", "a☺b", False, None),
    ("a[^a][^a][^a]b", "a☺b", False, None),
    ("[a-ζ]*", "α", True, None),
    ("*[a-ζ]", "A", False, None),
    ("a?b", "a/b", False, None),
    ("a*b", "a/b", False, None),
    ("[\\]a]", "]", True, None),
    ("[\\-]", "-", True, None),
    ("[x\\-]", "x", True, None),
    ("[x\\-]", "-", True, None),
    ("[x\\-]", "z", False, None),
    ("[\\-x]", "x", True, None),
    ("[\\-x]", "-", True, None),
    ("[\\-x]", "a", False, None),
    ("[]a]", "]", False, ERR),
    ("[-]", "-", False, ERR),
    ("[x-]", "x", False, ERR),
    ("[x-]", "-", False, ERR),
    ("[x-]", "z", False, ERR),
    ("[-x]", "x", False, ERR),
    ("[-x]", "-", False, ERR),
    ("[-x]", "a", False, ERR),
    ("\\", "a", False, ERR),
    ("[a-b-c]", "a", False, ERR),
    ("[", "a", False, ERR),
    ("[^", "a", False, ERR),
    ("[^bc", "a", False, ERR),
    ("a[", "a", False, ERR),
    ("a[", "ab", False, ERR),
    ("a[", "x", False, ERR),
    ("a/b[", "x", False, ERR),
    ("*x", "xxx", True, None),
]

# What Vela rulesets actually hold (branch, event, path, comment, tag patterns).
VELA_ROWS: list[tuple[str, str, bool, str | None]] = [
    ("docs/*", "docs/sub/a.md", False, None),
    ("*.md", "README.md", True, None),
    ("*.md", "docs/a.md", False, None),
    ("release*", "release/1.0", False, None),
    ("release/*", "release/1.0", True, None),
    ("pull_request*", "pull_request:labeled", True, None),
    ("octo*/*", "octocat/hello", True, None),
    ("run *", "run tests", True, None),
    ("[!a]", "!", True, None),  # `!` is a literal class member, not negation
    ("[!a]", "a", True, None),
    ("[!a]", "b", False, None),
    ("**/*.go", "a/b/c.go", False, None),  # no globstar: `**` is `*`
    ("**/*.go", "a/c.go", True, None),
    ("{a,b}", "a", False, None),  # no braces
    ("{a,b}", "{a,b}", True, None),
    ("main", "main", True, None),
    ("main", "mainline", False, None),  # whole-string match
    ("refs/heads/*", "refs/heads/main", True, None),
    ("v[0-9]*", "v1.2.3", True, None),
    ("*", "", True, None),
    ("", "", True, None),
    ("", "a", False, None),
    ("*", "a/b", False, None),
    ("[]", "a", False, ERR),  # an empty class is malformed
    ("[]", "", False, ERR),
    ("a\\", "a", False, ERR),  # trailing backslash
    ("\\\\", "\\", True, None),  # escaped backslash
    ("[\\\\]", "\\", True, None),
    ("\\a", "a", True, None),  # an escaped ordinary character is itself
]

# Corners of Go's implementation that a code-point port would get wrong: a `*` gives up the
# name one byte at a time, so `?` and classes can start inside a multi-byte character, where
# Go decodes each stray byte as U+FFFD. Checked against Go's filepath.Match.
GO_QUIRK_ROWS: list[tuple[str, str, bool, str | None]] = [
    ("??", "☺", False, None),
    ("*??", "☺", True, None),  # `*` takes byte 1, each `?` one continuation byte
    ("*???", "☺", False, None),
    ("*[^a][^a]", "☺", True, None),
    ("*[\ufffd]", "☺", True, None),  # a stray continuation byte decodes to U+FFFD
    ("[\ufffd]", "☺", False, None),
    ("*\ufffd", "☺", False, None),  # literals compare bytes, so this cannot start mid-rune
    ("?", "\udc98", True, None),  # a surrogateescape'd byte is the raw byte, as Go sees it
    ("[\ufffd]", "\udc98", True, None),
    ("[^\ufffd]", "\udc98", False, None),
    ("[\udc98]", "x", False, ERR),  # an invalid byte in a class is malformed
    ("\udc98", "\udc98", True, None),  # outside a class it is a literal byte
    ("*a", "xa", True, None),
    ("*[a-]", "x", False, ERR),  # errors surface from the star loop too
    ("a*b[", "axb", False, ERR),
    ("x*[", "a", False, ERR),  # the first chunk fails, the malformed remainder still errors
    ("[*]", "*", True, None),  # a `*` inside a class does not end the chunk
    ("[^/]", "/", False, None),
    ("[/]", "/", True, None),  # classes can match the separator, `?` cannot
    ("?", "/", False, None),
]


@pytest.mark.parametrize(
    ("pattern", "name", "expected", "error"), GO_MATCH_TESTS + VELA_ROWS + GO_QUIRK_ROWS
)
def test_match(pattern: str, name: str, expected: bool, error: str | None) -> None:
    if error is not None:
        with pytest.raises(BadPatternError, match=f"^{error}$"):
            match(pattern, name)
        with pytest.raises(BadPatternError):
            validate(pattern)
    else:
        assert match(pattern, name) is expected
        validate(pattern)


# The separator: (pattern, name, with separator "/" (filepath.Match), with none (drone/envsubst's
# copy of path.Match)); ERR is a malformed pattern under both. Only `*` and `?` differ.
SEPARATOR_ROWS: list[tuple[str, str, bool | str, bool | str]] = [
    ("a*", "ab/c", False, True),
    ("a*/b", "a/c/b", False, True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False, True),
    ("*", "a/b", False, True),  # a trailing `*` takes the rest, `/` and all
    ("a/*", "a/b/c", False, True),
    ("*/", "/a/b/", False, True),
    ("a?b", "a/b", False, True),
    ("?", "/", False, True),
    ("??", "☺/", False, True),
    ("*.go", "a/b.go", False, True),
    ("docs/*", "docs/sub/a.md", False, True),
    ("*", "", True, True),
    ("a*", "abc", True, True),
    ("a/b", "a/b", True, True),
    ("[/]", "/", True, True),  # classes match `/` under both
    ("[^/]", "/", False, False),
    ("a\\/b", "a/b", True, True),
    ("a?b", "a☺c", False, False),
    ("a*[", "a/b", ERR, ERR),
    ("x*[", "a/b", ERR, ERR),
    ("*/[]", "a/b", ERR, ERR),
]


def _outcome(pattern: str, name: str, separator: int | None) -> bool | str:
    try:
        return match(pattern, name, separator=separator)
    except BadPatternError as exc:
        return str(exc)


@pytest.mark.parametrize(("pattern", "name", "with_slash", "without"), SEPARATOR_ROWS)
def test_separator(pattern: str, name: str, with_slash: bool | str, without: bool | str) -> None:
    assert _outcome(pattern, name, SEPARATOR) == with_slash
    assert _outcome(pattern, name, None) == without


def test_the_default_separator_is_slash() -> None:
    assert ord("/") == SEPARATOR
    assert match("a*", "a/b") is match("a*", "a/b", separator=SEPARATOR) is False
    assert match_bytes(b"a*", b"a/b") is False
    assert match_bytes(b"a*", b"a/b", None) is True


def test_go_table_is_complete() -> None:
    assert len(GO_MATCH_TESTS) == 56


def test_bad_pattern_error_is_a_velarun_error() -> None:
    assert issubclass(BadPatternError, VelarunError)
    assert str(BadPatternError()) == "syntax error in pattern"


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("", True),
        ("a*", True),
        ("[a-z]?", True),
        ("[\\]]", True),
        ("*[a-", False),
        ("a[", False),
        ("[^", False),
        ("x\\", False),
        ("ok*[z-]", False),
    ],
)
def test_validate(pattern: str, ok: bool) -> None:
    if ok:
        validate(pattern)
    else:
        with pytest.raises(BadPatternError):
            validate(pattern)


def test_hostile_patterns_neither_recurse_nor_blow_up() -> None:
    assert match("[a]" * 50_000, "a" * 50_000) is True
    assert match("*a" * 2_000 + "b", "a" * 4_000) is False
    with pytest.raises(BadPatternError):
        match("a" * 100_000 + "[", "x")


_PATTERN_CHARS = st.sampled_from([*"ab*?[]^-\\/!", "☺", "α", "\ufffd", "\udc98"])
_NAME_CHARS = st.sampled_from([*"ab/-!]*?\\", "☺", "α", "\ufffd", "\udc98", "😀"])


@settings(max_examples=1000, deadline=1000)
@given(st.text(_PATTERN_CHARS, max_size=16), st.text(_NAME_CHARS, max_size=16))
def test_only_bad_pattern_error_escapes(pattern: str, name: str) -> None:
    try:
        result = match(pattern, name)
    except BadPatternError:
        with pytest.raises(BadPatternError):
            validate(pattern)  # malformedness depends on the pattern alone
    else:
        assert isinstance(result, bool)
        validate(pattern)


@settings(max_examples=300, deadline=1000)
@given(st.text(max_size=40), st.text(max_size=40))
def test_any_text_terminates(pattern: str, name: str) -> None:
    try:
        assert match(pattern, name) in (True, False)
    except BadPatternError:
        pass


@settings(max_examples=300, deadline=1000)
@given(st.text(st.characters(blacklist_characters="*?[\\"), max_size=20), st.text(max_size=20))
def test_pattern_without_metacharacters_is_string_equality(pattern: str, name: str) -> None:
    assert match(pattern, pattern) is True
    assert match(pattern, name) is (pattern == name)
