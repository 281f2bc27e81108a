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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import anyio
import anyio.abc

from velarun.compile.plan import Plan, PlannedStage, PlannedStep
from velarun.runtime import (
    ContainerGoneError,
    ContainerSpec,
    EngineError,
    Handle,
    ImageUnavailableError,
    Runtime,
)
from velarun.schedule import artifacts
from velarun.schedule.background import (
    cleanup,
    remove_soon,
    start_background,
    start_services,
    stop_background,
)
from velarun.schedule.containers import (
    RunOptions,
    StepContext,
    helper_image,
    image_specs,
    step_spec,
)
from velarun.schedule.deadline import CleanupLimit, Deadline, within
from velarun.schedule.debug import Debugger, DebugOptions
from velarun.schedule.outcome import (
    RunOutcome,
    StageOutcome,
    StepOutcome,
    StepStatus,
    now,
    skipped,
    stage_status,
)
from velarun.schedule.reporter import Reporter
from velarun.schedule.result import KILLED_EXIT, run_outcome
from velarun.schedule.runtime_rules import should_run
from velarun.schedule.state import RunState, first_failure, first_image_error


@dataclass
class _Waves:
    """Per stage: it has started running its steps; it has ended (either way)."""

    started: dict[str, anyio.Event]
    done: dict[str, anyio.Event]

    @classmethod
    def of(cls, plan: Plan) -> _Waves:
        return cls(
            {st.name: anyio.Event() for st in plan.stages},
            {st.name: anyio.Event() for st in plan.stages},
        )


@dataclass
class _StageState:
    """A stage's own status, which an ``independent`` stage's rules look at."""

    independent: bool = False
    status: str = "running"
    failed_by: str = ""
    ahead: _Ahead | None = None
    """The next step's container, made while this one runs."""


async def _run_container(
    run: RunState, spec: ContainerSpec, made: Handle | None = None, *, then: _Then = None
) -> tuple[Handle, int]:
    """Start one container (``made`` ahead, or now), stream its logs until it ends; its handle
    and exit code. ``then`` runs once it has started."""

    async def sink(lines: Sequence[str]) -> None:
        run.reporter.log(spec, lines)

    handle = await run.runtime.start(spec, made)
    if made is None:
        run.handles.append(handle)
    if then is not None:
        then()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run.runtime.logs, handle, sink)
            code = await run.runtime.wait(handle)
    except BaseExceptionGroup as group:
        failure = first_failure(group)  # the waiter's or the log reader's own failure
        if failure is None:
            raise
        raise failure from group
    return handle, code


@dataclass(eq=False)
class _Ahead:
    """The next step's container, created while the step before it runs (what it costs to
    create one is then off the critical path). Used only if the step starts with the very
    spec it was made for: an output written or a status changed meanwhile means a new one."""

    step: PlannedStep
    spec: ContainerSpec | None = None
    handle: Handle | None = None
    made: anyio.Event = field(default_factory=anyio.Event)


_Then = Callable[[], None] | None


def _create_ahead(run: RunState, state: _StageState, step: PlannedStep) -> None:
    """While the step before runs: create ``step``'s container as it would start now (not for
    a detached step, an image pulled at start, or with shells: a break may come first)."""
    if step.detach or run.debugger is not None:
        return
    ahead = state.ahead = _Ahead(step)

    async def create() -> None:
        try:
            if _skip_reason(run, step, state) is None:
                outputs, masked = await run.runtime.read_outputs()
                context = StepContext(run.build_status, outputs, masked)
                spec = step_spec(step, context, run.options)
                if spec.pull != "on_start":
                    ahead.handle = await run.runtime.create(spec)
                    ahead.spec = spec
                    run.handles.append(ahead.handle)
        except EngineError:
            pass  # the step creates its container as ever when it starts, and errs then
        finally:
            ahead.made.set()

    assert run.bg is not None
    run.bg.start_soon(create)


async def _made_ahead(
    run: RunState, ahead: _Ahead | None, spec: ContainerSpec | None
) -> Handle | None:
    """The container made ahead for ``spec``; one made for anything else is removed (in
    the background) and None returned. ``spec`` None: the step does not start."""
    if ahead is None:
        return None
    if spec is not None:
        await ahead.made.wait()
        if ahead.handle is not None and ahead.spec == spec:
            return ahead.handle

    async def discard() -> None:
        await ahead.made.wait()
        if ahead.handle is not None:
            remove_soon(run, ahead.handle)

    assert run.bg is not None
    run.bg.start_soon(discard)
    return None


def _skip_reason(run: RunState, step: PlannedStep, state: _StageState) -> str | None:
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


async def _context(run: RunState) -> StepContext:
    """The build as the next step sees it; masked outputs are reported, never kept secret."""
    outputs, masked = await run.runtime.read_outputs()
    fresh = [v for v in masked.values() if v not in run.masked]
    if fresh:
        run.masked.update(dict.fromkeys(fresh))
        run.reporter.masked_outputs(fresh)
    return StepContext(run.build_status, outputs, masked)


async def _run_step(
    run: RunState, step: PlannedStep, state: _StageState, after: PlannedStep | None = None
) -> None:
    """Run one step; ``after``: the stage's next step, whose container may be made meanwhile."""
    ahead, state.ahead = state.ahead, None
    why_not = _skip_reason(run, step, state)
    if why_not is not None:
        await _made_ahead(run, ahead, None)
        run.record(skipped(step, why_not))
        return
    spec = step_spec(step, await _context(run), run.options)
    made = await _made_ahead(run, ahead, spec)
    if run.debugger is not None:
        await run.debugger.before(step, spec)
    started = now()
    run.reporter.step_started(spec)
    if step.detach:
        handle = await run.runtime.start(spec)
        run.handles.append(handle)
        outcome = StepOutcome(step.name, step.stage, StepStatus.SUCCESS, None, "detached", started)
        start_background(run, handle, outcome)
        return
    then = None if after is None else (lambda: _create_ahead(run, state, after))
    try:
        handle, code = await _run_container(run, spec, made, then=then)
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
    remove_soon(run, handle)


async def _record_with_artifacts(
    run: RunState, step: PlannedStep, spec: ContainerSpec, outcome: StepOutcome
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
    run: RunState, step: PlannedStep, state: _StageState, code: int, started: datetime
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


def _step_failed(run: RunState, step: PlannedStep, state: _StageState) -> None:
    """A failed step fails its stage and, through the build status, the others."""
    state.status = "failure"
    state.failed_by = f"step `{step.label}` failed"
    run.fail_build(step)


def _stage_key(stage: PlannedStage) -> str | None:
    """The stage as its steps name it: None for a steps pipeline's implicit stage."""
    return None if stage.implicit else stage.name


async def _open_stage(run: RunState, stage: PlannedStage) -> None:
    """Tell the runtime the stage is coming, so that what its steps share (a network
    sandbox) is made while earlier work runs."""
    names = [step.name for step in stage.steps if not step.detach]
    await run.runtime.open_stage(_stage_key(stage), names)


async def _run_stage(run: RunState, stage: PlannedStage, waves: _Waves) -> None:
    needs = [need for need in stage.needs if need in waves.done]
    try:
        if needs:  # a root stage was opened before the workspace loaded
            for need in needs:  # the stage is next once what it needs has started
                await waves.started[need].wait()
            await _open_stage(run, stage)
        for need in needs:
            await waves.done[need].wait()
        async with run.stage_slots or contextlib.nullcontext():
            started = now()
            # The stages that need this one are next: their sandboxes are made meanwhile (at
            # once rather than after this stage's first step: on two cores, making them
            # while its steps run slowed both; made beside this stage's own, they were ready
            # when it ended).
            waves.started[stage.name].set()
            run.stage_times[stage.name] = (started, None)
            if not stage.implicit:
                run.reporter.stage_started(stage.name)
            state = _StageState(independent=stage.independent)
            for i, step in enumerate(stage.steps):
                after = stage.steps[i + 1] if i + 1 < len(stage.steps) else None
                await _run_step(run, step, state, after)
            await run.runtime.close_stage(_stage_key(stage))
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
        waves.started[stage.name].set()
        waves.done[stage.name].set()


async def _execute(run: RunState) -> None:
    runtime = run.runtime

    async def setup() -> None:
        # Shielded: a failing image must not abandon a half-made network or volume.
        with anyio.CancelScope(deadline=run.ending.setting_up(), shield=True):
            await runtime.setup()

    specs = image_specs(run.plan, run.options.pull)

    async def images() -> None:
        try:
            await runtime.prepare_images(specs, run.options.pulls)
        except* ImageUnavailableError as group:
            run.image_error = first_image_error(group)
            raise

    async with anyio.create_task_group() as tg:  # the network and volume while images resolve
        tg.start_soon(setup)
        tg.start_soon(images)
    names = {st.name for st in run.plan.stages}
    for stage in run.plan.stages:
        if not any(need in names for need in stage.needs):
            await _open_stage(run, stage)  # made while the workspace loads
    image = helper_image(specs)
    if run.options.workspace is not None and image is not None:
        await runtime.load_workspace(run.options.workspace, image)
    await runtime.ready()
    async with anyio.create_task_group() as background:
        run.bg = background
        try:
            await start_services(run)
            async with anyio.create_task_group() as tg:
                waves = _Waves.of(run.plan)
                for stage in run.plan.stages:
                    tg.start_soon(_run_stage, run, stage, waves, name=f"stage:{stage.name}")
        finally:
            await stop_background(run)


async def run_plan(
    plan: Plan,
    runtime: Runtime,
    reporter: Reporter,
    options: RunOptions | None = None,
    *,
    cancel_scope: anyio.CancelScope | None = None,
    debug: DebugOptions | None = None,
    ending: CleanupLimit | None = None,
) -> RunOutcome:
    """Run ``plan``. Cancelling ``cancel_scope`` (Ctrl-C) ends the run with ``canceled``.
    ``debug``: shells after a failure or before named steps (:mod:`velarun.schedule.debug`).
    ``ending``: how long the run's end may still take, kept up to date for the caller."""
    debugger = Debugger.of(debug, runtime, reporter)
    run = RunState(
        plan, runtime, debugger.reporter if debugger else reporter, options or RunOptions()
    )
    if ending is not None:
        run.ending = ending
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
                failure = first_failure(group)
                if failure is None:
                    raise
                run.infrastructure_failed(failure)
        run.canceled = run.canceled or scope.cancelled_caught or scope.cancel_called
    finally:
        with anyio.CancelScope(shield=True):
            await stop_background(run)
            await cleanup(run)
    return run_outcome(run, started)
