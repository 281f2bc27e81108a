"""The tail of each step's output, kept for JUnit while the output goes on to the console."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from velarun.report.live import RunReporter
from velarun.runtime import ContainerSpec
from velarun.schedule.outcome import RunOutcome, StageOutcome, StepOutcome


class CaptureReporter:
    """Forwards to another reporter and keeps the tail of each step's output, at most
    ``MAX_BYTES`` characters per step. Put it inside the masking wrapper: what it keeps is
    then masked too."""

    MAX_BYTES = 1_000_000

    def __init__(self, inner: RunReporter) -> None:
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
            text = line if len(line) <= self.MAX_BYTES else "[...] " + line[-self.MAX_BYTES :]
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

    def notice(self, event: str, **fields: str) -> None:
        self.inner.notice(event, **fields)

    def masked_outputs(self, values: Sequence[str]) -> None:
        self.inner.masked_outputs(values)

    def build_finished(self, outcome: RunOutcome) -> None:
        self.inner.build_finished(outcome)
