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
from typing import TYPE_CHECKING

from velarun.cli.args import Args, Command, Opt
from velarun.cli.boundary import exit_now, guarded
from velarun.cli.options import PREPARE_OPTIONS, prepare_request
from velarun.errors import UsageError, VelarunError

if TYPE_CHECKING:
    from velarun.lifecycle import Engine, OpenRuntime
    from velarun.schedule.debug import DebugOptions

PULL_POLICIES = ("always", "not_present", "on_start", "never")

OPTIONS = (
    *PREPARE_OPTIONS,
    Opt(
        "secret",
        ("--secret",),
        "NAME=VALUE for a step secret (repeatable).",
        kind="strs",
        metavar="NAME=VALUE",
    ),
    Opt(
        "secret_file",
        ("--secret-file",),
        "KEY=VALUE file of secrets (repeatable).",
        kind="paths",
    ),
    Opt(
        "volume",
        ("--volume", "-v"),
        "SRC[:DST[:ro|rw]] mounted into every container (repeatable; default ro).",
        kind="strs",
        envvar="VELA_VOLUMES",
        metavar="SRC[:DST[:MODE]]",
    ),
    Opt(
        "privileged_images",
        ("--privileged-images",),
        "Images (globs) allowed to run privileged (repeatable, comma-separated).",
        kind="strs",
        envvar="VELA_PRIVILEGED_IMAGES",
        metavar="IMAGES",
    ),
    Opt(
        "report",
        ("--report",),
        "Write the run report JSON here, on every outcome.",
        kind="path",
    ),
    Opt(
        "html",
        ("--html",),
        "Write the run as one self-contained HTML page here (timeline, stage graph, logs),"
        " on every outcome.",
        kind="path",
    ),
    Opt(
        "output",
        ("--output",),
        "text (prefixed logs) or jsonl (one JSON event per line).",
        default="text",
        metavar="FORMAT",
    ),
    Opt(
        "junit",
        ("--junit",),
        "Write JUnit XML here: a testsuite per stage, a testcase per step.",
        kind="path",
    ),
    Opt(
        "workspace",
        ("--workspace",),
        "What steps see at /vela/src: live (your tree, mounted; the default), copy (a copy"
        " of its tracked and untracked files), commit[=REF] (a clean checkout of HEAD or REF, as"
        " CI clones it; with --build, the build's commit is the default).",
        metavar="MODE",
    ),
    Opt(
        "timeout",
        ("--timeout",),
        "The build's time limit, as Vela's repository timeout: minutes (30) or a duration"
        " (90s, 1h30m); 0 for none. On expiry running steps are killed and the build errs.",
        default="30m",
        metavar="DURATION",
    ),
    Opt(
        "parallel",
        ("--parallel",),
        "Run at most N stages at once (default: no limit, as the server); needs kept.",
        kind="int",
    ),
    Opt(
        "pull",
        ("--pull",),
        "Pull policy over every step and service: always, not_present, on_start, never.",
        metavar="POLICY",
    ),
    Opt(
        "artifacts_dir",
        ("--artifacts-dir",),
        "Keep steps' artifacts (`artifacts: {paths: [...]}`) in DIR/<run-id>/<step>/"
        " instead of .velarun/artifacts/<run-id>/<step>/ at the repository's root.",
        kind="path",
        metavar="DIR",
    ),
    Opt(
        "shell_on_failure",
        ("--shell-on-failure",),
        "When a step fails, open a shell where it died (its files, environment, mounts,"
        " network), then let the build finish. Needs a terminal.",
        kind="flag",
        default=False,
    ),
    Opt(
        "break_before",
        ("--break-before",),
        "Open a shell in STEP's image and environment before it starts; on exit it runs"
        " (stage/step or step; repeatable). Needs a terminal.",
        kind="strs",
        metavar="STEP",
    ),
    Opt(
        "shell",
        ("--shell",),
        "The shell that --shell-on-failure and --break-before run.",
        default="/bin/sh",
        metavar="SHELL",
    ),
    Opt(
        "network_mode",
        ("--network-mode",),
        "pod: the steps of a stage share one sandbox's network namespace (fast);"
        " endpoint: every container gets its own endpoint on the build network.",
        default="pod",
        metavar="MODE",
    ),
)
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


def reports_refusals(command: Callable[[Args], None]) -> Callable[[Args], None]:
    """A flag refused before the run starts (``--output``, ``--volume``, ``-f`` twice) is
    written to ``--report`` too, as every refusal is."""

    @functools.wraps(command)
    def run(args: Args) -> None:
        try:
            command(args)
        except VelarunError as exc:
            from velarun.lifecycle import record_refusal

            record_refusal(args.path("report"), exc, None, html=args.path("html"))
            raise

    return run


@guarded
@reports_refusals
def exec_(args: Args) -> None:
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

    request = prepare_request(args)
    output = args.text("output")
    parallel = args.number("parallel")
    pull = args.maybe_text("pull")
    workspace = args.maybe_text("workspace")
    network_mode = args.text("network_mode")
    check_choices(output, parallel, pull, network_mode)
    deps = args.obj if isinstance(args.obj, Deps) else Deps()
    open_runtime = deps.open_runtime
    if open_runtime is docker_runtime and network_mode != "pod":
        open_runtime = functools.partial(docker_runtime, network_mode=network_mode)
    debug = DebugOptions(
        args.flag("shell_on_failure"), tuple(args.texts("break_before")), args.text("shell")
    )
    check_terminal(debug, deps.terminal)
    exec_request = ExecRequest(
        replace(
            request,
            secrets=tuple(args.texts("secret")),
            secret_files=tuple(args.paths("secret_file")),
        ),
        volumes=tuple(parse_volume(v) for v in args.texts("volume")),
        privileged_images=tuple(
            p.strip()
            for item in args.texts("privileged_images")
            for p in item.split(",")
            if p.strip()
        ),
        report=args.path("report"),
        junit=args.path("junit"),
        html=args.path("html"),
        output=output,
        workspace=parse_workspace(workspace) if workspace is not None else None,
        timeout=parse_timeout(args.text("timeout")),
        parallel=parallel,
        pull=pull,
        artifacts_dir=args.path("artifacts_dir"),
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


COMMAND = Command("exec", exec_.__doc__ or "", OPTIONS, exec_, takes_held_signals=True)
