"""The live display's texts (pure): sizes, elapsed times, the status line, a pull's bar
detail and the pulls' summary, and when a run gets the display at all."""

from __future__ import annotations

import io

import anyio
import pytest

from tests.unit.helpers import compile_text
from velarun.report.progress import (
    format_bytes,
    format_elapsed,
    live_wanted,
    pull_detail,
    pull_summary,
    status_text,
)
from velarun.runtime import PullProgress
from velarun.runtime.fake import FakeRuntime
from velarun.schedule.containers import RunOptions
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1500, "1.5 kB"),
        (999_949, "999.9 kB"),
        (999_950, "1.0 MB"),
        (48_200_000, "48.2 MB"),
        (1_300_000_000, "1.3 GB"),
        (5_000_000_000_000_000, "5000.0 TB"),
    ],
)
def test_format_bytes(count: int, text: str) -> None:
    assert format_bytes(count) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-1.0, "0s"), (0.0, "0s"), (7.9, "7s"), (59.99, "59s"), (65.0, "1m05s"), (3720.0, "1h02m")],
)
def test_format_elapsed(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


@pytest.mark.parametrize(
    ("running", "width", "text"),
    [
        ([], 80, ""),
        ([("build/compile", 3.2)], 80, "running: build/compile 3s"),
        ([("compile", 61.0)], 80, "running: compile 1m01s"),
        (
            [("one/sleepy", 2.0), ("two/dozy", 1.5)],
            80,
            "running 2: one/sleepy 2s, two/dozy 1s",
        ),
        (
            [("one/a", 1.0), ("two/b", 2.0), ("three/c", 3.0), ("four/d", 4.0)],
            40,
            "running 4: one/a 1s, two/b 2s, +2 more",
        ),
        (
            [("one/a", 1.0), ("two/b", 2.0), ("three/c", 3.0), ("four/d", 4.0)],
            41,
            "running 4: one/a 1s, two/b 2s, +2 more",
        ),
        (
            [("one/a", 1.0), ("two/b", 2.0), ("three/c", 3.0), ("four/d", 4.0)],
            60,
            "running 4: one/a 1s, two/b 2s, three/c 3s, four/d 4s",
        ),
        (
            [("a-very-long-stage-name/a-very-long-step-name", 5.0)],
            30,
            "running: a-very-long-stage-n…",
        ),
        (  # never narrower than 20 columns, however narrow the terminal says it is
            [("a-very-long-stage-name/a-very-long-step-name", 5.0)],
            3,
            "running: a-very-lon…",
        ),
    ],
)
def test_status_text(running: list[tuple[str, float]], width: int, text: str) -> None:
    assert status_text(running, width) == text


@pytest.mark.parametrize(
    ("progress", "text"),
    [
        (PullProgress("img"), "waiting for sizes, 0/0 layers"),
        (PullProgress("img", 0, 0, 1, 2), "waiting for sizes, 1/2 layers"),
        (PullProgress("img", 12_300_000, 48_200_000, 3, 5), "12.3 MB / 48.2 MB, 3/5 layers"),
        (PullProgress("img", 8_001_116, 8_001_116, 2, 2), "8.0 MB / 8.0 MB, 2/2 layers"),
    ],
)
def test_pull_detail(progress: PullProgress, text: str) -> None:
    assert pull_detail(progress) == text


@pytest.mark.parametrize(
    ("images", "size", "seconds", "text"),
    [
        (1, 8_000_000, 2.34, "pulled 1 image (8.0 MB) in 2.3s"),
        (2, 48_200_000, 12.3, "pulled 2 images (48.2 MB) in 12.3s"),
        (3, 0, 0.04, "pulled 3 images (0 B) in 0.0s"),
    ],
)
def test_pull_summary(images: int, size: int, seconds: float, text: str) -> None:
    assert pull_summary(images, size, seconds) == text


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Closed(Tty):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(
    ("output", "shells", "stderr", "env", "wanted"),
    [
        ("text", False, Tty(), {"TERM": "xterm"}, True),
        ("text", False, Tty(), {}, True),
        ("text", False, Tty(), {"TERM": "xterm", "NO_COLOR": "1"}, True),  # no colour only
        ("text", False, io.StringIO(), {"TERM": "xterm"}, False),  # piped
        ("text", False, Closed(), {"TERM": "xterm"}, False),
        ("jsonl", False, Tty(), {"TERM": "xterm"}, False),
        ("text", False, Tty(), {"TERM": "dumb"}, False),
        ("text", True, Tty(), {"TERM": "xterm"}, False),  # a shell needs the terminal
    ],
)
def test_live_wanted(
    output: str, shells: bool, stderr: io.StringIO, env: dict[str, str], wanted: bool
) -> None:
    assert live_wanted(output, shells, stderr, env) is wanted


class Pulls:
    """A PullObserver that writes down what it is told."""

    def __init__(self) -> None:
        self.told: list[str] = []

    def pull_started(self, image: str) -> None:
        self.told.append(f"started {image}")

    def pull_progress(self, progress: PullProgress) -> None:
        self.told.append(f"{progress.image}: {pull_detail(progress)}")

    def pull_finished(self, progress: PullProgress, ok: bool) -> None:
        self.told.append(f"finished {progress.image} ok={ok}: {pull_detail(progress)}")


def test_the_scheduler_hands_the_run_s_pull_observer_to_the_runtime() -> None:
    plan = compile_text(
        'version: "1"\n'
        "steps:\n"
        "  - {name: a, image: 'alpine:3', pull: always, commands: [echo]}\n"
        "  - {name: b, image: 'here:1', pull: never, commands: [echo]}\n"
        "  - {name: c, image: 'ruby:3', commands: [echo]}\n"
    )
    fake = FakeRuntime(layers={"alpine:3": (3_000_000, 1_000), "ruby:3": (5_000,)})
    pulls = Pulls()
    anyio.run(lambda: run_plan(plan, fake, RecordingReporter(), RunOptions(pulls=pulls)))
    assert pulls.told == [
        "started alpine:3",
        "alpine:3: 3.0 MB / 3.0 MB, 1/2 layers",
        "alpine:3: 3.0 MB / 3.0 MB, 2/2 layers",
        "finished alpine:3 ok=True: 3.0 MB / 3.0 MB, 2/2 layers",
        "started ruby:3",
        "ruby:3: 5.0 kB / 5.0 kB, 1/1 layers",
        "finished ruby:3 ok=True: 5.0 kB / 5.0 kB, 1/1 layers",
    ]
