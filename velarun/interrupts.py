"""What stops a run, and running a build so that whatever stops it still ends it cleanly.

Ctrl-C, SIGTERM and SIGHUP (the terminal closed; not when velarun was started under
``nohup``) cancel the build: containers are killed, cleanup runs (shielded, bounded in time),
the build is ``canceled``. A second signal is acknowledged while cleanup goes on, saying what
is still being removed and how long it may still take. So is the output's reader going away
(``velarun exec | head``): the SIGPIPE that would end another tool. Before all of this, from
the first instant of the process, :mod:`velarun.startsignals` holds the signals.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio

from velarun import startsignals
from velarun.output import OutputGone
from velarun.runtime import Leftovers

T = TypeVar("T")


def stop_signals() -> tuple[signal.Signals, ...]:
    """Ctrl-C, SIGTERM, and SIGHUP unless it was ignored from the start (``nohup``)."""
    stops = [signal.SIGINT, signal.SIGTERM]
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        stops.append(signal.SIGHUP)
    return tuple(stops)


Handlers = dict[signal.Signals, Any]


def interrupt_on(stops: tuple[signal.Signals, ...]) -> Handlers:
    """Until a run's own handling takes over, every stop signal interrupts like Ctrl-C (also
    one held since start-up: :func:`velarun.startsignals.raise_held`, called next, raises it).
    Returns the handlers it replaced, for :func:`restore`."""
    previous: Handlers = {}
    for signum in stops:
        if signum != signal.SIGINT or startsignals.holding(signum):
            previous[signum] = signal.signal(signum, signal.default_int_handler)
    return previous


def restore(previous: Handlers) -> None:
    """The handlers :func:`interrupt_on` replaced, back (the command ends without a run)."""
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def ignore(stops: tuple[signal.Signals, ...]) -> None:
    """The run is over and cleaned up: nothing may interrupt writing its results."""
    for signum in stops:
        signal.signal(signum, signal.SIG_IGN)


def finish_or_interrupt(
    call: Callable[[], None], stops: tuple[signal.Signals, ...], grace: float
) -> None:
    """``call()`` (blocking) in a thread, waited for where a stop can interrupt (as Ctrl-C). A
    stop does not abandon it at once: it may finish for ``grace`` seconds more (so what it was
    creating exists, and is known, when the caller sweeps), stops then ignored; then the
    ``KeyboardInterrupt`` goes on. ``call``'s own exception is raised here."""
    failed: list[BaseException] = []
    done = threading.Event()  # not Thread.join: one interrupted in 3.11 may think it ended

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the waiting thread
            failed.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="velarun-connect", daemon=True).start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        ignore(stops)
        done.wait(grace)
        raise
    if failed:
        raise failed[0]


def still_removing(left: Leftovers, seconds: float) -> str:
    """What a second Ctrl-C is told: ``still removing 3 containers, 1 network, 1 volume; at
    most 20 s more``."""
    what = left.describe()
    doing = f"still removing {what}" if what else "nothing left to remove"
    more = math.ceil(seconds)
    return f"{doing}; " + (f"at most {more} s more" if more > 0 else "ending now")


@dataclass
class Stopped:
    """Why a run was stopped from outside, in order: signal names or ``output closed``."""

    by: list[str] = field(default_factory=list)


def run_until_stopped(
    run: Callable[[anyio.CancelScope], Awaitable[T]],
    stops: tuple[signal.Signals, ...],
    gone: OutputGone,
    say: Callable[..., None],
    still: Callable[[], str] = lambda: "cleanup is already bounded; removing what it can",
) -> tuple[T, Stopped]:
    """Run ``run(scope)`` under anyio; the first stop cancels ``scope`` (the run cleans up and
    returns), later ones are acknowledged with what ``still()`` says is left (called in the
    event loop). ``say(event, **fields)`` tells the user (a reporter's ``notice``)."""
    stopped = Stopped()
    results: list[T] = []
    scopes: list[anyio.CancelScope] = []  # made inside the event loop

    def stop(why: str) -> None:
        stopped.by.append(why)
        if len(stopped.by) == 1:
            if why == "output closed":
                say("output_closed")
            else:
                say("stopping", signal=why)
            scopes[0].cancel()
        elif why != "output closed":
            say("stopping_again", signal=why, still=still())

    async def main() -> None:
        scope = anyio.CancelScope()
        scopes.append(scope)
        # Opened before the run starts, so no signal can reach a default handler mid-run.
        with anyio.open_signal_receiver(*stops) as signals:
            async with anyio.create_task_group() as tg:

                async def watch() -> None:
                    async for signum in signals:
                        stop(signal.Signals(signum).name)

                gone.then(lambda: stop("output closed"))
                tg.start_soon(watch)
                results.append(await run(scope))
                tg.cancel_scope.cancel()
        ignore(stops)  # the receiver restored the defaults

    try:
        anyio.run(main)
    except KeyboardInterrupt:  # in the instant between the receiver's exit and ignore()
        if not results:
            raise
        stopped.by.append("SIGINT")
    return results[0], stopped
