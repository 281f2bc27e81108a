"""``velarun clean``: remove what crashed runs left on the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from velarun.cli.boundary import guarded
from velarun.errors import EnvironmentFailureError

RunIdOpt = Annotated[
    str | None, typer.Option("--run-id", help="Only this run's leftovers.", show_default=False)
]
IncludeRunningOpt = Annotated[
    bool,
    typer.Option("--include-running", help="Also remove runs whose velarun is still running."),
]


@guarded
def clean(run_id: RunIdOpt = None, include_running: IncludeRunningOpt = False) -> None:
    """Remove every container, image, network and volume that velarun runs left behind (crashes).
    Runs still in progress on this machine are left alone unless --include-running."""
    from velarun.runtime.docker import DockerRuntime
    from velarun.runtime.docker_clean import STUCK_HINT
    from velarun.runtime.docker_clean import clean as clean_engine

    probe = DockerRuntime(Path.cwd(), run_id or "clean")
    probe.connect()  # an unreachable engine: its own error, exit 3
    probe.close()
    done = clean_engine(run_id, include_running=include_running)
    typer.echo(
        f"removed {done.containers} containers, {done.networks} networks, {done.volumes} volumes"
        + (f", {done.images} images" if done.images else "")
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
        raise EnvironmentFailureError(
            "could not remove: " + "; ".join(done.problems),
            "check `docker info`; restarting the engine releases stale network endpoints",
        )
