"""Positioned YAML nodes -> the typed, frozen pipeline model, collecting every problem."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from velarun.diagnostics import Diagnostic, Pos, error, warning
from velarun.load._yaml import NULL_TAG, YMap, YNode, YScalar, YSeq
from velarun.load.model import (
    PULL_POLICIES,
    RULE_KEYS,
    Metadata,
    Pipeline,
    Rules,
    Ruleset,
    Secret,
    SecretOrigin,
    Service,
    Stage,
    Step,
    StepSecret,
    StepTemplate,
    Template,
    Ulimit,
    Volume,
)

T = TypeVar("T")

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
SECRET_KEYS = ("name", "key", "engine", "type", "pull", "origin")
ORIGIN_KEYS = ("name", "image", "pull", "environment", "parameters", "secrets", "ruleset")
TEMPLATE_KEYS = ("name", "source", "format", "type", "vars")
RULES_KEYS = (*RULE_KEYS, "eval", "matcher", "operator")
RULESET_KEYS = (*RULES_KEYS, "if", "unless", "continue")

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
STAGE_KEY_HINTS = {"depends_on": "did you mean `needs`?", "env": "did you mean `environment`?"}

EVENT_EXPANSION = {
    "pull_request": ("pull_request:opened", "pull_request:synchronize", "pull_request:reopened"),
    "comment": ("comment:created", "comment:edited"),
    "deployment": ("deployment:created",),
}
KNOWN_EVENTS = frozenset(
    {"push", "pull_request", "tag", "deployment", "comment", "schedule", "delete", "merge_group"}
)
EVENT_TYPOS = {
    "pull": "pull_request",
    "pr": "pull_request",
    "pull-request": "pull_request",
    "deploy": "deployment",
    "tags": "tag",
    "cron": "schedule",
}
GLOB_CHARS = re.compile(r"[*?\[\\]")

TRUE_WORDS = frozenset({"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
FALSE_WORDS = frozenset(
    {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"}
)
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
INT_RE = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
PREFIXED_INT_RE = re.compile(r"[-+]?0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+|[0-7_]+)")
FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")
SPECIAL_FLOATS = {
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}

MAX_ANY_DEPTH = 64


def _kind(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    return f"`{node.value}`" if node.plain else f'the quoted string `"{node.value}"`'


def _holds_anchor(node: YNode, depth: int = 0) -> bool:
    """True when ``node`` or a block inside it carries an ``&anchor`` (an alias holder)."""
    if isinstance(node, YScalar) or depth > 3:
        return False
    if node.anchored:
        return True
    children = node.items if isinstance(node, YSeq) else tuple(v for _, v in node.items)
    return any(_holds_anchor(child, depth + 1) for child in children)


def resolve_scalar(node: YScalar) -> Any:
    """A scalar's value as yaml.v3 decodes it into ``any`` (YAML 1.2 core schema)."""
    if not node.plain:
        return node.value
    text = node.value
    if text in NULL_WORDS:
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if INT_RE.fullmatch(text):
        return int(text.replace("_", ""))
    if PREFIXED_INT_RE.fullmatch(text):
        digits = text.replace("_", "")
        sign = -1 if digits.startswith("-") else 1
        digits = digits.lstrip("+-")
        body = digits[1:]
        base = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}.get(body[:1], 8)
        if base != 8 or body[:1] in ("o", "O"):
            body = body[1:]
        return sign * int(body or "0", base)
    if FLOAT_RE.fullmatch(text):
        return float(text.replace("_", ""))
    if text in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[text]
    return text


def _suggest(key: str, known: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def _texts_at(node: YNode | None) -> dict[str, Pos]:
    """Where each scalar under ``node`` that substitution may change (it has a `$` or a
    backslash) is first written; a `KEY=VALUE` item also gives its value's position."""
    out: dict[str, Pos] = {}
    stack: list[YNode] = [] if node is None else [node]
    while stack:
        n = stack.pop()
        if isinstance(n, YScalar):
            if "$" in n.value or "\\" in n.value:
                out.setdefault(n.value, n.pos)
                if "=" in n.value:
                    out.setdefault(n.value.partition("=")[2], n.pos)
        elif isinstance(n, YSeq):
            stack.extend(reversed(n.items))
        else:
            stack.extend(value for _, value in reversed(n.items))
    return out


class Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------------------------

    def err(self, pos: Pos, message: str, hint: str | None = None) -> None:
        self.diags.append(error(pos, message, hint))

    def warn(self, pos: Pos, message: str, hint: str | None = None) -> None:
        self.diags.append(warning(pos, message, hint))

    # -- shapes ------------------------------------------------------------------------------

    def fields(
        self,
        node: YMap,
        where: str,
        known: Sequence[str],
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, tuple[YScalar, YNode]]:
        """The known keys of ``node``; a warning for every other key (Vela ignores them)."""
        out: dict[str, tuple[YScalar, YNode]] = {}
        for key, value in node.items:
            if key.value in known:
                out[key.value] = (key, value)
                continue
            if _holds_anchor(value):
                continue  # a block kept only to hold anchors for aliases elsewhere
            hint = (hints or {}).get(key.value) or _suggest(key.value, known)
            hint = f"{hint} (Vela ignores unknown keys)" if hint else None
            if hint is None:
                hint = "Vela ignores unknown keys; known here: " + ", ".join(known)
            self.warn(key.pos, f"unknown key `{key.value}` in {where}", hint)
        return out

    def as_map(self, node: YNode, what: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        if isinstance(node, YScalar) and node.is_null:
            return YMap((), node.pos)
        self.err(node.pos, f"{what} must be a mapping, got {_kind(node)}")
        return None

    def as_list(self, node: YNode, what: str) -> tuple[YNode, ...] | None:
        if isinstance(node, YSeq):
            return node.items
        if isinstance(node, YScalar) and node.is_null:
            return ()
        self.err(node.pos, f"{what} must be a list, got {_kind(node)}")
        return None

    def as_str(self, node: YNode, what: str) -> str:
        if isinstance(node, YScalar):
            return "" if node.is_null else node.value
        self.err(node.pos, f"{what} must be a string, got {_kind(node)}")
        return ""

    def as_bool(self, node: YNode, what: str) -> bool:
        if isinstance(node, YScalar) and node.plain:
            if node.tag == NULL_TAG or node.value in FALSE_WORDS:
                return False
            if node.value in TRUE_WORDS:
                return True
        hint = "remove the quotes" if isinstance(node, YScalar) and not node.plain else None
        self.err(node.pos, f"{what} must be true or false, got {_kind(node)}", hint)
        return False

    def as_str_list(self, node: YNode, what: str) -> tuple[str, ...]:
        """Vela's StringSlice: one string or a list of strings."""
        return tuple(value for value, _ in self.as_str_list_at(node, what))

    def as_str_list_at(self, node: YNode, what: str) -> tuple[tuple[str, Pos], ...]:
        """``as_str_list`` with where each string is written, for diagnostics about one item."""
        if isinstance(node, YScalar):
            return () if node.is_null else ((node.value, node.pos),)
        if isinstance(node, YSeq):
            out: list[tuple[str, Pos]] = []
            for item in node.items:
                if isinstance(item, YScalar):
                    out.append(("" if item.is_null else item.value, item.pos))
                else:
                    self.err(item.pos, f"{what} must be a string or a list of strings")
            return tuple(out)
        self.err(node.pos, f"{what} must be a string or a list of strings, got a mapping")
        return ()

    def as_env(self, node: YNode, what: str) -> dict[str, str]:
        """Vela's StringSliceMap: a map, or a list of `KEY=VALUE`; scalars keep their text."""
        env: dict[str, str] = {}
        if isinstance(node, YMap):
            for key, value in node.items:
                if isinstance(value, YScalar):
                    env[key.value] = "" if value.is_null else value.value
                else:
                    self.err(
                        value.pos,
                        f"{what}: the value of `{key.value}` must be a string, got {_kind(value)}",
                        "quote it, or encode it as text (e.g. JSON in a string)",
                    )
            return env
        if isinstance(node, YSeq):
            for item in node.items:
                if isinstance(item, YScalar) and "=" in item.value:
                    k, _, v = item.value.partition("=")
                    env[k] = v
                else:
                    shown = item.value if isinstance(item, YScalar) else "a nested block"
                    self.err(
                        item.pos,
                        f"{what}: list item `{shown}` is not `KEY=VALUE`",
                        "write each item as `KEY=VALUE`, or use a mapping",
                    )
            return env
        if node.is_null:
            return env
        self.err(node.pos, f"{what} must be a mapping or a list of `KEY=VALUE`, got {_kind(node)}")
        return env

    def as_any(self, node: YNode, what: str, depth: int = 0) -> Any:
        if depth > MAX_ANY_DEPTH:
            self.err(node.pos, f"{what} nests deeper than {MAX_ANY_DEPTH} levels")
            return None
        if isinstance(node, YScalar):
            return resolve_scalar(node)
        if isinstance(node, YSeq):
            return [self.as_any(item, what, depth + 1) for item in node.items]
        return {k.value: self.as_any(v, what, depth + 1) for k, v in node.items}

    def as_int(self, node: YNode, what: str) -> int:
        if isinstance(node, YScalar):
            value = resolve_scalar(node) if node.plain else node.value
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if value is None:
                return 0
        self.err(node.pos, f"{what} must be a whole number, got {_kind(node)}")
        return 0

    def items_of(
        self, node: YNode, what: str, each: Callable[[YNode, int], T | None]
    ) -> tuple[T, ...]:
        items = self.as_list(node, what)
        if items is None:
            return ()
        out: list[T] = []
        for index, item in enumerate(items):
            if isinstance(item, YScalar) and item.is_null:
                self.err(item.pos, f"empty item in {what}", "remove the lone `-`")
                continue
            built = each(item, index)
            if built is not None:
                out.append(built)
        return tuple(out)

    # -- pipeline ----------------------------------------------------------------------------

    def pipeline(self, root: YNode) -> Pipeline | None:
        if not isinstance(root, YMap):
            self.err(
                root.pos,
                f"a pipeline must be a mapping of keys, got {_kind(root)}",
                'start the file with `version: "1"` followed by `steps:` or `stages:`',
            )
            return None
        f = self.fields(root, "the pipeline", TOP_KEYS)
        key_pos = {k: v.pos for k, (_, v) in f.items()}
        version = self.as_str(f["version"][1], "`version`") if "version" in f else ""
        metadata = self.metadata(f["metadata"][1]) if "metadata" in f else Metadata()
        env = self.as_env(f["environment"][1], "`environment`") if "environment" in f else {}
        worker: dict[str, str] = {}
        if "worker" in f and (wmap := self.as_map(f["worker"][1], "`worker`")):
            wf = self.fields(wmap, "`worker`", ("flavor", "platform"))
            worker = {k: self.as_str(v, f"`worker.{k}`") for k, (_, v) in wf.items()}
        secrets = self.items_of(f["secrets"][1], "`secrets`", self.secret) if "secrets" in f else ()
        services = (
            self.items_of(f["services"][1], "`services`", self.service) if "services" in f else ()
        )
        stages = self.stages(f["stages"][1]) if "stages" in f else ()
        steps = (
            self.items_of(f["steps"][1], "`steps`", lambda n, _: self.step(n, None))
            if "steps" in f
            else ()
        )
        templates = (
            self.items_of(f["templates"][1], "`templates`", self.template)
            if "templates" in f
            else ()
        )
        deployment: dict[str, Any] = {}
        if "deployment" in f and (dmap := self.as_map(f["deployment"][1], "`deployment`")):
            self.fields(dmap, "`deployment`", ("targets", "parameters", "template"))
            deployment = self.as_any(dmap, "`deployment`")
        git: dict[str, Any] = {}
        if "git" in f and (gmap := self.as_map(f["git"][1], "`git`")):
            git = self.as_any(gmap, "`git`")
        return Pipeline(
            path=self.path,
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
            text_pos=_texts_at(f["environment"][1] if "environment" in f else None),
        )

    def metadata(self, node: YNode) -> Metadata:
        m = self.as_map(node, "`metadata`")
        if m is None:
            return Metadata()
        f = self.fields(m, "`metadata`", METADATA_KEYS)
        clone = True
        if "clone" in f:
            value = f["clone"][1]
            clone = (
                True
                if isinstance(value, YScalar) and value.is_null
                else self.as_bool(value, "`metadata.clone`")
            )
        environment: tuple[str, ...] = ("steps", "services", "secrets")
        if "environment" in f:
            kinds = self.as_str_list_at(f["environment"][1], "`metadata.environment`")
            environment = tuple(kind for kind, _ in kinds)
            for kind, pos in kinds:
                if kind not in ("steps", "services", "secrets"):
                    self.warn(
                        pos,
                        f"`metadata.environment` names `{kind}`, which is not a container kind",
                        "use any of: steps, services, secrets",
                    )
        auto_cancel: dict[str, bool] = {}
        if "auto_cancel" in f and (amap := self.as_map(f["auto_cancel"][1], "`auto_cancel`")):
            af = self.fields(amap, "`auto_cancel`", ("pending", "running", "default_branch"))
            auto_cancel = {
                "pending": True,
                **{k: self.as_bool(v, f"`auto_cancel.{k}`") for k, (_, v) in af.items()},
            }
        return Metadata(
            template=self.as_bool(f["template"][1], "`metadata.template`")
            if "template" in f
            else False,
            clone=clone,
            environment=environment,
            render_inline=self.as_bool(f["render_inline"][1], "`metadata.render_inline`")
            if "render_inline" in f
            else False,
            auto_cancel=auto_cancel,
        )

    # -- stages and steps --------------------------------------------------------------------

    def stages(self, node: YNode) -> tuple[Stage, ...]:
        if isinstance(node, YSeq):
            self.err(
                node.pos,
                "`stages` must be a mapping of stage name to stage, got a list",
                "write `stages:`, then under it `build:` with `steps:` under that",
            )
            return ()
        m = self.as_map(node, "`stages`")
        if m is None:
            return ()
        out: list[Stage] = []
        for key, value in m.items:
            stage = self.stage(key, value)
            if stage is not None:
                out.append(stage)
        return tuple(out)

    def stage(self, key: YScalar, node: YNode) -> Stage | None:
        m = self.as_map(node, f"stage `{key.value}`")
        if m is None:
            return None
        f = self.fields(m, f"stage `{key.value}`", STAGE_KEYS, STAGE_KEY_HINTS)
        name = key.value
        if "name" in f:
            name = self.as_str(f["name"][1], f"the name of stage `{key.value}`")
        steps: tuple[Step, ...] = ()
        if "steps" in f:
            steps = self.items_of(
                f["steps"][1], f"the steps of stage `{name}`", lambda n, _: self.step(n, name)
            )
        needs = self.as_str_list_at(f["needs"][1], "`needs`") if "needs" in f else ()
        return Stage(
            name=name,
            key=key.value,
            needs=tuple(need for need, _ in needs),
            need_pos={need: pos for need, pos in reversed(needs)},
            independent=self.as_bool(f["independent"][1], "`independent`")
            if "independent" in f
            else False,
            environment=self.as_env(f["environment"][1], f"the environment of stage `{name}`")
            if "environment" in f
            else {},
            steps=steps,
            pos=key.pos,
            key_pos={"key": key.pos, **{k: v.pos for k, (_, v) in f.items()}},
            text_pos=_texts_at(f["environment"][1] if "environment" in f else None),
        )

    def step(self, node: YNode, stage: str | None) -> Step | None:
        m = self.as_map(node, "a step")
        if m is None:
            return None
        name_node = next((v for k, v in m.items if k.value == "name"), None)
        name = self.as_str(name_node, "a step's `name`") if name_node is not None else ""
        where = f"step `{name}`" if name else "a step"
        f = self.fields(m, where, STEP_KEYS, STEP_KEY_HINTS)

        def get(key: str, conv: Callable[[YNode, str], T], default: T) -> T:
            return conv(f[key][1], f"`{key}` of {where}") if key in f else default

        template = None
        if "template" in f and (tmap := self.as_map(f["template"][1], f"`template` of {where}")):
            tf = self.fields(tmap, f"the template of {where}", ("name", "vars"))
            template = StepTemplate(
                name=self.as_str(tf["name"][1], "`template.name`") if "name" in tf else "",
                vars=self.as_any(tf["vars"][1], "`template.vars`") if "vars" in tf else {},
            )
        parameters: dict[str, Any] = {}
        if "parameters" in f and (
            pmap := self.as_map(f["parameters"][1], f"`parameters` of {where}")
        ):
            parameters = self.as_any(pmap, f"`parameters` of {where}")
        return Step(
            name=name,
            image=get("image", self.as_str, ""),
            pull=self.pull(f["pull"][1]) if "pull" in f else "not_present",
            commands=get("commands", self.as_str_list, ()),
            entrypoint=get("entrypoint", self.as_str_list, ()),
            environment=get("environment", self.as_env, {}),
            parameters=parameters,
            secrets=self.step_secrets(f["secrets"][1], where) if "secrets" in f else (),
            ruleset=self.ruleset(f["ruleset"][1], where) if "ruleset" in f else Ruleset(),
            template=template,
            detach=get("detach", self.as_bool, False),
            privileged=get("privileged", self.as_bool, False),
            user=get("user", self.as_str, ""),
            ulimits=self.ulimits(f["ulimits"][1], where) if "ulimits" in f else (),
            volumes=self.volumes(f["volumes"][1], where) if "volumes" in f else (),
            report_as=get("report_as", self.as_str, ""),
            pos=m.pos,
            key_pos={k: v.pos for k, (_, v) in f.items()},
            text_pos=_texts_at(m),
        )

    def service(self, node: YNode, _index: int) -> Service | None:
        m = self.as_map(node, "a service")
        if m is None:
            return None
        name_node = next((v for k, v in m.items if k.value == "name"), None)
        name = self.as_str(name_node, "a service's `name`") if name_node is not None else ""
        where = f"service `{name}`" if name else "a service"
        hints = {
            "commands": "services take no `commands`; set `entrypoint` to run something else",
            "volumes": "services take no `volumes` in Vela",
            "secrets": "services take no `secrets` in Vela",
        }
        f = self.fields(m, where, SERVICE_KEYS, hints)
        return Service(
            name=name,
            image=self.as_str(f["image"][1], f"`image` of {where}") if "image" in f else "",
            pull=self.pull(f["pull"][1]) if "pull" in f else "not_present",
            entrypoint=self.as_str_list(f["entrypoint"][1], "`entrypoint`")
            if "entrypoint" in f
            else (),
            environment=self.as_env(f["environment"][1], f"`environment` of {where}")
            if "environment" in f
            else {},
            ports=self.as_str_list(f["ports"][1], "`ports`") if "ports" in f else (),
            ulimits=self.ulimits(f["ulimits"][1], where) if "ulimits" in f else (),
            user=self.as_str(f["user"][1], "`user`") if "user" in f else "",
            ruleset=self.ruleset(f["ruleset"][1], where) if "ruleset" in f else Ruleset(),
            pos=m.pos,
            key_pos={k: v.pos for k, (_, v) in f.items()},
            text_pos=_texts_at(m),
        )

    def pull(self, node: YNode) -> str:
        raw = self.as_str(node, "`pull`")
        lowered = raw.lower()
        if lowered in ("", "false"):
            return "not_present"
        if lowered == "true":
            return "always"
        if raw not in PULL_POLICIES:
            self.warn(
                node.pos,
                f"pull policy `{raw}` is not one Vela knows; Vela then never pulls the image",
                "use one of: " + ", ".join(PULL_POLICIES),
            )
        return raw

    def step_secrets(self, node: YNode, where: str) -> tuple[StepSecret, ...]:
        items = self.as_list(node, f"`secrets` of {where}")
        if not items:
            return ()
        kinds = {isinstance(i, YScalar) for i in items}
        if len(kinds) > 1:
            self.err(
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
            m = self.as_map(item, f"a secret of {where}")
            if m is None:
                continue
            sf = self.fields(m, f"a secret of {where}", ("source", "target"))
            source = self.as_str(sf["source"][1], "`source`") if "source" in sf else ""
            target = self.as_str(sf["target"][1], "`target`") if "target" in sf else ""
            if not source or not target:
                missing = "source" if not source else "target"
                self.err(
                    item.pos,
                    f"a secret of {where} has no `{missing}`",
                    "write both: {source: <secret name>, target: <ENV_VAR>}",
                )
                continue
            out.append(StepSecret(source, target.upper()))
        return tuple(out)

    def ulimits(self, node: YNode, where: str) -> tuple[Ulimit, ...]:
        out: list[Ulimit] = []
        for item in self.as_list(node, f"`ulimits` of {where}") or ():
            if isinstance(item, YScalar):
                parsed = self._ulimit_text(item)
                if parsed is not None:
                    out.append(parsed)
                continue
            m = self.as_map(item, "a ulimit")
            if m is None:
                continue
            uf = self.fields(m, "a ulimit", ("name", "soft", "hard"))
            name = self.as_str(uf["name"][1], "`name`") if "name" in uf else ""
            soft = self.as_int(uf["soft"][1], "ulimit `soft`") if "soft" in uf else 0
            hard = self.as_int(uf["hard"][1], "ulimit `hard`") if "hard" in uf else 0
            if not name:
                self.err(item.pos, "a ulimit has no `name`", "e.g. {name: nofile, soft: 1024}")
                continue
            out.append(Ulimit(name, soft, hard or soft))
        return tuple(out)

    def _ulimit_text(self, item: YScalar) -> Ulimit | None:
        text = item.value
        hint = "write `name=soft` or `name=soft:hard`, e.g. `nofile=1024:2048`"
        if text.count("=") != 1:
            self.err(item.pos, f"ulimit `{text}` must contain exactly one `=`", hint)
            return None
        name, _, limits = text.partition("=")
        if limits.count(":") > 1:
            self.err(item.pos, f"ulimit `{text}` can contain only one `:`", hint)
            return None
        soft_text, _, hard_text = limits.partition(":")
        values: list[int] = []
        for part in (soft_text, hard_text or soft_text):
            try:
                values.append(int(part))
            except ValueError:
                self.err(item.pos, f"ulimit `{text}`: `{part}` is not a whole number", hint)
                return None
        return Ulimit(name, values[0], values[1])

    def volumes(self, node: YNode, where: str) -> tuple[Volume, ...]:
        out: list[Volume] = []
        for item in self.as_list(node, f"`volumes` of {where}") or ():
            if isinstance(item, YScalar):
                parts = item.value.split(":")
                if len(parts) > 3 or not item.value:
                    self.err(
                        item.pos,
                        f"volume `{item.value}` must be `source[:destination[:mode]]`",
                        "use at most two `:`, e.g. `/tmp/cache:/cache:rw`",
                    )
                    continue
                source = parts[0]
                dest = parts[1] if len(parts) > 1 else source
                out.append(Volume(source, dest, parts[2] if len(parts) > 2 else "ro"))
                continue
            m = self.as_map(item, "a volume")
            if m is None:
                continue
            vf = self.fields(m, "a volume", ("source", "destination", "access_mode"))
            source = self.as_str(vf["source"][1], "`source`") if "source" in vf else ""
            dest = self.as_str(vf["destination"][1], "`destination`") if "destination" in vf else ""
            mode = self.as_str(vf["access_mode"][1], "`access_mode`") if "access_mode" in vf else ""
            if not source:
                self.err(item.pos, "a volume has no `source`")
                continue
            out.append(Volume(source, dest or source, mode or "ro"))
        return tuple(out)

    # -- rulesets ----------------------------------------------------------------------------

    def ruleset(self, node: YNode, where: str) -> Ruleset:
        m = self.as_map(node, f"`ruleset` of {where}")
        if m is None:
            return Ruleset()
        f = self.fields(m, f"the ruleset of {where}", RULESET_KEYS)
        matcher = self.matcher(f["matcher"][1]) if "matcher" in f else "filepath"
        operator = self.operator(f["operator"][1]) if "operator" in f else "and"
        simple = {k: v for k, v in f.items() if k in RULE_KEYS or k == "eval"}
        if_block = f["if"][1] if "if" in f else None
        if_rules = self.rules(if_block, simple, matcher, operator, f"`if` of {where}")
        unless_rules = Rules()
        if "unless" in f:
            unless_rules = self.rules(f["unless"][1], {}, matcher, operator, f"`unless` of {where}")
        cont = self.as_bool(f["continue"][1], "`continue`") if "continue" in f else False
        return Ruleset(if_rules, unless_rules, cont, m.pos)

    def rules(
        self,
        node: YNode | None,
        extra: Mapping[str, tuple[YScalar, YNode]],
        matcher: str,
        operator: str,
        where: str,
    ) -> Rules:
        f: dict[str, tuple[YScalar, YNode]] = {}
        if node is not None and (m := self.as_map(node, where)) is not None:
            f = self.fields(m, where, RULES_KEYS)
        values: dict[str, tuple[str, ...]] = {}
        key_pos: dict[str, Pos] = {}
        value_pos: dict[str, Pos] = {}
        events: list[tuple[str, Pos]] = []
        # Simple-form keys are appended to the `if` block's own values, as Vela does.
        for source in (f, extra):
            for key, (_, value) in source.items():
                if key in RULE_KEYS:
                    written = self.as_str_list_at(value, f"rule `{key}`")
                    values[key] = values.get(key, ()) + tuple(v for v, _ in written)
                    key_pos.setdefault(key, value.pos)
                    for text, pos in written:
                        value_pos.setdefault(text, pos)
                    if key == "event":
                        events += written
        eval_text = ""
        for source in (f, extra):
            if "eval" in source:
                eval_text = self.as_str(source["eval"][1], "`eval`")
                key_pos["eval"] = source["eval"][1].pos
        if "event" in values:
            values["event"] = self.events(events)
        return Rules(
            **values,
            eval=eval_text,
            matcher=self.matcher(f["matcher"][1]) if "matcher" in f else matcher,
            operator=self.operator(f["operator"][1]) if "operator" in f else operator,
            key_pos=key_pos,
            value_pos=value_pos,
        )

    def events(self, written: list[tuple[str, Pos]]) -> tuple[str, ...]:
        """Expand the event shorthands; warn, at the value, about events that never match."""
        out: list[str] = []
        for value, pos in written:
            out.extend(EVENT_EXPANSION.get(value, (value,)))
            base = value.split(":", 1)[0]
            if GLOB_CHARS.search(value):
                continue
            if value == "delete":
                self.warn(
                    pos,
                    "event `delete` never matches: delete events carry an action",
                    "write `delete:branch`, `delete:tag` or `delete:*`",
                )
            elif base not in KNOWN_EVENTS:
                self.warn(
                    pos,
                    f"`{value}` is not a Vela event, so this rule never matches",
                    (f"did you mean `{EVENT_TYPOS[base]}`?" if base in EVENT_TYPOS else None)
                    or _suggest(base, sorted(KNOWN_EVENTS))
                    or "events are: " + ", ".join(sorted(KNOWN_EVENTS)),
                )
        return tuple(out)

    def matcher(self, node: YNode) -> str:
        raw = self.as_str(node, "`matcher`")
        if raw in ("regexp", "regex"):
            return "regexp"
        if raw not in ("filepath", ""):
            self.warn(
                node.pos,
                f"matcher `{raw}` is not one Vela knows; it falls back to `filepath`",
                "use `filepath` (globs) or `regexp`",
            )
        return "filepath"

    def operator(self, node: YNode) -> str:
        raw = self.as_str(node, "`operator`")
        if raw.lower() == "or":
            return "or"
        if raw.lower() not in ("and", ""):
            self.warn(
                node.pos,
                f"operator `{raw}` is not one Vela knows; it falls back to `and`",
                "use `and` or `or`",
            )
        return "and"

    # -- secrets and templates ---------------------------------------------------------------

    def secret(self, node: YNode, _index: int) -> Secret | None:
        m = self.as_map(node, "a secret")
        if m is None:
            return None
        f = self.fields(m, "a secret", SECRET_KEYS)

        def text(key: str, default: str) -> str:
            return (self.as_str(f[key][1], f"secret `{key}`") or default) if key in f else default

        origin = None
        if "origin" in f and (omap := self.as_map(f["origin"][1], "`origin`")) and omap.items:
            origin = self.origin(omap)
        name = text("name", "")
        if not name and origin is None:
            self.warn(
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

    def origin(self, m: YMap) -> SecretOrigin:
        f = self.fields(m, "a secret origin", ORIGIN_KEYS)
        name = self.as_str(f["name"][1], "origin `name`") if "name" in f else ""
        where = f"secret origin `{name}`" if name else "a secret origin"
        parameters: dict[str, Any] = {}
        if "parameters" in f and (pmap := self.as_map(f["parameters"][1], "`parameters`")):
            parameters = self.as_any(pmap, "`parameters`")
        return SecretOrigin(
            name=name,
            image=self.as_str(f["image"][1], "origin `image`") if "image" in f else "",
            pull=self.pull(f["pull"][1]) if "pull" in f else "not_present",
            environment=self.as_env(f["environment"][1], f"`environment` of {where}")
            if "environment" in f
            else {},
            parameters=parameters,
            secrets=self.step_secrets(f["secrets"][1], where) if "secrets" in f else (),
            ruleset=self.ruleset(f["ruleset"][1], where) if "ruleset" in f else Ruleset(),
            pos=m.pos,
        )

    def template(self, node: YNode, _index: int) -> Template | None:
        m = self.as_map(node, "a template")
        if m is None:
            return None
        f = self.fields(m, "a template", TEMPLATE_KEYS)

        def text(key: str) -> str:
            return self.as_str(f[key][1], f"template `{key}`") if key in f else ""

        return Template(
            name=text("name"),
            source=text("source"),
            format=text("format") or "go",
            type=text("type"),
            vars=self.as_any(f["vars"][1], "template `vars`") if "vars" in f else {},
            pos=m.pos,
        )
