"""The verdict: CI's steps beside the local run's (pure tables)."""

from __future__ import annotations

import pytest

from velarun.cibuild.build import BuildRef, CIBuild, CIStep
from velarun.cibuild.verdict import (
    Comparison,
    LocalStep,
    StepVerdict,
    compare,
    step_verdict,
    summary,
    verdict_lines,
)

BUILD = CIBuild(BuildRef("octo", "app", 42), status="failure")


@pytest.mark.parametrize(
    ("ci", "local", "verdict"),
    [
        ("failure", "failure", "reproduced"),
        ("failure", "error", "reproduced"),
        ("error", "failure", "reproduced"),
        ("failure", "success", "not_reproduced"),
        ("failure", "skipped", "not_reproduced"),
        ("success", "failure", "new_failure"),
        ("killed", "error", "new_failure"),
        ("success", "success", "same"),
        ("killed", "skipped", "same"),
        ("success", "skipped", "same"),
        ("failure", None, "ci_only"),
        ("success", None, "ci_only"),
        (None, "failure", "local_only"),
        (None, "success", "local_only"),
    ],
)
def test_step_verdicts(ci: str | None, local: str | None, verdict: str) -> None:
    assert step_verdict(ci, local) == verdict


def ci(stage: str, name: str, status: str, image: str = "alpine") -> CIStep:
    return CIStep(name, stage, status, image=image)


def test_steps_match_by_stage_and_name_and_injected_steps_are_left_out() -> None:
    ci_steps = [
        ci("init", "init", "success", "#init"),
        ci("clone", "clone", "success", "target/vela-git:latest"),
        ci("build", "compile", "success"),
        ci("test", "unit", "failure"),
        ci("test", "lint", "success"),
        ci("deploy", "ship", "killed"),
        ci("docs", "publish", "success"),
    ]
    local = [
        LocalStep("build", "compile", "success"),
        LocalStep("test", "unit", "failure"),
        LocalStep("test", "lint", "failure"),
        LocalStep("deploy", "ship", "skipped"),
        LocalStep("test", "new-check", "success"),
    ]
    assert compare(BUILD, ci_steps, local) == Comparison(
        "octo/app#42",
        "failure",
        "reproduced",
        (
            StepVerdict("build", "compile", "success", "success", "same"),
            StepVerdict("test", "unit", "failure", "failure", "reproduced"),
            StepVerdict("test", "lint", "success", "failure", "new_failure"),
            StepVerdict("deploy", "ship", "killed", "skipped", "same"),
            StepVerdict("docs", "publish", "success", None, "ci_only"),
            StepVerdict("test", "new-check", None, "success", "local_only"),
        ),
    )


@pytest.mark.parametrize(
    ("ci_steps", "local", "verdict"),
    [
        # every step that failed in CI failed here
        (
            [ci("", "a", "failure"), ci("", "b", "failure")],
            [LocalStep(None, "a", "failure"), LocalStep(None, "b", "error")],
            "reproduced",
        ),
        # one of them passed here
        (
            [ci("", "a", "failure"), ci("", "b", "failure")],
            [LocalStep(None, "a", "failure"), LocalStep(None, "b", "success")],
            "not_reproduced",
        ),
        # one of them did not run here at all
        ([ci("", "a", "failure")], [], "not_reproduced"),
        # nothing failed in CI: nothing left unreproduced
        ([ci("", "a", "success")], [LocalStep(None, "a", "failure")], "reproduced"),
        # a failed clone is the server's, not the pipeline's
        (
            [ci("", "clone", "failure"), ci("", "a", "success")],
            [LocalStep(None, "a", "success")],
            "reproduced",
        ),
    ],
)
def test_the_build_verdict(ci_steps: list[CIStep], local: list[LocalStep], verdict: str) -> None:
    assert compare(BUILD, ci_steps, local).verdict == verdict


def test_a_steps_pipeline_has_no_stage_on_either_side() -> None:
    got = compare(BUILD, [ci("", "test", "failure")], [LocalStep(None, "test", "failure")])
    assert got.to_json() == {
        "build": "octo/app#42",
        "status": "failure",
        "verdict": "reproduced",
        "steps": [
            {
                "stage": None,
                "name": "test",
                "ci_status": "failure",
                "local_status": "failure",
                "verdict": "reproduced",
            }
        ],
    }


@pytest.mark.parametrize(
    ("ci_steps", "local", "line"),
    [
        (
            [ci("t", "a", "failure")],
            [LocalStep("t", "a", "failure")],
            "verdict: reproduced: t/a failed in CI build octo/app#42 and here",
        ),
        (
            [ci("t", "a", "failure"), ci("t", "b", "failure"), ci("t", "c", "success")],
            [
                LocalStep("t", "a", "failure"),
                LocalStep("t", "b", "success"),
                LocalStep("t", "c", "failure"),
            ],
            "verdict: not reproduced: 1 of 2 steps that failed in CI did not fail here: t/b; 1 new failure here: t/c",
        ),
        (
            [ci("t", "a", "success")],
            [LocalStep("t", "a", "success")],
            "verdict: nothing to reproduce: no step failed in CI build octo/app#42",
        ),
    ],
)
def test_the_summary_line(ci_steps: list[CIStep], local: list[LocalStep], line: str) -> None:
    assert summary(compare(BUILD, ci_steps, local)) == line


def test_the_table_puts_ci_beside_here() -> None:
    got = compare(
        BUILD,
        [ci("test", "unit", "failure"), ci("test", "lint", "success")],
        [LocalStep("test", "unit", "failure")],
    )
    assert verdict_lines(got) == [
        "CI build octo/app#42: failure",
        "  step       CI        here      verdict",
        "  test/unit  failure   failure   reproduced",
        "  test/lint  success   -         ci_only",
        "verdict: reproduced: test/unit failed in CI build octo/app#42 and here",
    ]
