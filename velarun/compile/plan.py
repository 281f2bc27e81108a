"""The Plan: the frozen, JSON-serialisable result of compiling, with no runtime state.

``Plan.to_json()`` is the contract of ``velarun plan --format json`` (DESIGN.md "Contracts").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from velarun.compile.ruledata import RuleData
from velarun.compile.rules import RuleCheck
from velarun.diagnostics import Diagnostic, Pos
from velarun.load.model import Rules, Ruleset, StepSecret, Ulimit, Volume


@dataclass(frozen=True, slots=True)
class PlannedStep:
    name: str
    stage: str | None
    image: str
    pull: str
    commands: tuple[str, ...]
    entrypoint: tuple[str, ...]
    environment: Mapping[str, str]
    ruleset: Ruleset
    detach: bool = False
    privileged: bool = False
    user: str = ""
    ulimits: tuple[Ulimit, ...] = ()
    volumes: tuple[Volume, ...] = ()
    secrets: tuple[StepSecret, ...] = ()
    number: int = 0
    """1..N across the whole pipeline after pruning, as the server numbers steps."""
    runtime_note: str = ""
    """Set when a ``status`` rule is decided at run time."""
    checks: tuple[RuleCheck, ...] = ()
    """The rule checks that kept the step (for ``plan --explain``)."""
    pos: Pos = field(default_factory=lambda: Pos(1, 1))
    origin: str = ""
    """For a step a template produced: which template, from where, for which step."""
    artifacts: tuple[str, ...] = ()
    """``artifacts.paths``: workspace files kept after the step (the worker's ``find``)."""

    @property
    def continue_(self) -> bool:
        return self.ruleset.continue_

    @property
    def label(self) -> str:
        return f"{self.stage}/{self.name}" if self.stage is not None else self.name

    def to_json(self, share: Shared | None = None) -> dict[str, Any]:
        out = {
            "name": self.name,
            "image": self.image,
            "pull": self.pull,
            "commands": list(self.commands),
            "entrypoint": list(self.entrypoint),
            "environment": share.env(self.environment)
            if share
            else dict(sorted(self.environment.items())),
            "ruleset": share.ruleset(self.ruleset) if share else ruleset_json(self.ruleset),
            "detach": self.detach,
        }
        if self.artifacts:  # the server's pipeline carries them (omitted when empty, as there)
            out["artifacts"] = {"paths": list(self.artifacts)}
        return out


@dataclass(frozen=True, slots=True)
class PlannedStage:
    name: str
    needs: tuple[str, ...]
    """Only stages present in the plan."""
    independent: bool
    steps: tuple[PlannedStep, ...]
    pos: Pos = field(default_factory=lambda: Pos(1, 1))
    implicit: bool = False
    """The one stage that holds a steps pipeline's steps (their ``stage`` is None)."""

    def to_json(self, share: Shared | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "needs": list(self.needs),
            "independent": self.independent,
            "steps": [s.to_json(share) for s in self.steps],
        }


@dataclass(frozen=True, slots=True)
class PlannedService:
    name: str
    image: str
    pull: str
    entrypoint: tuple[str, ...]
    environment: Mapping[str, str]
    ports: tuple[str, ...] = ()
    ulimits: tuple[Ulimit, ...] = ()
    user: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "image": self.image,
            "pull": self.pull,
            "entrypoint": list(self.entrypoint),
            "environment": dict(sorted(self.environment.items())),
            "ports": list(self.ports),
        }


@dataclass(frozen=True, slots=True)
class Pruned:
    """A step, service or stage removed at compile time, and why."""

    kind: str
    """``step``, ``service`` or ``stage``."""
    name: str
    stage: str | None
    reason: str
    checks: tuple[RuleCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class DroppedNeed:
    stage: str
    need: str
    pruned: bool
    """True: the needed stage existed and was pruned; False: it never existed."""


IMPLICIT_STAGE = "steps"
"""The name of a steps pipeline's one implicit stage (never shown as a stage)."""


def implicit_stage(steps: tuple[PlannedStep, ...]) -> PlannedStage:
    """A steps pipeline as the IR holds it: one stage, no needs, its steps with stage None."""
    return PlannedStage(IMPLICIT_STAGE, (), False, steps, implicit=True)


@dataclass(frozen=True, slots=True)
class Plan:
    """Stages in the file's order; a steps pipeline is one implicit stage
    (:func:`implicit_stage`), so only the JSON writer tells the two shapes apart."""

    ruledata: RuleData
    stages: tuple[PlannedStage, ...] = ()
    services: tuple[PlannedService, ...] = ()
    pruned: tuple[Pruned, ...] = ()
    dropped_needs: tuple[DroppedNeed, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def implicit(self) -> bool:
        """A steps pipeline (its steps in one implicit stage)."""
        return any(stage.implicit for stage in self.stages)

    def all_steps(self) -> tuple[PlannedStep, ...]:
        return tuple(step for stage in self.stages for step in stage.steps)

    def to_json(self, share: bool = False) -> dict[str, Any]:
        """The plan as JSON data. ``share``: what steps have in common is made once and given
        to each (see Shared): for a caller that only writes the data, never changes it."""
        shared = Shared() if share else None
        out: dict[str, Any] = {"ruledata": self.ruledata.to_json()}
        if self.implicit:
            out["steps"] = [s.to_json(shared) for s in self.all_steps()]
        else:
            out["stages"] = [s.to_json(shared) for s in self.stages]
        out["services"] = [s.to_json() for s in self.services]
        out["pruned"] = {
            "stages": [{"name": p.name, "reason": p.reason} for p in self.pruned_of("stage")],
            "steps": [
                {"stage": p.stage, "name": p.name, "reason": p.reason}
                for p in self.pruned_of("step")
            ],
        }
        if services := self.pruned_of("service"):
            out["pruned"]["services"] = [{"name": p.name, "reason": p.reason} for p in services]
        out["dropped_needs"] = [{"stage": d.stage, "need": d.need} for d in self.dropped_needs]
        out["diagnostics"] = [d.to_json() for d in self.diagnostics]
        return out

    def pruned_of(self, kind: str) -> tuple[Pruned, ...]:
        return tuple(p for p in self.pruned if p.kind == kind)


class Shared:
    """What steps have in common, made once for the plan's JSON and given to each: the
    sorted copy of an environment mapping (by identity: the compiler shares one between
    steps with none of their own) and the JSON of a ruleset (by what it is written from)."""

    __slots__ = ("envs", "rulesets")

    def __init__(self) -> None:
        self.envs: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}
        """A mapping's id -> the mapping (kept alive, so the id stays its own), its copy."""
        self.rulesets: dict[tuple[object, ...], dict[str, Any]] = {}

    def env(self, environment: Mapping[str, str]) -> dict[str, str]:
        seen = self.envs.get(id(environment))
        if seen is not None and seen[0] is environment:
            return seen[1]
        done = dict(sorted(environment.items()))
        self.envs[id(environment)] = (environment, done)
        return done

    def ruleset(self, ruleset: Ruleset) -> dict[str, Any]:
        if_, unless = ruleset.if_, ruleset.unless
        key = (
            if_.all_values(),
            if_.eval,
            if_.matcher,
            if_.operator,
            unless.all_values(),
            unless.eval,
            unless.matcher,
            unless.operator,
            ruleset.continue_,
        )  # everything ruleset_json reads
        done = self.rulesets.get(key)
        if done is None:
            done = self.rulesets[key] = ruleset_json(ruleset)
        return done


def rules_json(rules: Rules) -> dict[str, Any]:
    out: dict[str, Any] = {k: list(v) for k, v in rules.written().items()}
    if rules.eval:
        out["eval"] = rules.eval
    if out:
        out["matcher"] = rules.matcher
        out["operator"] = rules.operator
    return out


def ruleset_json(ruleset: Ruleset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not ruleset.if_.empty():
        out["if"] = rules_json(ruleset.if_)
    if not ruleset.unless.empty():
        out["unless"] = rules_json(ruleset.unless)
    if ruleset.continue_:
        out["continue"] = True
    return out
