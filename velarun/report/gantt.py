"""The run's timeline from its report JSON: rows, the critical path, and the Gantt chart (SVG).

**The critical path** is the chain of stages, linked by ``needs``, whose ends decided when the
build's last stage finished. It starts at the stage that finished last (of those with an end;
on a tie, the first in the report's order) and goes back, from each stage, to the stage it
needed that finished last (the one whose end let it start; on a tie, the first of its
``needs``), until a stage that needed none. On each stage of the chain, the steps that ran
(a start time, not detached) are on the path: they run one after the other. A steps pipeline
has one chain: its steps that ran. Services and detached steps run beside the build and are
never on it. A report without stage ``needs`` (written before they were kept) makes every
stage its own chain: the path is then the stage that finished last. Waiting for a slot under
``--parallel`` is not a ``needs`` edge, so it does not show.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Report = Mapping[str, Any]


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp of the report, or None (``null``, or not a timestamp)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def stages_of(report: Report) -> list[Mapping[str, Any]]:
    """The report's stages; a steps pipeline's steps as one stage without a name."""
    if isinstance(report.get("stages"), list):
        return [st for st in report["stages"] if isinstance(st, Mapping)]
    steps = report.get("steps")
    return [
        {
            "name": "",
            "started_at": report.get("started_at"),
            "finished_at": report.get("finished_at"),
            "steps": steps if isinstance(steps, list) else [],
        }
    ]


def steps_of(stage: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    steps = stage.get("steps")
    return [s for s in steps if isinstance(s, Mapping)] if isinstance(steps, list) else []


def step_label(stage: Mapping[str, Any], step: Mapping[str, Any]) -> str:
    """``stage/step`` as the log prefixes and the report's labels say it; a steps pipeline's
    step by its name."""
    name = str(step.get("name", ""))
    return f"{stage.get('name')}/{name}" if stage.get("name") else name


@dataclass(frozen=True, slots=True)
class CriticalPath:
    stages: tuple[str, ...]
    """From the first stage of the chain to the one that finished last."""
    steps: frozenset[str]
    """The labels of the steps on it."""


def _finish(stage: Mapping[str, Any]) -> datetime | None:
    return parse_time(stage.get("finished_at"))


def _ran(step: Mapping[str, Any]) -> bool:
    return parse_time(step.get("started_at")) is not None and not step.get("detach")


def critical_path(report: Report) -> CriticalPath:
    """The critical path as the module defines it."""
    stages = stages_of(report)
    by_name = {str(st.get("name")): st for st in stages}
    ended = [st for st in stages if _finish(st) is not None]
    if not ended:
        return CriticalPath((), frozenset())
    current: Mapping[str, Any] | None = max(ended, key=lambda st: _finish(st) or datetime.min)
    chain: list[Mapping[str, Any]] = []
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        needs = current.get("needs")
        needed = [by_name[n] for n in needs if n in by_name] if isinstance(needs, list) else []
        finished = [st for st in needed if _finish(st) is not None]
        current = max(finished, key=lambda st: _finish(st) or datetime.min, default=None)
    chain.reverse()
    steps = frozenset(step_label(st, s) for st in chain for s in steps_of(st) if _ran(s))
    return CriticalPath(tuple(str(st.get("name")) for st in chain), steps)


@dataclass(frozen=True, slots=True)
class Row:
    """One bar of the chart: a step, a detached step or a service."""

    group: str
    """The stage's name; ``""`` for a steps pipeline's steps; ``"services"`` for services."""
    label: str
    name: str
    status: str
    kind: str
    """``step``, ``detached`` or ``service``: the last two drawn as background bars."""
    start: float | None
    """Seconds from the build's start; None: it never started."""
    end: float | None
    critical: bool = False


def _seconds(at: datetime | None, origin: datetime | None) -> float | None:
    if at is None or origin is None:
        return None
    return (at - origin).total_seconds()


def _row(group: str, label: str, step: Mapping[str, Any], kind: str, **at: Any) -> Row:
    origin, critical = at["origin"], at["critical"]
    return Row(
        group,
        label,
        str(step.get("name", "")),
        str(step.get("status", "")),
        kind,
        _seconds(parse_time(step.get("started_at")), origin),
        _seconds(parse_time(step.get("finished_at")), origin),
        label in critical,
    )


def rows(report: Report) -> list[Row]:
    """Services first, then each stage's steps in the report's order."""
    origin = parse_time(report.get("started_at"))
    critical = critical_path(report).steps
    out: list[Row] = []
    services = report.get("services")
    for svc in services if isinstance(services, list) else []:
        if isinstance(svc, Mapping):
            name = str(svc.get("name", ""))
            out.append(_row("services", name, svc, "service", origin=origin, critical=()))
    for stage in stages_of(report):
        group = str(stage.get("name") or "")
        for step in steps_of(stage):
            kind = "detached" if step.get("detach") else "step"
            label = step_label(stage, step)
            out.append(_row(group, label, step, kind, origin=origin, critical=critical))
    return out


def span(report: Report, all_rows: Sequence[Row]) -> float:
    """The chart's length in seconds: the build's, or the last end if later (at least 1 ms)."""
    total = _seconds(parse_time(report.get("finished_at")), parse_time(report.get("started_at")))
    ends = [r.end for r in all_rows if r.end is not None] + [total or 0.0]
    return max(max(ends), 0.001)


def ticks(total: float, most: int = 8) -> list[float]:
    """Round times (1, 2 or 5 times a power of ten seconds) from 0 to ``total``."""
    raw = total / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = int(total / step + 1e-9)
    return [round(i * step, 6) for i in range(count + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick's time, as precise as the ticks' spacing ``step`` needs."""
    if value == 0:
        return "0"
    if step >= 1:
        minutes, seconds = divmod(round(value, 6), 60)
        if not minutes:
            return f"{seconds:g}s"
        return f"{minutes:g}m{seconds:g}s" if seconds else f"{minutes:g}m"
    return f"{value * 1000:.{max(0, -math.floor(math.log10(step * 1000) + 1e-9))}f}ms"


def fmt_seconds(value: float) -> str:
    if value >= 60:
        return f"{int(value // 60)}m{value % 60:04.1f}s"
    return f"{value:.1f}s" if value >= 1 or value == 0 else f"{value * 1000:.0f}ms"


LABEL_W, CHART_W, ROW_H, HEAD_H, AXIS_H = 280, 880, 20, 22, 24
"""The chart's geometry in pixels: the label column, the time axis, a row, a group's header."""


def _bar(row: Row, y: float, scale: float, fallback: float) -> str:
    """The rect of a row; a step that never ran is a thin mark where its stage ended."""
    start = row.start if row.start is not None else fallback
    end = row.end if row.end is not None else start
    x = LABEL_W + start * scale
    width = max((end - start) * scale, 3.0)
    classes = f"bar k-{row.kind} s-{row.status}" + (" crit" if row.critical else "")
    took = fmt_seconds(end - start) if row.start is not None else "did not run"
    title = f"{row.label}: {row.status}, {took}"
    return (
        f'<rect class="{html.escape(classes)}" data-step="{html.escape(row.label)}"'
        f' x="{x:.1f}" y="{y + 3:.1f}" width="{width:.1f}" height="{ROW_H - 6}" rx="2">'
        f"<title>{html.escape(title)}</title></rect>"
    )


def _axis(total: float, scale: float, height: float) -> list[str]:
    out = []
    marks = ticks(total)
    spacing = marks[1] - marks[0] if len(marks) > 1 else total
    for t in marks:
        x = LABEL_W + t * scale
        out.append(
            f'<line class="grid" x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{height:.0f}"/>'
            f'<text class="tick" x="{x:.1f}" y="{AXIS_H - 8}">{tick_label(t, spacing)}</text>'
        )
    return out


def _group_ends(report: Report, all_rows: Sequence[Row]) -> dict[str, float]:
    """Where a group's steps that never ran are marked: after its last step that did, else
    where its stage ended (a skipped stage ends when it is decided), else at the start."""
    origin = parse_time(report.get("started_at"))
    out: dict[str, float] = {}
    for stage in stages_of(report):
        at = _seconds(_finish(stage) or parse_time(stage.get("started_at")), origin)
        if at is not None:
            out[str(stage.get("name") or "")] = at
    for row in all_rows:
        if row.end is not None:
            out[row.group] = max(out.get(row.group, 0.0), row.end)
    return out


def gantt_svg(report: Report) -> str:
    """The chart: a header row per group (stage), a row per step, bars coloured by status,
    services and detached steps as background bars, the critical path outlined."""
    all_rows = rows(report)
    total = span(report, all_rows)
    scale = CHART_W / total
    ends = _group_ends(report, all_rows)
    body: list[str] = []
    y = float(AXIS_H)
    group: str | None = None
    for row in all_rows:
        if row.group != group:
            group = row.group
            if group:
                name = html.escape(group)
                body.append(f'<text class="group" x="4" y="{y + HEAD_H - 7:.0f}">{name}</text>')
                y += HEAD_H
        shown = row.name if len(row.name) <= 34 else row.name[:33] + "…"
        body.append(
            f'<text class="name" x="16" y="{y + ROW_H - 6:.0f}">{html.escape(shown)}</text>'
        )
        body.append(_bar(row, y, scale, ends.get(row.group, 0.0)))
        y += ROW_H
    height = y + 4
    width = LABEL_W + CHART_W + 40
    return (
        f'<svg class="gantt" width="{width}"'
        f' height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" role="img"'
        ' aria-label="timeline">' + "".join(_axis(total, scale, height)) + "".join(body) + "</svg>"
    )
