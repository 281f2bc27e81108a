"""`velarun exec` end to end on the FakeRuntime: the Docker-free contract tests.

Each case runs the whole command in-process (options, rule data, load, compile, secrets, the
scheduler under signals, reporters, results) on the FakeRuntime, scripted per step, and
compares every output with a golden file reviewed by hand: stdout, stderr, the report JSON,
JUnit, and the JSON lines of a second run with ``--output jsonl``. Times, durations and the
temporary directory are normalised; nothing else is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.conftest import FIXTURES
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime.fake import FakeRuntime, FakeStep

runner = CliRunner()

STEPS_PIPELINE = """version: "1"
steps:
  - name: build
    image: alpine
    secrets: [api_token]
    commands:
      - echo "token is $API_TOKEN"
      - echo "SECRET_OUT=$(./make-session-key)" >> $VELA_MASKED_OUTPUTS
  - name: test
    image: alpine
    commands: [echo "$SECRET_OUT must not show", exit 3]
  - name: skipped after failure
    image: alpine
    commands: [echo never]
  - name: report
    image: alpine
    ruleset:
      status: [success, failure]
    commands: [echo always]
"""

ARTIFACTS_PIPELINE = """version: "1"
steps:
  - name: test
    image: alpine
    commands: [make test]
    artifacts:
      paths: [reports/*.xml, out/*.txt, coverage/*]
  - name: publish
    image: alpine
    commands: [make publish]
    artifacts:
      paths: [dist/*]
"""


@dataclass(frozen=True)
class Case:
    name: str
    pipeline: Path | str
    args: tuple[str, ...] = ()
    behaviours: dict[str, FakeStep] = field(default_factory=dict)
    connect_error: str | None = None


CASES = [
    # The seed page's unterminated quote: run-first fails as it does under a real shell.
    Case(
        "stage-needs",
        FIXTURES / "seed/stage-needs.vela.yml",
        ("--branch", "main"),
        {
            "run-first/sleep for 10": FakeStep(
                exit_code=2,
                logs=("$ sleep 10", "sh: syntax error: unterminated quoted string"),
            ),
            "runtime-ruleset-stage/fail": FakeStep(logs=("$ echo runtime rule", "runtime rule")),
        },
    ),
    # Independent stages: the back-end fails, the front-end keeps going.
    Case(
        "stage-independent",
        FIXTURES / "seed/stage-independent.vela.yml",
        ("--file-changeset", "org/repo/back-end/main.go,org/repo/front-end/app.js"),
        {"test-and-build-backend/test go": FakeStep(exit_code=1, logs=("FAIL ./...",))},
    ),
    Case("stage-rulesets", FIXTURES / "seed/stage-rulesets.vela.yml", ("--branch", "main")),
    Case(
        "demo",
        FIXTURES / "demo/.vela.yml",
        ("--branch", "main", "--repo", "octocat/hello"),
        {
            "build/compile": FakeStep(
                logs=("hello from octocat/hello on main",), outputs=(("VERSION", "1.0.7"),)
            ),
            "test/unit": FakeStep(logs=("testing version 1.0.7", '{"status":"ok"}')),
        },
    ),
    # A steps pipeline: the `steps` key, a secret and a masked output masked everywhere.
    Case(
        "steps-secrets",
        STEPS_PIPELINE,
        ("--secret", "api_token=hunter2-token"),
        {
            "build": FakeStep(
                logs=("token is hunter2-token",),
                masked_outputs=(("SECRET_OUT", "from-a-step"),),
            ),
            "test": FakeStep(exit_code=3, logs=("from-a-step must not show",)),
        },
    ),
    # Artifacts: kept from a failed step (one a JUnit report, attached to its testcase), a
    # path that matches nothing said once; none for the step skipped after the failure.
    Case(
        "artifacts",
        ARTIFACTS_PIPELINE,
        (),
        {
            "test": FakeStep(
                exit_code=1,
                logs=("1 test failed",),
                writes=(
                    ("reports/unit.xml", b'<testsuite name="unit" tests="1"/>'),
                    ("reports/not-junit.xml", b"<coverage/>"),
                    ("out/log.txt", b"log"),
                ),
            ),
        },
    ),
    Case("engine-unreachable", FIXTURES / "demo/.vela.yml", (), connect_error="no engine here"),
]

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def normalise(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "<tmp>")
    text = _TIME.sub("<time>", text)
    text = re.sub(r'"duration": [0-9.e-]+', '"duration": "<s>"', text)
    text = re.sub(r'time="[0-9.]+"', 'time="<s>"', text)
    return re.sub(r"\b\d+\.\ds\b", "<s>", text)


def run_exec(case: Case, tmp: Path, *extra: str) -> tuple[int, str, str]:
    if isinstance(case.pipeline, str):
        path = tmp / ".vela.yml"
        path.write_text(case.pipeline)
    else:
        path = case.pipeline
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fake = FakeRuntime(case.behaviours, connect_error=case.connect_error, run_id=run_id)
        fakes.append(fake)
        return fake

    result = runner.invoke(
        app, ["exec", str(path), *case.args, *extra], obj=Deps(open_runtime, run_id="golden")
    )
    assert fakes and fakes[0].leftovers() == []  # the protocol's cleanup guarantee
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_exec_transcripts(case: Case, tmp_path: Path, golden, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # the live workspace is the current directory (--no-git)
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    code, out, err = run_exec(case, tmp_path, "--report", str(report), "--junit", str(junit))
    golden(f"exec/{case.name}.exit", f"{code}\n")
    golden(f"exec/{case.name}.stdout", normalise(out, tmp_path))
    golden(f"exec/{case.name}.stderr", normalise(err, tmp_path))
    golden(f"exec/{case.name}.report.json", normalise(report.read_text(), tmp_path))
    golden(f"exec/{case.name}.junit.xml", normalise(junit.read_text(), tmp_path))
    jsonl_code, jsonl, _ = run_exec(case, tmp_path, "--output", "jsonl")
    assert jsonl_code == code
    golden(f"exec/{case.name}.jsonl", normalise(jsonl, tmp_path))


def test_secrets_never_reach_any_output(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "steps-secrets")
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    _, out, err = run_exec(case, tmp_path, "--report", str(report), "--junit", str(junit))
    _, jsonl, jsonl_err = run_exec(case, tmp_path, "--output", "jsonl")
    for text in (out, err, report.read_text(), junit.read_text(), jsonl, jsonl_err):
        assert "hunter2-token" not in text and "from-a-step" not in text


def test_a_missing_secret_stops_before_the_engine_is_touched(tmp_path: Path) -> None:
    case = Case("missing", STEPS_PIPELINE)
    code, out, err = run_exec_expecting_no_engine(case, tmp_path)
    assert (code, out, err) == (
        2,
        "",
        "error: secrets are missing; nothing was started:\n"
        "  secret `api_token` (env API_TOKEN) needed by step build\n"
        "  hint: pass --secret NAME=VALUE or --secret-file FILE, or export the variable and use"
        " --local-env\n",
    )


def run_exec_expecting_no_engine(case: Case, tmp: Path) -> tuple[int, str, str]:
    path = tmp / ".vela.yml"
    path.write_text(str(case.pipeline))

    def open_runtime(run_id: str) -> Engine:
        raise AssertionError("the engine was opened")

    result = runner.invoke(app, ["exec", str(path)], obj=Deps(open_runtime))
    return result.exit_code, result.stdout, result.stderr
