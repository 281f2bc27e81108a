"""``velarun validate``'s check of ``eval`` rules: what expr rejects before it sees any value.

An expression is parsed and type-checked with no environment, so every name is of unknown
type: what fails here fails on the server whatever the step's environment holds (a syntax
error, ``"a" == 1``, a result that is a string). Whether it is true, and the errors only the
values reveal, are for ``plan`` and ``exec``. An expression holding ``${...}`` is left alone:
the server substitutes it first.
"""

from __future__ import annotations

from velarun.compile.rules import error_text
from velarun.diagnostics import Diagnostic, Pos, error
from velarun.load.model import Pipeline, Ruleset

EVAL_HINT = (
    "`eval` is an expr-lang expression over the step's environment, whose variables are all"
    " strings; it must give a bool"
)


def _ruleset_diagnostics(ruleset: Ruleset, where: str) -> list[Diagnostic]:
    found = []
    for rules in (ruleset.if_, ruleset.unless):
        if not rules.eval or "${" in rules.eval:
            continue
        from velarun.compile.expr import ExprError  # loaded for `eval` rules only
        from velarun.compile.expr_eval import check

        try:
            check(rules.eval, {})
        except ExprError as exc:
            at = rules.key_pos.get("eval", ruleset.pos or Pos(1, 1))
            found.append(error(at, f"{where}: {error_text(exc)}", EVAL_HINT))
    return found


def eval_diagnostics(pipeline: Pipeline) -> list[Diagnostic]:
    """One error for each ``eval`` that cannot compile, in any step or service."""
    return [
        d for ruleset, where in pipeline.rulesets() for d in _ruleset_diagnostics(ruleset, where)
    ]
