"""The live display at the bottom of a terminal (rich): a bar per image being pulled, then
the status line of the running steps, redrawn in place while the run's lines scroll above.

Imported only when :func:`velarun.report.progress.live_wanted` says so: a piped run never
loads rich. It is drawn on stderr; every line written while it is shown (the step logs on
stdout when that is a terminal too, velarun's own lines on stderr, whoever writes them)
passes through :meth:`LiveScreen.emit`, which blanks the display, writes the line and draws
the display again below it, under one lock, so the two never mix. Draws are at most about
every :data:`INTERVAL` seconds, except when a pull starts or ends; a ticker thread redraws
the elapsed times. When the display stops it leaves nothing behind.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO, cast

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.text import Text

from velarun import log
from velarun.report.progress import pull_detail, pull_summary, status_text
from velarun.runtime import PullProgress

INTERVAL = 0.15
"""Seconds between two draws (about 7 a second at most)."""


class Routed:
    """A text stream whose complete lines go through the screen (a partial line waits for
    its end, or for the screen to stop). One lock, the screen's, guards it and the drawing."""

    def __init__(self, screen: LiveScreen, stream: TextIO) -> None:
        self.screen = screen
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        self.screen.write(self, text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> Any:  # encoding, errors...
        return getattr(self.stream, name)


class LiveScreen:
    """The display: a :class:`velarun.runtime.PullObserver` for the bars, told by the
    console reporter which steps run. Use it as a context manager around the run."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        mask: Callable[[str], str] = str,
        clock: Callable[[], float] = time.monotonic,
        tick: float = INTERVAL,
    ) -> None:
        self.out, self.err = out, err
        self._mask = mask
        """Masks secrets out of what the display shows (an image's name)."""
        self._clock = clock
        self._tick_seconds = tick
        self._lock = threading.RLock()
        self._console = Console(file=err)
        # Not rich's own redirection of sys.stdout and sys.stderr (it re-renders what is
        # written): lines pass through ``emit`` unchanged.
        self._live = Live(
            Text(""),
            console=self._console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            console=self._console,
            auto_refresh=False,
        )
        self._tasks: dict[str, TaskID] = {}
        """The bars shown, by image; they stay, finished, until every pull has ended."""
        self._active: dict[str, int] = {}
        """Pulls going on, by image (two steps may pull one image at their starts)."""
        self._pulls_started = 0.0
        self._pulled: dict[str, int] = {}
        """Sizes of the images pulled since the bars appeared."""
        self._running: dict[str, float] = {}
        self._drawn = False
        self._shown: object = None
        """What the last draw showed (its texts): the ticker skips a draw that would not
        change it."""
        self._last_draw = 0.0
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="velarun-screen", daemon=True)
        self._routed: list[Routed] = []
        self._saved_stderr: TextIO | None = None

    def __enter__(self) -> LiveScreen:
        self._live.start()
        self._saved_stderr = sys.stderr
        routed = Routed(self, sys.stderr)
        self._routed.append(routed)
        sys.stderr = cast(TextIO, routed)
        self._ticker.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Take the display away (idempotent); what was routed goes straight out again."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._ticker.is_alive():
            self._ticker.join()
        with self._lock:
            self._live.update(Text(""), refresh=False)
            self._live.stop()
            if self._saved_stderr is not None:
                sys.stderr = self._saved_stderr
            for routed in self._routed:  # a partial line left: out now, below the logs
                text, routed.pending = routed.pending, ""
                self.emit(routed.stream, text)

    def route(self, stream: TextIO) -> TextIO:
        """``stream`` (the step logs' stdout) writing through the screen."""
        routed = Routed(self, stream)
        self._routed.append(routed)
        return cast(TextIO, routed)

    def write(self, routed: Routed, text: str) -> None:
        """What a routed stream is given: its complete lines now, the rest with the next."""
        with self._lock:
            whole, newline, routed.pending = (routed.pending + text).rpartition("\n")
            if newline:
                self.emit(routed.stream, whole + newline)

    def emit(self, stream: TextIO, text: str) -> None:
        """Write ``text`` (whole lines) above the display; errors of the write pass on."""
        if not text:
            return
        with self._lock:
            if self._stop.is_set():
                stream.write(text)
                stream.flush()
                return
            self._blank()
            stream.write(text)
            stream.flush()
            if self._clock() - self._last_draw >= INTERVAL:
                self._draw()

    # The running steps (from the console reporter).

    def step_started(self, label: str) -> None:
        with self._lock:
            self._running[label] = self._clock()

    def step_finished(self, label: str) -> None:
        with self._lock:
            self._running.pop(label, None)

    # PullObserver (from worker threads).

    def pull_started(self, image: str) -> None:
        with self._lock:
            if not self._tasks:
                self._pulls_started, self._pulled = self._clock(), {}
            self._active[image] = self._active.get(image, 0) + 1
            if image not in self._tasks:
                self._tasks[image] = self._progress.add_task(
                    self._mask(image), total=None, detail=pull_detail(PullProgress(image))
                )
            self._draw()

    def pull_progress(self, progress: PullProgress) -> None:
        with self._lock:
            self._update(progress)

    def pull_finished(self, progress: PullProgress, ok: bool) -> None:
        with self._lock:
            if self._stop.is_set():  # an abandoned pull, after the run
                return
            self._update(progress, finished=ok)
            self._draw()
            if ok:
                self._pulled[progress.image] = progress.bytes_total
            left = self._active.pop(progress.image, 1) - 1
            if left:
                self._active[progress.image] = left
            if self._active:
                return
            for task in self._tasks.values():
                self._progress.remove_task(task)
            self._tasks.clear()
            if self._pulled:
                seconds = self._clock() - self._pulls_started
                size = sum(self._pulled.values())
                said = pull_summary(len(self._pulled), size, seconds)
                # Through the logger (``--log-format json`` gets an event), which writes to
                # sys.stderr: routed here, under this same lock.
                log.get().info(
                    "images_pulled",
                    summary=said,
                    images=len(self._pulled),
                    size=size,
                    seconds=round(seconds, 3),
                )

    def _update(self, progress: PullProgress, *, finished: bool = False) -> None:
        task = self._tasks.get(progress.image)
        if task is None:
            return
        total = progress.bytes_total or None
        done = progress.bytes_done
        if finished:
            total = total or 1
            done = total
        self._progress.update(task, total=total, completed=done, detail=pull_detail(progress))

    # Drawing (under the lock).

    def _status(self) -> str:
        now = self._clock()
        running = [(label, now - since) for label, since in self._running.items()]
        return status_text(running, self._console.width)

    def _draw(self, *, unless_same: bool = False) -> None:
        if self._stop.is_set():
            return
        line = self._status()
        tasks = self._progress.tasks if self._tasks else []
        shown = (line, [(t.completed, t.total, t.fields.get("detail")) for t in tasks])
        if unless_same and self._drawn and shown == self._shown:
            return
        if not line and not tasks:
            self._blank()
            return
        parts: list[RenderableType] = [self._progress] if tasks else []
        if line:
            parts.append(Text(line, style="dim", no_wrap=True, overflow="ellipsis"))
        self._live.update(Group(*parts), refresh=True)
        self._drawn, self._shown = True, shown
        self._last_draw = self._clock()

    def _blank(self) -> None:
        if self._drawn and not self._stop.is_set():
            self._live.update(Text(""), refresh=True)
            self._drawn = False

    def _tick(self) -> None:
        while not self._stop.wait(self._tick_seconds):
            with self._lock:
                if self._stop.is_set():
                    return
                self._draw(unless_same=True)
