"""The live display on a terminal (rich), read back through a terminal emulator: lines
written while it is shown land above it, never inside it, and it leaves nothing behind."""

from __future__ import annotations

import io
import re
import sys

import pytest

from tests.screens import replay
from velarun.report.screen import LiveScreen
from velarun.runtime import PullProgress


class Terminal(io.StringIO):
    """stdout and stderr both: one terminal, as a person's usually is."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_go_above_the_display_and_it_leaves_only_them_and_the_summary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    term, clock = Terminal(), Clock()
    monkeypatch.setattr(sys, "stderr", term)  # velarun's lines (the pulls' summary)
    mask = lambda text: text.replace("s3cret", "***")  # noqa: E731
    # The clock is the test's; the ticker (redrawing the elapsed times) never comes.
    screen = LiveScreen(term, term, mask=mask, clock=clock, tick=3600)
    with screen:
        out = screen.route(term)
        screen.pull_started("registry/s3cret:1")
        screen.pull_progress(PullProgress("registry/s3cret:1", 1_000_000, 3_000_000, 0, 2))
        clock.now += 2.0
        screen.pull_finished(PullProgress("registry/s3cret:1", 3_000_000, 3_000_000, 2, 2), True)
        screen.step_started("one/a")
        screen.step_started("two/b")
        clock.now += 1.0
        out.write("[stage: one][step: a] hello\n")
        sys.stderr.write("velarun: a notice, on stderr\n")  # routed while the display is up
        out.write("[stage: two][step: b] half a line")
        clock.now += 1.0
        out.write(", then the rest\n")
        screen.step_finished("one/a")
        screen.step_finished("two/b")
    # A terminal's driver turns each newline into CR LF (onlcr); pyte sees what comes out.
    frames = replay(term.getvalue().replace("\n", "\r\n").encode(), 24, 80)
    assert frames[-1] == [
        "velarun: pulled 1 image (3.0 MB) in 2.0s",
        "[stage: one][step: a] hello",
        "velarun: a notice, on stderr",
        "[stage: two][step: b] half a line, then the rest",
    ]
    assert sys.stderr is term
    bars = [line for frame in frames for line in frame if line.startswith("registry/")]
    assert [re.sub("━+", "━━━", line) for line in bars] == [
        "registry/***:1 ━━━ waiting for sizes, 0/0 layers",  # started
        "registry/***:1 ━━━ 3.0 MB / 3.0 MB, 2/2 layers",  # finished (progress is drawn later)
    ]
    assert "s3cret" not in term.getvalue()
    assert [
        "velarun: pulled 1 image (3.0 MB) in 2.0s",
        "[stage: one][step: a] hello",
        "running 2: one/a 1s, two/b 1s",
    ] in frames


def test_one_image_pulled_twice_at_once_has_one_bar_and_a_pull_after_the_run_says_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    term, clock = Terminal(), Clock()
    monkeypatch.setattr(sys, "stderr", term)
    done = PullProgress("img:1", 1000, 1000, 1, 1)
    with LiveScreen(term, term, clock=clock, tick=3600) as screen:
        screen.pull_started("img:1")
        screen.pull_started("img:1")  # two steps' on_start pulls
        screen.pull_finished(done, True)
        sys.stderr.write("velarun: one pull is still on\n")
        screen.pull_finished(done, True)
        screen.pull_started("late:1")  # abandoned (the run was canceled): it never ends
    screen.pull_finished(PullProgress("late:1", 5, 5, 1, 1), True)
    frames = replay(term.getvalue().replace("\n", "\r\n").encode(), 24, 80)
    bars = {re.sub("━+", "━━━", line) for frame in frames for line in frame if "layer" in line}
    assert bars == {
        "img:1 ━━━ waiting for sizes, 0/0 layers",
        "img:1 ━━━ 1.0 kB / 1.0 kB, 1/1 layers",
        "late:1 ━━━ waiting for sizes, 0/0 layers",
    }
    assert frames[-1] == [
        "velarun: one pull is still on",
        "velarun: pulled 1 image (1.0 kB) in 0.0s",
    ]
