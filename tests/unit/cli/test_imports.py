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
    "velarun.runtime",
    "velarun.runtime.docker",
    "velarun.report",
    "velarun.workspace",
    "velarun.template.gotemplate",
    "velarun.cli.exec",
    "velarun.cli.helptext",
    "velarun.compile.render",
    "velarun.compile.truth",
    "velarun.compile.graph",
    "velarun.compile.graph_mermaid",
    "velarun.compile.graph_dot",
    "velarun.compile.expr",
    "velarun.report.console",
    "velarun.report.jsonl",
    "velarun.report.junit",
    "velarun.report.document",
    "velarun.cibuild.server",
    "velarun.template.sources",
    "velarun.schedule.scheduler",
    "difflib",
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
        (
            ["plan", SMALL, "--format", "mermaid"],
            ["velarun.compile.graph", "velarun.compile.graph_mermaid"],
        ),
        (
            ["plan", SMALL, "--format", "dot"],
            ["velarun.compile.graph", "velarun.compile.graph_dot"],
        ),
        (["validate", SMALL], []),
        (["plan", "--help"], ["velarun.cli.helptext"]),
    ],
    ids=["version", "plan", "plan-json", "plan-mermaid", "plan-dot", "validate", "plan-help"],
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


def test_exec_loads_the_run_s_machinery_only_when_it_runs() -> None:
    """Importing the exec command and the lifecycle loads what every run needs before its
    first step (the scheduler's types, the workspace), never a reporter, the scheduler's run,
    the server client, template sources or the engine's library."""
    code = (
        "import json, os, sys\n"
        "import velarun.cli.exec, velarun.lifecycle\n"
        "watched = json.loads(os.environ['WATCHED'])\n"
        "print(json.dumps(sorted(w for w in watched if w in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "WATCHED": json.dumps(WATCHED)},
        cwd=ROOT,
        check=True,
    )
    assert json.loads(out.stdout) == [
        "tempfile",
        "velarun.cli.exec",
        "velarun.compile.render",
        "velarun.runtime",
        "velarun.schedule",
        "velarun.workspace",
    ]


@pytest.mark.parametrize(("log_format", "structlog"), [("console", False), ("json", True)])
def test_exec_says_its_lines_without_structlog_unless_json(
    tmp_path: object, log_format: str, structlog: bool
) -> None:
    """The console's `velarun:` lines need no logging library; `--log-format json` loads it.
    Piped, no live display: velarun never loads rich. (No engine answers here: the run stops at
    the engine, after its rule-data lines.)"""
    code = (
        "import sys\n"
        "from velarun.cli import main\n"
        "sys.argv = ['velarun', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('structlog' in sys.modules, 'rich' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--log-format", log_format, "exec", "-f", SMALL, "--no-git"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DOCKER_HOST": "unix:///nonexistent.sock",
            "TERM": "xterm",
        },
        cwd=str(tmp_path),
        check=False,
    )
    lines = out.stderr.splitlines()
    loaded_structlog, loaded_rich = lines[-1].split()
    assert loaded_structlog == str(structlog), out.stderr
    if not structlog:  # (structlog itself imports rich when it can: its dev renderer)
        assert loaded_rich == "False", out.stderr
    if log_format == "console":
        said = [line for line in lines if line.startswith("velarun: rule data: event")]
        assert said == ["velarun: rule data: event   push  (default)"]
    else:
        said = [json.loads(line) for line in lines if '"rule_data"' in line]
        assert (said[0]["datum"], said[0]["value"], said[0]["level"]) == ("event", "push", "info")
