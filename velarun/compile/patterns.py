"""Rule patterns checked up front: every bad glob or RE2 regexp of a pipeline, positioned.

``plan`` checks the patterns of each container it compiles (after substitution); ``validate``
checks every pattern as written, with the same messages.
"""

from __future__ import annotations

from velarun.compile.rules import PatternError, check_pattern
from velarun.diagnostics import Diagnostic, Pos, error
from velarun.load.model import RULE_KEYS, Pipeline, Rules, Ruleset

REGEXP_HINT = "RE2 syntax: no look-around or back-references"
GLOB_HINT = "Go glob syntax: `*`, `?`, `[a-z]`, `[^a]`, `\\` escapes"


def pattern_errors(rules: Rules, where: str, *, as_written: bool = False) -> list[Diagnostic]:
    """One error for each pattern of ``rules`` that its matcher rejects. ``as_written``: the
    patterns are not substituted yet, so one holding a `${VAR}` is left to ``plan``."""
    out: list[Diagnostic] = []
    for key, patterns in zip(RULE_KEYS, rules.all_values(), strict=True):
        for pattern in patterns:
            if as_written and "${" in pattern:
                continue
            try:
                check_pattern(pattern, rules.matcher)
            except PatternError as exc:
                hint = REGEXP_HINT if rules.matcher == "regexp" else GLOB_HINT
                at = rules.value_pos.get(pattern) or rules.key_pos.get(key, Pos(1, 1))
                out.append(error(at, f"{where}: {exc}", hint))
    return out


def _ruleset_errors(ruleset: Ruleset, where: str) -> list[Diagnostic]:
    return [
        d
        for rules in (ruleset.if_, ruleset.unless)
        for d in pattern_errors(rules, where, as_written=True)
    ]


def pipeline_pattern_errors(p: Pipeline) -> list[Diagnostic]:
    """Every bad pattern in the rulesets of the pipeline's steps and services, as written."""
    return [d for ruleset, where in p.rulesets() for d in _ruleset_errors(ruleset, where)]
