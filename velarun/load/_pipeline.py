"""The pipeline as a whole: its top-level keys, `metadata`, `stages`, and the `secrets` and
`templates` blocks; steps, services and rulesets are built by their own modules."""

from __future__ import annotations

from functools import partial
from typing import Any

from velarun.diagnostics import Diagnostic
from velarun.load._containers import secret_origin, service, step
from velarun.load._scalars import texts_at
from velarun.load._shapes import Reader, kind
from velarun.load._yaml import YMap, YNode, YScalar, YSeq
from velarun.load.model import Metadata, Pipeline, Secret, Stage, Step, Template

TOP_KEYS = (
    "version",
    "metadata",
    "environment",
    "worker",
    "secrets",
    "services",
    "stages",
    "steps",
    "templates",
    "deployment",
    "git",
)
METADATA_KEYS = ("template", "clone", "environment", "render_inline", "auto_cancel")
STAGE_KEYS = ("name", "needs", "independent", "environment", "steps")
SECRET_KEYS = ("name", "key", "engine", "type", "pull", "origin")
TEMPLATE_KEYS = ("name", "source", "format", "type", "vars")
STAGE_KEY_HINTS = {"depends_on": "did you mean `needs`?", "env": "did you mean `environment`?"}


def build_pipeline(path: str, root: YNode) -> tuple[Pipeline | None, list[Diagnostic]]:
    """The pipeline that ``root`` describes (None if it is not a mapping), and every problem
    found on the way."""
    r = Reader()
    return _pipeline(r, path, root), r.diags


def _pipeline(r: Reader, path: str, root: YNode) -> Pipeline | None:
    if not isinstance(root, YMap):
        r.err(
            root.pos,
            f"a pipeline must be a mapping of keys, got {kind(root)}",
            'start the file with `version: "1"` followed by `steps:` or `stages:`',
        )
        return None
    f = r.fields(root, "the pipeline", TOP_KEYS)
    key_pos = {k: v.pos for k, (_, v) in f.items()}
    version = r.as_str(f["version"][1], "`version`") if "version" in f else ""
    metadata = _metadata(r, f["metadata"][1]) if "metadata" in f else Metadata()
    env = r.as_env(f["environment"][1], "`environment`") if "environment" in f else {}
    worker: dict[str, str] = {}
    if "worker" in f and (wmap := r.as_map(f["worker"][1], "`worker`")):
        wf = r.fields(wmap, "`worker`", ("flavor", "platform"))
        worker = {k: r.as_str(v, f"`worker.{k}`") for k, (_, v) in wf.items()}
    secrets = (
        r.items_of(f["secrets"][1], "`secrets`", partial(_secret, r)) if "secrets" in f else ()
    )
    services = (
        r.items_of(f["services"][1], "`services`", partial(service, r)) if "services" in f else ()
    )
    stages = _stages(r, f["stages"][1]) if "stages" in f else ()
    steps = (
        r.items_of(f["steps"][1], "`steps`", lambda n, _: step(r, n, None)) if "steps" in f else ()
    )
    templates = (
        r.items_of(f["templates"][1], "`templates`", partial(_template, r))
        if "templates" in f
        else ()
    )
    deployment: dict[str, Any] = {}
    if "deployment" in f and (dmap := r.as_map(f["deployment"][1], "`deployment`")):
        r.fields(dmap, "`deployment`", ("targets", "parameters", "template"))
        deployment = r.as_any(dmap, "`deployment`")
    git: dict[str, Any] = {}
    if "git" in f and (gmap := r.as_map(f["git"][1], "`git`")):
        git = r.as_any(gmap, "`git`")
    return Pipeline(
        path=path,
        version=version,
        metadata=metadata,
        environment=env,
        worker=worker,
        secrets=secrets,
        services=services,
        stages=stages,
        steps=steps,
        templates=templates,
        deployment=deployment,
        git=git,
        key_pos=key_pos,
        text_pos=texts_at(f["environment"][1] if "environment" in f else None),
    )


def _metadata(r: Reader, node: YNode) -> Metadata:
    m = r.as_map(node, "`metadata`")
    if m is None:
        return Metadata()
    f = r.fields(m, "`metadata`", METADATA_KEYS)
    clone = True
    if "clone" in f:
        value = f["clone"][1]
        clone = (
            True
            if isinstance(value, YScalar) and value.is_null
            else r.as_bool(value, "`metadata.clone`")
        )
    environment: tuple[str, ...] = ("steps", "services", "secrets")
    if "environment" in f:
        kinds = r.as_str_list_at(f["environment"][1], "`metadata.environment`")
        environment = tuple(kind for kind, _ in kinds)
        for kind, pos in kinds:
            if kind not in ("steps", "services", "secrets"):
                r.warn(
                    pos,
                    f"`metadata.environment` names `{kind}`, which is not a container kind",
                    "use any of: steps, services, secrets",
                )
    auto_cancel: dict[str, bool] = {}
    if "auto_cancel" in f and (amap := r.as_map(f["auto_cancel"][1], "`auto_cancel`")):
        af = r.fields(amap, "`auto_cancel`", ("pending", "running", "default_branch"))
        auto_cancel = {
            "pending": True,
            **{k: r.as_bool(v, f"`auto_cancel.{k}`") for k, (_, v) in af.items()},
        }
    return Metadata(
        template=r.as_bool(f["template"][1], "`metadata.template`") if "template" in f else False,
        clone=clone,
        environment=environment,
        render_inline=r.as_bool(f["render_inline"][1], "`metadata.render_inline`")
        if "render_inline" in f
        else False,
        auto_cancel=auto_cancel,
        render_inline_pos=f["render_inline"][1].pos if "render_inline" in f else None,
    )


def _stages(r: Reader, node: YNode) -> tuple[Stage, ...]:
    if isinstance(node, YSeq):
        r.err(
            node.pos,
            "`stages` must be a mapping of stage name to stage, got a list",
            "write `stages:`, then under it `build:` with `steps:` under that",
        )
        return ()
    m = r.as_map(node, "`stages`")
    if m is None:
        return ()
    out: list[Stage] = []
    for key, value in m.items:
        stage = _stage(r, key, value)
        if stage is not None:
            out.append(stage)
    return tuple(out)


def _stage(r: Reader, key: YScalar, node: YNode) -> Stage | None:
    m = r.as_map(node, f"stage `{key.value}`")
    if m is None:
        return None
    f = r.fields(m, f"stage `{key.value}`", STAGE_KEYS, STAGE_KEY_HINTS)
    name = key.value
    if "name" in f:
        name = r.as_str(f["name"][1], f"the name of stage `{key.value}`")
    steps: tuple[Step, ...] = ()
    if "steps" in f:
        steps = r.items_of(
            f["steps"][1], f"the steps of stage `{name}`", lambda n, _: step(r, n, name)
        )
    needs = r.as_str_list_at(f["needs"][1], "`needs`") if "needs" in f else ()
    return Stage(
        name=name,
        key=key.value,
        needs=tuple(need for need, _ in needs),
        need_pos={need: pos for need, pos in reversed(needs)},
        independent=r.as_bool(f["independent"][1], "`independent`")
        if "independent" in f
        else False,
        environment=r.as_env(f["environment"][1], f"the environment of stage `{name}`")
        if "environment" in f
        else {},
        steps=steps,
        pos=key.pos,
        key_pos={"key": key.pos, **{k: v.pos for k, (_, v) in f.items()}},
        text_pos=texts_at(f["environment"][1] if "environment" in f else None),
    )


def _secret(r: Reader, node: YNode, _index: int) -> Secret | None:
    m = r.as_map(node, "a secret")
    if m is None:
        return None
    f = r.fields(m, "a secret", SECRET_KEYS)

    def text(key: str, default: str) -> str:
        return (r.as_str(f[key][1], f"secret `{key}`") or default) if key in f else default

    origin = None
    if "origin" in f and (omap := r.as_map(f["origin"][1], "`origin`")) and omap.items:
        origin = secret_origin(r, omap)
    name = text("name", "")
    if not name and origin is None:
        r.warn(
            m.pos,
            "a secret with neither `name` nor `origin`; Vela drops it",
            "give it a `name:` (and `key:`), or remove it",
        )
        return None
    if origin is not None:
        return Secret(name=name, origin=origin, pos=m.pos, engine="", type="", pull="")
    return Secret(
        name=name,
        key=text("key", name),
        engine=text("engine", "native"),
        type=text("type", "repo"),
        pull=text("pull", "build_start"),
        pos=m.pos,
    )


def _template(r: Reader, node: YNode, _index: int) -> Template | None:
    m = r.as_map(node, "a template")
    if m is None:
        return None
    f = r.fields(m, "a template", TEMPLATE_KEYS)

    def text(key: str) -> str:
        return r.as_str(f[key][1], f"template `{key}`") if key in f else ""

    return Template(
        name=text("name"),
        source=text("source"),
        format=text("format") or "go",
        type=text("type"),
        vars=r.as_vars(f["vars"][1], "template `vars`") if "vars" in f else {},
        pos=m.pos,
    )
