"""The command line: ``velarun validate | plan | exec | clean`` and ``--version``.

Exit codes (DESIGN.md): 0 success, 1 build failed, 2 invalid pipeline or usage, 3 environment
failure, 4 internal error, 130 interrupted. No traceback reaches the user: an unexpected exception
is written to a file and reported in one line with exit 4.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from velarun import __version__

if TYPE_CHECKING:
    from velarun.compile.compiler import CompileResult
    from velarun.compile.plan import Plan
    from velarun.load import LoadResult
    from velarun.load.model import Volume
    from velarun.report import ConsoleReporter
    from velarun.runtime import Runtime
    from velarun.schedule import RunOptions, RunOutcome

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
) -> None:
    """Run Vela CI pipelines locally, with the Vela server's semantics."""


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


def _fail(message: str, hint: str | None = None, code: int = EXIT_INVALID) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"  hint: {hint}", err=True)
    return typer.Exit(code)


def _env_pairs(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _fail(f"--env `{item}` is not KEY=VALUE", "write --env NAME=value")
        out[key] = value
    return out


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


def _compile(
    file: Path | None,
    file_opt: Path | None,
    event: str | None,
    branch: str | None,
    tag: str | None,
    target: str | None,
    comment: str | None,
    file_changeset: list[str] | None,
    repo: str | None,
    env: list[str] | None,
) -> tuple[LoadResult, CompileResult]:
    """Rule data, load and compile; exits 2 with diagnostics on any problem."""
    from velarun.compile.compiler import CompileOptions, compile_pipeline
    from velarun.compile.ruledata import RuleDataError, build_ruledata, split_changeset
    from velarun.diagnostics import render_all
    from velarun.load import load_file

    try:
        data = build_ruledata(
            event=event,
            branch=branch,
            tag=tag,
            target=target,
            comment=comment,
            paths=split_changeset(file_changeset or []),
            repo=repo,
        )
    except RuleDataError as exc:
        raise _fail(exc.message, exc.hint) from None
    extra_env = _env_pairs(env)
    path = _pipeline_path(file, file_opt)
    loaded = load_file(path)
    if not loaded.ok or loaded.pipeline is None:
        typer.echo(render_all(loaded.diagnostics, loaded.path), err=True)
        raise typer.Exit(EXIT_INVALID)
    result = compile_pipeline(
        loaded.pipeline,
        data,
        CompileOptions(extra_env=extra_env),
        load_diagnostics=loaded.diagnostics,
    )
    if not result.ok or result.plan is None:
        typer.echo(render_all(result.diagnostics, loaded.path), err=True)
        raise typer.Exit(EXIT_INVALID)
    return loaded, result


@app.command()
def plan(
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
) -> None:
    """Compile the pipeline for the rule data and show what would run, what was pruned and why.

    Needs no Docker. Exit 0 with a plan, 2 if the pipeline or the rule data is invalid.
    """
    import json

    from velarun.compile.render import Style, explain, render_plan
    from velarun.diagnostics import render_all

    if output_format not in ("text", "json"):
        raise _fail(f"--format `{output_format}` is not text or json")
    loaded, result = _compile(
        file, file_opt, event, branch, tag, target, comment, file_changeset, repo, env
    )
    compiled = result.plan
    assert compiled is not None and loaded.pipeline is not None
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
        typer.echo(json.dumps(compiled.to_json(), indent=2))
        return
    if result.diagnostics:
        typer.echo(render_all(result.diagnostics, loaded.path), err=True)
    typer.echo(render_plan(compiled, loaded.path, Style(color=sys.stdout.isatty())))


@app.command("exec")
def exec_(
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
) -> None:
    """Run the pipeline locally, each step in its own Docker container, like the Vela server.

    Exit 0 if the build succeeds, 1 if a step fails, 2 for an invalid pipeline, 3 when Docker or
    an image is unavailable, 130 when interrupted.
    """
    import uuid

    from velarun.report import ConsoleReporter, write_report
    from velarun.runtime import RuntimeFailure
    from velarun.runtime.docker import DockerRuntime
    from velarun.schedule import RunOptions, exit_code, not_started

    _, result = _compile(
        file, file_opt, event, branch, tag, target, comment, file_changeset, repo, env
    )
    compiled = result.plan
    assert compiled is not None
    options = RunOptions(
        volumes=tuple(_volume(v) for v in volume or []),
        privileged_images=tuple(
            p.strip() for item in privileged_images or [] for p in item.split(",") if p.strip()
        ),
    )
    reporter = ConsoleReporter()
    _announce_pruning(compiled, reporter)
    run_id = uuid.uuid4().hex[:12]
    runtime = DockerRuntime(Path.cwd(), run_id)
    try:
        runtime.connect()
    except RuntimeFailure as exc:
        outcome = not_started(compiled, exc.message, exc.hint or "")
    else:
        outcome = _run_with_signals(compiled, runtime, reporter, options)
        runtime.close()
    reporter.summary(outcome)
    if report is not None:
        write_report(report, outcome)
    raise typer.Exit(exit_code(outcome))


def _announce_pruning(compiled: Plan, reporter: ConsoleReporter) -> None:
    """Say what the rulesets removed before anything runs (Vela stays silent about it)."""
    from velarun.compile.render import hazards

    for pruned in compiled.pruned:
        where = f"{pruned.stage}/{pruned.name}" if pruned.stage else pruned.name
        reporter.notice(f"pruned {pruned.kind} {where}: {pruned.reason}")
    for hazard in hazards(compiled):
        reporter.notice(f"needs: {hazard}")


def _volume(text: str) -> Volume:
    from velarun.load.model import Volume

    parts = text.split(":")
    if len(parts) > 3 or not parts[0]:
        raise _fail(f"--volume `{text}` is not SRC[:DST[:ro|rw]]")
    source = str(Path(parts[0]).expanduser().resolve())
    dest = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    mode = parts[2] if len(parts) > 2 else "ro"
    if mode not in ("ro", "rw"):
        raise _fail(f"--volume `{text}`: mode must be ro or rw")
    return Volume(source, dest, mode)


def _run_with_signals(
    plan: Plan, runtime: Runtime, reporter: ConsoleReporter, options: RunOptions
) -> RunOutcome:
    """Run under anyio; the first SIGINT/SIGTERM cancels the run (cleanup still runs), a
    second one is acknowledged and cleanup continues, bounded in time."""
    import signal

    import anyio

    from velarun.schedule import run_plan

    async def main() -> RunOutcome:
        scope = anyio.CancelScope()
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                    count = 0
                    async for signum in signals:
                        count += 1
                        name = signal.Signals(signum).name
                        if count == 1:
                            reporter.notice(
                                f"{name}: stopping the build, killing containers, cleaning up"
                            )
                            scope.cancel()
                        else:
                            reporter.notice(
                                f"{name} again: cleanup is already bounded; removing what it can"
                            )

            tg.start_soon(watch)
            outcome = await run_plan(plan, runtime, reporter, options, cancel_scope=scope)
            tg.cancel_scope.cancel()
        return outcome

    return anyio.run(main)


@app.command()
def clean(
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", help="Only this run's leftovers.", show_default=False),
    ] = None,
) -> None:
    """Remove every container, network and volume that velarun runs left behind (crashes)."""
    from velarun.runtime import RuntimeFailure
    from velarun.runtime.docker import DockerRuntime
    from velarun.runtime.docker import clean as clean_engine

    probe = DockerRuntime(Path.cwd(), run_id or "clean")
    try:
        probe.connect()
    except RuntimeFailure as exc:
        raise _fail(exc.message, exc.hint, EXIT_ENVIRONMENT) from None
    probe.close()
    containers, networks, volumes = clean_engine(run_id)
    typer.echo(
        f"removed {containers} containers, {networks} networks, {volumes} volumes"
        + (f" of run {run_id}" if run_id else "")
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
