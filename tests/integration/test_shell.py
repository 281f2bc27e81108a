"""``--shell-on-failure`` and ``--break-before`` on the real engine, through a pseudo-terminal.

Each test types into the shell as a person would and reads what it answers; what is checked is
computed inside the container (``echo MARK-$(...)``), so the terminal's echo of the typed line
never matches. Afterwards the ``workspace`` fixture checks that no labelled container, network
or volume is left, and each test that no labelled (committed) image is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.conftest import LABEL
from tests.integration.ptyrun import Terminal

pytestmark = pytest.mark.docker
IMG = TEST_IMAGE
PROMPT = "/vela/src # "
"""busybox sh's prompt, as root in the working directory."""

FAILING = f"""version: "1"
services:
  - name: web
    image: {IMG}
    pull: never
    entrypoint: ["sh", "-c", "mkdir -p /www && echo pong > /www/index.html && exec httpd -f -p 8080 -h /www"]
steps:
  - name: broken
    image: {IMG}
    pull: never
    secrets: [api_token]
    environment: {{GREETING: hello-from-step}}
    commands: ["echo there > /tmp/marker", "false"]
  - name: after
    image: {IMG}
    pull: never
    commands: ["echo after"]
"""

BREAK = f"""version: "1"
steps:
  - name: write
    image: {IMG}
    pull: never
    commands: ["echo written > note.txt"]
  - name: read
    image: {IMG}
    pull: never
    commands: ["echo read-says-$(cat note.txt)"]
"""


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for term in made:
        term.close()


def start(cwd: Path, made: list[Terminal], pipeline: str, *args: str) -> Terminal:
    (cwd / ".vela.yml").write_text(pipeline)
    term = Terminal(cwd, ["--report", "report.json", *args])
    made.append(term)
    return term


def no_images(engine: Any) -> None:
    assert engine.images.list(filters={"label": LABEL}) == []


def test_shell_on_failure_lands_where_the_step_died(
    workspace: Path, engine: Any, terminals: list[Terminal]
) -> None:
    term = start(workspace, terminals, FAILING, "--shell-on-failure", "--secret", "api_token=s3")
    term.expect("a shell (/bin/sh) in step broken, where it failed with exit code 1")
    term.expect(PROMPT)
    term.type("echo MARK-$(cat /tmp/marker) ENV-$GREETING-$API_TOKEN DIR-$(pwd)")
    term.expect("MARK-there ENV-hello-from-step-s3 DIR-/vela/src")
    assert engine.images.list(filters={"label": LABEL}) != []  # the committed filesystem
    term.type("echo SVC-$(wget -qO- http://web:8080/) SIZE-$(stty size)")
    term.expect("SVC-pong SIZE-40 120")
    term.resize(30, 90)
    for _ in range(20):  # asynchronous: velarun hears SIGWINCH, then tells the engine
        term.type("echo RESIZED-$(stty size)")
        term.expect("RESIZED-$(stty size)")  # the line typed, echoed
        term.expect("RESIZED-")
        term.expect(PROMPT)
        if term.last.startswith("30 90"):
            break
        time.sleep(0.25)
    else:
        raise AssertionError("the shell never saw the new size")
    term.type("exit 3")
    code, shown = term.finish()
    assert code == 1, shown
    assert "the shell in step broken ended (exit 3)" in shown
    assert term.restored()
    report = json.loads((workspace / "report.json").read_text())
    assert report["status"] == "failure"
    assert [(s["name"], s["status"]) for s in report["steps"]] == [
        ("broken", "failure"),
        ("after", "skipped"),
    ]
    no_images(engine)


def test_break_before_opens_the_step_then_runs_it(
    workspace: Path, engine: Any, terminals: list[Terminal]
) -> None:
    term = start(workspace, terminals, BREAK, "--break-before", "read")
    term.expect("a shell (/bin/sh) in step read, before it starts")
    term.expect(PROMPT)
    term.type("echo NOTE-$(cat note.txt) STEP-$VELA_STEP_NAME")
    term.expect("NOTE-written STEP-read")
    term.type("exit")
    code, shown = term.finish()
    assert code == 0, shown
    assert "[step: read] read-says-written" in shown
    report = json.loads((workspace / "report.json").read_text())
    assert [(s["name"], s["status"]) for s in report["steps"]] == [
        ("write", "success"),
        ("read", "success"),
    ]
    no_images(engine)


def test_sigint_in_the_shell_cancels_and_cleans_up(
    workspace: Path, engine: Any, terminals: list[Terminal]
) -> None:
    term = start(workspace, terminals, FAILING, "--shell-on-failure", "--secret", "api_token=s3")
    term.expect("where it failed with exit code 1")
    term.expect(PROMPT)
    term.type("echo READY-$((40+2))")
    term.expect("READY-42")
    term.interrupt()
    code, shown = term.finish(timeout=30)
    assert code == 130, shown
    assert term.restored()
    report = json.loads((workspace / "report.json").read_text())
    assert report["status"] == "canceled"
    assert [(s["name"], s["status"]) for s in report["steps"]] == [
        ("broken", "failure"),
        ("after", "skipped"),
    ]
    no_images(engine)


def test_no_terminal_is_refused_in_one_line(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(BREAK)
    done = subprocess.run(
        [sys.executable, "-m", "velarun", "exec", "--shell-on-failure"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1"},
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: --shell-on-failure needs a terminal on stdin, and stdin is not one",
        "  hint: run velarun from an interactive terminal, or leave the flag out",
    ]


def engine_host() -> dict[str, str]:
    """The engine the tests use, for a command run with a bare environment."""
    return {"DOCKER_HOST": os.environ["DOCKER_HOST"]} if "DOCKER_HOST" in os.environ else {}


def test_a_killed_velarun_in_a_shell_leaves_what_clean_removes(
    workspace: Path, engine: Any, terminals: list[Terminal]
) -> None:
    """SIGKILL cannot be cleaned up after: the service, the failed step, the shell, the steps'
    network sandbox and the committed image are left, and `velarun clean` removes them all
    (their owner is gone)."""
    term = start(workspace, terminals, FAILING, "--shell-on-failure", "--secret", "api_token=s3")
    term.expect("where it failed with exit code 1")
    term.expect(PROMPT)
    term.proc.kill()
    term.proc.wait()
    (left,) = engine.images.list(filters={"label": LABEL})
    run_id = left.labels[LABEL]
    done = subprocess.run(
        [sys.executable, "-m", "velarun", "clean", "--run-id", run_id],
        cwd=workspace,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **engine_host()},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"removed 4 containers, 1 networks, 1 volumes, 1 images of run {run_id}\n"
    no_images(engine)
