"""Containers: steps, services and secret origins, with what they carry (pull policy,
secrets, ulimits, volumes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from velarun.artifacts import leaves_workspace
from velarun.load._rulesets import NO_RULESET, ruleset
from velarun.load._scalars import texts_at
from velarun.load._shapes import Reader
from velarun.load._yaml import YMap, YNode, YScalar
from velarun.load.model import (
    PULL_POLICIES,
    SecretOrigin,
    Service,
    Step,
    StepSecret,
    StepTemplate,
    Ulimit,
    Volume,
)

T = TypeVar("T")

STEP_KEYS = (
    "name",
    "image",
    "pull",
    "commands",
    "entrypoint",
    "environment",
    "parameters",
    "secrets",
    "ruleset",
    "template",
    "detach",
    "privileged",
    "user",
    "ulimits",
    "volumes",
    "report_as",
    "id_request",
    "artifacts",
    "git",
)
SERVICE_KEYS = (
    "name",
    "image",
    "entrypoint",
    "environment",
    "ports",
    "pull",
    "ulimits",
    "user",
    "ruleset",
)
ORIGIN_KEYS = (
    "name",
    "image",
    "pull",
    "environment",
    "parameters",
    "secrets",
    "ruleset",
    "id_request",  # since server v0.28: ask for an OIDC ID request token (a string)
)

# Keys people bring from other CI systems or put one level off; each with the fix.
STEP_KEY_HINTS = {
    "continue": "`continue` belongs in the ruleset: `ruleset: {continue: true}`",
    "needs": "`needs` is a stage key; steps in a stage run in order",
    "depends_on": "stages wait on each other with `needs:`; steps in a stage run in order",
    "when": "Vela conditions are written as `ruleset:`",
    "settings": "plugin settings are `parameters:` in Vela",
    "env": "did you mean `environment`?",
    "ports": "`ports` is a service key",
    "command": "did you mean `commands`?",
    "script": "Vela runs `commands:`",
}
SERVICE_KEY_HINTS = {
    "commands": "services take no `commands`; set `entrypoint` to run something else",
    "volumes": "services take no `volumes` in Vela",
    "secrets": "services take no `secrets` in Vela",
}


def step(r: Reader, node: YNode, stage: str | None) -> Step | None:
    m = r.as_map(node, "a step")
    if m is None:
        return None
    name_node = next((v for k, v in m.items if k.value == "name"), None)
    name = r.as_str(name_node, "a step's `name`") if name_node is not None else ""
    where = f"step `{name}`" if name else "a step"
    f = r.fields(m, where, STEP_KEYS, STEP_KEY_HINTS)

    def get(key: str, conv: Callable[[YNode, str], T], default: T) -> T:
        return conv(f[key][1], f"`{key}` of {where}") if key in f else default

    template = None
    if "template" in f and (tmap := r.as_map(f["template"][1], f"`template` of {where}")):
        tf = r.fields(tmap, f"the template of {where}", ("name", "vars"))
        template = StepTemplate(
            name=r.as_str(tf["name"][1], "`template.name`") if "name" in tf else "",
            vars=r.as_vars(tf["vars"][1], "`template.vars`") if "vars" in tf else {},
        )
    parameters: dict[str, Any] = {}
    if "parameters" in f and (pmap := r.as_map(f["parameters"][1], f"`parameters` of {where}")):
        parameters = r.as_any(pmap, f"`parameters` of {where}")
    return Step(
        name=name,
        image=get("image", r.as_str, ""),
        pull=_pull(r, f["pull"][1]) if "pull" in f else "not_present",
        commands=get("commands", r.as_str_list, ()),
        entrypoint=get("entrypoint", r.as_str_list, ()),
        environment=get("environment", r.as_env, {}),
        parameters=parameters,
        secrets=_step_secrets(r, f["secrets"][1], where) if "secrets" in f else (),
        ruleset=ruleset(r, f["ruleset"][1], where) if "ruleset" in f else NO_RULESET,
        template=template,
        detach=get("detach", r.as_bool, False),
        privileged=get("privileged", r.as_bool, False),
        user=get("user", r.as_str, ""),
        ulimits=_ulimits(r, f["ulimits"][1], where) if "ulimits" in f else (),
        volumes=_volumes(r, f["volumes"][1], where) if "volumes" in f else (),
        report_as=get("report_as", r.as_str, ""),
        artifacts=_artifacts(r, f["artifacts"][1], where) if "artifacts" in f else (),
        pos=m.pos,
        key_pos={k: v.pos for k, (_, v) in f.items()},
        text_pos=texts_at(m),
    )


def service(r: Reader, node: YNode, _index: int) -> Service | None:
    m = r.as_map(node, "a service")
    if m is None:
        return None
    name_node = next((v for k, v in m.items if k.value == "name"), None)
    name = r.as_str(name_node, "a service's `name`") if name_node is not None else ""
    where = f"service `{name}`" if name else "a service"
    f = r.fields(m, where, SERVICE_KEYS, SERVICE_KEY_HINTS)
    return Service(
        name=name,
        image=r.as_str(f["image"][1], f"`image` of {where}") if "image" in f else "",
        pull=_pull(r, f["pull"][1]) if "pull" in f else "not_present",
        entrypoint=r.as_str_list(f["entrypoint"][1], "`entrypoint`") if "entrypoint" in f else (),
        environment=r.as_env(f["environment"][1], f"`environment` of {where}")
        if "environment" in f
        else {},
        ports=r.as_str_list(f["ports"][1], "`ports`") if "ports" in f else (),
        ulimits=_ulimits(r, f["ulimits"][1], where) if "ulimits" in f else (),
        user=r.as_str(f["user"][1], "`user`") if "user" in f else "",
        ruleset=ruleset(r, f["ruleset"][1], where) if "ruleset" in f else NO_RULESET,
        pos=m.pos,
        key_pos={k: v.pos for k, (_, v) in f.items()},
        text_pos=texts_at(m),
    )


def secret_origin(r: Reader, m: YMap) -> SecretOrigin:
    f = r.fields(m, "a secret origin", ORIGIN_KEYS)
    name = r.as_str(f["name"][1], "origin `name`") if "name" in f else ""
    where = f"secret origin `{name}`" if name else "a secret origin"
    parameters: dict[str, Any] = {}
    if "parameters" in f and (pmap := r.as_map(f["parameters"][1], "`parameters`")):
        parameters = r.as_any(pmap, "`parameters`")
    if "id_request" in f:
        r.as_str(f["id_request"][1], f"`id_request` of {where}")  # only its shape is checked
    return SecretOrigin(
        name=name,
        image=r.as_str(f["image"][1], "origin `image`") if "image" in f else "",
        pull=_pull(r, f["pull"][1]) if "pull" in f else "not_present",
        environment=r.as_env(f["environment"][1], f"`environment` of {where}")
        if "environment" in f
        else {},
        parameters=parameters,
        secrets=_step_secrets(r, f["secrets"][1], where) if "secrets" in f else (),
        ruleset=ruleset(r, f["ruleset"][1], where) if "ruleset" in f else NO_RULESET,
        pos=m.pos,
    )


def _artifacts(r: Reader, node: YNode, where: str) -> tuple[str, ...]:
    """The server's ``Artifacts``: a mapping with ``paths``, one string or a list."""
    m = r.as_map(node, f"`artifacts` of {where}")
    if m is None:
        return ()
    af = r.fields(m, f"the artifacts of {where}", ("paths",))
    if "paths" not in af:
        return ()
    paths = r.as_str_list_at(af["paths"][1], f"`artifacts.paths` of {where}")
    for path, pos in paths:
        if leaves_workspace(path):
            r.warn(
                pos,
                f"artifacts path `{path}` of {where} goes up with `..`: it never matches",
                "the worker looks for artifacts only inside the workspace; write the path"
                " from the repository root",
            )
    return tuple(path for path, _ in paths)


def _pull(r: Reader, node: YNode) -> str:
    raw = r.as_str(node, "`pull`")
    lowered = raw.lower()
    if lowered in ("", "false"):
        return "not_present"
    if lowered == "true":
        return "always"
    if raw not in PULL_POLICIES:
        r.warn(
            node.pos,
            f"pull policy `{raw}` is not one Vela knows; Vela then never pulls the image",
            "use one of: " + ", ".join(PULL_POLICIES),
        )
    return raw


def _step_secrets(r: Reader, node: YNode, where: str) -> tuple[StepSecret, ...]:
    items = r.as_list(node, f"`secrets` of {where}")
    if not items:
        return ()
    kinds = {isinstance(i, YScalar) for i in items}
    if len(kinds) > 1:
        r.err(
            node.pos,
            f"`secrets` of {where} mixes names and `source`/`target` mappings",
            "write every entry as a name, or every entry as {source: ..., target: ...}",
        )
        return ()
    out: list[StepSecret] = []
    for item in items:
        if isinstance(item, YScalar):
            out.append(StepSecret(item.value, item.value.upper()))
            continue
        m = r.as_map(item, f"a secret of {where}")
        if m is None:
            continue
        sf = r.fields(m, f"a secret of {where}", ("source", "target"))
        source = r.as_str(sf["source"][1], "`source`") if "source" in sf else ""
        target = r.as_str(sf["target"][1], "`target`") if "target" in sf else ""
        if not source or not target:
            missing = "source" if not source else "target"
            r.err(
                item.pos,
                f"a secret of {where} has no `{missing}`",
                "write both: {source: <secret name>, target: <ENV_VAR>}",
            )
            continue
        out.append(StepSecret(source, target.upper()))
    return tuple(out)


def _ulimits(r: Reader, node: YNode, where: str) -> tuple[Ulimit, ...]:
    out: list[Ulimit] = []
    for item in r.as_list(node, f"`ulimits` of {where}") or ():
        if isinstance(item, YScalar):
            parsed = _ulimit_text(r, item)
            if parsed is not None:
                out.append(parsed)
            continue
        m = r.as_map(item, "a ulimit")
        if m is None:
            continue
        uf = r.fields(m, "a ulimit", ("name", "soft", "hard"))
        name = r.as_str(uf["name"][1], "`name`") if "name" in uf else ""
        soft = r.as_int(uf["soft"][1], "ulimit `soft`") if "soft" in uf else 0
        hard = r.as_int(uf["hard"][1], "ulimit `hard`") if "hard" in uf else 0
        if not name:
            r.err(item.pos, "a ulimit has no `name`", "e.g. {name: nofile, soft: 1024}")
            continue
        out.append(Ulimit(name, soft, hard or soft))
    return tuple(out)


def _ulimit_text(r: Reader, item: YScalar) -> Ulimit | None:
    text = item.value
    hint = "write `name=soft` or `name=soft:hard`, e.g. `nofile=1024:2048`"
    if text.count("=") != 1:
        r.err(item.pos, f"ulimit `{text}` must contain exactly one `=`", hint)
        return None
    name, _, limits = text.partition("=")
    if limits.count(":") > 1:
        r.err(item.pos, f"ulimit `{text}` can contain only one `:`", hint)
        return None
    soft_text, _, hard_text = limits.partition(":")
    values: list[int] = []
    for part in (soft_text, hard_text or soft_text):
        try:
            values.append(int(part))
        except ValueError:
            r.err(item.pos, f"ulimit `{text}`: `{part}` is not a whole number", hint)
            return None
    return Ulimit(name, values[0], values[1])


def _volumes(r: Reader, node: YNode, where: str) -> tuple[Volume, ...]:
    out: list[Volume] = []
    for item in r.as_list(node, f"`volumes` of {where}") or ():
        if isinstance(item, YScalar):
            parts = item.value.split(":")
            if len(parts) > 3 or not item.value:
                r.err(
                    item.pos,
                    f"volume `{item.value}` must be `source[:destination[:mode]]`",
                    "use at most two `:`, e.g. `/tmp/cache:/cache:rw`",
                )
                continue
            source = parts[0]
            dest = parts[1] if len(parts) > 1 else source
            out.append(Volume(source, dest, parts[2] if len(parts) > 2 else "ro"))
            continue
        m = r.as_map(item, "a volume")
        if m is None:
            continue
        vf = r.fields(m, "a volume", ("source", "destination", "access_mode"))
        source = r.as_str(vf["source"][1], "`source`") if "source" in vf else ""
        dest = r.as_str(vf["destination"][1], "`destination`") if "destination" in vf else ""
        mode = r.as_str(vf["access_mode"][1], "`access_mode`") if "access_mode" in vf else ""
        if not source:
            r.err(item.pos, "a volume has no `source`")
            continue
        out.append(Volume(source, dest or source, mode or "ro"))
    return tuple(out)
