"""The executor of Go's ``text/template`` (exec.go): walks a parsed tree over data, writing
text and printed values; ``if``/``with``/``range`` with their variable scopes, ``break``,
``continue`` and ``{{template}}`` calls. Expressions are :mod:`evaluate`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import velarun.template.gotemplate.nodes as n
from velarun.template.gotemplate.evaluate import Evaluator
from velarun.template.gotemplate.funcs import BUILTINS, NO_VALUE, GoFunc
from velarun.template.gotemplate.gofmt import Spec, fmt_value, sprint
from velarun.template.gotemplate.limits import (
    MAX_STEPS,
    MAX_TEXT,
    SIZE_HINT,
    mib,
    output_too_large,
)
from velarun.template.gotemplate.quote import go_quote
from velarun.template.gotemplate.values import Iface, bare, is_int, sort_keys, truth, type_name

MAX_EXEC_DEPTH = 100000


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Executor(Evaluator):
    """One execution of a template: the statements (the expressions are :class:`Evaluator`'s)."""

    def execute(self, data: Any) -> str:
        dot = NO_VALUE if data is None else data
        self.vars = [["$", dot]]
        root = self.trees.get(self.top)
        if root is None:
            raise self.errorf(f"{go_quote(self.top)} is an incomplete or empty template")
        self.walk(dot, root)
        return "".join(self.out)

    def emit(self, text: str) -> None:
        """Write ``text``; stop when the output passes velarun's cap (before it is kept)."""
        self.written += len(text)
        if self.written > MAX_TEXT:
            raise self.errorf(output_too_large(), SIZE_HINT.format(size=mib(MAX_TEXT)))
        self.out.append(text)

    # -- statements -------------------------------------------------------------------------
    def walk(self, dot: Any, node: n.Node) -> None:
        self.node = node
        if not isinstance(node, n.ListNode):  # a list's own nodes are counted, or its range's
            self.steps += 1
            if self.steps > MAX_STEPS:
                self.charge(0)
        if isinstance(node, n.ActionNode):
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, value)
        elif isinstance(node, n.TextNode):
            self.emit(node.text)
        elif isinstance(node, n.ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, n.IfNode | n.WithNode):
            self.walk_if_or_with(dot, node)
        elif isinstance(node, n.RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, n.TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, n.BreakNode):
            raise _Break
        elif isinstance(node, n.ContinueNode):
            raise _Continue

    def walk_if_or_with(self, dot: Any, node: n.BranchNode) -> None:
        mark = len(self.vars)
        try:
            value = self.eval_pipeline(dot, node.pipe)
            if truth(None if value is NO_VALUE else bare(value)):
                self.walk(value if isinstance(node, n.WithNode) else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def range_items(self, node: n.RangeNode, value: Any) -> Iterable[tuple[Any, Any]] | None:
        """(index, element) pairs to range over, or None when Go would run the else list;
        made as the range goes (an integer or a list may be far longer than it gets)."""
        value = bare(value)
        if is_int(value) and not isinstance(value, bool):
            if len(node.pipe.decl) > 1:
                raise self.errorf(
                    f"can't use {sprint(value)} to iterate over more than one variable"
                )
            return ((NO_VALUE, i) for i in range(value)) if value > 0 else None
        if isinstance(value, list | tuple):
            return ((i, Iface(v)) for i, v in enumerate(value)) if value else None
        if isinstance(value, dict):
            return [(k, Iface(value[k])) for k in sort_keys(value)] or None
        if value is NO_VALUE or value is None:
            return None
        raise self.errorf(f"range can't iterate over {fmt_value(value, Spec())}")

    def walk_range(self, dot: Any, node: n.RangeNode) -> None:
        self.node = node
        mark0 = len(self.vars)
        try:
            items = self.range_items(node, self.eval_pipeline(dot, node.pipe))
            if items is None:
                if node.else_list is not None:
                    self.walk(dot, node.else_list)
                return
            mark = len(self.vars)
            for index, elem in items:
                self.node = node
                self.charge(1)
                self.one_iteration(node, index, elem, mark)
        except _Break:
            pass
        finally:
            del self.vars[mark0:]

    def one_iteration(self, node: n.RangeNode, index: Any, elem: Any, mark: int) -> None:
        decl = node.pipe.decl
        if decl:
            if node.pipe.is_assign:
                self.set_var(decl[0].ident[0], index if len(decl) > 1 else elem)
            else:
                self.vars[-1][1] = elem
        if len(decl) > 1:
            if node.pipe.is_assign:
                self.set_var(decl[1].ident[0], elem)
            else:
                self.vars[-2][1] = index
        try:
            self.walk(elem, node.list)
        except _Continue:
            pass
        finally:
            del self.vars[mark:]

    def walk_template(self, dot: Any, node: n.TemplateNode) -> None:
        self.node = node
        root = self.trees.get(node.name)
        if root is None:
            raise self.errorf(f"template {go_quote(node.name)} not defined")
        if self.depth >= MAX_EXEC_DEPTH:
            raise self.errorf(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})")
        new_dot = self.eval_pipeline(dot, node.pipe)
        saved = (self.vars, self.name)
        self.vars, self.name = [["$", new_dot]], node.name
        self.depth += 1
        try:
            self.walk(new_dot, root)
        except RecursionError:  # Python's stack ends long before Go's limit of 100000
            self.node = node
            raise self.errorf(
                f"exceeded maximum template depth ({self.depth}: Python's recursion limit)"
            ) from None
        finally:
            self.depth -= 1
            self.vars, self.name = saved

    def print_value(self, node: n.Node, value: Any) -> None:
        self.node = node
        value = bare(value)
        if value is NO_VALUE:
            self.emit("<no value>")
        elif callable(value):
            raise self.errorf(f"can't print {node} of type {type_name(value)}")
        else:
            self.emit(fmt_value(value, Spec()))


def execute(text: str, name: str, trees: Mapping[str, n.ListNode], funcs: Mapping[str, GoFunc],
            data: Any) -> str:  # fmt: skip
    """Run template ``name`` of ``trees`` (parsed from ``text``) on ``data``."""
    return Executor(text, name, trees, {**BUILTINS, **funcs}).execute(data)
