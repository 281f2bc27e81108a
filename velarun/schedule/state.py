"""The state of one run as the scheduler keeps it, and how an exception group is read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import anyio
import anyio.abc

from velarun.compile.plan import Plan, PlannedStep
from velarun.durations import describe
from velarun.runtime import EngineError, Handle, ImageUnavailableError, Runtime
from velarun.schedule.containers import RunOptions
from velarun.schedule.deadline import CleanupLimit, Deadline
from velarun.schedule.debug import Debugger
from velarun.schedule.outcome import StepOutcome
from velarun.schedule.reporter import Reporter


@dataclass
class RunState:
    plan: Plan
    runtime: Runtime
    reporter: Reporter
    options: RunOptions
    build_status: str = "running"
    failed_by: str = ""
    error: str = ""
    hint: str = ""
    canceled: bool = False
    image_error: ImageUnavailableError | None = None
    """The image that could not be had before the first step: its first user errs."""
    outcomes: dict[tuple[str | None, str], StepOutcome] = field(default_factory=dict)
    stage_times: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    handles: list[Handle] = field(default_factory=list)
    background: list[tuple[Handle, StepOutcome]] = field(default_factory=list)
    exited: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    """Services and detached steps that ended on their own (by ``id`` of the handle)."""
    stopping: bool = False
    """The end of the build: services and detached steps are being stopped."""
    stopped: list[StepOutcome] = field(default_factory=list)
    masked: dict[str, None] = field(default_factory=dict)
    bg: anyio.abc.TaskGroup | None = None
    deadline: Deadline | None = None
    """``--timeout``: None for no limit. ``expired`` once it passed."""
    ending: CleanupLimit = field(default_factory=CleanupLimit)
    """The limits of the run's end (stopping services, removing everything)."""
    stage_slots: anyio.CapacityLimiter | None = None
    """``--parallel N``: a stage holds one while it runs; None: no limit."""
    debugger: Debugger | None = None
    """``--shell-on-failure``, ``--break-before``: shells on the user's terminal."""

    @property
    def timed_out(self) -> bool:
        return self.deadline is not None and self.deadline.expired

    def time_is_up(self) -> None:
        assert self.deadline is not None
        self.error = self.error or f"the build timed out after {describe(self.deadline.seconds)}"
        self.hint = self.hint or (
            "raise --timeout (30m by default, as Vela's; 0 for none), or find the step that hangs"
        )

    def record(self, outcome: StepOutcome) -> None:
        self.outcomes[(outcome.stage, outcome.name)] = outcome
        self.reporter.step_finished(outcome)

    def fail_build(self, step: PlannedStep) -> None:
        if self.build_status == "running":
            self.build_status = "failure"
            self.failed_by = f"step `{step.label}` failed"

    def infrastructure_failed(self, exc: EngineError) -> None:
        self.error = self.error or exc.message
        self.hint = self.hint or (exc.hint or "")

    def why_stopped(self) -> str:
        return "the build stopped on an error" if self.error else "the build was canceled"


def first_image_error(
    group: BaseExceptionGroup[ImageUnavailableError],
) -> ImageUnavailableError | None:
    for exc in group.exceptions:
        if isinstance(exc, ImageUnavailableError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            return first_image_error(exc)
    return None


def first_failure(group: BaseExceptionGroup[BaseException]) -> EngineError | None:
    for exc in group.exceptions:
        if isinstance(exc, EngineError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = first_failure(exc)
            if found is not None:
                return found
    return None
