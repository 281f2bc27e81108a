"""The run's outcome, as the worker records a build: each step's, each stage's, the build's."""

from __future__ import annotations

from datetime import datetime

from velarun.compile.plan import PlannedStep
from velarun.errors import ExitCode
from velarun.schedule.outcome import (
    BuildStatus,
    RunOutcome,
    StageOutcome,
    StepOutcome,
    StepStatus,
    now,
    skipped,
    stage_status,
)
from velarun.schedule.state import RunState

KILLED_EXIT = 137


def build_status(run: RunState) -> BuildStatus:
    if run.canceled:
        return BuildStatus.CANCELED
    if run.error:
        return BuildStatus.ERROR
    if run.build_status == "failure":
        return BuildStatus.FAILURE
    return BuildStatus.SUCCESS


def image_failed(run: RunState) -> tuple[StepOutcome, ...]:
    """The service or step whose image could not be had (the first to use it, in the order
    images are resolved): ``error``, as the server records it. Its step is recorded; a
    service's outcome is returned."""
    exc = run.image_error
    if exc is None or not exc.image:
        return ()
    for svc in run.plan.services:
        if svc.image == exc.image:
            return (
                StepOutcome(svc.name, None, StepStatus.ERROR, None, exc.message, kind="service"),
            )
    for step in run.plan.all_steps():
        if step.image == exc.image and (step.stage, step.name) not in run.outcomes:
            error = StepOutcome(step.name, step.stage, StepStatus.ERROR, None, exc.message)
            run.outcomes[(step.stage, step.name)] = error
            break
    return ()


def run_outcome(run: RunState, started: datetime) -> RunOutcome:
    failed = image_failed(run)
    services = failed + tuple(o for o in run.stopped if o.kind == "service")
    run.outcomes.update({(o.stage, o.name): o for o in run.stopped if o.kind == "step"})
    unreached = "the build stopped on an error" if run.error else "not reached"
    if run.canceled:
        unreached = "the build was canceled"
    late = run.timed_out and not run.canceled

    def outcome(step: PlannedStep) -> StepOutcome:
        found = run.outcomes.get((step.stage, step.name))
        if found is None and late:  # the worker's pending step at the end: killed, 137
            reason = f"not run: {run.error}"
            return StepOutcome(step.name, step.stage, StepStatus.KILLED, KILLED_EXIT, reason)
        return found or skipped(step, unreached)

    stages = tuple(
        StageOutcome(
            st.name,
            stage_status(tuple(outcome(s) for s in st.steps)),
            *run.stage_times.get(st.name, (None, None)),
            tuple(outcome(s) for s in st.steps),
            st.implicit,
        )
        for st in run.plan.stages
    )
    return RunOutcome(
        build_status(run),
        started,
        now(),
        stages,
        services,
        run.error,
        run.hint,
        tuple(run.masked),
        # The build is `error`, as the worker records it; the exit code says a step failed.
        code=ExitCode.FAILED if late else None,
    )
