"""Choosing what runs: ``--skip-step``, ``--stage`` (with the stages it needs, transitively) and
``--step`` (with the stages its stage needs). Removed steps and stages are reported as pruned,
with the reason."""

from __future__ import annotations

from dataclasses import replace

from velarun.compile.plan import Plan, PlannedStage, PlannedStep, Pruned
from velarun.errors import UsageError


class SelectionError(UsageError):
    """``--stage``, ``--step`` or ``--skip-step`` names nothing that can run."""


def _closure(plan: Plan, roots: set[str]) -> set[str]:
    needs = {st.name: st.needs for st in plan.stages}
    wanted = set(roots)
    stack = list(roots)
    while stack:
        for need in needs.get(stack.pop(), ()):
            if need not in wanted:
                wanted.add(need)
                stack.append(need)
    return wanted


def select(
    plan: Plan,
    *,
    skip_steps: tuple[str, ...] = (),
    stages: tuple[str, ...] = (),
    steps: tuple[str, ...] = (),
) -> Plan:
    if not (skip_steps or stages or steps):
        return plan
    all_steps = plan.all_steps()
    step_names = {s.name for s in all_steps} | {s.label for s in all_steps}
    stage_names = {st.name for st in plan.stages}
    if stages and not plan.is_stages:
        raise SelectionError("--stage needs a stages pipeline", "use --step for steps pipelines")
    for name in (*skip_steps, *steps):
        if name not in step_names:
            raise SelectionError(
                f"no step `{name}` in the plan",
                "steps: " + (", ".join(f"`{s.label}`" for s in all_steps) or "none survived"),
            )
    for name in stages:
        if name not in stage_names:
            raise SelectionError(
                f"no stage `{name}` in the plan",
                "stages: " + (", ".join(f"`{s}`" for s in sorted(stage_names)) or "none survived"),
            )
    pruned = list(plan.pruned)

    def chosen_step(step: PlannedStep) -> bool:
        if step.name in skip_steps or step.label in skip_steps:
            pruned.append(Pruned("step", step.name, step.stage, "skipped by --skip-step"))
            return False
        return True

    if not plan.is_stages:
        kept = tuple(s for s in plan.steps if chosen_step(s))
        if steps:
            wanted = {n for n in steps}
            kept_final = []
            for s in kept:
                if s.name in wanted or s.label in wanted:
                    kept_final.append(s)
                else:
                    pruned.append(Pruned("step", s.name, None, "not selected by --step"))
            kept = tuple(kept_final)
        return replace(plan, steps=kept, pruned=tuple(pruned))
    step_stage = {s.name: s.stage for s in all_steps} | {s.label: s.stage for s in all_steps}
    roots = set(stages) | {st for n in steps if (st := step_stage.get(n))}
    wanted_stages = _closure(plan, roots) if roots else stage_names
    only_steps = {n for n in steps}
    out: list[PlannedStage] = []
    for stage in plan.stages:
        if stage.name not in wanted_stages:
            why = "not needed by --stage/--step " + ", ".join(sorted((*stages, *steps)))
            pruned.append(Pruned("stage", stage.name, None, why))
            continue
        limit = stage.name not in stages and any(step_stage.get(n) == stage.name for n in steps)
        kept_steps: list[PlannedStep] = []
        for step in stage.steps:
            if not chosen_step(step):
                continue
            if limit and step.name not in only_steps and step.label not in only_steps:
                pruned.append(Pruned("step", step.name, stage.name, "not selected by --step"))
                continue
            kept_steps.append(step)
        if kept_steps:
            out.append(replace(stage, steps=tuple(kept_steps)))
        else:
            pruned.append(Pruned("stage", stage.name, None, "every step was deselected"))
    names = {st.name for st in out}
    out = [replace(st, needs=tuple(n for n in st.needs if n in names)) for st in out]
    return replace(plan, stages=tuple(out), pruned=tuple(pruned))
