"""Prefixed live logs on stdout (Vela's ``[stage: s][step: x] line``) and velarun's own
lines on stderr, through structlog. Masking happens before: see :mod:`velarun.report.masking`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from velarun import log
from velarun.output import Closable, is_terminal, use_color, write_to
from velarun.report.live import prefix
from velarun.report.summary import render_summary
from velarun.runtime import ContainerSpec
from velarun.schedule.outcome import RunOutcome, StageOutcome, StepOutcome, StepStatus

if TYPE_CHECKING:
    from velarun.report.screen import LiveScreen

_COLORS = ("36", "35", "34", "32", "33", "96", "95", "94")


class ConsoleReporter:
    """Step output on ``out`` (stdout), velarun's own lines on ``err`` (stderr)."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        color: bool | None = None,
        on_closed: Callable[[], None] | None = None,
        screen: LiveScreen | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.color = use_color(self.out) if color is None else color
        self._colors: dict[str, str] = {}
        self.screen = screen
        """The live display on the terminal (the status line), when there is one: the logs
        pass through it when stdout is that terminal too."""
        shared = screen is not None and is_terminal(self.out)
        written = screen.route(self.out) if screen is not None and shared else self.out
        self._put = Closable(written, on_closed).put

    def _prefix(self, spec: ContainerSpec) -> str:
        text = prefix(spec)
        if not self.color:
            return text
        code = self._colors.setdefault(text, _COLORS[len(self._colors) % len(_COLORS)])
        return f"\x1b[{code}m{text}\x1b[0m"

    def plan_ready(self, plan: dict[str, Any]) -> None:
        pass

    def stage_started(self, stage: str) -> None:
        pass

    def step_started(self, spec: ContainerSpec) -> None:
        if self.screen is not None and spec.kind == "step" and not spec.detach:
            self.screen.step_started(spec.label)
        self._put(f"{self._prefix(spec)} > {spec.kind} started ({spec.image})\n")

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        head = self._prefix(spec)
        # A batch at a time, flushed: prompt even through a pipe, not a write per line.
        joint = f"\n{head} "
        self._put(f"{head} {joint.join(lines)}\n" if lines else "")

    def step_finished(self, outcome: StepOutcome) -> None:
        if self.screen is not None:
            self.screen.step_finished(outcome.label)
        self._put("")  # stdout first: the step's last lines come before what is said of it
        step = log.get().bind(stage=outcome.stage, step=outcome.name)
        if outcome.status is StepStatus.SKIPPED:
            step.info(
                "step_skipped",
                label=outcome.label,
                status=outcome.status.value,
                reason=outcome.reason,
            )
        elif outcome.status is not StepStatus.SUCCESS:
            step.warning(
                "step_ended",
                label=outcome.label,
                status=outcome.status.value,
                reason=outcome.reason,
            )

    def stage_finished(self, outcome: StageOutcome) -> None:
        pass

    def notice(self, event: str, **fields: str) -> None:
        self._put("")
        log.get().info(event, **fields)

    def masked_outputs(self, values: Sequence[str]) -> None:
        pass

    def build_finished(self, outcome: RunOutcome) -> None:
        if self.screen is not None:
            self.screen.stop()  # gone before the summary
        self._put("")
        write_to(self.err, render_summary(outcome, color=self.color and use_color(self.err)) + "\n")
