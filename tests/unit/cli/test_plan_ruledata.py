"""`label`, `sender` and `instance` rules in `velarun plan` (and one `exec`): the flags, their `VELA_*`
variables, the rule-data header with sources, and `--explain` showing the data matched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime.fake import FakeRuntime

runner = CliRunner()

PIPELINE = """version: "1"
steps:
  - {name: always, image: alpine, commands: [echo]}
  - {name: docs, image: alpine, ruleset: {label: [documentation, good first issue]}, commands: [echo]}
  - {name: bot, image: alpine, ruleset: {unless: {sender: ["renovate*", "dependabot*"]}}, commands: [echo]}
  - {name: prod, image: alpine, ruleset: {instance: ["https://vela.prod.*"]}, commands: [echo]}
"""


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("VELA_LABEL", "VELA_SENDER", "VELA_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / ".vela.yml"
    path.write_text(PIPELINE)
    return path


def planned(path: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = runner.invoke(app, ["plan", str(path), "--format", "json", *args], env=env)
    assert result.exit_code == 0, result.stderr
    return [s["name"] for s in json.loads(result.stdout)["steps"]]


@pytest.mark.parametrize(
    ("args", "env", "steps"),
    [
        ((), None, ["always", "bot"]),
        (("--label", "bug", "--label", "documentation"), None, ["always", "docs", "bot"]),
        (("--label", "bug,documentation"), None, ["always", "docs", "bot"]),
        ((), {"VELA_LABEL": "documentation"}, ["always", "docs", "bot"]),
        ((), {"VELA_LABEL": "bug, good first issue"}, ["always", "docs", "bot"]),
        ((), {"VELA_LABEL": "good first"}, ["always", "bot"]),
        (("--label", "good first issue"), None, ["always", "docs", "bot"]),
        (("--sender", "renovate[bot]"), None, ["always"]),
        ((), {"VELA_SENDER": "dependabot[bot]"}, ["always"]),
        (("--sender", "octocat"), None, ["always", "bot"]),
        (("--instance", "https://vela.prod.example.com"), None, ["always", "bot", "prod"]),
        ((), {"VELA_INSTANCE": "https://vela.prod.example.com"}, ["always", "bot", "prod"]),
        (("--instance", "https://vela.staging.example.com"), None, ["always", "bot"]),
    ],
)
def test_label_sender_and_instance_rules_select_steps(
    pipeline: Path, args: tuple[str, ...], env: dict[str, str] | None, steps: list[str]
) -> None:
    assert planned(pipeline, *args, env=env) == steps


def test_the_header_says_each_datum_and_where_it_came_from(pipeline: Path) -> None:
    result = runner.invoke(
        app,
        ["plan", str(pipeline), "--label", "bug,documentation", "--sender", "octocat"],
        env={"VELA_INSTANCE": "https://vela.prod.example.com"},
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:11] == [
        "rule data: event   push  (default)",
        "rule data: branch  main  (default)",
        "rule data: tag     refs/heads/main  (ref of the push event)",
        "rule data: repo    localOrg/localRepo  (default)",
        "rule data: commit  (none)  (default)",
        "rule data: author  (none)  (default)",
        "rule data: paths   (none)  (default)",
        "rule data: sender  octocat  (flag)",
        "rule data: labels  bug, documentation  (flag)",
        "rule data: instance https://vela.prod.example.com  (env)",
    ]


def test_the_plan_json_carries_the_new_data(pipeline: Path) -> None:
    result = runner.invoke(
        app,
        ["plan", str(pipeline), "--format", "json", "--label", "a", "--sender", "me"],
    )
    data = json.loads(result.stdout)["ruledata"]
    assert (data["labels"], data["sender"], data["instance"]) == (["a"], "me", "")


def test_explain_shows_the_labels_matched(pipeline: Path) -> None:
    result = runner.invoke(app, ["plan", str(pipeline), "--label", "bug", "--explain", "docs"])
    assert result.stdout == (
        "step `docs`: pruned\n"
        "  if (operator and, matcher filepath)\n"
        "    label    data `bug`  vs  `documentation`, `good first issue`  ->  no match\n"
        "  verdict: pruned, label `bug` does not match any of `documentation`, `good first issue`\n"
    )
    result = runner.invoke(app, ["plan", str(pipeline), "--explain", "docs"])
    assert result.stdout == (
        "step `docs`: pruned\n"
        "  if (operator and, matcher filepath)\n"
        "    label    data (no data)  vs  `documentation`, `good first issue`  ->  no match\n"
        "  verdict: pruned, no labels given, so label any of `documentation`, `good first issue`"
        " cannot match\n"
    )


def test_explain_shows_the_sender_and_instance_matched(pipeline: Path) -> None:
    args = ["plan", str(pipeline), "--sender", "renovate[bot]", "--explain", "bot"]
    assert runner.invoke(app, args).stdout == (
        "step `bot`: pruned\n"
        "  unless (operator and, matcher filepath)\n"
        "    sender   data `renovate[bot]`  vs  `renovate*`, `dependabot*`  ->  match\n"
        "  verdict: pruned, unless: sender `renovate[bot]` matches `renovate*`\n"
    )
    args = ["plan", str(pipeline), "--instance", "https://vela.prod.example.com"]
    assert runner.invoke(app, [*args, "--explain", "prod"]).stdout == (
        "step `prod`: runs\n"
        "  if (operator and, matcher filepath)\n"
        "    instance data `https://vela.prod.example.com`  vs  `https://vela.prod.*`  ->  match\n"
    )


def test_exec_runs_what_the_labels_sender_and_instance_select(pipeline: Path) -> None:
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(FakeRuntime(run_id=run_id))
        return fakes[-1]

    args = ["exec", str(pipeline), "--label", "documentation", "--sender", "dependabot[bot]"]
    args += ["--instance", "https://vela.prod.example.com"]
    result = runner.invoke(app, args, obj=Deps(open_runtime))
    assert result.exit_code == 0, result.stderr
    assert fakes[0].started() == ["always", "docs", "prod"]
