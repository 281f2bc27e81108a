"""`eval` rules end to end: `plan` (text, JSON, --explain) and `validate` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app

runner = CliRunner()

PIPELINE = """\
version: "1"
environment:
  DEPLOY_TO: staging
stages:
  build:
    steps:
      - name: compile
        image: alpine
        commands: [make]
        ruleset:
          eval: VELA_BUILD_EVENT in ["push", "tag"] && VELA_BUILD_BRANCH matches "^(main|release/.*)$"
  deploy:
    needs: [build]
    environment:
      REGION: eu
    steps:
      - name: prod
        image: alpine
        commands: [deploy]
        ruleset:
          if:
            branch: main
            eval: DEPLOY_TO == "prod" && REGION == "eu"
      - name: staging
        image: alpine
        commands: [deploy]
        ruleset:
          unless:
            eval: DEPLOY_TO != "staging"
"""
COMPILE_EVAL = (
    'VELA_BUILD_EVENT in ["push", "tag"] && VELA_BUILD_BRANCH matches "^(main|release/.*)$"'
)


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    f = tmp_path / "p.yml"
    f.write_text(PIPELINE)
    return f


def plan(path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["plan", str(path), "--no-git", *args])
    return result.exit_code, result.stdout


def test_eval_reads_the_step_environment_stage_and_global_included(pipeline: Path) -> None:
    code, out = plan(pipeline, "--event", "push", "--branch", "main")
    assert code == 0
    assert out.split("\n\n", 1)[1] == (
        "wave 1\n"
        "  stage build\n"
        "    step compile  (alpine)\n"
        "wave 2\n"
        "  stage deploy  (needs build)\n"
        "    step staging  (alpine)\n"
        '    step prod: pruned, eval `DEPLOY_TO == "prod" && REGION == "eu"` is false\n'
        "\n"
        "2 stages, 2 steps will run; pruned: 1 step\n"
    )


def test_env_flag_changes_what_eval_sees(pipeline: Path) -> None:
    code, out = plan(pipeline, "--event", "push", "--branch", "main", "--env", "DEPLOY_TO=prod")
    assert code == 0
    assert out.split("wave 2\n", 1)[1] == (
        "  stage deploy  (needs build)\n"
        "    step prod  (alpine)\n"
        '    step staging: pruned, unless: eval `DEPLOY_TO != "staging"` is true\n'
        "\n"
        "2 stages, 2 steps will run; pruned: 1 step\n"
    )


def test_a_false_eval_prunes_a_whole_stage(pipeline: Path) -> None:
    code, out = plan(pipeline, "--event", "pull_request", "--branch", "main")
    assert code == 0
    assert f"    step compile: pruned, eval `{COMPILE_EVAL}` is false\n" in out
    assert "  stage build: pruned, every step was pruned\n" in out


def test_json_keeps_eval_in_the_ruleset_and_says_why(pipeline: Path) -> None:
    code, out = plan(
        pipeline, "--event", "tag", "--tag", "v1", "--branch", "main", "--format", "json"
    )
    assert code == 0, out
    doc = json.loads(out)
    compile_step = doc["stages"][0]["steps"][0]
    assert compile_step["ruleset"] == {
        "if": {"eval": COMPILE_EVAL, "matcher": "filepath", "operator": "and"}
    }
    assert doc["pruned"]["steps"] == [
        {
            "stage": "deploy",
            "name": "prod",
            "reason": 'eval `DEPLOY_TO == "prod" && REGION == "eu"` is false',
        }
    ]


def test_explain_shows_the_expression_and_its_value(pipeline: Path) -> None:
    code, out = plan(pipeline, "--event", "push", "--branch", "main", "--explain", "prod")
    assert code == 0
    assert out == (
        "step `prod` in stage `deploy`: pruned\n"
        "  if (operator and, matcher filepath)\n"
        '    eval     `DEPLOY_TO == "prod" && REGION == "eu"`  ->  false\n'
        "    not evaluated (decided earlier): branch\n"
        '  verdict: pruned, eval `DEPLOY_TO == "prod" && REGION == "eu"` is false\n'
    )
    code, out = plan(pipeline, "--event", "push", "--branch", "main", "--explain", "staging")
    assert out == (
        "step `staging` in stage `deploy`: runs\n"
        "  unless (operator and, matcher filepath)\n"
        '    eval     `DEPLOY_TO != "staging"`  ->  false\n'
    )


BROKEN = """\
version: "1"
steps:
  - name: a
    image: alpine
    commands: [echo]
    ruleset:
      if: {branch: main, eval: 'VELA_BUILD_EVENT == "push" &&'}
  - name: b
    image: alpine
    commands: [echo]
    ruleset:
      unless:
        eval: lower(VELA_BUILD_EVENT)
  - name: c
    image: alpine
    commands: [echo]
    ruleset:
      eval: VELA_BUILD_BRANCH > ${LIMIT}
"""
HINT = (
    "  hint: `eval` is an expr-lang expression over the step's environment, whose variables"
    " are all strings; it must give a bool\n"
)


def test_validate_reports_what_no_environment_can_fix(tmp_path: Path) -> None:
    f = tmp_path / "p.yml"
    f.write_text(BROKEN)
    result = runner.invoke(app, ["validate", str(f)])
    assert result.exit_code == 2
    assert result.stdout.replace(str(tmp_path) + "/", "") == (
        "p.yml:7:32: error: step `a`: failed to compile eval of `VELA_BUILD_EVENT =="
        ' "push" &&`: unexpected token EOF (1:29)\n' + HINT + "p.yml:13:15: error: step `b`:"
        " failed to compile eval of `lower(VELA_BUILD_EVENT)`: expected bool, but got string\n"
        + HINT
        + "2 errors, 0 warnings\n"
    )


def test_plan_reports_the_types_the_environment_gives(tmp_path: Path) -> None:
    f = tmp_path / "p.yml"
    f.write_text(
        BROKEN.replace("'VELA_BUILD_EVENT == \"push\" &&'", "'true'").replace(
            "lower(VELA_BUILD_EVENT)", "false"
        )
    )
    result = runner.invoke(app, ["plan", str(f), "--no-git", "--env", "LIMIT=5"])
    assert result.exit_code == 2
    assert result.stderr.replace(str(tmp_path) + "/", "") == (
        "p.yml:18:13: error: step `c`: failed to compile eval of `VELA_BUILD_BRANCH > 5`:"
        " invalid operation: > (mismatched types string and int) (1:19)\n"
        + HINT
        + "1 error, 0 warnings\n"
    )
