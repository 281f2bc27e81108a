"""velarun's own messages (not step output): one line each on stderr, or structlog's JSON.

Every message is an event with a stable name and fields (``step_skipped`` with ``stage``,
``step``, ``reason``; the run id bound once per run with :func:`bind_run`), never a sentence
built in the code. ``console`` (default) renders each as one plain line,
``velarun: <sentence>``, from :data:`SENTENCES`, so a person reads it next to the step logs.
``json`` (``--log-format json``): one JSON object per line with the event, level, UTC
timestamp and the fields.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from velarun.output import write_to

_wanted = "console"
_configured = ""


class _StderrLogger:
    """Writes to whatever ``sys.stderr`` is at call time (test runners swap it)."""

    def msg(self, message: str) -> None:
        write_to(sys.stderr, message + "\n")  # a closed stderr is not worth a crash

    info = warning = error = msg


SENTENCES = {
    "rule_data": "rule data: {datum:<7} {value}  ({source})",
    "workspace": "workspace: {description}",
    "engine": "engine: {description}",
    "warning": "warning: {message}",
    "pruned": "pruned {kind} {name}: {reason}",
    "needs_changed": "needs: {hazard}",
    "step_skipped": "skipped {label}: {reason}",
    "step_ended": "{label} {status}: {reason}",
    "cleanup_failed": "cleanup: {error}",
    "exited_on_its_own": "{what} {name} exited on its own with code {code} after {after}",
    "shell_opened": "a shell ({shell}) in step {label}, {why}: `exit` or Ctrl-D leaves it and"
    " the build goes on",
    "shell_closed": "the shell in step {label} ended (exit {code}); the build goes on",
    "shell_failed": "could not open a shell in step {label}: {error}",
    "held_output_dropped": "{count} log lines of other steps were dropped while the shell was open"
    " (only the first {limit} are kept)",
    "stopping": "{signal}: stopping the build, killing containers, cleaning up",
    "stopping_again": "{signal} again: {still}",
    "artifacts": "{where} artifacts: {count} in {dir}",
    "artifacts_missing": "{where} artifacts: no file matches `{path}` (not a failure, as in Vela)",
    "artifacts_skipped": "{where} artifacts: left out {path}: {why}",
    "artifacts_failed": "{where} artifacts: not copied: {error}",
    "images_pulled": "{summary}",
    "output_closed": "the output was closed (broken pipe): stopping the build, killing"
    " containers, cleaning up",
}
"""How the console says each event; an event not listed is shown by its name."""


def sentence(event: str, fields: Mapping[str, Any]) -> str:
    """The event as a person reads it (without the ``velarun:`` prefix)."""
    template = SENTENCES.get(event)
    return template.format_map(fields) if template else event


class _Console:
    """The console format without structlog (whose import cost about 0.1 s of every run's
    start): each event one ``velarun: <sentence>`` line on stderr, fields bound as
    structlog's ``bind`` does."""

    __slots__ = ("fields",)

    def __init__(self, fields: Mapping[str, Any] | None = None) -> None:
        self.fields = dict(fields or {})

    def bind(self, **fields: Any) -> _Console:
        return _Console({**self.fields, **fields})

    def msg(self, event: str, **fields: Any) -> None:
        said = sentence(event, {**self.fields, **fields, "event": event})
        write_to(sys.stderr, f"velarun: {said}\n")  # a closed stderr is not worth a crash

    info = warning = error = msg


def bind_run(run_id: str) -> None:
    """Every message from here on carries ``run_id`` (in the JSON format; the console's
    sentences do not show it)."""
    if _wanted != "json":
        return
    import structlog

    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(run_id=run_id)


def configure(fmt: str = "console") -> None:
    """Choose the format. structlog itself is set up (and imported) at the first message, so
    commands that print none (``plan``, ``validate``) do not pay for it."""
    global _wanted
    _wanted = fmt


def get() -> Any:
    """The logger: the console's own, or structlog rendering JSON (imported only then)."""
    global _configured
    if _wanted != "json":
        return _Console()
    import structlog

    if _configured != _wanted:
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.JSONRenderer(),
            ],
            logger_factory=lambda *_: _StderrLogger(),
            cache_logger_on_first_use=False,
        )
        _configured = _wanted
    return structlog.get_logger()
