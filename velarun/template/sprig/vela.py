"""Vela's own template functions (go-vela/server ``compiler/template/native/convert.go``):
``toYaml`` (see ``velarun/template/toyaml.py``) and ``vela``, which reads the platform's
variables out of the step's environment.

Vela gives them after sprig's map, so they win over any sprig function of the same name.
When two environment variables differ only in case or in the ``vela_`` prefix (``VELA_X`` and
``vela_x``), Vela keeps whichever Go's map iteration gives last; here the later one wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from velarun.template.gotemplate.funcs import GoFunc
from velarun.template.sprig.strings import lower
from velarun.template.toyaml import to_yaml

__all__ = ["convert_platform_vars", "vela_func_map"]

_DEPLOYMENT = "deployment_parameter_"


def convert_platform_vars(environment: Mapping[str, str], name: str) -> dict[str, str]:
    """Vela's ``convertPlatformVars``: keys lowercased; ``deployment_parameter_*`` kept as they
    are, ``vela_*`` without the prefix; ``template_name`` is the template's name."""
    envs: dict[str, str] = {}
    for key, value in environment.items():
        key = lower(key)
        if key.startswith(_DEPLOYMENT):
            envs[key] = value
        if key.startswith("vela_"):
            envs[key[len("vela_") :]] = value
    envs["template_name"] = name
    return envs


def return_platform_var(platform_vars: Mapping[str, str], key: str) -> str:
    """Vela's ``returnPlatformVar``: the lowercased key without ``deployment_parameter_``, then
    without ``vela_``, looked up in turn; "" when neither is there."""
    key = lower(key)
    for prefix in (_DEPLOYMENT, "vela_"):
        trimmed = key[len(prefix) :] if key.startswith(prefix) else key
        if trimmed in platform_vars:
            return platform_vars[trimmed]
    return ""


def vela_func_map(platform_vars: Mapping[str, str]) -> dict[str, GoFunc]:
    """``toYaml`` and ``vela`` over the variables :func:`convert_platform_vars` made: the map to
    add after :func:`velarun.template.sprig.txt_func_map`'s."""
    variables = dict(platform_vars)
    return {
        "toYaml": GoFunc(to_yaml, ("any",), None),
        "vela": GoFunc(lambda key: return_platform_var(variables, key), ("string",), None),
    }
