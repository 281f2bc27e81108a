"""Step environments: Vela's default variables, the merge order, and ``PARAMETER_*`` encoding.

Pure functions. Merge order for a step (later wins), as the server compiles it:
global (when ``metadata.environment`` lists ``steps``) < stage < step < Vela defaults <
``--env`` (non-detached steps only) < ``PARAMETER_*``. Services: global (``services``) <
service < defaults.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from velarun.compile.ruledata import RuleData
from velarun.workdir import WORKSPACE

SERVER_ONLY = "TODO"
"""What `vela exec` puts in variables only a Vela server knows."""


def default_env(data: RuleData) -> dict[str, str]:
    """The default variables of vela-compiler.md §4.1, filled from the rule data."""
    org, _, name = data.repo.partition("/")
    env: dict[str, str] = {
        "VELA": "true",
        "CI": "true",
        "VELA_NETRC_USERNAME": "x-oauth-basic",
        "VELA_NETRC_MACHINE": SERVER_ONLY,
        "VELA_ADDR": SERVER_ONLY,
        "VELA_DATABASE": SERVER_ONLY,
        "VELA_QUEUE": SERVER_ONLY,
        "VELA_SOURCE": SERVER_ONLY,
        "VELA_VERSION": SERVER_ONLY,
        "VELA_DISTRIBUTION": "linux",
        "VELA_HOST": "velarun",
        "VELA_RUNTIME": "docker",
        "VELA_WORKSPACE": WORKSPACE,
    }
    repo = {
        "ACTIVE": "true",
        "ALLOW_EVENTS": "",
        "BRANCH": data.branch if data.event_name == "push" else "",
        "BUILD_LIMIT": "0",
        "CLONE": "",
        "FULL_NAME": data.repo,
        "LINK": "",
        "NAME": name,
        "ORG": org,
        "PRIVATE": "false",
        "TIMEOUT": "0",
        "TRUSTED": "false",
        "VISIBILITY": "",
    }
    for key, value in repo.items():
        env[f"VELA_REPO_{key}"] = value
        env[f"REPOSITORY_{key}"] = value
    env.update(
        {
            "VELA_REPO_TOPICS": "",
            "VELA_REPO_PIPELINE_TYPE": "yaml",
            "VELA_REPO_APPROVE_BUILD": "",
            "VELA_REPO_APPROVAL_TIMEOUT": "0",
            "VELA_REPO_OWNER": "",
            "VELA_REPO_INSTALL_ID": "0",
            "VELA_REPO_CUSTOM_PROPS": "{}",
        }
    )
    base_ref = data.base_ref or (
        data.branch if data.event_name in ("pull_request", "comment") else ""
    )
    build = {
        "AUTHOR": data.author,
        "AUTHOR_EMAIL": data.author_email,
        "BASE_REF": base_ref,
        "BRANCH": data.branch,
        "CLONE": "",
        "COMMIT": data.commit,
        "CREATED": "0",
        "ENQUEUED": "0",
        "EVENT": data.event_name,
        "HOST": "",
        "MESSAGE": data.message,
        "PARENT": "0",
        "REF": data.ref,
        "SENDER": data.sender,
        "STARTED": "0",
        "SOURCE": "",
        "STATUS": data.status,
        "TITLE": "",
        "WORKSPACE": WORKSPACE,
    }
    for key, value in build.items():
        env[f"VELA_BUILD_{key}"] = value
        env[f"BUILD_{key}"] = value
    env.update(
        {
            "VELA_BUILD_APPROVED_AT": "0",
            "VELA_BUILD_APPROVED_BY": "",
            "VELA_BUILD_DISTRIBUTION": "",
            "VELA_BUILD_EVENT_ACTION": data.event_action,
            "VELA_BUILD_ROUTE": "",
            "VELA_BUILD_RUNTIME": "",
            "VELA_BUILD_SENDER_SCM_ID": "",
        }
    )
    event = data.event_name
    if event in ("pull_request", "comment"):
        number = data.ref.split("/")[2] if data.ref.count("/") >= 2 else ""
        env.update(
            {
                "BUILD_PULL_REQUEST_NUMBER": number,
                "VELA_BUILD_PULL_REQUEST": number,
                "VELA_PULL_REQUEST": number,
                "VELA_PULL_REQUEST_SOURCE": data.head_ref or data.ref,
                "VELA_PULL_REQUEST_TARGET": data.branch,
            }
        )
        if event == "pull_request":
            env["VELA_PULL_REQUEST_FORK"] = "false"
    if event == "deployment":
        env.update(
            {
                "BUILD_TARGET": data.target,
                "VELA_BUILD_TARGET": data.target,
                "VELA_DEPLOYMENT": data.target,
                "VELA_DEPLOYMENT_NUMBER": "0",
            }
        )
    if data.ref.startswith("refs/tags/") and event in ("tag", "deployment"):
        env["BUILD_TAG"] = env["VELA_BUILD_TAG"] = data.ref.removeprefix("refs/tags/")
    if event == "delete" and data.event_action == "tag":
        env["BUILD_TAG"] = env["VELA_BUILD_TAG"] = data.branch
    env.update(
        {
            "VELA_USER_ACTIVE": "false",
            "VELA_USER_ADMIN": "false",
            "VELA_USER_FAVORITES": "[]",
            "VELA_USER_NAME": "",
        }
    )
    return env


# -- PARAMETER_* ------------------------------------------------------------------------------


def _decimal(value: float) -> tuple[str, str, int]:
    """Shortest round-trip digits of a finite non-zero float: (sign, digits, exponent)."""
    mantissa, _, exp_text = repr(value).lower().partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    int_part, _, frac = mantissa.lstrip("-").partition(".")
    raw = int_part + frac
    point = len(int_part) + int(exp_text or "0") - (len(raw) - len(raw.lstrip("0")))
    digits = raw.strip("0") or "0"
    return sign, digits, point - 1


def _format_e(sign: str, digits: str, exp: int) -> str:
    body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _format_f(sign: str, digits: str, exp: int) -> str:
    point = exp + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    return None


def go_format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'g', -1, 64)``: shortest digits, ``e`` form when the
    exponent is below -4 or at least 6 (``1e+06``, ``1.234567e+06``, ``1e-05``)."""
    special = _special(value)
    if special is not None:
        return special
    sign, digits, exp = _decimal(value)
    if exp < -4 or exp >= 6:
        return _format_e(sign, digits, exp)
    return _format_f(sign, digits, exp)


def _go_json_float(value: float) -> str:
    """encoding/json float64: 'f' form, 'e' form below 1e-6 and from 1e21 (``1e-07``→``1e-7``)."""
    special = _special(value)
    if special is not None:
        return special
    sign, digits, exp = _decimal(value)
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        text = _format_e(sign, digits, exp)
        return text.replace("e-0", "e-").replace("e+0", "e+")
    return _format_f(sign, digits, exp)


def go_json(value: Any) -> str:
    """Go ``json.Marshal``: compact, map keys sorted, ``<``, ``>``, ``&`` escaped."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_json_float(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(v)}" for k, v in items) + "}"
    return go_json(str(value))


def parameter_value(value: Any) -> str:
    """Vela's ``ToString`` for one parameter value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, list) and all(
        v is None or isinstance(v, (str, int, float, bool)) for v in value
    ):
        return ",".join("" if v is None else parameter_value(v) for v in value)
    return go_json(value)


def parameter_env(parameters: Mapping[str, Any]) -> dict[str, str]:
    return {
        f"PARAMETER_{key.upper()}": parameter_value(value)
        for key, value in parameters.items()
        if value is not None
    }


def merge(*layers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for layer in layers:
        out.update(layer)
    return out
