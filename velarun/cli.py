"""The command line: ``velarun validate | plan | exec | clean`` and ``--version``.

Exit codes (DESIGN.md): 0 success, 1 build failed, 2 invalid pipeline or usage, 3 environment
failure, 4 internal error, 130 interrupted. No traceback reaches the user: an unexpected exception
is written to a file and reported in one line with exit 4.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from velarun import __version__

if TYPE_CHECKING:
    from collections.abc import Callable

    from velarun.compile.compiler import CompileResult
    from velarun.compile.plan import Plan
    from velarun.inputs import Given, HostInputs, ResolvedRuleData
    from velarun.load import LoadResult
    from velarun.load.model import Pipeline
    from velarun.output import OutputGone
    from velarun.runtime import Mount, Runtime
    from velarun.schedule import Reporter, RunOptions, RunOutcome

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4

app = typer.Typer(
    name="velarun",
    help="Run Vela CI pipelines locally, with the Vela server's semantics.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"velarun {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            help="velarun's own messages on stderr: console (plain lines) or json.",
        ),
    ] = "console",
) -> None:
    """Run Vela CI pipelines locally, with the Vela server's semantics."""
    from velarun import log

    if log_format not in ("console", "json"):
        raise _fail(f"--log-format `{log_format}` is not console or json")
    log.configure(log_format)


FileArg = Annotated[
    Path | None,
    typer.Argument(help="Pipeline file (default: .vela.yml, then .vela.yaml).", show_default=False),
]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="Pipeline file (same as the argument).", show_default=False),
]


# Rule-data flags, named as in `vela exec pipeline`, each also read from a VELA_* variable.
EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        "-e",
        envvar="VELA_EVENT",
        help="push, tag, pull_request[:action], comment[:action], deployment, schedule,"
        " delete:branch|tag (default push).",
        show_default=False,
    ),
]
BranchOpt = Annotated[
    str | None,
    typer.Option(
        "--branch", "-b", envvar="VELA_BRANCH", help="Branch (default main).", show_default=False
    ),
]
TagOpt = Annotated[
    str | None, typer.Option("--tag", envvar="VELA_TAG", help="Tag name.", show_default=False)
]
TargetOpt = Annotated[
    str | None,
    typer.Option("--target", envvar="VELA_TARGET", help="Deployment target.", show_default=False),
]
CommentOpt = Annotated[
    str | None,
    typer.Option(
        "--comment", "-c", envvar="VELA_COMMENT", help="PR comment body.", show_default=False
    ),
]
ChangesetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file-changeset",
        "--fcs",
        envvar="VELA_FILE_CHANGESET",
        help="Changed files for `path` rules; repeatable and comma-separated.",
        show_default=False,
    ),
]
RepoOpt = Annotated[
    str | None,
    typer.Option("--repo", envvar="VELA_REPO", help="Repository as org/name.", show_default=False),
]
EnvOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--env",
        help="KEY=VALUE added to every non-detached step (repeatable).",
        show_default=False,
    ),
]


EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--env-file", help="KEY=VALUE file added like --env (repeatable).", show_default=False
    ),
]
LocalEnvOpt = Annotated[
    bool,
    typer.Option(
        "--local-env",
        help="Pass the host environment into non-detached steps and allow secrets from it"
        " (off by default, as in Vela).",
    ),
]
NoGitOpt = Annotated[
    bool,
    typer.Option(
        "--no-git", envvar="VELARUN_NO_GIT", help="Do not derive rule data from the git repository."
    ),
]
ChangedSinceOpt = Annotated[
    str | None,
    typer.Option(
        "--changed-since",
        help="Changed files for `path` rules since this commit/ref (default: the merge-base"
        " with the default branch), plus uncommitted and untracked files.",
        show_default=False,
    ),
]
SkipStepOpt = Annotated[
    list[str] | None,
    typer.Option("--skip-step", help="Do not run this step (repeatable).", show_default=False),
]
StageOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--stage", help="Run this stage and the stages it needs (repeatable).", show_default=False
    ),
]
StepOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--step",
        help="Run this step and the stages its stage needs (repeatable).",
        show_default=False,
    ),
]


def _fail(message: str, hint: str | None = None, code: int = EXIT_INVALID) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"  hint: {hint}", err=True)
    return typer.Exit(code)


def _pipeline_path(arg: Path | None, opt: Path | None) -> Path:
    from velarun.load import find_pipeline

    if arg is not None and opt is not None and arg != opt:
        typer.echo("error: give the pipeline file once, as FILE or with --file", err=True)
        raise typer.Exit(EXIT_INVALID)
    chosen = arg or opt
    return chosen if chosen is not None else find_pipeline(Path("."))


@app.command()
def validate(file: FileArg = None, file_opt: FileOpt = None) -> None:
    """Check a pipeline and print every problem with its position. Exit 0 if valid, 2 if not."""
    from velarun.diagnostics import render_all
    from velarun.load import load_file

    path = _pipeline_path(file, file_opt)
    result = load_file(path)
    typer.echo(render_all(result.diagnostics, result.path))
    if not result.ok or result.pipeline is None:
        raise typer.Exit(EXIT_INVALID)
    p = result.pipeline
    parts = [f"{len(p.stages)} stages"] if p.stages else []
    parts.append(f"{len(p.all_steps())} steps")
    if p.services:
        parts.append(f"{len(p.services)} services")
    typer.echo(f"{result.path} is valid: {', '.join(parts)}")


def _given(ctx: typer.Context, name: str, value: str | None) -> Given:
    from velarun.inputs import Given

    # click's ParameterSource (typer vendors click, so compare by name, not by import).
    source = getattr(ctx.get_parameter_source(name), "name", "DEFAULT")
    if value is None or source in ("DEFAULT", "DEFAULT_MAP"):
        return Given(None, "default")
    return Given(value, "env" if source == "ENVIRONMENT" else "flag")


def _prepare(
    ctx: typer.Context,
    *,
    file: Path | None,
    file_opt: Path | None,
    env: list[str] | None,
    env_file: list[Path] | None,
    local_env: bool,
    no_git: bool,
    changed_since: str | None,
    skip_step: list[str] | None,
    stage: list[str] | None,
    step: list[str] | None,
    secrets: list[str] | None = None,
    secret_files: list[Path] | None = None,
) -> tuple[LoadResult, CompileResult, ResolvedRuleData, HostInputs]:
    """Rule data (with sources), host inputs, load, compile, select: exits 2 on any problem."""
    from velarun.compile.compiler import CompileOptions, compile_pipeline
    from velarun.compile.ruledata import split_changeset
    from velarun.compile.select import SelectionError, select
    from velarun.diagnostics import render_all
    from velarun.inputs import InputError, RuleInputs, host_inputs, resolve_ruledata
    from velarun.load import load_file

    params = ctx.params
    changeset = params.get("file_changeset")
    changeset_given = _given(ctx, "file_changeset", "x" if changeset else None)
    inputs = RuleInputs(
        event=_given(ctx, "event", params.get("event")),
        branch=_given(ctx, "branch", params.get("branch")),
        tag=_given(ctx, "tag", params.get("tag")),
        target=_given(ctx, "target", params.get("target")),
        comment=_given(ctx, "comment", params.get("comment")),
        changeset=split_changeset(changeset or []),
        changeset_source=changeset_given.source,
        repo=_given(ctx, "repo", params.get("repo")),
        changed_since=changed_since,
        use_git=not no_git,
    )
    try:
        resolved = resolve_ruledata(inputs, Path.cwd())
        host = host_inputs(
            env=env or [],
            env_files=env_file or [],
            secrets=secrets or [],
            secret_files=secret_files or [],
            local_env=local_env,
        )
    except InputError as exc:
        raise _fail(exc.message, exc.hint) from None
    path = _pipeline_path(file, file_opt)
    loaded = load_file(path)
    if not loaded.ok or loaded.pipeline is None:
        typer.echo(render_all(loaded.diagnostics, loaded.path), err=True)
        raise typer.Exit(EXIT_INVALID)
    result = compile_pipeline(
        loaded.pipeline,
        resolved.data,
        CompileOptions(extra_env=host.env),
        load_diagnostics=loaded.diagnostics,
    )
    if not result.ok or result.plan is None:
        typer.echo(render_all(result.diagnostics, loaded.path), err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        chosen = select(
            result.plan,
            skip_steps=tuple(skip_step or ()),
            stages=tuple(stage or ()),
            steps=tuple(step or ()),
        )
    except SelectionError as exc:
        raise _fail(exc.message, exc.hint) from None
    return loaded, replace(result, plan=chosen), resolved, host


@app.command()
def plan(
    ctx: typer.Context,
    file: FileArg = None,
    file_opt: FileOpt = None,
    event: EventOpt = None,
    branch: BranchOpt = None,
    tag: TagOpt = None,
    target: TargetOpt = None,
    comment: CommentOpt = None,
    file_changeset: ChangesetOpt = None,
    repo: RepoOpt = None,
    env: EnvOpt = None,
    env_file: EnvFileOpt = None,
    local_env: LocalEnvOpt = False,
    no_git: NoGitOpt = False,
    changed_since: ChangedSinceOpt = None,
    skip_step: SkipStepOpt = None,
    stage: StageOpt = None,
    step: StepOpt = None,
    output_format: Annotated[
        str,
        typer.Option("--format", help="text (for people) or json (the plan contract)."),
    ] = "text",
    explain_name: Annotated[
        str | None,
        typer.Option(
            "--explain",
            help="Explain the verdict for one step or stage: each rule, datum and result.",
            show_default=False,
        ),
    ] = None,
    events: Annotated[
        str | None,
        typer.Option(
            "--events",
            help="Truth table: which steps each event runs, e.g. push,pull_request,tag:v1.2.3.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compile the pipeline for the rule data and show what would run, what was pruned and why.

    Needs no Docker. Exit 0 with a plan, 2 if the pipeline or the rule data is invalid.
    """
    import json

    from velarun.compile.render import Style, explain, render_plan
    from velarun.diagnostics import render_all
    from velarun.gcpause import gc_paused
    from velarun.output import use_color

    if output_format not in ("text", "json"):
        raise _fail(f"--format `{output_format}` is not text or json")
    loaded, result, resolved, _ = _prepare(
        ctx,
        file=file,
        file_opt=file_opt,
        env=env,
        env_file=env_file,
        local_env=local_env,
        no_git=no_git,
        changed_since=changed_since,
        skip_step=skip_step,
        stage=stage,
        step=step,
    )
    compiled = result.plan
    assert compiled is not None and loaded.pipeline is not None
    for warning in resolved.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if events is not None:
        typer.echo(_truth_table(loaded.pipeline, resolved, events))
        return
    if explain_name is not None:
        text = explain(loaded.pipeline, compiled, explain_name)
        if text is None:
            names = sorted({s.name for s in loaded.pipeline.all_steps()})
            names += sorted(st.name for st in loaded.pipeline.stages)
            raise _fail(
                f"no step or stage is named `{explain_name}`",
                "names: " + ", ".join(f"`{n}`" for n in names),
            )
        typer.echo(text)
        return
    if output_format == "json":
        for line in resolved.header():
            typer.echo(line, err=True)
        with gc_paused():
            typer.echo(json.dumps(compiled.to_json(), indent=2))
        return
    if result.diagnostics:
        typer.echo(render_all(result.diagnostics, loaded.path), err=True)
    style = Style(color=use_color(sys.stdout))
    typer.echo(render_plan(compiled, loaded.path, style, header=resolved.header()))


def _truth_table(pipeline: Pipeline, resolved: ResolvedRuleData, spec: str) -> str:
    """Step x event: which steps each event would run (compile-time rules only)."""
    from velarun.compile.compiler import compile_pipeline
    from velarun.compile.ruledata import RuleDataError, build_ruledata

    columns: list[tuple[str, Plan]] = []
    base = resolved.data
    for raw in [e.strip() for e in spec.split(",") if e.strip()]:
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
            raise _fail(f"--events `{raw}`: {exc.message}", exc.hint) from None
        compiled = compile_pipeline(pipeline, data)
        if compiled.plan is None:
            raise _fail(f"--events `{raw}`: the pipeline does not compile for this event")
        columns.append((raw, compiled.plan))
    rows = [("STEP", *(c for c, _ in columns))]
    for stage in pipeline.stages or [None]:
        steps = stage.steps if stage is not None else pipeline.steps
        for st in steps:
            label = f"{stage.name}/{st.name}" if stage is not None else st.name
            cells = []
            for _, compiled_plan in columns:
                hit = next((p for p in compiled_plan.all_steps() if p.label == label), None)
                if hit is None:
                    cells.append("-")
                elif hit.runtime_note:
                    cells.append("runs*")
                else:
                    cells.append("runs")
            rows.append((label, *cells))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.append("")
    lines.append("runs: compiled in for that event; runs*: also has a status rule decided at run")
    lines.append("time; -: pruned. Other rule data as in the header of `velarun plan`.")
    return "\n".join(lines)


@app.command("exec")
def exec_(
    ctx: typer.Context,
    file: FileArg = None,
    file_opt: FileOpt = None,
    event: EventOpt = None,
    branch: BranchOpt = None,
    tag: TagOpt = None,
    target: TargetOpt = None,
    comment: CommentOpt = None,
    file_changeset: ChangesetOpt = None,
    repo: RepoOpt = None,
    env: EnvOpt = None,
    env_file: EnvFileOpt = None,
    local_env: LocalEnvOpt = False,
    no_git: NoGitOpt = False,
    changed_since: ChangedSinceOpt = None,
    skip_step: SkipStepOpt = None,
    stage: StageOpt = None,
    step: StepOpt = None,
    secret: Annotated[
        list[str] | None,
        typer.Option(
            "--secret", help="NAME=VALUE for a step secret (repeatable).", show_default=False
        ),
    ] = None,
    secret_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--secret-file", help="KEY=VALUE file of secrets (repeatable).", show_default=False
        ),
    ] = None,
    volume: Annotated[
        list[str] | None,
        typer.Option(
            "--volume",
            "-v",
            envvar="VELA_VOLUMES",
            help="SRC[:DST[:ro|rw]] mounted into every container (repeatable; default ro).",
            show_default=False,
        ),
    ] = None,
    privileged_images: Annotated[
        list[str] | None,
        typer.Option(
            "--privileged-images",
            envvar="VELA_PRIVILEGED_IMAGES",
            help="Images (globs) allowed to run privileged (repeatable, comma-separated).",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Write the run report JSON here, on every outcome.", show_default=False
        ),
    ] = None,
    output: Annotated[
        str,
        typer.Option("--output", help="text (prefixed logs) or jsonl (one JSON event per line)."),
    ] = "text",
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            help="Write JUnit XML here: a testsuite per stage, a testcase per step.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the pipeline locally, each step in its own Docker container, like the Vela server.

    Exit 0 if the build succeeds, 1 if a step fails, 2 for an invalid pipeline or missing
    secrets, 3 when Docker or an image is unavailable, 130 when interrupted.
    """
    import uuid

    from velarun.output import OutputGone
    from velarun.report import (
        CaptureReporter,
        ConsoleReporter,
        JsonlReporter,
        cannot_write,
        write_junit,
        write_report,
    )
    from velarun.runtime import EngineError
    from velarun.runtime.docker import DockerRuntime
    from velarun.schedule import BuildStatus, RunOptions, exit_code, not_started
    from velarun.secrets import Masker, all_values, describe_missing, resolve_secrets

    if output not in ("text", "jsonl"):
        raise _fail(f"--output `{output}` is not text or jsonl")
    for flag, results_path in (("--report", report), ("--junit", junit)):
        if results_path is not None and (problem := cannot_write(results_path)) is not None:
            raise _fail(
                f"{flag} {results_path}: {problem}", "choose a file in a directory you can write"
            )
    # Until the run's own handlers take over, SIGTERM and SIGHUP interrupt like Ctrl-C:
    # nothing exists yet.
    stops = _stop_signals()
    for signum in stops:
        if signum != signal.SIGINT:
            signal.signal(signum, signal.default_int_handler)
    compiled: Plan | None = None
    try:
        _, result, resolved, host = _prepare(
            ctx,
            file=file,
            file_opt=file_opt,
            env=env,
            env_file=env_file,
            local_env=local_env,
            no_git=no_git,
            changed_since=changed_since,
            skip_step=skip_step,
            stage=stage,
            step=step,
            secrets=secret,
            secret_files=secret_file,
        )
        compiled = result.plan
        assert compiled is not None
        secret_env, missing = resolve_secrets(compiled, host)
        if missing:
            typer.echo("error: " + describe_missing(missing), err=True)
            raise typer.Exit(EXIT_INVALID)
        masker = Masker(all_values(secret_env))
        gone = OutputGone()  # `velarun exec | head`: the reader of the output went away
        inner = (
            JsonlReporter(masker=masker, on_closed=gone)
            if output == "jsonl"
            else ConsoleReporter(masker=masker, on_closed=gone)
        )
        reporter = CaptureReporter(inner)
        for line in resolved.header():
            reporter.notice(line)
        for warning in resolved.warnings:
            reporter.notice(f"warning: {warning}")
        reporter.plan_ready(compiled.to_json())
        _announce_pruning(compiled, reporter)
        options = RunOptions(
            volumes=tuple(_volume(v) for v in volume or []),
            privileged_images=tuple(
                p.strip() for item in privileged_images or [] for p in item.split(",") if p.strip()
            ),
            secret_env=secret_env,
            masker=masker,
        )
        runtime = DockerRuntime(Path.cwd(), uuid.uuid4().hex[:12])
        try:
            runtime.connect()
        except EngineError as exc:
            outcome = not_started(compiled, exc.message, exc.hint or "")
        else:
            outcome = _run_with_signals(compiled, runtime, reporter, options, gone, stops)
            runtime.close()
    except KeyboardInterrupt:
        typer.echo("velarun: interrupted before any container was created", err=True)
        if report is not None:
            why = "interrupted"
            if compiled is None:
                why = "interrupted before the pipeline was compiled"
            canceled = not_started(compiled, why, status=BuildStatus.CANCELED)
            _write_results(lambda: write_report(report, canceled), "--report", report)
        raise typer.Exit(130) from None
    # The run is over and cleaned up: finish writing the results whatever arrives now.
    for signum in stops:
        signal.signal(signum, signal.SIG_IGN)
    reporter.build_finished(outcome)
    written = True
    if report is not None:
        written &= _write_results(lambda: write_report(report, outcome, masker), "--report", report)
    if junit is not None:
        lines = reporter.lines
        written &= _write_results(
            lambda: write_junit(junit, outcome, lines, masker), "--junit", junit
        )
    _exit(exit_code(outcome) if written else EXIT_ENVIRONMENT)


def _write_results(write: Callable[[], None], flag: str, path: Path) -> bool:
    """Write one results file; a failure (the disk filled up, the directory went away) is one
    line on stderr, not a traceback, and the run then exits 3."""
    try:
        write()
    except OSError as exc:
        typer.echo(f"velarun: {flag}: could not write `{path}`: {exc.strerror or exc}", err=True)
        return False
    return True


def _exit(code: int) -> NoReturn:
    """Exit with ``code``, even when a worker thread is still blocked in a Docker call that
    the run abandoned (a pull that never answers): the interpreter would wait for it."""
    import os
    import threading

    main = threading.main_thread()
    if any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise typer.Exit(code)


def _announce_pruning(compiled: Plan, reporter: Reporter) -> None:
    """Say what the rulesets removed before anything runs (Vela stays silent about it)."""
    from velarun.compile.render import hazards

    for pruned in compiled.pruned:
        where = f"{pruned.stage}/{pruned.name}" if pruned.stage else pruned.name
        reporter.notice(f"pruned {pruned.kind} {where}: {pruned.reason}")
    for hazard in hazards(compiled):
        reporter.notice(f"needs: {hazard}")


def _volume(text: str) -> Mount:
    from velarun.runtime import Mount

    parts = text.split(":")
    if len(parts) > 3 or not parts[0]:
        raise _fail(f"--volume `{text}` is not SRC[:DST[:ro|rw]]")
    source = str(Path(parts[0]).expanduser().resolve())
    dest = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    mode = parts[2] if len(parts) > 2 else "ro"
    if mode not in ("ro", "rw"):
        raise _fail(f"--volume `{text}`: mode must be ro or rw")
    if not dest.startswith("/"):
        raise _fail(
            f"--volume `{text}`: the path in the container, `{dest}`, must be absolute",
            f"write `{parts[0]}:/path/in/container`",
        )
    return Mount(source, dest, read_only=mode != "rw")


def _stop_signals() -> tuple[signal.Signals, ...]:
    """What stops a run: Ctrl-C, SIGTERM, and SIGHUP (the terminal closed) unless velarun was
    started with it ignored (`nohup velarun exec`)."""
    stops = [signal.SIGINT, signal.SIGTERM]
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        stops.append(signal.SIGHUP)
    return tuple(stops)


def _run_with_signals(
    plan: Plan,
    runtime: Runtime,
    reporter: Reporter,
    options: RunOptions,
    gone: OutputGone,
    stops: tuple[signal.Signals, ...],
) -> RunOutcome:
    """Run under anyio; the first of ``stops`` (SIGINT, SIGTERM, SIGHUP) cancels the run
    (cleanup still runs), a second one is acknowledged and cleanup continues, bounded in time.
    A signal that arrives during teardown still makes the build ``canceled``. So does the
    output's reader going away (``gone``: a closed pipe), as the SIGPIPE that would end
    another tool."""
    import anyio

    from velarun.schedule import BuildStatus, run_plan

    signalled: list[str] = []
    outcomes: list[RunOutcome] = []

    async def main() -> None:
        scope = anyio.CancelScope()
        # Opened before the run starts, so no signal can reach a default handler mid-run.
        with anyio.open_signal_receiver(*stops) as signals:
            async with anyio.create_task_group() as tg:

                async def watch() -> None:
                    async for signum in signals:
                        name = signal.Signals(signum).name
                        signalled.append(name)
                        if len(signalled) == 1:
                            reporter.notice(
                                f"{name}: stopping the build, killing containers, cleaning up"
                            )
                            scope.cancel()
                        else:
                            reporter.notice(
                                f"{name} again: cleanup is already bounded; removing what it can"
                            )

                def output_closed() -> None:
                    signalled.append("output closed")
                    if len(signalled) == 1:
                        reporter.notice(
                            "the output was closed (broken pipe): stopping the build, killing"
                            " containers, cleaning up"
                        )
                        scope.cancel()

                gone.then(output_closed)
                tg.start_soon(watch)
                outcomes.append(
                    await run_plan(plan, runtime, reporter, options, cancel_scope=scope)
                )
                tg.cancel_scope.cancel()
        for signum in stops:  # the receiver restored the defaults
            signal.signal(signum, signal.SIG_IGN)

    try:
        anyio.run(main)
    except KeyboardInterrupt:  # in the instant between the receiver's exit and the line above
        if not outcomes:
            raise
        signalled.append("SIGINT")
    outcome = outcomes[0]
    if signalled and outcome.status != BuildStatus.CANCELED:
        outcome = replace(outcome, status=BuildStatus.CANCELED)
    return outcome


@app.command()
def bench(
    steps: Annotated[int, typer.Option("--steps", "-n", min=1, help="Trivial steps to run.")] = 10,
    image: Annotated[
        str,
        typer.Option("--image", help="Image for the steps (pulled if not present)."),
    ] = "velarun-test/busybox:latest",
) -> None:
    """Time N trivial steps per phase on the local engine, next to bare Docker SDK cycles."""
    import os

    from velarun.bench import render, run_bench
    from velarun.runtime import EngineError

    # SIGTERM and SIGHUP as Ctrl-C: whichever SIGINT handler is active then (the event loop's
    # during velarun's run) cancels, and what was created is removed. A SIGINT ignored from
    # the start (a background job of a script) would swallow them: it interrupts here too.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in _stop_signals()[1:]:
        signal.signal(signum, lambda *_: os.kill(os.getpid(), signal.SIGINT))
    try:
        result = run_bench(steps, image)
    except EngineError as exc:
        raise _fail(exc.message, exc.hint, EXIT_ENVIRONMENT) from None
    except KeyboardInterrupt:
        typer.echo("velarun: bench interrupted; what it created is removed", err=True)
        raise typer.Exit(130) from None
    typer.echo(render(result))


@app.command()
def clean(
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", help="Only this run's leftovers.", show_default=False),
    ] = None,
    include_running: Annotated[
        bool,
        typer.Option("--include-running", help="Also remove runs whose velarun is still running."),
    ] = False,
) -> None:
    """Remove every container, network and volume that velarun runs left behind (crashes).
    Runs still in progress on this machine are left alone unless --include-running."""
    from velarun.runtime import EngineError
    from velarun.runtime.docker import STUCK_HINT, DockerRuntime
    from velarun.runtime.docker import clean as clean_engine

    probe = DockerRuntime(Path.cwd(), run_id or "clean")
    try:
        probe.connect()
    except EngineError as exc:
        raise _fail(exc.message, exc.hint, EXIT_ENVIRONMENT) from None
    probe.close()
    try:
        done = clean_engine(run_id, include_running=include_running)
    except EngineError as exc:
        raise _fail(exc.message, exc.hint, EXIT_ENVIRONMENT) from None
    typer.echo(
        f"removed {done.containers} containers, {done.networks} networks, {done.volumes} volumes"
        + (f" of run {run_id}" if run_id else "")
    )
    for name in done.stuck:
        typer.echo(
            f"velarun: network {name} is stuck: the engine lost count of its endpoints and"
            f" refuses to remove it; {STUCK_HINT}",
            err=True,
        )
    for running in done.running:
        typer.echo(
            f"velarun: left run {running} alone: the velarun running it is still running"
            " (stop it, or pass --include-running)",
            err=True,
        )
    if done.problems:
        raise _fail(
            "could not remove: " + "; ".join(done.problems),
            "check `docker info`; restarting the engine releases stale network endpoints",
            EXIT_ENVIRONMENT,
        )


def main() -> None:
    """Entry point: ``velarun`` and ``python -m velarun``."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # fast path: no command machinery needed
        print(f"velarun {__version__}")
        return
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # the boundary: an internal error is reported, never dumped
        with tempfile.NamedTemporaryFile(
            "w", prefix="velarun-crash-", suffix=".log", delete=False
        ) as log:
            traceback.print_exc(file=log)
        print(
            f"velarun: internal error; details in {log.name}. Please report it with that file.",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERNAL)
