"""The run report JSON of DESIGN.md (``--report``), written atomically on every outcome.

Mask the outcome first (:func:`velarun.report.masking.mask_outcome`): this module writes what
it is given.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from velarun.schedule.outcome import RunOutcome, StageOutcome, StepOutcome

LOG_TAIL_LINES = 1000
"""At most this many of a step's last log lines are kept in the report (``log``)."""
LOG_TAIL_CHARS = 64_000
"""... and at most this many characters of them (one newline counted per line)..."""
LOG_TOTAL_CHARS = 1_000_000
"""... shared by all the steps that logged, so a run of hundreds of noisy steps keeps a report
(and a page) of a few megabytes at most ..."""
LOG_MIN_CHARS = 2_000
"""... but never fewer than this many per step."""


@dataclass(frozen=True, slots=True)
class RunDetails:
    """What the report holds beyond the outcome, for the HTML page (``velarun report``): all
    of it masked before it gets here. Each is a new optional field of the report JSON."""

    needs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Per stage, the stages it waited for (the plan's ``needs``): each stage's ``needs``."""
    detached: frozenset[str] = frozenset()
    """The labels (``stage/step``) of detached steps: their ``"detach": true``."""
    ruledata: Mapping[str, object] | None = None
    """The rule data the plan was compiled with: ``ruledata``."""
    logs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Per label (``stage/step``, a service's name), the tail of its output: ``log`` (its
    end, within ``LOG_TAIL_LINES`` and :func:`log_chars`)."""
    log_counts: Mapping[str, int] = field(default_factory=dict)
    """Per label, how many lines it wrote in all: ``log_omitted`` says how many are not kept."""
    pruned: Mapping[str, object] | None = None
    """What the rulesets removed before the run, as ``plan --format json`` says it: ``pruned``."""
    dropped_needs: Sequence[Mapping[str, str]] = ()
    """The ``needs`` edges pruning dropped, as ``plan --format json`` says them:
    ``dropped_needs``."""


def log_chars(logged: int) -> int:
    """The characters kept of each step's log when ``logged`` steps wrote some."""
    return min(LOG_TAIL_CHARS, max(LOG_MIN_CHARS, LOG_TOTAL_CHARS // max(logged, 1)))


def log_tail(
    lines: Sequence[str], total: int | None = None, chars: int = LOG_TAIL_CHARS
) -> tuple[list[str], int]:
    """The last lines within ``LOG_TAIL_LINES`` and ``chars`` (at least the last line, its end
    when it is longer than that), and how many earlier lines were left out of ``total``
    (default: ``len(lines)``)."""
    total = len(lines) if total is None else max(total, len(lines))
    kept: list[str] = []
    size = 0
    for line in reversed(lines[-LOG_TAIL_LINES:]):
        size += len(line) + 1
        if size > chars and kept:
            break
        kept.append(line if len(line) < chars else "[...] " + line[-chars:])
    kept.reverse()
    return kept, total - len(kept)


def _log_fields(label: str, details: RunDetails) -> dict[str, Any]:
    lines = details.logs.get(label)
    if not lines:
        return {}
    chars = log_chars(sum(1 for logged in details.logs.values() if logged))
    kept, omitted = log_tail(lines, details.log_counts.get(label), chars)
    out: dict[str, Any] = {"log": kept}
    if omitted:
        out["log_omitted"] = omitted
    return out


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 UTC with milliseconds: ``2026-11-30T20:11:45.123Z``."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _step_json(step: StepOutcome, details: RunDetails | None = None) -> dict[str, Any]:
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
    if details is not None:
        if step.label in details.detached:
            out["detach"] = True
        out.update(_log_fields(step.label, details))
    return out


def report_json(
    outcome: RunOutcome,
    *,
    workspace: Mapping[str, Any] | None = None,
    ci_build: Mapping[str, object] | None = None,
    details: RunDetails | None = None,
) -> dict[str, Any]:
    """The run report contract; a steps pipeline's run under ``steps``, else ``stages``;
    ``workspace`` is what ``/vela/src`` held (absent when the run stopped before it was
    known); ``ci_build``, the verdict on a server build (``--build``), when there is one;
    ``details``, the optional fields the HTML page reads (stage ``needs``, step ``detach``,
    ``log`` and ``log_omitted``, ``ruledata``)."""
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
        out["steps"] = [_step_json(s, details) for s in outcome.all_steps()]
    else:
        out["stages"] = [_stage_json(st, details) for st in outcome.stages]
    out["services"] = [_step_json(s, details) for s in outcome.services]
    if workspace is not None:
        out["workspace"] = dict(workspace)
    if ci_build is not None:
        out["ci_build"] = dict(ci_build)
    if details is not None:
        out.update(_plan_fields(details))
    return out


def _plan_fields(details: RunDetails) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if details.ruledata is not None:
        out["ruledata"] = dict(details.ruledata)
    if details.pruned is not None:
        out["pruned"] = dict(details.pruned)
        out["dropped_needs"] = [dict(d) for d in details.dropped_needs]
    return out


def _stage_json(stage: StageOutcome, details: RunDetails | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": stage.name,
        "status": stage.status.value,
        "started_at": timestamp(stage.started_at),
        "finished_at": timestamp(stage.finished_at),
    }
    if details is not None and stage.name in details.needs:
        out["needs"] = list(details.needs[stage.name])
    out["steps"] = [_step_json(s, details) for s in stage.steps]
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
    details: RunDetails | None = None,
) -> None:
    report = report_json(outcome, workspace=workspace, ci_build=ci_build, details=details)
    write_text(path, json.dumps(report, indent=2) + "\n", ".velarun-report-")


def write_text(path: Path, text: str, prefix: str) -> None:
    """``text`` written atomically (:func:`write_atomically`) as UTF-8."""
    data = text.encode()

    def write(f: BinaryIO) -> None:
        f.write(data)

    write_atomically(path, write, prefix)
