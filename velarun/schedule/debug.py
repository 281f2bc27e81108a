"""Stepping into a run: ``--shell-on-failure`` and ``--break-before STEP``.

The scheduler asks :class:`Debugger` at two points of a step: before it starts (a break names
it) and after it failed. Either way a shell opens on the user's terminal through the runtime
(:meth:`velarun.runtime.Runtime.shell`), one at a time, and the step's stage waits for it; the
rest of the run goes on, and the build's time limit (``--timeout``) is paused meanwhile: time
at a prompt is the user's. A failed step stays a failure: the shell changes no outcome. A shell
the engine cannot open is said in one line and the build goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from velarun.compile.plan import Plan, PlannedStep
from velarun.errors import UsageError
from velarun.runtime import ContainerSpec, EngineError, Handle, Runtime, ShellRequest
from velarun.schedule.deadline import Deadline
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


@dataclass
class Debugger:
    """The scheduler's side of the shells: one open at a time, each told as a notice."""

    options: DebugOptions
    runtime: Runtime
    reporter: Reporter
    deadline: Deadline | None = None
    _turn: anyio.Lock = field(default_factory=anyio.Lock)

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
            self.reporter.notice("shell_opened", label=label, why=why, shell=request.shell)
            if self.deadline is not None:
                self.deadline.pause()
            try:
                code = await self.runtime.shell(request)
            except EngineError as exc:
                self.reporter.notice("shell_failed", label=label, error=exc.message)
                return
            finally:
                if self.deadline is not None:
                    self.deadline.resume()
            self.reporter.notice("shell_closed", label=label, code=str(code))
