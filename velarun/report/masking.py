"""The one place secrets are masked: around the live reporter, and over the outcome before
the report JSON and JUnit are written.

Secret values (``--secret``, ``--secret-file``) are known before the run; values steps write to
``$VELA_MASKED_OUTPUTS`` arrive as the scheduler reports them (``masked_outputs``) and are
masked from then on. Step, stage and service names are the pipeline's own and pass unmasked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from velarun.report.live import RunReporter
from velarun.runtime import ContainerSpec
from velarun.schedule.outcome import RunOutcome, StageOutcome, StepOutcome
from velarun.secrets import Masker


def mask_step(outcome: StepOutcome, masker: Masker) -> StepOutcome:
    return replace(outcome, reason=masker.mask(outcome.reason))


def mask_stage(outcome: StageOutcome, masker: Masker) -> StageOutcome:
    return replace(outcome, steps=tuple(mask_step(s, masker) for s in outcome.steps))


def mask_outcome(outcome: RunOutcome, masker: Masker) -> RunOutcome:
    """The outcome with every text it carries masked (reasons, the error and its hint)."""
    return replace(
        outcome,
        stages=tuple(mask_stage(st, masker) for st in outcome.stages),
        services=tuple(mask_step(s, masker) for s in outcome.services),
        error=masker.mask(outcome.error),
        hint=masker.mask(outcome.hint),
    )


class MaskingReporter:
    """Masks everything on its way to ``inner``: log lines, reasons, notices, the plan, the
    image shown when a step starts, and the final outcome."""

    def __init__(self, inner: RunReporter, masker: Masker) -> None:
        self.inner = inner
        self.masker = masker

    def plan_ready(self, plan: dict[str, Any]) -> None:
        masked = self.masker.mask_json(plan)
        assert isinstance(masked, dict)
        self.inner.plan_ready(masked)

    def stage_started(self, stage: str) -> None:
        self.inner.stage_started(stage)

    def step_started(self, spec: ContainerSpec) -> None:
        self.inner.step_started(replace(spec, image=self.masker.mask(spec.image)))

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        if self.masker.empty:  # no secrets: the flood of a noisy step passes untouched
            self.inner.log(spec, lines)
            return
        mask = self.masker.mask
        self.inner.log(spec, [mask(line) for line in lines])

    def step_finished(self, outcome: StepOutcome) -> None:
        self.inner.step_finished(mask_step(outcome, self.masker))

    def stage_finished(self, outcome: StageOutcome) -> None:
        self.inner.stage_finished(mask_stage(outcome, self.masker))

    def notice(self, event: str, **fields: str) -> None:
        mask = self.masker.mask
        self.inner.notice(event, **{k: mask(v) for k, v in fields.items()})

    def masked_outputs(self, values: Sequence[str]) -> None:
        for value in values:  # kept here: never passed on
            self.masker.add(value)

    def build_finished(self, outcome: RunOutcome) -> None:
        self.inner.build_finished(mask_outcome(outcome, self.masker))
