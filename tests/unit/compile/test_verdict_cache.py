"""A ruleset with the same rules as an earlier container's gets that container's verdict
(decided once); eval rules, and rules that gave a diagnostic, are decided again each time."""

from __future__ import annotations

import pytest

from velarun.compile.compiler import compile_pipeline
from velarun.compile.ruledata import build_ruledata
from velarun.compile.verdict import verdict_key
from velarun.load import load_bytes
from velarun.load.model import Rules, Ruleset

PIPELINE = """\
version: "1"
steps:
  - {name: a, image: alpine, commands: [x], ruleset: {branch: main}}
  - {name: b, image: alpine, commands: [x], ruleset: {branch: [main]}}
  - {name: c, image: alpine, commands: [x], ruleset: {branch: main, matcher: regexp}}
  - {name: d, image: alpine, commands: [x], ruleset: {event: push, branch: main}}
  - {name: e, image: alpine, commands: [x], ruleset: {if: {branch: main}, unless: {tag: v1}}}
  - {name: f, image: alpine, commands: [x], ruleset: {unless: {tag: v1}, if: {branch: main}}}
  - {name: g, image: alpine, commands: [x], ruleset: {eval: 'VELA_BUILD_BRANCH == "main"'}}
  - {name: h, image: alpine, commands: [x], ruleset: {eval: 'VELA_BUILD_BRANCH == "main"'}}
  - {name: i, image: alpine, commands: [x]}
  - {name: j, image: alpine, commands: [x], ruleset: {branch: other}}
  - {name: k, image: alpine, commands: [x], ruleset: {branch: other}}
"""


def test_which_steps_share_a_verdict() -> None:
    loaded = load_bytes(PIPELINE.encode(), "t.yml")
    assert loaded.pipeline is not None
    result = compile_pipeline(loaded.pipeline, build_ruledata())
    assert result.plan is not None
    steps = result.plan.all_steps()
    first = {id(s.checks): s.name for s in reversed(steps) if s.checks}
    shared = " ".join(f"{s.name}={first.get(id(s.checks), '-')}" for s in steps)
    assert shared == "a=a b=a c=c d=d e=e f=e g=g h=h i=-"
    j, k = result.plan.pruned
    assert (j.name, k.name, j.reason, j.checks is k.checks) == (
        "j",
        "k",
        "branch `main` does not match `other`",
        True,
    )


def test_a_bad_pattern_is_reported_at_each_step() -> None:
    text = (
        'version: "1"\nsteps:\n'
        "  - {name: a, image: alpine, commands: [x], ruleset: {branch: '[main'}}\n"
        "  - {name: b, image: alpine, commands: [x], ruleset: {branch: '[main'}}\n"
    )
    loaded = load_bytes(text.encode(), "t.yml")
    assert loaded.pipeline is not None
    result = compile_pipeline(loaded.pipeline, build_ruledata())
    assert [(d.pos.line, d.message.split(":")[0]) for d in result.diagnostics] == [
        (3, "step `a`"),
        (4, "step `b`"),
    ]


@pytest.mark.parametrize(
    ("ruleset", "key"),
    [
        (Ruleset(), (((),) * 11, "filepath", "and", ((),) * 11, "filepath", "and")),
        (
            Ruleset(Rules(branch=("main",), matcher="regexp"), Rules(tag=("v*",), operator="or")),
            (
                (("main",), *((),) * 10),
                "regexp",
                "and",
                (*((),) * 7, ("v*",), *((),) * 3),
                "filepath",
                "or",
            ),
        ),
        (Ruleset(Rules(eval="true")), None),
        (Ruleset(Rules(), Rules(branch=("x",), eval="true")), None),
    ],
)
def test_verdict_key(ruleset: Ruleset, key: tuple[object, ...] | None) -> None:
    assert verdict_key(ruleset) == key
