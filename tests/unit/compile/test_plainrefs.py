"""The plain-reference shortcut gives exactly what the envsubst port gives, errors included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from velarun.compile import envsubst, plainrefs

ENV = {"A": "alpha", "B_2": "two words", "EMPTY": "", "U": "ünï", "S": "lone \ud800 half"}


def lookup(name: str) -> str:
    return ENV.get(name, "${" + name + "}")


def outcome(fn: object, text: str) -> tuple[str, str]:
    calls: list[str] = []

    def mapping(name: str) -> str:
        calls.append(name)
        return lookup(name)

    try:
        result = fn(text, mapping)  # type: ignore[operator]
    except envsubst.SubstitutionError as exc:
        return "error", f"{exc} {calls}"
    return result, repr(calls)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain text",
        "echo ${A} ${A}",
        "${A}${B_2}",
        "${MISSING} stays",
        "${EMPTY}|",
        "${U} and ${S}",
        "${S}${S}",
        "$A is not a reference",
        "$${A}",
        "${A:-default}",
        "${A",
        "back\\slash ${A}",
        "nul\x00${A}",
        "ünicode ${A}",
        "${1} ${_}",
        "${A}}",
        "${}",
        "${ A }",
    ],
)
def test_same_as_envsubst(text: str) -> None:
    assert outcome(plainrefs.substitute, text) == outcome(envsubst.substitute, text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="${}\\:-#AB_2S x\x00ü", max_size=20))
def test_same_as_envsubst_on_any_text(text: str) -> None:
    assert outcome(plainrefs.substitute, text) == outcome(envsubst.substitute, text)
