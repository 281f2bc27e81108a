"""The build's time limit (``--timeout``), as the Vela worker applies the repository's timeout:
one deadline over the whole build (images, services, every stage), not per step; cleanup is
not subject to it. An interactive shell (``--shell-on-failure``, ``--break-before``) pauses it:
time spent at a prompt is the user's, not the build's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

POLL = 0.5
"""How often a paused deadline looks again (seconds)."""


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
