"""The platform variables (``vela "..."``) the server gives a templated step's template
(``EnvironmentStep`` with the environment ``ExpandSteps`` passes): a steps pipeline's
environment when its metadata says `steps`, never a stage's, a calling template's own for the
templates it calls, and what earlier templates added. Pipelines and templates written here,
through ``velarun plan``; the helpers are test_expand_parity's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.compile.test_expand_parity import plan, write


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the environment a template's platform variables see ----------------------------------------

ECHO = 'steps:\n  - {name: say, image: alpine, commands: [\'echo "{{ vela "who" }}"\']}\n'


@pytest.mark.parametrize(
    ("pipeline", "expected"),
    [
        # a steps pipeline passes its environment (metadata.environment has `steps`)
        (
            "environment: {VELA_WHO: pipeline}\nsteps:\n  - {name: t, template: {name: echo}}\n",
            {"t_say": ['echo "pipeline"']},
        ),
        # ... unless metadata.environment leaves `steps` out
        (
            "metadata: {environment: [services]}\nenvironment: {VELA_WHO: pipeline}\n"
            "steps:\n  - {name: t, template: {name: echo}}\n",
            {"t_say": ['echo ""']},
        ),
        # a stage's templated steps never see the pipeline's environment
        (
            "environment: {VELA_WHO: pipeline}\nstages:\n  s:\n    steps:\n"
            "      - {name: t, template: {name: echo}}\n",
            {"t_say": ['echo ""']},
        ),
        # the step's own environment, under Vela's defaults
        (
            "steps:\n  - {name: t, environment: {VELA_WHO: step}, template: {name: echo}}\n",
            {"t_say": ['echo "step"']},
        ),
    ],
    ids=["steps", "steps-not-in-metadata", "stages", "step-environment"],
)
def test_platform_variables_of_a_templated_step(
    repo: Path, pipeline: str, expected: dict[str, list[str]]
) -> None:
    write(
        repo,
        {
            "echo.yml": ECHO,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: echo, source: echo.yml, type: file}\n" + pipeline,
        },
    )
    doc = plan()
    steps = doc["steps"] if "steps" in doc else doc["stages"][0]["steps"]
    assert {s["name"]: s["commands"] for s in steps} == expected


OUTER = (
    "templates:\n  - {name: echo, source: echo.yml, type: file}\n"
    "steps:\n  - {name: inner, template: {name: echo}}\n"
)


@pytest.mark.parametrize(
    ("outer", "expected"),
    [
        # a called template's steps see the calling template's environment, not the pipeline's
        ("environment: {VELA_WHO: outer}\n" + OUTER, 'echo "outer"'),
        (OUTER, 'echo ""'),
        # ... as its metadata says (`steps` is in it by default)
        (
            "metadata: {environment: [secrets]}\nenvironment: {VELA_WHO: outer}\n" + OUTER,
            'echo ""',
        ),
    ],
    ids=["outer-environment", "outer-none", "outer-not-in-metadata"],
)
def test_platform_variables_of_a_nested_template(repo: Path, outer: str, expected: str) -> None:
    write(
        repo,
        {
            "echo.yml": ECHO,
            "outer.yml": outer,
            ".vela.yml": 'version: "1"\nenvironment: {VELA_WHO: pipeline}\n'
            "templates:\n  - {name: outer, source: outer.yml, type: file}\n"
            "steps:\n  - {name: t, template: {name: outer}}\n",
        },
    )
    assert [s["commands"] for s in plan()["steps"]] == [[expected]]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        # the server adds a template's environment to the pipeline's own map, which the next
        # templated step's platform variables read...
        ("environment: {OTHER: x}\n", 'echo "first"'),
        # ... but a pipeline without an environment gets a new map, which they do not read
        ("", 'echo ""'),
    ],
    ids=["pipeline-environment", "no-pipeline-environment"],
)
def test_a_template_environment_seen_by_the_next_templated_step(
    repo: Path, environment: str, expected: str
) -> None:
    write(
        repo,
        {
            "echo.yml": ECHO,
            "first.yml": "environment: {VELA_WHO: first}\n"
            "steps:\n  - {name: one, image: alpine, commands: [echo]}\n",
            ".vela.yml": 'version: "1"\n' + environment + "templates:\n"
            "  - {name: first, source: first.yml, type: file}\n"
            "  - {name: echo, source: echo.yml, type: file}\n"
            "steps:\n  - {name: a, template: {name: first}}\n"
            "  - {name: b, template: {name: echo}}\n",
        },
    )
    assert [s["commands"] for s in plan()["steps"]] == [["echo"], [expected]]
