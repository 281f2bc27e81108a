"""Hostile and broken input: the loader never raises and never hangs; it returns a pipeline or
positioned diagnostics, and an invalid outcome always carries at least one error."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from velarun.diagnostics import Pos
from velarun.load import LoadResult, load_bytes

FIXTURES = sorted((ROOT / "fixtures").rglob("*.yml"))
SEEDS = [f.read_bytes() for f in FIXTURES]


def check_outcome(result: LoadResult, data: bytes) -> None:
    # YAML breaks lines at \r and \r\n as well as \n (and more in decoded text): at most
    # as many lines as str.splitlines finds, and one past the end for an error there.
    lines = max(1, len(data.decode("utf-8", "replace").splitlines()))
    for d in result.diagnostics:
        assert isinstance(d.pos, Pos)
        assert 1 <= d.pos.line <= lines + 1, (d, lines)
        assert d.pos.column >= 1
        assert d.message
    if not result.ok:
        assert any(d.is_error for d in result.diagnostics)


yaml_scalars = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(["name", "image", "steps", "stages", "needs", "ruleset", "version", "1"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "version",
                        "steps",
                        "stages",
                        "name",
                        "image",
                        "commands",
                        "needs",
                        "ruleset",
                        "environment",
                        "secrets",
                        "services",
                        "ulimits",
                        "volumes",
                        "if",
                        "unless",
                        "branch",
                        "event",
                        "parameters",
                        "pull",
                        "detach",
                        "metadata",
                        "template",
                    ]
                ),
                st.text(max_size=6),
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_values)
def test_arbitrary_yaml_documents(value: object) -> None:
    data = yaml.safe_dump(value, allow_unicode=True).encode()
    check_outcome(load_bytes(data, "p.yml"), data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    check_outcome(load_bytes(data, "p.yml"), data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(SEEDS))),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000),
            st.integers(min_value=0, max_value=8),
            st.sampled_from(
                ["", " ", "  ", "\n", "-", ":", "[", "]", "{", "&a", "*a", "<<: ", "'", "\t", "x"]
            ),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_fixtures(seed: int, edits: list[tuple[int, int, str]]) -> None:
    text = SEEDS[seed].decode()
    for where, cut, insert in edits:
        i = where % (len(text) + 1)
        text = text[:i] + insert + text[i + cut :]
    data = text.encode()
    check_outcome(load_bytes(data, "p.yml"), data)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    data = ("\n".join(lines) + "\n").encode()
    result = load_bytes(data, "p.yml")
    assert result.pipeline is None
    assert result.diagnostics[0].message.startswith("the document expands to ")


def test_deep_nesting_is_refused() -> None:
    for depth in (150, 5000, 50_000):
        data = ("version: " + "[" * depth + "]" * depth + "\n").encode()
        result = load_bytes(data, "p.yml")
        assert result.pipeline is None
        assert "nest" in result.diagnostics[0].message  # ours (100) or libyaml's (1000)


def test_recursive_alias_is_an_error() -> None:
    result = load_bytes(b'version: "1"\nsteps: &s\n  - *s\n', "p.yml")
    assert not result.ok
