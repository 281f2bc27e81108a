"""What a run produced: step and build statuses, the outcomes, and the exit code they mean.

A failed step is data here (:class:`StepOutcome`), never an exception. A steps pipeline's run
is one implicit stage, as its plan is; only the writers of JSON, JUnit and tables tell the two
shapes apart.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from velarun.compile.plan import IMPLICIT_STAGE, Plan, PlannedStep
from velarun.errors import ExitCode


class StepStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"
    KILLED = "killed"
    ERROR = "error"


class BuildStatus(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    CANCELED = "canceled"


_EXIT_CODES = {
    BuildStatus.SUCCESS: ExitCode.OK,
    BuildStatus.FAILURE: ExitCode.FAILED,
    BuildStatus.ERROR: ExitCode.ENVIRONMENT,
    BuildStatus.CANCELED: ExitCode.INTERRUPTED,
}


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StepOutcome:
    name: str
    stage: str | None
    status: StepStatus
    exit_code: int | None = None
    reason: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    kind: str = "step"
    artifacts: tuple[str, ...] | None = None
    """The host paths of the files kept from the step (``artifacts.paths``); None: the step
    has none, or never ran to its end."""

    @property
    def label(self) -> str:
        return f"{self.stage}/{self.name}" if self.stage is not None else self.name

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class StageOutcome:
    name: str
    status: StepStatus
    started_at: datetime | None
    finished_at: datetime | None
    steps: tuple[StepOutcome, ...]
    implicit: bool = False
    """A steps pipeline's one stage (see ``PlannedStage.implicit``)."""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: BuildStatus
    started_at: datetime
    finished_at: datetime
    stages: tuple[StageOutcome, ...]
    services: tuple[StepOutcome, ...] = ()
    error: str = ""
    hint: str = ""
    masked: tuple[str, ...] = ()
    """Values steps wrote to ``$VELA_MASKED_OUTPUTS``: masked in everything written."""
    code: ExitCode | None = None
    """The exit code when it is not the status's: 2 for a run refused before it started."""
    diagnostics: tuple[Mapping[str, object], ...] = ()
    """The pipeline's diagnostics (as ``plan --format json`` gives them) of a refused run."""

    @property
    def implicit(self) -> bool:
        """The run of a steps pipeline."""
        return any(stage.implicit for stage in self.stages)

    def all_steps(self) -> tuple[StepOutcome, ...]:
        return tuple(step for stage in self.stages for step in stage.steps)

    @property
    def exit_code(self) -> ExitCode:
        return self.code if self.code is not None else _EXIT_CODES[self.status]


def stage_status(steps: Sequence[StepOutcome]) -> StepStatus:
    """Displayed stage status from its steps (the server's graph precedence, simplified)."""
    statuses = [s.status for s in steps if s.kind == "step"]
    for wanted in (StepStatus.FAILURE, StepStatus.ERROR):
        if wanted in statuses:
            return wanted
    if statuses and all(s == StepStatus.KILLED for s in statuses):
        return StepStatus.KILLED
    if statuses and all(s == StepStatus.SKIPPED for s in statuses):
        return StepStatus.SKIPPED
    if StepStatus.KILLED in statuses:
        return StepStatus.KILLED
    return StepStatus.SUCCESS


def skipped(step: PlannedStep, reason: str) -> StepOutcome:
    return StepOutcome(step.name, step.stage, StepStatus.SKIPPED, reason=reason)


def not_started(
    plan: Plan | None,
    error: str,
    hint: str = "",
    status: BuildStatus = BuildStatus.ERROR,
    reason: str | None = None,
) -> RunOutcome:
    """The outcome of a run that ended before any container: the engine unreachable
    (``error``), or interrupted while connecting (``canceled``); with no steps at all when it
    ended before there was a plan (interrupted while reading the pipeline or git)."""
    at = now()
    if plan is None:  # shown as a steps pipeline with no steps
        nothing = StageOutcome(IMPLICIT_STAGE, StepStatus.SKIPPED, None, None, (), implicit=True)
        return RunOutcome(status, at, at, (nothing,), error=error, hint=hint)
    stages = tuple(
        StageOutcome(
            st.name,
            StepStatus.SKIPPED,
            None,
            None,
            tuple(skipped(s, reason or "not started: " + error) for s in st.steps),
            st.implicit,
        )
        for st in plan.stages
    )
    return RunOutcome(status, at, at, stages, error=error, hint=hint)
