"""The Plan for people: ``velarun plan --format text`` and ``velarun plan --explain NAME``.

Pure functions returning text. Colour (dim for what was pruned, bold for names, yellow for
hazards) only when asked, i.e. on a TTY.
"""

from __future__ import annotations

from dataclasses import dataclass

from velarun.compile.plan import Plan, PlannedStage, PlannedStep, Pruned
from velarun.compile.rules import RuleCheck
from velarun.load.model import Pipeline, Rules, Stage, Step


@dataclass(frozen=True, slots=True)
class Style:
    color: bool = False

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def warn(self, text: str) -> str:
        return self._wrap("33", text)


def waves(stages: tuple[PlannedStage, ...]) -> list[list[PlannedStage]]:
    """Stages grouped by the length of their longest `needs` chain (for reading only; the
    executor starts each stage as soon as its own needs finish)."""
    by_name = {s.name: s for s in stages}
    level: dict[str, int] = {}
    for stage in stages:  # iterative longest-path; cycles were rejected by the loader
        stack = [(stage.name, False)]
        while stack:
            name, done = stack.pop()
            if name in level:
                continue
            needs = [n for n in by_name[name].needs if n in by_name]
            if done or not needs:
                level[name] = 1 + max((level.get(n, 0) for n in needs), default=0)
                continue
            stack.append((name, True))
            stack.extend((n, False) for n in needs if n not in level)
    out: list[list[PlannedStage]] = []
    for stage in stages:
        while len(out) < level[stage.name]:
            out.append([])
        out[level[stage.name] - 1].append(stage)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ruledata_line(plan: Plan) -> str:
    d = plan.ruledata
    paths = ",".join(d.paths) if d.paths else "(none)"
    parts = [
        f"event={d.event}",
        f"branch={d.branch}",
        f"tag={d.tag}",
        f"repo={d.repo}",
        f"paths={paths}",
    ]
    if d.target:
        parts.append(f"target={d.target}")
    if d.comment:
        parts.append(f"comment={d.comment!r}")
    return "rule data: " + " ".join(parts)


def _step_line(step: PlannedStep, s: Style) -> str:
    line = f"step {s.bold(step.name)}  ({step.image})"
    if step.detach:
        line += "  [detached]"
    if step.continue_:
        line += "  [continue on failure]"
    if step.runtime_note:
        line += f"  [runtime: {step.runtime_note}]"
    if step.artifacts:
        line += f"  [artifacts: {', '.join(step.artifacts)}]"
    return line


def _pruned_line(p: Pruned, s: Style) -> str:
    return s.dim(f"{p.kind} {p.name}: pruned, {p.reason}")


def hazards(plan: Plan) -> list[str]:
    out: list[str] = []
    by_stage: dict[str, list[str]] = {}
    for d in plan.dropped_needs:
        by_stage.setdefault(d.stage, []).append(d.need)
    needs_now = {st.name: st.needs for st in plan.stages}
    for d in plan.dropped_needs:
        now = needs_now.get(d.stage, ())
        after = (
            f"{d.stage} now waits only on {', '.join(now)}"
            if now
            else f"{d.stage} now starts at once"
        )
        if d.pruned:
            out.append(f"{d.stage} needed {d.need}, which was pruned: {after}")
        else:
            out.append(f"{d.stage} needs {d.need}, which is not a stage: ignored ({after})")
    return out


def render_plan(
    plan: Plan, path: str, style: Style | None = None, *, header: list[str] | None = None
) -> str:
    """``header``: the rule-data lines with their sources (else one line of values)."""
    s = style or Style()
    lines = [f"plan for {path}", *(header or [ruledata_line(plan)]), ""]
    pruned_steps: dict[str | None, list[Pruned]] = {}
    for p in plan.pruned_of("step"):
        pruned_steps.setdefault(p.stage, []).append(p)
    if plan.services:
        lines.append("services (started first, in the background)")
        for svc in plan.services:
            lines.append(f"  service {s.bold(svc.name)}  ({svc.image})")
        lines.append("")
    if plan.implicit:
        lines.append("steps (in order)")
        lines.extend(f"  {_step_line(step, s)}" for step in plan.all_steps())
        lines.extend(f"  {_pruned_line(p, s)}" for p in pruned_steps.get(None, []))
    else:
        lines.extend(_waves_lines(plan, pruned_steps, s))
    lines.extend(_pruned_lines(plan, pruned_steps, s))
    found = hazards(plan)
    if found:
        lines += ["", "hazards"]
        lines.extend("  " + s.warn(h) for h in found)
    lines += ["", _summary_line(plan)]
    return "\n".join(lines)


def _waves_lines(plan: Plan, pruned_steps: dict[str | None, list[Pruned]], s: Style) -> list[str]:
    lines: list[str] = []
    for i, wave in enumerate(waves(plan.stages), start=1):
        lines.append(f"wave {i}")
        for stage in wave:
            head = f"  stage {s.bold(stage.name)}"
            if stage.needs:
                head += f"  (needs {', '.join(stage.needs)})"
            if stage.independent:
                head += "  [independent]"
            lines.append(head)
            lines.extend(f"    {_step_line(step, s)}" for step in stage.steps)
            lines.extend(f"    {_pruned_line(p, s)}" for p in pruned_steps.get(stage.name, []))
    return lines


def _pruned_lines(plan: Plan, pruned_steps: dict[str | None, list[Pruned]], s: Style) -> list[str]:
    pruned_stages = plan.pruned_of("stage")
    pruned_services = plan.pruned_of("service")
    if not (pruned_stages or pruned_services):
        return []
    lines = ["", "pruned"]
    lines.extend(f"  {_pruned_line(p, s)}" for p in pruned_services)
    for p in pruned_stages:
        lines.append(f"  {_pruned_line(p, s)}")
        lines.extend(f"    {_pruned_line(q, s)}" for q in pruned_steps.get(p.name, []))
    return lines


def _summary_line(plan: Plan) -> str:
    n_steps = len(plan.all_steps())
    summary = f"{_plural(n_steps, 'step')} will run"
    if not plan.implicit:
        summary = f"{_plural(len(plan.stages), 'stage')}, {summary}"
    if not n_steps:
        summary = "nothing runs for this rule data"
    counts = [
        _plural(len(plan.pruned_of(kind)), kind)
        for kind in ("stage", "step", "service")
        if plan.pruned_of(kind)
    ]
    if counts:
        summary += "; pruned: " + ", ".join(counts)
    return summary


# -- explain ----------------------------------------------------------------------------------


def _check_line(c: RuleCheck) -> str:
    if c.rule == "eval":
        return f"    {'eval':<8} `{c.patterns[0]}`  ->  {'true' if c.matched else 'false'}"
    data = ", ".join(f"`{d}`" for d in c.data) if c.data else "(no data)"
    patterns = ", ".join(f"`{p}`" for p in c.patterns)
    if not c.evaluated:
        verdict = "not evaluated at compile time (decided while the build runs)"
    else:
        verdict = "match" if c.matched else "no match"
    return f"    {c.rule:<8} data {data}  vs  {patterns}  ->  {verdict}"


def _block_head(block: str, rules: Rules) -> str:
    return f"  {block} (operator {rules.operator}, matcher {rules.matcher})"


def _explain_checks(
    checks: tuple[RuleCheck, ...], if_rules: Rules, unless_rules: Rules
) -> list[str]:
    lines: list[str] = []
    for block, rules in (("unless", unless_rules), ("if", if_rules)):
        block_checks = [c for c in checks if c.block == block]
        if rules.empty():
            continue
        lines.append(_block_head(block, rules))
        if not block_checks:
            lines.append("    (not reached)")
        lines.extend(_check_line(c) for c in block_checks)
        evaluated = {c.rule for c in block_checks}
        written = ["eval"] * bool(rules.eval) + list(rules.written())
        skipped = [k for k in written if k not in evaluated]
        if skipped and block_checks:
            lines.append(f"    not evaluated (decided earlier): {', '.join(skipped)}")
    return lines


def explain(pipeline: Pipeline, plan: Plan, name: str) -> str | None:
    """Each rule, its datum, the matcher and the verdict, for a step or stage called ``name``.

    ``None`` if nothing has that name.
    """
    kept = {(st.stage, st.name): st for st in plan.all_steps()}
    pruned = {(p.stage, p.name): p for p in plan.pruned_of("step")}
    out: list[str] = []
    for stage in pipeline.stages:
        if stage.name == name:
            out.extend(_explain_stage(stage, plan, kept, pruned))
    steps: list[tuple[str | None, Step]] = [
        (stage.name, st) for stage in pipeline.stages for st in stage.steps
    ]
    steps = steps or [(None, st) for st in pipeline.steps]
    for stage_name, step in steps:
        if step.name == name:
            if out:
                out.append("")
            out.extend(_explain_step(stage_name, step, kept, pruned))
    if not out and name not in {st.name for st in pipeline.stages}:
        return None
    return "\n".join(out)


_Key = tuple[str | None, str]


def _explain_stage(
    stage: Stage, plan: Plan, kept: dict[_Key, PlannedStep], pruned: dict[_Key, Pruned]
) -> list[str]:
    planned = next((st for st in plan.stages if st.name == stage.name), None)
    verdict = "runs" if planned else "pruned: every step was pruned"
    out = [f"stage `{stage.name}`: {verdict}"]
    if stage.needs:
        out.append(f"  needs as written: {', '.join(stage.needs)}")
    if planned is not None:
        out.append(f"  needs in the plan: {', '.join(planned.needs) or '(none: starts at once)'}")
        for d in plan.dropped_needs:
            if d.stage == stage.name:
                why = "pruned" if d.pruned else "not a stage"
                out.append(f"  dropped need: {d.need} ({why})")
    for step in stage.steps:
        key = (stage.name, step.name)
        if key in kept:
            out.append(f"  step `{step.name}`: runs")
        elif key in pruned:
            out.append(f"  step `{step.name}`: pruned, {pruned[key].reason}")
    return out


def _place(step: Step) -> str:
    return f"{step.pos.file or 'the pipeline'}:{step.pos.line}:{step.pos.column}"


def _explain_step(
    stage_name: str | None,
    step: Step,
    kept: dict[_Key, PlannedStep],
    pruned: dict[_Key, Pruned],
) -> list[str]:
    key = (stage_name, step.name)
    where = f"step `{step.name}`" + (f" in stage `{stage_name}`" if stage_name else "")
    made = [f"  made by {step.origin}, at {_place(step)}"] if step.origin else []
    if step.template is not None:
        made = [f"  uses template `{step.template.name}` (not rendered when pruned)"]
    if key in kept:
        planned = kept[key]
        out = [f"{where}: runs", *made]
        rs = planned.ruleset
        if rs.empty():
            out.append("  no ruleset: runs on every event")
        out.extend(_explain_checks(planned.checks, rs.if_, rs.unless))
        if planned.runtime_note:
            out.append(f"  at run time: {planned.runtime_note}")
        if planned.artifacts:
            paths = ", ".join(f"`{a}`" for a in planned.artifacts)
            out.append(
                f"  artifacts: {paths}: once it has run (whatever its exit code), the workspace"
                " files whose path ends so are copied to .velarun/artifacts/<run-id>/"
            )
        return out
    if key in pruned:
        p = pruned[key]
        return [
            f"{where}: pruned",
            *made,
            *_explain_checks(p.checks, step.ruleset.if_, step.ruleset.unless),
            f"  verdict: pruned, {p.reason}",
        ]
    return [f"{where}: not compiled (see the diagnostics)"]
