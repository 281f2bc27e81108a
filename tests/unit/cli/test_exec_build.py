"""`velarun exec --build` and `plan --build` end to end: a local Vela server on 127.0.0.1, a
git repository holding the build's commit, the FakeRuntime. Rule data and its provenance, the
verdict of a reproduced and of a not-reproduced failure, a 401, a 404, an unreachable server,
a commit missing from the repository."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.conftest import git
from tests.unit.cibuild.vela_server import FakeVela, build_json, serve, step_json
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime.fake import FakeRuntime, FakeStep

runner = CliRunner()
TOKEN = "s3cret-token"
PIPELINE = """version: "1"
stages:
  build:
    steps:
      - {name: compile, image: alpine, commands: [make]}
  test:
    needs: [build]
    steps:
      - {name: unit, image: alpine, commands: [make test]}
      - {name: octocat only, image: alpine, ruleset: {sender: octocat}, commands: [echo hi]}
  deploy:
    needs: [test]
    steps:
      - {name: ship, image: alpine, ruleset: {event: tag}, commands: [echo ship]}
"""
CI_STEPS = [
    step_json(1, "init", "success", stage="init", image="#init"),
    step_json(2, "clone", "success", stage="clone", image="target/vela-git:v0.8.0"),
    step_json(3, "compile", "success", stage="build"),
    step_json(4, "unit", "failure", stage="test"),
    step_json(5, "octocat only", "success", stage="test"),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of octo/app with one commit, the working directory; no vela config at home."""
    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".vela.yml").write_text(PIPELINE)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("VELA_CONFIG", "VELA_ACCESS_TOKEN", "VELA_LABEL", "VELA_SENDER", "VELA_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture
def vela(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVela]:
    commit = git(repo, "rev-parse", "HEAD").strip()
    build = build_json(42, commit=commit)
    with serve(FakeVela({"octo/app#42": build}, {"octo/app#42": CI_STEPS})) as server:
        monkeypatch.setenv("VELA_ADDR", server.url)
        monkeypatch.setenv("VELA_TOKEN", TOKEN)
        yield server


def run_exec(*args: str, behaviours: dict[str, FakeStep] | None = None) -> tuple[int, str, str]:
    def open_runtime(run_id: str) -> Engine:
        return FakeRuntime(behaviours or {}, run_id=run_id)

    result = runner.invoke(app, ["exec", *args], obj=Deps(open_runtime, run_id="build"))
    return result.exit_code, result.stdout, result.stderr


def test_plan_takes_the_rule_data_from_the_build(vela: FakeVela, repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    result = runner.invoke(app, ["plan", "--build", "octo/app#42"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:11] == [
        "rule data: event   push  (build #42)",
        "rule data: branch  main  (build #42)",
        "rule data: tag     refs/heads/main  (ref of build #42)",
        "rule data: repo    octo/app  (build #42)",
        f"rule data: commit  {commit[:12]}  (build #42)",
        "rule data: author  octocat <octocat@github.com>  (build #42)",
        "rule data: paths   (none)  (default)",
        "rule data: sender  octocat  (build #42)",
        f"rule data: instance {vela.url}  (build #42)",
        "",
    ]
    assert "step octocat only" in result.stdout


def test_flags_win_over_the_build(vela: FakeVela) -> None:
    result = runner.invoke(
        app,
        ["plan", "--build", "octo/app#42", "--format", "json", "--event", "tag", "--tag", "v1"],
        env={"VELA_SENDER": "hubot"},
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["ruledata"]["event"], data["ruledata"]["ref"], data["ruledata"]["sender"]) == (
        "tag",
        "refs/tags/v1",
        "hubot",
    )
    assert [st["name"] for st in data["stages"]] == ["build", "test", "deploy"]
    assert [s["name"] for s in data["stages"][1]["steps"]] == ["unit"]


def test_a_pull_request_build_keeps_its_ref_and_refs(vela: FakeVela) -> None:
    vela.builds["octo/app#42"].update(
        event="pull_request",
        event_action="synchronize",
        ref="refs/pull/17/head",
        base_ref="main",
        head_ref="fix-flake",
    )
    result = runner.invoke(app, ["plan", "--build", "octo/app#42", "--format", "json"])
    data = json.loads(result.stdout)
    assert (data["ruledata"]["event"], data["ruledata"]["tag"]) == (
        "pull_request:synchronize",
        "refs/pull/17/head",
    )
    env = data["stages"][0]["steps"][0]["environment"]
    assert (env["VELA_PULL_REQUEST"], env["BUILD_BASE_REF"], env["VELA_PULL_REQUEST_SOURCE"]) == (
        "17",
        "main",
        "fix-flake",
    )
    assert (env["BUILD_SENDER"], env["BUILD_COMMIT"]) == (
        "octocat",
        vela.builds["octo/app#42"]["commit"],
    )


VERDICT_REPRODUCED = """CI build octo/app#42: failure
  step               CI        here      verdict
  build/compile      success   success   same
  test/unit          failure   failure   reproduced
  test/octocat only  success   skipped   same
verdict: reproduced: test/unit failed in CI build octo/app#42 and here
"""


def test_a_failure_reproduced(vela: FakeVela, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, _, err = run_exec(
        "--build",
        "octo/app#42",
        "--report",
        str(report),
        behaviours={"test/unit": FakeStep(exit_code=2, logs=("FAIL",))},
    )
    assert code == 1, err
    assert err.endswith(VERDICT_REPRODUCED)
    # with no --workspace, the build's commit is checked out, as CI cloned it
    commit = git(Path.cwd(), "rev-parse", "HEAD").strip()
    assert json.loads(report.read_text())["workspace"] == {
        "mode": "commit",
        "commit": commit,
        "dirty": False,
    }
    assert json.loads(report.read_text())["ci_build"] == {
        "build": "octo/app#42",
        "status": "failure",
        "verdict": "reproduced",
        "steps": [
            {
                "stage": "build",
                "name": "compile",
                "ci_status": "success",
                "local_status": "success",
                "verdict": "same",
            },
            {
                "stage": "test",
                "name": "unit",
                "ci_status": "failure",
                "local_status": "failure",
                "verdict": "reproduced",
            },
            {
                "stage": "test",
                "name": "octocat only",
                "ci_status": "success",
                "local_status": "skipped",
                "verdict": "same",
            },
        ],
    }
    assert [s.path for s in vela.seen] == [
        "/api/v1/repos/octo/app/builds/42",
        "/api/v1/repos/octo/app/builds/42/steps?per_page=100&page=1",
    ]
    assert {s.authorization for s in vela.seen} == {f"Bearer {TOKEN}"}


def test_a_failure_not_reproduced_keeps_the_local_exit_code(vela: FakeVela, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    url = "https://vela.example.com/octo/app/42"
    code, _, err = run_exec("--build", url, "--report", str(report))
    assert code == 0
    assert err.endswith(
        "CI build octo/app#42: failure\n"
        "  step               CI        here      verdict\n"
        "  build/compile      success   success   same\n"
        "  test/unit          failure   success   not_reproduced\n"
        "  test/octocat only  success   success   same\n"
        "verdict: not reproduced: 1 of 1 step that failed in CI did not fail here: test/unit\n"
    )
    ci_build = json.loads(report.read_text())["ci_build"]
    assert (ci_build["verdict"], ci_build["steps"][1]["verdict"]) == (
        "not_reproduced",
        "not_reproduced",
    )


def test_a_build_without_steps_yet_has_nothing_to_reproduce(vela: FakeVela) -> None:
    del vela.steps["octo/app#42"]
    code, _, err = run_exec("--build", "octo/app#42")
    assert code == 0
    assert err.endswith(
        "CI build octo/app#42: failure\n"
        "  step               CI        here      verdict\n"
        "  build/compile      -         success   local_only\n"
        "  test/unit          -         success   local_only\n"
        "  test/octocat only  -         success   local_only\n"
        "verdict: nothing to reproduce: no step failed in CI build octo/app#42\n"
    )


def test_steps_that_cannot_be_fetched_at_the_end_cost_only_the_verdict(
    vela: FakeVela, tmp_path: Path
) -> None:
    vela.steps_fail_with = 500
    report = tmp_path / "report.json"
    code, _, err = run_exec(
        "--build", "octo/app#42", "--report", str(report), behaviours={"test/unit": FakeStep(1)}
    )
    why = (
        f"the steps of build octo/app#42 could not be fetched: the Vela server at {vela.url}"
        " answered HTTP 500 for build octo/app#42"
    )
    assert code == 1
    assert err.endswith(f"velarun: no verdict: {why}\n")
    assert json.loads(report.read_text())["ci_build"] == {
        "build": "octo/app#42",
        "status": "failure",
        "verdict": None,
        "steps": [],
        "error": why,
    }


def test_a_commit_missing_from_the_repository_stops_before_anything_runs(vela: FakeVela) -> None:
    vela.builds["octo/app#42"]["commit"] = "4f2a9c1e0b7d" + "0" * 28
    code, out, err = run_exec("--build", "octo/app#42")
    assert (code, out, err) == (
        2,
        "",
        "error: build octo/app#42 ran commit 4f2a9c1e0b7d, which is not in this repository\n"
        "  hint: fetch it first: git fetch origin 4f2a9c1e0b7d0000000000000000000000000000"
        " (or: git fetch origin refs/heads/main)\n",
    )


def test_a_401_says_how_to_set_the_token(vela: FakeVela, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VELA_TOKEN", "expired")
    code, out, err = run_exec("--build", "octo/app#42")
    assert (code, out, err) == (
        2,
        "",
        f"error: the Vela server at {vela.url} refused the token from VELA_TOKEN (expired or"
        " revoked?)\n"
        "  hint: export VELA_TOKEN=<token> (`vela view config` shows it) or run `vela login`\n",
    )


def test_a_404_is_no_such_build(vela: FakeVela) -> None:
    result = runner.invoke(app, ["plan", "--build", "octo/app#7"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"error: the Vela server at {vela.url} has no build octo/app#7\n"
        "  hint: check the repository and the number (`vela get builds --org octo --repo app`)\n",
    )


def test_an_unreachable_server_is_one_line_and_exit_3(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        addr = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("VELA_ADDR", addr)
    code, out, err = run_exec("--build", "octo/app#42")
    assert (code, out, err) == (
        3,
        "",
        f"error: the Vela server at {addr} cannot be reached (Connection refused); check"
        " VELA_ADDR and your network, or drop --build and pass the rule data as flags\n",
    )


@pytest.mark.parametrize(
    ("build_ref", "args", "ref"),
    [
        ("refs/heads/main", ("--branch", "dev"), "refs/heads/dev"),
        ("refs/pull/17/head", ("--branch", "dev"), "refs/pull/17/head"),
        ("refs/pull/17/head", ("--event", "push"), "refs/heads/main"),
        ("refs/tags/v2", (), "refs/tags/v2"),
    ],
)
def test_the_builds_ref_stays_unless_a_flag_changes_what_it_derives_from(
    vela: FakeVela, build_ref: str, args: tuple[str, ...], ref: str
) -> None:
    event = {"refs/heads/main": "push", "refs/pull/17/head": "pull_request", "refs/tags/v2": "tag"}
    vela.builds["octo/app#42"].update(ref=build_ref, event=event[build_ref])
    result = runner.invoke(app, ["plan", "--build", "octo/app#42", "--format", "json", *args])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ruledata"]["ref"] == ref
