"""Small builders the unit tests share."""

from __future__ import annotations

from velarun.compile.compiler import compile_pipeline
from velarun.compile.plan import Plan
from velarun.compile.ruledata import build_ruledata
from velarun.load import load_bytes
from velarun.runtime import ContainerSpec


def spec(**kw: object) -> ContainerSpec:
    base: dict[str, object] = {
        "kind": "step",
        "name": "unit",
        "stage": "test",
        "image": "img",
        "pull": "never",
    }
    base.update(kw)
    return ContainerSpec(**base)  # type: ignore[arg-type]


def compile_text(text: str, **data: object) -> Plan:
    """The plan of a pipeline given as text, for rule data built from ``data``."""
    loaded = load_bytes(text.encode(), "p.yml")
    assert loaded.ok and loaded.pipeline is not None, loaded.diagnostics
    result = compile_pipeline(loaded.pipeline, build_ruledata(**data))  # type: ignore[arg-type]
    assert result.plan is not None, result.diagnostics
    return result.plan
