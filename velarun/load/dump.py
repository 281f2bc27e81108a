"""A pipeline back to YAML, as ``vela expand`` prints one: what ``velarun render`` shows after
templates are expanded. Keys are written in Vela's order and only when they differ from the
default; a step a template made carries a comment naming the template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from velarun.load.model import (
    Metadata,
    Pipeline,
    Rules,
    Ruleset,
    Secret,
    Service,
    Stage,
    Step,
    Template,
)


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as Vela's documentation writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(value: Any) -> str:
    out: str = yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return out


def _rules(rules: Rules) -> dict[str, Any]:
    out: dict[str, Any] = {k: list(v) for k, v in rules.written().items()}
    if rules.eval:
        out["eval"] = rules.eval
    return out


def _ruleset(rs: Ruleset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not rs.if_.empty():
        out["if"] = _rules(rs.if_)
    if not rs.unless.empty():
        out["unless"] = _rules(rs.unless)
    first = rs.if_ if not rs.if_.empty() else rs.unless
    if first.matcher != "filepath":
        out["matcher"] = first.matcher
    if first.operator != "and":
        out["operator"] = first.operator
    if rs.continue_:
        out["continue"] = True
    return out


def _step(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"name": step.name}
    if step.template is not None:
        out["template"] = {"name": step.template.name}
        if step.template.vars:
            out["template"]["vars"] = dict(step.template.vars)
    if step.image:
        out["image"] = step.image
    if step.pull != "not_present":
        out["pull"] = step.pull
    for key in ("commands", "entrypoint"):
        if value := getattr(step, key):
            out[key] = list(value)
    if step.environment:
        out["environment"] = dict(step.environment)
    if step.parameters:
        out["parameters"] = dict(step.parameters)
    if step.secrets:
        out["secrets"] = [{"source": s.source, "target": s.target} for s in step.secrets]
    if not step.ruleset.empty():
        out["ruleset"] = _ruleset(step.ruleset)
    elif step.ruleset.continue_:
        out["ruleset"] = {"continue": True}
    return {**out, **_step_runtime(step)}


def _step_runtime(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("detach", "privileged"):
        if getattr(step, key):
            out[key] = True
    if step.user:
        out["user"] = step.user
    if step.ulimits:
        out["ulimits"] = [{"name": u.name, "soft": u.soft, "hard": u.hard} for u in step.ulimits]
    if step.volumes:
        out["volumes"] = [f"{v.source}:{v.destination}:{v.access_mode}" for v in step.volumes]
    if step.report_as:
        out["report_as"] = step.report_as
    if step.artifacts:
        out["artifacts"] = {"paths": list(step.artifacts)}
    return out


def _service(svc: Service) -> dict[str, Any]:
    out: dict[str, Any] = {"name": svc.name, "image": svc.image}
    if svc.pull != "not_present":
        out["pull"] = svc.pull
    if svc.entrypoint:
        out["entrypoint"] = list(svc.entrypoint)
    if svc.environment:
        out["environment"] = dict(svc.environment)
    if svc.ports:
        out["ports"] = list(svc.ports)
    if svc.user:
        out["user"] = svc.user
    if not svc.ruleset.empty():
        out["ruleset"] = _ruleset(svc.ruleset)
    return out


def _secret(secret: Secret) -> dict[str, Any]:
    if secret.origin is not None:
        o = secret.origin
        origin: dict[str, Any] = {"name": o.name, "image": o.image}
        if o.parameters:
            origin["parameters"] = dict(o.parameters)
        if not o.ruleset.empty():
            origin["ruleset"] = _ruleset(o.ruleset)
        return {"origin": origin}
    out: dict[str, Any] = {"name": secret.name}
    if secret.key:
        out["key"] = secret.key
    out["engine"], out["type"] = secret.engine, secret.type
    return out


def _template(t: Template) -> dict[str, Any]:
    out: dict[str, Any] = {"name": t.name, "source": t.source}
    if t.type:
        out["type"] = t.type
    if t.format not in ("go", ""):
        out["format"] = t.format
    if t.vars:
        out["vars"] = dict(t.vars)
    return out


def _metadata(m: Metadata) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not m.clone:
        out["clone"] = False
    if tuple(m.environment) != ("steps", "services", "secrets"):
        out["environment"] = list(m.environment)
    if m.auto_cancel:
        out["auto_cancel"] = dict(m.auto_cancel)
    return out


def _indent(text: str, indent: str) -> str:
    return "".join(indent + line if line.strip() else line for line in text.splitlines(True))


def _steps_block(steps: tuple[Step, ...], indent: str) -> str:
    """Each step as a list item, after a comment naming the template that made it."""
    parts: list[str] = []
    for step in steps:
        if step.origin:
            parts.append(f"{indent}# from {step.origin}\n")
        if step.template is not None:
            parts.append(f"{indent}# not rendered: its ruleset prunes it for this rule data\n")
        item = _text([_step(step)])
        parts.append(
            "".join(indent + line if line.strip() else line for line in item.splitlines(True))
        )
    return "".join(parts)


def _stages_block(stages: tuple[Stage, ...]) -> str:
    parts: list[str] = []
    for stage in stages:
        head: dict[str, Any] = {}
        if stage.needs:
            head["needs"] = list(stage.needs)
        if stage.independent:
            head["independent"] = True
        if stage.environment:
            head["environment"] = dict(stage.environment)
        parts.append(_text({stage.name: None}).replace(" null", ""))
        if head:
            parts.append(_indent(_text(head), "  "))
        parts.append("  steps:\n")
        parts.append(_steps_block(stage.steps, "    "))
    return "".join(parts)


def dump_pipeline(p: Pipeline) -> str:
    """``p`` as a Vela YAML file."""
    head: dict[str, Any] = {}
    if metadata := _metadata(p.metadata):
        head["metadata"] = metadata
    if p.environment:
        head["environment"] = dict(p.environment)
    if p.worker:
        head["worker"] = dict(p.worker)
    version = p.version or "1"
    out = [f'version: "{version}"\n' if version.isalnum() else _text({"version": version})]
    if head:
        out.append(_text(head))
    blocks: list[tuple[str, Mapping[str, Any] | list[Any]]] = []
    if p.secrets:
        blocks.append(("secrets", [_secret(s) for s in p.secrets]))
    if p.services:
        blocks.append(("services", [_service(s) for s in p.services]))
    for key, value in blocks:
        out.append("\n" + _text({key: value}))
    if p.stages:
        out.append(
            "\nstages:\n"
            + "".join(
                "  " + ln if ln.strip() else ln for ln in _stages_block(p.stages).splitlines(True)
            )
        )
    else:
        out.append("\nsteps:\n" + _steps_block(p.steps, "  "))
    if p.templates and any(s.template is not None for s in p.all_steps()):
        out.append("\n" + _text({"templates": [_template(t) for t in p.templates]}))
    return "".join(out)
