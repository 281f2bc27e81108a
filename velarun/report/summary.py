"""The table of steps, statuses and durations that ends every run, and its verdict line."""

from __future__ import annotations

import math

from velarun.schedule.outcome import RunOutcome, StepStatus

_STATUS_COLORS = {
    StepStatus.SUCCESS: "32",
    StepStatus.FAILURE: "31",
    StepStatus.ERROR: "31",
    StepStatus.KILLED: "33",
    StepStatus.SKIPPED: "2",
}


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    return f"{seconds:.1f}s"


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
    verdict = f"build {outcome.status.value} in {total:.1f}s (exit {int(outcome.exit_code)})"
    if outcome.error:
        verdict += f": {outcome.error}"
    lines.append(verdict)
    if outcome.hint:
        lines.append(f"  hint: {outcome.hint}")
    return "\n".join(lines)
