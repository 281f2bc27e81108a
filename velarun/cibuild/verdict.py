"""CI's steps beside the local run's, and the verdict: was CI's failure reproduced here?

Pure. Steps are matched by stage and name as the server names them (the stage is empty in a
steps pipeline); the server's injected ``init`` and ``clone`` steps (images such as
``#init``) are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from velarun.cibuild.build import CIBuild, CIStep

FAILED = frozenset({"failure", "error"})
INJECTED = frozenset({"init", "clone"})

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not_reproduced"
NEW_FAILURE = "new_failure"
SAME = "same"
CI_ONLY = "ci_only"
LOCAL_ONLY = "local_only"


@dataclass(frozen=True, slots=True)
class LocalStep:
    stage: str | None
    """None in a steps pipeline."""
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class StepVerdict:
    stage: str | None
    name: str
    ci_status: str | None
    local_status: str | None
    verdict: str

    @property
    def label(self) -> str:
        return f"{self.stage}/{self.name}" if self.stage else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "name": self.name,
            "ci_status": self.ci_status,
            "local_status": self.local_status,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    build: str
    """``octo/app#42``."""
    status: str
    """The CI build's status."""
    verdict: str
    steps: tuple[StepVerdict, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "build": self.build,
            "status": self.status,
            "verdict": self.verdict,
            "steps": [s.to_json() for s in self.steps],
        }


def step_verdict(ci_status: str | None, local_status: str | None) -> str:
    """One step's verdict; None: the step does not exist on that side."""
    if ci_status is None:
        return LOCAL_ONLY
    if local_status is None:
        return CI_ONLY
    here = local_status in FAILED
    if ci_status in FAILED:
        return REPRODUCED if here else NOT_REPRODUCED
    return NEW_FAILURE if here else SAME


def injected(step: CIStep) -> bool:
    """A step the server adds to every build (``init``, ``clone``), not one of the pipeline."""
    if step.image.startswith("#") or step.name.startswith("#"):
        return True
    return step.name in INJECTED and step.stage in ("", step.name)


def compare(build: CIBuild, ci_steps: Iterable[CIStep], local: Iterable[LocalStep]) -> Comparison:
    """CI's steps (in the server's order) beside the local ones, then the steps only run here.
    The build is ``reproduced`` when every step that failed in CI failed here too."""
    here = {(s.stage or "", s.name): s for s in local}
    rows: list[StepVerdict] = []
    seen: set[tuple[str, str]] = set()
    for ci in ci_steps:
        key = (ci.stage, ci.name)
        if injected(ci) or key in seen:
            continue
        seen.add(key)
        mine = here.get(key)
        status = mine.status if mine is not None else None
        stage = ci.stage or (mine.stage if mine is not None else None) or None
        rows.append(StepVerdict(stage, ci.name, ci.status, status, step_verdict(ci.status, status)))
    for key, mine in here.items():
        if key not in seen:
            rows.append(StepVerdict(mine.stage, mine.name, None, mine.status, LOCAL_ONLY))
    failed_in_ci = [r for r in rows if r.ci_status in FAILED]
    ok = all(r.verdict == REPRODUCED for r in failed_in_ci)
    return Comparison(
        build.ref.label, build.status, REPRODUCED if ok else NOT_REPRODUCED, tuple(rows)
    )


def _names(rows: list[StepVerdict]) -> str:
    return ", ".join(r.label for r in rows)


def summary(c: Comparison) -> str:
    """The one line that ends the comparison."""
    failed = [r for r in c.steps if r.ci_status in FAILED]
    missed = [r for r in failed if r.verdict != REPRODUCED]
    new = [r for r in c.steps if r.verdict == NEW_FAILURE]
    also = f"; {len(new)} new failure{'s' if len(new) != 1 else ''} here: {_names(new)}"
    also = also if new else ""
    if not failed:
        return f"verdict: nothing to reproduce: no step failed in CI build {c.build}{also}"
    if missed:
        return (
            f"verdict: not reproduced: {len(missed)} of {len(failed)} step"
            f"{'s' if len(failed) != 1 else ''} that failed in CI did not fail here:"
            f" {_names(missed)}{also}"
        )
    return f"verdict: reproduced: {_names(failed)} failed in CI build {c.build} and here{also}"


def verdict_lines(c: Comparison) -> list[str]:
    """The table (CI status beside local status) and the summary, for stderr."""
    width = max([len("step"), *(len(r.label) for r in c.steps)])
    lines = [
        f"CI build {c.build}: {c.status or 'unknown'}",
        f"  {'step':<{width}}  {'CI':<9} {'here':<9} verdict",
    ]
    for r in c.steps:
        ci, mine = r.ci_status or "-", r.local_status or "-"
        lines.append(f"  {r.label:<{width}}  {ci:<9} {mine:<9} {r.verdict}")
    return [*lines, summary(c)]
