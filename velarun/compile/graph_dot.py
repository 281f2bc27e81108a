"""``velarun plan --format dot``: the stage graph in Graphviz's DOT language.

A cluster per stage holding its steps (top to bottom, tied by invisible edges so they stack in
order), ``needs`` as edges between clusters (``compound=true``: an edge runs from the needed
stage's last step to the needing stage's first, clipped at the clusters' borders), what was
pruned dashed and grey, dropped ``needs`` dashed and labelled, independent stages with a
heavier border. ``dot -Tsvg plan.dot > plan.svg`` draws it.

Labels are DOT quoted strings: a backslash doubled (else ``\\n``, ``\\N`` and friends would
be read), a quote escaped, control characters made spaces; lines are joined with ``\\n``.
"""

from __future__ import annotations

from velarun.compile.graph import Box, Edge, Graph, Node, one_line

_PRUNED = 'style="rounded,dashed", color=gray50, fontcolor=gray40'


def escape(text: str) -> str:
    """``text`` as it may stand inside a DOT quoted string and read as written."""
    return one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def label(lines: tuple[str, ...]) -> str:
    return '"' + "\\n".join(escape(line) for line in lines) + '"'


def _node(node: Node, indent: str) -> str:
    attrs = [f"label={label(node.lines)}"]
    if node.kind == "service":
        attrs.append('shape=box, style="rounded,filled", fillcolor=gray95')
    if node.pruned:
        attrs.append(_PRUNED)
    if node.kind == "missing":
        attrs.append('style="dashed", color=gray50, fontcolor=gray40')
    return f"{indent}{node.id} [{', '.join(attrs)}];"


def _box(box: Box) -> list[str]:
    lines = [f"  subgraph cluster_{box.id} {{", f"    label={label(box.lines)};"]
    if box.pruned:
        lines.append("    style=dashed; color=gray50; fontcolor=gray40;")
    if box.independent:
        lines.append("    penwidth=3;")
    if not box.nodes:  # an edge needs a node to start or end at
        lines.append(f'    {box.id} [label="", shape=point, style=invis];')
    lines.extend(_node(node, "    ") for node in box.nodes)
    lines.extend(
        f"    {a.id} -> {b.id} [style=invis];"
        for a, b in zip(box.nodes, box.nodes[1:], strict=False)
    )
    lines.append("  }")
    return lines


def _edge(graph: Graph, edge: Edge) -> str:
    attrs: list[str] = []
    source, target = edge.source, edge.target
    if (box := graph.box(source)) is not None:
        source = box.nodes[-1].id if box.nodes else box.id
        attrs.append(f"ltail=cluster_{box.id}")
    if (box := graph.box(target)) is not None:
        target = box.nodes[0].id if box.nodes else box.id
        attrs.append(f"lhead=cluster_{box.id}")
    if edge.dashed:
        attrs.append("style=dashed, color=gray50")
    if edge.label:
        attrs.append(f"label={label((edge.label,))}, fontcolor=gray40")
    return f"  {source} -> {target} [{', '.join(attrs)}];"


def render_dot(graph: Graph) -> str:
    lines = [
        f"// {one_line(graph.comment)}",
        "digraph plan {",
        "  compound=true;",
        "  rankdir=TB;",
        "  nodesep=0.5;",
        '  fontname="Helvetica,Arial,sans-serif";',
        '  node [shape=box, style="rounded", fontname="Helvetica,Arial,sans-serif"];',
        '  edge [fontname="Helvetica,Arial,sans-serif", fontsize=10];',
    ]
    for box in graph.boxes:
        lines.extend(_box(box))
    lines.extend(_node(node, "  ") for node in graph.missing)
    lines.extend(_edge(graph, edge) for edge in graph.edges)
    lines.append("}")
    return "\n".join(lines)
