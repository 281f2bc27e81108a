"""Ruleset matching with the Vela server's semantics, and the reasons behind every verdict.

Mirrors the server's ``RuleData.Match``/``MatchRules``/``MatchRule`` (vela-compiler.md §2.4):
an empty ruleset runs; a matching ``unless`` block prunes; an empty ``if`` runs; otherwise the
``if`` block decides. Operator ``and`` (default) short-circuits on the first rule that fails,
``or`` on the first that matches. A rule type that is not written is skipped; a list of
patterns matches when any pattern matches any datum, so a rule with no data never matches.

At compile time (build status ``pending``) ``status`` rules are not evaluated, with the
server's quirks kept: an ``or`` block holding a status rule matches at once, and an
``unless`` block holding only status rules evaluates nothing, counts as matched, and prunes.

``eval`` (an expr-lang expression, :mod:`velarun.compile.expr_eval`) runs first in its block,
against the step's environment, and only when an environment is given (the server's
``data.Env != nil``); its value short-circuits like any other rule.

Unlike the server, every call records the checks it made (:class:`RuleCheck`) so ``plan`` can
say why a step was pruned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from velarun.compile import glob
from velarun.compile.ruledata import RuleData
from velarun.errors import VelarunError
from velarun.load.model import Rules, Ruleset

if TYPE_CHECKING:
    from velarun.compile.expr import ExprError

MATCH_ORDER = (
    "branch",
    "comment",
    "event",
    "path",
    "repo",
    "sender",
    "tag",
    "target",
    "label",
    "instance",
)
"""The server's evaluation order; ``status`` comes last, and only at run time."""


class PatternError(VelarunError):
    """A rule pattern that the matcher rejects (bad glob or bad RE2 regexp)."""


class EvalError(VelarunError):
    """An ``eval`` rule that expr cannot compile or run; the server fails the build with it."""

    def __init__(self, block: str, error: ExprError) -> None:
        super().__init__(error_text(error))
        self.block = block
        self.error = error


def error_text(error: ExprError) -> str:
    """The server's message on one line: ``failed to ... eval of X: message (line:col)``."""
    text = error.message
    if error.offset is not None:
        line, col = error.line_col()
        text += f" ({line}:{col})"
    expression = " ".join(error.source.split())
    phase = error.prefix.split(" eval of ", 1)[0] if error.prefix else "failed to compile"
    return f"{phase} eval of `{expression}`: {text}"


@dataclass(frozen=True, slots=True)
class RuleCheck:
    block: str
    """``if`` or ``unless``."""
    rule: str
    patterns: tuple[str, ...]
    data: tuple[str, ...]
    matcher: str
    matched: bool
    evaluated: bool = True
    """False for rules the compiler does not evaluate (``status`` at compile time)."""
    pattern: str | None = None
    """The pattern that matched, when one did."""
    datum: str | None = None
    """The datum it matched."""


@dataclass(frozen=True, slots=True)
class Verdict:
    keep: bool
    checks: tuple[RuleCheck, ...]
    reason: str
    """Why, in words: for a pruned step the rule that pruned it; empty when kept plainly."""


@lru_cache(maxsize=1024)
def _regexp(pattern: str) -> Any:
    import re2  # only `matcher: regexp` rulesets need it

    options = re2.Options()
    options.log_errors = False  # RE2's C++ logging would print a bad pattern on our stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else "invalid"
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        raise PatternError(f"invalid regexp `{pattern}`: {detail}") from None


def check_pattern(pattern: str, matcher: str) -> None:
    """Raise :class:`PatternError` if ``pattern`` is malformed for ``matcher``."""
    if matcher == "regexp":
        _regexp(pattern)
        return
    if not _glob_ok(pattern):
        raise PatternError(f"invalid glob `{pattern}`: syntax error in pattern")


@lru_cache(maxsize=4096)
def _glob_ok(pattern: str) -> bool:
    """Whether Go's ``filepath.Match`` accepts ``pattern`` (the same few patterns come back
    for every step of a big pipeline)."""
    try:
        glob.validate(pattern)
    except glob.BadPatternError:
        return False
    return True


@lru_cache(maxsize=16384)
def _glob_match(pattern: str, value: str) -> bool:
    return glob.match(pattern, value)


def match_rule(
    data: Iterable[str], patterns: Iterable[str], matcher: str
) -> tuple[str, str] | None:
    """Any pattern against any datum: the first (pattern, datum) that matches, else None."""
    values = tuple(data)
    for pattern in patterns:
        if matcher == "regexp":
            compiled = _regexp(pattern)
            for value in values:
                if compiled.search(value):
                    return pattern, value
            continue
        for value in values:
            try:
                if _glob_match(pattern, value):
                    return pattern, value
            except glob.BadPatternError:
                raise PatternError(f"invalid glob `{pattern}`: syntax error in pattern") from None
    return None


def _eval_check(rules: Rules, block: str, env: Mapping[str, str]) -> RuleCheck:
    from velarun.compile.expr import ExprError  # expr is loaded for `eval` rules only
    from velarun.compile.expr_eval import run as run_eval

    try:
        matched = run_eval(rules.eval, env)
    except ExprError as exc:
        raise EvalError(block, exc) from None
    return RuleCheck(block, "eval", (rules.eval,), (), "expr", matched)


def _match_rules(
    rules: Rules, block: str, data: RuleData, env: Mapping[str, str] | None
) -> tuple[bool, list[RuleCheck], RuleCheck | None]:
    """One block: its verdict, the checks made, and the check that decided (if any)."""
    is_or = rules.operator == "or"
    compile_time = data.status == "pending"
    checks: list[RuleCheck] = []
    status_check = RuleCheck(
        block, "status", rules.status, (data.status,), rules.matcher, False, evaluated=False
    )
    if rules.status and compile_time and is_or:
        return True, [status_check], status_check
    order = MATCH_ORDER if compile_time else (*MATCH_ORDER, "status")
    match = True  # the server's starting assumption: nothing evaluated means "run"
    if rules.eval and env is not None:
        check = _eval_check(rules, block, env)
        checks.append(check)
        match = check.matched
        if match == is_or:
            return match, checks, check
    for rule in order:
        patterns = rules.values(rule)
        if not patterns:
            continue
        values = data.values(rule)
        if rule == "status" and values == ("running",):
            values = ("success",)
        hit = match_rule(values, patterns, rules.matcher)
        match = hit is not None
        pattern, datum = hit if hit is not None else (None, None)
        check = RuleCheck(block, rule, patterns, values, rules.matcher, match, True, pattern, datum)
        checks.append(check)
        if is_or and match:
            return True, checks, check
        if not is_or and not match:
            return False, checks, check
    if rules.status and compile_time:
        checks.append(status_check)
    return match, checks, None


def _quote(values: Iterable[str]) -> str:
    shown = [f"`{v}`" for v in values]
    if not shown:
        return "nothing"
    return shown[0] if len(shown) == 1 else "any of " + ", ".join(shown)


def describe_miss(check: RuleCheck) -> str:
    if check.rule == "eval":
        return f"eval `{check.patterns[0]}` is false"
    how = " (regexp)" if check.matcher == "regexp" else ""
    noun = "changed file" if check.rule == "path" else check.rule
    if not check.data:
        return f"no {noun}s given, so {check.rule} {_quote(check.patterns)} cannot match"
    if len(check.data) == 1:
        return f"{check.rule} `{check.data[0]}` does not match {_quote(check.patterns)}{how}"
    return f"none of the {len(check.data)} {noun}s matches {_quote(check.patterns)}{how}"


def describe_hit(check: RuleCheck) -> str:
    if check.rule == "eval":
        return f"eval `{check.patterns[0]}` is true"
    return f"{check.rule} `{check.datum}` matches `{check.pattern}`"


def evaluate(ruleset: Ruleset, data: RuleData, env: Mapping[str, str] | None = None) -> Verdict:
    """The server's ``Match`` with its reasons; ``eval`` rules run against ``env`` (skipped
    when it is None). Raises :class:`PatternError` and :class:`EvalError`."""
    if ruleset.empty():
        return Verdict(True, (), "")
    checks: list[RuleCheck] = []
    if not ruleset.unless.empty():
        matched, unless_checks, decider = _match_rules(ruleset.unless, "unless", data, env)
        checks += unless_checks
        if matched:
            if not any(c.evaluated for c in unless_checks):
                reason = (
                    "its `unless` block has only `status` rules, which are not evaluated at"
                    " compile time, so the block counts as matched (Vela server quirk)"
                )
            elif decider is not None:
                reason = f"unless: {describe_hit(decider)}"
            else:
                hits = [describe_hit(c) for c in unless_checks if c.evaluated]
                reason = "unless: " + "; ".join(hits)
            return Verdict(False, tuple(checks), reason)
    if ruleset.if_.empty():
        return Verdict(True, tuple(checks), "")
    matched, if_checks, decider = _match_rules(ruleset.if_, "if", data, env)
    checks += if_checks
    if matched:
        return Verdict(True, tuple(checks), "")
    if ruleset.if_.operator == "or":
        misses = [describe_miss(c) for c in if_checks if c.evaluated]
        return Verdict(False, tuple(checks), "no rule matches: " + "; ".join(misses))
    assert decider is not None
    return Verdict(False, tuple(checks), describe_miss(decider))


def runtime_rules(ruleset: Ruleset) -> str:
    """A note for rulesets whose ``status`` rules are decided only while the build runs."""
    parts = []
    if ruleset.if_.status:
        parts.append("runs only if the build status is " + " or ".join(ruleset.if_.status))
    if ruleset.unless.status:
        parts.append("skipped if the build status is " + " or ".join(ruleset.unless.status))
    return "; ".join(parts)
