"""The Plan as a graph: stages as boxes holding their steps, ``needs`` as edges.

The shape both ``plan --format mermaid`` (:mod:`~velarun.compile.graph_mermaid`) and ``plan
--format dot`` (:mod:`~velarun.compile.graph_dot`) draw, built once here so the two cannot tell
different stories. Pure: a ``Plan`` (and the ``needs`` as written, for the pruned stages) in,
frozen data out; names stay as written (each renderer quotes them its own way), ids are made
safe for both languages and unique.

What it shows:

- a box (``Box``) per stage, in the file's order, holding its steps in order; a steps
  pipeline is one box; services, when there are any, are a box of their own, first;
- an edge from the needed stage to the needing one for each ``needs`` in the plan;
- what was pruned drawn dashed with the reason: a pruned stage's box and its steps, a pruned
  step in a kept stage, a pruned service, and the edges of a pruned stage's own ``needs``;
- each ``needs`` the plan dropped as a dashed, labelled edge: from the pruned stage, or from a
  dashed node standing for a name that is not a stage (Vela ignores it);
- independent stages marked (``Box.independent``: a line in the title, a heavier border).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from velarun.compile.plan import IMPLICIT_STAGE, Plan, PlannedStage, PlannedStep, Pruned

IGNORED_NEEDS = ("clone", "init")
"""Needs Vela satisfies itself (no such stage runs locally): never drawn."""


@dataclass(frozen=True, slots=True)
class Node:
    """A step, a service, or a name that is not a stage."""

    id: str
    lines: tuple[str, ...]
    """The name first, then what else is worth reading (image, flags, why it was pruned)."""
    kind: str
    """``step``, ``service`` or ``missing``."""
    pruned: bool = False


@dataclass(frozen=True, slots=True)
class Box:
    """A stage (or the services) and what it holds, top to bottom."""

    id: str
    name: str
    lines: tuple[str, ...]
    """The title: the name, then its marks (independent, pruned and why)."""
    nodes: tuple[Node, ...]
    pruned: bool = False
    independent: bool = False
    services: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    """From the needed stage (or missing name) to the needing stage: ids of boxes or nodes."""

    source: str
    target: str
    label: str = ""
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Graph:
    comment: str
    """One line saying what the picture is of (the rule data)."""
    boxes: tuple[Box, ...]
    missing: tuple[Node, ...]
    """Names ``needs`` refers to that are no stage."""
    edges: tuple[Edge, ...]

    def box(self, box_id: str) -> Box | None:
        return next((b for b in self.boxes if b.id == box_id), None)


_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every control character and line break made a space."""
    return _BREAKS.sub(" ", text)


_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


class Ids:
    """Ids safe in mermaid and dot (ASCII letters, digits, ``_``; a prefix, so never a keyword
    of either language and never starting with a digit) and unique across the graph."""

    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, name: str) -> str:
        slug = _UNSAFE.sub("_", name).strip("_")[:40].rstrip("_")
        base = f"{prefix}_{slug}" if slug else prefix
        found, n = base, 1
        while found in self.used:
            n += 1
            found = f"{base}_{n}"
        self.used.add(found)
        return found


def step_lines(step: PlannedStep) -> tuple[str, ...]:
    lines = [step.name, step.image]
    if step.detach:
        lines.append("detached")
    if step.continue_:
        lines.append("continue on failure")
    if step.runtime_note:
        lines.append(f"runtime: {step.runtime_note}")
    if step.artifacts:
        lines.append(f"artifacts: {', '.join(step.artifacts)}")
    return tuple(lines)


def _pruned_node(ids: Ids, prefix: str, p: Pruned, kind: str) -> Node:
    return Node(ids.make(prefix, p.name), (p.name, f"pruned: {p.reason}"), kind, pruned=True)


def _ruledata_comment(plan: Plan) -> str:
    d = plan.ruledata
    parts = [f"event={d.event}", f"branch={d.branch}", f"tag={d.tag}", f"repo={d.repo}"]
    paths = ",".join(d.paths) if len(d.paths) <= 3 else f"({len(d.paths)} files)"
    parts.append("paths=" + (paths or "(none)"))
    if d.target:
        parts.append(f"target={d.target}")
    if d.comment:
        parts.append(f"comment={d.comment!r}")
    return "velarun plan, rule data: " + " ".join(parts)


def stage_graph(
    plan: Plan,
    written_needs: Mapping[str, tuple[str, ...]] | None = None,
    written_independent: Collection[str] = (),
) -> Graph:
    """The graph of ``plan``. ``written_needs``: each stage's ``needs`` as the file writes
    them, in the file's order (``Pipeline.stages``); with it, pruned stages take their place
    in the file's order and keep their own ``needs`` (dashed), else they come last with none.
    ``written_independent``: the stages written ``independent: true``, so a pruned one is
    marked too (the plan knows it of the stages it keeps)."""
    written = dict(written_needs or {})
    ids = Ids()
    boxes: list[Box] = []
    if plan.services or plan.pruned_of("service"):
        boxes.append(_services_box(plan, ids))
    stage_boxes = _stage_boxes(plan, written, frozenset(written_independent), ids)
    boxes.extend(stage_boxes.values())
    missing: dict[str, Node] = {}
    edges = _edges(plan, written, stage_boxes, missing, ids)
    return Graph(_ruledata_comment(plan), tuple(boxes), tuple(missing.values()), tuple(edges))


def _services_box(plan: Plan, ids: Ids) -> Box:
    box_id = ids.make("services", "")
    nodes = [Node(ids.make("svc", s.name), (s.name, s.image), "service") for s in plan.services]
    nodes.extend(_pruned_node(ids, "svc", p, "service") for p in plan.pruned_of("service"))
    return Box(box_id, "services", ("services", "in the background"), tuple(nodes), services=True)


def _stage_boxes(
    plan: Plan, written: dict[str, tuple[str, ...]], independent: frozenset[str], ids: Ids
) -> dict[str, Box]:
    """Each stage's box by name, kept and pruned, in the file's order."""
    kept = {st.name: st for st in plan.stages}
    pruned = {p.name: p for p in plan.pruned_of("stage")}
    pruned_steps: dict[str, list[Pruned]] = {}
    for p in plan.pruned_of("step"):
        pruned_steps.setdefault(p.stage or IMPLICIT_STAGE, []).append(p)
    known = (*(n for n in written if n in kept or n in pruned), *kept, *pruned, *pruned_steps)
    out: dict[str, Box] = {}
    for name in dict.fromkeys(known):
        stage = kept.get(name)
        box_id = ids.make("stage", name)
        step_nodes = _step_nodes(stage, pruned_steps.get(name, []), box_id, ids)
        if stage is not None:
            title = (name, "independent") if stage.independent else (name,)
            out[name] = Box(box_id, name, title, step_nodes, independent=stage.independent)
        else:
            why = pruned[name].reason if name in pruned else "every step was pruned"
            marks = ("independent",) if name in independent else ()
            title = (name, *marks, f"pruned: {why}")
            out[name] = Box(box_id, name, title, step_nodes, pruned=True, independent=bool(marks))
    return out


def _step_nodes(
    stage: PlannedStage | None, pruned: list[Pruned], box_id: str, ids: Ids
) -> tuple[Node, ...]:
    prefix = "step" + box_id.removeprefix("stage")
    steps = stage.steps if stage is not None else ()
    nodes = [Node(ids.make(prefix, s.name), step_lines(s), "step") for s in steps]
    nodes.extend(_pruned_node(ids, prefix, p, "step") for p in pruned)
    return tuple(nodes)


def _edges(
    plan: Plan,
    written: dict[str, tuple[str, ...]],
    boxes: dict[str, Box],
    missing: dict[str, Node],
    ids: Ids,
) -> list[Edge]:
    def source(need: str) -> str:
        if need in boxes:
            return boxes[need].id
        if need not in missing:
            missing[need] = Node(ids.make("missing", need), (need, "not a stage"), "missing")
        return missing[need].id

    kept = {st.name: st for st in plan.stages}
    edges: list[Edge] = []
    for name, box in boxes.items():
        stage = kept.get(name)
        if stage is not None and not stage.implicit:
            edges.extend(Edge(source(n), box.id) for n in stage.needs if n in boxes)
            dropped = (d.need for d in plan.dropped_needs if d.stage == name)
            for need in _unique((*written.get(name, ()), *dropped)):
                if need in stage.needs or need in IGNORED_NEEDS or need == name:
                    continue
                edges.append(Edge(source(need), box.id, _dropped_label(need, boxes), dashed=True))
        elif stage is None:
            edges.extend(
                Edge(source(n), box.id, dashed=True)
                for n in _unique(written.get(name, ()))
                if n not in IGNORED_NEEDS and n != name
            )
    return edges


def _dropped_label(need: str, boxes: dict[str, Box]) -> str:
    if need not in boxes:
        return "need ignored: not a stage"
    return "need dropped: pruned" if boxes[need].pruned else "need dropped"


def _unique(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
