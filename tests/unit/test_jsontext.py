"""velarun/jsontext.py writes exactly what ``json.dumps(value, indent=2)`` writes."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from velarun.jsontext import dumps_indented

BIG: dict[object, object] = {f"K{i}": f"v{i}" for i in range(12)}
MIXED_KEYS: dict[object, object] = {**BIG, 1: "v1"}
"""Bigger than the writer's small mappings: its caches are used."""


WITH_LIST = {**BIG, "L": [BIG, 1, BIG]}
"""A big mapping met again as the same object, at the same level and at others."""
NESTED = {**BIG, "inner": BIG, "again": {**BIG}}


class Level(enum.IntEnum):
    LOW = 1


class Name(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        10**30,
        1.5,
        -0.0,
        1e300,
        math.inf,
        -math.inf,
        math.nan,
        "",
        "plain",
        'quote " backslash \\ tab \t newline \n nul \x00',
        "é ü 日本 \U0001f600 \u2028",
        [],
        {},
        (),
        [[]],
        [{}],
        {"a": {}},
        {"a": []},
        [1, "two", None, [3, [4, {"five": 5}]]],
        (1, (2,)),
        {"env": {"A": "1", "B": "2"}, "steps": [{"env": {"A": "1", "B": "3"}}]},
        {1: "int key", 2.5: "float key", None: "null key", "s": 1},
        {True: "bool key", False: 0},
        {Name("sub"): Name("class")},
        {"level": Level.LOW, Level.LOW: "enum key"},
        {"deep": [[[[{"x": [1, 2, {"y": "z"}]}]]]]},
        [{"a": "1"}, {"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}, [{"a": "1"}], {"a": None}],
        [{"a": 1}, {"a": "1"}, {"a": True}, {1: "a"}, {True: "a"}, {"1": "a"}],
        {"s": [{"E": "x", "F": "y"}, {"E": "x", "F": "y"}], "t": {"E": "x", "F": "y"}},
        [{Name("a"): "b"}, {"a": Name("b")}, {"a": "b"}],
        [BIG, {**BIG, "K0": 1}, {**BIG, "K0": True}, BIG, [BIG, {"x": BIG}], {**BIG, "K0": None}],
        [{**BIG, "K1": 1.0}, {**BIG, "K1": 1}, {**BIG, "K1": "1"}, MIXED_KEYS, BIG],
        [{**BIG, "K2": [1]}, {**BIG, "K2": {"a": "b"}}, {**BIG, "K2": ("t",)}, BIG],
        [WITH_LIST, WITH_LIST, {"x": WITH_LIST}, [[WITH_LIST]], {**WITH_LIST}],
        {"a": NESTED, "b": [NESTED, BIG], "c": NESTED},
    ],
)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_same_text_as_json_dumps_on_any_document(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": object()}, "Object of type object is not JSON serializable"),
        ([{1, 2}], "Object of type set is not JSON serializable"),
        ({(1, 2): "tuple key"}, "keys must be str, int, float, bool or None, not tuple"),
    ],
)
def test_what_json_cannot_write_is_a_type_error(value: Any, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        dumps_indented(value)
    with pytest.raises(TypeError):
        json.dumps(value, indent=2)
    assert str(caught.value) == message


ENVIRONMENTS = st.lists(
    st.fixed_dictionaries(
        {f"K{i}": st.sampled_from(["1", 1, True, 1.0, None, "x"]) for i in range(10)}
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(ENVIRONMENTS, st.integers(min_value=0, max_value=3))
def test_same_text_for_repeated_big_mappings(envs: list[dict[str, Any]], depth: int) -> None:
    value: Any = envs + envs
    for _ in range(depth):
        value = {"nested": value, "again": envs}
    assert dumps_indented(value) == json.dumps(value, indent=2)
