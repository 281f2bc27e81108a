from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
TEST_IMAGE = "velarun-test/busybox:latest"
GIT_IMAGE = "velarun-test/git:latest"
"""The test image with the host's git in it (steps that run git in a commit workspace)."""
_CACHE = None if "VELARUN_CACHE_DIR" in os.environ else tempfile.mkdtemp(prefix="velarun-cache-")
if _CACHE is not None:
    # The suite's runs, in process and in subprocesses, keep templates and git packs here,
    # never in the user's own cache; removed when the session ends.
    os.environ["VELARUN_CACHE_DIR"] = _CACHE
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}
"""A git identity and no user or system configuration: the same commits on every machine."""


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` for a test repository; its output."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files from the current output (review the diff before committing)",
    )


@pytest.fixture(autouse=True)
def _no_git_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule data from the developer's checkout would make outputs depend on it: tests that
    exercise git derivation unset this and work in their own temporary repositories."""
    monkeypatch.setenv("VELARUN_NO_GIT", "1")
    # Whole-string assertions expect no colour whatever the developer's shell asks for.
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``golden(name, text)``: compare ``text`` with tests/golden/<name>, or rewrite it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        assert text == path.read_text()

    return check


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _CACHE is not None:
        shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _signals_restored() -> Iterator[None]:
    """``exec`` ignores its stop signals once a run is over, which is right for the command
    and wrong for the test process: every test gets back the handlers it started with."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
