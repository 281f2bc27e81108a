"""Shared by the CLI tests."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _stop_signals_restored() -> Iterator[None]:
    """``exec`` ignores its stop signals once a run is over (it writes the results); the test
    process must not keep them ignored, or a later test's Ctrl-C never arrives."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
