"""The app: the root options and one command per module, each module imported only when its
command runs (``velarun --help`` imports them all, for their summaries)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from velarun import __version__
from velarun.cli.args import Command, HelpWanted, Opt, UsageExit, fail_usage, parse_args
from velarun.cli.boundary import echo
from velarun.errors import ExitCode, UsageError

DOC = "Run Vela CI pipelines locally, with the Vela server's semantics."

MODULES = {
    "validate": "velarun.cli.validate",
    "plan": "velarun.cli.plan",
    "render": "velarun.cli.render",
    "exec": "velarun.cli.exec",
    "bench": "velarun.cli.bench",
    "clean": "velarun.cli.clean",
    "report": "velarun.cli.report",
}
"""Each command's module; it holds the command as ``COMMAND``."""

ROOT_OPTIONS = (
    Opt("version", ("--version",), "Print the version.", kind="flag"),
    Opt(
        "log_format",
        ("--log-format",),
        "velarun's own messages on stderr: console (plain lines) or json.",
        default="console",
        metavar="FORMAT",
    ),
)


def command(name: str) -> Command:
    found = importlib.import_module(MODULES[name]).COMMAND
    assert isinstance(found, Command)
    return found


def _root_help() -> str:
    from velarun.cli.helptext import root_help

    return root_help(DOC, ROOT_OPTIONS, [command(name) for name in MODULES])


def _root(argv: Sequence[str]) -> tuple[str, str, list[str]]:
    """The root options, then the command's name and its words."""
    log_format = "console"
    words = list(argv)
    while words and words[0].startswith("-"):
        word = words.pop(0)
        if word == "--version":
            echo(f"velarun {__version__}")
            raise SystemExit(ExitCode.OK)
        if word in ("--help", "-h"):
            sys.stdout.write(_root_help())
            raise SystemExit(ExitCode.OK)
        if word.startswith("--log-format="):
            log_format = word.split("=", 1)[1]
        elif word == "--log-format":
            if not words:
                raise UsageExit("Option '--log-format' requires an argument.", None)
            log_format = words.pop(0)
        else:
            raise UsageExit(f"No such option: {word}", None)
    if not words:
        sys.stderr.write(_root_help())
        raise SystemExit(ExitCode.INVALID)
    name = words.pop(0)
    if name not in MODULES:
        raise UsageExit(f"No such command '{name}'.", None)
    return log_format, name, words


class App:
    """``velarun [--version] [--log-format FORMAT] COMMAND [ARGS]...``"""

    def main(self, argv: Sequence[str] | None = None, obj: object = None) -> None:
        """Run the command line; ends with SystemExit (0 when the command returns)."""
        try:
            log_format, name, words = _root(sys.argv[1:] if argv is None else argv)
            if log_format not in ("console", "json"):
                bad = UsageError(f"--log-format `{log_format}` is not console or json")
                echo(bad.render(), err=True)
                raise SystemExit(ExitCode.INVALID)
            cmd = command(name)
            args = parse_args(cmd, words, obj)
        except UsageExit as exc:
            fail_usage(exc)
        except HelpWanted as wanted:
            from velarun.cli.helptext import command_help

            sys.stdout.write(command_help(wanted.command))
            raise SystemExit(ExitCode.OK) from None
        from velarun import log, startsignals

        if not cmd.takes_held_signals:
            startsignals.release()  # a stop held since start-up ends the command here (130)
        log.configure(log_format)
        cmd.run(args)
        raise SystemExit(ExitCode.OK)


app = App()
