"""What the scheduler tells about a run as it happens, and a recording stub of it.

The scheduler calls a :class:`Reporter` (console, JSON lines, ...; the masking wrapper around
them) and never mutates anything it is handed: values it learns must be masked are reported as
data (``masked_outputs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from velarun.log import sentence
from velarun.runtime import ContainerSpec
from velarun.schedule.outcome import StageOutcome, StepOutcome


class Reporter(Protocol):
    """Receives the run as it happens. Methods must not block."""

    def stage_started(self, stage: str) -> None: ...

    def step_started(self, spec: ContainerSpec) -> None: ...

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        """A batch of complete lines from one container, in order; shown before returning."""

    def step_finished(self, outcome: StepOutcome) -> None: ...

    def stage_finished(self, outcome: StageOutcome) -> None: ...

    def notice(self, event: str, **fields: str) -> None:
        """Something velarun says about the run: an event name (``pruned``, ``stopping``...)
        with its fields; :data:`velarun.log.SENTENCES` says how a person reads it."""

    def masked_outputs(self, values: Sequence[str]) -> None:
        """Values a step wrote to ``$VELA_MASKED_OUTPUTS``: mask them from now on."""


class RecordingReporter:
    """Keeps what it is told, for tests and ``velarun bench`` (which shows none of it)."""

    def __init__(self, *, keep_logs: bool = True) -> None:
        self.keep_logs = keep_logs
        self.events: list[tuple[str, str]] = []
        self.lines: list[str] = []
        self.finished: list[StepOutcome] = []
        self.notices: list[str] = []
        self.masked: list[str] = []

    def stage_started(self, stage: str) -> None:
        self.events.append(("stage_started", stage))

    def step_started(self, spec: ContainerSpec) -> None:
        self.events.append(("step_started", spec.label))

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        if self.keep_logs:
            self.lines.extend(f"{spec.label}: {line}" for line in lines)

    def step_finished(self, outcome: StepOutcome) -> None:
        self.events.append(("step_finished", outcome.label))
        self.finished.append(outcome)

    def stage_finished(self, outcome: StageOutcome) -> None:
        self.events.append(("stage_finished", outcome.name))

    def notice(self, event: str, **fields: str) -> None:
        self.notices.append(sentence(event, fields))

    def masked_outputs(self, values: Sequence[str]) -> None:
        self.masked.extend(values)
