"""The live display on a terminal, on the real engine: pull progress from a real registry
(Debian's docker-registry on a loopback port) and the status line of parallel stages, read
through a terminal emulator; and none of it in piped output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.registry import local_registry, pushed_image
from tests.integration.screenrun import run_on_screen

pytestmark = pytest.mark.docker

BAR = "━"
SUMMARY = re.compile(r"^velarun: pulled 1 image \(8\.\d MB\) in \d+\.\ds$")
TABLE = re.compile(r"^(STEP|\S+)\s+(STAGE|\S+)\s+(STATUS|\S+)\s+(EXIT|\S+)\s+(DURATION|\S+)$")


@pytest.fixture
def remote_image(engine: Any) -> Iterator[str]:
    """An image only the local registry has (8 MB of its own), removed from the engine
    again afterwards, as is the registry with its storage."""
    with local_registry() as address, pushed_image(engine, address) as name:
        yield name


def pull_pipeline(image: str) -> str:
    return f"""version: "1"
steps:
  - {{name: fetched, image: "{image}", pull: always, commands: [echo pulled-ok]}}
"""


def test_on_a_terminal_each_pull_has_a_bar_that_finishes_then_one_summary_line(
    workspace: Path, remote_image: str
) -> None:
    (workspace / ".vela.yml").write_text(pull_pipeline(remote_image))
    seen = run_on_screen(workspace, [])
    assert seen.code == 0, "\n".join(seen.final)
    bars = [line for frame in seen.frames for line in frame if line.startswith(remote_image)]
    assert bars, seen.raw.decode(errors="replace")
    # The bar of the image, with its bytes and layers (the test image's layer is already
    # here, the 8 MB one is downloaded), until it is full.
    shape = re.compile(
        rf"^{re.escape(remote_image)} [{BAR} ]+ (waiting for sizes|[\d.]+ [kMG]?B / [\d.]+ [kMG]?B),"
        r" \d/\d layers$"
    )
    assert all(shape.match(line) for line in bars), bars
    assert re.search(r"8\.\d MB / 8\.\d MB, 2/2 layers$", bars[-1]), bars
    final = seen.final
    assert not any(line.startswith(remote_image) or BAR in line for line in final), final
    summary = [line for line in final if line.startswith("velarun: pulled")]
    assert len(summary) == 1 and SUMMARY.match(summary[0]), final
    at = final.index(summary[0])
    assert final[at + 1 :] == [
        f"[step: fetched] > step started ({remote_image})",
        "[step: fetched] $ echo pulled-ok",
        "[step: fetched] pulled-ok",
        *final[at + 4 :],
    ]
    assert [TABLE.match(line) is not None for line in final[at + 4 : -1]] == [True, True]
    assert final[-1].startswith("build success in ")


def test_piped_a_pull_prints_no_progress_at_all(workspace: Path, remote_image: str) -> None:
    (workspace / ".vela.yml").write_text(pull_pipeline(remote_image))
    proc = subprocess.run(
        [sys.executable, "-m", "velarun", "exec"],
        cwd=workspace,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1", "TERM": "xterm"},
        timeout=120,
        check=False,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, out + err
    assert out == (
        f"[step: fetched] > step started ({remote_image})\n"
        "[step: fetched] $ echo pulled-ok\n"
        "[step: fetched] pulled-ok\n"
    )
    for text in (out, err):
        assert "\x1b" not in text and "\r" not in text and BAR not in text
    lines = err.splitlines()
    said = [line for line in lines if line.startswith("velarun: ")]
    normal = ("velarun: rule data: ", "velarun: workspace: ", "velarun: engine: ")
    assert [line for line in said if not line.startswith(normal)] == [], err
    assert lines[: len(said)] == said and lines[len(said)].startswith("STEP "), err


PARALLEL = f"""version: "1"
stages:
  one:
    steps:
      - {{name: sleepy, image: {TEST_IMAGE}, pull: never, commands: ["echo one-begin", "sleep 2", "echo one-end"]}}
  two:
    steps:
      - {{name: dozy, image: {TEST_IMAGE}, pull: never, commands: ["echo two-begin", "sleep 2", "echo two-end"]}}
"""
LOGS = [
    f"[stage: one][step: sleepy] > step started ({TEST_IMAGE})",
    "[stage: one][step: sleepy] $ echo one-begin",
    "[stage: one][step: sleepy] one-begin",
    "[stage: one][step: sleepy] $ sleep 2",
    "[stage: one][step: sleepy] $ echo one-end",
    "[stage: one][step: sleepy] one-end",
    f"[stage: two][step: dozy] > step started ({TEST_IMAGE})",
    "[stage: two][step: dozy] $ echo two-begin",
    "[stage: two][step: dozy] two-begin",
    "[stage: two][step: dozy] $ sleep 2",
    "[stage: two][step: dozy] $ echo two-end",
    "[stage: two][step: dozy] two-end",
]


def test_the_status_line_shows_parallel_stages_and_leaves_nothing_behind(
    workspace: Path,
) -> None:
    (workspace / ".vela.yml").write_text(PARALLEL)
    seen = run_on_screen(workspace, [])
    assert seen.code == 0, "\n".join(seen.final)
    status = re.compile(r"^running 2: (one/sleepy|two/dozy) \ds, (one/sleepy|two/dozy) \ds$")
    bottoms = [frame[-1] for frame in seen.frames if frame]
    both = [line for line in bottoms if (m := status.match(line)) and m[1] != m[2]]
    assert both, bottoms
    final = seen.final
    assert not any(line.startswith("running") for line in final), final
    logs = [line for line in final if line.startswith("[stage: ")]
    # Each stage's lines in order; the two stages' interleaving is the engine's.
    assert [line for line in logs if "one]" in line] == LOGS[:6]
    assert [line for line in logs if "two]" in line] == LOGS[6:]
    first = final.index(logs[0])
    assert final[first : first + len(LOGS)] == logs  # nothing between the log lines
    tail = [re.sub(r"\d+\.\ds", "N.Ns", line) for line in final[first + len(LOGS) :]]
    assert tail == [
        "STEP    STAGE  STATUS   EXIT  DURATION",
        "sleepy  one    success  0     N.Ns",
        "dozy    two    success  0     N.Ns",
        "build success in N.Ns (exit 0)",
    ]
