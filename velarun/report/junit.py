"""JUnit XML (``--junit``): a testsuite per stage (``steps`` for a steps pipeline), a testcase
per step, each with the tail of its output. Mask the outcome and the lines first.

A step's artifacts that are JUnit reports themselves (``*.xml`` whose root is ``testsuite`` or
``testsuites``) are attached to its testcase as ``[[ATTACHMENT|/abs/path]]`` lines in its
``<system-out>``, the convention of Jenkins' JUnit Attachments plugin that GitLab reads too."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from velarun.report.document import write_atomically
from velarun.schedule.outcome import RunOutcome, StepOutcome, StepStatus

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
"""Terminal escape sequences: colours and cursor moves (CSI), titles and links (OSC)."""
_PROBLEMS = {
    StepStatus.FAILURE: ("failure", "exit"),
    StepStatus.ERROR: ("error", "error"),
    StepStatus.KILLED: ("error", "killed"),
}


def xml_text(text: str) -> str:
    """Step output as JUnit can carry it: terminal escapes dropped (a CI page shows them as
    junk), then what XML 1.0 forbids replaced by U+FFFD."""
    return _XML_BAD.sub("\ufffd", _ANSI.sub("", text))


def _testcase(suite: ET.Element, step: StepOutcome, output: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=xml_text(step.name),
        classname=xml_text(step.stage or "steps"),
        time=f"{step.duration or 0:.3f}",
    )
    reason = xml_text(step.reason)
    if step.status is StepStatus.SKIPPED:
        ET.SubElement(case, "skipped", message=reason)
    elif step.status in _PROBLEMS:
        tag, kind = _PROBLEMS[step.status]
        ET.SubElement(case, tag, message=reason, type=kind).text = output
    attached = "".join(f"[[ATTACHMENT|{path}]]\n" for path in junit_reports(step.artifacts))
    if step.status is StepStatus.SUCCESS and output:
        attached = f"{output}\n{attached}" if attached else output
    if attached and step.status is not StepStatus.SKIPPED:
        ET.SubElement(case, "system-out").text = attached


def junit_reports(paths: Iterable[str] | None) -> list[str]:
    """The JUnit reports among a step's artifacts (absolute paths): ``*.xml`` files whose
    first element is ``testsuite`` or ``testsuites``."""
    found: list[str] = []
    for path in paths or ():
        if not path.endswith(".xml"):
            continue
        try:
            with open(path, "rb") as f:
                for _, element in ET.iterparse(f, events=("start",)):
                    if element.tag in ("testsuite", "testsuites"):
                        found.append(str(Path(path).resolve()))
                    break
        except (ET.ParseError, OSError):
            continue
    return found


def junit_tree(outcome: RunOutcome, lines: Mapping[str, Iterable[str]]) -> ET.ElementTree:
    total = (outcome.finished_at - outcome.started_at).total_seconds()
    suites = ET.Element("testsuites", name="velarun", time=f"{total:.3f}")
    for stage in outcome.stages:
        steps = stage.steps
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=xml_text(stage.name),
            tests=str(len(steps)),
            failures=str(sum(1 for s in steps if s.status is StepStatus.FAILURE)),
            errors=str(sum(1 for s in steps if s.status in (StepStatus.ERROR, StepStatus.KILLED))),
            skipped=str(sum(1 for s in steps if s.status is StepStatus.SKIPPED)),
        )
        for step in steps:
            _testcase(suite, step, xml_text("\n".join(lines.get(step.label, []))))
    tree = ET.ElementTree(suites)
    ET.indent(tree)
    return tree


def write_junit(path: Path, outcome: RunOutcome, lines: Mapping[str, Iterable[str]]) -> None:
    tree = junit_tree(outcome, lines)

    def write(f: BinaryIO) -> None:
        tree.write(f, encoding="utf-8", xml_declaration=True)

    write_atomically(path, write, ".velarun-junit-")
