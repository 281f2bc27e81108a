"""`eval` in rulesets, as the server's `MatchRules` runs it: first in its block, against the
step's environment, short-circuiting like any rule, and only when there is an environment."""

from __future__ import annotations

import pytest

from tests.unit.compile.test_rules import ruleset
from velarun.compile.ruledata import build_ruledata
from velarun.compile.rules import EvalError, PatternError, evaluate
from velarun.schedule.runtime_rules import should_run

PUSH_MAIN = build_ruledata(event="push", branch="main")
AUTHOR = "VELA_BUILD_AUTHOR == 'Octocat'"


# The facts of the server's eval rows (push to main, status pending), in this project's words.
@pytest.mark.parametrize(
    ("body", "env", "keep"),
    [
        # the author the expression wants: kept
        (f'{{eval: "{AUTHOR}"}}', {"VELA_BUILD_AUTHOR": "Octocat"}, True),
        # another author: pruned
        (f'{{eval: "{AUTHOR}"}}', {"VELA_BUILD_AUTHOR": "test"}, False),
        # a variable nobody set compares as "" and the step is pruned, without an error
        ("{eval: \"VELA_MISSING_VAR == 'Octocat'\"}", {}, False),
        # eval and the other rules all agree: kept
        (
            f'{{eval: "{AUTHOR}", branch: main, event: push}}',
            {"VELA_BUILD_AUTHOR": "Octocat"},
            True,
        ),
        # eval holds but the event does not: pruned
        (
            f'{{eval: "{AUTHOR}", branch: main, event: pull_request}}',
            {"VELA_BUILD_AUTHOR": "Octocat"},
            False,
        ),
    ],
)
def test_server_eval_facts(body: str, env: dict[str, str], keep: bool) -> None:
    assert evaluate(ruleset(body), PUSH_MAIN, env).keep is keep


def test_an_expression_that_fails_to_run_is_an_error_even_beside_other_rules() -> None:
    rs = ruleset('{eval: "1 + bad-eval", branch: main, event: pull_request}')
    with pytest.raises(EvalError) as info:
        evaluate(rs, PUSH_MAIN, {"VELA_BUILD_AUTHOR": "Octocat"})
    assert info.value.block == "if"
    assert info.value.message == (
        "failed to run eval of `1 + bad-eval`: invalid operation: int + string (1:3)"
    )


@pytest.mark.parametrize(
    ("body", "keep", "reason"),
    [
        # and: eval decides first; a false eval stops before the other rules
        ("{eval: 'A == \"1\"', branch: dev}", False, 'eval `A == "1"` is false'),
        ("{eval: 'A == \"x\"', branch: dev}", False, "branch `main` does not match `dev`"),
        ("{eval: 'A == \"x\"', branch: main}", True, ""),
        # or: a true eval keeps at once, a false one leaves it to the others
        ("{operator: or, eval: 'A == \"x\"', branch: dev}", True, ""),
        ("{operator: or, eval: 'A == \"1\"', branch: main}", True, ""),
        (
            "{operator: or, eval: 'A == \"1\"', branch: dev}",
            False,
            'no rule matches: eval `A == "1"` is false; branch `main` does not match `dev`',
        ),
        ("{operator: or, eval: 'A == \"1\"'}", False, 'no rule matches: eval `A == "1"` is false'),
        # unless: a true eval prunes
        ("{unless: {eval: 'A == \"x\"'}}", False, 'unless: eval `A == "x"` is true'),
        ("{unless: {eval: 'A == \"1\"'}}", True, ""),
        (
            "{unless: {eval: 'A == \"1\"'}, if: {branch: dev}}",
            False,
            "branch `main` does not match `dev`",
        ),
        # the simple form's eval is the if block's
        ("{eval: 'A == \"x\"', if: {branch: main}}", True, ""),
        # continue does not change the verdict
        ("{eval: 'A == \"1\"', continue: true}", False, 'eval `A == "1"` is false'),
    ],
)
def test_eval_with_the_other_rules(body: str, keep: bool, reason: str) -> None:
    verdict = evaluate(ruleset(body), PUSH_MAIN, {"A": "x"})
    assert (verdict.keep, verdict.reason) == (keep, reason)


def test_without_an_environment_eval_is_not_run() -> None:
    """The server runs eval only when ``RuleData.Env`` is set (the compiler always sets it)."""
    assert evaluate(ruleset("{eval: 'false'}"), PUSH_MAIN).keep is True
    assert evaluate(ruleset("{eval: 'false', branch: dev}"), PUSH_MAIN).keep is False


def test_or_with_status_at_compile_time_keeps_without_running_eval() -> None:
    rs = ruleset("{operator: or, status: failure, eval: '1 + bad-eval'}")
    assert evaluate(rs, PUSH_MAIN, {}).keep is True


def test_a_false_eval_stops_before_a_bad_pattern() -> None:
    rs = ruleset("{eval: 'false', matcher: regexp, branch: '(?!x)'}")
    assert evaluate(rs, PUSH_MAIN, {}).keep is False
    with pytest.raises(PatternError):
        evaluate(ruleset("{eval: 'true', matcher: regexp, branch: '(?!x)'}"), PUSH_MAIN, {})


def test_the_check_records_expression_and_verdict() -> None:
    verdict = evaluate(ruleset("{eval: 'A == \"x\"', branch: main}"), PUSH_MAIN, {"A": "x"})
    eval_check, branch_check = verdict.checks
    assert (eval_check.rule, eval_check.patterns, eval_check.matched) == (
        "eval",
        ('A == "x"',),
        True,
    )
    assert branch_check.rule == "branch"


@pytest.mark.parametrize(
    ("body", "status", "env", "runs", "reason"),
    [
        # a step with a status rule is matched again while the build runs, eval included
        ("{status: [success, failure], eval: 'A == \"x\"'}", "failure", {"A": "x"}, True, ""),
        (
            "{status: [success, failure], eval: 'A == \"x\"'}",
            "running",
            {"A": "y"},
            False,
            'ruleset at run time (build status success): eval `A == "x"` is false',
        ),
        # compile time keeps an or+status step without running eval; the worker runs it
        (
            "{operator: or, status: failure, eval: '1 + bad-eval'}",
            "failure",
            {},
            False,
            "ruleset at run time: failed to run eval of `1 + bad-eval`: invalid operation:"
            " int + string (1:3)",
        ),
        # without a status rule only the build status counts, as on the worker
        ("{eval: 'false'}", "running", {}, True, ""),
    ],
)
def test_eval_at_run_time(
    body: str, status: str, env: dict[str, str], runs: bool, reason: str
) -> None:
    assert should_run(ruleset(body), status, PUSH_MAIN, env) == (runs, reason)
