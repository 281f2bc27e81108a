"""Reading YAML nodes as the shapes the model wants (mapping, list, string, bool, env, ...),
with a positioned diagnostic for each node that has another shape.

:class:`Reader` is the one diagnostics collector of a load: the builders of the pipeline,
its containers and its rulesets all take it and report through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from velarun.diagnostics import Diagnostic, Pos, error, warning
from velarun.load._scalars import FALSE_WORDS, TRUE_WORDS, resolve_scalar
from velarun.load._yaml import NULL_TAG, YMap, YNode, YScalar, YSeq

T = TypeVar("T")

MAX_ANY_DEPTH = 64


def kind(node: YNode) -> str:
    """How a diagnostic names what was written instead: a mapping, a list, or the scalar."""
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    return f"`{node.value}`" if node.plain else f'the quoted string `"{node.value}"`'


def _holds_anchor(node: YNode, depth: int = 0) -> bool:
    """True when ``node`` or a block inside it carries an ``&anchor`` (an alias holder)."""
    if node.anchored:
        return True
    if isinstance(node, YScalar) or depth > 3:
        return False
    children = node.items if isinstance(node, YSeq) else tuple(v for _, v in node.items)
    return any(_holds_anchor(child, depth + 1) for child in children)


def suggest(key: str, known: Sequence[str]) -> str | None:
    """`did you mean ...?` for the closest of ``known``, if one is close enough."""
    import difflib  # only for an unknown key

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


class Reader:
    """Every diagnostic of one load, and the shape checks that report them."""

    __slots__ = ("diags",)

    def __init__(self) -> None:
        self.diags: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------------------------

    def err(self, pos: Pos, message: str, hint: str | None = None) -> None:
        self.diags.append(error(pos, message, hint))

    def warn(self, pos: Pos, message: str, hint: str | None = None) -> None:
        self.diags.append(warning(pos, message, hint))

    # -- shapes ------------------------------------------------------------------------------

    def fields(
        self,
        node: YMap,
        where: str,
        known: Sequence[str],
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, tuple[YScalar, YNode]]:
        """The known keys of ``node``; a warning for every other key (Vela ignores them)."""
        out: dict[str, tuple[YScalar, YNode]] = {}
        for key, value in node.items:
            if key.value in known:
                out[key.value] = (key, value)
                continue
            if _holds_anchor(value):
                continue  # a block kept only to hold anchors for aliases elsewhere
            hint = (hints or {}).get(key.value) or suggest(key.value, known)
            hint = f"{hint} (Vela ignores unknown keys)" if hint else None
            if hint is None:
                hint = "Vela ignores unknown keys; known here: " + ", ".join(known)
            self.warn(key.pos, f"unknown key `{key.value}` in {where}", hint)
        return out

    def as_map(self, node: YNode, what: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        if isinstance(node, YScalar) and node.is_null:
            return YMap((), node.pos)
        self.err(node.pos, f"{what} must be a mapping, got {kind(node)}")
        return None

    def as_list(self, node: YNode, what: str) -> tuple[YNode, ...] | None:
        if isinstance(node, YSeq):
            return node.items
        if isinstance(node, YScalar) and node.is_null:
            return ()
        self.err(node.pos, f"{what} must be a list, got {kind(node)}")
        return None

    def as_str(self, node: YNode, what: str) -> str:
        if isinstance(node, YScalar):
            return "" if node.is_null else node.value
        self.err(node.pos, f"{what} must be a string, got {kind(node)}")
        return ""

    def as_bool(self, node: YNode, what: str) -> bool:
        if isinstance(node, YScalar) and node.plain:
            if node.tag == NULL_TAG or node.value in FALSE_WORDS:
                return False
            if node.value in TRUE_WORDS:
                return True
        hint = "remove the quotes" if isinstance(node, YScalar) and not node.plain else None
        self.err(node.pos, f"{what} must be true or false, got {kind(node)}", hint)
        return False

    def as_str_list(self, node: YNode, what: str) -> tuple[str, ...]:
        """Vela's StringSlice: one string or a list of strings."""
        return tuple(value for value, _ in self.as_str_list_at(node, what))

    def as_str_list_at(self, node: YNode, what: str) -> tuple[tuple[str, Pos], ...]:
        """``as_str_list`` with where each string is written, for diagnostics about one item."""
        if isinstance(node, YScalar):
            return () if node.is_null else ((node.value, node.pos),)
        if isinstance(node, YSeq):
            out: list[tuple[str, Pos]] = []
            for item in node.items:
                if isinstance(item, YScalar):
                    out.append(("" if item.is_null else item.value, item.pos))
                else:
                    self.err(item.pos, f"{what} must be a string or a list of strings")
            return tuple(out)
        self.err(node.pos, f"{what} must be a string or a list of strings, got a mapping")
        return ()

    def as_env(self, node: YNode, what: str) -> dict[str, str]:
        """Vela's StringSliceMap: a map, or a list of `KEY=VALUE`; scalars keep their text."""
        env: dict[str, str] = {}
        if isinstance(node, YMap):
            for key, value in node.items:
                if isinstance(value, YScalar):
                    env[key.value] = "" if value.is_null else value.value
                else:
                    self.err(
                        value.pos,
                        f"{what}: the value of `{key.value}` must be a string, got {kind(value)}",
                        "quote it, or encode it as text (e.g. JSON in a string)",
                    )
            return env
        if isinstance(node, YSeq):
            for item in node.items:
                if isinstance(item, YScalar) and "=" in item.value:
                    k, _, v = item.value.partition("=")
                    env[k] = v
                else:
                    shown = item.value if isinstance(item, YScalar) else "a nested block"
                    self.err(
                        item.pos,
                        f"{what}: list item `{shown}` is not `KEY=VALUE`",
                        "write each item as `KEY=VALUE`, or use a mapping",
                    )
            return env
        if node.is_null:
            return env
        self.err(node.pos, f"{what} must be a mapping or a list of `KEY=VALUE`, got {kind(node)}")
        return env

    def as_any(self, node: YNode, what: str, depth: int = 0) -> Any:
        if depth > MAX_ANY_DEPTH:
            self.err(node.pos, f"{what} nests deeper than {MAX_ANY_DEPTH} levels")
            return None
        if isinstance(node, YScalar):
            return resolve_scalar(node)
        if isinstance(node, YSeq):
            return [self.as_any(item, what, depth + 1) for item in node.items]
        return {k.value: self.as_any(v, what, depth + 1) for k, v in node.items}

    def as_vars(self, node: YNode, what: str) -> dict[str, Any]:
        """A template's ``vars``: a mapping (Vela's ``map[string]any``); empty when not set."""
        if isinstance(node, YScalar) and node.is_null:
            return {}
        value = self.as_any(node, what)
        if isinstance(value, dict):
            return value
        self.err(
            node.pos, f"{what} must be a mapping, got {kind(node)}", "write `vars: {KEY: VALUE}`"
        )
        return {}

    def as_int(self, node: YNode, what: str) -> int:
        if isinstance(node, YScalar):
            value = resolve_scalar(node) if node.plain else node.value
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if value is None:
                return 0
        self.err(node.pos, f"{what} must be a whole number, got {kind(node)}")
        return 0

    def items_of(
        self, node: YNode, what: str, each: Callable[[YNode, int], T | None]
    ) -> tuple[T, ...]:
        items = self.as_list(node, what)
        if items is None:
            return ()
        out: list[T] = []
        for index, item in enumerate(items):
            if isinstance(item, YScalar) and item.is_null:
                self.err(item.pos, f"empty item in {what}", "remove the lone `-`")
                continue
            built = each(item, index)
            if built is not None:
                out.append(built)
        return tuple(out)
