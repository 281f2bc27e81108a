"""Step secrets: resolved before anything starts, and masked in everything velarun prints.

A step's ``secrets: [docker_password]`` (source ``docker_password``, target
``DOCKER_PASSWORD``) takes its value from ``--secret NAME=VALUE`` or ``--secret-file``, by
source or target name, and from the host environment (by target) only with ``--local-env``.
Values never go to disk: they reach containers through the Docker API only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from velarun.compile.plan import Plan
from velarun.inputs import HostInputs

MASK = "***"


@dataclass(frozen=True, slots=True)
class MissingSecret:
    name: str
    target: str
    steps: tuple[str, ...]


def resolve_secrets(
    plan: Plan, host: HostInputs
) -> tuple[dict[str, dict[str, str]], list[MissingSecret]]:
    """(per step label: {TARGET: value}, the missing secrets with the steps needing them)."""
    per_step: dict[str, dict[str, str]] = {}
    missing: dict[tuple[str, str], list[str]] = {}
    for step in plan.all_steps():
        for secret in step.secrets:
            value = host.secrets.get(secret.source)
            if value is None:
                value = host.secrets.get(secret.target)
            if value is None and host.local_env:
                value = host.host.get(secret.target)
            if value is None:
                missing.setdefault((secret.source, secret.target), []).append(step.label)
                continue
            per_step.setdefault(step.label, {})[secret.target] = value
    return per_step, [MissingSecret(n, t, tuple(s)) for (n, t), s in missing.items()]


def describe_missing(missing: list[MissingSecret]) -> str:
    lines = ["secrets are missing; nothing was started:"]
    for m in missing:
        lines.append(f"  secret `{m.name}` (env {m.target}) needed by step {', '.join(m.steps)}")
    lines.append(
        "  hint: pass --secret NAME=VALUE or --secret-file FILE, or export the variable"
        " and use --local-env"
    )
    return "\n".join(lines)


class Masker:
    """Replaces every known secret value (and each line of a multi-line one) with ``***``."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        pieces = {value, *value.splitlines()}
        fresh = {p.strip("\r") for p in pieces if p.strip()} - self._values
        if fresh:
            self._values |= fresh
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    @property
    def empty(self) -> bool:
        """Nothing to mask yet."""
        return self._pattern is None

    def mask(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def mask_json(self, value: object) -> object:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, list):
            return [self.mask_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.mask_json(v) for k, v in value.items()}
        return value


def all_values(per_step: Mapping[str, Mapping[str, str]]) -> list[str]:
    return [v for env in per_step.values() for v in env.values()]
