"""Table tests for the compiler's pure pieces: rule data, parameters, the script, env merge."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from velarun.compile.env import default_env, go_format_float, go_json, parameter_env
from velarun.compile.ruledata import RuleDataError, build_ruledata, normalize_event, split_changeset
from velarun.compile.script import encode_script, go_quote, script_env, script_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("push", "push"),
        ("tag", "tag"),
        ("pull_request", "pull_request:opened"),
        ("pull", "pull_request:opened"),
        ("pull_request:synchronize", "pull_request:synchronize"),
        ("pull_request:labeled", "pull_request:labeled"),
        ("comment", "comment:created"),
        ("comment:edited", "comment:edited"),
        ("deployment", "deployment:created"),
        ("deploy", "deployment:created"),
        ("schedule", "schedule"),
        ("delete:branch", "delete:branch"),
        ("delete:tag", "delete:tag"),
        ("merge_group", "merge_group"),
        ("merge_group:checks_requested", "merge_group"),
    ],
)
def test_event_normalisation(raw: str, expected: str) -> None:
    assert normalize_event(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message", "hint"),
    [
        (
            "delete",
            "event `delete` needs an action",
            "pass --event delete:branch or --event delete:tag",
        ),
        ("", "the event is empty", "pass --event push, tag, pull_request[:action], ..."),
    ],
)
def test_event_errors(raw: str, message: str, hint: str) -> None:
    with pytest.raises(RuleDataError) as info:
        normalize_event(raw)
    assert (info.value.message, info.value.hint) == (message, hint)


@pytest.mark.parametrize(
    ("kwargs", "event", "tag", "ref"),
    [
        ({}, "push", "refs/heads/main", "refs/heads/main"),
        ({"branch": "dev"}, "push", "refs/heads/dev", "refs/heads/dev"),
        ({"event": "tag", "tag": "v1.2.3"}, "tag", "v1.2.3", "refs/tags/v1.2.3"),
        ({"event": "tag", "tag": "refs/tags/v2"}, "tag", "v2", "refs/tags/v2"),
        ({"event": "pull_request"}, "pull_request:opened", "refs/pull/1/head", "refs/pull/1/head"),
        ({"event": "comment"}, "comment:created", "refs/pull/1/head", "refs/pull/1/head"),
        (
            {"event": "deployment", "target": "prod"},
            "deployment:created",
            "refs/heads/main",
            "refs/heads/main",
        ),
        (
            {"event": "schedule", "target": "nightly"},
            "schedule",
            "refs/heads/main",
            "refs/heads/main",
        ),
    ],
)
def test_ruledata_tag_datum_follows_the_server(
    kwargs: dict[str, Any], event: str, tag: str, ref: str
) -> None:
    data = build_ruledata(**kwargs)
    assert (data.event, data.tag, data.ref) == (event, tag, ref)


def test_ruledata_errors() -> None:
    with pytest.raises(RuleDataError, match="a tag event needs a tag"):
        build_ruledata(event="tag")
    with pytest.raises(RuleDataError, match="repo `octocat` is not `org/name`"):
        build_ruledata(repo="octocat")


def test_changeset_is_repeatable_and_comma_separated() -> None:
    assert split_changeset(["a.go,b/c.md", " d.txt ", ""]) == ("a.go", "b/c.md", "d.txt")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", "hello"),
        (5, "5"),
        (1.5, "1.5"),
        (1.0, "1"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (123456.0, "123456"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (True, "true"),
        (False, "false"),
        (["a", "b"], "a,b"),
        ([1, 2], "1,2"),
        ([{"a": 1}, {"b": "two"}], '[{"a":1},{"b":"two"}]'),
        ({"k": "v", "n": 1}, '{"k":"v","n":1}'),
        ({"z": [1, 2], "a": {"y": None, "x": 1.5}}, '{"a":{"x":1.5,"y":null},"z":[1,2]}'),
        ({"html": "<a & b>"}, '{"html":"\\u003ca \\u0026 b\\u003e"}'),
        ({"big": 1e21, "small": 1e-7}, '{"big":1e+21,"small":1e-7}'),
    ],
)
def test_parameter_encoding(value: Any, expected: str) -> None:
    assert parameter_env({"x": value}) == {"PARAMETER_X": expected}


def test_parameter_keys_upper_cased_and_nulls_dropped() -> None:
    assert parameter_env({"dry-run": False, "repo": "a/b", "gone": None}) == {
        "PARAMETER_DRY-RUN": "false",
        "PARAMETER_REPO": "a/b",
    }


def test_go_float_and_json_helpers() -> None:
    assert [go_format_float(v) for v in (0.0, -2.5, 1e20, 3e-7)] == ["0", "-2.5", "1e+20", "3e-07"]
    assert go_json([None, True, "é"]) == '[null,true,"é"]'


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("echo hi", '"echo hi"'),
        ('say "x"', '"say \\"x\\""'),
        ("a\\b", '"a\\\\b"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("bell\x07", '"bell\\a"'),
        ("nul\x00", '"nul\\x00"'),
        ("héllo ✓", '"héllo ✓"'),
        ("zero\u200bwidth", '"zero\\u200bwidth"'),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_script_matches_the_server_byte_for_byte() -> None:
    commands = ["echo ${FOO}", 'go test ./... | tee "out $HOME.txt"']
    expected = (
        "\ncat <<EOF > $HOME/.netrc\nmachine $VELA_NETRC_MACHINE\nlogin $VELA_NETRC_USERNAME\n"
        "password $VELA_NETRC_PASSWORD\nEOF\nchmod 0600 $HOME/.netrc\nunset VELA_NETRC_MACHINE\n"
        "unset VELA_NETRC_USERNAME\nunset VELA_NETRC_PASSWORD\nunset VELA_BUILD_SCRIPT\n"
        '\necho $ "echo \\${FOO}"\necho ${FOO}\n'
        '\necho $ "go test ./... | tee \\"out \\$HOME.txt\\""\ngo test ./... | tee "out $HOME.txt"\n'
        "\n"
    )
    assert script_text(commands) == expected
    assert base64.b64decode(encode_script(commands)).decode() == expected


@pytest.mark.parametrize(
    ("env", "user", "home"),
    [({}, "", "/root"), ({}, "node", "/home/node"), ({"HOME": "/w"}, "node", "/w")],
)
def test_script_env_home(env: dict[str, str], user: str, home: str) -> None:
    out = script_env(["ls"], env, user)
    assert (out["HOME"], out["SHELL"]) == (home, "/bin/sh")


def test_default_env_for_push_tag_pr_deployment() -> None:
    push = default_env(build_ruledata(branch="dev", repo="octo/app"))
    assert {
        k: push[k]
        for k in (
            "VELA",
            "CI",
            "VELA_WORKSPACE",
            "VELA_BUILD_BRANCH",
            "BUILD_BRANCH",
            "VELA_BUILD_EVENT",
            "VELA_BUILD_REF",
            "VELA_REPO_FULL_NAME",
            "REPOSITORY_ORG",
            "VELA_REPO_NAME",
            "VELA_BUILD_STATUS",
        )
    } == {
        "VELA": "true",
        "CI": "true",
        "VELA_WORKSPACE": "/vela/src",
        "VELA_BUILD_BRANCH": "dev",
        "BUILD_BRANCH": "dev",
        "VELA_BUILD_EVENT": "push",
        "VELA_BUILD_REF": "refs/heads/dev",
        "VELA_REPO_FULL_NAME": "octo/app",
        "REPOSITORY_ORG": "octo",
        "VELA_REPO_NAME": "app",
        "VELA_BUILD_STATUS": "pending",
    }
    assert "VELA_BUILD_TAG" not in push and "VELA_PULL_REQUEST" not in push
    assert "VELA_BUILD_NUMBER" not in push  # absent at compile time, as on the server
    tag = default_env(build_ruledata(event="tag", tag="v1"))
    assert (tag["VELA_BUILD_TAG"], tag["BUILD_TAG"], tag["VELA_BUILD_REF"]) == (
        "v1",
        "v1",
        "refs/tags/v1",
    )
    pr = default_env(build_ruledata(event="pull_request:synchronize", branch="main"))
    assert {
        k: pr[k]
        for k in (
            "VELA_BUILD_EVENT",
            "VELA_BUILD_EVENT_ACTION",
            "VELA_PULL_REQUEST",
            "BUILD_PULL_REQUEST_NUMBER",
            "VELA_PULL_REQUEST_TARGET",
            "VELA_BUILD_BASE_REF",
        )
    } == {
        "VELA_BUILD_EVENT": "pull_request",
        "VELA_BUILD_EVENT_ACTION": "synchronize",
        "VELA_PULL_REQUEST": "1",
        "BUILD_PULL_REQUEST_NUMBER": "1",
        "VELA_PULL_REQUEST_TARGET": "main",
        "VELA_BUILD_BASE_REF": "main",
    }
    dep = default_env(build_ruledata(event="deployment", target="prod"))
    assert (dep["VELA_DEPLOYMENT"], dep["BUILD_TARGET"], dep["VELA_BUILD_TARGET"]) == (
        "prod",
        "prod",
        "prod",
    )
    delete_tag = default_env(build_ruledata(event="delete:tag", branch="v0.9"))
    assert delete_tag["VELA_BUILD_TAG"] == "v0.9"
