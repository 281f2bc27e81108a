"""Secret resolution before anything starts: where each value comes from, what is missing."""

from __future__ import annotations

import pytest

from tests.unit.helpers import compile_text
from velarun.inputs import HostInputs
from velarun.secrets import Masker, MissingSecret, describe_missing, resolve_secrets

PIPELINE = """version: "1"
steps:
  - name: login
    image: alpine
    secrets: [{source: docker_password, target: docker_password}, {source: deploy_key, target: key}]
    commands: [echo]
  - name: push
    image: alpine
    secrets: [docker_password]
    commands: [echo]
"""


@pytest.mark.parametrize(
    ("host", "resolved", "missing"),
    [
        (
            HostInputs(secrets={"docker_password": "p", "deploy_key": "k"}),
            {"login": {"DOCKER_PASSWORD": "p", "KEY": "k"}, "push": {"DOCKER_PASSWORD": "p"}},
            [],
        ),
        (  # by target name
            HostInputs(secrets={"DOCKER_PASSWORD": "p", "KEY": "k"}),
            {"login": {"DOCKER_PASSWORD": "p", "KEY": "k"}, "push": {"DOCKER_PASSWORD": "p"}},
            [],
        ),
        (  # the host environment only with --local-env
            HostInputs(host={"DOCKER_PASSWORD": "h", "KEY": "hk"}),
            {},
            [
                MissingSecret("docker_password", "DOCKER_PASSWORD", ("login", "push")),
                MissingSecret("deploy_key", "KEY", ("login",)),
            ],
        ),
        (
            HostInputs(local_env=True, host={"DOCKER_PASSWORD": "h"}),
            {"login": {"DOCKER_PASSWORD": "h"}, "push": {"DOCKER_PASSWORD": "h"}},
            [MissingSecret("deploy_key", "KEY", ("login",))],
        ),
    ],
)
def test_resolve_secrets(
    host: HostInputs, resolved: dict[str, dict[str, str]], missing: list[MissingSecret]
) -> None:
    assert resolve_secrets(compile_text(PIPELINE), host) == (resolved, missing)


def test_describe_missing() -> None:
    text = describe_missing([MissingSecret("deploy_key", "KEY", ("login", "stage/push"))])
    assert text == (
        "secrets are missing; nothing was started:\n"
        "  secret `deploy_key` (env KEY) needed by step login, stage/push\n"
        "  hint: pass --secret NAME=VALUE or --secret-file FILE, or export the variable and use"
        " --local-env"
    )


@pytest.mark.parametrize(
    ("values", "text", "masked"),
    [
        ([], "nothing to hide", "nothing to hide"),
        (["s3cret"], "a s3cret and s3cret", "a *** and ***"),
        (["line1\nline2"], "line2 then line1", "*** then ***"),
        (["ab", "abc"], "abcd ab", "***d ***"),  # the longest value first
        (["  "], "a  b", "a  b"),  # blank values are never masked
    ],
)
def test_masker(values: list[str], text: str, masked: str) -> None:
    assert Masker(values).mask(text) == masked
