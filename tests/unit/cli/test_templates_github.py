"""A GitHub Enterprise template through the whole CLI, on the fake GitHub of
tests/unit/template/github_server.py (127.0.0.1, no network): fetched with the token, said in
`plan --explain`, run again offline from the cache, and a 404 that names what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.unit.template.github_server import FakeGithub, Repo, serve
from velarun.cli import app

runner = CliRunner()
SHA = "4f2a9c1e0b7d" + "0" * 28
TEMPLATE = b"""\
steps:
  - name: test
    image: golang:{{ .go }}
    commands: [go test ./..., 'echo {{ vela "repo_full_name" }}']
"""
PIPELINE = """\
version: "1"
templates:
  - name: go
    source: git.example.com/octo/templates/go.yml@v1
    type: github
steps:
  - name: unit
    template: {name: go, vars: {go: "1.23"}}
"""


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    repo = Repo(
        default_branch="main",
        refs={"v1": SHA, "main": SHA},
        files={SHA: {"go.yml": TEMPLATE}},
        token="s3cret",
    )
    with serve(FakeGithub(repos={"octo/templates": repo})) as server:
        yield server


@pytest.fixture
def env(github: FakeGithub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VELARUN_GITHUB_API_URL", f"git.example.com={github.url}/api/v3")
    monkeypatch.setenv("VELARUN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VELA_GITHUB_TOKEN", "s3cret")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vela.yml").write_text(PIPELINE)


def plan(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plan", "--no-git", "--repo", "octo/app", *args])
    err = "".join(ln for ln in result.stderr.splitlines(True) if not ln.startswith("rule data:"))
    return result.exit_code, result.stdout, err


@pytest.mark.usefixtures("env")
def test_fetched_with_the_token_then_offline_from_the_cache(github: FakeGithub) -> None:
    code, out, err = plan("--format", "json")
    assert (code, err) == (0, "")
    step = json.loads(out)["steps"][0]
    assert (step["name"], step["image"]) == ("unit_test", "golang:1.23")
    assert step["commands"] == ["go test ./...", "echo octo/app"]
    assert {s.authorization for s in github.seen} == {"token s3cret"}

    code, out, _ = plan("--explain", "unit_test")  # the ref is looked up again
    assert code == 0
    assert out.splitlines()[:2] == [
        "step `unit_test`: runs",
        "  made by template `go` (git.example.com/octo/templates/go.yml@v1 (cached, commit"
        " 4f2a9c1e0b7d)) of step `unit`, at git.example.com/octo/templates/go.yml@v1"
        " (rendered):2:5",
    ]

    github.stop()
    code, out, _ = plan("--explain", "unit_test")
    assert code == 0
    assert out.splitlines()[1] == (
        "  made by template `go` (git.example.com/octo/templates/go.yml@v1 (cached, offline,"
        " commit 4f2a9c1e0b7d)) of step `unit`, at git.example.com/octo/templates/go.yml@v1"
        " (rendered):2:5"
    )


@pytest.mark.usefixtures("env")
def test_a_missing_template_is_exit_3_with_what_to_do(tmp_path: Path, github: FakeGithub) -> None:
    (tmp_path / ".vela.yml").write_text(PIPELINE.replace("go.yml@v1", "golang.yml@v1"))
    code, out, err = plan()
    assert (code, out) == (3, "")
    assert err.replace(github.url, "URL") == (
        "error: template go from git.example.com/octo/templates/golang.yml@v1: no Vela template"
        " found at octo/templates/golang.yml@v1 (GET URL/api/v3/repos/octo/templates/contents/"
        f"golang.yml?ref={SHA}: 404 Not Found)\n"
        "  hint: check that the token in VELA_GITHUB_TOKEN can read octo/templates on"
        " git.example.com, and the path and ref; or give the template's file with"
        " --template-file go:PATH\n"
    )
