"""Checking and running an ``eval`` expression as the Vela server does with expr-lang/expr v1.17.8.

The server (``compiler/types/pipeline/ruleset.go MatchRules``) calls ``expr.Compile(eval,
expr.Env(env), expr.AllowUndefinedVariables(), expr.AsBool())`` then ``expr.Run(program, env)``,
where ``env`` is the step's environment, a ``map[string]string``. What follows from that:

- every variable of the environment is a ``string`` to expr's type checker; any other name is
  of unknown type, and at run time reads the map's zero value, ``""`` (not ``nil``);
- the checker rejects operations whose operand types are known and do not fit
  (``VELA_BUILD_NUMBER > 5`` compares a string with an int), and a result whose type is known
  and is not ``bool`` (``expected bool, but got string``);
- at run time a result of unknown type is converted as expr's ``AsBool`` does: ``nil`` is
  false, any other non-bool fails (``invalid operation: bool(string)``);
- ``&&``/``||``/``not``/``?:`` need a bool on the side they test, with Go's
  ``interface conversion`` message otherwise.

Errors are :class:`~velarun.compile.expr.ExprError`, positioned like expr's; :func:`run` adds
the server's ``failed to compile eval of ...``/``failed to run eval of ...`` prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from velarun.compile.expr import ExprError, Node, parse
from velarun.compile.expr_run import execute
from velarun.compile.expr_values import regexp_or_error

UNKNOWN = "unknown"
NIL = "nil"
ARRAY = "[]"
"""Prefix of an array nature; the rest is the element's nature (``[]string``)."""


def _nature_name(nature: str) -> str:
    """expr's ``Nature.String()``."""
    if nature in (UNKNOWN, NIL):
        return "unknown"
    if nature.startswith(ARRAY):
        return "[]interface {}"
    if nature == "map":
        return "map[string]interface {}"
    return nature


# -- static check (expr's checker, for the natures an eval can have) --------------------------


def _is_number(n: str) -> bool:
    return n in ("int", "float64")


def _comparable(lt: str, r: str) -> bool:
    if UNKNOWN in (lt, r) or NIL in (lt, r):
        return True
    if _is_number(lt) and _is_number(r):
        return True
    if lt.startswith(ARRAY) and r.startswith(ARRAY):
        return True
    return lt == r


def _maybe(lt: str, r: str, *kinds: str) -> bool:
    """expr's ``MaybeCompatible``: one side unknown and the other one of ``kinds`` (or both
    unknown)."""
    return (
        (lt == UNKNOWN and r == UNKNOWN)
        or (lt == UNKNOWN and r in kinds)
        or (r == UNKNOWN and lt in kinds)
    )


def _promote(lt: str, r: str) -> str:
    return "int" if lt == r == "int" else "float64"


def _arith(op: str, lt: str, r: str) -> str | None:
    if op == "+" and lt == r == "string":
        return "string"
    if op in ("+", "-", "*") and _is_number(lt) and _is_number(r):
        return _promote(lt, r)
    if op in ("/", "**", "^") and (
        (_is_number(lt) and _is_number(r)) or _maybe(lt, r, "int", "float64")
    ):
        return "float64"
    if op == "%" and (lt == r == "int" or _maybe(lt, r, "int")):
        return "int"
    kinds = ("int", "float64", "string") if op == "+" else ("int", "float64")
    if op in ("+", "-", "*") and _maybe(lt, r, *kinds):
        return UNKNOWN
    return None


def _in_nature(lt: str, r: str) -> str | None:
    if r == "map" or r == UNKNOWN:
        return "bool"
    if r.startswith(ARRAY):
        if _comparable(lt, r[len(ARRAY) :]):
            return "bool"
        raise _CheckFailed(
            f"cannot use {_nature_name(lt)} as type {_nature_name(r[len(ARRAY) :])} in array"
        )
    if lt == UNKNOWN and r == "string":
        return "bool"
    return None


class _CheckFailed(Exception):
    pass


def _binary_nature(op: str, lt: str, r: str) -> str | None:
    if op in ("==", "!="):
        return "bool" if _comparable(lt, r) else None
    if op in ("or", "||", "and", "&&"):
        return "bool" if (lt == r == "bool" or _maybe(lt, r, "bool")) else None
    if op in ("<", ">", "<=", ">="):
        ok = (_is_number(lt) and _is_number(r)) or lt == r == "string"
        return "bool" if ok or _maybe(lt, r, "int", "float64", "string") else None
    if op == "in":
        return _in_nature(lt, r)
    if op in ("matches", "contains", "startsWith", "endsWith"):
        return "bool" if lt == r == "string" or _maybe(lt, r, "string") else None
    return _range_or_arith(op, lt, r)


def _range_or_arith(op: str, lt: str, r: str) -> str | None:
    if op == "..":
        return ARRAY + "int" if lt == r == "int" or _maybe(lt, r, "int") else None
    if op == "??":
        if lt == NIL:
            return r
        return lt if r in (NIL, lt) else UNKNOWN
    return _arith(op, lt, r)


_OVERLOADS: dict[str, tuple[str, ...]] = {
    "lower": ("s",),
    "upper": ("s",),
    "trim": ("s", "ss"),
    "trimPrefix": ("ss", "s"),
    "trimSuffix": ("ss", "s"),
    "hasPrefix": ("ss",),
    "hasSuffix": ("ss",),
    "indexOf": ("ss",),
    "lastIndexOf": ("ss",),
    "split": ("ss", "ssi"),
    "replace": ("sssi", "sss"),
    "join": ("as", "a"),
    "string": ("x",),
}
"""The typed builtins: each overload's parameters (``s`` string, ``i`` int, ``a`` array, ``x``
any), tried in expr's order; the last failure is the one reported."""
_PARAM_NATURE = {"s": "string", "i": "int", "a": "[]string", "x": "interface {}"}
_RESULTS = {
    "hasPrefix": "bool",
    "hasSuffix": "bool",
    "indexOf": "int",
    "lastIndexOf": "int",
    "split": ARRAY + "string",
}
_VALIDATED: dict[str, Callable[[str], bool]] = {
    "len": lambda n: n.startswith(ARRAY) or n in ("string", "map"),
    "abs": _is_number,
    "int": lambda n: _is_number(n) or n == "string",
    "float": lambda n: _is_number(n) or n == "string",
}
"""The builtins expr checks with a ``Validate`` function: one argument, of these natures."""


def _fits(param: str, nature: str) -> bool:
    if nature == UNKNOWN or param == "x":
        return True
    if param == "a":
        return nature.startswith(ARRAY)
    return nature == _PARAM_NATURE[param]


class _Checker:
    def __init__(self, source: str, env: Mapping[str, str]) -> None:
        self.source = source
        self.env = env

    def fail(self, node: Node, message: str) -> ExprError:
        return ExprError(message, node.offset, self.source)

    def visit(self, node: Node) -> str:
        method: Callable[[Node], str] = getattr(self, "_" + node.kind)
        return method(node)

    def _int(self, node: Node) -> str:
        return "int"

    def _float(self, node: Node) -> str:
        return "float64"

    def _string(self, node: Node) -> str:
        return "string"

    def _bool(self, node: Node) -> str:
        return "bool"

    def _nil(self, node: Node) -> str:
        return NIL

    def _ident(self, node: Node) -> str:
        return "string" if node.value in self.env else UNKNOWN

    def _array(self, node: Node) -> str:
        kinds = [self.visit(c) for c in node.children]
        if len(set(kinds)) <= 1:
            return ARRAY + (kinds[0] if kinds else UNKNOWN)
        return ARRAY + UNKNOWN

    def _map(self, node: Node) -> str:
        for child in node.children:
            self.visit(child)
        return "map"

    def _unary(self, node: Node) -> str:
        nature = self.visit(node.children[0])
        if node.value in ("not", "!") and nature in ("bool", UNKNOWN):
            return "bool"
        if node.value in ("-", "+") and (_is_number(nature) or nature == UNKNOWN):
            return nature
        raise self.fail(
            node, f"invalid operation: {node.value} (mismatched type {_nature_name(nature)})"
        )

    def _binary(self, node: Node) -> str:
        lt, r = (self.visit(c) for c in node.children)
        op = str(node.value)
        if op == "matches" and node.children[1].kind == "string":
            _compile_regexp(str(node.children[1].value), node, self.source)
        try:
            nature = _binary_nature(op, lt, r)
        except _CheckFailed as exc:
            raise self.fail(node, str(exc)) from None
        if nature is None:
            raise self.fail(
                node,
                f"invalid operation: {op} (mismatched types {_nature_name(lt)} and"
                f" {_nature_name(r)})",
            )
        return nature

    def _member(self, node: Node) -> str:
        base_node, prop_node = node.children
        base, prop = self.visit(base_node), self.visit(prop_node)
        if base == UNKNOWN:
            return UNKNOWN
        name = prop_node.value if prop_node.kind == "string" else None
        if base == NIL and name is not None:
            raise self.fail(node, f"type nil has no field {name}")
        if base == "map":
            if prop not in ("string", UNKNOWN):
                raise self.fail(
                    prop_node,
                    f"cannot use {_nature_name(prop)} to get an element from"
                    " map[string]interface {}",
                )
            return UNKNOWN
        if base.startswith(ARRAY):
            if prop not in ("int", UNKNOWN):
                raise self.fail(
                    prop_node,
                    "array elements can only be selected using an integer"
                    f" (got {_nature_name(prop)})",
                )
            return base[len(ARRAY) :]
        if name is not None:
            raise self.fail(node, f"type {_nature_name(base)} has no field {name}")
        raise self.fail(node, f"type {_nature_name(base)}[{_nature_name(prop)}] is undefined")

    def _slice(self, node: Node) -> str:
        base = self.visit(node.children[0])
        if base == UNKNOWN:
            return UNKNOWN
        if not (base.startswith(ARRAY) or base == "string"):
            raise self.fail(node, f"cannot slice {_nature_name(base)}")
        given = node.value
        assert isinstance(given, tuple)
        for child, present in zip(node.children[1:], given, strict=True):
            index = self.visit(child) if present else "int"
            if index not in ("int", UNKNOWN):
                raise self.fail(child, f"non-integer slice index {_nature_name(index)}")
        return base

    def _cond(self, node: Node) -> str:
        cond, first, second = (self.visit(c) for c in node.children)
        if cond not in ("bool", UNKNOWN):
            raise ExprError(
                f"non-bool expression (type {_nature_name(cond)}) used as condition",
                node.children[0].offset,
                self.source,
            )
        if first == NIL:
            return second
        if second == NIL or first == second:
            return first
        return UNKNOWN

    def _call(self, node: Node) -> str:
        args = [self.visit(c) for c in node.children]
        name = str(node.value)
        if name in _VALIDATED:
            return self._validated(node, name, args)
        if name not in _OVERLOADS:
            return UNKNOWN  # an unknown name is of unknown type; calling it fails at run time
        error: ExprError | None = None
        for params in _OVERLOADS[name]:
            error = self._overload_error(node, name, params, args)
            if error is None:
                return _RESULTS.get(name, "string")
        assert error is not None
        raise error

    def _validated(self, node: Node, name: str, args: list[str]) -> str:
        if len(args) != 1:
            raise self.fail(node, f"invalid number of arguments (expected 1, got {len(args)})")
        arg = args[0]
        if arg != UNKNOWN and not _VALIDATED[name](arg):
            shown = "<nil>" if arg == NIL else _nature_name(arg)
            raise self.fail(node, f"invalid argument for {name} (type {shown})")
        return {"len": "int", "int": "int", "float": "float64"}.get(name, arg)

    def _overload_error(
        self, node: Node, name: str, params: str, args: list[str]
    ) -> ExprError | None:
        """expr's ``checkArguments`` for one overload: None when the call fits it."""
        if len(args) != len(params):
            few = "not enough" if len(args) < len(params) else "too many"
            return self.fail(node, f"{few} arguments to call {name}")
        for child, param, arg in zip(node.children, params, args, strict=True):
            want = _PARAM_NATURE[param]
            if arg == NIL and param != "x":
                return self.fail(child, f"cannot use nil as argument (type {want}) to call {name}")
            if not _fits(param, arg):
                shown = _nature_name(arg)
                return self.fail(
                    child, f"cannot use {shown} as argument (type {want}) to call {name} "
                )
        return None


def _compile_regexp(pattern: str, node: Node, source: str) -> Any:
    compiled = regexp_or_error(pattern)
    if isinstance(compiled, str):
        raise ExprError(f"error parsing regexp: {compiled}", node.offset, source)
    return compiled


def _const_int(node: Node, source: str) -> int | None:
    """The integer expr's optimizer folds ``node`` into, if it does (literals, unary ``-``/``+``,
    ``+ - * %`` of such); a ``%`` by a folded zero is its compile error."""
    if node.kind == "int":
        assert isinstance(node.value, int)
        return node.value
    folded = [_const_int(c, source) for c in node.children]
    if node.kind == "unary" and node.value in ("-", "+") and folded[0] is not None:
        return -folded[0] if node.value == "-" else folded[0]
    if node.kind != "binary" or node.value not in ("+", "-", "*", "%"):
        return None
    a, b = folded
    if a is None or b is None:
        return None
    if node.value == "%":
        if b == 0:
            raise ExprError("integer divide by zero", node.offset, source)
        return abs(a) % abs(b) * (1 if a >= 0 else -1)  # Go's sign: the dividend's
    return {"+": a + b, "-": a - b, "*": a * b}[str(node.value)]


def check(source: str, env: Mapping[str, str]) -> Node:
    """expr.Compile with the server's options: the tree, or an :class:`ExprError` (the
    parser's, the checker's, the result's type, then the optimizer's)."""
    tree = parse(source)
    nature = _Checker(source, env).visit(tree)
    if nature not in ("bool", UNKNOWN):
        raise ExprError(f"expected bool, but got {_nature_name(nature)}", None, source)
    _const_int(tree, source)
    return tree


def run(source: str, env: Mapping[str, str]) -> bool:
    """The server's eval step of ``MatchRules``: the verdict, or an :class:`ExprError` whose
    message carries the server's prefix."""
    try:
        tree = check(source, env)
    except ExprError as exc:
        raise _prefixed(exc, f"failed to compile eval of {source}") from None
    try:
        return execute(tree, source, env)
    except ExprError as exc:
        raise _prefixed(exc, f"failed to run eval of {source}") from None


def _prefixed(exc: ExprError, prefix: str) -> ExprError:
    return ExprError(exc.message, exc.offset, exc.source, prefix)
