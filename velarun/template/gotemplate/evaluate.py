"""Expression evaluation of Go's ``text/template`` (exec.go): pipelines, commands, fields,
function calls and the typing of their arguments.

Go's distinctions are kept: :data:`NO_VALUE` (an invalid ``reflect.Value``: a missing key, no
data) is not ``None`` (a nil ``interface {}``: a YAML/JSON null), and a value taken out of a map
or list is an ``interface {}`` (:class:`Iface`) until a pipeline ends, which Go's messages show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import velarun.template.gotemplate.nodes as n
from velarun.template.gotemplate.errors import TemplateError
from velarun.template.gotemplate.funcs import (
    BUILTINS,
    MAP,
    NO_VALUE,
    SLICE,
    FuncError,
    GoFunc,
)
from velarun.template.gotemplate.lexer import byte_column
from velarun.template.gotemplate.limits import (
    MAX_STEPS,
    MAX_TEXT,
    SIZE_HINT,
    STEPS_HINT,
    FuncLimit,
    LimitError,
    check_call,
    check_result,
    mib,
    too_many_steps,
)
from velarun.template.gotemplate.quote import go_quote
from velarun.template.gotemplate.values import (
    NO_FIELD,
    GoStruct,
    Iface,
    Int64,
    IntSlice,
    StringMap,
    StringSlice,
    Uint8,
    Uint64,
    bare,
    is_int,
    truth,
    type_name,
)

MISSING: Any = object()  # Go's missingVal: "no final argument from an earlier command"
_LITERAL_KINDS = {"bool": (n.BoolNode, "bool"), "string": (n.StringNode, "string"),
                  "int": (n.NumberNode, "integer"), "float64": (n.NumberNode, "float"),
                  "uint32": (n.NumberNode, "unsigned integer")}  # fmt: skip


def _matches(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "int":
        return is_int(value) and not isinstance(value, Uint8 | Uint64 | Int64)
    if kind == MAP:
        return isinstance(value, dict) and not isinstance(value, StringMap)
    if kind == SLICE:
        return isinstance(value, list | tuple) and not isinstance(value, StringSlice | IntSlice)
    if kind == "float64":
        return isinstance(value, float)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, GoStruct) and value.go_type == kind


class Evaluator:
    """The state of one execution and the evaluation of expressions."""

    def __init__(self, text: str, top: str, trees: Mapping[str, n.ListNode],
                 funcs: Mapping[str, GoFunc]) -> None:  # fmt: skip
        self.text = text
        self.top = top
        self.trees = trees
        self.funcs = funcs
        self.out: list[str] = []
        self.vars: list[list[Any]] = []
        self.node: n.Node | None = None
        self.name = top
        self.depth = 0
        self.steps = 0
        """Execution steps taken (see :mod:`limits`)."""
        self.written = 0
        """Characters of output so far."""

    def errorf(self, message: str, hint: str | None = None) -> TemplateError:
        """Go's ``state.errorf``: the message with the location and context of the node
        (a :class:`LimitError` when it comes with a hint: only velarun's limits do)."""
        error = TemplateError if hint is None else LimitError
        if self.node is None:
            return error(f"template: {self.name}: {message}", hint=hint)
        line, col = byte_column(self.text, self.node.pos)
        return error(
            f"template: {self.top}:{line}:{col}: executing {go_quote(self.name)} "
            f"at <{self.node}>: {message}",
            line=line,
            col=col,
            hint=hint,
        )

    def charge(self, steps: int) -> None:
        """Count execution steps; stop at velarun's limit (at the node being run)."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise self.errorf(too_many_steps(), STEPS_HINT.format(steps=MAX_STEPS))

    # -- variables --------------------------------------------------------------------------
    def set_var(self, name: str, value: Any) -> None:
        for entry in reversed(self.vars):
            if entry[0] == name:
                entry[1] = value
                return
        raise self.errorf(f"undefined variable: {name}")

    def var_value(self, name: str) -> Any:
        for entry in reversed(self.vars):
            if entry[0] == name:
                return entry[1]
        raise self.errorf(f"undefined variable: {name}")

    # -- expressions ------------------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: n.PipeNode | None) -> Any:
        if pipe is None:
            return NO_VALUE
        self.node = pipe
        value = MISSING
        for cmd in pipe.cmds:
            value = bare(self.eval_command(dot, cmd, value))
            if value is None:
                value = NO_VALUE  # the Elem of a nil interface is invalid
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value)
            else:
                self.vars.append([var.ident[0], value])
        return value

    def not_a_function(self, args: Sequence[n.Node], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            raise self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: n.CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, n.FieldNode):
            self.node = first
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if isinstance(first, n.ChainNode):
            return self.eval_chain_node(dot, first, cmd.args, final)
        if isinstance(first, n.IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, n.PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, n.VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if isinstance(first, n.BoolNode):
            return first.true
        if isinstance(first, n.DotNode):
            return dot
        if isinstance(first, n.NilNode):
            raise self.errorf("nil is not a command")
        if isinstance(first, n.NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, n.StringNode):
            return first.text
        raise self.errorf(f"can't evaluate command {go_quote(str(first))}")

    def ideal_constant(self, const: n.NumberNode) -> Any:
        self.node = const
        text = const.text
        is_hex_int = text[:2] in ("0x", "0X") and not any(c in text for c in "pP")
        if const.is_float and not is_hex_int and text[0] != "'" and any(c in text for c in ".eEpP"):
            return const.float64
        if const.is_int:
            return const.int64
        if const.is_uint:
            raise self.errorf(f"{text} overflows int")
        return NO_VALUE

    def eval_chain_node(self, dot: Any, chain: n.ChainNode, args: Sequence[n.Node] | None,
                        final: Any) -> Any:  # fmt: skip
        self.node = chain
        if isinstance(chain.node, n.NilNode):
            raise self.errorf(f"indirection through explicit nil in {chain}")
        receiver = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, receiver, chain, chain.fields, args, final)

    def eval_variable_node(self, dot: Any, var: n.VariableNode, args: Sequence[n.Node] | None,
                           final: Any) -> Any:  # fmt: skip
        self.node = var
        value = self.var_value(var.ident[0])
        if len(var.ident) == 1:
            self.not_a_function(args or [var], final)
            return value
        return self.eval_field_chain(dot, value, var, var.ident[1:], args, final)

    def eval_field_chain(self, dot: Any, receiver: Any, node: n.Node, ident: Sequence[str],
                         args: Sequence[n.Node] | None, final: Any) -> Any:  # fmt: skip
        # Go does not move the error position here: a failure is reported at the last node
        # evaluated (the receiver of a chain like ``(1).x``).
        for name in ident[:-1]:
            receiver = self.eval_field(dot, name, node, None, MISSING, receiver)
        return self.eval_field(dot, ident[-1], node, args, final, receiver)

    def eval_field(self, dot: Any, name: str, node: n.Node, args: Sequence[n.Node] | None,
                   final: Any, receiver: Any) -> Any:  # fmt: skip
        if receiver is NO_VALUE:
            return NO_VALUE
        typ = "interface {}" if isinstance(receiver, Iface) else type_name(receiver)
        receiver = bare(receiver)
        if receiver is None:
            raise self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        if isinstance(receiver, dict):
            if (args is not None and len(args) > 1) or final is not MISSING:
                raise self.errorf(f"{name} is not a method but has arguments")
            return Iface(receiver[name]) if name in receiver else NO_VALUE
        if isinstance(receiver, GoStruct):
            method = receiver.go_method(name)
            if method is not None:
                return self.eval_call(dot, method, False, node, name, args, final)
            field = receiver.go_field(name)
            if field is not NO_FIELD:
                if (args is not None and len(args) > 1) or final is not MISSING:
                    raise self.errorf(f"{name} has arguments but cannot be invoked as function")
                return field
            if name in receiver.go_fields:
                raise self.errorf(f"{name} is an unexported field of struct type {typ}")
        raise self.errorf(f"can't evaluate field {name} in type {typ}")

    # -- functions --------------------------------------------------------------------------
    def eval_function(self, dot: Any, node: n.IdentifierNode, cmd: n.Node,
                      args: Sequence[n.Node] | None, final: Any) -> Any:  # fmt: skip
        self.node = node
        fn = self.funcs.get(node.ident)
        if fn is None:
            raise self.errorf(f"{go_quote(node.ident)} is not a defined function")
        builtin = BUILTINS.get(node.ident) is fn
        return self.eval_call(dot, fn, builtin, cmd, node.ident, args, final)

    def check_arity(self, fn: GoFunc, name: str, given: int, num_in: int) -> None:
        if fn.variadic is not None:
            if num_in < len(fn.params):
                raise self.errorf(
                    f"wrong number of args for {name}: want at least {len(fn.params)} got {given}"
                )
        elif num_in != len(fn.params):
            raise self.errorf(
                f"wrong number of args for {name}: want {len(fn.params)} got {num_in}"
            )

    def and_or(self, dot: Any, name: str, args: Sequence[n.Node], final: Any) -> Any:
        value = NO_VALUE
        for arg in args:
            value = self.eval_arg(dot, "value", arg)
            if truth(None if value is NO_VALUE else bare(value)) == (name == "or"):
                return value
        if final is not MISSING:
            value = self.validate_type(final, "value")
        return value

    def eval_call(self, dot: Any, fn: GoFunc, builtin: bool, node: n.Node, name: str,
                  args: Sequence[n.Node] | None, final: Any) -> Any:  # fmt: skip
        args = list(args[1:]) if args else []
        num_in = len(args) + (final is not MISSING)
        self.check_arity(fn, name, len(args), num_in)
        if builtin and name in ("and", "or"):
            return self.and_or(dot, name, args, final)
        kinds = [*fn.params, *([fn.variadic] * max(0, num_in - len(fn.params)))]
        argv = [self.eval_arg(dot, kinds[i], arg) for i, arg in enumerate(args)]
        if final is not MISSING:
            argv.append(self.validate_type(final, kinds[num_in - 1]))
        callee: Any = fn.fn
        if builtin and name == "call":
            callee_name = str(args[0]) if args else str(bare(final))
            argv = [callee_name, *argv]
            callee = self.call
        if not builtin:
            argv = [bare(a) for a in argv]
        try:
            self.charge_call(node, check_call(name, argv))  # before a call that may be long
            result = callee(*argv)
            cost = check_result(result)
        except FuncLimit as err:
            self.node = node
            hint = SIZE_HINT.format(size=mib(MAX_TEXT))
            raise self.errorf(f"error calling {name}: {err}", hint) from None
        except LimitError:
            raise
        except Exception as err:  # Go's safeCall turns a panic into an error too
            self.node = node
            raise self.errorf(f"error calling {name}: {err}") from None
        self.charge_call(node, cost)
        return result

    def charge_call(self, node: n.Node, steps: int) -> None:
        """Count the steps of a call; past the limit, the error is at the call."""
        if self.steps + steps > MAX_STEPS:
            self.node = node
        self.charge(steps)

    def call(self, name: str, fn: Any, *args: Any) -> Any:
        """The builtin ``call``: call a function value with the arguments."""
        fn = bare(fn)
        if fn is NO_VALUE or fn is None:
            raise FuncError("call of nil")
        if isinstance(fn, GoFunc):
            go_fn = fn
        elif callable(fn):
            go_fn = GoFunc(fn)
        else:
            raise FuncError(f"non-function {name} of type {type_name(fn)}")
        fixed = len(go_fn.params)
        if go_fn.variadic is not None and len(args) < fixed:
            raise FuncError(
                f"wrong number of args for {name}: got {len(args)} want at least {fixed}"
            )
        if go_fn.variadic is None and len(args) != fixed:
            raise FuncError(f"wrong number of args for {name}: got {len(args)} want {fixed}")
        argv = []
        for i, arg in enumerate(args):
            kind = go_fn.params[i] if i < fixed else str(go_fn.variadic)
            value = bare(arg)
            if value is NO_VALUE or value is None:
                if kind not in ("any", "value"):
                    raise FuncError(f"arg {i}: value is nil; should be of type {kind}")
                value = None if kind == "any" else NO_VALUE
            elif kind not in ("any", "value") and not _matches(value, kind):
                raise FuncError(f"arg {i}: value has type {type_name(value)}; should be {kind}")
            argv.append(value)
        return go_fn.fn(*argv)

    # -- arguments --------------------------------------------------------------------------
    def validate_type(self, value: Any, kind: str | None) -> Any:
        """Go's ``validateType``: the value as a parameter of this kind, or Go's error."""
        if kind is None:
            return value
        if value is NO_VALUE:
            if kind in ("any", "value", MAP, SLICE):
                return NO_VALUE if kind == "value" else None
            raise self.errorf(f"invalid value; expected {kind}")
        if kind == "value":
            return value  # Go's reflect.Value keeps the interface; builtins unwrap as Go's do
        if kind == "any" or _matches(bare(value), kind):
            return bare(value)
        value = bare(value)
        got = "interface {}" if value is None else type_name(value)
        raise self.errorf(f"wrong type for value; expected {kind}; got {got}")

    def eval_arg(self, dot: Any, kind: str | None, node: n.Node) -> Any:
        self.node = node
        if isinstance(node, n.DotNode):
            return self.validate_type(dot, kind)
        if isinstance(node, n.NilNode):
            if kind in ("any", "value", None, MAP, SLICE):
                return None if kind in ("any", MAP, SLICE) else NO_VALUE
            raise self.errorf(f"cannot assign nil to {kind}")
        if isinstance(node, n.FieldNode):
            value = self.eval_field_chain(dot, dot, node, node.ident, [node], MISSING)
            return self.validate_type(value, kind)
        if isinstance(node, n.VariableNode):
            return self.validate_type(self.eval_variable_node(dot, node, None, MISSING), kind)
        if isinstance(node, n.PipeNode):
            return self.validate_type(self.eval_pipeline(dot, node), kind)
        if isinstance(node, n.IdentifierNode):
            value = self.eval_function(dot, node, node, None, MISSING)
            return self.validate_type(value, kind)
        if isinstance(node, n.ChainNode):
            return self.validate_type(self.eval_chain_node(dot, node, None, MISSING), kind)
        return self.eval_literal(kind, node)

    def eval_literal(self, kind: str | None, node: n.Node) -> Any:
        if kind not in (None, "any", "value") and kind not in _LITERAL_KINDS:  # a map, a struct
            raise self.errorf(f"can't handle {node} for arg of type {kind}")
        if kind in _LITERAL_KINDS:
            cls, word = _LITERAL_KINDS[str(kind)]
            if isinstance(node, n.BoolNode) and cls is n.BoolNode:
                return node.true
            if isinstance(node, n.StringNode) and cls is n.StringNode:
                return node.text
            if isinstance(node, n.NumberNode) and kind == "int" and node.is_int:
                return node.int64
            if isinstance(node, n.NumberNode) and kind == "uint32" and node.is_uint:
                return node.uint64 % 2**32  # reflect's SetUint keeps the low 32 bits
            if isinstance(node, n.NumberNode) and kind == "float64" and node.is_float:
                return node.float64
            raise self.errorf(f"expected {word}; found {node}")
        if isinstance(node, n.BoolNode):
            return node.true
        if isinstance(node, n.NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, n.StringNode):
            return node.text
        raise self.errorf(f"can't handle {node} for arg of type {kind}")
