"""Checks on the whole loaded pipeline: what Vela's ValidateYAML rejects, plus the graph.

Vela reports only the first problem of each block and no position; these checks report every
problem, each where it is written.
"""

from __future__ import annotations

from collections.abc import Iterable

from velarun.diagnostics import START, Diagnostic, Pos, error, warning
from velarun.load._imageref import image_problem
from velarun.load.model import Pipeline, Stage, Step

INJECTED_NAMES = ("clone", "init")
MAX_REPORT_AS = 10


def check(p: Pipeline) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    out += _top(p)
    for service in p.services:
        if not service.name:
            out.append(error(service.pos, "a service has no `name`", "add `name: <name>`"))
        if not service.image:
            out.append(
                error(
                    service.pos,
                    f"service `{service.name}` has no `image`",
                    "add `image: <name:tag>`",
                )
            )
        where = service.key_pos.get("image", service.pos)
        out += _image(service.image, where, f"service `{service.name}`")
    for secret in p.secrets:
        origin = secret.origin
        if origin is None:
            continue
        if not origin.name:
            out.append(error(origin.pos, "a secret origin has no `name`", "add `name: <name>`"))
        if not origin.image:
            out.append(
                error(origin.pos, f"secret origin `{origin.name}` has no `image`", "add `image:`")
            )
    for stage in p.stages:
        out += _stage(stage, p)
    for step in p.all_steps():
        out += _step(step)
    stage_dups, later_copies = _duplicate_stages(p.stages)
    out += stage_dups
    out += _duplicate_steps(p, later_copies)
    out += _report_as(p.all_steps())
    out += _needs(p.stages)
    return out


def _image(image: str, pos: Pos, label: str) -> list[Diagnostic]:
    """An image no engine could parse: a pipeline error where it is written."""
    problem = image_problem(image)
    if problem is None:
        return []
    words = image.split()
    hint = "write `name[:tag]` or `name@sha256:<digest>`, the repository in lowercase"
    if problem == "repository name must be lowercase":
        hint = f"write `{image.lower()}`"
    elif words != [image] and len(words) == 1:
        hint = f"write `{words[0]}`"
    elif len(words) == 2 and image_problem(":".join(words)) is None:
        hint = f"a tag follows a colon: `{':'.join(words)}`"
    return [error(pos, f"{label}: image `{image}` is not a valid reference: {problem}", hint)]


def _top(p: Pipeline) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    version_pos = p.key_pos.get("version", START)
    if not p.version:
        out.append(
            error(
                version_pos,
                "the pipeline has no `version`",
                'add `version: "1"` as the first line',
            )
        )
    elif p.version == "legacy":
        out.append(
            error(
                version_pos,
                "`version: legacy` is no longer supported by Vela",
                'update the pipeline to `version: "1"`',
            )
        )
    elif p.version != "1":
        out.append(
            warning(
                version_pos,
                f'`version: {p.version}` is not "1"; Vela accepts it but knows only version 1',
                'write `version: "1"`',
            )
        )
    if p.stages and p.steps:
        out.append(
            error(
                p.key_pos.get("stages", START),
                "the pipeline has both `stages` and `steps`",
                "use one: move the top-level steps into a stage, or drop the stages",
            )
        )
    written = p.key_pos.keys() & {"stages", "steps"}  # a broken block is reported already
    if not (p.stages or p.steps or p.templates or p.metadata.render_inline or written):
        out.append(
            error(START, "the pipeline has no stages, steps or templates", "add a `steps:` list")
        )
    return out


def _stage(stage: Stage, p: Pipeline) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    name_pos = stage.key_pos.get("name", stage.pos)
    if not stage.name:
        out.append(error(name_pos, "a stage has no name", "give the stage a key or a `name:`"))
    if stage.name in stage.needs:
        out.append(
            error(
                _need_pos(stage, stage.name),
                f"stage `{stage.name}` needs itself",
                f"remove `{stage.name}` from its `needs`",
            )
        )
    if stage.name == "init" or (stage.name == "clone" and p.metadata.clone):
        why = (
            "Vela injects its own `init` stage"
            if stage.name == "init"
            else ("Vela injects its own `clone` stage unless `metadata.clone: false`")
        )
        out.append(error(name_pos, f"stage name `{stage.name}` is reserved: {why}", "rename it"))
    if not stage.steps and "steps" not in stage.key_pos:
        out.append(
            warning(
                stage.pos,
                f"stage `{stage.name}` has no `steps`; Vela drops it",
                "add `steps:` or remove the stage",
            )
        )
    return out


def _step(step: Step) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    label = f"step `{step.name}`" if step.name else "a step"
    if not step.name:
        out.append(error(step.pos, "a step has no `name`", "add `name: <name>`"))
    if step.template is not None:
        return out
    if not step.image and "image" not in step.key_pos:
        out.append(error(step.pos, f"{label} has no `image`", "add `image: <name:tag>`"))
    out += _image(step.image, step.key_pos.get("image", step.pos), label)
    # A key written with a broken value was already reported; do not pile on.
    written = step.key_pos.keys() & {"commands", "environment", "parameters", "secrets"}
    nothing = not (step.commands or step.environment or step.parameters or step.secrets)
    nothing = nothing and not written
    if nothing and not step.detach and step.name not in INJECTED_NAMES:
        out.append(
            error(
                step.pos,
                f"{label} has nothing to do: no commands, environment, parameters or secrets",
                "add `commands:`, or `parameters:` for a plugin image",
            )
        )
    return out


def _duplicate_stages(stages: Iterable[Stage]) -> tuple[list[Diagnostic], set[int]]:
    """Two stages with one name (a `name:` or the same key written twice: Vela's stages
    decoder keeps both). The server checks this after pruning, so a copy that the rulesets
    may prune is only a warning here; ``plan`` decides. Also returns the ids of the later
    copies, whose steps are not checked again."""
    out: list[Diagnostic] = []
    first: dict[str, Stage] = {}
    later: set[int] = set()
    for stage in stages:
        seen = first.get(stage.name)
        if seen is None:
            first[stage.name] = stage
            continue
        later.add(id(stage))
        pos = stage.key_pos.get("name", stage.pos)
        line = seen.pos.line
        if _prunable_stage(stage) or _prunable_stage(seen):
            out.append(
                warning(
                    pos,
                    f"stage `{stage.name}` is also defined at line {line}; {_AT_MOST_ONE}",
                    "give each stage a unique name unless the rulesets of their steps exclude"
                    " each other",
                )
            )
            continue
        out.append(
            error(
                pos,
                f"stage `{stage.name}` is already defined at line {line}",
                "give each stage a unique name",
            )
        )
    return out, later


_AT_MOST_ONE = (
    "Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for"
    " the rule data)"
)


def _compile_time_conditional(step: Step) -> bool:
    """True when the step has rules the compiler decides, so it may be pruned. An `unless`
    block of `status` rules alone counts: the server prunes it at compile time (quirk)."""
    rs = step.ruleset
    if rs.unless.written() or rs.unless.eval:
        return True
    return bool(rs.if_.written().keys() - {"status"} or rs.if_.eval)


def _prunable_stage(stage: Stage) -> bool:
    """A stage is dropped when every one of its steps is pruned (or it has none)."""
    return all(_compile_time_conditional(step) for step in stage.steps)


def _duplicate_steps(p: Pipeline, skip: set[int]) -> list[Diagnostic]:
    """Vela keys steps by ``<stage>_<step>`` in one map across stages (quirk kept on purpose),
    and checks it after pruning: a step that may be pruned makes a duplicate a warning."""
    out: list[Diagnostic] = []
    first: dict[str, Step] = {}
    pairs: list[tuple[str, Step]] = (
        [(stage.name, step) for stage in p.stages if id(stage) not in skip for step in stage.steps]
        if p.stages
        else [("", step) for step in p.steps]
    )
    for stage_name, step in pairs:
        if step.name in INJECTED_NAMES or not step.name:
            continue
        key = f"{stage_name}_{step.name}"
        seen = first.get(key)
        if seen is None:
            first[key] = step
            continue
        maybe = _compile_time_conditional(step) or _compile_time_conditional(seen)
        line = seen.pos.line
        if seen.name != step.name:
            what = f"step `{step.name}` in stage `{stage_name}` collides with step `{seen.name}`"
            what += f" (line {line}): Vela keys steps as `<stage>_<step>`, both give `{key}`"
            hint = "rename one of the steps or stages"
            if maybe:
                what += f"; {_AT_MOST_ONE}"
                hint += " unless the rulesets exclude each other"
            out.append((warning if maybe else error)(step.pos, what, hint))
            continue
        where = f"step `{step.name}`" + (f" in stage `{stage_name}`" if stage_name else "")
        if maybe:
            out.append(
                warning(
                    step.pos,
                    f"{where} is also defined at line {line}; {_AT_MOST_ONE}",
                    "give each step a unique name unless the rulesets exclude each other",
                )
            )
        else:
            out.append(
                error(
                    step.pos,
                    f"{where} is already defined at line {line}",
                    "give each step a unique name",
                )
            )
    return out


def _report_as(steps: Iterable[Step]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    owner: dict[str, Step] = {}
    for step in steps:
        if not step.report_as:
            continue
        pos = step.key_pos.get("report_as", step.pos)
        seen = owner.get(step.report_as)
        if seen is not None:
            out.append(
                error(
                    pos,
                    f"`report_as: {step.report_as}` of step `{step.name}` is already used by"
                    f" step `{seen.name}`",
                    "each step needs its own commit-status context",
                )
            )
            continue
        owner[step.report_as] = step
        if len(owner) == MAX_REPORT_AS + 1:
            out.append(
                error(
                    pos,
                    f"`report_as` is limited to {MAX_REPORT_AS} steps; this is the"
                    f" {MAX_REPORT_AS + 1}th",
                    "remove `report_as` from the steps that do not need their own status",
                )
            )
    return out


def _needs(stages: tuple[Stage, ...]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    names = [s.name for s in stages]
    known = set(names)
    renamed = {s.key: s.name for s in stages if s.key != s.name}
    for stage in stages:
        for need in stage.needs:
            if need in known or need in INJECTED_NAMES:
                continue
            pos = _need_pos(stage, need)
            if need in renamed:
                out.append(
                    warning(
                        pos,
                        f"stage `{stage.name}` needs `{need}`, the key of a stage renamed to"
                        f" `{renamed[need]}`; `needs` refers to names, so Vela ignores it",
                        f"write `{renamed[need]}`",
                    )
                )
                continue
            import difflib  # only for a `needs` naming no stage

            close = difflib.get_close_matches(need, names, n=1, cutoff=0.6)
            hint = "defined stages: " + ", ".join(f"`{n}`" for n in names)
            if close:
                hint = f"did you mean `{close[0]}`? {hint}"
            out.append(
                warning(
                    pos,
                    f"stage `{stage.name}` needs `{need}`, which is not a stage; Vela ignores it",
                    hint,
                )
            )
    out += _cycles(stages)
    return out


def _need_pos(stage: Stage, need: str) -> Pos:
    """Where ``stage`` writes ``need``; its `needs` key, or the stage, when not known."""
    return stage.need_pos.get(need) or stage.key_pos.get("needs", stage.pos)


def _cycles(stages: tuple[Stage, ...]) -> list[Diagnostic]:
    """One diagnostic per cycle found by a depth-first walk in file order."""
    graph = {s.name: [n for n in s.needs if n != s.name] for s in stages}
    by_name = {s.name: s for s in stages}
    order = {s.name: i for i, s in enumerate(stages)}
    state: dict[str, int] = {}  # 1 = on the path, 2 = finished
    reported: set[frozenset[str]] = set()
    out: list[Diagnostic] = []
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = [start]
        iters = [iter(graph[start])]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    first = min(cycle, key=order.__getitem__)
                    i = cycle.index(first)
                    ring = cycle[i:] + cycle[:i] + [first]
                    out.append(
                        error(
                            _need_pos(by_name[first], ring[1]),
                            "needs cycle: " + " -> ".join(ring),
                            "Vela would wait forever; remove one of these `needs`",
                        )
                    )
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(graph[nxt]))
    return out
