"""The part of expr-lang/expr (v1.17.8, the version the Vela server uses) that ``eval`` rules use:
its parser (the lexer is :mod:`velarun.compile.expr_lex`), with expr's operators and precedence.

The server compiles ``ruleset.eval`` with ``expr.Compile(..., expr.Env(env),
expr.AllowUndefinedVariables(), expr.AsBool())`` and runs it against the step's environment
(``compiler/types/pipeline/ruleset.go MatchRules``). :mod:`velarun.compile.expr_eval` checks
and evaluates the tree built here; :func:`velarun.compile.expr_eval.run` is the entry point.

Supported: literals (numbers in every base expr reads, strings in ``"``, ``'`` or backquotes
with Go escapes, ``true``/``false``/``nil``, arrays, maps), identifiers, member and index
access (``a.b``, ``a?.b``, ``a[i]``, ``a[i:j]``), calls, unary ``not``/``!``/``-``/``+``,
every binary operator of expr's table except the pipe ``|``, ``not in``-style negated
operators, chained comparisons (``a < b < c``), ``a ? b : c`` and ``a ?: b``. Not supported
(a syntax error names them): closures and predicates, ``let``, ``if {} else {}``, pipes,
sequences (``;``), bytes literals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from velarun.compile.expr_lex import ExprError, Token, tokenize

__all__ = ["ExprError", "Node", "parse"]

UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
BINARY = {
    "|": 0,
    "or": 10,
    "||": 10,
    "and": 15,
    "&&": 15,
    "==": 20,
    "!=": 20,
    "<": 20,
    ">": 20,
    ">=": 20,
    "<=": 20,
    "in": 20,
    "matches": 20,
    "contains": 20,
    "startsWith": 20,
    "endsWith": 20,
    "..": 25,
    "+": 30,
    "-": 30,
    "*": 60,
    "/": 60,
    "%": 60,
    "**": 100,
    "^": 100,
    "??": 500,
}
"""expr's ``parser/operator`` table: operator -> precedence (``**`` and ``^`` right-associative)."""

RIGHT_ASSOC = frozenset({"**", "^"})
COMPARISON = frozenset({"<", ">", ">=", "<="})
NEGATABLE = frozenset({"contains", "matches", "startsWith", "endsWith", "in"})
# -- syntax tree ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    kind: str
    """``int``, ``float``, ``string``, ``bool``, ``nil``, ``ident``, ``array``, ``map``,
    ``unary``, ``binary``, ``member``, ``slice``, ``call``, ``cond``."""
    offset: int
    value: object = None
    """The literal, identifier name or operator."""
    children: tuple[Node, ...] = field(default=())
    optional: bool = False
    """``?.``: a member of nil is nil."""


# -- parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> None:
        if self.i < len(self.tokens) - 1:
            self.i += 1

    def error(self, message: str, token: Token | None = None) -> ExprError:
        at = token if token is not None else self.current
        return ExprError(message, at.offset, self.source)

    def unexpected(self, token: Token | None = None) -> ExprError:
        at = token if token is not None else self.current
        return self.error(f"unexpected token {at}", at)

    def expect(self, kind: str, *values: str) -> None:
        if not self.current.is_(kind, *values):
            raise self.unexpected()
        self.next()

    def parse(self) -> Node:
        node = self.expression(0)
        if self.current.is_("Operator", ";"):
            raise self.error("sequences (`;`) are not supported by velarun")
        if not self.current.is_("EOF"):
            raise self.unexpected()
        return node

    def expression(self, precedence: int) -> Node:
        if precedence == 0 and self.current.is_("Operator", "let", "if"):
            raise self.error(f"`{self.current.value}` is not supported by velarun")
        left = self.primary()
        previous = ""
        while self.current.is_("Operator"):
            op_token = self.current
            negate = op_token.value == "not"
            if negate:
                backup = self.i
                self.next()
                if self.current.value not in NEGATABLE or not self.current.is_("Operator"):
                    raise self.unexpected()
                if BINARY[self.current.value] < precedence:
                    self.i = backup
                    break
                op_token = self.current
            op = op_token.value
            if op not in BINARY or BINARY[op] < precedence:
                break
            self.next()
            if op == "|":
                raise self.error("pipes (`|`) are not supported by velarun", op_token)
            if previous == "??" and op != "??":
                raise self.error(
                    f"Operator ({op}) and coalesce expressions (??) cannot be mixed."
                    " Wrap either by parentheses.",
                    op_token,
                )
            if op in COMPARISON:
                left = self.comparison(left, op_token)
            else:
                level = BINARY[op] if op in RIGHT_ASSOC else BINARY[op] + 1
                right = self.expression(level)
                left = Node("binary", op_token.offset, op, (left, right))
                if negate:
                    left = Node("unary", op_token.offset, "not", (left,))
            previous = op
        if precedence == 0:
            left = self.conditional(left)
        return left

    def comparison(self, left: Node, op_token: Token) -> Node:
        """expr's ``parseComparison``: ``a < b < c`` is ``a < b && b < c``."""
        root: Node | None = None
        while True:
            right = self.expression(BINARY[op_token.value] + 1)
            cmp = Node("binary", op_token.offset, op_token.value, (left, right))
            root = cmp if root is None else Node("binary", op_token.offset, "&&", (root, cmp))
            left = right
            op_token = self.current
            if not (op_token.is_("Operator") and op_token.value in COMPARISON):
                break
            self.next()
        return root

    def conditional(self, node: Node) -> Node:
        while self.current.is_("Operator", "?"):
            self.next()
            if self.current.is_("Operator", ":"):
                self.next()
                first = node
            else:
                first = self.expression(0)
                self.expect("Operator", ":")
            second = self.expression(0)
            node = Node("cond", self.current.offset, None, (node, first, second))
        return node

    def primary(self) -> Node:
        token = self.current
        if token.kind == "Operator" and token.value in UNARY:
            self.next()
            operand = self.expression(UNARY[token.value])
            return self.postfix(Node("unary", token.offset, token.value, (operand,)))
        if token.is_("Bracket", "("):
            self.next()
            inner = self.expression(0)
            self.expect("Bracket", ")")
            return self.postfix(inner)
        return self.postfix(self.secondary())

    def secondary(self) -> Node:
        token = self.current
        if token.kind == "Identifier":
            self.next()
            if token.value in ("true", "false"):
                return Node("bool", token.offset, token.value == "true")
            if token.value == "nil":
                return Node("nil", token.offset)
            if self.current.is_("Bracket", "("):
                return Node("call", token.offset, token.value, self.arguments())
            return Node("ident", token.offset, token.value)
        if token.kind == "Number":
            self.next()
            return self.number(token)
        if token.kind == "String":
            self.next()
            return Node("string", token.offset, token.value)
        if token.is_("Bracket", "["):
            return self.array()
        if token.is_("Bracket", "{"):
            return self.mapping()
        raise self.unexpected(token)

    def number(self, token: Token) -> Node:
        """expr's number literals, with Go's ``strconv`` errors, reported (as expr does) at
        the token after the number."""
        text = token.value.replace("_", "")
        lower = text.lower()
        kind, base = "integer", 10
        if lower.startswith("0x"):
            kind, base = "hex", 16
        elif "." in lower or "e" in lower:
            return self.float_literal(text)
        elif lower.startswith("0b"):
            kind, base = "binary", 2
        elif lower.startswith("0o"):
            kind, base = "octal", 8
        digits = text[2:] if base != 10 else text
        try:
            value = int(digits, base) if digits.isalnum() else int("!")
        except ValueError:
            raise self.error(
                f'invalid {kind} literal: strconv.ParseInt: parsing "{text}": invalid syntax'
            ) from None
        if value > 2**63 - 1:
            raise self.error(
                f'invalid {kind} literal: strconv.ParseInt: parsing "{text}": value out of range'
            )
        return Node("int", token.offset, value)

    def float_literal(self, text: str) -> Node:
        offset = self.tokens[self.i - 1].offset
        problem = ""
        try:
            number = float(text)
            if math.isinf(number):
                problem = "value out of range"
        except ValueError:
            problem = "invalid syntax"
        if problem:
            raise self.error(
                f'invalid float literal: strconv.ParseFloat: parsing "{text}": {problem}'
            )
        return Node("float", offset, number)

    def arguments(self) -> tuple[Node, ...]:
        self.expect("Bracket", "(")
        args: list[Node] = []
        while not self.current.is_("Bracket", ")"):
            if args:
                self.expect("Operator", ",")
            args.append(self.expression(0))
        self.expect("Bracket", ")")
        return tuple(args)

    def array(self) -> Node:
        token = self.current
        self.expect("Bracket", "[")
        items: list[Node] = []
        while not self.current.is_("Bracket", "]"):
            if items:
                self.expect("Operator", ",")
                if self.current.is_("Bracket", "]"):
                    break
            items.append(self.expression(0))
        self.expect("Bracket", "]")
        return Node("array", token.offset, None, tuple(items))

    def mapping(self) -> Node:
        token = self.current
        self.expect("Bracket", "{")
        pairs: list[Node] = []
        while not self.current.is_("Bracket", "}"):
            if pairs:
                self.expect("Operator", ",")
                if self.current.is_("Bracket", "}"):
                    break
            key_token = self.current
            if key_token.kind in ("Identifier", "String", "Number"):
                self.next()
                key = Node("string", key_token.offset, key_token.value)
            else:
                key = self.expression(0)
            self.expect("Operator", ":")
            pairs.append(key)
            pairs.append(self.expression(0))
        self.expect("Bracket", "}")
        return Node("map", token.offset, None, tuple(pairs))

    def postfix(self, node: Node) -> Node:
        while self.current.kind in ("Operator", "Bracket"):
            token = self.current
            if token.value in (".", "?."):
                self.next()
                optional = token.value == "?."
                if optional and self.current.is_("Bracket", "["):
                    node = self.index(node, self.current, optional=True)
                    continue
                prop = self.current
                self.next()
                if prop.kind != "Identifier" and not (
                    prop.kind == "Operator" and prop.value.isidentifier()
                ):
                    raise self.error("expected name")
                if self.current.is_("Bracket", "("):
                    raise self.error("method calls are not supported by velarun", prop)
                key = Node("string", prop.offset, prop.value)
                node = Node("member", prop.offset, None, (node, key), optional)
            elif token.is_("Bracket", "["):
                node = self.index(node, token, optional=False)
            else:
                break
        return node

    def index(self, node: Node, token: Token, *, optional: bool) -> Node:
        self.next()
        start: Node | None = None
        if not self.current.is_("Operator", ":"):
            start = self.expression(0)
            if not self.current.is_("Operator", ":"):
                self.expect("Bracket", "]")
                return Node("member", token.offset, None, (node, start), optional)
        self.next()
        end: Node | None = None
        if not self.current.is_("Bracket", "]"):
            end = self.expression(0)
        self.expect("Bracket", "]")
        nil = Node("nil", token.offset)
        return Node(
            "slice",
            token.offset,
            (start is not None, end is not None),
            (node, start or nil, end or nil),
        )


def parse(source: str) -> Node:
    """The syntax tree of ``source``. Raises :class:`ExprError` positioned as expr does."""
    return _Parser(source).parse()
