"""Rulesets: a step's or service's `ruleset:` block, its `if`/`unless` rules, and the checks
on their events, matcher and operator."""

from __future__ import annotations

import re
from collections.abc import Mapping

from velarun.diagnostics import Pos
from velarun.load._shapes import Reader, suggest
from velarun.load._yaml import YNode, YScalar
from velarun.load.model import RULE_KEYS, Rules, Ruleset

RULES_KEYS = (*RULE_KEYS, "eval", "matcher", "operator")
_RULE_TYPES = frozenset(RULE_KEYS)
_SIMPLE_KEYS = frozenset((*RULE_KEYS, "eval"))
NO_RULES = Rules()
NO_RULESET = Ruleset(NO_RULES, NO_RULES)
"""What a container with no ``ruleset`` (or no ``unless``) has: one of each, shared (frozen)."""
RULESET_KEYS = (*RULES_KEYS, "if", "unless", "continue")

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


def ruleset(r: Reader, node: YNode, where: str) -> Ruleset:
    m = r.as_map(node, f"`ruleset` of {where}")
    if m is None:
        return Ruleset()
    f = r.fields(m, f"the ruleset of {where}", RULESET_KEYS)
    matcher = _matcher(r, f["matcher"][1]) if "matcher" in f else "filepath"
    operator = _operator(r, f["operator"][1]) if "operator" in f else "and"
    simple = {k: v for k, v in f.items() if k in _SIMPLE_KEYS}
    if_block = f["if"][1] if "if" in f else None
    if_rules = _rules(r, if_block, simple, matcher, operator, f"`if` of {where}")
    unless_rules = NO_RULES
    if "unless" in f:
        unless_rules = _rules(r, f["unless"][1], {}, matcher, operator, f"`unless` of {where}")
    cont = r.as_bool(f["continue"][1], "`continue`") if "continue" in f else False
    return Ruleset(if_rules, unless_rules, cont, m.pos)


def _rules(
    r: Reader,
    node: YNode | None,
    extra: Mapping[str, tuple[YScalar, YNode]],
    matcher: str,
    operator: str,
    where: str,
) -> Rules:
    f: dict[str, tuple[YScalar, YNode]] = {}
    if node is not None and (m := r.as_map(node, where)) is not None:
        f = r.fields(m, where, RULES_KEYS)
    values: dict[str, tuple[str, ...]] = {}
    key_pos: dict[str, Pos] = {}
    value_pos: dict[str, Pos] = {}
    events: list[tuple[str, Pos]] = []
    # Simple-form keys are appended to the `if` block's own values, as Vela does.
    for source in (f, extra):
        for key, (_, value) in source.items():
            if key in _RULE_TYPES:
                written = r.as_str_list_at(value, f"rule `{key}`")
                values[key] = values.get(key, ()) + tuple(v for v, _ in written)
                key_pos.setdefault(key, value.pos)
                for text, pos in written:
                    value_pos.setdefault(text, pos)
                if key == "event":
                    events += written
    eval_text = ""
    for source in (f, extra):
        if "eval" in source:
            eval_text = r.as_str(source["eval"][1], "`eval`")
            key_pos["eval"] = source["eval"][1].pos
    if "event" in values:
        values["event"] = _events(r, events)
    return Rules(
        **values,
        eval=eval_text,
        matcher=_matcher(r, f["matcher"][1]) if "matcher" in f else matcher,
        operator=_operator(r, f["operator"][1]) if "operator" in f else operator,
        key_pos=key_pos,
        value_pos=value_pos,
    )


def _events(r: Reader, written: list[tuple[str, Pos]]) -> tuple[str, ...]:
    """Expand the event shorthands; warn, at the value, about events that never match."""
    out: list[str] = []
    for value, pos in written:
        out.extend(EVENT_EXPANSION.get(value, (value,)))
        base = value.split(":", 1)[0]
        if GLOB_CHARS.search(value):
            continue
        if value == "delete":
            r.warn(
                pos,
                "event `delete` never matches: delete events carry an action",
                "write `delete:branch`, `delete:tag` or `delete:*`",
            )
        elif base not in KNOWN_EVENTS:
            r.warn(
                pos,
                f"`{value}` is not a Vela event, so this rule never matches",
                (f"did you mean `{EVENT_TYPOS[base]}`?" if base in EVENT_TYPOS else None)
                or suggest(base, sorted(KNOWN_EVENTS))
                or "events are: " + ", ".join(sorted(KNOWN_EVENTS)),
            )
    return tuple(out)


def _matcher(r: Reader, node: YNode) -> str:
    raw = r.as_str(node, "`matcher`")
    if raw in ("regexp", "regex"):
        return "regexp"
    if raw not in ("filepath", ""):
        r.warn(
            node.pos,
            f"matcher `{raw}` is not one Vela knows; it falls back to `filepath`",
            "use `filepath` (globs) or `regexp`",
        )
    return "filepath"


def _operator(r: Reader, node: YNode) -> str:
    raw = r.as_str(node, "`operator`")
    if raw.lower() == "or":
        return "or"
    if raw.lower() not in ("and", ""):
        r.warn(
            node.pos,
            f"operator `{raw}` is not one Vela knows; it falls back to `and`",
            "use `and` or `or`",
        )
    return "and"
