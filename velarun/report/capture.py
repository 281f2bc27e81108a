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
        self._batches: dict[str, deque[tuple[Sequence[str], int]]] = {}
        """Per step, the batches of lines as they came, with their sizes: whole batches are
        dropped from the front while the rest still holds ``MAX_BYTES`` (no work per line on
        a flood), and the exact tail is cut when asked for (``lines``)."""
        self._sizes: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        """Per step, how many lines it wrote in all (the report says how many it left out)."""

    @property
    def lines(self) -> dict[str, list[str]]:
        """Per step, the longest tail of its lines within ``MAX_BYTES`` (one newline counted
        per line), at least its last line; a line longer than that keeps its end."""
        out: dict[str, list[str]] = {}
        for label, batches in self._batches.items():
            kept = [line for batch, _ in batches for line in batch]
            size, first = self._sizes[label], 0
            while size > self.MAX_BYTES and len(kept) - first > 1:
                size -= len(kept[first]) + 1
                first += 1
            out[label] = kept[first:]
        return out

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        limit = self.MAX_BYTES
        kept = lines
        if lines and max(map(len, lines)) > limit:
            kept = [line if len(line) <= limit else "[...] " + line[-limit:] for line in lines]
        self.counts[spec.label] = self.counts.get(spec.label, 0) + len(lines)
        batches = self._batches.setdefault(spec.label, deque())
        size = sum(map(len, kept)) + len(kept)
        batches.append((kept, size))
        total = self._sizes.get(spec.label, 0) + size
        while len(batches) > 1 and total - batches[0][1] >= limit:
            total -= batches.popleft()[1]
        self._sizes[spec.label] = total
        self.inner.log(spec, lines)

    def plan_ready(self, plan: dict[str, Any]) -> None:
        self.inner.plan_ready(plan)

    def stage_started(self, stage: str) -> None:
        self.inner.stage_started(stage)

    def step_started(self, spec: ContainerSpec) -> None:
        self.inner.step_started(spec)

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
