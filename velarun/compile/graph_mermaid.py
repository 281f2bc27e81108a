"""``velarun plan --format mermaid``: the stage graph as a mermaid ``flowchart``.

Written to render as it is in a GitHub or GitLab page (a ```` ```mermaid ```` block): a
subgraph per stage holding its steps (top to bottom, tied by invisible links so they stack in
order), ``needs`` as arrows between subgraphs, what was pruned dashed (the ``pruned`` class,
``-.->`` edges) and labelled, independent stages with a heavier border. No colours of its
own beyond a grey for what was pruned, so it reads on light and dark pages alike.

Every label is a quoted string in which the characters mermaid would read are written as its
entity codes (``#34;``): quotes, ``#`` (else ``#1;`` in a name would be an entity), ``<`` ``>``
``&`` (labels are HTML), ``|`` (edge labels), ``%`` (``%%{`` starts a directive anywhere),
a backtick (a label opening with one is markdown), and the space after ``direction`` (the
lexer takes ``direction TB`` anywhere in a line for the statement). Control characters become
spaces.
"""

from __future__ import annotations

import re

from velarun.compile.graph import Box, Edge, Graph, Node, one_line

_ENTITIES = {ch: f"#{ord(ch)};" for ch in '"#<>&|%`'}
_BREAK = "<br>"


# mermaid's lexer reads `direction TB` (BT, RL, LR, TD) anywhere in a line, labels included.
_DIRECTION = re.compile(r"(direction)\s", re.IGNORECASE)


def escape(text: str) -> str:
    """``text`` as it may stand inside a mermaid quoted label and read as written."""
    escaped = "".join(_ENTITIES.get(ch, ch) for ch in one_line(text))
    return _DIRECTION.sub(r"\1#32;", escaped)


def label(lines: tuple[str, ...]) -> str:
    """A quoted label of one or more lines."""
    return '"' + _BREAK.join(escape(line) for line in lines) + '"'


def comment(text: str) -> str:
    """A ``%%`` comment line; nothing in it can open a directive or end the line early."""
    return "%% " + one_line(text).replace("%", "#37;")


CLASSES = (
    "classDef pruned stroke-dasharray:5 5,color:#808080",
    "classDef independent stroke-width:3px",
    "classDef missing stroke-dasharray:2 2,color:#808080",
)


def _node(node: Node) -> str:
    text = label(node.lines)
    return f"{node.id}([{text}])" if node.kind == "service" else f"{node.id}[{text}]"


def _box(box: Box) -> list[str]:
    # A subgraph's title stays on one line: mermaid draws a second line over the first node.
    title = '"' + " · ".join(escape(line) for line in box.lines) + '"'
    # Without its own direction mermaid lays a subgraph out across the flowchart's.
    lines = [f"  subgraph {box.id}[{title}]", "    direction TB"]
    lines.extend(f"    {_node(node)}" for node in box.nodes)
    lines.extend(f"    {a.id} ~~~ {b.id}" for a, b in zip(box.nodes, box.nodes[1:], strict=False))
    lines.append("  end")
    return lines


def _edge(edge: Edge) -> str:
    arrow = "-.->" if edge.dashed else "-->"
    if edge.label:
        arrow += f"|{label((edge.label,))}|"
    return f"  {edge.source} {arrow} {edge.target}"


def _classes(graph: Graph) -> list[str]:
    pruned = [b.id for b in graph.boxes if b.pruned]
    pruned += [n.id for b in graph.boxes for n in b.nodes if n.pruned]
    independent = [b.id for b in graph.boxes if b.independent]
    missing = [n.id for n in graph.missing]
    return [
        f"  class {','.join(ids)} {name}"
        for name, ids in (("pruned", pruned), ("independent", independent), ("missing", missing))
        if ids
    ]


def render_mermaid(graph: Graph) -> str:
    lines = [comment(graph.comment), "flowchart TB"]
    lines.extend(f"  {c}" for c in CLASSES)
    for box in graph.boxes:
        lines.extend(_box(box))
    lines.extend(f"  {_node(node)}" for node in graph.missing)
    lines.extend(_edge(edge) for edge in graph.edges)
    lines.extend(_classes(graph))
    return "\n".join(lines)
