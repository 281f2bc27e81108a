"""The run report JSON of DESIGN.md (``--report``), written atomically on every outcome.

Mask the outcome first (:func:`velarun.report.masking.mask_outcome`): this module writes what
it is given.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from velarun.schedule.outcome import RunOutcome, StepOutcome


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 UTC with milliseconds: ``2026-11-30T20:11:45.123Z``."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _step_json(step: StepOutcome) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": step.name,
        "status": step.status.value,
        "exit_code": step.exit_code,
        "reason": step.reason,
        "started_at": timestamp(step.started_at),
        "finished_at": timestamp(step.finished_at),
    }
    if step.artifacts is not None:  # a step with `artifacts:` that ran to its end
        out["artifacts"] = list(step.artifacts)
    return out


def report_json(
    outcome: RunOutcome,
    *,
    workspace: Mapping[str, Any] | None = None,
    ci_build: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """The run report contract; a steps pipeline's run under ``steps``, else ``stages``;
    ``workspace`` is what ``/vela/src`` held (absent when the run stopped before it was
    known); ``ci_build``, the verdict on a server build (``--build``), when there is one."""
    out: dict[str, Any] = {
        "status": outcome.status.value,
        "exit_code": int(outcome.exit_code),
        "started_at": timestamp(outcome.started_at),
        "finished_at": timestamp(outcome.finished_at),
    }
    if outcome.error:
        out["error"] = outcome.error
    if outcome.hint and outcome.code is not None:
        out["hint"] = outcome.hint
    if outcome.diagnostics:
        out["diagnostics"] = [dict(d) for d in outcome.diagnostics]
    if outcome.implicit:
        out["steps"] = [_step_json(s) for s in outcome.all_steps()]
    else:
        out["stages"] = [
            {
                "name": st.name,
                "status": st.status.value,
                "started_at": timestamp(st.started_at),
                "finished_at": timestamp(st.finished_at),
                "steps": [_step_json(s) for s in st.steps],
            }
            for st in outcome.stages
        ]
    out["services"] = [_step_json(s) for s in outcome.services]
    if workspace is not None:
        out["workspace"] = dict(workspace)
    if ci_build is not None:
        out["ci_build"] = dict(ci_build)
    return out


def cannot_write(path: Path) -> str | None:
    """Why ``path`` cannot be written the way the results are (a temporary file beside it,
    then a rename), or None. Checked before a run, so a typo costs nothing."""
    if path.is_dir():
        return f"`{path}` is a directory"
    parent = path.resolve().parent
    if parent.exists() and not parent.is_dir():
        return f"`{parent}` is not a directory"
    if not parent.is_dir():
        return f"the directory `{parent}` does not exist"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".velarun-check-", dir=parent)
    except OSError as exc:
        return f"cannot create a file in `{parent}`: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(tmp)
    return None


def write_atomically(path: Path, write: Callable[[BinaryIO], None], prefix: str) -> None:
    """``write`` into a temporary file beside ``path``, then rename: a reader never sees half
    a file, and a failure leaves nothing behind."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(
    path: Path,
    outcome: RunOutcome,
    *,
    workspace: Mapping[str, Any] | None = None,
    ci_build: Mapping[str, object] | None = None,
) -> None:
    report = report_json(outcome, workspace=workspace, ci_build=ci_build)
    data = (json.dumps(report, indent=2) + "\n").encode()

    def write(f: BinaryIO) -> None:
        f.write(data)

    write_atomically(path, write, ".velarun-report-")
