"""The loaded pipeline: frozen, typed dataclasses that keep each node's position.

This is the shape of a Vela ``version: "1"`` file after parsing, before any compile step: no
environment merged, no substitution, no ruleset applied. Fields keep Vela's key names (``if_``,
``unless``, ``continue_`` where Python reserves the word). ``key_pos`` maps each key written in
the file to the position of its value, so later phases can point at the exact spot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from velarun.diagnostics import START, Pos

RULE_KEYS: tuple[str, ...] = (
    "branch",
    "comment",
    "event",
    "path",
    "repo",
    "sender",
    "status",
    "tag",
    "target",
    "label",
    "instance",
)
"""Rule types in the order Vela's matcher evaluates them."""

PULL_POLICIES: tuple[str, ...] = ("always", "not_present", "on_start", "never")

KeyPos = Mapping[str, Pos]


def _no_pos() -> dict[str, Pos]:
    return {}


@dataclass(frozen=True, slots=True)
class Rules:
    """One ``if:`` or ``unless:`` block. Empty tuples mean "rule not written"."""

    branch: tuple[str, ...] = ()
    comment: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    repo: tuple[str, ...] = ()
    sender: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    instance: tuple[str, ...] = ()
    eval: str = ""
    matcher: str = "filepath"
    operator: str = "and"
    key_pos: KeyPos = field(default_factory=_no_pos)
    value_pos: Mapping[str, Pos] = field(default_factory=dict)
    """Where each rule value is first written in this block."""

    def values(self, key: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, key)
        return value

    def empty(self) -> bool:
        """Vela's ``Rules.Empty``: no rule type and no eval (matcher/operator do not count)."""
        return not (
            self.eval
            or self.branch
            or self.comment
            or self.event
            or self.path
            or self.repo
            or self.sender
            or self.status
            or self.tag
            or self.target
            or self.label
            or self.instance
        )  # every one of RULE_KEYS (test_model checks the list), without a lookup by name

    def all_values(self) -> tuple[tuple[str, ...], ...]:
        """Each rule type's values in RULE_KEYS order (empty when not written), read without a
        lookup by name: ``zip(RULE_KEYS, rules.all_values())``."""
        return (
            self.branch,
            self.comment,
            self.event,
            self.path,
            self.repo,
            self.sender,
            self.status,
            self.tag,
            self.target,
            self.label,
            self.instance,
        )

    def written(self) -> dict[str, tuple[str, ...]]:
        return {k: v for k, v in zip(RULE_KEYS, self.all_values(), strict=True) if v}


@dataclass(frozen=True, slots=True)
class Ruleset:
    if_: Rules = field(default_factory=Rules)
    unless: Rules = field(default_factory=Rules)
    continue_: bool = False
    pos: Pos | None = None

    def empty(self) -> bool:
        return self.if_.empty() and self.unless.empty()

    def has_status(self) -> bool:
        return bool(self.if_.status or self.unless.status)


@dataclass(frozen=True, slots=True)
class Ulimit:
    name: str
    soft: int
    hard: int


@dataclass(frozen=True, slots=True)
class Volume:
    source: str
    destination: str
    access_mode: str = "ro"


@dataclass(frozen=True, slots=True)
class StepSecret:
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class StepTemplate:
    name: str
    vars: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    image: str = ""
    pull: str = "not_present"
    commands: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    secrets: tuple[StepSecret, ...] = ()
    ruleset: Ruleset = field(default_factory=Ruleset)
    template: StepTemplate | None = None
    detach: bool = False
    privileged: bool = False
    user: str = ""
    ulimits: tuple[Ulimit, ...] = ()
    volumes: tuple[Volume, ...] = ()
    report_as: str = ""
    artifacts: tuple[str, ...] = ()
    """``artifacts: {paths: [...]}``: workspace files the worker keeps after the step."""
    pos: Pos = START
    key_pos: KeyPos = field(default_factory=_no_pos)
    text_pos: Mapping[str, Pos] = field(default_factory=dict)
    """Where each string that substitution reads (one with `$` or a backslash) is first
    written in this step, so an error can point at it."""
    origin: str = ""
    """For a step a template produced: which template, from where, for which step."""


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    image: str = ""
    pull: str = "not_present"
    entrypoint: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[str, ...] = ()
    ulimits: tuple[Ulimit, ...] = ()
    user: str = ""
    ruleset: Ruleset = field(default_factory=Ruleset)
    pos: Pos = START
    key_pos: KeyPos = field(default_factory=_no_pos)
    text_pos: Mapping[str, Pos] = field(default_factory=dict)
    """Where each string that substitution reads (one with `$` or a backslash) is first
    written in this service, so an error can point at it."""


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    key: str
    """The map key; differs from ``name`` when ``name:`` renames the stage."""
    needs: tuple[str, ...] = ()
    need_pos: Mapping[str, Pos] = field(default_factory=dict)
    """Where each of ``needs`` is first written."""
    independent: bool = False
    environment: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    pos: Pos = START
    key_pos: KeyPos = field(default_factory=_no_pos)
    text_pos: Mapping[str, Pos] = field(default_factory=dict)
    """Where each string that substitution reads (one with `$` or a backslash) is first
    written in this stage's environment, so an error can point at it."""


@dataclass(frozen=True, slots=True)
class SecretOrigin:
    name: str
    image: str = ""
    pull: str = "not_present"
    environment: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    secrets: tuple[StepSecret, ...] = ()
    ruleset: Ruleset = field(default_factory=Ruleset)
    pos: Pos = START


@dataclass(frozen=True, slots=True)
class Secret:
    name: str = ""
    key: str = ""
    engine: str = "native"
    type: str = "repo"
    pull: str = "build_start"
    origin: SecretOrigin | None = None
    pos: Pos = START


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    source: str = ""
    format: str = "go"
    type: str = ""
    vars: Mapping[str, Any] = field(default_factory=dict)
    pos: Pos = START


@dataclass(frozen=True, slots=True)
class Metadata:
    template: bool = False
    clone: bool = True
    environment: tuple[str, ...] = ("steps", "services", "secrets")
    render_inline: bool = False
    auto_cancel: Mapping[str, bool] = field(default_factory=dict)
    render_inline_pos: Pos | None = None
    """Where `render_inline` is written, when it is."""


@dataclass(frozen=True, slots=True)
class Pipeline:
    path: str
    version: str
    metadata: Metadata = field(default_factory=Metadata)
    environment: Mapping[str, str] = field(default_factory=dict)
    worker: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[Secret, ...] = ()
    services: tuple[Service, ...] = ()
    stages: tuple[Stage, ...] = ()
    steps: tuple[Step, ...] = ()
    templates: tuple[Template, ...] = ()
    deployment: Mapping[str, Any] = field(default_factory=dict)
    git: Mapping[str, Any] = field(default_factory=dict)
    key_pos: KeyPos = field(default_factory=_no_pos)
    text_pos: Mapping[str, Pos] = field(default_factory=dict)
    """Where each string that substitution reads (one with `$` or a backslash) is first
    written in this pipeline's environment, so an error can point at it."""

    @property
    def is_stages(self) -> bool:
        return bool(self.stages)

    def all_steps(self) -> tuple[Step, ...]:
        if self.stages:
            return tuple(step for stage in self.stages for step in stage.steps)
        return self.steps

    def rulesets(self) -> list[tuple[Ruleset, str]]:
        """Every step's and service's ruleset, with what it belongs to (``step `x```)."""
        return [(s.ruleset, f"step `{s.name}`") for s in self.all_steps()] + [
            (s.ruleset, f"service `{s.name}`") for s in self.services
        ]
