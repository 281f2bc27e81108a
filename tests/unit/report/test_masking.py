"""The one masking wrapper: everything on its way to the reporter, and the outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.unit.helpers import spec
from velarun.report.masking import MaskingReporter, mask_outcome
from velarun.schedule.outcome import (
    BuildStatus,
    RunOutcome,
    StageOutcome,
    StepOutcome,
    StepStatus,
)
from velarun.schedule.reporter import RecordingReporter
from velarun.secrets import Masker

AT = datetime(2026, 11, 30, tzinfo=UTC)


class Inner(RecordingReporter):
    def __init__(self) -> None:
        super().__init__()
        self.plans: list[dict[str, Any]] = []
        self.images: list[str] = []
        self.outcomes: list[RunOutcome] = []

    def plan_ready(self, plan: dict[str, Any]) -> None:
        self.plans.append(plan)

    def step_started(self, spec: Any) -> None:
        self.images.append(spec.image)

    def build_finished(self, outcome: RunOutcome) -> None:
        self.outcomes.append(outcome)


def outcome(reason: str, error: str) -> RunOutcome:
    step = StepOutcome("a", None, StepStatus.FAILURE, 1, reason, AT, AT)
    stage = StageOutcome("steps", StepStatus.FAILURE, AT, AT, (step,), implicit=True)
    return RunOutcome(BuildStatus.FAILURE, AT, AT, (stage,), error=error, hint=error)


def test_everything_shown_is_masked_and_masked_outputs_are_learned() -> None:
    inner = Inner()
    reporter = MaskingReporter(inner, Masker(["tok"]))
    reporter.plan_ready({"steps": [{"environment": {"T": "tok"}}]})
    reporter.step_started(spec(image="registry/tok:1"))
    reporter.log(spec(), ["tok one", "two"])
    reporter.masked_outputs(["later"])
    reporter.log(spec(), ["later tok"])
    reporter.notice("warning", message="said tok")
    reporter.step_finished(StepOutcome("a", None, StepStatus.FAILURE, 1, "tok failed"))
    reporter.build_finished(outcome("later", "tok"))
    assert inner.plans == [{"steps": [{"environment": {"T": "***"}}]}]
    assert inner.images == ["registry/***:1"]
    assert inner.lines == ["test/unit: *** one", "test/unit: two", "test/unit: *** ***"]
    assert inner.masked == []  # the values themselves are never passed on
    assert inner.notices == ["warning: said ***"]
    assert inner.finished[0].reason == "*** failed"
    final = inner.outcomes[0]
    assert (final.all_steps()[0].reason, final.error, final.hint) == ("***", "***", "***")


def test_mask_outcome_keeps_everything_else() -> None:
    original = outcome("plain", "")
    assert mask_outcome(original, Masker(["zzz"])) == original
