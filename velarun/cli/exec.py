"""``velarun exec``: run the pipeline, each step in its own container, like the Vela server.

The command reads its options and hands them to :mod:`velarun.lifecycle` with the engine to
run on: Docker, unless the caller passes another through click's ``obj`` (``Deps``), as the
tests do with the FakeRuntime.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from velarun.cli.boundary import exit_now, guarded
from velarun.cli.options import with_prepare_options
from velarun.errors import UsageError, VelarunError
from velarun.inputs import PrepareRequest

if TYPE_CHECKING:
    from velarun.lifecycle import Engine, OpenRuntime
    from velarun.schedule.debug import DebugOptions

SecretOpt = Annotated[
    list[str] | None,
    typer.Option("--secret", help="NAME=VALUE for a step secret (repeatable).", show_default=False),
]
SecretFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--secret-file", help="KEY=VALUE file of secrets (repeatable).", show_default=False
    ),
]
VolumeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--volume",
        "-v",
        envvar="VELA_VOLUMES",
        help="SRC[:DST[:ro|rw]] mounted into every container (repeatable; default ro).",
        show_default=False,
    ),
]
PrivilegedOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--privileged-images",
        envvar="VELA_PRIVILEGED_IMAGES",
        help="Images (globs) allowed to run privileged (repeatable, comma-separated).",
        show_default=False,
    ),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report", help="Write the run report JSON here, on every outcome.", show_default=False
    ),
]
OutputOpt = Annotated[
    str, typer.Option("--output", help="text (prefixed logs) or jsonl (one JSON event per line).")
]
JunitOpt = Annotated[
    Path | None,
    typer.Option(
        "--junit",
        help="Write JUnit XML here: a testsuite per stage, a testcase per step.",
        show_default=False,
    ),
]
WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        help="What steps see at /vela/src: live (your tree, mounted; the default), copy (a copy"
        " of its tracked and untracked files), commit[=REF] (a clean checkout of HEAD or REF, as"
        " CI clones it; with --build, the build's commit is the default).",
        show_default=False,
    ),
]
ShellOnFailureOpt = Annotated[
    bool,
    typer.Option(
        "--shell-on-failure",
        help="When a step fails, open a shell where it died (its files, environment, mounts,"
        " network), then let the build finish. Needs a terminal.",
    ),
]
BreakBeforeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--break-before",
        help="Open a shell in STEP's image and environment before it starts; on exit it runs"
        " (stage/step or step; repeatable). Needs a terminal.",
        show_default=False,
    ),
]
ShellOpt = Annotated[
    str, typer.Option("--shell", help="The shell that --shell-on-failure and --break-before run.")
]

TimeoutOpt = Annotated[
    str,
    typer.Option(
        "--timeout",
        help="The build's time limit, as Vela's repository timeout: minutes (30) or a duration"
        " (90s, 1h30m); 0 for none. On expiry running steps are killed and the build errs.",
    ),
]
ParallelOpt = Annotated[
    int | None,
    typer.Option(
        "--parallel",
        help="Run at most N stages at once (default: no limit, as the server); needs kept.",
        show_default=False,
    ),
]
PullOpt = Annotated[
    str | None,
    typer.Option(
        "--pull",
        help="Pull policy over every step and service: always, not_present, on_start, never.",
        show_default=False,
    ),
]
PULL_POLICIES = ("always", "not_present", "on_start", "never")

ArtifactsDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--artifacts-dir",
        help="Keep steps' artifacts (`artifacts: {paths: [...]}`) in DIR/<run-id>/<step>/"
        " instead of .velarun/artifacts/<run-id>/<step>/ at the repository's root.",
        metavar="DIR",
        show_default=False,
    ),
]


NetworkModeOpt = Annotated[
    str,
    typer.Option(
        "--network-mode",
        help="pod: the steps of a stage share one sandbox's network namespace (fast);"
        " endpoint: every container gets its own endpoint on the build network.",
    ),
]
NETWORK_MODES = ("pod", "endpoint")


def docker_runtime(run_id: str, network_mode: str = "pod") -> Engine:
    from velarun.runtime.docker import DockerRuntime

    return DockerRuntime(Path.cwd(), run_id, network_mode=network_mode)


@dataclass(frozen=True, slots=True)
class Deps:
    """What ``exec`` runs on; ``runner.invoke(app, args, obj=Deps(...))`` replaces it."""

    open_runtime: OpenRuntime = docker_runtime
    run_id: str | None = None
    terminal: Callable[[], bool] = lambda: os.isatty(0)
    """Whether stdin is a terminal (a shell needs one)."""


P = ParamSpec("P")
R = TypeVar("R")


def reports_refusals(command: Callable[P, R]) -> Callable[P, R]:
    """A flag refused before the run starts (``--output``, ``--volume``, ``-f`` twice) is
    written to ``--report`` too, as every refusal is."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except VelarunError as exc:
            from velarun.lifecycle import record_refusal

            report = kwargs.get("report")
            record_refusal(report if isinstance(report, Path) else None, exc, None)
            raise

    return run


@guarded
@reports_refusals
@with_prepare_options
def exec_(
    ctx: typer.Context,
    request: PrepareRequest,
    secret: SecretOpt = None,
    secret_file: SecretFileOpt = None,
    volume: VolumeOpt = None,
    privileged_images: PrivilegedOpt = None,
    report: ReportOpt = None,
    output: OutputOpt = "text",
    junit: JunitOpt = None,
    workspace: WorkspaceOpt = None,
    timeout: TimeoutOpt = "30m",
    parallel: ParallelOpt = None,
    pull: PullOpt = None,
    artifacts_dir: ArtifactsDirOpt = None,
    shell_on_failure: ShellOnFailureOpt = False,
    break_before: BreakBeforeOpt = None,
    shell: ShellOpt = "/bin/sh",
    network_mode: NetworkModeOpt = "pod",
) -> None:
    """Run the pipeline locally, each step in its own Docker container, like the Vela server.

    Exit 0 if the build succeeds, 1 if a step fails, 2 for an invalid pipeline or missing
    secrets, 3 when Docker or an image is unavailable, 130 when interrupted.
    """
    from dataclasses import replace

    from velarun.durations import parse_timeout
    from velarun.inputs import parse_volume
    from velarun.lifecycle import ExecRequest, execute
    from velarun.schedule.debug import DebugOptions
    from velarun.workspace import parse_workspace

    check_choices(output, parallel, pull, network_mode)
    deps = ctx.obj if isinstance(ctx.obj, Deps) else Deps()
    open_runtime = deps.open_runtime
    if open_runtime is docker_runtime and network_mode != "pod":
        open_runtime = functools.partial(docker_runtime, network_mode=network_mode)
    debug = DebugOptions(shell_on_failure, tuple(break_before or ()), shell)
    check_terminal(debug, deps.terminal)
    exec_request = ExecRequest(
        replace(request, secrets=tuple(secret or ()), secret_files=tuple(secret_file or ())),
        volumes=tuple(parse_volume(v) for v in volume or []),
        privileged_images=tuple(
            p.strip() for item in privileged_images or [] for p in item.split(",") if p.strip()
        ),
        report=report,
        junit=junit,
        output=output,
        workspace=parse_workspace(workspace) if workspace is not None else None,
        timeout=parse_timeout(timeout),
        parallel=parallel,
        pull=pull,
        artifacts_dir=artifacts_dir,
        debug=debug if debug.wanted else None,
    )
    exit_now(execute(exec_request, open_runtime, run_id=deps.run_id))


def check_choices(output: str, parallel: int | None, pull: str | None, network_mode: str) -> None:
    """The flags with a fixed set of values: refused before anything runs (exit 2)."""
    if output not in ("text", "jsonl"):
        raise UsageError(f"--output `{output}` is not text or jsonl")
    if parallel is not None and parallel < 1:
        raise UsageError(
            f"--parallel {parallel}: at least one stage must run",
            "leave --parallel out for no limit",
        )
    if pull is not None and pull not in PULL_POLICIES:
        raise UsageError(f"--pull `{pull}` is not {', '.join(PULL_POLICIES[:-1])} or never")
    if network_mode not in NETWORK_MODES:
        raise UsageError(f"--network-mode `{network_mode}` is not pod or endpoint")


def check_terminal(debug: DebugOptions, terminal: Callable[[], bool]) -> None:
    """A shell needs a terminal on stdin: refused before anything runs (exit 2)."""
    from velarun.schedule.debug import DEFAULT_SHELL

    flags = [
        f
        for f, on in (
            ("--shell-on-failure", debug.shell_on_failure),
            ("--break-before", bool(debug.break_before)),
        )
        if on
    ]
    if not flags:
        if debug.shell != DEFAULT_SHELL:
            raise UsageError(
                "--shell is used only with --shell-on-failure or --break-before",
                "add one of them, or leave --shell out",
            )
        return
    if not terminal():
        raise UsageError(
            f"{' and '.join(flags)} needs a terminal on stdin, and stdin is not one",
            "run velarun from an interactive terminal, or leave the flag out",
        )
