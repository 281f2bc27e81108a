"""Go's filepath.Match table (src/path/filepath/match_test.go), plus Vela ruleset rows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from velarun.compile.glob import BadPatternError, match, validate

ERR = "error"

# (pattern, name, expected: True | False | ERR)
GO_TABLE: list[tuple[str, str, bool | str]] = [
    ("abc", "abc", True),
    ("*", "abc", True),
    ("*c", "abc", True),
    ("a*", "a", True),
    ("a*", "abc", True),
    ("a*", "ab/c", False),
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False),
    ("ab[^e-g]", "abc", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("a?b", "a☺b", True),
    ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False),
    ("a[^a][^a][^a]b", "a☺b", False),
    ("[a-ζ]*", "α", True),
    ("*[a-ζ]", "A", False),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
    ("[\\]a]", "]", True),
    ("[\\-]", "-", True),
    ("[x\\-]", "x", True),
    ("[x\\-]", "-", True),
    ("[x\\-]", "z", False),
    ("[\\-x]", "x", True),
    ("[\\-x]", "-", True),
    ("[\\-x]", "a", False),
    ("[]a]", "]", ERR),
    ("[-]", "-", ERR),
    ("[x-]", "x", ERR),
    ("[x-]", "-", ERR),
    ("[x-]", "z", ERR),
    ("[-x]", "x", ERR),
    ("[-x]", "-", ERR),
    ("[-x]", "a", ERR),
    ("\\", "a", ERR),
    ("[a-b-c]", "a", ERR),
    ("[", "a", ERR),
    ("[^", "a", ERR),
    ("[^bc", "a", ERR),
    ("a[", "a", ERR),
    ("a[", "ab", ERR),
    ("a[", "x", ERR),
    ("a/b[", "x", ERR),
    ("*x", "xxx", True),
]

VELA_ROWS: list[tuple[str, str, bool | str]] = [
    ("docs/*", "docs/sub/a.md", False),
    ("*.md", "README.md", True),
    ("*.md", "docs/a.md", False),
    ("release*", "release/1.0", False),
    ("release/*", "release/1.0", True),
    ("pull_request*", "pull_request:labeled", True),
    ("octo*/*", "octocat/hello", True),
    ("run *", "run tests", True),
    ("[!a]", "!", True),  # `!` is literal; negation is `^`
    ("[!a]", "b", False),
    ("**/*.go", "a/b/c.go", False),  # no globstar
    ("{a,b}", "a", False),  # no braces
    ("refs/heads/*", "refs/heads/main", True),
    ("main", "", False),
    ("*", "", True),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), GO_TABLE + VELA_ROWS)
def test_match(pattern: str, name: str, expected: bool | str) -> None:
    if expected == ERR:
        with pytest.raises(BadPatternError, match="syntax error in pattern"):
            match(pattern, name)
    else:
        assert match(pattern, name) is expected


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [("a*", True), ("[a-z]?", True), ("a[", False), ("[^", False), ("x\\", False)],
)
def test_validate(pattern: str, ok: bool) -> None:
    if ok:
        validate(pattern)
    else:
        with pytest.raises(BadPatternError):
            validate(pattern)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab*?[]^-\\/!", max_size=14), st.text(alphabet="ab/-!", max_size=14))
def test_never_raises_anything_else(pattern: str, name: str) -> None:
    try:
        assert match(pattern, name) in (True, False)
    except BadPatternError:
        pass
