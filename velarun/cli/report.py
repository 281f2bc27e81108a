"""``velarun report REPORT.json --html FILE``: the page of a saved run, as ``exec --html``
writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from velarun.cli.args import Args, Command, Opt
from velarun.cli.boundary import echo, guarded
from velarun.errors import EnvironmentFailureError, UsageError

OPTIONS = (
    Opt(
        "report", (), "The run report JSON (what `velarun exec --report FILE` wrote).", kind="path"
    ),
    Opt(
        "html",
        ("--html",),
        "Write the run as one self-contained HTML page here (timeline, stage graph, logs).",
        kind="path",
    ),
)

_HINT = "pass the file `velarun exec --report FILE` wrote"


def read_report(path: Path) -> dict[str, Any]:
    """The report JSON object at ``path``; a missing, unreadable or invalid file is a
    UsageError (exit 2) naming the file."""
    from velarun.report.html import check_report

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", _HINT) from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a report file", _HINT) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a JSON file (not UTF-8 text)", _HINT) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror or exc}", _HINT) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}", _HINT
        ) from None
    problem = check_report(data)
    if problem is not None:
        raise UsageError(f"{path}: {problem}", _HINT)
    assert isinstance(data, dict)
    return data


@guarded
def report(args: Args) -> None:
    """Render a saved run report (`velarun exec --report FILE`) as one self-contained HTML page.

    Exit 0 when the page is written, 2 for a missing or invalid report or an unwritable
    --html, 3 when writing the page fails."""
    from velarun.report.document import cannot_write, write_text
    from velarun.report.html import render_page

    source, target = args.path("report"), args.path("html")
    if source is None:
        raise UsageError("no report file given", "velarun report REPORT.json --html FILE")
    if target is None:
        raise UsageError(
            "--html FILE is needed: the page is what `velarun report` writes",
            f"velarun report {source} --html report.html",
        )
    if (problem := cannot_write(target)) is not None:
        raise UsageError(
            f"--html {target}: {problem}", "choose a file in a directory you can write"
        )
    page = render_page(read_report(source))
    try:
        write_text(target, page, ".velarun-html-")
    except OSError as exc:
        raise EnvironmentFailureError(
            f"--html: could not write `{target}`: {exc.strerror or exc}"
        ) from None
    echo(f"wrote {target}")


COMMAND = Command("report", report.__doc__ or "", OPTIONS, report)
