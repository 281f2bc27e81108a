"""Pipeline + rule data -> Plan, in the server's order: environment merge, ``${VAR}``
substitution, ruleset purge, then validation of what is left (vela-compiler.md §3.1).

Every problem becomes a positioned diagnostic; nothing here raises for a user's mistake.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from velarun.compile import plainrefs
from velarun.compile.env import default_env, merge, parameter_env
from velarun.compile.plan import (
    DroppedNeed,
    Plan,
    PlannedService,
    PlannedStage,
    PlannedStep,
    Pruned,
    implicit_stage,
)
from velarun.compile.ruledata import RuleData
from velarun.compile.rules import Verdict, runtime_rules
from velarun.compile.script import go_quote
from velarun.compile.verdict import VerdictKey, verdict, verdict_key
from velarun.diagnostics import START, Diagnostic, Pos, error, has_errors, sort_diagnostics
from velarun.errors import VelarunError
from velarun.gcpause import gc_paused
from velarun.load._imageref import image_problem
from velarun.load.model import (
    RULE_KEYS,
    Pipeline,
    Rules,
    Ruleset,
    Service,
    Stage,
    Step,
    Volume,
)

Texts = tuple[tuple[Mapping[str, Pos], str], ...]
"""Where strings are written (see ``Step.text_pos``), innermost first, each with what to call
the place in a message ("" for the container itself)."""

_TOP_ENV = "the pipeline's `environment`"


@dataclass(frozen=True, slots=True)
class CompileOptions:
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """``--env K=V``: added to every non-detached step, above the Vela defaults."""


@dataclass(frozen=True, slots=True)
class CompileResult:
    plan: Plan | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.plan is not None and not has_errors(self.diagnostics)


def _mapper(env: Mapping[str, str]) -> Callable[[str], str]:
    """The server's lookup: the value (Go-quoted if it spans lines), else ``${NAME}`` kept."""

    def lookup(name: str) -> str:
        if name not in env:
            return "${" + name + "}"
        value = env[name]
        return go_quote(value) if "\n" in value else value

    return lookup


class _Compiler:
    def __init__(self, pipeline: Pipeline, data: RuleData, options: CompileOptions) -> None:
        self.p = pipeline
        self.data = data
        self.options = options
        self.diags: list[Diagnostic] = []
        self.defaults = default_env(data)
        self.number = 0
        self._reported: set[tuple[Pos, str]] = set()
        self._name_pos: dict[int, Pos] = {}
        self._verdicts: dict[VerdictKey, Verdict] = {}
        """A verdict reached with no diagnostic, by what it was reached from (verdict_key)."""
        self._plain_envs: dict[tuple[int, bool], dict[str, str]] = {}
        """A stage's (by id; it outlives the compile) merged environment for its steps with
        none of their own, by ``detach``: see _step_env."""
        """Where each planned stage's name is written (its `name:`, else its key)."""

    # -- substitution ------------------------------------------------------------------------

    def _subst(
        self,
        text: str,
        lookup: Callable[[str], str],
        where: str,
        pos: Pos,
        texts: Texts = (),
    ) -> str:
        """``text`` with variables substituted. On an error, one diagnostic at the first of
        ``texts`` that knows where ``text`` is written, else at ``pos``: a bad value in an
        environment that many containers inherit is reported once, as that environment's."""
        if "$" not in text and "\\" not in text:
            return text  # envsubst would leave it as it is
        try:
            return plainrefs.substitute(text, lookup)
        except VelarunError as exc:  # envsubst's SubstitutionError (the port loads lazily)
            from velarun.compile.envsubst import SubstitutionError

            if not isinstance(exc, SubstitutionError):
                raise
            hint = "write `$${` for a literal `${`"
            if "${{" in text:
                hint = (
                    "Vela has no `${{ ... }}` expressions; write `$${{ ... }}` to pass the text"
                    " through literally"
                )
            at, place = next(((t[text], label) for t, label in texts if text in t), (pos, ""))
            if (at, text) not in self._reported:
                self._reported.add((at, text))
                message = f"{place or where}: cannot substitute `{text}`: {exc}"
                self.diags.append(error(at, message, hint))
            return text

    def _subst_rules(
        self, rules: Rules, lookup: Callable[[str], str], where: str, texts: Texts
    ) -> Rules:
        if rules.empty():
            return rules
        changes: dict[str, object] = {}
        for key, values in zip(RULE_KEYS, rules.all_values(), strict=True):
            if values:
                pos = rules.key_pos.get(key, Pos(1, 1))
                done = tuple(self._subst(v, lookup, where, pos, texts) for v in values)
                if done != values:
                    changes[key] = done
        if rules.eval:
            done_eval = self._subst(rules.eval, lookup, where, rules.key_pos["eval"], texts)
            if done_eval != rules.eval:
                changes["eval"] = done_eval
        return dataclasses.replace(rules, **changes) if changes else rules  # type: ignore[arg-type]

    def _subst_ruleset(
        self, rs: Ruleset, lookup: Callable[[str], str], where: str, texts: Texts
    ) -> Ruleset:
        if rs.empty():
            return rs
        if_ = self._subst_rules(rs.if_, lookup, where, texts)
        unless = self._subst_rules(rs.unless, lookup, where, texts)
        if if_ is rs.if_ and unless is rs.unless:
            return rs  # nothing to substitute: the ruleset as written
        return dataclasses.replace(rs, if_=if_, unless=unless)

    # -- rulesets ----------------------------------------------------------------------------

    def _verdict(
        self, ruleset: Ruleset, where: str, env: Mapping[str, str] | None = None
    ) -> Verdict | None:
        key = verdict_key(ruleset)
        if key is not None and (known := self._verdicts.get(key)) is not None:
            return known  # the same rules as an earlier container's: checked and decided there
        before = len(self.diags)
        found = verdict(ruleset, self.data, where, self.diags, env)
        if key is not None and found is not None and len(self.diags) == before:
            self._verdicts[key] = found
        return found

    # -- steps -------------------------------------------------------------------------------

    def step(self, step: Step, stage: Stage | None, pruned: list[Pruned]) -> PlannedStep | None:
        where = f"step `{step.name}`"
        if step.template is not None:
            self._templated(step, stage, pruned)
            return None
        env, plain = self._step_env(step, stage)
        lookup = _mapper(env)

        # Innermost first: a value written in the step, then its stage's and the pipeline's
        # environment (where inherited variables come from).
        texts: Texts = ((step.text_pos, ""), (self.p.text_pos, _TOP_ENV))
        if stage is not None:
            stage_env = (stage.text_pos, f"the environment of stage `{stage.name}`")
            texts = (texts[0], stage_env, texts[1])

        def sub(text: str, key: str) -> str:
            return self._subst(text, lookup, where, step.key_pos.get(key, step.pos), texts)

        ruleset = self._subst_ruleset(step.ruleset, lookup, where, texts)
        # The server substitutes the step, environment included, before it purges; eval
        # rules read that environment.
        environment = (
            plain
            if plain is not None
            else {k: sub(v, "environment") if "$" in v or "\\" in v else v for k, v in env.items()}
        )
        verdict = self._verdict(ruleset, where, environment)
        stage_name = stage.name if stage is not None else None
        if verdict is None:
            return None
        if not verdict.keep:
            pruned.append(Pruned("step", step.name, stage_name, verdict.reason, verdict.checks))
            return None
        self.number += 1
        return PlannedStep(
            name=sub(step.name, "name"),
            stage=stage_name,
            image=self._image(step.image, sub(step.image, "image"), where, step.key_pos),
            pull=step.pull,
            commands=tuple(sub(c, "commands") for c in step.commands),
            entrypoint=tuple(sub(e, "entrypoint") for e in step.entrypoint),
            environment=environment,
            ruleset=ruleset,
            detach=step.detach,
            privileged=step.privileged,
            user=sub(step.user, "user"),
            ulimits=step.ulimits,
            volumes=tuple(
                Volume(sub(v.source, "volumes"), sub(v.destination, "volumes"), v.access_mode)
                for v in step.volumes
            ),
            secrets=step.secrets,
            number=self.number,
            runtime_note=runtime_rules(ruleset),
            checks=verdict.checks,
            pos=step.pos,
            origin=step.origin,
            artifacts=tuple(sub(a, "artifacts") for a in step.artifacts),
        )

    def _step_env(
        self, step: Step, stage: Stage | None
    ) -> tuple[Mapping[str, str], dict[str, str] | None]:
        """The step's merged environment, and the same as its plan's environment when nothing
        in it is to be substituted (the usual case: no look at each value). Steps with no
        environment or parameters of their own share one such mapping per stage (and
        ``detach``): it is never changed, and the plan's JSON writes it once."""
        key = (id(stage), step.detach) if not step.environment and not step.parameters else None
        if key is not None and (shared := self._plain_envs.get(key)) is not None:
            return shared, shared
        glob = self.p.environment if "steps" in self.p.metadata.environment else {}
        env = merge(
            glob,
            stage.environment if stage is not None else {},
            step.environment,
            self.defaults,
            {} if step.detach else self.options.extra_env,
            parameter_env(step.parameters),
        )
        values = "\0".join(env.values())
        if "$" in values or "\\" in values:
            return env, None
        if key is not None:
            self._plain_envs[key] = env
        return env, env

    def _image(self, written: str, image: str, where: str, key_pos: Mapping[str, Pos]) -> str:
        """An image substitution made into one no engine can parse: an error where written
        (one written so is reported by the loader)."""
        problem = image_problem(image) if "$" in written else None
        if problem is not None:
            self.diags.append(
                error(
                    key_pos.get("image", START),
                    f"{where}: image `{written}` becomes `{image}`, not a valid reference:"
                    f" {problem}",
                    "check the variables it uses; an image is `name[:tag]` in lowercase",
                )
            )
        return image

    def _templated(self, step: Step, stage: Stage | None, pruned: list[Pruned]) -> None:
        """A templated step left by the expand phase is one its ruleset pruned before the
        template was rendered (the server's order): it is said so, with the same verdict."""
        assert step.template is not None
        where = f"step `{step.name}`"
        verdict = self._verdict(step.ruleset, where)
        if verdict is not None and not verdict.keep:
            stage_name = stage.name if stage is not None else None
            reason = f"{verdict.reason} (its template `{step.template.name}` was not rendered)"
            pruned.append(Pruned("step", step.name, stage_name, reason, verdict.checks))
        elif verdict is not None:
            self.diags.append(
                error(
                    step.key_pos.get("template", step.pos),
                    f"{where} uses template `{step.template.name}`, which was not expanded",
                    "expand the pipeline before compiling it (velarun.compile.expand)",
                )
            )

    def service(self, svc: Service, pruned: list[Pruned]) -> PlannedService | None:
        where = f"service `{svc.name}`"
        glob = self.p.environment if "services" in self.p.metadata.environment else {}
        env = merge(glob, svc.environment, self.defaults)
        lookup = _mapper(env)

        texts: Texts = ((svc.text_pos, ""), (self.p.text_pos, _TOP_ENV))

        def sub(text: str, key: str) -> str:
            return self._subst(text, lookup, where, svc.key_pos.get(key, svc.pos), texts)

        ruleset = self._subst_ruleset(svc.ruleset, lookup, where, texts)
        environment = {k: sub(v, "environment") for k, v in env.items()}
        verdict = self._verdict(ruleset, where, environment)
        if verdict is None:
            return None
        if not verdict.keep:
            pruned.append(Pruned("service", svc.name, None, verdict.reason, verdict.checks))
            return None
        return PlannedService(
            name=svc.name,
            image=self._image(svc.image, sub(svc.image, "image"), where, svc.key_pos),
            pull=svc.pull,
            entrypoint=tuple(sub(e, "entrypoint") for e in svc.entrypoint),
            environment=environment,
            ports=svc.ports,
            ulimits=svc.ulimits,
            user=svc.user,
        )

    # -- the whole pipeline ------------------------------------------------------------------

    def run(self) -> Plan:
        pruned: list[Pruned] = []
        if self.p.metadata.render_inline:
            # The expand phase renders such a file first; compiling it unrendered (no steps,
            # an empty build that "succeeds") would not be what Vela runs.
            self.diags.append(
                error(
                    self.p.metadata.render_inline_pos or Pos(1, 1),
                    "`metadata.render_inline: true`: the pipeline was not rendered",
                    "expand the pipeline before compiling it (velarun.compile.expand)",
                )
            )
            return Plan(self.data, ())
        kept = [(svc, plan) for svc in self.p.services if (plan := self.service(svc, pruned))]
        self._duplicate_services([svc for svc, _ in kept])
        services = tuple(plan for _, plan in kept)
        if not self.p.stages:
            steps = tuple(
                s for step in self.p.steps if (s := self.step(step, None, pruned)) is not None
            )
            self._duplicates(steps)
            return Plan(
                self.data, (implicit_stage(steps),), services=services, pruned=tuple(pruned)
            )
        planned, dropped = self._stages(pruned)
        later = self._duplicate_stages(planned)
        self._duplicates(
            tuple(s for stage in planned if id(stage) not in later for s in stage.steps)
        )
        return Plan(
            self.data,
            stages=planned,
            services=services,
            pruned=tuple(pruned),
            dropped_needs=dropped,
        )

    def _stages(
        self, pruned: list[Pruned]
    ) -> tuple[tuple[PlannedStage, ...], tuple[DroppedNeed, ...]]:
        """The stages that keep a step, with their ``needs`` on stages that stay; the rest
        is added to ``pruned``, and every ``needs`` edge that no longer waits is returned."""
        kept: list[tuple[Stage, tuple[PlannedStep, ...]]] = []
        for stage in self.p.stages:
            steps = tuple(
                s for step in stage.steps if (s := self.step(step, stage, pruned)) is not None
            )
            if steps:
                kept.append((stage, steps))
            else:
                why = "every step was pruned" if stage.steps else "it has no steps"
                pruned.append(Pruned("stage", stage.name, None, why))
        present = {stage.name for stage, _ in kept}
        existed = {stage.name for stage in self.p.stages}
        planned: list[PlannedStage] = []
        dropped: list[DroppedNeed] = []
        for stage, steps in kept:
            needs: list[str] = []
            for need in stage.needs:
                if need in present:
                    if need not in needs and need != stage.name:
                        needs.append(need)
                elif need not in ("clone", "init"):
                    dropped.append(DroppedNeed(stage.name, need, need in existed))
            planned.append(
                PlannedStage(stage.name, tuple(needs), stage.independent, steps, stage.pos)
            )
            self._name_pos[id(planned[-1])] = stage.key_pos.get("name", stage.pos)
        return tuple(planned), tuple(dropped)

    def _duplicate_services(self, services: list[Service]) -> None:
        """After purge, service names must be unique (the server's ``ValidatePipeline``; a
        `render_inline` template may add a second `db`)."""
        seen: dict[str, Service] = {}
        for svc in services:
            first = seen.setdefault(svc.name, svc)
            if first is not svc:
                where = f"line {first.pos.line}"
                if first.pos.file:
                    where = f"{first.pos.file}:{first.pos.line}"
                self.diags.append(
                    error(
                        svc.pos,
                        f"service `{svc.name}` is defined twice (also at {where}) and the"
                        " rulesets keep both for this rule data",
                        "give each service a unique name",
                    )
                )

    def _duplicate_stages(self, stages: tuple[PlannedStage, ...]) -> set[int]:
        """After purge, stage names must be unique (the server's ``ValidatePipeline``); returns
        the ids of the later copies, whose steps are not checked again."""
        seen: dict[str, PlannedStage] = {}
        later: set[int] = set()
        for stage in stages:
            first = seen.setdefault(stage.name, stage)
            if first is not stage:
                later.add(id(stage))
                self.diags.append(
                    error(
                        self._name_pos.get(id(stage), stage.pos),
                        f"stage `{stage.name}` is defined twice (also at line {first.pos.line})"
                        " and the rulesets keep both for this rule data",
                        "give each stage a unique name",
                    )
                )
        return later

    def _duplicates(self, steps: tuple[PlannedStep, ...]) -> None:
        """After purge, ``<stage>_<step>`` keys must be unique (the server's
        ``ValidatePipeline``; Vela's own ``clone`` and ``init`` steps are not checked)."""
        seen: dict[str, PlannedStep] = {}
        for step in steps:
            if step.name in ("clone", "init"):
                continue
            key = f"{step.stage or ''}_{step.name}"
            first = seen.setdefault(key, step)
            if first is step:
                continue
            line = first.pos.line
            message = f"step `{step.name}` is defined twice (also at line {line})"
            hint = "give each step a unique name"
            if first.name != step.name:
                message = (
                    f"step `{step.name}` in stage `{step.stage}` collides with step"
                    f" `{first.name}` (line {line}): Vela keys steps as `<stage>_<step>`, both"
                    f" give `{key}`"
                )
                hint = "rename one of the steps or stages"
            self.diags.append(
                error(step.pos, f"{message} and the rulesets keep both for this rule data", hint)
            )


@gc_paused()
def compile_pipeline(
    pipeline: Pipeline,
    data: RuleData,
    options: CompileOptions | None = None,
    *,
    load_diagnostics: tuple[Diagnostic, ...] = (),
) -> CompileResult:
    compiler = _Compiler(pipeline, data, options or CompileOptions())
    plan = compiler.run()
    # A load warning that this rule data turns into an error (a duplicate name both copies
    # of which are kept, `render_inline`) is said once, as the error.
    errors_at = {d.pos for d in compiler.diags if d.is_error}
    kept = [d for d in load_diagnostics if d.is_error or d.pos not in errors_at]
    diags = tuple(sort_diagnostics([*kept, *compiler.diags]))
    if has_errors(diags):
        return CompileResult(None, diags)
    return CompileResult(dataclasses.replace(plan, diagnostics=diags), diags)
