"""The command line's parser (velarun/cli/args.py): what each way of writing an option gives,
where each value came from, and the whole message of each usage mistake (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.cli.args import Args, Command, Opt, UsageExit, parse_args

runner = CliRunner()

OPTIONS = (
    Opt("file", (), "Pipeline file.", kind="path"),
    Opt("event", ("--event", "-e"), "Event.", envvar="T_EVENT"),
    Opt("fmt", ("--format",), "Format.", default="text"),
    Opt("labels", ("--label",), "Labels.", kind="strs", envvar="T_LABELS"),
    Opt("files", ("--env-file",), "Files.", kind="paths"),
    Opt("quiet", ("--quiet",), "Quiet.", kind="flag", envvar="T_QUIET", default=False),
    Opt("parallel", ("--parallel", "-n"), "N.", kind="int", minimum=1),
)
COMMAND = Command("try", "Try it.", OPTIONS, lambda args: None)
DEFAULTS: dict[str, object] = {
    "file": None,
    "event": None,
    "fmt": "text",
    "labels": [],
    "files": [],
    "quiet": False,
    "parallel": None,
}


@pytest.mark.parametrize(
    ("argv", "env", "values", "sources"),
    [
        ([], {}, {}, {}),
        (["p.yml"], {}, {"file": Path("p.yml")}, {"file": "flag"}),
        (["--event", "tag"], {}, {"event": "tag"}, {"event": "flag"}),
        (["--event=tag"], {}, {"event": "tag"}, {"event": "flag"}),
        (["-e", "tag"], {}, {"event": "tag"}, {"event": "flag"}),
        (["-etag"], {}, {"event": "tag"}, {"event": "flag"}),
        (["--event", "-x"], {}, {"event": "-x"}, {"event": "flag"}),
        (["--event", ""], {}, {"event": ""}, {"event": "flag"}),
        (["--event", "a", "--event", "b"], {}, {"event": "b"}, {"event": "flag"}),
        (["--label", "a", "--label=b c"], {}, {"labels": ["a", "b c"]}, {"labels": "flag"}),
        (["--env-file", "x.env"], {}, {"files": [Path("x.env")]}, {"files": "flag"}),
        (["--quiet"], {}, {"quiet": True}, {"quiet": "flag"}),
        (["-n", "3"], {}, {"parallel": 3}, {"parallel": "flag"}),
        (["--parallel", " 4 "], {}, {"parallel": 4}, {"parallel": "flag"}),
        (
            ["--quiet", "p.yml", "-e", "push"],
            {},
            {"quiet": True, "file": Path("p.yml"), "event": "push"},
            {"quiet": "flag", "file": "flag", "event": "flag"},
        ),
        (["--", "-p.yml"], {}, {"file": Path("-p.yml")}, {"file": "flag"}),
        (["-"], {}, {"file": Path("-")}, {"file": "flag"}),
        ([], {"T_EVENT": "pull_request"}, {"event": "pull_request"}, {"event": "env"}),
        ([], {"T_EVENT": ""}, {}, {}),
        (["-e", "tag"], {"T_EVENT": "push"}, {"event": "tag"}, {"event": "flag"}),
        ([], {"T_LABELS": "a b,c"}, {"labels": ["a", "b,c"]}, {"labels": "env"}),
        ([], {"T_QUIET": "1"}, {"quiet": True}, {"quiet": "env"}),
        ([], {"T_QUIET": "Off"}, {"quiet": False}, {"quiet": "env"}),
        ([], {"T_QUIET": " yes "}, {"quiet": True}, {"quiet": "env"}),
    ],
)
def test_values_and_their_sources(
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    values: dict[str, object],
    sources: dict[str, str],
) -> None:
    for name in ("T_EVENT", "T_LABELS", "T_QUIET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    args = parse_args(COMMAND, argv, obj="deps")
    assert (args.values, args.sources, args.obj) == ({**DEFAULTS, **values}, sources, "deps")


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--nope"], {}, "No such option: --nope"),
        (["--evnt", "x"], {}, "No such option: --evnt (Possible options: --event, --quiet)"),
        (["--event"], {}, "Option '--event' requires an argument."),
        (["-e"], {}, "Option '-e' requires an argument."),
        (["--quiet=1"], {}, "Option '--quiet' does not take a value."),
        (["a", "b", "c"], {}, "Got unexpected extra argument(s) (b c)"),
        (["-n", "x"], {}, "Invalid value for '--parallel' / '-n': 'x' is not a valid integer."),
        (["-n", "0"], {}, "Invalid value for '--parallel' / '-n': 0 is not in the range x>=1."),
        ([], {"T_QUIET": "maybe"}, "Invalid value for '--quiet': 'maybe' is not a valid boolean."),
    ],
)
def test_usage_mistakes(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UsageExit) as caught:
        parse_args(COMMAND, argv)
    assert (caught.value.message, caught.value.command) == (message, COMMAND)


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        (
            ["plan", "--bogus"],
            "Usage: velarun plan [OPTIONS] [FILE]\nTry 'velarun plan --help' for help.\n\n"
            "Error: No such option: --bogus\n",
        ),
        (
            ["exec", "--parallel", "x"],
            "Usage: velarun exec [OPTIONS] [FILE]\nTry 'velarun exec --help' for help.\n\n"
            "Error: Invalid value for '--parallel': 'x' is not a valid integer.\n",
        ),
        (
            ["bench", "-n", "0"],
            "Usage: velarun bench [OPTIONS]\nTry 'velarun bench --help' for help.\n\n"
            "Error: Invalid value for '--steps' / '-n': 0 is not in the range x>=1.\n",
        ),
        (
            ["frob"],
            "Usage: velarun [OPTIONS] COMMAND [ARGS]...\nTry 'velarun --help' for help.\n\n"
            "Error: No such command 'frob'.\n",
        ),
        (
            ["--nope", "plan"],
            "Usage: velarun [OPTIONS] COMMAND [ARGS]...\nTry 'velarun --help' for help.\n\n"
            "Error: No such option: --nope\n",
        ),
        (
            ["--log-format"],
            "Usage: velarun [OPTIONS] COMMAND [ARGS]...\nTry 'velarun --help' for help.\n\n"
            "Error: Option '--log-format' requires an argument.\n",
        ),
        (["--log-format", "xml", "plan"], "error: --log-format `xml` is not console or json\n"),
    ],
)
def test_usage_mistakes_on_the_command_line(argv: list[str], stderr: str) -> None:
    result = runner.invoke(app, argv)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", stderr)


def test_no_command_prints_the_help_and_is_a_usage_mistake() -> None:
    result = runner.invoke(app, [])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(
        "Usage: velarun [OPTIONS] COMMAND [ARGS]...\n\n"
        "  Run Vela CI pipelines locally, with the Vela server's semantics.\n\n"
        "Options:\n"
    )


def test_help_lists_every_command_and_every_option_once() -> None:
    from velarun.cli.commands import MODULES, command

    root = runner.invoke(app, ["--help"])
    assert root.exit_code == 0
    listed = [line.split()[0] for line in root.stdout.split("Commands:\n")[1].splitlines()]
    assert [name for name in listed if name in MODULES] == list(MODULES)
    for name in MODULES:
        result = runner.invoke(app, [name, "--help"])
        assert (result.exit_code, result.stderr) == (0, "")
        assert result.stdout.startswith(f"Usage: velarun {name} [OPTIONS]")
        for opt in command(name).options:
            for flag in opt.flags:
                assert result.stdout.count(f" {flag}") >= 1, (name, flag)


def test_plan_help_shows_flags_variables_and_defaults() -> None:
    text = runner.invoke(app, ["plan", "--help"]).stdout
    assert "  -e, --event EVENT " in text
    assert "  --file-changeset, --fcs FILES" in text
    words = " ".join(text.split())
    assert "(default push). [env var: VELA_EVENT]" in words
    assert "what was pruned dashed. [default: text]" in words
    assert text.endswith("  --help" + " " * 24 + "Show this message and exit.\n")


def test_args_accessors() -> None:
    args = Args(
        {"s": "x", "n": None, "l": ["a"], "p": Path("f"), "ps": [Path("g")], "f": True, "i": 2},
        {"s": "flag"},
    )
    got = (
        args.text("s"),
        args.maybe_text("n"),
        args.texts("l"),
        args.path("p"),
        args.paths("ps"),
        args.flag("f"),
        args.number("i"),
        args.source("s"),
        args.source("n"),
    )
    assert got == ("x", None, ["a"], Path("f"), [Path("g")], True, 2, "flag", "default")
