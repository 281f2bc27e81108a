"""Golden plans: `velarun plan` JSON and text for each fixture under several rule-data contexts.

The golden files in tests/golden/plan/ were reviewed by hand; `pytest --update-golden` rewrites
them, and the diff must be reviewed again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.clirunner import CliRunner
from tests.conftest import FIXTURES
from velarun.cli import app

runner = CliRunner()

CONTEXTS: list[tuple[str, str, list[str]]] = [
    ("seed/stage-rulesets.vela.yml", "push-issue-123", ["--branch", "issue-123"]),
    ("seed/stage-rulesets.vela.yml", "push-main", ["--branch", "main"]),
    ("seed/stage-needs.vela.yml", "push-main", ["--branch", "main"]),
    ("seed/stage-needs.vela.yml", "push-not-main", ["--branch", "not-main"]),
    (
        "seed/stage-independent.vela.yml",
        "backend-change",
        ["--file-changeset", "org/repo/back-end/main.go"],
    ),
    ("seed/stage-independent.vela.yml", "no-changes", []),
    ("compile/kitchen-sink.vela.yml", "push-main", ["--branch", "main", "--repo", "octo/app"]),
    (
        "compile/kitchen-sink.vela.yml",
        "pr-docs",
        ["--event", "pull_request", "--file-changeset", "docs/a.md,README.md"],
    ),
    (
        "compile/kitchen-sink.vela.yml",
        "tag",
        ["--event", "tag", "--tag", "v1.0.0", "--branch", "main"],
    ),
]


def plan(fixture: str, args: list[str], fmt: str = "json") -> str:
    result = runner.invoke(app, ["plan", str(FIXTURES / fixture), "--format", fmt, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("fixture", "context", "args"),
    CONTEXTS,
    ids=[f"{f.split('/')[-1]}-{c}" for f, c, _ in CONTEXTS],
)
def test_golden_plans(
    fixture: str, context: str, args: list[str], golden: Callable[[str, str], None]
) -> None:
    stem = fixture.split("/")[-1].removesuffix(".vela.yml")
    golden(f"plan/{stem}.{context}.json", plan(fixture, args))
    text = plan(fixture, args, "text").replace(str(FIXTURES), "fixtures")
    golden(f"plan/{stem}.{context}.txt", text)


def load_plan(fixture: str, args: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(plan(fixture, args))
    return out


def test_seed_claim_deploy_vanishes_and_notify_waits_only_on_build() -> None:
    p = load_plan("seed/stage-rulesets.vela.yml", ["--event", "push", "--branch", "issue-123"])
    assert [(s["name"], s["needs"]) for s in p["stages"]] == [("build", []), ("notify", ["build"])]
    assert p["pruned"]["stages"] == [{"name": "deploy", "reason": "every step was pruned"}]
    assert p["dropped_needs"] == [{"stage": "notify", "need": "deploy"}]


def test_seed_claim_y_stage_no_longer_waits_on_a_push_to_main() -> None:
    p = load_plan("seed/stage-needs.vela.yml", ["--event", "push", "--branch", "main"])
    needs = {s["name"]: s["needs"] for s in p["stages"]}
    assert needs == {
        "run-first": [],
        "runtime-ruleset-stage": ["run-first"],
        "x-stage": ["runtime-ruleset-stage"],
        "y-stage": [],
    }
    assert p["dropped_needs"] == [
        {"stage": "x-stage", "need": "compile-time-ruleset-stage"},
        {"stage": "y-stage", "need": "compile-time-ruleset-stage"},
    ]
