"""`velarun exec` refuses results paths it could not write before anything runs (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

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
