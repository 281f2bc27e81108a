"""Around the steps: services and detached steps in the background, ended containers removed
while the run goes on, and the cleanup at the end (shielded, with a time limit)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace

import anyio

from velarun.runtime import ContainerSpec, EngineError, Handle, Runtime
from velarun.schedule.containers import service_spec
from velarun.schedule.outcome import StepOutcome, StepStatus, now
from velarun.schedule.state import RunState


def remove_soon(run: RunState, handle: Handle) -> None:
    """A step's ended container goes while the next step runs, off the critical path. Until
    its removal succeeded, the handle stays for the cleanup (a Ctrl-C meanwhile)."""

    async def remove() -> None:
        with contextlib.suppress(EngineError):
            await run.runtime.remove(handle)
            run.handles.remove(handle)

    assert run.bg is not None
    run.bg.start_soon(remove)


def start_background(run: RunState, handle: Handle, outcome: StepOutcome) -> None:
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
                    exited_on_its_own(run, handle, outcome, code)

    run.background.append((handle, outcome))
    assert run.bg is not None
    run.bg.start_soon(stream)


def exited_on_its_own(run: RunState, handle: Handle, outcome: StepOutcome, code: int) -> None:
    at = now()
    run.exited[id(handle)] = (code, at)
    what = "service" if outcome.kind == "service" else "detached step"
    after = f"{(at - outcome.started_at).total_seconds():.1f}s" if outcome.started_at else "?"
    run.reporter.notice(
        "exited_on_its_own", what=what, name=outcome.label, code=str(code), after=after
    )


def background_outcome(run: RunState, handle: Handle, outcome: StepOutcome) -> StepOutcome | None:
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


async def start_services(run: RunState) -> None:
    """Every service, started side by side (each gets its own endpoint on the network, most of
    what a start costs), said and then streamed in the file's order; the steps come after."""
    started: list[tuple[Handle, StepOutcome] | None] = [None] * len(run.plan.services)

    async def start(i: int, spec: ContainerSpec, outcome: StepOutcome) -> None:
        handle = await run.runtime.start(spec)
        run.handles.append(handle)
        started[i] = (handle, outcome)

    try:
        async with anyio.create_task_group() as tg:
            for i, svc in enumerate(run.plan.services):
                spec = service_spec(svc, run.options)
                outcome = StepOutcome(
                    svc.name, None, StepStatus.SUCCESS, None, "", now(), kind="service"
                )
                run.reporter.step_started(spec)
                tg.start_soon(start, i, spec, outcome)
    finally:  # also when one failed: those that started are stopped and reported as ever
        for found in started:
            if found is not None:
                start_background(run, *found)


async def stop_background(run: RunState) -> None:
    """Kill services and detached steps still running; they never change the build status
    (the worker inspects each before removing it: one that ended on its own with a code other
    than 0 is a ``failure``, and the build's status stays as it was). One time limit over
    every call (the run's end calls it twice)."""
    run.stopping = True
    with anyio.CancelScope(deadline=run.ending.stopping(), shield=True):
        while run.background:
            handle, outcome = run.background.pop(0)
            ended = background_outcome(run, handle, outcome)
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


async def cleanup(run: RunState) -> None:
    """Remove every container, then the network and volume: shielded, with a time limit."""
    with anyio.CancelScope(deadline=run.ending.removing(), shield=True):
        async with anyio.create_task_group() as tg:
            for handle in run.handles:
                tg.start_soon(remove_quietly, run.runtime, handle)
        try:
            await run.runtime.teardown()
        except EngineError as exc:
            run.reporter.notice("cleanup_failed", error=exc.message)


async def remove_quietly(runtime: Runtime, handle: Handle) -> None:
    with contextlib.suppress(EngineError):
        await runtime.remove(handle)
