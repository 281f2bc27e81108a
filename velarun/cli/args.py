"""The command line's parser: options declared as data, parsed the way click parses them.

velarun used typer, whose import (click vendored, then a pydantic ``TypeAdapter`` per
parameter) cost about 0.15 s on every run, three times the interpreter's own start. This is the
little velarun needs of it, importing nothing beyond ``os`` and ``sys`` until help or an error
is printed:

- ``--name VALUE``, ``--name=VALUE``, ``-n VALUE``, ``-nVALUE``; a value is the next word even
  when it starts with ``-`` (``--comment -x``); ``--`` ends the options; options and the
  argument may come in any order; an option given twice keeps the last value, unless repeatable;
- a ``VELA_*`` variable stands in for a missing option (empty means unset; repeatable options
  split it at whitespace, boolean flags read ``1/true/yes/on`` and ``0/false/no/off``), and
  where each value came from (``flag``, ``env``, ``default``) is kept;
- ``--help`` asks for the command's help (:mod:`~velarun.cli.helptext`); a usage mistake
  prints ``Usage:``, a ``Try`` line and ``Error: ...`` on stderr and exits 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NoReturn

from velarun.errors import ExitCode

Kind = Literal["str", "int", "path", "flag", "strs", "paths"]
Value = str | int | bool | Path | list[str] | list[Path] | None
PROG = "velarun"


@dataclass(frozen=True, slots=True)
class Opt:
    """One option (or, with no ``flags``, the positional argument) of a command."""

    dest: str
    flags: tuple[str, ...]
    help: str
    kind: Kind = "str"
    envvar: str | None = None
    default: str | int | bool | None = None
    metavar: str = ""
    minimum: int | None = None

    @property
    def repeatable(self) -> bool:
        return self.kind in ("strs", "paths")

    @property
    def label(self) -> str:
        """How errors name it: ``'--steps' / '-n'`` as click says it."""
        return " / ".join(f"'{f}'" for f in self.flags) if self.flags else self.dest.upper()

    @property
    def shown_metavar(self) -> str:
        if self.kind == "flag":
            return ""
        return self.metavar or {"int": "N", "path": "PATH", "paths": "PATH"}.get(self.kind, "TEXT")


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    """The docstring: its first paragraph is the summary in ``velarun --help``."""
    options: tuple[Opt, ...]
    run: Callable[[Args], None]
    takes_held_signals: bool = False
    """The command takes the stop signals held since start-up over itself (``exec``: its
    run says it was canceled); any other ends with exit 130 if one came before it starts."""


@dataclass(slots=True)
class Args:
    """A command's parsed values, where each came from, and the caller's ``obj``."""

    values: dict[str, Value]
    sources: dict[str, str] = field(default_factory=dict)
    obj: object = None

    def source(self, dest: str) -> str:
        """``flag``, ``env`` or ``default``."""
        return self.sources.get(dest, "default")

    def text(self, dest: str) -> str:
        value = self.values[dest]
        assert isinstance(value, str)
        return value

    def maybe_text(self, dest: str) -> str | None:
        value = self.values[dest]
        assert value is None or isinstance(value, str)
        return value

    def texts(self, dest: str) -> list[str]:
        value = self.values[dest]
        assert isinstance(value, list)
        return [str(v) for v in value]

    def path(self, dest: str) -> Path | None:
        value = self.values[dest]
        assert value is None or isinstance(value, Path)
        return value

    def paths(self, dest: str) -> list[Path]:
        value = self.values[dest]
        assert isinstance(value, list)
        return [Path(v) for v in value]

    def flag(self, dest: str) -> bool:
        return self.values[dest] is True

    def number(self, dest: str) -> int | None:
        value = self.values[dest]
        assert value is None or isinstance(value, int)
        return value


class UsageExit(Exception):
    """A usage mistake: printed as click prints it, exit 2."""

    def __init__(self, message: str, command: Command | None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command


class HelpWanted(Exception):
    """``--help`` among a command's words: its help is printed, exit 0."""

    def __init__(self, command: Command) -> None:
        super().__init__(command.name)
        self.command = command


def usage_line(command: Command | None) -> str:
    if command is None:
        return f"Usage: {PROG} [OPTIONS] COMMAND [ARGS]..."
    argument = next((o for o in command.options if not o.flags), None)
    arg = f" [{argument.dest.upper()}]" if argument is not None else ""
    return f"Usage: {PROG} {command.name} [OPTIONS]{arg}"


def fail_usage(exc: UsageExit) -> NoReturn:
    name = f" {exc.command.name}" if exc.command is not None else ""
    sys.stderr.write(
        f"{usage_line(exc.command)}\nTry '{PROG}{name} --help' for help.\n\nError: {exc.message}\n"
    )
    sys.stderr.flush()
    raise SystemExit(ExitCode.INVALID)


_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off")


def _convert(opt: Opt, raw: str, command: Command) -> Value:
    if opt.kind in ("path", "paths"):
        return Path(raw)
    if opt.kind == "int":
        try:
            number = int(raw.strip())
        except ValueError:
            raise UsageExit(
                f"Invalid value for {opt.label}: {raw!r} is not a valid integer.", command
            ) from None
        if opt.minimum is not None and number < opt.minimum:
            raise UsageExit(
                f"Invalid value for {opt.label}: {number} is not in the range x>={opt.minimum}.",
                command,
            )
        return number
    if opt.kind == "flag":
        word = raw.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise UsageExit(f"Invalid value for {opt.label}: {raw!r} is not a valid boolean.", command)
    return raw


class _Parser:
    def __init__(self, command: Command, argv: Sequence[str]) -> None:
        self.command = command
        self.argv = list(argv)
        self.by_flag = {f: o for o in command.options for f in o.flags}
        self.values: dict[str, Value] = {}
        self.sources: dict[str, str] = {}
        self.positional: list[str] = []

    def parse(self) -> tuple[dict[str, Value], dict[str, str]]:
        i = 0
        while i < len(self.argv):
            word = self.argv[i]
            i += 1
            if word == "--":
                self.positional += self.argv[i:]
                break
            if word in ("--help", "-h"):
                raise HelpWanted(self.command)
            if word.startswith("-") and word != "-":
                i = self._option(word, i)
            else:
                self.positional.append(word)
        self._argument()
        self._fill_defaults()
        return self.values, self.sources

    def _option(self, word: str, i: int) -> int:
        name, inline = word, None
        if word.startswith("--") and "=" in word:
            name, inline = word.split("=", 1)
        elif not word.startswith("--") and len(word) > 2:
            name, inline = word[:2], word[2:]
        opt = self.by_flag.get(name)
        if opt is None:
            raise UsageExit(self._no_such(name), self.command)
        if opt.kind == "flag":
            if inline is not None:
                raise UsageExit(f"Option '{name}' does not take a value.", self.command)
            self._set(opt, True)
            return i
        if inline is None:
            if i >= len(self.argv):
                raise UsageExit(f"Option '{name}' requires an argument.", self.command)
            inline, i = self.argv[i], i + 1
        self._set(opt, _convert(opt, inline, self.command))
        return i

    def _no_such(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, sorted(self.by_flag), n=3)
        if not close:
            return f"No such option: {name}"
        return f"No such option: {name} (Possible options: {', '.join(close)})"

    def _set(self, opt: Opt, value: Value) -> None:
        self.sources[opt.dest] = "flag"
        if opt.repeatable:
            current = self.values.setdefault(opt.dest, [])
            assert isinstance(current, list)
            current.append(value)  # type: ignore[arg-type]
        else:
            self.values[opt.dest] = value

    def _argument(self) -> None:
        argument = next((o for o in self.command.options if not o.flags), None)
        limit = 1 if argument is not None else 0
        if len(self.positional) > limit:
            extra = " ".join(self.positional[limit:])
            raise UsageExit(f"Got unexpected extra argument(s) ({extra})", self.command)
        if argument is not None and self.positional:
            self._set(argument, _convert(argument, self.positional[0], self.command))

    def _fill_defaults(self) -> None:
        for opt in self.command.options:
            if opt.dest in self.values:
                continue
            raw = os.environ.get(opt.envvar) if opt.envvar else None
            if raw:
                self.sources[opt.dest] = "env"
                parts = raw.split() if opt.repeatable else [raw]
                converted = [_convert(opt, p, self.command) for p in parts]
                self.values[opt.dest] = converted if opt.repeatable else converted[0]  # type: ignore[assignment]
                continue
            self.values[opt.dest] = [] if opt.repeatable else opt.default


def parse_args(command: Command, argv: Sequence[str], obj: object = None) -> Args:
    """``argv`` (what follows the command's name) as the command's values; raises UsageExit."""
    values, sources = _Parser(command, argv).parse()
    return Args(values, sources, obj)
