"""SIGINT and SIGTERM in every phase of a run, once and twice, on the real engine.

velarun talks to the engine through DockerProxy, which holds one chosen API call, so the
signal lands while the run is blocked inside that phase: resolving images (a pull that never
answers), creating the network, starting a service, running a step, tearing down. Each case must
end within 10 s with exit 130 and a report saying ``canceled``; the ``workspace`` fixture then
checks that nothing labelled is left on the engine. A held call is released a second after the
signal (except the hung pull), so whatever it creates appears after the cancellation: exactly
what the teardown must still find and remove. A second signal is answered with what the
cleanup is still removing and how long it may still take.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.dockerproxy import DockerProxy

pytestmark = pytest.mark.docker
IMG = TEST_IMAGE


def pipeline(pull: str, step_commands: str) -> str:
    return f"""version: "1"
services:
  - name: web
    image: {IMG}
    pull: never
    entrypoint: ["sh", "-c", "echo serving; exec sleep 60"]
steps:
  - name: main
    image: {IMG}
    pull: {pull}
    commands: {step_commands}
  - name: after
    image: {IMG}
    pull: never
    commands: ["echo after"]
"""


@dataclass(frozen=True)
class Phase:
    pull: str
    commands: str
    hold: tuple[str, str] | None  # (method, path pattern) held by the proxy
    release_after: float | None  # seconds after the signal; None holds it for good
    marker: str | None  # otherwise wait for this stdout line
    steps: dict[str, str]  # the step statuses in the report
    still: str = ""  # what a second signal is told is still being removed, when known


SKIPPED = {"main": "skipped", "after": "skipped"}
PHASES = {
    "image resolution": Phase(
        "always", '["echo main"]', ("POST", r"^/images/create$"), None, None, SKIPPED
    ),
    "network set-up": Phase(
        "never", '["echo main"]', ("POST", r"^/networks/create$"), 1.0, None, SKIPPED
    ),
    "service starting": Phase(
        "never", '["echo main"]', ("POST", r"^/containers/[^/]+/start$"), 1.0, None, SKIPPED
    ),
    "running step": Phase(
        "never",
        '["echo begin", "sleep 60"]',
        None,
        None,
        "[step: main] begin",
        {"main": "killed", "after": "skipped"},
    ),
    "teardown": Phase(
        "never",
        '["echo main"]',
        ("DELETE", r"^/networks/"),
        1.0,
        None,
        {"main": "success", "after": "success"},
        "still removing 1 network, 1 volume",
    ),
}
AGAIN = re.compile(
    r"velarun: (SIG[A-Z]+) again: (still removing \d+ [a-z]+(?:, \d+ [a-z]+)*|nothing left to"
    r" remove); (?:at most (\d+) s more|ending now)"
)
SIGNALS = {
    "SIGINT": (signal.SIGINT,),
    "SIGTERM": (signal.SIGTERM,),
    "SIGINT twice": (signal.SIGINT, signal.SIGINT),
    "SIGTERM then SIGINT": (signal.SIGTERM, signal.SIGINT),
}


@pytest.mark.parametrize("signals", SIGNALS.values(), ids=SIGNALS.keys())
@pytest.mark.parametrize("phase", PHASES.values(), ids=PHASES.keys())
def test_a_signal_in_every_phase(
    workspace: Path, engine: Any, proxy: DockerProxy, phase: Phase, signals: tuple[int, ...]
) -> None:
    (workspace / ".vela.yml").write_text(pipeline(phase.pull, phase.commands))
    if phase.hold is not None:
        proxy.hold(*phase.hold)
    proc = subprocess.Popen(
        [sys.executable, "-m", "velarun", "exec", "--report", "report.json", "--html", "r.html"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VELARUN_NO_GIT": "1",
            "DOCKER_HOST": proxy.url,
        },
    )
    assert proc.stdout is not None and proc.stderr is not None
    stdout: list[str] = []
    reader = threading.Thread(target=lambda: stdout.extend(proc.stdout or ()), daemon=True)
    if phase.marker is None:
        reader.start()
        assert proxy.hit.wait(timeout=60), f"the run never reached {phase.hold}: {proxy.seen}"
    else:
        for line in proc.stdout:
            stdout.append(line)
            if line.startswith(phase.marker):
                break
        reader.start()
    sent = time.monotonic()
    for n, signum in enumerate(signals):
        if n:
            time.sleep(0.3)
        proc.send_signal(signum)
    if phase.release_after is not None:
        threading.Timer(phase.release_after, proxy.release).start()
    try:
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    elapsed = time.monotonic() - sent
    reader.join(timeout=10)
    stderr = proc.stderr.read()
    out = "".join(stdout)
    assert code == 130, out + stderr
    assert elapsed < 10, f"exit {elapsed:.1f}s after the signal"
    assert "Traceback" not in out + stderr
    rep = json.loads((workspace / "report.json").read_text())
    assert (rep["status"], rep["exit_code"]) == ("canceled", 130)
    assert {s["name"]: s["status"] for s in rep["steps"]} == phase.steps
    page = (workspace / "r.html").read_text()  # the page too, on every outcome
    assert '<h1>velarun: build <span class="badge s-canceled">canceled</span></h1>' in page
    first = signal.Signals(signals[0]).name
    assert f"velarun: {first}: stopping the build, killing containers, cleaning up" in out + stderr
    # A second signal during cleanup is told what is left and for how long at most (one that
    # comes after the run ended, as the cleanup can be quick, is ignored: nothing is left).
    again = [line for line in stderr.splitlines() if " again: " in line]
    said = [m for line in again if (m := AGAIN.fullmatch(line))]
    assert len(said) == len(again) <= len(signals) - 1, stderr
    assert [m[1] for m in said] == [signal.Signals(s).name for s in signals[1:]][: len(said)]
    if phase.still and len(signals) > 1:  # the teardown held: the second comes during it
        seconds = int(said[0][3] or 0) if said else 0
        assert (said[0][2] if said else None, 0 < seconds <= 30) == (phase.still, True), stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", ["velarun's run", "the floor"])
def test_bench_interrupted_leaves_nothing(
    workspace: Path, engine: Any, phase: str, signum: signal.Signals
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "velarun", "bench", "-n", "10", "--image", IMG],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    # The run's containers are velarun-<id>-stepN-M, the floor's velarun-bench<pid>-floor-N.
    wanted = "-floor-" if phase == "the floor" else "-step"
    deadline = time.monotonic() + 60
    while not any(wanted in n for c in engine.api.containers(all=True) for n in c["Names"]):
        assert proc.poll() is None and time.monotonic() < deadline, "the phase never came"
        time.sleep(0.05)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (
        130,
        "velarun: bench interrupted; what it created is removed\n",
    )


def sleeper(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n'
        f'  - {{name: long, image: {IMG}, pull: never, commands: ["echo begin", "sleep 4",'
        ' "echo end"]}\n'
    )


def start_exec(workspace: Path, prefix: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "velarun", "exec", "--report", "report.json"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("[step: long] begin"):
            return proc
    raise AssertionError("the step never began")


def test_sighup_the_terminal_closed_cancels_like_ctrl_c(workspace: Path) -> None:
    sleeper(workspace)
    proc = start_exec(workspace, [])
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "velarun: SIGHUP: stopping the build, killing containers, cleaning up" in err
    data = json.loads((workspace / "report.json").read_text())
    assert (data["status"], data["steps"][0]["status"]) == ("canceled", "killed")


def test_sighup_under_nohup_is_ignored(workspace: Path) -> None:
    sleeper(workspace)
    proc = start_exec(workspace, ["nohup"])
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "[step: long] end" in out
