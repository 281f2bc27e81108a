"""`velarun exec` refuses arguments it could not honour before anything runs (exit 2)."""

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
