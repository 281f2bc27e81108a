"""`eval` while the build runs: a step with a status rule is matched again before it starts,
eval included, against its environment (the worker's `internal/step/skip.go`)."""

from __future__ import annotations

from tests.unit.schedule.test_scheduler import compile_text, run, statuses
from velarun.runtime.fake import FakeRuntime, FakeStep

PIPELINE = """version: "1"
steps:
  - {name: build, image: img, commands: [make]}
  - name: notify-prod
    image: img
    environment: {TARGET: prod}
    commands: [echo]
    ruleset: {operator: or, status: failure, eval: 'TARGET == "prod"'}
  - name: notify-dev
    image: img
    environment: {TARGET: dev}
    commands: [echo]
    ruleset: {operator: or, status: failure, eval: 'TARGET == "prod"'}
"""


def test_or_with_status_is_kept_at_compile_time_and_eval_decides_at_run_time() -> None:
    plan = compile_text(PIPELINE)
    assert [s.name for s in plan.all_steps()] == ["build", "notify-prod", "notify-dev"]
    outcome = run(plan, FakeRuntime({}))
    assert statuses(outcome) == {
        "build": "success",
        "notify-prod": "success",
        "notify-dev": "skipped",
    }
    assert outcome.all_steps()[2].reason == (
        'ruleset at run time (build status success): no rule matches: eval `TARGET == "prod"`'
        " is false; status `success` does not match `failure`"
    )


def test_after_a_failure_the_status_rule_runs_both() -> None:
    outcome = run(compile_text(PIPELINE), FakeRuntime({"build": FakeStep(exit_code=1)}))
    assert statuses(outcome) == {
        "build": "failure",
        "notify-prod": "success",
        "notify-dev": "success",
    }


def test_an_eval_failing_at_run_time_skips_the_step_and_says_why() -> None:
    text = PIPELINE.replace("""eval: 'TARGET == "prod"'}\n""", "eval: 'TARGET > 1'}\n", 1)
    outcome = run(compile_text(text), FakeRuntime({}))
    assert statuses(outcome)["notify-prod"] == "skipped"
    assert outcome.all_steps()[1].reason == (
        "ruleset at run time: failed to compile eval of `TARGET > 1`: invalid operation: >"
        " (mismatched types string and int) (1:8)"
    )
