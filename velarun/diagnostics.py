"""Positioned diagnostics: what is wrong, where (``file:line:col``), and how to fix it."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Pos:
    """A 1-based line and column in the pipeline file, or in ``file`` when it is set (a
    template, or what a template rendered)."""

    line: int
    column: int
    file: str = ""


START = Pos(1, 1)


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    pos: Pos
    severity: Severity
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self, path: str) -> str:
        where = self.pos.file or path
        head = f"{where}:{self.pos.line}:{self.pos.column}: {self.severity.value}: {self.message}"
        if self.hint:
            return f"{head}\n  hint: {self.hint}"
        return head

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "severity": self.severity.value,
            "message": self.message,
            "line": self.pos.line,
            "column": self.pos.column,
        }
        if self.pos.file:
            out["file"] = self.pos.file
        if self.hint:
            out["hint"] = self.hint
        return out


def error(pos: Pos, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(pos, Severity.ERROR, message, hint)


def warning(pos: Pos, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(pos, Severity.WARNING, message, hint)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By position; the order of discovery breaks ties (``sorted`` is stable)."""
    return sorted(diags, key=lambda d: d.pos)


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diags)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def count_line(diags: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diags if d.is_error)
    warnings = len(diags) - errors
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def render_all(diags: Sequence[Diagnostic], path: str) -> str:
    """Every diagnostic sorted by position, then the count line."""
    lines = [d.render(path) for d in sort_diagnostics(diags)]
    lines.append(count_line(diags))
    return "\n".join(lines)
