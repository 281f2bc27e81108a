"""The rules decided while the build runs (vela-executor.md §3.1): whether a step starts.

A step without a ``status`` rule runs only while the build (an ``independent`` stage: the stage
itself) has not failed; steps with ``status`` rules are matched against it, ``running``
counting as ``success``, with the worker's narrower rule data. Their ``eval`` rules run again
against the step's environment (worker ``internal/step/skip.go``: ``Env: c.Environment``); here
that is the compiled environment, without the outputs of earlier steps.
"""

from __future__ import annotations

from collections.abc import Mapping

from velarun.compile.ruledata import RuleData
from velarun.compile.rules import EvalError, PatternError, evaluate
from velarun.load.model import Ruleset


def runtime_ruledata(data: RuleData, status: str) -> RuleData:
    """The worker's run-time rule data: branch, event, repo, status, tag (tag events and tag
    deployments), target (deployment and schedule); no path, comment, sender or label."""
    tagged = data.event_name == "tag" or data.ref.startswith("refs/tags/")
    return RuleData(
        event=data.event,
        branch=data.branch,
        tag=data.tag if tagged else "",
        ref=data.ref,
        target=data.target if data.event_name in ("deployment", "schedule") else "",
        repo=data.repo,
        status=status,
    )


def should_run(
    ruleset: Ruleset, status: str, data: RuleData, env: Mapping[str, str] | None = None
) -> tuple[bool, str]:
    """The server's ``Container.Execute``: (run?, reason when not); ``eval`` rules run against
    ``env``. An eval that fails here fails the build on a Vela worker; velarun skips the step
    and says why."""
    if not ruleset.has_status():
        if status in ("failure", "error"):
            return False, f"the build status is {status} and the step has no status rule"
        return True, ""
    try:
        verdict = evaluate(ruleset, runtime_ruledata(data, status), env)
    except PatternError as exc:  # patterns were checked at compile time
        return False, str(exc)
    except EvalError as exc:
        return False, f"ruleset at run time: {exc.message}"
    if verdict.keep:
        return True, ""
    shown = "success" if status == "running" else status
    return False, f"ruleset at run time (build status {shown}): {verdict.reason}"
