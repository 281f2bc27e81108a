"""What a run shows and writes: prefixed live logs, the summary table, the run report JSON."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from velarun.runtime import ContainerSpec
from velarun.schedule import (
    RunOutcome,
    StageOutcome,
    StepOutcome,
    StepStatus,
    exit_code,
    fmt_duration,
)

_COLORS = ("36", "35", "34", "32", "33", "96", "95", "94")
_STATUS_COLORS = {
    StepStatus.SUCCESS: "32",
    StepStatus.FAILURE: "31",
    StepStatus.ERROR: "31",
    StepStatus.KILLED: "33",
    StepStatus.SKIPPED: "2",
}


def prefix(spec: ContainerSpec) -> str:
    """Vela's log prefixes: ``[stage: s][step: x]``, ``[step: x]``, ``[service: x]``."""
    if spec.kind == "service":
        return f"[service: {spec.name}]"
    if spec.stage is not None:
        return f"[stage: {spec.stage}][step: {spec.name}]"
    return f"[step: {spec.name}]"


class ConsoleReporter:
    """Step output on ``out`` (stdout), velarun's own lines on ``err`` (stderr)."""

    def __init__(
        self, out: TextIO | None = None, err: TextIO | None = None, *, color: bool | None = None
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.color = self.out.isatty() if color is None else color
        self._colors: dict[str, str] = {}

    def _paint(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def _prefix(self, spec: ContainerSpec) -> str:
        text = prefix(spec)
        if not self.color:
            return text
        code = self._colors.setdefault(text, _COLORS[len(self._colors) % len(_COLORS)])
        return self._paint(code, text)

    def stage_started(self, stage: str) -> None:
        pass

    def step_started(self, spec: ContainerSpec) -> None:
        self.out.write(f"{self._prefix(spec)} > {spec.kind} started ({spec.image})\n")
        self.out.flush()

    def log(self, spec: ContainerSpec, line: str) -> None:
        self.out.write(f"{self._prefix(spec)} {line}\n")

    def step_finished(self, outcome: StepOutcome) -> None:
        label = f"{outcome.stage}/{outcome.name}" if outcome.stage else outcome.name
        if outcome.status is StepStatus.SKIPPED:
            self.err.write(self._paint("2", f"velarun: skipped {label}: {outcome.reason}") + "\n")
        elif outcome.status is not StepStatus.SUCCESS:
            text = f"velarun: {label} {outcome.status.value}: {outcome.reason}"
            self.err.write(self._paint(_STATUS_COLORS[outcome.status], text) + "\n")
        self.out.flush()
        self.err.flush()

    def stage_finished(self, outcome: StageOutcome) -> None:
        pass

    def notice(self, message: str) -> None:
        self.err.write(f"velarun: {message}\n")
        self.err.flush()

    def summary(self, outcome: RunOutcome) -> None:
        self.out.flush()
        self.err.write(render_summary(outcome, color=self.color and self.err.isatty()) + "\n")
        self.err.flush()


def render_summary(outcome: RunOutcome, *, color: bool = False) -> str:
    def paint(status: StepStatus, text: str) -> str:
        code = _STATUS_COLORS.get(status)
        return f"\x1b[{code}m{text}\x1b[0m" if color and code else text

    rows = [("STEP", "STAGE", "STATUS", "EXIT", "DURATION")]
    statuses: list[StepStatus | None] = [None]
    for step in (*outcome.services, *outcome.all_steps()):
        name = f"{step.name} (service)" if step.kind == "service" else step.name
        rows.append(
            (
                name,
                step.stage or "-",
                step.status.value,
                "-" if step.exit_code is None else str(step.exit_code),
                fmt_duration(step.duration),
            )
        )
        statuses.append(step.status)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for row, status in zip(rows, statuses, strict=True):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        if status is not None:
            cells[2] = paint(status, cells[2])
        lines.append("  ".join(cells).rstrip())
    total = (outcome.finished_at - outcome.started_at).total_seconds()
    verdict = f"build {outcome.status.value} in {total:.1f}s (exit {exit_code(outcome)})"
    if outcome.error:
        verdict += f": {outcome.error}"
    lines.append(verdict)
    if outcome.hint:
        lines.append(f"  hint: {outcome.hint}")
    return "\n".join(lines)


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _step_json(step: StepOutcome) -> dict[str, Any]:
    return {
        "name": step.name,
        "status": step.status.value,
        "exit_code": step.exit_code,
        "reason": step.reason,
        "started_at": _ts(step.started_at),
        "finished_at": _ts(step.finished_at),
    }


def report_json(outcome: RunOutcome) -> dict[str, Any]:
    """The run report contract of DESIGN.md."""
    out: dict[str, Any] = {
        "status": outcome.status.value,
        "exit_code": exit_code(outcome),
        "started_at": _ts(outcome.started_at),
        "finished_at": _ts(outcome.finished_at),
    }
    if outcome.error:
        out["error"] = outcome.error
    if outcome.is_stages:
        out["stages"] = [
            {
                "name": st.name,
                "status": st.status.value,
                "started_at": _ts(st.started_at),
                "finished_at": _ts(st.finished_at),
                "steps": [_step_json(s) for s in st.steps],
            }
            for st in outcome.stages
        ]
    else:
        out["steps"] = [_step_json(s) for s in outcome.steps]
    out["services"] = [_step_json(s) for s in outcome.services]
    return out


def write_report(path: Path, outcome: RunOutcome) -> None:
    """Atomically: a reader never sees half a report."""
    data = json.dumps(report_json(outcome), indent=2) + "\n"
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=".velarun-report-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
