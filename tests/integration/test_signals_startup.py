"""SIGINT and SIGTERM in the first instants of ``velarun exec``, on the real engine.

A signal 0.05 s after the process starts comes while the interpreter imports velarun (it
is held from the first line of the entry point, :mod:`velarun.startsignals`); at 0.3 s it
comes while the command is read, the pipeline compiled, or the run begins, depending on the
machine. Either way: exit 130 within 10 s, a report saying ``canceled``, and (the
``workspace`` fixture checks) nothing labelled left on the engine.

The instant cannot be chosen exactly, so this is a smoke test beside the unit tests that raise
the signal at chosen points (tests/unit/cli/test_exec_signals.py). One window stays open by
nature: the interpreter's own start, before any of velarun's code runs (about 35 ms here, twice
that on a loaded machine). Python says on stderr which modules it has imported
(``PYTHONPROFILEIMPORTTIME``, a line per import begun, even one a signal cut short): when the
process never began to import ``velarun.cli.commands`` (the entry point holds the signals just
before), the signal landed in that window, and the attempt is made again with the signal 20 ms
later. Any other attempt must end as above.

Then connecting: the proxy holds the creation of the engine's file-sharing probe (a container)
while the signal comes; the probe the engine makes once released must not be left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.dockerproxy import DockerProxy

pytestmark = pytest.mark.docker

PIPELINE = f"""version: "1"
steps:
  - name: first
    image: {TEST_IMAGE}
    pull: never
    commands: ["echo first", "sleep 30"]
  - name: second
    image: {TEST_IMAGE}
    pull: never
    commands: ["echo second"]
"""
ATTEMPTS = 12
LATER = 0.02


def start(workspace: Path, **env: str) -> subprocess.Popen[str]:
    (workspace / "report.json").unlink(missing_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "velarun", "exec", "--report", "report.json"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1", **env},
    )


def attempt(workspace: Path, after: float, signum: signal.Signals) -> tuple[int, str, bool, float]:
    """Start exec, signal it ``after`` seconds later: its exit code, stderr (without Python's
    import times), whether the signal came once velarun's code ran, and how long it took to
    end after the signal."""
    proc = start(workspace, PYTHONPROFILEIMPORTTIME="1")
    time.sleep(after)
    proc.send_signal(signum)
    sent = time.monotonic()
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    lines = err.splitlines(keepends=True)
    imported = [line.split("|")[-1].strip() for line in lines if line.startswith("import time:")]
    said = "".join(line for line in lines if not line.startswith("import time:"))
    return proc.returncode, said, "velarun.cli.commands" in imported, took


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("after", [0.05, 0.3], ids=["at 0.05s", "at 0.3s"])
def test_a_signal_in_the_first_instants_cancels_with_a_report(
    workspace: Path, engine: Any, after: float, signum: signal.Signals
) -> None:
    (workspace / ".vela.yml").write_text(PIPELINE)
    for n in range(ATTEMPTS):
        code, err, ours, took = attempt(workspace, after + n * LATER, signum)
        if ours:
            break
    else:
        raise AssertionError(f"the interpreter never started within {after + n * LATER:.2f}s")
    assert code == 130, err
    assert took < 10, f"exit {took:.1f}s after the signal"
    assert "Traceback" not in err
    report = json.loads((workspace / "report.json").read_text())
    assert (report["status"], report["exit_code"]) == ("canceled", 130), err
    assert {s["name"] for s in report["steps"]} <= {"first", "second"}
    assert {s["status"] for s in report["steps"]} <= {"skipped", "killed"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_engine_s_probe_is_created_leaves_nothing(
    workspace: Path, engine: Any, proxy: DockerProxy, signum: signal.Signals
) -> None:
    # Connecting, velarun asks the engine whether it sees this machine's files with a probe
    # container (created, never started). The proxy holds that creation; the signal comes
    # meanwhile, and the engine answers a second later: the probe it then made is swept.
    (workspace / ".vela.yml").write_text(PIPELINE)
    proxy.hold("POST", r"^/containers/create$")
    proc = start(workspace, DOCKER_HOST=proxy.url)
    assert proxy.hit.wait(timeout=60), f"no container was ever created: {proxy.seen}"
    proc.send_signal(signum)
    sent = time.monotonic()
    threading.Timer(1.0, proxy.release).start()
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    assert (proc.returncode, err.splitlines()[-1]) == (
        130,
        "velarun: interrupted before any container was created",
    ), err
    assert took < 10, f"exit {took:.1f}s after the signal"
    report = json.loads((workspace / "report.json").read_text())
    assert (report["status"], [s["status"] for s in report["steps"]]) == (
        "canceled",
        ["skipped", "skipped"],
    )
