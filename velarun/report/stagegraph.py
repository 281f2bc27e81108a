"""The stage graph of a run's report as SVG: stages as boxes, ``needs`` as arrows.

A layered layout, left to right: a stage's layer is one more than the deepest stage it needs
(0 for none); within a layer, stages keep the report's order, then each layer after the first
is sorted by the mean row of the stages it needs (one barycentre pass), so most arrows run
straight. Boxes are coloured by the stage's status; the critical path's stages are outlined.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from velarun.report.gantt import Report, critical_path, stages_of, steps_of

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 44, 70, 18, 10


def _needs(stage: Mapping[str, Any], present: set[str]) -> list[str]:
    needs = stage.get("needs")
    return [str(n) for n in needs if n in present] if isinstance(needs, list) else []


def layers(edges: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Each stage's layer: 0 with no needs, else one more than its deepest need. A cycle
    (which a report never holds: the compiler refuses one) is cut where it closes."""
    out: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        if name in out:
            return out[name]
        deeper = [depth(n, seen | {name}) + 1 for n in edges.get(name, ()) if n not in seen]
        out[name] = max(deeper, default=0)
        return out[name]

    for name in edges:
        depth(name, frozenset())
    return out


@dataclass(frozen=True, slots=True)
class Box:
    name: str
    status: str
    steps: int
    x: float
    y: float


def layout(report: Report) -> tuple[list[Box], list[tuple[str, str]]]:
    """The boxes and the edges (need, stage) of the report's stages."""
    stages = [st for st in stages_of(report) if st.get("name")]
    present = {str(st.get("name")) for st in stages}
    edges = {str(st.get("name")): _needs(st, present) for st in stages}
    layer_of = layers(edges)
    columns: dict[int, list[str]] = {}
    for name in edges:
        columns.setdefault(layer_of[name], []).append(name)
    row_of: dict[str, float] = {}
    for layer in sorted(columns):
        names = columns[layer]
        if layer > 0:
            order = {n: i for i, n in enumerate(names)}
            names.sort(key=lambda n: (_barycentre(edges[n], row_of, order[n]), order[n]))
        for i, name in enumerate(names):
            row_of[name] = i
    info = {str(st.get("name")): st for st in stages}
    boxes = [
        Box(
            name,
            str(info[name].get("status", "")),
            len(steps_of(info[name])),
            PAD + layer_of[name] * (BOX_W + GAP_X),
            PAD + row_of[name] * (BOX_H + GAP_Y),
        )
        for name in edges
    ]
    return boxes, [(need, name) for name, needs in edges.items() for need in needs]


def _barycentre(needs: Sequence[str], row_of: Mapping[str, float], own: int) -> float:
    rows = [row_of[n] for n in needs if n in row_of]
    return sum(rows) / len(rows) if rows else float(own)


def _box_svg(box: Box, critical: bool) -> str:
    name = box.name if len(box.name) <= 24 else box.name[:23] + "…"
    steps = f"{box.steps} step" + ("" if box.steps == 1 else "s")
    classes = f"node s-{box.status}" + (" crit" if critical else "")
    return (
        f'<g class="{html.escape(classes)}" data-stage="{html.escape(box.name)}">'
        f"<title>{html.escape(box.name)}: {html.escape(box.status)}</title>"
        f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
        f'<text class="sname" x="{box.x + 10:.0f}" y="{box.y + 18:.0f}">{html.escape(name)}</text>'
        f'<text class="sinfo" x="{box.x + 10:.0f}" y="{box.y + 35:.0f}">'
        f"{html.escape(box.status)} · {steps}</text></g>"
    )


def _edge_svg(start: Box, end: Box, critical: bool) -> str:
    x1, y1 = start.x + BOX_W, start.y + BOX_H / 2
    x2, y2 = end.x - 2, end.y + BOX_H / 2
    mid = (x1 + x2) / 2
    cls = "edge crit" if critical else "edge"
    return (
        f'<path class="{cls}" d="M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f}'
        f' {x2:.0f},{y2:.0f}" marker-end="url(#arrow)"/>'
    )


def graph_svg(report: Report) -> str:
    """The graph, or an empty string for a report without stages (a steps pipeline)."""
    boxes, edges = layout(report)
    if not boxes:
        return ""
    chain = critical_path(report).stages
    on_path = set(chain)
    crit_edges = set(itertools.pairwise(chain))
    by_name = {b.name: b for b in boxes}
    parts = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/>'
        "</marker></defs>"
    ]
    parts += [_edge_svg(by_name[a], by_name[b], (a, b) in crit_edges) for a, b in edges]
    parts += [_box_svg(b, b.name in on_path) for b in boxes]
    width = max(b.x for b in boxes) + BOX_W + PAD
    height = max(b.y for b in boxes) + BOX_H + PAD
    return (
        f'<svg class="graph" width="{width:.0f}" height="{height:.0f}"'
        f' viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="stage graph">'
        + "".join(parts)
        + "</svg>"
    )
