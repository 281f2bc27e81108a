"""A ruleset's verdict for the rule data, every problem on the way a positioned diagnostic:
patterns and ``eval`` syntax are checked up front (Vela only errors when it reaches one)."""

from __future__ import annotations

from collections.abc import Mapping

from velarun.compile.patterns import pattern_errors
from velarun.compile.ruledata import RuleData
from velarun.compile.rules import EvalError, PatternError, Verdict, error_text, evaluate
from velarun.diagnostics import Diagnostic, Pos, error
from velarun.load.model import Rules, Ruleset


def check_rules(ruleset: Ruleset, where: str, diags: list[Diagnostic]) -> bool:
    """Every pattern and ``eval`` expression of ``ruleset`` is well formed."""
    ok = True
    for rules in (ruleset.if_, ruleset.unless):
        if rules.eval and not _check_eval(rules, ruleset, where, diags):
            ok = False
        problems = pattern_errors(rules, where)
        diags += problems
        ok = ok and not problems
    return ok


def _check_eval(rules: Rules, ruleset: Ruleset, where: str, diags: list[Diagnostic]) -> bool:
    from velarun.compile.eval_check import EVAL_HINT  # expr is loaded for `eval` rules only
    from velarun.compile.expr import ExprError
    from velarun.compile.expr import parse as parse_expr

    try:
        parse_expr(rules.eval)
    except ExprError as exc:
        at = rules.key_pos.get("eval", ruleset.pos or Pos(1, 1))
        diags.append(error(at, f"{where}: {error_text(exc)}", EVAL_HINT))
        return False
    return True


def verdict(
    ruleset: Ruleset,
    data: RuleData,
    where: str,
    diags: list[Diagnostic],
    env: Mapping[str, str] | None = None,
) -> Verdict | None:
    """Whether the ruleset keeps its step for ``data`` (None, with diagnostics, when it is
    broken)."""
    if not check_rules(ruleset, where, diags):
        return None
    try:
        return evaluate(ruleset, data, env)
    except EvalError as exc:
        rules = ruleset.if_ if exc.block == "if" else ruleset.unless
        at = rules.key_pos.get("eval", ruleset.pos or Pos(1, 1))
        from velarun.compile.eval_check import EVAL_HINT

        diags.append(error(at, f"{where}: {exc.message}", EVAL_HINT))
        return None
    except PatternError as exc:  # unreachable after check_rules; kept as a guard
        diags.append(error(ruleset.pos or Pos(1, 1), f"{where}: {exc}"))
        return None


VerdictKey = tuple[object, ...]


def verdict_key(ruleset: Ruleset) -> VerdictKey | None:
    """What :func:`evaluate` reads of ``ruleset`` (its values, matchers and operators; no
    position), for rulesets with no ``eval`` rule (those read the environment too): two
    rulesets with the same key get the same verdict for the same rule data. None with eval."""
    if_, unless = ruleset.if_, ruleset.unless
    if if_.eval or unless.eval:
        return None
    return (
        if_.all_values(),
        if_.matcher,
        if_.operator,
        unless.all_values(),
        unless.matcher,
        unless.operator,
    )
