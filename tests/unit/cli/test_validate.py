"""`velarun validate` end to end through the CLI: output, exit codes, file discovery."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.conftest import ROOT
from velarun import __version__
from velarun.cli import app

runner = CliRunner()
SEEDS = sorted((ROOT / "fixtures" / "seed").glob("*.yml"))


@pytest.mark.parametrize("path", SEEDS, ids=[p.name for p in SEEDS])
def test_seed_fixtures_validate_cleanly(path: Path) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 errors, 0 warnings\n")


def test_valid_file_summary(tmp_path: Path) -> None:
    f = tmp_path / "p.yml"
    f.write_text('version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n')
    result = runner.invoke(app, ["validate", str(f)])
    assert result.exit_code == 0
    assert result.output == f"0 errors, 0 warnings\n{f} is valid: 1 steps\n"


def test_invalid_fixture_exits_2_with_every_problem() -> None:
    path = "fixtures/invalid.vela.yml"
    root = ROOT
    result = runner.invoke(app, ["validate", "--file", str(root / path)])
    assert result.exit_code == 2
    out = result.output.replace(str(root) + "/", "")
    assert out == (
        f"{path}:6:5: warning: unknown key `need` in stage `build`\n"
        "  hint: did you mean `needs`? (Vela ignores unknown keys)\n"
        f"{path}:11:9: warning: unknown key `continue` in step `compile`\n"
        "  hint: `continue` belongs in the ruleset: `ruleset: {continue: true}` (Vela ignores unknown keys)\n"
        f"{path}:14:20: warning: stage `test` needs `ship-it`, which is not a stage; Vela ignores it\n"
        "  hint: did you mean `ship`? defined stages: `build`, `test`, `ship`, `deploy-prep`\n"
        f"{path}:16:9: error: step `unit` has no `image`\n"
        "  hint: add `image: <name:tag>`\n"
        f"{path}:21:19: error: needs cycle: ship -> deploy-prep -> ship\n"
        "  hint: Vela would wait forever; remove one of these `needs`\n"
        f"{path}:25:15: warning: pull policy `sometimes` is not one Vela knows; Vela then never pulls the image\n"
        "  hint: use one of: always, not_present, on_start, never\n"
        f"{path}:27:19: warning: `pull` is not a Vela event, so this rule never matches\n"
        "  hint: did you mean `pull_request`?\n"
        "2 errors, 5 warnings\n"
    )


def test_default_file_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert result.output == (
        ".vela.yml:1:1: error: no such file\n"
        "  hint: pass the pipeline with --file, or run in the directory that holds .vela.yml\n"
        "1 error, 0 warnings\n"
    )
    (tmp_path / ".vela.yaml").write_text(
        'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n'
    )
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert result.output.endswith(".vela.yaml is valid: 1 steps\n")


def test_file_given_twice_differently_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "a.yml", "--file", "b.yml"])
    assert result.exit_code == 2
    assert result.output == "error: give the pipeline file once, as FILE or with --file\n"


def test_unknown_option_is_usage_error() -> None:
    result = runner.invoke(app, ["validate", "--nope"])
    assert result.exit_code == 2


def test_version_and_module_entry_point() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "velarun", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout == f"velarun {__version__}\n"
    result = runner.invoke(app, ["--version"])
    assert result.output == f"velarun {__version__}\n"


def test_directory_and_binary_inputs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == (
        f"{tmp_path}:1:1: error: this is a directory\n  hint: name the pipeline file\n"
        "1 error, 0 warnings\n"
    )
    f = tmp_path / "bin.yml"
    f.write_bytes(b"\x7fELF\x02\x01\x00\x00")
    result = runner.invoke(app, ["validate", str(f)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_plan_and_validate_do_not_import_what_they_do_not_use() -> None:
    """structlog is imported at velarun's first own message; plan and validate print none."""
    root = ROOT
    code = (
        "import sys\n"
        "from velarun.cli import main\n"
        "sys.argv = ['velarun', sys.argv[1], sys.argv[2]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('structlog' in sys.modules, file=sys.stderr)\n"
    )
    fixture = str(root / "fixtures" / "seed" / "stage-needs.vela.yml")
    for command in ("plan", "validate"):
        out = subprocess.run(
            [sys.executable, "-c", code, command, fixture],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root)},
            cwd=root,
        )
        assert out.stderr.splitlines()[-1] == "False", (command, out.stderr)


BAD_PATTERNS = (
    'version: "1"\nsteps:\n'
    "  - name: a\n    image: alpine\n    commands: [ls]\n"
    '    ruleset:\n      matcher: regexp\n      branch: "*-dev"\n'
    "  - name: b\n    image: alpine\n    commands: [ls]\n"
    '    ruleset:\n      branch: ["main", "\\\\"]\n'
    "services:\n  - name: db\n    image: postgres\n"
    '    ruleset: {tag: "v[", path: "${X}["}\n'
)
PATTERN_ERRORS = (
    "p.yml:8:15: error: step `a`: invalid regexp `*-dev`: no argument for repetition operator: *\n"
    "  hint: RE2 syntax: no look-around or back-references\n"
    "p.yml:13:24: error: step `b`: invalid glob `\\`: syntax error in pattern\n"
    "  hint: Go glob syntax: `*`, `?`, `[a-z]`, `[^a]`, `\\` escapes\n"
    "p.yml:17:20: error: service `db`: invalid glob `v[`: syntax error in pattern\n"
    "  hint: Go glob syntax: `*`, `?`, `[a-z]`, `[^a]`, `\\` escapes\n"
)
VALIDATE_REPORT = PATTERN_ERRORS + "3 errors, 0 warnings\n"
PLAN_REPORT = (
    PATTERN_ERRORS
    + "p.yml:17:32: error: service `db`: invalid glob `${X}[`: syntax error in pattern\n"
    "  hint: Go glob syntax: `*`, `?`, `[a-z]`, `[^a]`, `\\` escapes\n"
    "4 errors, 0 warnings\n"
)


def test_validate_reports_bad_rule_patterns_as_plan_does(tmp_path: Path) -> None:
    """The messages `plan` gives, each at its pattern; one holding `${VAR}` is left to `plan`,
    which checks it after substitution."""
    f = tmp_path / "p.yml"
    f.write_text(BAD_PATTERNS)
    result = runner.invoke(app, ["validate", str(f)])
    assert (result.exit_code, result.stdout.replace(str(tmp_path) + "/", "")) == (
        2,
        VALIDATE_REPORT,
    )
    plan = runner.invoke(app, ["plan", str(f), "--no-git"])
    assert (plan.exit_code, plan.stderr.replace(str(tmp_path) + "/", "")) == (2, PLAN_REPORT)


@pytest.mark.parametrize(
    ("args", "stdout", "stderr"),
    [(["validate"], VALIDATE_REPORT, ""), (["plan", "--no-git"], "", PLAN_REPORT)],
    ids=["validate", "plan"],
)
def test_re2_logging_stays_off_the_terminal(
    tmp_path: Path, args: list[str], stdout: str, stderr: str
) -> None:
    """RE2's C++ logging (`WARNING: All log messages before absl::InitializeLog()`, `E0000 ...
    re2.cc`) never reaches the user: stdout and stderr are velarun's own text only."""
    (tmp_path / "p.yml").write_text(BAD_PATTERNS)
    out = subprocess.run(
        [sys.executable, "-m", "velarun", args[0], "p.yml", *args[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert (out.returncode, out.stdout, out.stderr) == (2, stdout, stderr)
