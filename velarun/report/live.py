"""The reporter a command drives: the scheduler's ``Reporter`` plus the plan and the end."""

from __future__ import annotations

from typing import Any, Protocol

from velarun.runtime import ContainerSpec
from velarun.schedule.outcome import RunOutcome
from velarun.schedule.reporter import Reporter


class RunReporter(Reporter, Protocol):
    def plan_ready(self, plan: dict[str, Any]) -> None:
        """The plan JSON, before anything starts."""

    def build_finished(self, outcome: RunOutcome) -> None:
        """The run is over and cleaned up."""


def prefix(spec: ContainerSpec) -> str:
    """Vela's log prefixes: ``[stage: s][step: x]``, ``[step: x]``, ``[service: x]``."""
    if spec.kind == "service":
        return f"[service: {spec.name}]"
    if spec.stage is not None:
        return f"[stage: {spec.stage}][step: {spec.name}]"
    return f"[step: {spec.name}]"
