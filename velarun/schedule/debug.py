"""Stepping into a run: ``--shell-on-failure`` and ``--break-before STEP``.

The scheduler asks :class:`Debugger` at two points of a step: before it starts (a break names
it) and after it failed. Either way a shell opens on the user's terminal through the runtime
(:meth:`velarun.runtime.Runtime.shell`), one at a time, and the step's stage waits for it; the
rest of the run goes on, and the build's time limit (``--timeout``) is paused meanwhile: time
at a prompt is the user's. What the rest of the run says while a shell has the terminal (other
stages' logs, their ends) is held, in order, and said when the shell closes
(:class:`HoldingReporter`). A failed step stays a failure: the shell changes no outcome. A shell
the engine cannot open is said in one line and the build goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio

from velarun.compile.plan import Plan, PlannedStep
from velarun.errors import UsageError
from velarun.runtime import ContainerSpec, EngineError, Handle, Runtime, ShellRequest
from velarun.schedule.deadline import Deadline
from velarun.schedule.outcome import StageOutcome, StepOutcome
from velarun.schedule.reporter import Reporter

DEFAULT_SHELL = "/bin/sh"


@dataclass(frozen=True, slots=True)
class DebugOptions:
    """What the command line asked for: a shell after a failure, before named steps."""

    shell_on_failure: bool = False
    break_before: tuple[str, ...] = ()
    """Step names as ``--step`` takes them: ``stage/step`` or ``step``."""
    shell: str = DEFAULT_SHELL

    @property
    def wanted(self) -> bool:
        """Whether a shell may open (then the run needs a terminal)."""
        return self.shell_on_failure or bool(self.break_before)

    def breaks_at(self, step: PlannedStep) -> bool:
        return step.name in self.break_before or step.label in self.break_before


def check_breaks(plan: Plan, names: tuple[str, ...]) -> None:
    """Each ``--break-before`` names a step of the plan, else a usage error (exit 2) that
    lists the steps, as ``--step`` does."""
    steps = plan.all_steps()
    known = {s.name for s in steps} | {s.label for s in steps}
    pruned: dict[str, str] = {}
    for p in plan.pruned_of("step"):
        pruned[p.name] = pruned[f"{p.stage}/{p.name}" if p.stage else p.name] = p.reason
    for name in names:
        if name in known:
            continue
        if name in pruned:
            raise UsageError(
                f"--break-before `{name}`: the step does not run: {pruned[name]}",
                f"run `velarun plan --explain {name}` to see why",
            )
        labels = ", ".join(f"`{s.label}`" for s in steps)
        raise UsageError(
            f"--break-before: no step `{name}` in the plan", "steps: " + (labels or "none")
        )


HELD_LINES = 100_000
"""Log lines of other stages kept while a shell is open (about 10 MB at 100 bytes a line);
later ones are dropped and counted, so a shell left open beside a chatty stage cannot fill
the memory."""


class HoldingReporter:
    """The scheduler's reporter when shells may open: passes everything on, except while a
    shell holds the terminal; then keeps each call, in order, until ``release`` (log lines
    past ``limit`` are dropped, and said to have been)."""

    def __init__(self, inner: Reporter, limit: int = HELD_LINES) -> None:
        self.inner = inner
        self.limit = limit
        self._held: list[Callable[[], None]] | None = None
        self._lines = 0
        self._dropped = 0

    def hold(self) -> None:
        self._held = []
        self._lines = self._dropped = 0

    def release(self) -> None:
        held, self._held = self._held or [], None
        for call in held:
            call()
        if self._dropped:
            self.inner.notice(
                "held_output_dropped", count=str(self._dropped), limit=str(self.limit)
            )

    def _say(self, call: Callable[[], None]) -> None:
        if self._held is None:
            call()
        else:
            self._held.append(call)

    def stage_started(self, stage: str) -> None:
        self._say(lambda: self.inner.stage_started(stage))

    def step_started(self, spec: ContainerSpec) -> None:
        self._say(lambda: self.inner.step_started(spec))

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        batch = tuple(lines)
        if self._held is not None:
            room = max(self.limit - self._lines, 0)
            self._dropped += max(len(batch) - room, 0)
            batch = batch[:room]
            self._lines += len(batch)
            if not batch:
                return
        self._say(lambda: self.inner.log(spec, batch))

    def step_finished(self, outcome: StepOutcome) -> None:
        self._say(lambda: self.inner.step_finished(outcome))

    def stage_finished(self, outcome: StageOutcome) -> None:
        self._say(lambda: self.inner.stage_finished(outcome))

    def notice(self, event: str, **fields: str) -> None:
        self._say(lambda: self.inner.notice(event, **fields))

    def masked_outputs(self, values: Sequence[str]) -> None:
        kept = tuple(values)
        self._say(lambda: self.inner.masked_outputs(kept))


@dataclass
class Debugger:
    """The scheduler's side of the shells: one open at a time, each told as a notice; the run
    reports through ``reporter``, which holds what comes while a shell is open."""

    options: DebugOptions
    runtime: Runtime
    reporter: HoldingReporter
    deadline: Deadline | None = None
    _turn: anyio.Lock = field(default_factory=anyio.Lock)

    @classmethod
    def of(
        cls, options: DebugOptions | None, runtime: Runtime, reporter: Reporter
    ) -> Debugger | None:
        """The debugger a run needs, or None when no shell can open."""
        if options is None or not options.wanted:
            return None
        return cls(options, runtime, HoldingReporter(reporter))

    async def before(self, step: PlannedStep, spec: ContainerSpec) -> None:
        """A break before ``step``: a shell in a fresh container of its image; then it runs."""
        if self.options.breaks_at(step):
            await self._shell(ShellRequest(spec, self.options.shell), "before it starts")

    async def failed(self, spec: ContainerSpec, handle: Handle, code: int) -> None:
        """``spec``'s step ended with ``code`` and failed: a shell where it died."""
        if self.options.shell_on_failure:
            why = f"where it failed with exit code {code}"
            await self._shell(ShellRequest(spec, self.options.shell, handle), why)

    async def _shell(self, request: ShellRequest, why: str) -> None:
        label = request.spec.label
        async with self._turn:
            say = self.reporter.inner.notice
            say("shell_opened", label=label, why=why, shell=request.shell)
            self.reporter.hold()
            if self.deadline is not None:
                self.deadline.pause()
            try:
                code = await self.runtime.shell(request)
                say("shell_closed", label=label, code=str(code))
            except EngineError as exc:
                say("shell_failed", label=label, error=exc.message)
            finally:
                if self.deadline is not None:
                    self.deadline.resume()
                self.reporter.release()
