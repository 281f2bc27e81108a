"""`velarun exec --html` of the seed fixture on the real engine, the page opened in headless
Chromium (Debian's `chromium`, installed by .ci/ensure-chromium): it loads without console
errors or requests (its Content-Security-Policy forbids every one, and Chromium logs each it
blocks as a console message), it has one bar per step, its screenshot is kept under
tests/artifacts/, and the run's secret appears nowhere in it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.test_exec import seed, velarun
from velarun.report.html import render_page

pytestmark = pytest.mark.docker

ARTIFACTS = ROOT / "tests" / "artifacts"
SECRET = "s3cr3t-t0ken-value"


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:  # CI installs it (make test): missing is a failure, never a skip
        pytest.fail("chromium is not installed: run `bash .ci/ensure-chromium` (make chromium)")
    return found


def open_page(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless on the page, its log on stderr, no name resolving anything."""
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console(stderr: str) -> list[str]:
    """The page's console messages in Chromium's log: errors, and every request the page's
    policy blocked."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def seed_with_secret() -> str:
    """The seed's needs pipeline, its y-stage step given a secret it prints."""
    text = seed("stage-needs.vela.yml", {"sleep 10": "sleep 2", "sleep 20": "sleep 1"})
    text = text.replace(
        "      - name: what repo is this\n",
        "      - name: what repo is this\n        secrets: [ api_token ]\n",
    )
    return text.replace(
        "          - echo $VELA_REPO_FULL_NAME\n",
        '          - echo $VELA_REPO_FULL_NAME\n          - echo "token $API_TOKEN"\n',
    )


def test_seed_page_in_chromium(workspace: Path) -> None:
    proc = velarun(
        workspace,
        seed_with_secret(),
        "--branch",
        "main",
        "--html",
        "report.html",
        "--secret",
        f"api_token={SECRET}",
    )
    assert proc.returncode == 1, proc.stderr
    page = workspace / "report.html"
    text = page.read_text()
    report = json.loads((workspace / "report.json").read_text())
    assert text == render_page(report)  # what `velarun report` gives from the saved report
    assert SECRET not in text and SECRET not in (workspace / "report.json").read_text()
    assert SECRET not in proc.stdout + proc.stderr
    assert "token ***" in text

    dumped = open_page(page, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr
    assert console(dumped.stderr) == []
    labels = [f"{st['name']}/{s['name']}" for st in report["stages"] for s in st["steps"]]
    assert labels == [
        "run-first/sleep for 10",
        "runtime-ruleset-stage/fail",
        "x-stage/who ran the build",
        "y-stage/what repo is this",
    ]
    for label in labels:
        assert dumped.stdout.count(f'data-step="{label}"') == 1, label
    assert dumped.stdout.count('<rect class="bar ') == len(labels)
    assert "Critical path: run-first → runtime-ruleset-stage" in dumped.stdout

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html-report-seed.png"
    shot.unlink(missing_ok=True)
    taken = open_page(page, f"--screenshot={shot}", "--window-size=1280,1600")
    assert taken.returncode == 0, taken.stderr
    assert console(taken.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot of the page: {shot}")


def test_the_console_check_sees_a_blocked_request(tmp_path: Path) -> None:
    # The check above is worth something only if a request the page made would show: the
    # same page with an external image and style sheet, each blocked and logged.
    page = tmp_path / "bad.html"
    report = {"status": "success", "started_at": None, "finished_at": None, "steps": []}
    page.write_text(
        render_page(report).replace(
            "<body>",
            '<body><img src="http://127.0.0.1:9/x.png">'
            '<link rel="stylesheet" href="https://example.invalid/a.css">',
        )
    )
    seen = console(open_page(page, "--dump-dom").stderr)
    assert len(seen) == 2, seen
    assert "Loading the image 'http://127.0.0.1:9/x.png' violates" in seen[1] + seen[0]
