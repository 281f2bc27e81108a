"""Phase 3, schedule: run a Plan on a Runtime with the Vela server worker's semantics.

One anyio task per stage (a steps pipeline is one implicit stage); a stage starts when every
stage in its (effective) ``needs`` has finished, successfully or not; steps in a stage run in
order. Before each step the run-time rules decide (:mod:`velarun.schedule.runtime_rules`). A
failing step (exit != 0, no ``continue``) fails its stage and the build; steps already running
elsewhere finish.

A failed step is data (:class:`StepOutcome`); exceptions from the runtime mean infrastructure
failed and end the build with status ``error``. Cancellation (Ctrl-C) kills what runs, marks it
``killed``, and ends with ``canceled``. The build's time limit (``--timeout``) ends it as the
worker does: the running steps ``failure`` with 137, the steps never started ``killed`` with
137, the build ``error``. ``--parallel N`` lets at most N stages run at once. Cleanup always
runs, shielded, with a time limit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import anyio
import anyio.abc

from velarun.compile.plan import Plan, PlannedStage, PlannedStep
from velarun.durations import describe
from velarun.errors import ExitCode
from velarun.runtime import (
    ContainerGoneError,
    ContainerSpec,
    EngineError,
    Handle,
    ImageUnavailableError,
    Runtime,
)
from velarun.schedule import artifacts
from velarun.schedule.containers import (
    RunOptions,
    StepContext,
    helper_image,
    image_specs,
    service_spec,
    step_spec,
)
from velarun.schedule.deadline import Deadline, within
from velarun.schedule.debug import Debugger, DebugOptions
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
from velarun.schedule.reporter import Reporter
from velarun.schedule.runtime_rules import should_run

CLEANUP_SECONDS = 30.0
KILLED_EXIT = 137


@dataclass
class _Run:
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


@dataclass
class _StageState:
    """A stage's own status, which an ``independent`` stage's rules look at."""

    independent: bool = False
    status: str = "running"
    failed_by: str = ""


async def _run_container(run: _Run, spec: ContainerSpec) -> tuple[Handle, int]:
    """Start one container, stream its logs until it ends; its handle and exit code."""

    async def sink(lines: Sequence[str]) -> None:
        run.reporter.log(spec, lines)

    handle = await run.runtime.start(spec)
    run.handles.append(handle)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run.runtime.logs, handle, sink)
            code = await run.runtime.wait(handle)
    except BaseExceptionGroup as group:
        failure = _first_failure(group)  # the waiter's or the log reader's own failure
        if failure is None:
            raise
        raise failure from group
    return handle, code


def _skip_reason(run: _Run, step: PlannedStep, state: _StageState) -> str | None:
    """Why the step does not start now, or None when it does."""
    if run.canceled:
        return "the build was canceled"
    status = state.status if state.independent else run.build_status
    ok, reason = should_run(step.ruleset, status, run.plan.ruledata, step.environment)
    if ok:
        return None
    if not step.ruleset.has_status():
        earlier = state.failed_by if state.independent else run.failed_by
        who = "this independent stage" if state.independent else "the build"
        reason = f"{who} failed earlier ({earlier}) and the step has no status rule"
    return reason


async def _context(run: _Run) -> StepContext:
    """The build as the next step sees it; masked outputs are reported, never kept secret."""
    outputs, masked = await run.runtime.read_outputs()
    fresh = [v for v in masked.values() if v not in run.masked]
    if fresh:
        run.masked.update(dict.fromkeys(fresh))
        run.reporter.masked_outputs(fresh)
    return StepContext(run.build_status, outputs, masked)


async def _run_step(run: _Run, step: PlannedStep, state: _StageState) -> None:
    why_not = _skip_reason(run, step, state)
    if why_not is not None:
        run.record(skipped(step, why_not))
        return
    spec = step_spec(step, await _context(run), run.options)
    if run.debugger is not None:
        await run.debugger.before(step, spec)
    started = now()
    run.reporter.step_started(spec)
    if step.detach:
        handle = await run.runtime.start(spec)
        run.handles.append(handle)
        outcome = StepOutcome(step.name, step.stage, StepStatus.SUCCESS, None, "detached", started)
        _start_background(run, handle, outcome)
        return
    try:
        handle, code = await _run_container(run, spec)
    except ContainerGoneError as exc:
        run.record(_ended(step, StepStatus.ERROR, None, exc.message, started))
        _step_failed(run, step, state)
        return
    except EngineError as exc:
        run.infrastructure_failed(exc)
        run.record(_ended(step, StepStatus.ERROR, None, exc.message, started))
        raise
    except anyio.get_cancelled_exc_class():
        if run.timed_out and not run.canceled:  # the worker: failure, 137, the deadline's error
            reason = f"{run.error}: killed (context deadline exceeded)"
            run.record(_ended(step, StepStatus.FAILURE, KILLED_EXIT, reason, started))
        else:
            reason = f"killed: {run.why_stopped()}"
            run.record(_ended(step, StepStatus.KILLED, KILLED_EXIT, reason, started))
        raise
    outcome = _exited(run, step, state, code, started)
    await _record_with_artifacts(run, step, spec, outcome)
    if run.debugger is not None and outcome.status is StepStatus.FAILURE:
        await run.debugger.failed(spec, handle, code)


async def _record_with_artifacts(
    run: _Run, step: PlannedStep, spec: ContainerSpec, outcome: StepOutcome
) -> None:
    """A step that ran to its end: its artifacts copied out (the worker's ``pollFiles``),
    then its outcome recorded with them, then what they came to said."""
    try:
        kept = await artifacts.collect(run.runtime, run.options.artifacts, step, spec)
    except BaseException:  # cancelled meanwhile: the step's outcome is still its own
        run.record(outcome)
        raise
    if kept is None:
        run.record(outcome)
        return
    run.record(replace(outcome, artifacts=kept.files))
    artifacts.announce(run.reporter, kept)


def _ended(
    step: PlannedStep, status: StepStatus, code: int | None, reason: str, started: datetime
) -> StepOutcome:
    return StepOutcome(step.name, step.stage, status, code, reason, started, now())


def _exited(
    run: _Run, step: PlannedStep, state: _StageState, code: int, started: datetime
) -> StepOutcome:
    """The outcome of a step whose container exited with ``code``."""
    if code == 0:
        return _ended(step, StepStatus.SUCCESS, 0, "", started)
    status = StepStatus.FAILURE
    reason = f"exited with code {code}"
    if code == KILLED_EXIT:  # velarun did not kill it: it was cancelled otherwise
        status = StepStatus.KILLED
        reason = "killed (exit 137: SIGKILL from outside velarun, or out of memory)"
    if step.continue_:
        reason += "; `continue: true` keeps the build going"
    else:
        _step_failed(run, step, state)
    return _ended(step, status, code, reason, started)


def _step_failed(run: _Run, step: PlannedStep, state: _StageState) -> None:
    """A failed step fails its stage and, through the build status, the others."""
    state.status = "failure"
    state.failed_by = f"step `{step.label}` failed"
    run.fail_build(step)


async def _run_stage(run: _Run, stage: PlannedStage, done: Mapping[str, anyio.Event]) -> None:
    try:
        for need in stage.needs:
            if need in done:
                await done[need].wait()
        async with run.stage_slots or contextlib.nullcontext():
            started = now()
            run.stage_times[stage.name] = (started, None)
            if not stage.implicit:
                run.reporter.stage_started(stage.name)
            state = _StageState(independent=stage.independent)
            for step in stage.steps:
                await _run_step(run, step, state)
            finished = now()  # before the slot goes to the next stage
        run.stage_times[stage.name] = (started, finished)
        if not stage.implicit:
            steps = tuple(
                run.outcomes[key] for s in stage.steps if (key := (s.stage, s.name)) in run.outcomes
            )
            run.reporter.stage_finished(
                StageOutcome(stage.name, stage_status(steps), started, finished, steps)
            )
    finally:
        done[stage.name].set()


def _start_background(run: _Run, handle: Handle, outcome: StepOutcome) -> None:
    """Services and detached steps: streamed in the background, stopped at the end. One that
    ends on its own before is said to have, with its exit code and when."""

    async def stream() -> None:
        async def sink(lines: Sequence[str]) -> None:
            run.reporter.log(handle.spec, lines)

        with contextlib.suppress(EngineError):  # a background container's logs: best effort
            await run.runtime.logs(handle, sink)
            if not run.stopping:
                code = await run.runtime.wait(handle)
                if not run.stopping:
                    _exited_on_its_own(run, handle, outcome, code)

    run.background.append((handle, outcome))
    assert run.bg is not None
    run.bg.start_soon(stream)


def _exited_on_its_own(run: _Run, handle: Handle, outcome: StepOutcome, code: int) -> None:
    at = now()
    run.exited[id(handle)] = (code, at)
    what = "service" if outcome.kind == "service" else "detached step"
    after = f"{(at - outcome.started_at).total_seconds():.1f}s" if outcome.started_at else "?"
    run.reporter.notice(
        "exited_on_its_own", what=what, name=outcome.label, code=str(code), after=after
    )


def _background_outcome(run: _Run, handle: Handle, outcome: StepOutcome) -> StepOutcome | None:
    """A service or detached step that ended on its own, as the worker records it: its own
    exit code, ``failure`` when not 0; the build status is left alone. None: still running."""
    if id(handle) not in run.exited:
        return None
    code, at = run.exited[id(handle)]
    what = "service" if outcome.kind == "service" else "detached step"
    assert outcome.started_at is not None
    after = (at - outcome.started_at).total_seconds()
    reason = f"{what}: exited on its own with code {code} after {after:.1f}s"
    status = StepStatus.SUCCESS if code == 0 else StepStatus.FAILURE
    return replace(outcome, status=status, exit_code=code, reason=reason, finished_at=at)


async def _start_services(run: _Run) -> None:
    for svc in run.plan.services:
        spec = service_spec(svc, run.options)
        started = now()
        run.reporter.step_started(spec)
        handle = await run.runtime.start(spec)
        run.handles.append(handle)
        outcome = StepOutcome(svc.name, None, StepStatus.SUCCESS, None, "", started, kind="service")
        _start_background(run, handle, outcome)


async def _stop_background(run: _Run) -> None:
    """Kill services and detached steps still running; they never change the build status
    (the worker inspects each before removing it: one that ended on its own with a code other
    than 0 is a ``failure``, and the build's status stays as it was)."""
    run.stopping = True
    with anyio.move_on_after(CLEANUP_SECONDS, shield=True):
        while run.background:
            handle, outcome = run.background.pop(0)
            ended = _background_outcome(run, handle, outcome)
            if ended is not None:
                run.stopped.append(ended)
                continue
            code: int | None = None
            try:
                await run.runtime.kill(handle)
                code = await run.runtime.wait(handle)
            except EngineError:
                pass
            what = "service" if outcome.kind == "service" else "detached step"
            reason = f"{what}: stopped at the end of the build"
            run.stopped.append(replace(outcome, exit_code=code, reason=reason, finished_at=now()))


async def _cleanup(run: _Run) -> None:
    """Remove every container, then the network and volume: shielded, with a time limit."""
    with anyio.move_on_after(CLEANUP_SECONDS, shield=True):
        async with anyio.create_task_group() as tg:
            for handle in run.handles:
                tg.start_soon(_remove_quietly, run.runtime, handle)
        try:
            await run.runtime.teardown()
        except EngineError as exc:
            run.reporter.notice("cleanup_failed", error=exc.message)


async def _remove_quietly(runtime: Runtime, handle: Handle) -> None:
    with contextlib.suppress(EngineError):
        await runtime.remove(handle)


async def _execute(run: _Run) -> None:
    runtime = run.runtime

    async def setup() -> None:
        # Shielded: a failing image must not abandon a half-made network or volume.
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLEANUP_SECONDS):
            await runtime.setup()

    specs = image_specs(run.plan, run.options.pull)

    async def images() -> None:
        try:
            await runtime.prepare_images(specs)
        except* ImageUnavailableError as group:
            run.image_error = _first_image_error(group)
            raise

    async with anyio.create_task_group() as tg:  # the network and volume while images resolve
        tg.start_soon(setup)
        tg.start_soon(images)
    image = helper_image(specs)
    if run.options.workspace is not None and image is not None:
        await runtime.load_workspace(run.options.workspace, image)
    await runtime.ready()
    async with anyio.create_task_group() as background:
        run.bg = background
        try:
            await _start_services(run)
            async with anyio.create_task_group() as tg:
                done = {st.name: anyio.Event() for st in run.plan.stages}
                for stage in run.plan.stages:
                    tg.start_soon(_run_stage, run, stage, done, name=f"stage:{stage.name}")
        finally:
            await _stop_background(run)


async def run_plan(
    plan: Plan,
    runtime: Runtime,
    reporter: Reporter,
    options: RunOptions | None = None,
    *,
    cancel_scope: anyio.CancelScope | None = None,
    debug: DebugOptions | None = None,
) -> RunOutcome:
    """Run ``plan``. Cancelling ``cancel_scope`` (Ctrl-C) ends the run with ``canceled``.
    ``debug``: shells after a failure or before named steps (:mod:`velarun.schedule.debug`)."""
    debugger = Debugger.of(debug, runtime, reporter)
    run = _Run(plan, runtime, debugger.reporter if debugger else reporter, options or RunOptions())
    if run.options.timeout is not None:
        run.deadline = Deadline(run.options.timeout)
    if run.options.parallel is not None:
        run.stage_slots = anyio.CapacityLimiter(run.options.parallel)
    if debugger is not None:
        debugger.deadline = run.deadline
        run.debugger = debugger
    started = now()
    scope = cancel_scope or anyio.CancelScope()
    try:
        with scope:
            try:
                await within(run.deadline, lambda: _execute(run), run.time_is_up)
            except EngineError as exc:
                run.infrastructure_failed(exc)
            except BaseExceptionGroup as group:
                failure = _first_failure(group)
                if failure is None:
                    raise
                run.infrastructure_failed(failure)
        run.canceled = run.canceled or scope.cancelled_caught or scope.cancel_called
    finally:
        with anyio.CancelScope(shield=True):
            await _stop_background(run)
            await _cleanup(run)
    return _outcome(run, started)


def _build_status(run: _Run) -> BuildStatus:
    if run.canceled:
        return BuildStatus.CANCELED
    if run.error:
        return BuildStatus.ERROR
    if run.build_status == "failure":
        return BuildStatus.FAILURE
    return BuildStatus.SUCCESS


def _image_failed(run: _Run) -> tuple[StepOutcome, ...]:
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


def _outcome(run: _Run, started: datetime) -> RunOutcome:
    failed = _image_failed(run)
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
        _build_status(run),
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


def _first_image_error(
    group: BaseExceptionGroup[ImageUnavailableError],
) -> ImageUnavailableError | None:
    for exc in group.exceptions:
        if isinstance(exc, ImageUnavailableError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            return _first_image_error(exc)
    return None


def _first_failure(group: BaseExceptionGroup[BaseException]) -> EngineError | None:
    for exc in group.exceptions:
        if isinstance(exc, EngineError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_failure(exc)
            if found is not None:
                return found
    return None
