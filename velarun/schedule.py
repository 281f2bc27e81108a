"""Phase 3, schedule: run a Plan on a Runtime with the Vela server worker's semantics.

One anyio task per stage; a stage starts when every stage in its (effective) ``needs`` has
finished, successfully or not; steps in a stage run in order; a steps pipeline is one implicit
stage. Before each step its ruleset decides at run time (vela-executor.md §3.1): a step without
a ``status`` rule runs only while the build has not failed (an ``independent`` stage looks at
its own status instead); steps with ``status`` rules are matched against it (``running`` counts
as ``success``). A failing step (exit != 0, no ``continue``) fails its stage and the build;
steps already running elsewhere finish.

A failed step is data (:class:`StepOutcome`); exceptions from the runtime mean infrastructure
failed and end the build with status ``error``. Cancellation (Ctrl-C) kills what runs, marks it
``killed``, and ends with ``canceled``. Cleanup always runs, shielded, with a time limit.
"""

from __future__ import annotations

import contextlib
import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import anyio
import anyio.abc

from velarun import runtime
from velarun.compile.plan import Plan, PlannedService, PlannedStage, PlannedStep
from velarun.compile.ruledata import RuleData
from velarun.compile.rules import PatternError, evaluate
from velarun.compile.script import COMMAND, ENTRYPOINT, script_env
from velarun.load.model import Ruleset, Ulimit, Volume
from velarun.runtime import ContainerGoneError, ContainerSpec, EngineError, Handle, Runtime
from velarun.secrets import Masker

WORKSPACE = "/vela/src"
OUTPUTS_ENV = {
    "VELA_OUTPUTS": "/vela/outputs/.env",
    "VELA_MASKED_OUTPUTS": "/vela/outputs/masked.env",
}
CLEANUP_SECONDS = 30.0
KILLED_EXIT = 137


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


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: BuildStatus
    started_at: datetime
    finished_at: datetime
    stages: tuple[StageOutcome, ...]
    steps: tuple[StepOutcome, ...]
    services: tuple[StepOutcome, ...]
    is_stages: bool
    error: str = ""
    hint: str = ""

    def all_steps(self) -> tuple[StepOutcome, ...]:
        if self.is_stages:
            return tuple(s for st in self.stages for s in st.steps)
        return self.steps


class Reporter(Protocol):
    """Receives the run as it happens (console, JSON lines, ...). Methods must not block."""

    def stage_started(self, stage: str) -> None: ...

    def step_started(self, spec: ContainerSpec) -> None: ...

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        """A batch of complete lines from one container, in order; shown before returning."""

    def step_finished(self, outcome: StepOutcome) -> None: ...

    def stage_finished(self, outcome: StageOutcome) -> None: ...

    def notice(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RunOptions:
    volumes: tuple[runtime.Mount, ...] = ()
    """``--volume``: mounted into every container."""
    privileged_images: tuple[str, ...] = ()
    secret_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per step label: the secret variables it receives at start."""
    masker: Masker | None = None
    """Learns the values written to ``$VELA_MASKED_OUTPUTS`` as the build goes."""


# -- pure pieces ------------------------------------------------------------------------------


def runtime_ruledata(data: RuleData, status: str) -> RuleData:
    """The worker's run-time rule data: branch, event, repo, status, tag (tag events and tag
    deployments), target (deployment and schedule); no path, comment, sender or label."""
    tagged = data.event_name == "tag" or data.ref.startswith("refs/tags/")
    return RuleData(
        event=data.event,
        branch=data.branch,
        tag=data.tag if tagged else "",
        ref=data.ref,
        target=data.target if data.event_name in ("deployment", "schedule") else "",
        repo=data.repo,
        status=status,
    )


def should_run(ruleset: Ruleset, status: str, data: RuleData) -> tuple[bool, str]:
    """The server's ``Container.Execute``: (run?, reason when not)."""
    if not ruleset.has_status():
        if status in ("failure", "error"):
            return False, f"the build status is {status} and the step has no status rule"
        return True, ""
    try:
        verdict = evaluate(ruleset, runtime_ruledata(data, status))
    except PatternError as exc:  # patterns were checked at compile time
        return False, str(exc)
    if verdict.keep:
        return True, ""
    shown = "success" if status == "running" else status
    return False, f"ruleset at run time (build status {shown}): {verdict.reason}"


def image_privileged(image: str, patterns: Sequence[str]) -> bool:
    """Vela's privileged-images check: the image, or its familiar name, matches a pattern."""
    from velarun.compile import glob

    familiar = image.removeprefix("docker.io/").removeprefix("library/")
    bare = familiar.split("@", 1)[0]
    candidates = {image, familiar, bare, bare.rsplit(":", 1)[0] if ":" in bare else bare}
    for pattern in patterns:
        for name in candidates:
            try:
                if glob.match(pattern, name):
                    return True
            except glob.BadPatternError:
                return False
    return False


def runtime_mounts(volumes: Sequence[Volume]) -> tuple[runtime.Mount, ...]:
    return tuple(runtime.Mount(v.source, v.destination, v.access_mode != "rw") for v in volumes)


def runtime_ulimits(ulimits: Sequence[Ulimit]) -> tuple[runtime.Ulimit, ...]:
    return tuple(runtime.Ulimit(u.name, u.soft, u.hard) for u in ulimits)


def step_spec(
    step: PlannedStep,
    extra_env: Mapping[str, str],
    options: RunOptions,
) -> ContainerSpec:
    """A PlannedStep as a container: Vela's script for commands, else the entrypoint as written."""
    env = dict(step.environment)
    env.update(OUTPUTS_ENV)
    env.update(extra_env)
    entrypoint = step.entrypoint
    command: tuple[str, ...] = ()
    if step.commands:
        env.update(script_env(step.commands, env, step.user))
        entrypoint = ENTRYPOINT
        command = (COMMAND,)
    return ContainerSpec(
        kind="step",
        name=step.name,
        stage=step.stage,
        image=step.image,
        pull=step.pull,
        entrypoint=entrypoint,
        command=command,
        environment=env,
        user=step.user,
        privileged=image_privileged(step.image, options.privileged_images),
        ulimits=runtime_ulimits(step.ulimits),
        mounts=(*runtime_mounts(step.volumes), *options.volumes),
        working_dir=WORKSPACE,
        detach=step.detach,
    )


def service_spec(service: PlannedService, options: RunOptions) -> ContainerSpec:
    return ContainerSpec(
        kind="service",
        name=service.name,
        stage=None,
        image=service.image,
        pull=service.pull,
        entrypoint=service.entrypoint,
        environment=dict(service.environment),
        user=service.user,
        privileged=image_privileged(service.image, options.privileged_images),
        ulimits=runtime_ulimits(service.ulimits),
        mounts=options.volumes,
        detach=True,
    )


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


# -- the run ----------------------------------------------------------------------------------


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
    outcomes: dict[tuple[str | None, str], StepOutcome] = field(default_factory=dict)
    stage_times: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    handles: list[Handle] = field(default_factory=list)
    background: list[tuple[Handle, StepOutcome]] = field(default_factory=list)
    stopped: list[StepOutcome] = field(default_factory=list)
    bg: anyio.abc.TaskGroup | None = None

    def record(self, outcome: StepOutcome) -> None:
        self.outcomes[(outcome.stage, outcome.name)] = outcome
        self.reporter.step_finished(outcome)

    def fail_build(self, step: PlannedStep) -> None:
        if self.build_status == "running":
            self.build_status = "failure"
            self.failed_by = f"step `{step.label}` failed"


@dataclass
class _StageState:
    """A stage's own status, which an ``independent`` stage's rules look at."""

    independent: bool = False
    status: str = "running"
    failed_by: str = ""


async def _run_container(run: _Run, spec: ContainerSpec) -> tuple[Handle, int]:
    """Start one container, stream its logs until it ends, return its exit code."""

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


async def _run_step(run: _Run, step: PlannedStep, stage_state: _StageState) -> None:
    independent = stage_state.independent
    status = stage_state.status if independent else run.build_status
    if run.canceled:
        run.record(
            StepOutcome(step.name, step.stage, StepStatus.SKIPPED, reason="the build was canceled")
        )
        return
    ok, reason = should_run(step.ruleset, status, run.plan.ruledata)
    if not ok:
        if not step.ruleset.has_status():
            earlier = stage_state.failed_by if independent else run.failed_by
            who = "this independent stage" if independent else "the build"
            reason = f"{who} failed earlier ({earlier}) and the step has no status rule"
        run.record(StepOutcome(step.name, step.stage, StepStatus.SKIPPED, reason=reason))
        return
    outputs, masked = await run.runtime.read_outputs()
    if run.options.masker is not None:
        for value in masked.values():
            run.options.masker.add(value)
    extra = {k: v for k, v in {**outputs, **masked}.items() if k not in step.environment}
    extra["VELA_BUILD_STATUS"] = extra["BUILD_STATUS"] = run.build_status
    extra.update(
        {
            "VELA_STEP_NAME": step.name,
            "VELA_STEP_IMAGE": step.image,
            "VELA_STEP_STAGE": step.stage or "",
            "VELA_STEP_STATUS": "running",
            "VELA_STEP_NUMBER": str(step.number),
        }
    )
    extra.update(run.options.secret_env.get(step.label, {}))
    spec = step_spec(step, extra, run.options)
    started = now()
    run.reporter.step_started(spec)
    if step.detach:
        handle = await run.runtime.start(spec)
        run.handles.append(handle)
        outcome = StepOutcome(step.name, step.stage, StepStatus.SUCCESS, None, "detached", started)
        await _start_background(run, handle, outcome)
        return
    try:
        _, code = await _run_container(run, spec)
    except ContainerGoneError as exc:
        run.record(
            StepOutcome(step.name, step.stage, StepStatus.ERROR, None, exc.message, started, now())
        )
        _step_failed(run, step, stage_state)
        return
    except EngineError as exc:
        run.error = run.error or exc.message
        run.hint = run.hint or (exc.hint or "")
        run.record(
            StepOutcome(step.name, step.stage, StepStatus.ERROR, None, exc.message, started, now())
        )
        raise
    except anyio.get_cancelled_exc_class():
        why = "the build stopped on an error" if run.error else "the build was canceled"
        outcome = StepOutcome(
            step.name, step.stage, StepStatus.KILLED, 137, f"killed: {why}", started, now()
        )
        run.record(outcome)
        raise
    finished = now()
    if code == 0:
        run.record(StepOutcome(step.name, step.stage, StepStatus.SUCCESS, 0, "", started, finished))
        return
    status = StepStatus.FAILURE
    reason = f"exited with code {code}"
    if code == KILLED_EXIT:  # velarun did not kill it: it was cancelled otherwise
        status = StepStatus.KILLED
        reason = "killed (exit 137: SIGKILL from outside velarun, or out of memory)"
    if step.continue_:
        reason += "; `continue: true` keeps the build going"
    else:
        _step_failed(run, step, stage_state)
    run.record(StepOutcome(step.name, step.stage, status, code, reason, started, finished))


def _step_failed(run: _Run, step: PlannedStep, stage_state: _StageState) -> None:
    """A failed step fails its stage and, through the build status, the others."""
    stage_state.status = "failure"
    stage_state.failed_by = f"step `{step.label}` failed"
    run.fail_build(step)


async def _run_stage(
    run: _Run,
    stage: PlannedStage,
    done: Mapping[str, anyio.Event],
) -> None:
    try:
        for need in stage.needs:
            if need in done:
                await done[need].wait()
        started = now()
        run.stage_times[stage.name] = (started, None)
        run.reporter.stage_started(stage.name)
        state = _StageState(independent=stage.independent)
        for step in stage.steps:
            await _run_step(run, step, state)
        finished = now()
        run.stage_times[stage.name] = (started, finished)
        steps = tuple(
            run.outcomes[(stage.name, s.name)]
            for s in stage.steps
            if (stage.name, s.name) in run.outcomes
        )
        run.reporter.stage_finished(
            StageOutcome(stage.name, stage_status(steps), started, finished, steps)
        )
    finally:
        done[stage.name].set()


async def _run_steps(run: _Run, steps: tuple[PlannedStep, ...]) -> None:
    state = _StageState()
    for step in steps:
        await _run_step(run, step, state)


async def _start_background(run: _Run, handle: Handle, outcome: StepOutcome) -> None:
    """Services and detached steps: streamed in the background, stopped at the end."""

    async def stream() -> None:
        async def sink(lines: Sequence[str]) -> None:
            run.reporter.log(handle.spec, lines)

        try:
            await run.runtime.logs(handle, sink)
        except EngineError:
            pass  # a background container's logs are best effort

    run.background.append((handle, outcome))
    assert run.bg is not None
    run.bg.start_soon(stream)


async def _start_services(run: _Run) -> None:
    for svc in run.plan.services:
        spec = service_spec(svc, run.options)
        started = now()
        run.reporter.step_started(spec)
        handle = await run.runtime.start(spec)
        run.handles.append(handle)
        outcome = StepOutcome(svc.name, None, StepStatus.SUCCESS, None, "", started, kind="service")
        await _start_background(run, handle, outcome)


async def _stop_background(run: _Run) -> None:
    """Kill services and detached steps still running; they never change the build status."""
    with anyio.move_on_after(CLEANUP_SECONDS, shield=True):
        while run.background:
            handle, outcome = run.background.pop(0)
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
            run.reporter.notice(f"cleanup: {exc.message}")


async def _remove_quietly(runtime: Runtime, handle: Handle) -> None:
    with contextlib.suppress(EngineError):
        await runtime.remove(handle)


def _unreached(run: _Run, step: PlannedStep) -> StepOutcome:
    if run.canceled:
        reason = "the build was canceled"
    elif run.error:
        reason = "the build stopped on an error"
    else:
        reason = "not reached"
    return StepOutcome(step.name, step.stage, StepStatus.SKIPPED, reason=reason)


async def _execute(run: _Run) -> None:
    plan, runtime = run.plan, run.runtime
    # Image resolution needs only image, pull policy and who uses it: no env or script yet.
    step_specs = [ContainerSpec("step", s.name, s.stage, s.image, s.pull) for s in plan.all_steps()]
    service_specs = [ContainerSpec("service", s.name, None, s.image, s.pull) for s in plan.services]

    async def setup() -> None:
        # Shielded: a failing image must not abandon a half-made network or volume.
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLEANUP_SECONDS):
            await runtime.setup()

    async with anyio.create_task_group() as tg:  # the network and volume while images resolve
        tg.start_soon(setup)
        tg.start_soon(runtime.prepare_images, [*service_specs, *step_specs])
    async with anyio.create_task_group() as background:
        run.bg = background
        try:
            await _start_services(run)
            async with anyio.create_task_group() as tg:
                if plan.is_stages:
                    done = {st.name: anyio.Event() for st in plan.stages}
                    for stage in plan.stages:
                        tg.start_soon(_run_stage, run, stage, done, name=f"stage:{stage.name}")
                else:
                    tg.start_soon(_run_steps, run, plan.steps)
        finally:
            await _stop_background(run)


async def run_plan(
    plan: Plan,
    runtime: Runtime,
    reporter: Reporter,
    options: RunOptions | None = None,
    *,
    cancel_scope: anyio.CancelScope | None = None,
) -> RunOutcome:
    """Run ``plan``. Cancelling ``cancel_scope`` (Ctrl-C) ends the run with ``canceled``."""
    run = _Run(plan, runtime, reporter, options or RunOptions())
    started = now()
    scope = cancel_scope or anyio.CancelScope()
    try:
        with scope:
            try:
                await _execute(run)
            except EngineError as exc:
                run.error = exc.message
                run.hint = exc.hint or ""
            except BaseExceptionGroup as group:
                failure = _first_failure(group)
                if failure is None:
                    raise
                run.error = failure.message
                run.hint = failure.hint or ""
        if scope.cancelled_caught or scope.cancel_called:
            run.canceled = True
    finally:
        with anyio.CancelScope(shield=True):
            await _stop_background(run)
            await _cleanup(run)
    if run.canceled:
        status = BuildStatus.CANCELED
    elif run.error:
        status = BuildStatus.ERROR
    elif run.build_status == "failure":
        status = BuildStatus.FAILURE
    else:
        status = BuildStatus.SUCCESS
    services = tuple(o for o in run.stopped if o.kind == "service")
    run.outcomes.update({(o.stage, o.name): o for o in run.stopped if o.kind == "step"})

    def outcome(step: PlannedStep) -> StepOutcome:
        return run.outcomes.get((step.stage, step.name)) or _unreached(run, step)

    stages = tuple(
        StageOutcome(
            st.name,
            stage_status(tuple(outcome(s) for s in st.steps)),
            *run.stage_times.get(st.name, (None, None)),
            tuple(outcome(s) for s in st.steps),
        )
        for st in plan.stages
    )
    steps = tuple(outcome(s) for s in plan.steps)
    return RunOutcome(
        status, started, now(), stages, steps, services, plan.is_stages, run.error, run.hint
    )


def _first_failure(group: BaseExceptionGroup[BaseException]) -> EngineError | None:
    for exc in group.exceptions:
        if isinstance(exc, EngineError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_failure(exc)
            if found is not None:
                return found
    return None


def not_started(
    plan: Plan | None, error: str, hint: str = "", status: BuildStatus = BuildStatus.ERROR
) -> RunOutcome:
    """The outcome of a run that ended before any container: the engine unreachable
    (``error``), or interrupted while connecting (``canceled``); with no steps at all when it
    ended before there was a plan (interrupted while reading the pipeline or git)."""
    at = now()
    if plan is None:
        return RunOutcome(status, at, at, (), (), (), False, error, hint)

    def skipped(step: PlannedStep) -> StepOutcome:
        return StepOutcome(
            step.name, step.stage, StepStatus.SKIPPED, reason="not started: " + error
        )

    stages = tuple(
        StageOutcome(st.name, StepStatus.SKIPPED, None, None, tuple(skipped(s) for s in st.steps))
        for st in plan.stages
    )
    return RunOutcome(
        status,
        at,
        at,
        stages,
        tuple(skipped(s) for s in plan.steps),
        (),
        plan.is_stages,
        error,
        hint,
    )


def exit_code(outcome: RunOutcome) -> int:
    return {
        BuildStatus.SUCCESS: 0,
        BuildStatus.FAILURE: 1,
        BuildStatus.ERROR: 3,
        BuildStatus.CANCELED: 130,
    }[outcome.status]


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    return f"{seconds:.1f}s"
