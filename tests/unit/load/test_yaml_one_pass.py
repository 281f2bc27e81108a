"""The one-pass composer (libyaml's events straight into the tree) gives exactly what the full
path (PyYAML's composer, then the converter) gives, or hands the document to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from velarun.load import _yaml
from velarun.load._yaml import parse_yaml


def both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, bool]:
    """(one pass, full path, whether the one pass kept the document)."""
    try:
        fast: object = _yaml._one_pass(text, "t.yml")
        kept = True
    except _yaml._Bail:
        fast, kept = parse_yaml(text, "t.yml"), False
    with monkeypatch.context() as m:
        m.setattr(_yaml, "_FastParser", None)  # parse_yaml then takes the full path
        full = parse_yaml(text, "t.yml")
    return fast, full, kept


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("", True),
        ("# only a comment\n", True),
        ("---\n", True),
        ("a: 1\n", True),
        ("plain: yes\nquoted: 'yes'\nnull: ~\nempty:\nint: 010\nfloat: 1e3\n", True),
        ("block: |\n  two\n  lines\nfolded: >-\n  x\n", True),
        ("a: 1\na: 2\n", True),
        ("a: {b: 1, b: 2}\na: {c: 1, c: 2}\n", True),
        ("stages:\n  s: {steps: []}\n  s: {steps: []}\n", True),
        ("stages:\n  s: {x: 1, x: 2}\nstages: {t: {y: 1, y: 2}}\n", True),
        ("steps:\n  - {name: a, name: b}\n  - [1, [2, [3]]]\n", True),
        ("- a\n- b: c\n  b: d\n", True),
        ("x: &a 1\ny: *a\n", False),
        ("x: !!str 5\n", False),
        ("x: !custom 5\n", False),
        ("<<: {a: 1}\nb: 2\n", False),
        ("a: 1\n---\nb: 2\n", False),
        ("a: [1, 2\n", False),
        ("? [a, b]\n: c\n", False),
        ("a: \x07\n", False),
        ("[" * 150 + "]" * 150 + "\n", False),
        ("[" * 99 + "]" * 99 + "\n", True),
    ],
)
def test_one_pass_or_the_full_path(text: str, kept: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, full, was_kept = both(text, monkeypatch)
    assert (fast, was_kept) == (full, kept)


FILES = sorted(
    p for d in ("fixtures", "tests") for p in (ROOT / d).rglob("*") if p.suffix in (".yml", ".yaml")
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pipeline_of_the_repository(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, full, _ = both(path.read_text(), monkeypatch)
    assert fast == full


SCALARS = st.one_of(
    st.text(alphabet="ab: -#'\"{}[]\n!&*|>%@`", max_size=6),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
DOCS = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["a", "b", "stages", "s", "1", "yes"]), children, max_size=3
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(doc=DOCS, flow=st.booleans(), duplicate=st.integers(min_value=0, max_value=8))
def test_any_document(doc: object, flow: bool, duplicate: int) -> None:
    text = yaml.safe_dump(doc, default_flow_style=flow)
    lines = text.splitlines(keepends=True)
    if lines and duplicate < len(lines):  # a line written twice: duplicate keys, errors
        lines.insert(duplicate, lines[duplicate])
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, full, _ = both("".join(lines), monkeypatch)
    assert fast == full
