"""The engine against real Go: every case of ``cases.json`` (rendered by Go's own
``text/template``, see README.md) must give Go's output, or Go's error message exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from velarun.template.gotemplate import TemplateError, render

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cases.json").read_text())[
    "cases"
]


def outcome(case: dict[str, Any]) -> tuple[str, str]:
    try:
        text = render(case["template"], case.get("data"), name=case["name"])
    except TemplateError as err:
        return "error", err.message
    # Go writes the bytes of a string sliced mid-rune; the oracle's JSON shows them as U+FFFD.
    return "output", text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_go(case: dict[str, Any]) -> None:
    expected = ("error", case["error"]) if "error" in case else ("output", case["output"])
    assert outcome(case) == expected, case["template"]


def test_the_corpus_is_large_and_covers_errors() -> None:
    assert len(CASES) >= 300
    assert sum("error" in c for c in CASES) >= 100
