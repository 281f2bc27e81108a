"""Choosing what runs: ``--skip-step``, ``--stage`` (with the stages it needs, transitively) and
``--step`` (with the stages its stage needs). Removed steps and stages are reported as pruned,
with the reason. A name its rules already pruned is said to be so, with the rule; a
``--skip-step`` that leaves nothing to run stops, as Vela does."""

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
    _check_names(plan, skip_steps, stages, steps)
    owner = {
        key: stage.name for stage in plan.stages for s in stage.steps for key in (s.name, s.label)
    }
    roots = set(stages) | {owner[n] for n in steps if n in owner}
    wanted = _closure(plan, roots) if roots else {st.name for st in plan.stages}
    pruned = list(plan.pruned)
    out = [
        kept
        for stage in plan.stages
        if (kept := _select_stage(stage, wanted, owner, skip_steps, stages, steps, pruned))
    ]
    _refuse_empty(plan, out, skip_steps)
    names = {st.name for st in out}
    out = [replace(st, needs=tuple(n for n in st.needs if n in names)) for st in out]
    return replace(plan, stages=tuple(out), pruned=tuple(pruned))


def _refuse_empty(plan: Plan, out: list[PlannedStage], skip_steps: tuple[str, ...]) -> None:
    """Vela's own refusal of a selection that leaves nothing to run."""
    if plan.all_steps() and not any(st.steps for st in out):
        raise SelectionError(
            "no steps left to run after removing skipped steps",
            "--skip-step " + ", ".join(f"`{n}`" for n in skip_steps) + " removed every step",
        )


def _pruned_step(plan: Plan, name: str) -> Pruned | None:
    """The step its rules pruned that ``name`` (``name`` or ``stage/name``) means, if any."""
    for p in plan.pruned_of("step"):
        if name in (p.name, f"{p.stage}/{p.name}"):
            return p
    return None


def skip_warnings(plan: Plan, skip_steps: tuple[str, ...]) -> tuple[str, ...]:
    """One warning per ``--skip-step`` naming a step its rules pruned: there is nothing to
    skip, and the run goes on."""
    return tuple(
        f"--skip-step `{name}`: the step exists but its rules pruned it ({p.reason}):"
        " nothing to skip"
        for name in skip_steps
        if (p := _pruned_step(plan, name)) is not None and name not in _step_names(plan)
    )


def _step_names(plan: Plan) -> set[str]:
    all_steps = plan.all_steps()
    return {s.name for s in all_steps} | {s.label for s in all_steps}


def _select_stage(
    stage: PlannedStage,
    wanted: set[str],
    owner: dict[str, str],
    skip_steps: tuple[str, ...],
    stages: tuple[str, ...],
    steps: tuple[str, ...],
    pruned: list[Pruned],
) -> PlannedStage | None:
    """The stage with the steps that stay, or None (added to ``pruned`` with the reason)."""
    if stage.name not in wanted:
        why = "not needed by --stage/--step " + ", ".join(sorted((*stages, *steps)))
        pruned.append(Pruned("stage", stage.name, None, why))
        return None
    # --step limits its own stage to the steps named; stages it needs run whole.
    limit = stage.name not in stages and any(owner.get(n) == stage.name for n in steps)
    kept = _kept_steps(stage, skip_steps, steps if limit else None, pruned)
    if kept or stage.implicit:
        return replace(stage, steps=kept)
    pruned.append(Pruned("stage", stage.name, None, "every step was deselected"))
    return None


def _check_names(
    plan: Plan, skip_steps: tuple[str, ...], stages: tuple[str, ...], steps: tuple[str, ...]
) -> None:
    if stages and plan.implicit:
        raise SelectionError("--stage needs a stages pipeline", "use --step for steps pipelines")
    step_names = _step_names(plan)
    stage_names = {st.name for st in plan.stages}
    for name in skip_steps:
        if name not in step_names and _pruned_step(plan, name) is None:
            raise _no_such_step(plan, name, "--skip-step")
    for name in steps:
        if (pruned := _pruned_step(plan, name)) is not None and name not in step_names:
            raise SelectionError(
                f"--step `{name}`: the step exists but its rules pruned it: {pruned.reason}",
                f"run `velarun plan --explain {name}` to see the rule data it was matched against",
            )
        if name not in step_names:
            raise _no_such_step(plan, name, "--step")
    pruned_stages = {p.name: _stage_reason(plan, p) for p in plan.pruned_of("stage")}
    for name in stages:
        if name in stage_names:
            continue
        if name in step_names or _pruned_step(plan, name) is not None:
            raise SelectionError(
                f"no stage `{name}` in the plan", f"`{name}` is a step: use --step {name}"
            )
        if name in pruned_stages:
            raise SelectionError(
                f"--stage `{name}`: the stage exists but its rules pruned it: "
                + pruned_stages[name],
                f"run `velarun plan --explain {name}` to see why",
            )
        raise SelectionError(
            f"no stage `{name}` in the plan",
            "stages: " + (", ".join(f"`{s}`" for s in sorted(stage_names)) or "none survived"),
        )


def _stage_reason(plan: Plan, stage: Pruned) -> str:
    """A pruned stage's reason with the rule that pruned each of its steps."""
    steps = [f"{p.name}: {p.reason}" for p in plan.pruned_of("step") if p.stage == stage.name]
    return f"{stage.reason} ({'; '.join(steps)})" if steps else stage.reason


def _no_such_step(plan: Plan, name: str, flag: str) -> SelectionError:
    stages = {st.name for st in plan.stages} | {p.name for p in plan.pruned_of("stage")}
    if name in stages and flag == "--step":
        return SelectionError(
            f"no step `{name}` in the plan", f"`{name}` is a stage: use --stage {name}"
        )
    labels = ", ".join(f"`{s.label}`" for s in plan.all_steps())
    return SelectionError(f"no step `{name}` in the plan", "steps: " + (labels or "none survived"))


def _kept_steps(
    stage: PlannedStage,
    skip_steps: tuple[str, ...],
    only: tuple[str, ...] | None,
    pruned: list[Pruned],
) -> tuple[PlannedStep, ...]:
    """The stage's steps that stay; each one removed is added to ``pruned`` with its reason."""
    kept: list[PlannedStep] = []
    for step in stage.steps:
        names = (step.name, step.label)
        if any(n in skip_steps for n in names):
            pruned.append(Pruned("step", step.name, step.stage, "skipped by --skip-step"))
        elif only is not None and not any(n in only for n in names):
            pruned.append(Pruned("step", step.name, step.stage, "not selected by --step"))
        else:
            kept.append(step)
    return tuple(kept)
