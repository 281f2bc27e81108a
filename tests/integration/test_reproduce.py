"""Reproducing CI on a laptop: rule data from real git repositories, secrets, host isolation,
choosing what runs, JSON lines and JUnit — on the real Docker Engine with the test image."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE, git

pytestmark = pytest.mark.docker
IMG = TEST_IMAGE


def run(
    cwd: Path, *args: str, extra_env: dict[str, str] | None = None, command: str = "exec"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VELARUN_NO_GIT"}
    env.update({"PYTHONPATH": str(ROOT), **(extra_env or {})})
    return subprocess.run(
        [sys.executable, "-m", "velarun", command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def make_repo(path: Path, pipeline: str) -> None:
    git(path, "init", "-q", "-b", "main")
    git(path, "remote", "add", "origin", "git@github.com:octo/app.git")
    (path / ".vela.yml").write_text(pipeline)
    (path / "README.md").write_text("hello\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first commit")
    git(path, "update-ref", "refs/remotes/origin/main", "HEAD")


DERIVED = f"""version: "1"
steps:
  - name: facts
    image: {IMG}
    pull: never
    commands:
      - echo "branch=$VELA_BUILD_BRANCH repo=$VELA_REPO_FULL_NAME"
      - echo "author=$VELA_BUILD_AUTHOR <$VELA_BUILD_AUTHOR_EMAIL>"
      - echo "commit=$VELA_BUILD_COMMIT"
      - echo "message=$VELA_BUILD_MESSAGE"
  - name: backend-changed
    image: {IMG}
    pull: never
    ruleset: {{path: ["src/*"]}}
    commands: [echo backend]
  - name: docs-changed
    image: {IMG}
    pull: never
    ruleset: {{path: ["docs/*"]}}
    commands: [echo docs]
  - name: on-tag
    image: {IMG}
    pull: never
    ruleset: {{event: tag, tag: "v*"}}
    commands: ["echo tag $VELA_BUILD_TAG"]
"""


def test_rule_data_derived_from_git_and_said_out_loud(workspace: Path) -> None:
    make_repo(workspace, DERIVED)
    git(workspace, "checkout", "-q", "-b", "feature-x")
    (workspace / "src").mkdir()
    (workspace / "src" / "main.go").write_text("package main\n")
    git(workspace, "add", "src")
    git(workspace, "commit", "-q", "-m", "add backend\n\nwith a body")
    commit = git(workspace, "rev-parse", "HEAD").strip()
    (workspace / "notes.txt").write_text("untracked\n")  # untracked, not ignored
    proc = run(workspace, "--report", "report.json")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.splitlines()
    assert "velarun: rule data: event   push  (default)" in err
    assert "velarun: rule data: branch  feature-x  (git)" in err
    assert "velarun: rule data: repo    octo/app  (git)" in err
    assert f"velarun: rule data: commit  {commit[:12]}  (git)" in err
    assert "velarun: rule data: author  Ada Lovelace <ada@example.com>  (git)" in err
    assert (
        "velarun: rule data: paths   3 files: src/main.go, notes.txt, report.json"
        "  (git: merge-base with origin/main + uncommitted + untracked)"
        in err
        or "velarun: rule data: paths   2 files: src/main.go, notes.txt"
        "  (git: merge-base with origin/main + uncommitted + untracked)"
        in err
    )
    out = proc.stdout.splitlines()
    assert "[step: facts] branch=feature-x repo=octo/app" in out
    assert "[step: facts] author=Ada Lovelace <ada@example.com>" in out
    assert f"[step: facts] commit={commit}" in out
    assert "[step: backend-changed] backend" in out
    assert "velarun: pruned step docs-changed: none of the 2 changed files matches `docs/*`" in err
    rep = json.loads((workspace / "report.json").read_text())
    assert [s["status"] for s in rep["steps"]] == ["success", "success"]


def test_flags_and_variables_win_over_git_and_tags_come_from_head(workspace: Path) -> None:
    make_repo(workspace, DERIVED)
    git(workspace, "tag", "v1.2.3")
    proc = run(
        workspace, "--event", "tag", "--file-changeset", "docs/a.md", extra_env={"VELA_REPO": "x/y"}
    )
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.splitlines()
    assert "velarun: rule data: event   tag  (flag)" in err
    assert "velarun: rule data: tag     v1.2.3  (git)" in err
    assert "velarun: rule data: repo    x/y  (env)" in err
    assert "velarun: rule data: paths   1 file: docs/a.md  (flag)" in err
    assert "[step: on-tag] tag v1.2.3" in proc.stdout
    assert "[step: docs-changed] docs" in proc.stdout
    assert "[step: facts] branch=main repo=x/y" in proc.stdout


def test_changed_since_and_outside_git(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    make_repo(workspace, DERIVED)
    first = git(workspace, "rev-parse", "HEAD").strip()
    (workspace / "docs").mkdir()
    (workspace / "docs" / "a.md").write_text("x\n")
    git(workspace, "add", "docs")
    git(workspace, "commit", "-q", "-m", "docs")
    git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD")
    proc = run(workspace, "--format", "json", "--changed-since", first, command="plan")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ruledata"]["paths"] == ["docs/a.md"]
    proc = run(workspace, "--changed-since", "no-such-ref", command="plan")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --changed-since no-such-ref:")
    outside = tmp_path_factory.mktemp("outside")
    (outside / ".vela.yml").write_text(DERIVED)
    proc = run(outside, command="plan")
    assert proc.returncode == 0
    assert (
        f"warning: {outside} is not inside a git repository: rule data falls back to defaults"
        in proc.stderr
    )
    assert "rule data: branch  main  (default)" in proc.stdout


SECRETS = f"""version: "1"
steps:
  - name: login
    image: {IMG}
    pull: never
    secrets: [docker_password, api_token]
    commands:
      - echo "password is $DOCKER_PASSWORD"
      - printf '%s\\n' "$API_TOKEN"
      - echo "MASKED=$(echo bWFza2VkLW91dHB1dC12YWx1ZQ== | base64 -d)" >> $VELA_MASKED_OUTPUTS
  - name: deploy
    image: {IMG}
    pull: never
    secrets: [{{source: deploy_key, target: key}}]
    commands:
      - echo "key $KEY, masked output $MASKED"
      - exit 3
"""


def test_a_missing_secret_stops_the_run_before_anything_starts(
    workspace: Path, engine: Any
) -> None:
    (workspace / ".vela.yml").write_text(SECRETS)
    before = len(engine.containers.list(all=True))
    proc = run(workspace, "--no-git", "--secret", "docker_password=x", "--report", "report.json")
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: secrets are missing; nothing was started:\n"
        "  secret `api_token` (env API_TOKEN) needed by step login\n"
        "  secret `deploy_key` (env KEY) needed by step deploy\n"
        "  hint: pass --secret NAME=VALUE or --secret-file FILE, or export the variable and"
        " use --local-env\n"
    )
    assert proc.stdout == ""
    assert len(engine.containers.list(all=True)) == before
    # the report is written on a refusal too, every step not started
    report = json.loads((workspace / "report.json").read_text())
    assert (report["status"], report["exit_code"]) == ("error", 2)
    assert report["error"].startswith("secrets are missing; nothing was started")
    assert {s["status"] for s in report["steps"]} == {"skipped"}


def test_secret_values_are_masked_everywhere(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(SECRETS)
    (workspace / "secrets.env").write_text('API_TOKEN="line-one-secret\\nline-two-secret"\n')
    args = [
        "--no-git",
        "--secret",
        "docker_password=hunter2-value",
        "--secret-file",
        "secrets.env",
        "--secret",
        "KEY=deploy-key-value",
        "--report",
        "report.json",
        "--junit",
        "junit.xml",
    ]
    text = run(workspace, *args)
    jsonl = run(workspace, *args, "--output", "jsonl")
    assert text.returncode == 1 and jsonl.returncode == 1, text.stderr
    assert "[step: login] password is ***" in text.stdout
    assert "[step: login] ***" in text.stdout  # each line of the multi-line secret
    assert "[step: deploy] key ***, masked output ***" in text.stdout
    written = (
        "".join(p.read_text() for p in (workspace / "report.json", workspace / "junit.xml"))
        + text.stdout
        + text.stderr
        + jsonl.stdout
        + jsonl.stderr
    )
    for secret in (
        "hunter2-value",
        "line-one-secret",
        "line-two-secret",
        "deploy-key-value",
        "masked-output-value",
    ):
        assert secret not in written
    # ...and nothing velarun wrote on disk holds them (the workspace is all it writes to).
    for path in workspace.rglob("*"):
        if path.is_file() and path.name != "secrets.env":
            assert "hunter2-value" not in path.read_text(errors="replace")


def test_host_environment_stays_out_unless_local_env(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - name: env\n    image: {IMG}\n    pull: never\n'
        "    commands: ['echo \"host=[$HOST_ONLY] flag=[$FROM_FLAG] file=[$FROM_FILE]\"']\n"
    )
    (workspace / "vars.env").write_text("FROM_FILE=file-value\n")
    leak = {"HOST_ONLY": "leaked"}
    proc = run(
        workspace,
        "--no-git",
        "--env",
        "FROM_FLAG=flag-value",
        "--env-file",
        "vars.env",
        extra_env=leak,
    )
    assert "[step: env] host=[] flag=[flag-value] file=[file-value]" in proc.stdout, proc.stderr
    proc = run(workspace, "--no-git", "--local-env", extra_env=leak)
    assert "[step: env] host=[leaked] flag=[] file=[]" in proc.stdout, proc.stderr


CHOOSE = f"""version: "1"
stages:
  a:
    steps:
      - {{name: a1, image: {IMG}, pull: never, commands: [echo a1]}}
  b:
    needs: [a]
    steps:
      - {{name: b1, image: {IMG}, pull: never, commands: [echo b1]}}
      - {{name: b2, image: {IMG}, pull: never, commands: [echo b2]}}
  c:
    steps:
      - {{name: c1, image: {IMG}, pull: never, commands: [echo c1]}}
"""


def test_stage_pulls_in_its_needs_and_skip_step(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(CHOOSE)
    proc = run(workspace, "--no-git", "--stage", "b", "--skip-step", "b2", "--report", "r.json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads((workspace / "r.json").read_text())
    assert [(st["name"], [s["name"] for s in st["steps"]]) for st in rep["stages"]] == [
        ("a", ["a1"]),
        ("b", ["b1"]),
    ]
    assert "velarun: pruned stage c: not needed by --stage/--step b" in proc.stderr
    assert "velarun: pruned step b/b2: skipped by --skip-step" in proc.stderr
    proc = run(workspace, "--no-git", "--step", "b2")
    assert proc.returncode == 0
    assert "[stage: a][step: a1] a1" in proc.stdout and "[stage: b][step: b2] b2" in proc.stdout
    assert "b1" not in proc.stdout and "c1" not in proc.stdout
    proc = run(workspace, "--no-git", "--stage", "nope")
    assert proc.returncode == 2 and "error: no stage `nope` in the plan" in proc.stderr


def test_jsonl_and_junit(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(
        CHOOSE.replace("commands: [echo b2]", """commands: ['echo "<b2 & out>"', 'exit 4']""")
    )
    proc = run(workspace, "--no-git", "--output", "jsonl", "--junit", "junit.xml")
    assert proc.returncode == 1
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "plan" and kinds[-1] == "build_finished"
    assert {"stage_started", "step_started", "log", "step_finished", "stage_finished"} <= set(kinds)
    logs = [(e["stage"], e["step"], e["line"]) for e in events if e["event"] == "log"]
    assert ("b", "b2", "<b2 & out>") in logs
    finished = {e["step"]: e for e in events if e["event"] == "step_finished"}
    assert (finished["b2"]["status"], finished["b2"]["exit_code"]) == ("failure", 4)
    assert finished["b2"]["reason"] == "exited with code 4"
    assert isinstance(finished["a1"]["duration"], float)
    assert events[-1]["status"] == "failure" and events[-1]["exit_code"] == 1
    root = ET.parse(workspace / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["a", "b", "c"]
    b = suites["b"]
    assert (b.get("tests"), b.get("failures")) == ("2", "1")
    case = next(c for c in b.findall("testcase") if c.get("name") == "b2")
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "exited with code 4"
    assert "<b2 & out>" in (failure.text or "")
