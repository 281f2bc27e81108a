"""What each command imports: start-up stays short because a command loads only what it uses
(docs/architecture.md). Checked by the set of modules loaded, never by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

WATCHED = (
    "typer",
    "click",
    "pydantic",
    "rich",
    "docker",
    "anyio",
    "structlog",
    "requests",
    "starlark",
    "re2",
    "argparse",
    "tempfile",
    "velarun.schedule",
    "velarun.runtime.docker",
    "velarun.report",
    "velarun.workspace",
    "velarun.template.gotemplate",
    "velarun.cli.exec",
    "velarun.cli.helptext",
    "velarun.compile.render",
)
CODE = """
import json, sys
from velarun.cli import main
sys.argv = ['velarun', *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
watched = json.loads(os.environ['WATCHED'])
print(json.dumps(sorted(w for w in watched if w in sys.modules)), file=sys.stderr)
"""
SMALL = str(ROOT / "fixtures" / "seed" / "stage-needs.vela.yml")


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["--version"], []),
        (["plan", SMALL], ["velarun.compile.render"]),
        (["plan", SMALL, "--format", "json"], []),
        (["validate", SMALL], []),
        (["plan", "--help"], ["velarun.cli.helptext"]),
    ],
    ids=["version", "plan", "plan-json", "validate", "plan-help"],
)
def test_a_command_imports_only_what_it_uses(argv: list[str], loaded: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import os\n" + CODE, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "WATCHED": json.dumps(WATCHED)},
        cwd=ROOT,
        check=True,
    )
    assert json.loads(out.stderr.splitlines()[-1]) == loaded, out.stderr
