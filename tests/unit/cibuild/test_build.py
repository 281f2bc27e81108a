"""The pure side of a server build: the reference, the server's JSON, the workspace."""

from __future__ import annotations

import pytest

from tests.unit.cibuild.vela_server import build_json, step_json
from velarun.cibuild.build import (
    BuildRef,
    BuildRefError,
    CIBuild,
    CIStep,
    build_from_json,
    parse_build_ref,
    steps_from_json,
    workspace_for_build,
)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("octo/app#42", BuildRef("octo", "app", 42)),
        (" my-org/my.repo_2#7 ", BuildRef("my-org", "my.repo_2", 7)),
        (
            "https://vela.example.com/octo/app/42",
            BuildRef("octo", "app", 42, "https://vela.example.com"),
        ),
        (
            "https://vela.example.com/octo/app/42/pipeline",
            BuildRef("octo", "app", 42, "https://vela.example.com"),
        ),
        (
            "http://127.0.0.1:8080/octo/app/3?tab=1",
            BuildRef("octo", "app", 3, "http://127.0.0.1:8080"),
        ),
    ],
)
def test_a_build_is_named_by_its_reference_or_its_url(text: str, ref: BuildRef) -> None:
    assert parse_build_ref(text) == ref


@pytest.mark.parametrize(
    "text",
    [
        "octo/app",
        "octo/app#",
        "octo/app#x",
        "octo#4",
        "https://vela.example.com/octo/app",
        "ftp://h/o/r/1",
    ],
)
def test_anything_else_is_a_usage_error(text: str) -> None:
    with pytest.raises(BuildRefError) as info:
        parse_build_ref(text)
    assert info.value.render() == (
        f"error: --build `{text.strip()}` names no build\n"
        "  hint: write ORG/REPO#NUMBER (octo/app#42) or the build's URL,"
        " https://vela.example.com/octo/app/42"
    )
    assert info.value.exit_code == 2


def test_the_api_path_quotes_the_names() -> None:
    assert BuildRef("octo", "app", 42).api_path == "/api/v1/repos/octo/app/builds/42"


def test_a_build_from_the_servers_json() -> None:
    ref = BuildRef("octo", "app", 42)
    data = build_json(
        42,
        event="pull_request",
        event_action="labeled",
        ref="refs/pull/17/head",
        base_ref="main",
        head_ref="fix-flake",
        branch="main",
    )
    assert build_from_json(ref, data, "https://vela.example.com") == CIBuild(
        ref=ref,
        status="failure",
        event="pull_request:labeled",
        branch="main",
        git_ref="refs/pull/17/head",
        base_ref="main",
        head_ref="fix-flake",
        commit="0" * 40,
        sender="octocat",
        author="octocat",
        email="octocat@github.com",
        message="Fix the flaky unit test",
        repo="octo/app",
        link="https://vela.example.com/octo/app/42",
        instance="https://vela.example.com",
    )


def test_missing_fields_are_empty_and_merge_group_keeps_its_bare_event() -> None:
    ref = BuildRef("octo", "app", 1)
    build = build_from_json(ref, {"event": "merge_group", "event_action": "checks_requested"}, "")
    assert (build.event, build.repo, build.commit, build.status) == (
        "merge_group",
        "octo/app",
        "",
        "",
    )


def test_steps_in_the_servers_order_whatever_the_pages_say() -> None:
    pages = [
        [
            step_json(3, "unit", "failure", stage="test"),
            step_json(1, "init", "success", stage="init"),
        ],
        [step_json(2, "clone", "success", stage="clone"), "junk"],
        [],
    ]
    assert steps_from_json(pages) == (
        CIStep("init", "init", "success", 1, "alpine:latest", 0),
        CIStep("clone", "clone", "success", 2, "alpine:latest", 0),
        CIStep("unit", "test", "failure", 3, "alpine:latest", 1),
    )


def test_a_reproduced_build_runs_in_the_commit_ci_cloned() -> None:
    ref = BuildRef("octo", "app", 42)
    assert workspace_for_build(CIBuild(ref, commit="4f2a9c1e" * 5)) == "commit=" + "4f2a9c1e" * 5
    assert workspace_for_build(CIBuild(ref)) == "commit"
