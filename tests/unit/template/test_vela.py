"""Vela's own template functions, ``toYaml`` and ``vela``, against real Go with sprig, yaml.v3
and Vela's code: every case of ``vela_cases.json`` (see README.md) must give Go's output or
Go's error message exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from velarun.template.gotemplate import TemplateError, render
from velarun.template.sprig import convert_platform_vars, txt_func_map, vela_func_map
from velarun.template.toyaml import to_yaml

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = json.loads((HERE / "vela_cases.json").read_text())["cases"]


def outcome(case: dict[str, Any]) -> tuple[str, str]:
    funcs = txt_func_map()
    funcs.update(vela_func_map(convert_platform_vars(case.get("environment") or {}, case["name"])))
    try:
        text = render(case["template"], case.get("data"), name=case["name"], funcs=funcs)
    except TemplateError as err:
        return "error", err.message
    return "output", text


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_go(case: dict[str, Any]) -> None:
    expected = ("error", case["error"]) if "error" in case else ("output", case["output"])
    assert outcome(case) == expected, case["template"]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, {"template_name": "tpl"}),
        ({"VELA_BUILD_NUMBER": "7"}, {"build_number": "7", "template_name": "tpl"}),
        ({"vela_x": "1", "HOME": "/root"}, {"x": "1", "template_name": "tpl"}),
        (
            {"DEPLOYMENT_PARAMETER_Region": "us"},
            {"deployment_parameter_region": "us", "template_name": "tpl"},
        ),
        (
            {"VELA_DEPLOYMENT_PARAMETER_A": "v"},
            {"deployment_parameter_a": "v", "template_name": "tpl"},
        ),
        ({"VELA_TEMPLATE_NAME": "mine"}, {"template_name": "tpl"}),
        ({"VELA_": "e", "VELAX": "no"}, {"": "e", "template_name": "tpl"}),
    ],
)
def test_convert_platform_vars(environment: dict[str, str], expected: dict[str, str]) -> None:
    assert convert_platform_vars(environment, "tpl") == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("build", "1"),
        ("BUILD", "1"),
        ("vela_build", "1"),
        ("Vela_Build", "1"),
        ("deployment_parameter_build", "1"),
        ("deployment_parameter_region", "us"),
        ("region", ""),
        ("template_name", "tpl"),
        ("vela_vela_build", ""),
        ("", ""),
    ],
)
def test_vela_looks_a_key_up_as_vela_does(key: str, expected: str) -> None:
    platform = convert_platform_vars(
        {"VELA_BUILD": "1", "DEPLOYMENT_PARAMETER_REGION": "us"}, "tpl"
    )
    assert render("{{ vela .k }}", {"k": key}, funcs=vela_func_map(platform)) == expected


def test_vela_func_map_offers_vela_functions_only() -> None:
    assert sorted(vela_func_map({})) == ["toYaml", "vela"]


def test_to_yaml_refuses_what_yaml_cannot_marshal_as_go_panics() -> None:
    with pytest.raises(Exception, match=r"^cannot marshal type: func"):
        to_yaml(len)
