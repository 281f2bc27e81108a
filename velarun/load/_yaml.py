"""YAML text -> a small tree of positioned nodes.

PyYAML's ``compose`` keeps line/column marks. On top of it this module adds what Vela's yaml.v3
does and PyYAML does not: duplicate keys are errors (except stage keys, as in Vela), merge keys
(``<<``) are applied with explicit keys winning, and it bounds what hostile input can cost: alias
expansion, recursive aliases and nesting depth all become diagnostics instead of hangs or
tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
import yaml.cyaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from velarun.diagnostics import START, Diagnostic, Pos, error, warning

MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"

MAX_DEPTH = 100
"""Deepest nesting accepted; real pipelines stay under ten levels."""

MAX_EXPANDED_NODES = 2_000_000
"""Bound on the document's size with every alias expanded (an alias bomb stops here)."""


@dataclass(frozen=True, slots=True)
class YScalar:
    value: str
    tag: str
    plain: bool
    """Written without quotes or block indicators: only plain scalars resolve to bool/int/null."""
    pos: Pos
    anchored: bool = False

    @property
    def is_null(self) -> bool:
        return self.plain and self.tag == NULL_TAG


@dataclass(frozen=True, slots=True)
class YSeq:
    items: tuple[YNode, ...]
    pos: Pos
    anchored: bool = False


@dataclass(frozen=True, slots=True)
class YMap:
    items: tuple[tuple[YScalar, YNode], ...]
    pos: Pos
    anchored: bool = False
    """Carries an ``&anchor``: a block kept only to be aliased elsewhere."""


YNode = YScalar | YSeq | YMap


def node_pos(node: Node, origin: str = "") -> Pos:
    mark = node.start_mark
    return Pos(mark.line + 1, mark.column + 1, origin)


_FastParser: type | None = getattr(yaml.cyaml, "CParser", None)
"""libyaml's parser; None when PyYAML was built without libyaml (the pure-Python one then)."""


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


_ParserBase: type = _FastParser if _FastParser is not None else _PyParser


class _Loader(Composer, Resolver, _ParserBase):  # type: ignore[misc]
    """libyaml's parser (when PyYAML has it) under PyYAML's Python composer, which keeps
    positions and remembers which nodes carry an anchor (PyYAML forgets anchors)."""

    def __init__(self, text: str) -> None:
        _ParserBase.__init__(self, text)  # type: ignore[misc]
        Composer.__init__(self)
        Resolver.__init__(self)
        self.anchored: set[int] = set()
        self.explicit: set[int] = set()
        self.saw_alias = False

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        anchor = None
        explicit_tag = False
        if self.check_event(yaml.AliasEvent):
            self.saw_alias = True
        else:
            event = self.peek_event()
            anchor = event.anchor
            if isinstance(event, yaml.ScalarEvent) and event.tag not in (None, "!"):
                explicit_tag = True  # `!!str 5`: not resolved by its value
        node = super().compose_node(parent, index)
        if node is not None:
            if anchor is not None:
                self.anchored.add(id(node))
            if explicit_tag:
                self.explicit.add(id(node))
        return node


class _TooDeep(Exception):
    def __init__(self, pos: Pos) -> None:
        self.pos = pos


class _Converter:
    def __init__(self, anchored: set[int], explicit: set[int], origin: str = "") -> None:
        self.anchored = anchored
        self.explicit = explicit
        self.origin = origin
        self.diags: list[Diagnostic] = []
        self._done: dict[int, YNode] = {}
        self._sizes: dict[int, int] = {}
        self._active: set[int] = set()
        self._stages: int | None = None
        """The top-level ``stages`` mapping: Vela's stages decoder reads its keys itself, so
        yaml.v3's duplicate-key check never runs there and a key written twice is two stages."""

    def expanded_size(self, node: Node) -> int:
        """Node count with aliases expanded, computed over the shared graph in linear time."""
        stack: list[tuple[Node, bool]] = [(node, False)]
        while stack:
            n, children_done = stack.pop()
            if id(n) in self._sizes:
                continue
            kids: list[Node] = []
            if isinstance(n, SequenceNode):
                kids = list(n.value)
            elif isinstance(n, MappingNode):
                kids = [part for pair in n.value for part in pair]
            if children_done:
                self._sizes[id(n)] = 1 + sum(self._sizes.get(id(k), 0) for k in kids)
                continue
            if id(n) in self._active:  # a recursive alias: reported by convert()
                self._sizes[id(n)] = 1
                continue
            self._active.add(id(n))
            stack.append((n, True))
            stack.extend((k, False) for k in kids if id(k) not in self._sizes)
        self._active.clear()
        return self._sizes[id(node)]

    def convert(self, node: Node, depth: int = 0) -> YNode:
        key = id(node)
        done = self._done.get(key)
        if done is not None:
            return done
        pos = node_pos(node, self.origin)
        if depth > MAX_DEPTH:
            raise _TooDeep(pos)
        if key in self._active:
            self.diags.append(
                error(pos, "recursive alias: this node contains itself", "remove the alias loop")
            )
            return YScalar("", NULL_TAG, True, pos)
        self._active.add(key)
        try:
            result: YNode
            if isinstance(node, ScalarNode):
                # Plain: no quotes or block style (None from PyYAML's parser, "" from
                # libyaml's) and no explicit tag.
                plain = not node.style and key not in self.explicit
                tag = node.tag
                result = YScalar(node.value, tag, plain, pos, key in self.anchored)
            elif isinstance(node, SequenceNode):
                items = tuple(self.convert(n, depth + 1) for n in node.value)
                result = YSeq(items, pos, key in self.anchored)
            else:
                assert isinstance(node, MappingNode)
                result = self._mapping(node, pos, depth)
        finally:
            self._active.discard(key)
        self._done[key] = result
        return result

    def _mapping(self, node: MappingNode, pos: Pos, depth: int) -> YMap:
        explicit: list[tuple[YScalar, YNode]] = []
        seen: dict[str, YScalar] = {}
        merged: list[tuple[YScalar, YNode]] = []
        merge_keys = 0
        for knode, vnode in node.value:
            if knode.tag == MERGE_TAG and isinstance(knode, ScalarNode):
                merge_keys += 1
                if merge_keys == 2:
                    self.diags.append(
                        warning(
                            node_pos(knode, self.origin),
                            "more than one `<<` merge key in one mapping",
                            "merge several anchors with one key: `<<: [*a, *b]`",
                        )
                    )
                merged.extend(self._merge_sources(self.convert(vnode, depth + 1)))
                continue
            if not isinstance(knode, ScalarNode):
                self.diags.append(
                    error(
                        node_pos(knode, self.origin),
                        "a mapping key must be a plain value, not a list or map",
                    )
                )
                continue
            k = self.convert(knode, depth + 1)
            assert isinstance(k, YScalar)
            first = seen.get(k.value)
            if depth == 0 and k.value == "stages":
                self._stages = id(vnode)
            if first is not None and id(node) == self._stages:
                explicit.append((k, self.convert(vnode, depth + 1)))
                continue
            if first is not None:
                self.diags.append(
                    error(
                        k.pos,
                        f"duplicate key `{k.value}`: already defined at line {first.pos.line}",
                        "YAML allows a key once per mapping; remove or rename one of them",
                    )
                )
                continue
            seen[k.value] = k
            explicit.append((k, self.convert(vnode, depth + 1)))
        for k, v in merged:
            if k.value not in seen:
                seen[k.value] = k
                explicit.append((k, v))
        return YMap(tuple(explicit), pos, id(node) in self.anchored)

    def _merge_sources(self, value: YNode) -> list[tuple[YScalar, YNode]]:
        sources = value.items if isinstance(value, YSeq) else (value,)
        pairs: list[tuple[YScalar, YNode]] = []
        for src in sources:
            if isinstance(src, YMap):
                pairs.extend(src.items)
            else:
                self.diags.append(
                    error(
                        src.pos,
                        "a `<<` merge key takes a mapping or a list of mappings",
                        "point it at an anchored mapping: `<<: *defaults`",
                    )
                )
        return pairs


def _mark_pos(exc: yaml.MarkedYAMLError) -> Pos:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return START
    return Pos(mark.line + 1, mark.column + 1)


class _Bail(Exception):
    """The document needs the full path (anchors, aliases, tags, merge keys, errors...)."""


class _Frame:
    """An open collection of the one-pass composer: its items so far, and the diagnostics
    found inside them by the index of the item (only collections have any)."""

    __slots__ = ("diags", "is_map", "items", "keep_duplicates", "pos")

    def __init__(self, is_map: bool, pos: Pos, keep_duplicates: bool) -> None:
        self.is_map = is_map
        self.pos = pos
        self.keep_duplicates = keep_duplicates
        self.items: list[YNode] = []
        self.diags: dict[int, list[Diagnostic]] = {}

    def close(self) -> tuple[YNode, list[Diagnostic]]:
        found = [d for i in sorted(self.diags) for d in self.diags[i]] if self.diags else []
        if not self.is_map:
            return YSeq(tuple(self.items), self.pos), found
        keys = self.items[0::2]
        try:  # scalar keys (a collection has no value or tag: the full path takes it)
            names = {k.value for k in keys}  # type: ignore[union-attr]
            tags = {k.tag for k in keys}  # type: ignore[union-attr]
        except AttributeError:
            raise _Bail from None
        if MERGE_TAG in tags:
            raise _Bail
        if len(names) == len(keys):  # no key written twice (nearly every mapping)
            return YMap(tuple(zip(keys, self.items[1::2], strict=True)), self.pos), found  # type: ignore[arg-type]
        return self._close_duplicates()

    def _close_duplicates(self) -> tuple[YNode, list[Diagnostic]]:
        pairs: list[tuple[YScalar, YNode]] = []
        diags: list[Diagnostic] = []
        seen: dict[str, YScalar] = {}
        items = self.items
        for i in range(0, len(items), 2):
            k, v = items[i], items[i + 1]
            if not isinstance(k, YScalar) or k.tag == MERGE_TAG:
                raise _Bail
            first = seen.get(k.value)
            if first is not None and not self.keep_duplicates:
                diags.append(
                    error(
                        k.pos,
                        f"duplicate key `{k.value}`: already defined at line {first.pos.line}",
                        "YAML allows a key once per mapping; remove or rename one of them",
                    )
                )
                continue  # the value of a key written twice is never read, nor checked
            seen.setdefault(k.value, k)
            pairs.append((k, v))
            if i + 1 in self.diags:
                diags += self.diags[i + 1]
        return YMap(tuple(pairs), self.pos), diags


def _one_pass(text: str, origin: str) -> tuple[YNode | None, list[Diagnostic]]:
    """The document composed straight from libyaml's events into the tree (no PyYAML nodes,
    no second walk), for documents with no anchor, alias, explicit tag, merge key, second
    document or error: anything else raises _Bail, and the full path reads it. One loop with
    every name local: it runs once per event (about 23 a step)."""
    assert _FastParser is not None
    parser = _FastParser(text)
    get_event = parser.get_event
    scalars = _Scalars(origin)
    scalar = scalars.__call__  # a bound method: no look-up of __call__ at each scalar
    stack: list[_Frame] = []
    root: tuple[YNode, list[Diagnostic]] | None = None
    try:
        event = get_event()
        while (kind := type(event)) is not _STREAM_END:
            if kind is _SCALAR:
                if stack:
                    stack[-1].items.append(scalar(event, len(stack)))
                else:
                    root = scalar(event, 0), []
            elif kind is _MAP_START or kind is _SEQ_START:
                frame = _Frame(
                    kind is _MAP_START, scalars.pos(event, len(stack)), _is_stages(stack)
                )
                stack.append(frame)
            elif kind is _MAP_END or kind is _SEQ_END:
                node, diags = stack.pop().close()
                if not stack:
                    root = node, diags
                else:
                    top = stack[-1]
                    if diags:
                        top.diags[len(top.items)] = diags
                    top.items.append(node)
            elif kind is _ALIAS or (kind is _DOCUMENT_START and root is not None):
                raise _Bail  # an alias; a second document (the full path warns of it)
            event = get_event()
    except yaml.YAMLError:
        raise _Bail from None
    finally:
        parser.dispose()
    return (root[0], list(root[1])) if root is not None else (None, [])


_STREAM_END = yaml.StreamEndEvent
_SCALAR = yaml.ScalarEvent
_MAP_START = yaml.MappingStartEvent
_SEQ_START = yaml.SequenceStartEvent
_MAP_END = yaml.MappingEndEvent
_SEQ_END = yaml.SequenceEndEvent
_ALIAS = yaml.AliasEvent
_DOCUMENT_START = yaml.DocumentStartEvent


class _Scalars:
    """Scalars and positions for the one pass: tags resolved once per (value, implicit)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.resolve = Resolver().resolve
        self.tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def pos(self, event: yaml.NodeEvent, depth: int) -> Pos:
        mark = event.start_mark
        if event.anchor is not None or mark is None or depth > MAX_DEPTH:
            raise _Bail
        return Pos(mark.line + 1, mark.column + 1, self.origin)

    def __call__(self, event: yaml.ScalarEvent, depth: int) -> YScalar:
        tag = event.tag
        if tag is not None and tag != "!":
            raise _Bail
        value = event.value
        key = (value, event.implicit)
        tag = self.tags.get(key)
        if tag is None:
            tag = self.tags[key] = self.resolve(ScalarNode, value, event.implicit)  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if event.anchor is not None or mark is None or depth > MAX_DEPTH:
            raise _Bail
        return YScalar(
            value, tag, not event.style, Pos(mark.line + 1, mark.column + 1, self.origin)
        )


def _is_stages(stack: list[_Frame]) -> bool:
    """A mapping opening as the value of the top-level ``stages`` key: Vela reads its keys
    itself, so one written twice is two stages, not an error."""
    if len(stack) != 1 or not stack[0].is_map or len(stack[0].items) % 2 == 0:
        return False
    key = stack[0].items[-1]
    return isinstance(key, YScalar) and key.value == "stages"


def parse_yaml(text: str, origin: str = "") -> tuple[YNode | None, list[Diagnostic]]:
    """Parse the first YAML document of ``text``. ``None`` means no usable document. Every
    node's position names ``origin`` (a template's output; "" for the pipeline file)."""
    if _FastParser is not None:
        try:
            return _one_pass(text, origin)
        except _Bail:
            pass
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        return None, [_reader_error(text, exc)]
    try:
        try:
            root = loader.get_node() if loader.check_node() else None
        except yaml.MarkedYAMLError as exc:
            problem = exc.problem or "invalid YAML"
            hint = "check the indentation and quoting of this line and the one above"
            if exc.context and exc.context_mark:
                hint = f"{exc.context} (line {exc.context_mark.line + 1}); {hint}"
            return None, [error(_mark_pos(exc), f"YAML syntax error: {problem}", hint)]
        except yaml.reader.ReaderError as exc:
            return None, [_reader_error(text, exc)]
        except yaml.YAMLError as exc:
            return None, [error(START, f"YAML error: {exc}")]
        except RecursionError:
            return None, [_too_deep(START)]
        extra: list[Diagnostic] = []
        try:
            if root is not None and loader.check_node():
                extra.append(
                    warning(
                        Pos(loader.peek_event().start_mark.line + 1, 1),
                        "the file holds more than one YAML document; only the first is used",
                        "remove the `---` separator and what follows, or move it to another file",
                    )
                )
        except (yaml.YAMLError, RecursionError):
            extra.append(
                warning(START, "the file holds more than one YAML document; only the first is used")
            )
    finally:
        loader.dispose()
    if root is None:
        return None, extra
    conv = _Converter(loader.anchored, loader.explicit, origin)
    size = conv.expanded_size(root) if loader.saw_alias else 0  # only aliases can blow up
    if size > MAX_EXPANDED_NODES:
        return None, [
            error(
                node_pos(root),
                f"the document expands to {size} nodes through aliases, "
                f"more than the {MAX_EXPANDED_NODES} velarun accepts",
                "this looks like an alias bomb; use anchors for small shared blocks only",
            ),
            *extra,
        ]
    try:
        tree = conv.convert(root)
    except _TooDeep as exc:
        return None, [_too_deep(exc.pos), *conv.diags, *extra]
    return tree, [*conv.diags, *extra]


def _reader_error(text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    before = text[: exc.position]
    pos = Pos(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
    return error(
        pos,
        f"character U+{exc.character:04X} is not allowed in YAML",
        "remove it; YAML files hold printable text only",
    )


def _too_deep(pos: Pos) -> Diagnostic:
    return error(
        pos,
        f"the document nests deeper than {MAX_DEPTH} levels",
        "flatten the structure; a Vela pipeline needs only a few levels",
    )
