"""Steps with no environment or parameters of their own share their stage's merged environment
(one mapping, sorted once for the plan's JSON); anything of their own gets them their own."""

from __future__ import annotations

import json

import pytest

from velarun.compile.compiler import compile_pipeline
from velarun.compile.plan import Plan, SortedEnvs, sorted_env
from velarun.compile.ruledata import build_ruledata
from velarun.jsontext import dumps_indented
from velarun.load import load_bytes


def compiled(text: str) -> Plan:
    loaded = load_bytes(text.encode(), "t.yml")
    assert loaded.pipeline is not None, loaded.diagnostics
    result = compile_pipeline(loaded.pipeline, build_ruledata())
    assert result.plan is not None, result.diagnostics
    return result.plan


STEPS = """\
version: "1"
environment: {G: g}
steps:
  - {name: a, image: alpine, commands: [echo $G]}
  - {name: b, image: alpine, commands: [echo]}
  - {name: c, image: alpine, environment: {OWN: x}}
  - {name: d, image: alpine, detach: true}
  - {name: e, image: alpine, parameters: {p: 1}}
  - {name: f, image: alpine, detach: true}
  - {name: g, image: alpine, environment: {D: $G}}
  - {name: h, image: alpine}
"""

STAGES = """\
version: "1"
stages:
  one:
    environment: {S: one}
    steps:
      - {name: a, image: alpine}
      - {name: b, image: alpine}
  two:
    environment: {S: two}
    steps:
      - {name: a, image: alpine}
      - {name: b, image: alpine}
"""


def sharing(plan: Plan) -> str:
    """Each step as stage/name=the first step (in its stage) holding the same mapping."""
    steps = plan.all_steps()
    first = {id(s.environment): s.name for s in reversed(steps)}
    return " ".join(f"{s.stage or ''}/{s.name}={first[id(s.environment)]}" for s in steps)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STEPS, "/a=a /b=a /c=c /d=d /e=e /f=d /g=g /h=a"),
        (STAGES, "one/a=a one/b=a two/a=a two/b=a"),
    ],
)
def test_which_steps_share_an_environment(text: str, expected: str) -> None:
    assert sharing(compiled(text)) == expected


def test_a_stage_shares_with_its_own_steps_only() -> None:
    one, two = compiled(STAGES).stages
    assert (
        one.steps[0].environment is one.steps[1].environment,
        one.steps[0].environment is two.steps[0].environment,
        two.steps[0].environment is two.steps[1].environment,
    ) == (True, False, True)


@pytest.mark.parametrize("text", [STEPS, STAGES])
def test_shared_json_is_the_same_text(text: str) -> None:
    plan = compiled(text)
    assert dumps_indented(plan.to_json(share=True)) == json.dumps(plan.to_json(), indent=2)


def test_sorted_env_once_per_mapping() -> None:
    env = {"B": "2", "A": "1"}
    envs: SortedEnvs = {}
    first = sorted_env(env, envs)
    assert (
        list(first.items()),
        sorted_env(env, envs) is first,
        sorted_env({"B": "2", "A": "1"}, envs) is first,
        sorted_env(env, None) is first,
    ) == ([("A", "1"), ("B", "2")], True, False, False)
