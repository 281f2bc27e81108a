"""`eval` expressions: the expr-lang/expr subset, checked against what expr v1.17.8 gives with
the server's options (a map[string]string environment, undefined names allowed, bool result).

Each row states a fact about expr read from its parser, checker and VM; messages are whole.
"""

from __future__ import annotations

import pytest

from velarun.compile.expr import ExprError, Node, parse
from velarun.compile.expr_eval import run

ENV = {
    "VELA_BUILD_AUTHOR": "octocat",
    "VELA_BUILD_EVENT": "push",
    "VELA_BUILD_BRANCH": "release/v1.2",
    "VELA_BUILD_MESSAGE": "Fix: the thing\nsecond line",
    "COUNT": "3",
    "EMPTY": "",
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # the example and its variations
        ('VELA_BUILD_AUTHOR == "octocat" && VELA_BUILD_EVENT in ["push", "tag"]', True),
        ('VELA_BUILD_AUTHOR == "octocat" and VELA_BUILD_EVENT in ["pull_request"]', False),
        ("VELA_BUILD_AUTHOR == 'Octocat'", False),  # case matters
        ("VELA_BUILD_EVENT not in ['tag', 'deployment']", True),
        ("not (VELA_BUILD_EVENT in ['push'])", False),
        ("!(VELA_BUILD_EVENT == 'push')", False),
        ("VELA_BUILD_EVENT != 'push' || VELA_BUILD_AUTHOR == 'octocat'", True),
        # a name the environment does not have reads as "" (map[string]string's zero value)
        ("NOT_SET == 'x'", False),
        ("NOT_SET == ''", True),
        ("NOT_SET == nil", False),
        ("EMPTY == NOT_SET", True),
        ("len(NOT_SET) == 0", True),
        ("NOT_SET in ['']", True),
        # string operators (Go's regexp syntax, unanchored, via RE2)
        ("VELA_BUILD_BRANCH startsWith 'release/'", True),
        ("VELA_BUILD_BRANCH endsWith '.2'", True),
        ("VELA_BUILD_BRANCH contains 'v1'", True),
        ("VELA_BUILD_BRANCH not contains 'v1'", False),
        ("VELA_BUILD_BRANCH matches 'v[0-9]+\\\\.[0-9]+$'", True),
        ("VELA_BUILD_BRANCH matches '^v'", False),
        ("VELA_BUILD_BRANCH not matches '^v'", True),
        ("VELA_BUILD_MESSAGE matches '(?i)^fix:'", True),
        ("VELA_BUILD_MESSAGE matches '^second'", False),  # no multi-line mode by default
        ("VELA_BUILD_MESSAGE matches '(?m)^second'", True),
        ("{'a': nil}.a contains 'a'", False),  # nil at run time: contains/matches... are false
        # builtins
        ("lower(VELA_BUILD_AUTHOR) == 'octocat' && upper('aB') == 'AB'", True),
        ("len('héllo') == 6", True),  # bytes, as Go counts
        ("len([1, 2, 3]) == 3 && len({'a': 1}) == 1", True),
        ("trim('  x ') == 'x' && trim('xxaxx', 'x') == 'a'", True),
        ("trimPrefix(VELA_BUILD_BRANCH, 'release/') == 'v1.2'", True),
        ("trimSuffix('a.yml', '.yml') == 'a'", True),
        ("hasPrefix('abc', 'ab') && hasSuffix('abc', 'bc')", True),
        ("indexOf('héllo', 'l') == 3 && lastIndexOf('hello', 'l') == 3", True),
        ("split(VELA_BUILD_BRANCH, '/')[1] == 'v1.2'", True),
        ("replace('a-b-c', '-', '+') == 'a+b+c'", True),
        ("replace('aaa', 'a', 'b', 2) == 'bba' && split('a,b,c', ',', 2)[1] == 'b,c'", True),
        ("join(['a', 'b'], ',') == 'a,b'", True),
        ("int(COUNT) > 2 && float('1.5') == 1.5 && string(12) == '12'", True),
        ("abs(-3) == 3", True),
        ("+NOT_SET == ''", True),  # a unary plus does nothing at run time
        ("-(-9223372036854775807 - 1) < 0", True),  # negation wraps too
        # numbers: int and float compare by value; / and ** give floats; % is Go's
        ("1 == 1.0", True),
        ("7 / 2 == 3.5", True),
        ("2 ** 10 == 1024", True),
        ("-7 % 3 == -1", True),
        ("0x10 == 16 && 0o10 == 8 && 0b10 == 2 && 1_000 == 1000 && 1e3 == 1000", True),
        (".5 == 0.5", True),
        ("0x_FF == 255 && 0755 == 755", True),  # a leading 0 is not octal
        ("1 / 0 > 1e308", True),  # +Inf, as Go's float division
        ("9223372036854775807 + 1 < 0", True),  # int64 wraps
        # strings: concatenation, escapes, three quotes
        ("'a' + 'b' == 'ab'", True),
        ('"\\x41\\u00e9\\t" == "Aé\t"', True),
        ("`a\\n` == 'a\\\\n'", True),  # raw string: no escapes
        ("'it\\'s' == \"it's\"", True),
        ("'\\101\\u{1F600}' == 'A😀'", True),  # octal, and \\u{...} of 1 to 6 hex digits
        ("`a``b` == 'a`b'", True),  # a doubled backquote in a raw string
        ("`two\nlines` contains '\\n'", True),  # raw strings may span lines
        ("'b' > 'a' && 'B' < 'a'", True),
        # arrays, maps, members, indexes, slices, ranges
        ("[1, 2, 3][-1] == 3", True),
        ("[1, [2, 3]][1][0] == 2", True),
        ("{'a': {'b': 'c'}}.a.b == 'c'", True),
        ("{'a': 1}['a'] == 1", True),
        ("{'a': 1}.missing == nil", True),
        ("{'a': nil}?.a?.b == nil", True),
        ("[1, 2, 3, 4][1:3] == [2, 3]", True),
        ("'hello'[1:3] == 'el'", True),
        ("[1, 2] == [1, 2] && [1] != [1.0]", True),
        ("2 in 1..3 && !(4 in 1..3)", True),
        ("'a' in {'a': 1}", True),
        ("'a' in {'a': nil}.a", False),  # in nil: false
        # expr's optimizer makes `x in [string literals]` a map lookup, where nil finds ""
        ("{'a': nil}.a in ['', 'x']", True),
        ("{'a': nil}.a in ['x', 1]", False),  # not all strings: compared one by one
        # conditionals and nil coalescing
        ("VELA_BUILD_EVENT == 'push' ? true : false", True),
        ("false ?: true", True),
        ("(nil ?? 'd') == 'd' && ('v' ?? 'd') == 'v'", True),
        ("nil == nil", True),
        # a result of unknown type that is nil counts as false (expr's AsBool)
        ("{'a': nil}.a", False),
        ("true && {'a': nil}.a", False),
        # comments and white space
        ("/* c */ true // d", True),
        ("true\n  && VELA_BUILD_EVENT == 'push'", True),
    ],
)
def test_values(expression: str, expected: bool) -> None:
    assert run(expression, ENV) is expected


def _error(expression: str) -> str:
    with pytest.raises(ExprError) as info:
        run(expression, ENV)
    return str(info.value)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # syntax
        (
            "1 +",
            "failed to compile eval of 1 +: unexpected token EOF (1:3)\n | 1 +\n | ..^",
        ),
        (
            "VELA_BUILD_EVENT == 'push' &",
            "failed to compile eval of VELA_BUILD_EVENT == 'push' &: unexpected token"
            ' Operator("&") (1:28)\n'
            " | VELA_BUILD_EVENT == 'push' &\n"
            " | ...........................^",
        ),
        (
            "(true",
            "failed to compile eval of (true: unexpected token EOF (1:5)\n | (true\n | ....^",
        ),
        (
            "'abc",
            "failed to compile eval of 'abc: literal not terminated (1:5)\n | 'abc\n | ....^",
        ),
        (
            "'a\nb' == 'ab'",
            "failed to compile eval of 'a\nb' == 'ab': literal not terminated (1:3)\n | 'a\n | ..^",
        ),
        (
            "'\\x4g'",
            "failed to compile eval of '\\x4g': invalid char escape (1:5)\n | '\\x4g'\n | ....^",
        ),
        (
            "0x == 1",  # a literal's error is reported at the token after it, as expr does
            "failed to compile eval of 0x == 1: invalid hex literal: strconv.ParseInt: parsing"
            ' "0x": invalid syntax (1:4)\n | 0x == 1\n | ...^',
        ),
        (
            "9223372036854775808 > 1",
            "failed to compile eval of 9223372036854775808 > 1: invalid integer literal:"
            ' strconv.ParseInt: parsing "9223372036854775808": value out of range (1:21)\n'
            " | 9223372036854775808 > 1\n"
            " | ....................^",
        ),
        (
            "1e400 > 1",
            "failed to compile eval of 1e400 > 1: invalid float literal: strconv.ParseFloat:"
            ' parsing "1e400": value out of range (1:7)\n | 1e400 > 1\n | ......^',
        ),
        (
            "12abc == 1",
            'failed to compile eval of 12abc == 1: bad number syntax: "12a" (1:3)\n'
            " | 12abc == 1\n"
            " | ..^",
        ),
        (
            "1 ~ 2",
            "failed to compile eval of 1 ~ 2: unrecognized character: U+007E '~' (1:3)\n"
            " | 1 ~ 2\n"
            " | ..^",
        ),
        (
            "'\\q' == 'q'",
            "failed to compile eval of '\\q' == 'q': invalid char escape (1:3)\n"
            " | '\\q' == 'q'\n"
            " | ..^",
        ),
        (
            "a not b",
            'failed to compile eval of a not b: unexpected token Identifier("b") (1:7)\n'
            " | a not b\n"
            " | ......^",
        ),
        (
            "true ?? false || true",
            "failed to compile eval of true ?? false || true: Operator (||) and coalesce"
            " expressions (??) cannot be mixed. Wrap either by parentheses. (1:15)\n"
            " | true ?? false || true\n"
            " | ..............^",
        ),
        (
            "true\n&& (",
            "failed to compile eval of true\n&& (: unexpected token EOF (2:4)\n | && (\n | ...^",
        ),
        # types the checker knows: environment variables are strings, literals are typed
        (
            "VELA_BUILD_EVENT",
            "failed to compile eval of VELA_BUILD_EVENT: expected bool, but got string",
        ),
        ("1 + 1", "failed to compile eval of 1 + 1: expected bool, but got int"),
        ("nil", "failed to compile eval of nil: expected bool, but got unknown"),
        (
            "COUNT > 2",
            "failed to compile eval of COUNT > 2: invalid operation: > (mismatched types string"
            " and int) (1:7)\n | COUNT > 2\n | ......^",
        ),
        (
            "'a' == 1",
            "failed to compile eval of 'a' == 1: invalid operation: == (mismatched types string"
            " and int) (1:5)\n | 'a' == 1\n | ....^",
        ),
        (
            "not VELA_BUILD_EVENT",
            "failed to compile eval of not VELA_BUILD_EVENT: invalid operation: not (mismatched"
            " type string) (1:1)\n | not VELA_BUILD_EVENT\n | ^",
        ),
        (
            "VELA_BUILD_EVENT in [1, 2]",
            "failed to compile eval of VELA_BUILD_EVENT in [1, 2]: cannot use string as type int"
            " in array (1:18)\n | VELA_BUILD_EVENT in [1, 2]\n | .................^",
        ),
        (
            "VELA_BUILD_EVENT matches '(?!a)'",
            "failed to compile eval of VELA_BUILD_EVENT matches '(?!a)': error parsing regexp:"
            " invalid perl operator: (?! (1:18)\n"
            " | VELA_BUILD_EVENT matches '(?!a)'\n"
            " | .................^",
        ),
        (
            "VELA_BUILD_EVENT.x == ''",
            "failed to compile eval of VELA_BUILD_EVENT.x == '': type string has no field x"
            " (1:18)\n | VELA_BUILD_EVENT.x == ''\n | .................^",
        ),
        (
            "VELA_BUILD_EVENT[0] == ''",
            "failed to compile eval of VELA_BUILD_EVENT[0] == '': type string[int] is undefined"
            " (1:17)\n | VELA_BUILD_EVENT[0] == ''\n | ................^",
        ),
        (
            "[1]['a'] == 1",
            "failed to compile eval of [1]['a'] == 1: array elements can only be selected using"
            " an integer (got string) (1:5)\n | [1]['a'] == 1\n | ....^",
        ),
        (
            "len(1) == 1",
            "failed to compile eval of len(1) == 1: invalid argument for len (type int) (1:1)\n"
            " | len(1) == 1\n"
            " | ^",
        ),
        (
            "'a' in 'abc'",
            "failed to compile eval of 'a' in 'abc': invalid operation: in (mismatched types"
            " string and string) (1:5)\n | 'a' in 'abc'\n | ....^",
        ),
        (
            "nil contains 'a'",
            "failed to compile eval of nil contains 'a': invalid operation: contains (mismatched"
            " types unknown and string) (1:5)\n | nil contains 'a'\n | ....^",
        ),
        (
            "nil ?: true",
            "failed to compile eval of nil ?: true: non-bool expression (type unknown) used as"
            " condition (1:1)\n | nil ?: true\n | ^",
        ),
        (
            "NOT_SET ?? 'a' + 'b' == 'ab'",
            "failed to compile eval of NOT_SET ?? 'a' + 'b' == 'ab': Operator (+) and coalesce"
            " expressions (??) cannot be mixed. Wrap either by parentheses. (1:16)\n"
            " | NOT_SET ?? 'a' + 'b' == 'ab'\n"
            " | ...............^",
        ),
        # builtins: expr's Validate messages (len, abs, int, float) and overloads (the rest)
        (
            "lower()",
            "failed to compile eval of lower(): not enough arguments to call lower (1:1)\n"
            " | lower()\n"
            " | ^",
        ),
        (
            "trim('a', 'b', 'c') == ''",
            "failed to compile eval of trim('a', 'b', 'c') == '': too many arguments to call trim"
            " (1:1)\n | trim('a', 'b', 'c') == ''\n | ^",
        ),
        (
            "trimPrefix(1) == ''",
            "failed to compile eval of trimPrefix(1) == '': cannot use int as argument (type"
            " string) to call trimPrefix  (1:12)\n | trimPrefix(1) == ''\n | ...........^",
        ),
        (
            "upper(nil) == ''",
            "failed to compile eval of upper(nil) == '': cannot use nil as argument (type string)"
            " to call upper (1:7)\n | upper(nil) == ''\n | ......^",
        ),
        (
            "int(true) == 1",
            "failed to compile eval of int(true) == 1: invalid argument for int (type bool)"
            " (1:1)\n | int(true) == 1\n | ^",
        ),
        (
            "1 ? true : false",
            "failed to compile eval of 1 ? true : false: non-bool expression (type int) used as"
            " condition (1:1)\n | 1 ? true : false\n | ^",
        ),
        # run time: what only the values tell (names not in the environment read as "")
        (
            "1 + bad-eval",  # the server's own test case: (1 + bad) - eval
            "failed to run eval of 1 + bad-eval: invalid operation: int + string (1:3)\n"
            " | 1 + bad-eval\n"
            " | ..^",
        ),
        (
            "NOT_SET",
            "failed to run eval of NOT_SET: invalid operation: bool(string) (1:1)\n"
            " | NOT_SET\n"
            " | ^",
        ),
        (
            "NOT_SET && true",
            "failed to run eval of NOT_SET && true: interface conversion: interface {} is"
            " string, not bool (1:9)\n | NOT_SET && true\n | ........^",
        ),
        (
            "NOT_SET > 1",
            "failed to run eval of NOT_SET > 1: invalid operation: string > int (1:9)\n"
            " | NOT_SET > 1\n"
            " | ........^",
        ),
        (
            "NOT_SET[0] == ''",
            "failed to run eval of NOT_SET[0] == '': index out of range: 0 (array length is 0)"
            " (1:8)\n | NOT_SET[0] == ''\n | .......^",
        ),
        (
            "7 % 0 == 1",  # expr's optimizer folds constants, so this one fails to compile
            "failed to compile eval of 7 % 0 == 1: integer divide by zero (1:3)\n"
            " | 7 % 0 == 1\n"
            " | ..^",
        ),
        (
            "7 % (1 - 1) == 1",
            "failed to compile eval of 7 % (1 - 1) == 1: integer divide by zero (1:3)\n"
            " | 7 % (1 - 1) == 1\n"
            " | ..^",
        ),
        (
            "7 % int('0') == 1",
            "failed to run eval of 7 % int('0') == 1: runtime error: integer divide by zero"
            " (1:3)\n | 7 % int('0') == 1\n | ..^",
        ),
        (
            "'a' in NOT_SET",
            "failed to run eval of 'a' in NOT_SET: operator \"in\" not defined on string (1:5)\n"
            " | 'a' in NOT_SET\n"
            " | ....^",
        ),
        (
            "VELA_BUILD_EVENT != 'push' || matchesAny(VELA_BUILD_EVENT)",
            "failed to run eval of VELA_BUILD_EVENT != 'push' || matchesAny(VELA_BUILD_EVENT):"
            " invalid operation: cannot call non-function of type string (1:31)\n"
            " | VELA_BUILD_EVENT != 'push' || matchesAny(VELA_BUILD_EVENT)\n"
            " | ..............................^",
        ),
        (
            "{'a': 1}.a in ['x']",
            "failed to run eval of {'a': 1}.a in ['x']: reflect.Value.MapIndex: value of type int"
            " is not assignable to type string (1:12)\n | {'a': 1}.a in ['x']\n | ...........^",
        ),
        (
            "-NOT_SET == 1",
            "failed to run eval of -NOT_SET == 1: invalid operation: - string (1:1)\n"
            " | -NOT_SET == 1\n"
            " | ^",
        ),
        (
            "int('x') == 1",
            "failed to run eval of int('x') == 1: strconv.Atoi: parsing \"x\": invalid syntax"
            " (1:1)\n | int('x') == 1\n | ^",
        ),
    ],
)
def test_errors(expression: str, expected: str) -> None:
    assert _error(expression) == expected


def test_short_circuit_skips_what_would_fail() -> None:
    """``&&``/``||``/``?:`` never run the side they skip, so its run-time error never shows."""
    assert run("false && NOT_SET > 1", ENV) is False
    assert run("true || NOT_SET > 1", ENV) is True
    assert run("true ? true : NOT_SET > 1", ENV) is True


def test_position_counts_runes_not_bytes() -> None:
    error = _error("'é' == 1")
    assert error.startswith("failed to compile eval of 'é' == 1: invalid operation: == ")
    assert "(1:5)" in error


# -- precedence ------------------------------------------------------------------------------


def _shape(node: Node) -> str:
    """The tree fully parenthesised."""
    kids = [_shape(c) for c in node.children]
    if node.kind == "binary":
        return f"({kids[0]} {node.value} {kids[1]})"
    if node.kind == "unary":
        return f"({node.value} {kids[0]})"
    if node.kind == "cond":
        return f"({kids[0]} ? {kids[1]} : {kids[2]})"
    if node.kind == "member":
        return f"{kids[0]}[{kids[1]}]"
    if node.kind == "call":
        return f"{node.value}({', '.join(kids)})"
    if node.kind == "array":
        return f"[{', '.join(kids)}]"
    if node.kind == "string":
        return repr(node.value)
    return str(node.value)


@pytest.mark.parametrize(
    ("expression", "shape"),
    [
        ("a || b && c", "(a || (b && c))"),
        ("a or b and c", "(a or (b and c))"),
        ("a && b || c && d", "((a && b) || (c && d))"),
        ("a == b && c != d", "((a == b) && (c != d))"),
        ("a + b * c", "(a + (b * c))"),
        ("a * b + c", "((a * b) + c)"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b % c", "((a / b) % c)"),
        ("a ** b ** c", "(a ** (b ** c))"),  # right-associative
        ("a ^ b ** c", "(a ^ (b ** c))"),
        ("-a ** b", "(- (a ** b))"),  # unary minus binds looser than **
        ("-a * b", "((- a) * b)"),
        ("not a == b", "((not a) == b)"),  # not binds tighter than comparisons, as in expr
        ("!a && b", "((! a) && b)"),
        ("not a in b", "((not a) in b)"),
        ("a not in b", "(not (a in b))"),
        ("a not in b && c", "((not (a in b)) && c)"),
        ("a + b not in c", "(not ((a + b) in c))"),
        ("a in b == c", "((a in b) == c)"),
        ("a == b in c", "((a == b) in c)"),
        ("a contains b || c", "((a contains b) || c)"),
        ("a + b matches c", "((a + b) matches c)"),
        ("a < b < c", "((a < b) && (b < c))"),  # comparisons chain
        ("a < b <= c > d", "(((a < b) && (b <= c)) && (c > d))"),
        ("a < b == c", "((a < b) == c)"),
        ("a .. b + c", "(a .. (b + c))"),
        ("a ?? b ?? c", "((a ?? b) ?? c)"),
        ("a + b ?? c", "(a + (b ?? c))"),  # ?? binds tightest
        ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
        ("a || b ? c : d", "((a || b) ? c : d)"),
        ("a ?: b", "(a ? a : b)"),
        ("(a || b) && c", "((a || b) && c)"),
        ("f(a, b + c)[0]", "f(a, (b + c))[0]"),
        ("a.b[c] == d", "((a['b'])[c] == d)".replace("(a['b'])", "a['b']")),
        ("-a.b", "(- a['b'])"),
        ("[a, b && c]", "[a, (b && c)]"),
    ],
)
def test_precedence(expression: str, shape: str) -> None:
    assert _shape(parse(expression)) == shape


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true || false && false", True),
        ("(true || false) && false", False),
        ("1 + 2 * 3 == 7", True),
        ("2 ** 3 ** 2 == 512", True),
        ("-2 ** 2 == -4", True),
        ("not true == false", True),
        ("10 - 4 - 3 == 3", True),
        ("1 < 2 < 3", True),
        ("3 > 2 > 1", True),
        ("1 < 3 < 2", False),
        ("'a' + 'b' in ['ab']", True),
        ("false ? false : true ? true : false", True),
    ],
)
def test_precedence_values(expression: str, expected: bool) -> None:
    assert run(expression, ENV) is expected
