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

from tests.clirunner import CliRunner
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


STEPS = 'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n'
SECRET = (
    'version: "1"\nsecrets:\n  - name: api_token\n'
    "steps:\n  - {name: a, image: alpine, commands: [ls], secrets: [api_token]}\n"
)


def _refusal(report: Path) -> dict[str, object]:
    data = json.loads(report.read_text())
    assert data.pop("started_at") == data.pop("finished_at")
    return dict(data)


def _not_started(name: str) -> dict[str, object]:
    return {
        "name": name,
        "status": "skipped",
        "exit_code": None,
        "reason": "not started: the run was refused",
        "started_at": None,
        "finished_at": None,
    }


@pytest.mark.parametrize(
    ("source", "args", "expected"),
    [
        (
            'version: "1"\nsteps:\n  - {name: a, commands: [ls]}\n',
            [],
            {
                "status": "error",
                "exit_code": 2,
                "error": "the pipeline has errors (1)",
                "diagnostics": [
                    {
                        "severity": "error",
                        "message": "step `a` has no `image`",
                        "line": 3,
                        "column": 5,
                        "hint": "add `image: <name:tag>`",
                    }
                ],
                "steps": [],
                "services": [],
            },
        ),
        (
            STEPS,
            ["--step", "nope"],
            {
                "status": "error",
                "exit_code": 2,
                "error": "no step `nope` in the plan",
                "hint": "steps: `a`",
                "steps": [],
                "services": [],
            },
        ),
        (
            STEPS,
            ["--output", "xml"],
            {
                "status": "error",
                "exit_code": 2,
                "error": "--output `xml` is not text or jsonl",
                "steps": [],
                "services": [],
            },
        ),
        (
            SECRET,
            [],
            {
                "status": "error",
                "exit_code": 2,
                "error": "secrets are missing; nothing was started:\n"
                "  secret `api_token` (env API_TOKEN) needed by step a\n"
                "  hint: pass --secret NAME=VALUE or --secret-file FILE, or export the variable"
                " and use --local-env",
                "steps": [_not_started("a")],
                "services": [],
            },
        ),
        (
            STEPS,
            ["--skip-step", "a"],
            {
                "status": "error",
                "exit_code": 2,
                "error": "no steps left to run after removing skipped steps",
                "hint": "--skip-step `a` removed every step",
                "steps": [],
                "services": [],
            },
        ),
    ],
    ids=["invalid-pipeline", "selection", "bad-flag", "missing-secret", "skip-everything"],
)
def test_a_run_refused_before_it_starts_still_writes_its_report(
    tmp_path: Path, source: str, args: list[str], expected: dict[str, object]
) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(source)
    report = tmp_path / "r.json"
    result = runner.invoke(
        app,
        ["exec", str(pipeline), "--report", str(report), *args],
        env={"VELARUN_NO_GIT": "1", "API_TOKEN": None},
    )
    assert result.exit_code == 2
    assert _refusal(report) == expected


def test_a_refusal_with_an_unwritable_junit_still_writes_the_report(tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(STEPS)
    report = tmp_path / "r.json"
    args = ["exec", str(pipeline), "--report", str(report), "--junit", str(tmp_path)]
    result = runner.invoke(app, args, env={"VELARUN_NO_GIT": "1"})
    assert (result.exit_code, _refusal(report)) == (
        2,
        {
            "status": "error",
            "exit_code": 2,
            "error": f"--junit {tmp_path}: `{tmp_path}` is a directory",
            "hint": "choose a file in a directory you can write",
            "steps": [],
            "services": [],
        },
    )
