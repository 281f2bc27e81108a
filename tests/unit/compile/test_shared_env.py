"""Steps with no environment or parameters of their own share their stage's merged environment
(one mapping, sorted once for the plan's JSON); anything of their own gets them their own."""

from __future__ import annotations

import json

import pytest

from velarun.compile.compiler import compile_pipeline
from velarun.compile.plan import Plan, Shared
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


def test_an_environment_sorted_once_per_mapping() -> None:
    env = {"B": "2", "A": "1"}
    shared = Shared()
    first = shared.env(env)
    assert (
        list(first.items()),
        shared.env(env) is first,
        shared.env({"B": "2", "A": "1"}) is first,
    ) == ([("A", "1"), ("B", "2")], True, False)


RULESETS = """\
version: "1"
steps:
  - {name: a, image: alpine, commands: [x], ruleset: {branch: main}}
  - {name: b, image: alpine, commands: [x], ruleset: {branch: [main]}}
  - {name: c, image: alpine, commands: [x], ruleset: {branch: main, continue: true}}
  - {name: d, image: alpine, commands: [x], ruleset: {branch: main, matcher: regexp}}
  - {name: e, image: alpine, commands: [x], ruleset: {if: {branch: main}, unless: {tag: v1}}}
  - {name: f, image: alpine, commands: [x], ruleset: {branch: main, eval: 'true'}}
  - {name: g, image: alpine, commands: [x], ruleset: {unless: {tag: v1}, if: {branch: main}}}
  - {name: h, image: alpine, commands: [x]}
  - {name: i, image: alpine, commands: [x]}
"""


def test_which_steps_share_their_ruleset_json() -> None:
    plan = compiled(RULESETS)
    steps = plan.to_json(share=True)["steps"]
    first = {id(s["ruleset"]): s["name"] for s in reversed(steps)}
    assert " ".join(f"{s['name']}={first[id(s['ruleset'])]}" for s in steps) == (
        "a=a b=a c=c d=d e=e f=f g=e h=h i=h"
    )
    assert dumps_indented(plan.to_json(share=True)) == json.dumps(plan.to_json(), indent=2)
