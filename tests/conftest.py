from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
TEST_IMAGE = "velarun-test/busybox:latest"


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
