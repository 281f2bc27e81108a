"""The build's time limit (``--timeout``), as the Vela worker applies the repository's timeout:
one deadline over the whole build (images, services, every stage), not per step; cleanup is
not subject to it. An interactive shell (``--shell-on-failure``, ``--break-before``) pauses it:
time spent at a prompt is the user's, not the build's.

The end of a run has its own limits (:class:`CleanupLimit`): whatever stops the build, the
set-up under way, stopping services, and removing everything are each shielded and bounded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

POLL = 0.5
"""How often a paused deadline looks again (seconds)."""
CLEANUP_SECONDS = 30.0
"""The time limit of each part of a run's end: the set-up, stopping services, removing."""


class Deadline:
    """``seconds`` from ``start()``; ``pause``/``resume`` move it by the time paused."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = 0.0
        self._paused_at: float | None = None
        self.expired = False

    def start(self) -> None:
        self._at = anyio.current_time() + self.seconds

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = anyio.current_time()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._at += anyio.current_time() - self._paused_at
            self._paused_at = None

    def remaining(self) -> float | None:
        """Seconds left; None while paused."""
        if self._paused_at is not None:
            return None
        return self._at - anyio.current_time()

    async def expiry(self) -> None:
        """Return when the deadline has passed (never while paused)."""
        while True:
            left = self.remaining()
            if left is not None and left <= 0:
                return
            await anyio.sleep(POLL if left is None else left)


async def within(
    deadline: Deadline | None, body: Callable[[], Awaitable[None]], on_expiry: Callable[[], None]
) -> None:
    """Run ``body``; when ``deadline`` passes first, call ``on_expiry`` and cancel the body
    (it then unwinds as on Ctrl-C: what runs is killed)."""
    if deadline is None:
        await body()
        return
    deadline.start()
    async with anyio.create_task_group() as tg:

        async def alarm() -> None:
            await deadline.expiry()
            deadline.expired = True
            on_expiry()
            tg.cancel_scope.cancel()

        tg.start_soon(alarm)
        await body()
        tg.cancel_scope.cancel()  # finished in time: the alarm goes


class CleanupLimit:
    """How long the end of a run may still take, for whoever asks while it goes on (a second
    Ctrl-C). After a stop, the run ends in parts that cancellation cannot cut short, each with
    its own limit of :data:`CLEANUP_SECONDS`: the set-up, if it is under way; stopping the
    services and detached steps; removing every container, the network and the volume. The
    bound is what is left of the part under way plus the limits of the parts after it."""

    def __init__(self) -> None:
        self._ends: float | None = None
        self._after = 2 * CLEANUP_SECONDS
        self._stop_by: float | None = None

    def _begin(self, after: float) -> float:
        self._ends, self._after = anyio.current_time() + CLEANUP_SECONDS, after
        return self._ends

    def setting_up(self) -> float:
        """The set-up begins: its deadline (event-loop time)."""
        return self._begin(2 * CLEANUP_SECONDS)

    def stopping(self) -> float:
        """Services and detached steps are being stopped: the deadline, the same each time
        it is asked (the stopping is one part however often it is entered)."""
        if self._stop_by is None:
            self._stop_by = self._begin(CLEANUP_SECONDS)
        return self._stop_by

    def removing(self) -> float:
        """Everything is being removed: the last part's deadline."""
        return self._begin(0.0)

    def seconds_left(self) -> float:
        """At most this many seconds more (in the event loop)."""
        if self._ends is None:
            return self._after
        return max(0.0, self._ends - anyio.current_time()) + self._after
