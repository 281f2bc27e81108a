"""A closed output (`velarun exec | head`): reported once, never raised, silenced for good."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.unit.helpers import spec
from velarun.output import OutputGone, write_to
from velarun.report.console import ConsoleReporter
from velarun.report.jsonl import JsonlReporter


class ClosedAfter(io.StringIO):
    """Accepts ``n`` writes, then behaves as a pipe whose reader has gone away."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def write(self, text: str) -> int:
        if self.n <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.n -= 1
        return super().write(text)

    def isatty(self) -> bool:
        return False


def test_write_to_reports_a_closed_pipe_instead_of_raising() -> None:
    stream = ClosedAfter(1)
    assert write_to(stream, "first\n") is True
    assert write_to(stream, "second\n") is False
    assert stream.getvalue() == "first\n"


@pytest.mark.parametrize("make", [ConsoleReporter, JsonlReporter])
def test_reporters_call_on_closed_once_and_keep_going(make: type) -> None:
    calls: list[str] = []
    out = ClosedAfter(1)
    reporter = make(out=out, err=io.StringIO(), on_closed=lambda: calls.append("closed"))
    s = spec()
    reporter.step_started(s)
    reporter.log(s, ["one", "two"])  # the pipe is closed from here on
    reporter.log(s, ["three"])
    reporter.step_started(s)
    assert calls == ["closed"]
    assert "three" not in out.getvalue()


def test_output_gone_runs_its_action_once_even_when_set_late() -> None:
    ran: list[int] = []
    early = OutputGone()
    early.then(lambda: ran.append(1))
    early()
    early()
    late = OutputGone()
    late()
    late.then(lambda: ran.append(2))
    assert ran == [1, 2]


def test_a_closed_stdout_is_silenced_for_the_rest_of_the_process() -> None:
    # The interpreter flushes stdout at exit; after a closed pipe that flush must not print
    # "Exception ignored ... BrokenPipeError".
    code = (
        "import sys, time\n"
        "from velarun.output import write_to\n"
        "time.sleep(0.5)\n"
        "ok = write_to(sys.stdout, 'x' * 200000)\n"
        "sys.stdout.write('more')\n"
        "print(ok, file=sys.stderr)\n"
    )
    r, w = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=w,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    os.close(w)
    os.close(r)  # the reader goes away before the child writes
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (0, "False\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "env", "expected"),
    [
        (Terminal(), {}, True),
        (io.StringIO(), {}, False),
        (Terminal(), {"NO_COLOR": "1"}, False),
        (Terminal(), {"NO_COLOR": ""}, True),  # set but empty does not count (no-color.org)
        (io.StringIO(), {"FORCE_COLOR": "1"}, True),
        (Terminal(), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (Terminal(), {"TERM": "dumb"}, False),
    ],
)
def test_use_color(stream: io.StringIO, env: dict[str, str], expected: bool) -> None:
    from velarun.output import use_color

    assert use_color(stream, env) is expected


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("\x1b[31mred\x1b[0m plain", "red plain"),
        ("\x1b[1;32m\x1b[K bold", " bold"),
        ("\x1b]0;title\x07after", "after"),
        ("\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("bell\x07 nul\x00 tab\tok", "bell\ufffd nul\ufffd tab\tok"),
        ("lone \x1b escape", "lone \ufffd escape"),
    ],
)
def test_junit_text_drops_terminal_escapes_and_what_xml_forbids(raw: str, kept: str) -> None:
    from velarun.report.junit import xml_text

    assert xml_text(raw) == kept
