"""The exit codes of DESIGN.md and the one base of velarun's own errors.

A :class:`VelarunError` carries what is wrong (``message``), how to fix it (``hint``) and the
exit code the command ends with; the command line prints the first two and exits with the
third. A failed *step* is never an error: it is data in the run's outcome.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """How every velarun command ends (DESIGN.md "Exit codes")."""

    OK = 0
    FAILED = 1
    """The build failed: a step failed."""
    INVALID = 2
    """An invalid pipeline or usage; nothing ran."""
    ENVIRONMENT = 3
    """The environment failed: the engine unreachable, an image missing, a file unwritable."""
    INTERNAL = 4
    INTERRUPTED = 130


class VelarunError(Exception):
    """Base of velarun's errors: a message, an optional hint, and the exit code it means."""

    exit_code: ExitCode = ExitCode.INTERNAL
    recorded: bool = False
    """Already written to the run report (``exec --report``): the command line only prints it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """What the user reads: ``error: <message>`` and, when there is one, the hint."""
        text = f"error: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class UsageError(VelarunError):
    """What the user gave cannot be used (a flag's value, rule data, a selection): exit 2."""

    exit_code = ExitCode.INVALID


class EnvironmentFailureError(VelarunError):
    """Something outside the pipeline failed (the engine, an image, a file): exit 3."""

    exit_code = ExitCode.ENVIRONMENT
