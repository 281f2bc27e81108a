"""JUnit output: a step's artifacts that are JUnit reports attached to its testcase."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from velarun.report.junit import junit_reports, junit_tree
from velarun.schedule.outcome import BuildStatus, RunOutcome, StageOutcome, StepOutcome, StepStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "content", "attached"),
    [
        ("suite.xml", b'<?xml version="1.0"?>\n<testsuite name="a"/>', True),
        ("suites.xml", b"<testsuites><testsuite/></testsuites>", True),
        ("coverage.xml", b"<coverage/>", False),
        ("broken.xml", b"<testsuite", False),
        ("empty.xml", b"", False),
        ("suite.txt", b"<testsuite/>", False),
    ],
)
def test_which_artifacts_are_junit_reports(
    tmp_path: Path, name: str, content: bytes, attached: bool
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert junit_reports([str(path), str(tmp_path / "gone.xml")]) == (
        [str(path)] if attached else []
    )


def test_reports_are_attached_after_the_output(tmp_path: Path) -> None:
    report = tmp_path / "unit.xml"
    report.write_bytes(b"<testsuite/>")
    steps = (
        StepOutcome("ok", None, StepStatus.SUCCESS, 0, "", T0, T0, artifacts=(str(report),)),
        StepOutcome("bad", None, StepStatus.FAILURE, 1, "exited with code 1", T0, T0,
                    artifacts=(str(report),)),
        StepOutcome("none", None, StepStatus.SUCCESS, 0, "", T0, T0, artifacts=()),
    )  # fmt: skip
    outcome = RunOutcome(
        BuildStatus.FAILURE,
        T0,
        T0,
        (StageOutcome("steps", StepStatus.FAILURE, T0, T0, steps, True),),
    )
    lines = {"ok": ["passed"], "bad": ["failed"]}
    text = ET.tostring(junit_tree(outcome, lines).getroot(), encoding="unicode")
    assert text == (
        '<testsuites name="velarun" time="0.000">\n'
        '  <testsuite name="steps" tests="3" failures="1" errors="0" skipped="0">\n'
        '    <testcase name="ok" classname="steps" time="0.000">\n'
        f"      <system-out>passed\n[[ATTACHMENT|{report}]]\n</system-out>\n"
        "    </testcase>\n"
        '    <testcase name="bad" classname="steps" time="0.000">\n'
        '      <failure message="exited with code 1" type="exit">failed</failure>\n'
        f"      <system-out>[[ATTACHMENT|{report}]]\n</system-out>\n"
        "    </testcase>\n"
        '    <testcase name="none" classname="steps" time="0.000" />\n'
        "  </testsuite>\n"
        "</testsuites>"
    )
