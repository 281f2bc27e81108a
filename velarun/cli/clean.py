"""``velarun clean``: remove what crashed runs left on the engine."""

from __future__ import annotations

from velarun.cli.args import Args, Command, Opt
from velarun.cli.boundary import echo, guarded
from velarun.errors import EnvironmentFailureError

OPTIONS = (
    Opt("run_id", ("--run-id",), "Only this run's leftovers.", metavar="ID"),
    Opt(
        "include_running",
        ("--include-running",),
        "Also remove runs whose velarun is still running.",
        kind="flag",
        default=False,
    ),
)


@guarded
def clean(args: Args) -> None:
    """Remove every container, image, network and volume that velarun runs left behind (crashes).
    Runs still in progress on this machine are left alone unless --include-running."""
    from velarun.runtime.docker_clean import STUCK_HINT
    from velarun.runtime.docker_clean import clean as clean_engine

    run_id = args.maybe_text("run_id")
    include_running = args.flag("include_running")

    from velarun.runtime.docker_errors import connect

    connect(timeout=60).close()  # an unreachable engine: its own error, exit 3
    done = clean_engine(run_id, include_running=include_running)
    echo(
        f"removed {done.containers} containers, {done.networks} networks, {done.volumes} volumes"
        + (f", {done.images} images" if done.images else "")
        + (f" of run {run_id}" if run_id else "")
    )
    for name in done.stuck:
        echo(
            f"velarun: network {name} is stuck: the engine lost count of its endpoints and"
            f" refuses to remove it; {STUCK_HINT}",
            err=True,
        )
    for running in done.running:
        echo(
            f"velarun: left run {running} alone: the velarun running it is still running"
            " (stop it, or pass --include-running)",
            err=True,
        )
    if done.problems:
        raise EnvironmentFailureError(
            "could not remove: " + "; ".join(done.problems),
            "check `docker info`; restarting the engine releases stale network endpoints",
        )


COMMAND = Command("clean", clean.__doc__ or "", OPTIONS, clean)
