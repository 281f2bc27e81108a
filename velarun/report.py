"""What a run shows and writes: prefixed live logs, the summary table, the run report JSON."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from velarun import log
from velarun.output import Closable, use_color, write_to
from velarun.runtime import ContainerSpec
from velarun.schedule import (
    RunOutcome,
    StageOutcome,
    StepOutcome,
    StepStatus,
    exit_code,
    fmt_duration,
)
from velarun.secrets import Masker

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
    """Step output on ``out`` (stdout), velarun's own lines on ``err`` (stderr); every line
    passes through the masker."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        color: bool | None = None,
        masker: Masker | None = None,
        on_closed: Callable[[], None] | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.color = use_color(self.out) if color is None else color
        self.masker = masker or Masker()
        self._colors: dict[str, str] = {}
        self._put = Closable(self.out, on_closed).put

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
        self._put(f"{self._prefix(spec)} > {spec.kind} started ({spec.image})\n")

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        head = self._prefix(spec)
        mask = self.masker.mask
        # A batch at a time, flushed: prompt even through a pipe, not a write per line.
        self._put("".join(f"{head} {mask(line)}\n" for line in lines))

    def step_finished(self, outcome: StepOutcome) -> None:
        label = f"{outcome.stage}/{outcome.name}" if outcome.stage else outcome.name
        reason = self.masker.mask(outcome.reason)
        self._put("")
        fields = {"stage": outcome.stage, "step": outcome.name, "status": outcome.status.value}
        if outcome.status is StepStatus.SKIPPED:
            log.get().info(f"skipped {label}: {reason}", **fields)
        elif outcome.status is not StepStatus.SUCCESS:
            log.get().warning(f"{label} {outcome.status.value}: {reason}", **fields)

    def stage_finished(self, outcome: StageOutcome) -> None:
        pass

    def notice(self, message: str) -> None:
        self._put("")
        log.get().info(self.masker.mask(message))

    def plan_ready(self, plan: dict[str, Any]) -> None:
        pass

    def build_finished(self, outcome: RunOutcome) -> None:
        self._put("")
        text = render_summary(outcome, color=self.color and use_color(self.err))
        write_to(self.err, self.masker.mask(text) + "\n")


def _now() -> str:
    return _ts(datetime.now(UTC)) or ""


class JsonlReporter:
    """``--output jsonl``: one JSON object per line on stdout instead of prefixed logs."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        masker: Masker | None = None,
        on_closed: Callable[[], None] | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.masker = masker or Masker()
        self._output = Closable(self.out, on_closed)

    def _emit(self, event: str, *, flush: bool = True, **fields: Any) -> None:
        if self._output.closed:
            return
        record = {"event": event, "time": _now(), **fields}
        text = json.dumps(self.masker.mask_json(record), ensure_ascii=False) + "\n"
        self._output.put(text, flush=flush)

    @staticmethod
    def _who(spec: ContainerSpec) -> dict[str, Any]:
        if spec.kind == "service":
            return {"service": spec.name}
        return {"stage": spec.stage, "step": spec.name}

    def plan_ready(self, plan: dict[str, Any]) -> None:
        self._emit("plan", plan=plan)

    def stage_started(self, stage: str) -> None:
        self._emit("stage_started", stage=stage)

    def step_started(self, spec: ContainerSpec) -> None:
        self._emit("step_started", **self._who(spec), image=spec.image)

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        who = self._who(spec)
        for line in lines[:-1]:
            self._emit("log", **who, line=line, flush=False)
        if lines:
            self._emit("log", **who, line=lines[-1])

    def step_finished(self, outcome: StepOutcome) -> None:
        who = (
            {"service": outcome.name}
            if outcome.kind == "service"
            else {"stage": outcome.stage, "step": outcome.name}
        )
        self._emit(
            "step_finished",
            **who,
            status=outcome.status.value,
            exit_code=outcome.exit_code,
            reason=outcome.reason,
            duration=outcome.duration,
        )

    def stage_finished(self, outcome: StageOutcome) -> None:
        self._emit("stage_finished", stage=outcome.name, status=outcome.status.value)

    def notice(self, message: str) -> None:
        log.get().info(self.masker.mask(message))

    def build_finished(self, outcome: RunOutcome) -> None:
        total = (outcome.finished_at - outcome.started_at).total_seconds()
        self._emit(
            "build_finished",
            status=outcome.status.value,
            exit_code=exit_code(outcome),
            duration=total,
            error=outcome.error,
        )


class CaptureReporter:
    """Forwards to another reporter and keeps the tail of each step's (masked) output, at
    most ``MAX_BYTES`` characters per step, for JUnit."""

    MAX_BYTES = 1_000_000

    def __init__(self, inner: ConsoleReporter | JsonlReporter) -> None:
        self.inner = inner
        self.lines: dict[str, deque[str]] = {}
        self._sizes: dict[str, int] = {}

    def plan_ready(self, plan: dict[str, Any]) -> None:
        self.inner.plan_ready(plan)

    def stage_started(self, stage: str) -> None:
        self.inner.stage_started(stage)

    def step_started(self, spec: ContainerSpec) -> None:
        self.inner.step_started(spec)

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        kept = self.lines.setdefault(spec.label, deque())
        size = self._sizes.get(spec.label, 0)
        for line in lines:
            text = self.inner.masker.mask(line)
            if len(text) > self.MAX_BYTES:
                text = "[...] " + text[-self.MAX_BYTES :]
            kept.append(text)
            size += len(text) + 1
            while size > self.MAX_BYTES and len(kept) > 1:
                size -= len(kept.popleft()) + 1
        self._sizes[spec.label] = size
        self.inner.log(spec, lines)

    def step_finished(self, outcome: StepOutcome) -> None:
        self.inner.step_finished(outcome)

    def stage_finished(self, outcome: StageOutcome) -> None:
        self.inner.stage_finished(outcome)

    def notice(self, message: str) -> None:
        self.inner.notice(message)

    def build_finished(self, outcome: RunOutcome) -> None:
        self.inner.build_finished(outcome)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
"""Terminal escape sequences: colours and cursor moves (CSI), titles and links (OSC)."""


def xml_text(text: str) -> str:
    """Step output as JUnit can carry it: terminal escapes dropped (a CI page shows them as
    junk), then what XML 1.0 forbids replaced by U+FFFD."""
    return _XML_BAD.sub("\ufffd", _ANSI.sub("", text))


def write_junit(
    path: Path, outcome: RunOutcome, lines: Mapping[str, Iterable[str]], masker: Masker
) -> None:
    """One testsuite per stage (``steps`` for a steps pipeline), one testcase per step."""
    suites = ET.Element("testsuites", name="velarun", time=f"{_seconds(outcome):.3f}")
    groups: list[tuple[str, tuple[StepOutcome, ...]]] = (
        [(st.name, st.steps) for st in outcome.stages]
        if outcome.is_stages
        else [("steps", outcome.steps)]
    )
    for name, steps in groups:
        failures = sum(1 for s in steps if s.status is StepStatus.FAILURE)
        errors = sum(1 for s in steps if s.status in (StepStatus.ERROR, StepStatus.KILLED))
        skipped = sum(1 for s in steps if s.status is StepStatus.SKIPPED)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=xml_text(name),
            tests=str(len(steps)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
        )
        for step in steps:
            label = f"{step.stage}/{step.name}" if step.stage else step.name
            case = ET.SubElement(
                suite,
                "testcase",
                name=xml_text(step.name),
                classname=xml_text(step.stage or "steps"),
                time=f"{step.duration or 0:.3f}",
            )
            output = xml_text("\n".join(lines.get(label, [])))
            reason = xml_text(masker.mask(step.reason))
            if step.status is StepStatus.SKIPPED:
                ET.SubElement(case, "skipped", message=reason)
            elif step.status is StepStatus.FAILURE:
                failure = ET.SubElement(case, "failure", message=reason, type="exit")
                failure.text = output
            elif step.status in (StepStatus.ERROR, StepStatus.KILLED):
                err = ET.SubElement(case, "error", message=reason, type=step.status.value)
                err.text = output
            if output and step.status is StepStatus.SUCCESS:
                ET.SubElement(case, "system-out").text = output
    tree = ET.ElementTree(suites)
    ET.indent(tree)
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=".velarun-junit-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            tree.write(f, encoding="utf-8", xml_declaration=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _seconds(outcome: RunOutcome) -> float:
    return (outcome.finished_at - outcome.started_at).total_seconds()


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


def report_json(outcome: RunOutcome, masker: Masker | None = None) -> dict[str, Any]:
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
    if masker is not None:
        masked = masker.mask_json(out)
        assert isinstance(masked, dict)
        return masked
    return out


def cannot_write(path: Path) -> str | None:
    """Why ``path`` cannot be written the way the results are (a temporary file beside it,
    then a rename), or None. Checked before a run, so a typo costs nothing."""
    if path.is_dir():
        return f"`{path}` is a directory"
    parent = path.resolve().parent
    if parent.exists() and not parent.is_dir():
        return f"`{parent}` is not a directory"
    if not parent.is_dir():
        return f"the directory `{parent}` does not exist"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".velarun-check-", dir=parent)
    except OSError as exc:
        return f"cannot create a file in `{parent}`: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(tmp)
    return None


def write_report(path: Path, outcome: RunOutcome, masker: Masker | None = None) -> None:
    """Atomically: a reader never sees half a report."""
    data = json.dumps(report_json(outcome, masker), indent=2) + "\n"
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=".velarun-report-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
