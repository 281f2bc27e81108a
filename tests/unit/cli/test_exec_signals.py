"""Signals at chosen points of a command's life, raised in this process with
``signal.raise_signal``: during start-up (held, then handed over), later in ``exec``'s
preparation (as Ctrl-C), and a second one during the run's cleanup (what is still removed,
and how long it may take), on the FakeRuntime.

Start-up goes through the entry point itself (``velarun.cli.main``), which holds the stop
signals first thing; the signal is raised from a wrapper around the step of interest. The
engine is never reached there: ``DOCKER_HOST`` names a socket that does not exist."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.clirunner import CliRunner
from velarun import cli, interrupts, lifecycle, startsignals
from velarun.cli import app, commands
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime import ContainerSpec
from velarun.runtime.fake import FakeHandle, FakeRuntime, FakeStep

runner = CliRunner()
PIPELINE = """version: "1"
steps:
  - {name: long, image: img, pull: never, commands: [sleep 60]}
  - {name: after, image: img, pull: never, commands: ['true']}
"""
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
IDS = [s.name for s in SIGNALS]


def signalling(fn: Callable[..., Any], signum: int, *, first: bool = True) -> Callable[..., Any]:
    """``fn``, with ``signum`` raised just before it runs (``first``) or just after."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if first:
            signal.raise_signal(signum)
        result = fn(*args, **kwargs)
        if not first:
            signal.raise_signal(signum)
        return result

    return wrapped


def run_main(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> int:
    monkeypatch.setattr("sys.argv", ["velarun", *args])
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/velarun-test.sock")
    with pytest.raises(SystemExit) as ended:
        cli.main()
    startsignals._replaced.clear()  # the test process's own handlers: tests/conftest.py
    code = ended.value.code
    assert isinstance(code, int)
    return code


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / ".vela.yml"
    path.write_text(PIPELINE)
    return path


WHERE: dict[str, Callable[[pytest.MonkeyPatch, int], None]] = {
    "while the arguments are parsed": lambda mp, signum: mp.setattr(
        commands, "parse_args", signalling(commands.parse_args, signum)
    ),
    "as the run's handling takes over": lambda mp, signum: mp.setattr(
        interrupts, "interrupt_on", signalling(interrupts.interrupt_on, signum)
    ),
    "just after it took over": lambda mp, signum: mp.setattr(
        interrupts, "interrupt_on", signalling(interrupts.interrupt_on, signum, first=False)
    ),
    "while the pipeline is read": lambda mp, signum: mp.setattr(
        lifecycle, "prepare", signalling(lifecycle.prepare, signum)
    ),
}


@pytest.mark.parametrize("signum", SIGNALS, ids=IDS)
@pytest.mark.parametrize("where", WHERE)
def test_a_stop_before_the_pipeline_is_compiled_cancels_with_no_steps(
    pipeline: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
    signum: signal.Signals,
) -> None:
    WHERE[where](monkeypatch, signum)
    code = run_main(monkeypatch, ["exec", "--no-git", "--report", "r.json", "--junit", "j.xml"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (130, "", "velarun: interrupted before any container was created\n")
    data = json.loads((pipeline.parent / "r.json").read_text())
    assert (data["status"], data["exit_code"], data["steps"], data["error"]) == (
        "canceled",
        130,
        [],
        "interrupted before the pipeline was compiled",
    )
    assert (pipeline.parent / "j.xml").exists()


@pytest.mark.parametrize("signum", SIGNALS, ids=IDS)
def test_a_stop_once_the_plan_exists_cancels_with_its_steps_not_started(
    pipeline: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signum: signal.Signals,
) -> None:
    monkeypatch.setattr(lifecycle, "_announce", signalling(lifecycle._announce, signum))
    code = run_main(monkeypatch, ["exec", "--no-git", "--report", "r.json"])
    err = capsys.readouterr().err
    assert (code, err.splitlines()[-1]) == (
        130,
        "velarun: interrupted before any container was created",
    )
    data = json.loads((pipeline.parent / "r.json").read_text())
    assert (data["status"], [(s["name"], s["status"], s["reason"]) for s in data["steps"]]) == (
        "canceled",
        [
            ("long", "skipped", "not started: interrupted"),
            ("after", "skipped", "not started: interrupted"),
        ],
    )


@pytest.mark.parametrize("signum", SIGNALS, ids=IDS)
@pytest.mark.parametrize("command", ["validate", "plan", "render"])
def test_other_commands_end_quietly_with_130(
    pipeline: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    signum: signal.Signals,
) -> None:
    WHERE["while the arguments are parsed"](monkeypatch, signum)
    code = run_main(monkeypatch, [command, str(pipeline)])
    assert (code, *capsys.readouterr()) == (130, "", "")


def test_with_no_signal_the_commands_run_as_ever(
    pipeline: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {s: signal.getsignal(s) for s in SIGNALS}
    code = run_main(monkeypatch, ["validate", str(pipeline)])
    assert (code, capsys.readouterr().err) == (0, "")
    assert {s: signal.getsignal(s) for s in SIGNALS} == before  # handed back at release


class StoppedTwice(FakeRuntime):
    """Ctrl-C once step ``long`` has started, and again at ``again``: while a step's
    container is removed, or while the network and volume go (the teardown)."""

    def __init__(self, again: str, run_id: str) -> None:
        super().__init__({"long": FakeStep(delay=60)}, run_id=run_id, teardown_delay=1.0)
        self.again = again

    async def start(self, spec: ContainerSpec, made: object = None) -> FakeHandle:
        handle = await super().start(spec, made)
        if spec.name == "long":
            signal.raise_signal(signal.SIGINT)
        return handle

    async def remove(self, handle: object) -> None:
        if self.again == "remove":
            self.again = ""  # once
            signal.raise_signal(signal.SIGINT)
            await anyio.sleep(0.5)  # the signal is seen while this container is still there
        await super().remove(handle)

    async def teardown(self) -> None:
        if self.again == "teardown":
            signal.raise_signal(signal.SIGINT)
        await super().teardown()


@pytest.mark.parametrize(
    ("again", "still"),
    [
        ("remove", "still removing 1 container, 1 network, 1 volume"),
        ("teardown", "still removing 1 network, 1 volume"),
    ],
)
def test_a_second_ctrl_c_says_what_is_still_removed_and_for_how_long(
    tmp_path: Path, again: str, still: str
) -> None:
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(StoppedTwice(again, run_id))
        return fakes[-1]

    result = runner.invoke(
        app,
        ["exec", "-f", str(tmp_path / ".vela.yml"), "--no-git"],
        obj=Deps(open_runtime, run_id="t"),
    )
    assert result.exit_code == 130, result.stderr
    said = [line for line in result.stderr.splitlines() if "SIGINT" in line]
    seconds = re.fullmatch(r".*; at most (\d+) s more", said[-1])
    assert seconds is not None, said
    assert 0 < int(seconds[1]) <= 30  # the removal's own limit, begun just before
    assert said == [
        "velarun: SIGINT: stopping the build, killing containers, cleaning up",
        f"velarun: SIGINT again: {still}; at most {seconds[1]} s more",
    ]
    assert fakes[0].leftovers() == [] and fakes[0].pending_cleanup().describe() == ""


class StoppedWhileConnecting(FakeRuntime):
    """A stop while connecting (the Docker runtime creates its file-sharing probe then): the
    signal comes from the connecting thread, as the kernel's would come at any moment."""

    def connect(self) -> None:
        super().connect()
        signal.raise_signal(signal.SIGTERM)


def test_a_stop_while_connecting_sweeps_what_connecting_made(pipeline: Path) -> None:
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(StoppedWhileConnecting(run_id=run_id))
        return fakes[-1]

    result = runner.invoke(
        app,
        ["exec", "--no-git", "--report", "r.json"],
        obj=Deps(open_runtime, run_id="t"),
    )
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        130,
        "velarun: interrupted before any container was created",
    )
    assert fakes[0].events == [("connect", ""), ("teardown", ""), ("close", "")]
    data = json.loads((pipeline.parent / "r.json").read_text())
    assert (data["status"], [s["reason"] for s in data["steps"]]) == (
        "canceled",
        ["not started: interrupted", "not started: interrupted"],
    )
