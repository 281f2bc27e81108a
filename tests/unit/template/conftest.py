"""The template tests run in the oracle's local time zone (``regenerate_sprig.ORACLE_TZ``)."""

from __future__ import annotations

import pytest

from tests.unit.template.regenerate_sprig import ORACLE_TZ


@pytest.fixture(autouse=True)
def oracle_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ORACLE_TZ)
