"""The live reporters: Vela's prefixes, the captured tail for JUnit."""

from __future__ import annotations

import io

import pytest

from tests.unit.helpers import spec
from velarun.report.capture import CaptureReporter
from velarun.report.console import ConsoleReporter
from velarun.report.live import prefix


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        ({}, "[stage: test][step: unit]"),
        ({"stage": None}, "[step: unit]"),
        ({"kind": "service", "stage": None, "name": "db"}, "[service: db]"),
    ],
)
def test_log_prefixes_like_vela(kw: dict[str, object], text: str) -> None:
    assert prefix(spec(**kw)) == text


def test_capture_keeps_a_bounded_tail_per_step() -> None:
    class Sink(io.StringIO):
        def isatty(self) -> bool:
            return False

    capture = CaptureReporter(ConsoleReporter(out=Sink(), err=Sink()))
    s = spec()
    for i in range(300_000):
        capture.log(s, [f"line {i:06d}"])
    kept = capture.lines[s.label]
    assert kept[-1] == "line 299999"
    assert sum(len(x) + 1 for x in kept) <= CaptureReporter.MAX_BYTES
    capture.log(s, ["y" * 3_000_000])
    assert list(capture.lines[s.label]) == ["[...] " + "y" * 1_000_000]


def test_capture_keeps_the_same_tail_whatever_the_batches() -> None:
    # The tail is cut when asked for: batches of any size give the line-by-line answer.
    lines = [f"{i:05d}" + "x" * (i % 97) for i in range(40_000)]
    expected: list[str] = []
    size = 0
    for line in lines:
        expected.append(line)
        size += len(line) + 1
        while size > CaptureReporter.MAX_BYTES and len(expected) > 1:
            size -= len(expected.pop(0)) + 1
    for batch in (1, 7, 1000, 40_000):
        capture = CaptureReporter(ConsoleReporter(out=io.StringIO(), err=io.StringIO()))
        for i in range(0, len(lines), batch):
            capture.log(spec(), lines[i : i + batch])
        assert capture.lines[spec().label] == expected, batch
