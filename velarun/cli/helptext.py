"""``--help``: a command's usage, its docstring, its argument and options, wrapped for reading.

Imported only when help is asked for (it needs ``textwrap``)."""

from __future__ import annotations

import inspect
import shutil
import textwrap
from collections.abc import Iterable

from velarun.cli.args import Command, Opt, usage_line

HELP_OPT = Opt("help", ("--help",), "Show this message and exit.", kind="flag")


def _width() -> int:
    return max(40, min(shutil.get_terminal_size((80, 24)).columns, 100) - 2)


def _paragraphs(doc: str) -> list[str]:
    text = inspect.cleandoc(doc)
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def summary(command: Command) -> str:
    """The docstring's first paragraph, for the list of commands."""
    parts = _paragraphs(command.help)
    return parts[0] if parts else ""


def _notes(opt: Opt) -> str:
    notes = []
    if opt.envvar:
        notes.append(f"[env var: {opt.envvar}]")
    if opt.default not in (None, False, ""):
        notes.append(f"[default: {opt.default}]")
    return opt.help + ("  " + "  ".join(notes) if notes else "")


def _term(opt: Opt) -> str:
    if not opt.flags:
        return opt.dest.upper()
    flags = sorted(opt.flags, key=lambda f: f.startswith("--"))  # -f, --file
    metavar = f" {opt.shown_metavar}" if opt.shown_metavar else ""
    return ", ".join(flags) + metavar


def _table(rows: Iterable[tuple[str, str]], width: int) -> list[str]:
    pairs = list(rows)
    column = min(max((len(t) for t, _ in pairs), default=0) + 2, 30)
    lines: list[str] = []
    for term, text in pairs:
        body = textwrap.wrap(text, max(20, width - column - 2), break_on_hyphens=False) or [""]
        if len(term) + 2 > column:
            lines.append(f"  {term}")
            lines += [" " * (column + 2) + b for b in body]
            continue
        lines.append(f"  {term.ljust(column)}{body[0]}")
        lines += [" " * (column + 2) + b for b in body[1:]]
    return lines


def command_help(command: Command) -> str:
    width = _width()
    out = [usage_line(command), ""]
    for para in _paragraphs(command.help):
        out += textwrap.wrap(
            para, width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
        )
        out.append("")
    argument = [o for o in command.options if not o.flags]
    if argument:
        out.append("Arguments:")
        out += _table(((_term(o), _notes(o)) for o in argument), width)
        out.append("")
    out.append("Options:")
    options = [o for o in command.options if o.flags] + [HELP_OPT]
    out += _table(((_term(o), _notes(o)) for o in options), width)
    return "\n".join(out) + "\n"


def root_help(doc: str, root_options: Iterable[Opt], commands: Iterable[Command]) -> str:
    width = _width()
    out = [usage_line(None), ""]
    for para in _paragraphs(doc):
        out += textwrap.wrap(
            para, width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
        )
        out.append("")
    out.append("Options:")
    out += _table(((_term(o), _notes(o)) for o in [*root_options, HELP_OPT]), width)
    out += ["", "Commands:"]
    out += _table(((c.name, summary(c)) for c in commands), width)
    return "\n".join(out) + "\n"
