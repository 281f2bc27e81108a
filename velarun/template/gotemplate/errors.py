"""The one error of the template engine, worded as Go's ``text/template`` words it."""

from __future__ import annotations

from velarun.errors import ExitCode, VelarunError


class TemplateError(VelarunError):
    """A template failed to parse or to execute; ``message`` is Go's error text.

    ``line`` and ``col`` locate the failure in the template when Go's message does (parse
    errors carry a line only, execution errors a line and a byte column).
    """

    exit_code = ExitCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.line = line
        self.col = col
