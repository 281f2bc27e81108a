"""Ruleset matching as the Vela server does it: compile time (status `pending`) and run time."""

from __future__ import annotations

import pytest

from velarun.compile.ruledata import build_ruledata
from velarun.compile.rules import PatternError, check_pattern, evaluate, match_rule
from velarun.load import load_bytes
from velarun.load.model import Ruleset
from velarun.schedule.runtime_rules import should_run


def ruleset(yaml_body: str) -> Ruleset:
    text = f'version: "1"\nsteps:\n  - name: s\n    image: i\n    commands: [x]\n    ruleset: {yaml_body}\n'
    result = load_bytes(text.encode(), "p.yml")
    assert result.pipeline is not None, result.diagnostics
    return result.pipeline.steps[0].ruleset


PUSH_MAIN = build_ruledata(event="push", branch="main", paths=("src/a.go", "docs/x.md"))


# The compile-time status table of vela-compiler.md §2.6 (push to main, status pending).
@pytest.mark.parametrize(
    ("body", "keep", "reason"),
    [
        ("{status: [success, failure]}", True, ""),
        ("{branch: dev, status: failure}", False, "branch `main` does not match `dev`"),
        ("{operator: or, branch: dev, status: failure}", True, ""),
        (
            "{unless: {status: failure}}",
            False,
            "its `unless` block has only `status` rules, which are not evaluated at compile"
            " time, so the block counts as matched (Vela server quirk)",
        ),
        ("{continue: true}", True, ""),
        ("{branch: main, status: failure}", True, ""),
    ],
)
def test_compile_time_status_quirks(body: str, keep: bool, reason: str) -> None:
    verdict = evaluate(ruleset(body), PUSH_MAIN)
    assert (verdict.keep, verdict.reason) == (keep, reason)


@pytest.mark.parametrize(
    ("body", "keep", "reason"),
    [
        ("{}", True, ""),
        ("{branch: main}", True, ""),
        ("{branch: [dev, 'ma*']}", True, ""),
        ("{branch: dev}", False, "branch `main` does not match `dev`"),
        ("{event: push, branch: dev}", False, "branch `main` does not match `dev`"),
        ("{event: tag, branch: dev}", False, "branch `main` does not match `dev`"),  # branch first
        ("{event: tag, branch: main}", False, "event `push` does not match `tag`"),
        ("{operator: or, event: tag, branch: main}", True, ""),
        (
            "{operator: or, event: tag, branch: dev}",
            False,
            "no rule matches: branch `main` does not match `dev`; event `push` does not match `tag`",
        ),
        ("{path: ['src/*']}", True, ""),
        ("{path: ['*.go']}", False, "none of the 2 changed files matches `*.go`"),
        ("{path: ['docs/**']}", True, ""),
        ("{matcher: regexp, branch: '^ma'}", True, ""),
        (
            "{matcher: regexp, path: 'back-end/.*'}",
            False,
            "none of the 2 changed files matches `back-end/.*` (regexp)",
        ),
        ("{unless: {branch: main}}", False, "unless: branch `main` matches `main`"),
        ("{unless: {branch: dev}}", True, ""),
        ("{unless: {path: ['*.md']}}", True, ""),
        ("{tag: 'refs/heads/*'}", True, ""),
        ("{repo: 'octo*/*'}", False, "repo `localOrg/localRepo` does not match `octo*/*`"),
        ("{comment: 'run *'}", False, "comment `` does not match `run *`"),
        ("{label: [bug]}", False, "no labels given, so label `bug` cannot match"),
        (
            "{if: {branch: main}, unless: {event: push}}",
            False,
            "unless: event `push` matches `push`",
        ),
        (
            "{event: pull_request}",
            False,
            "event `push` does not match any of `pull_request:opened`, `pull_request:synchronize`, `pull_request:reopened`",
        ),
    ],
)
def test_matching(body: str, keep: bool, reason: str) -> None:
    verdict = evaluate(ruleset(body), PUSH_MAIN)
    assert (verdict.keep, verdict.reason) == (keep, reason)


@pytest.mark.parametrize(
    ("event", "pattern", "matches"),
    [
        ("pull_request", "pull_request", True),
        ("pull_request:synchronize", "pull_request", True),
        ("pull_request:labeled", "pull_request", False),
        ("pull_request:labeled", "pull_request*", True),
        ("comment:edited", "comment", True),
        ("deployment", "deployment", True),
        ("delete:branch", "delete", False),
        ("delete:tag", "delete:*", True),
    ],
)
def test_event_expansion_in_rulesets(event: str, pattern: str, matches: bool) -> None:
    data = build_ruledata(event=event, tag="v1" if event.startswith("tag") else None)
    assert evaluate(ruleset(f"{{event: '{pattern}'}}"), data).keep is matches


def test_rule_with_no_data_never_matches_and_any_pattern_any_datum() -> None:
    assert match_rule((), ["*"], "filepath") is None
    assert match_rule(("a", "b"), ["x", "b"], "filepath") == ("b", "b")
    assert match_rule(("feature-dev-1",), ["dev"], "regexp") == ("dev", "feature-dev-1")


@pytest.mark.parametrize(
    ("pattern", "matcher", "message"),
    [
        ("[", "filepath", "invalid glob `[`: syntax error in pattern"),
        ("a[b-]", "filepath", "invalid glob `a[b-]`: syntax error in pattern"),
        ("*", "regexp", "invalid regexp `*`: no argument for repetition operator: *"),
        ("(?=x)", "regexp", "invalid regexp `(?=x)`: invalid perl operator: (?="),
    ],
)
def test_bad_patterns(pattern: str, matcher: str, message: str) -> None:
    with pytest.raises(PatternError) as info:
        check_pattern(pattern, matcher)
    assert str(info.value) == message


# Run time: the worker's Container.Execute with the build (or independent stage) status.
@pytest.mark.parametrize(
    ("body", "status", "runs"),
    [
        ("{}", "running", True),
        ("{}", "failure", False),
        ("{branch: dev}", "running", True),  # compile-time rules are not re-checked
        ("{status: success}", "running", True),
        ("{status: success}", "failure", False),
        ("{status: failure}", "running", False),
        ("{status: failure}", "failure", True),
        ("{status: [success, failure]}", "failure", True),
        ("{status: [success, failure]}", "running", True),
        ("{unless: {status: success}}", "failure", True),
        ("{unless: {status: success}}", "running", False),
        ("{status: failure, branch: main}", "failure", True),
        ("{status: failure, path: ['*']}", "failure", False),
    ],
)
def test_runtime_status_rules(body: str, status: str, runs: bool) -> None:
    assert should_run(ruleset(body), status, PUSH_MAIN)[0] is runs
