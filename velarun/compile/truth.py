"""``velarun plan --events``: which steps each event would run (compile-time rules only)."""

from __future__ import annotations

from velarun.compile.compiler import compile_pipeline
from velarun.compile.plan import Plan
from velarun.compile.ruledata import RuleData, RuleDataError, build_ruledata
from velarun.errors import UsageError
from velarun.load.model import Pipeline

LEGEND = (
    "runs: compiled in for that event; runs*: also has a status rule decided at run\n"
    "time; -: pruned. Other rule data as in the header of `velarun plan`."
)


def _column(pipeline: Pipeline, base: RuleData, raw: str) -> Plan:
    """The plan for one event of the list (``push``, ``pull_request:closed``, ``tag:v1``)."""
    name, _, rest = raw.partition(":")
    try:
        data = build_ruledata(
            event=name if name == "tag" else raw,
            branch=base.branch,
            tag=rest if name == "tag" else None,
            target=base.target,
            comment=base.comment,
            paths=base.paths,
            repo=base.repo,
        )
    except RuleDataError as exc:
        raise UsageError(f"--events `{raw}`: {exc.message}", exc.hint) from None
    compiled = compile_pipeline(pipeline, data)
    if compiled.plan is None:
        raise UsageError(f"--events `{raw}`: the pipeline does not compile for this event")
    return compiled.plan


def _cell(plan: Plan, label: str) -> str:
    hit = next((p for p in plan.all_steps() if p.label == label), None)
    if hit is None:
        return "-"
    return "runs*" if hit.runtime_note else "runs"


def truth_table(pipeline: Pipeline, base: RuleData, spec: str) -> str:
    """Step x event, for the comma-separated events of ``spec``; other rule data from
    ``base``. Raises :class:`UsageError` for an event the server would never send."""
    events = [e.strip() for e in spec.split(",") if e.strip()]
    columns = [(raw, _column(pipeline, base, raw)) for raw in events]
    labels = [f"{stage.name}/{st.name}" for stage in pipeline.stages for st in stage.steps]
    labels = labels or [st.name for st in pipeline.steps]
    rows = [("STEP", *events)]
    rows += [(label, *(_cell(plan, label) for _, plan in columns)) for label in labels]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    return "\n".join([*lines, "", LEGEND])
