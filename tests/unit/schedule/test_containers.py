"""A planned step as a container: the pure spec builder and the run-time environment."""

from __future__ import annotations

import pytest

from velarun.compile.plan import PlannedStep
from velarun.load.model import Ruleset
from velarun.schedule.containers import RunOptions, StepContext, image_privileged, step_spec


@pytest.mark.parametrize(
    ("image", "patterns", "privileged"),
    [
        ("docker:dind", ["docker*"], True),
        ("docker.io/library/docker:dind", ["docker*"], True),
        ("target/vela-docker:latest", ["target/vela-docker"], True),
        ("alpine", ["docker*"], False),
        ("alpine", [], False),
    ],
)
def test_privileged_images(image: str, patterns: list[str], privileged: bool) -> None:
    assert image_privileged(image, patterns) is privileged


def test_step_spec_commands_become_vela_script_and_privileged_needs_the_flag() -> None:
    step = PlannedStep(
        name="s",
        stage=None,
        image="docker:dind",
        pull="not_present",
        commands=("echo hi",),
        entrypoint=(),
        environment={"A": "1"},
        ruleset=Ruleset(),
        privileged=True,
    )
    context = StepContext("running")
    s = step_spec(step, context, RunOptions())
    assert s.entrypoint == ("/bin/sh", "-c")
    assert s.command == ("echo $VELA_BUILD_SCRIPT | base64 -d | /bin/sh -e",)
    assert s.environment["SHELL"] == "/bin/sh" and s.environment["HOME"] == "/root"
    assert s.privileged is False  # `privileged: true` alone is ignored, as Vela's runtime does
    assert step_spec(step, context, RunOptions(privileged_images=("docker*",))).privileged is True
