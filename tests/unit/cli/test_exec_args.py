"""`velarun exec` before anything runs: arguments it could not honour (exit 2), a signal while
the pipeline is still being read (exit 130, a report all the same)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from velarun.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--report", "{tmp}/missing/r.json"],
            "error: --report {tmp}/missing/r.json: the directory `{tmp}/missing` does not exist\n",
        ),
        (["--junit", "{tmp}"], "error: --junit {tmp}: `{tmp}` is a directory\n"),
        (
            ["--report", "{tmp}/file/r.json"],
            "error: --report {tmp}/file/r.json: `{tmp}/file` is not a directory\n",
        ),
    ],
)
def test_unwritable_results_paths_stop_before_the_run(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "file").write_text("a file, not a directory")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text('version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n')
    given = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(app, ["exec", str(pipeline), *given])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        message.format(tmp=tmp_path) + "  hint: choose a file in a directory you can write\n",
    )


@pytest.mark.parametrize(
    ("volume", "message"),
    [
        (
            "cache",
            "error: --volume `cache`: the path in the container, `cache`, must be absolute\n"
            "  hint: write `cache:/path/in/container`\n",
        ),
        (
            "/srv/data:data",
            "error: --volume `/srv/data:data`: the path in the container, `data`, must be absolute\n"
            "  hint: write `/srv/data:/path/in/container`\n",
        ),
        ("/a:/b:zz", "error: --volume `/a:/b:zz`: mode must be ro or rw\n"),
        ("/a:/b:ro:x", "error: --volume `/a:/b:ro:x` is not SRC[:DST[:ro|rw]]\n"),
        (":/b", "error: --volume `:/b` is not SRC[:DST[:ro|rw]]\n"),
    ],
)
def test_bad_volumes_stop_before_the_run(tmp_path: Path, volume: str, message: str) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text('version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n')
    result = runner.invoke(
        app, ["exec", str(pipeline), "--volume", volume], env={"VELARUN_NO_GIT": "1"}
    )
    assert (result.exit_code, result.stdout, result.stderr.split("error: ", 1)[-1]) == (
        2,
        "",
        message.removeprefix("error: "),
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_pipeline_is_read_still_writes_a_report(
    tmp_path: Path, signum: signal.Signals
) -> None:
    # The pipeline is a named pipe nobody writes to: velarun blocks reading it, before any
    # plan exists. The report then says `canceled` with no steps; nothing else was started.
    fifo = tmp_path / "p.yml"
    os.mkfifo(fifo)
    report = tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "velarun", "exec", str(fifo), "--report", str(report)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    time.sleep(1.5)  # well into the read: the interpreter and the CLI are up
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (
        130,
        "",
        "velarun: interrupted before any container was created\n",
    )
    data = json.loads(report.read_text())
    assert (data["status"], data["exit_code"], data["steps"], data["error"]) == (
        "canceled",
        130,
        [],
        "interrupted before the pipeline was compiled",
    )
