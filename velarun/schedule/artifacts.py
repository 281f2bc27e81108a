"""A step's artifacts kept after it has run: the files its ``artifacts.paths`` select in the
workspace (:mod:`velarun.artifacts`, the worker's rules), copied by the runtime to
``<run dir>/[<stage>/]<step>/`` under their workspace paths, and what is said about them.

As the worker: collected once the step's container has ended, whatever its exit code (not
for a step skipped, errored or killed by velarun); a path that matches nothing, or a copy that
fails, is said in a line and never fails the step or the build.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from velarun.artifacts import Budget, Picker, step_dir
from velarun.compile.plan import PlannedStep
from velarun.runtime import ContainerSpec, EngineError, Runtime
from velarun.schedule.reporter import Reporter


@dataclass(slots=True)
class ArtifactStore:
    """A run's artifacts directory (``.velarun/artifacts/<run-id>``, or ``<DIR>/<run-id>``
    with ``--artifacts-dir``) and the bytes kept so far (the worker's limit is per build)."""

    run_dir: str
    shown: str = ""
    """``run_dir`` as the console says it ("" : as it is)."""
    budget: Budget = field(default_factory=Budget)
    skip: str = ""
    """``run_dir``'s parent relative to the workspace, when inside it: never collected."""


@dataclass(frozen=True, slots=True)
class Kept:
    """What one step's artifacts came to."""

    stage: str | None
    step: str
    shown: str
    """The step's directory as the console says it, with a trailing ``/``."""
    files: tuple[str, ...] = ()
    """Host paths of the files copied."""
    unmatched: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    problem: str = ""
    """Why the copy failed (an engine or file error), or ""."""


def _who(kept: Kept) -> dict[str, str]:
    """The fields every notice carries: the step, and its log prefix (``where``)."""
    where = f"[step: {kept.step}]"
    if kept.stage is not None:
        where = f"[stage: {kept.stage}]{where}"
    return {"where": where, "stage": kept.stage or "", "step": kept.step}


async def collect(
    runtime: Runtime, store: ArtifactStore | None, step: PlannedStep, spec: ContainerSpec
) -> Kept | None:
    """Copy the step's artifacts out; None when it has none (or the run keeps none)."""
    if store is None or not step.artifacts:
        return None
    into = step_dir(store.run_dir, step.stage, step.name)
    shown = step_dir(store.shown or store.run_dir, step.stage, step.name) + "/"
    pick = Picker(step.artifacts, store.budget, skip=store.skip)
    problem = ""
    copied: list[str] = []
    try:
        copied = await runtime.copy_out(spec, pick, into)
    except EngineError as exc:
        problem = exc.message
    except OSError as exc:
        problem = f"{exc.strerror or exc} ({exc.filename or into})"
    return Kept(
        step.stage,
        step.name,
        shown,
        tuple(os.path.join(into, *rel.split("/")) for rel in copied),
        () if problem else tuple(pick.unmatched()),
        tuple(pick.skipped),
        problem,
    )


def _count(n: int) -> str:
    return "1 file" if n == 1 else f"{n} files"


def announce(reporter: Reporter, kept: Kept) -> None:
    """One line for what was kept, one for each path that matched nothing or file left out."""
    who = _who(kept)
    if kept.problem:
        reporter.notice("artifacts_failed", **who, error=kept.problem)
    if kept.files:
        reporter.notice("artifacts", **who, count=_count(len(kept.files)), dir=kept.shown)
    for path in kept.unmatched:
        reporter.notice("artifacts_missing", **who, path=path)
    for path, why in kept.skipped:
        reporter.notice("artifacts_skipped", **who, path=path, why=why)
