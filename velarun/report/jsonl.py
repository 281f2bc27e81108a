"""``--output jsonl``: one JSON object per line on stdout instead of prefixed logs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from velarun import log
from velarun.output import Closable
from velarun.report.document import timestamp
from velarun.runtime import ContainerSpec
from velarun.schedule.outcome import RunOutcome, StageOutcome, StepOutcome, now


class JsonlReporter:
    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        on_closed: Callable[[], None] | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._output = Closable(self.out, on_closed)

    def _emit(self, event: str, *, flush: bool = True, **fields: Any) -> None:
        if self._output.closed:
            return
        record = {"event": event, "time": timestamp(now()), **fields}
        self._output.put(json.dumps(record, ensure_ascii=False) + "\n", flush=flush)

    @staticmethod
    def _who(spec: ContainerSpec) -> dict[str, Any]:
        if spec.kind == "service":
            return {"service": spec.name}
        return {"stage": spec.stage, "step": spec.name}

    def plan_ready(self, plan: dict[str, Any]) -> None:
        self._emit("plan", plan=plan)

    def stage_started(self, stage: str) -> None:
        self._emit("stage_started", stage=stage)

    def step_started(self, spec: ContainerSpec) -> None:
        self._emit("step_started", **self._who(spec), image=spec.image)

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        who = self._who(spec)
        for line in lines[:-1]:
            self._emit("log", **who, line=line, flush=False)
        if lines:
            self._emit("log", **who, line=lines[-1])

    def step_finished(self, outcome: StepOutcome) -> None:
        who = (
            {"service": outcome.name}
            if outcome.kind == "service"
            else {"stage": outcome.stage, "step": outcome.name}
        )
        self._emit(
            "step_finished",
            **who,
            status=outcome.status.value,
            exit_code=outcome.exit_code,
            reason=outcome.reason,
            duration=outcome.duration,
        )

    def stage_finished(self, outcome: StageOutcome) -> None:
        self._emit("stage_finished", stage=outcome.name, status=outcome.status.value)

    def notice(self, event: str, **fields: str) -> None:
        if event.startswith("artifacts"):  # about a step: an event of the run, on stdout
            about: dict[str, Any] = {k: v for k, v in fields.items() if k != "where"}
            about["stage"] = about.get("stage") or None
            self._emit(event, **about)
            return
        log.get().info(event, **fields)

    def masked_outputs(self, values: Sequence[str]) -> None:
        pass

    def build_finished(self, outcome: RunOutcome) -> None:
        total = (outcome.finished_at - outcome.started_at).total_seconds()
        self._emit(
            "build_finished",
            status=outcome.status.value,
            exit_code=int(outcome.exit_code),
            duration=total,
            error=outcome.error,
        )
