"""The HTML page of a run: ANSI to HTML, the critical path, escaping, one bar per step, masking,
log tails, the stage graph's layers, and a golden page of a FakeRuntime run (times fixed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.report.ansi import ansi_to_html, lines_to_html
from velarun.report.document import LOG_TAIL_CHARS, LOG_TAIL_LINES, log_tail
from velarun.report.gantt import CriticalPath, critical_path, ticks
from velarun.report.html import check_report, render_page
from velarun.report.stagegraph import layers
from velarun.runtime.fake import FakeRuntime, FakeStep

runner = CliRunner()

ANSI_CASES = [
    ("plain", "plain"),
    ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
    ("\x1b[31mred\x1b[0m done", '<span class="c31">red</span> done'),
    ("\x1b[1;92mok\x1b[m", '<span class="b c92">ok</span>'),
    (
        "\x1b[1mbold \x1b[34mblue\x1b[22m thin",
        '<span class="b">bold </span><span class="b c34">blue</span><span class="c34"> thin</span>',
    ),
    ("\x1b[33my\x1b[39mx", '<span class="c33">y</span>x'),
    ("\x1b[38;5;196mx\x1b[4;41m y", "x y"),  # 256 colours, underline, backgrounds: stripped
    ("\x1b[2K\x1b[1Aup\x1b[?25l", "up"),  # cursor and erase: stripped
    ("\x1b]0;title\x07text", "text"),  # OSC title
    ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink: text only
    ("bell\x07 cr\r nul\x00 tab\tkept", "bell cr nul tab\tkept"),
    ("\x1b[31m<script>\x1b[0m", '<span class="c31">&lt;script&gt;</span>'),
    ("lone \x1b escape", "lone  escape"),
]


@pytest.mark.parametrize(("line", "expected"), ANSI_CASES)
def test_ansi_to_html(line: str, expected: str) -> None:
    assert ansi_to_html(line)[0] == expected


def test_a_colour_runs_on_into_the_next_line() -> None:
    assert lines_to_html(["\x1b[32mgreen", "still\x1b[0m", "plain"]) == (
        '<span class="c32">green</span>\n<span class="c32">still</span>\nplain'
    )


T0 = "2026-01-01T00:00:00.000Z"


def at(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"2026-01-01T00:00:{seconds:06.3f}Z"


def step(name: str, start: float | None, end: float | None, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "status": "success" if start is not None else "skipped",
        "started_at": at(start),
        "finished_at": at(end),
        **more,
    }


def stage(
    name: str,
    start: float | None,
    end: float | None,
    needs: list[str] | None,
    *steps: dict[str, Any],
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "started_at": at(start), "finished_at": at(end)}
    if needs is not None:
        out["needs"] = needs
    out["steps"] = list(steps)
    return out


def staged(*stages: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": "success",
        "started_at": T0,
        "finished_at": at(30),
        "stages": list(stages),
        "services": [],
    }


CRITICAL_CASES = [
    (
        "steps pipeline: the steps that ran, not skipped or detached ones",
        {
            "status": "success",
            "started_at": T0,
            "finished_at": at(9),
            "services": [],
            "steps": [
                step("a", 0, 2),
                step("bg", 2, 9, detach=True),
                step("b", 2, 5),
                step("c", None, None),
            ],
        },
        CriticalPath(("",), frozenset({"a", "b"})),
    ),
    (
        "back through the need that finished last",
        staged(
            stage("build", 0, 5, [], step("compile", 0, 5)),
            stage("lint", 0, 2, [], step("vet", 0, 2)),
            stage("test", 5, 9, ["build", "lint"], step("unit", 5, 9)),
            stage("docs", 0, 3, [], step("site", 0, 3)),
        ),
        CriticalPath(("build", "test"), frozenset({"build/compile", "test/unit"})),
    ),
    (
        "a tie between needs: the first of the needs",
        staged(
            stage("a", 0, 4, [], step("x", 0, 4)),
            stage("b", 0, 4, [], step("y", 0, 4)),
            stage("c", 4, 6, ["b", "a"], step("z", 4, 6)),
        ),
        CriticalPath(("b", "c"), frozenset({"b/y", "c/z"})),
    ),
    (
        "a tie for the last stage: the first in the report",
        staged(stage("a", 0, 4, [], step("x", 0, 4)), stage("b", 0, 4, [], step("y", 0, 4))),
        CriticalPath(("a",), frozenset({"a/x"})),
    ),
    (
        "a skipped stage at the end is on the chain, its steps are not",
        staged(
            stage("run", 0, 4, [], step("x", 0, 4)),
            stage("after", 4, 4.5, ["run"], step("never", None, None)),
        ),
        CriticalPath(("run", "after"), frozenset({"run/x"})),
    ),
    (
        "needs of stages not in the report (pruned) and never finished are ignored",
        staged(
            stage("a", 0, 1, [], step("x", 0, 1)),
            stage("b", None, None, [], step("y", None, None)),
            stage("c", 1, 3, ["gone", "b", "a"], step("z", 1, 3)),
        ),
        CriticalPath(("a", "c"), frozenset({"a/x", "c/z"})),
    ),
    (
        "an old report without needs: the last stage alone",
        staged(stage("a", 0, 2, None, step("x", 0, 2)), stage("b", 2, 5, None, step("y", 2, 5))),
        CriticalPath(("b",), frozenset({"b/y"})),
    ),
    (
        "nothing finished: no path",
        staged(stage("a", None, None, [], step("x", None, None))),
        CriticalPath((), frozenset()),
    ),
]


@pytest.mark.parametrize(("why", "report", "expected"), CRITICAL_CASES, ids=lambda c: str(c)[:40])
def test_critical_path(why: str, report: dict[str, Any], expected: CriticalPath) -> None:
    assert critical_path(report) == expected, why


def test_layers_of_the_stage_graph() -> None:
    edges = {"a": [], "b": ["a"], "c": ["a", "b"], "d": [], "e": ["d", "c"]}
    assert layers(edges) == {"a": 0, "b": 1, "c": 2, "d": 0, "e": 3}


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0.002, [0, 0.0005, 0.001, 0.0015, 0.002]),
        (7, [0, 1, 2, 3, 4, 5, 6, 7]),
        (45, [0, 10, 20, 30, 40]),
    ],
)
def test_ticks(total: float, expected: list[float]) -> None:
    assert ticks(total) == expected


def test_log_tail_keeps_the_end_within_lines_and_characters() -> None:
    lines = [f"line {i}" for i in range(LOG_TAIL_LINES + 5)]
    kept, omitted = log_tail(lines)
    assert (kept[0], kept[-1], len(kept), omitted) == (
        "line 5",
        f"line {LOG_TAIL_LINES + 4}",
        LOG_TAIL_LINES,
        5,
    )
    wide = ["x" * 1000] * 100
    kept, omitted = log_tail(wide, total=250)
    assert (len(kept), omitted) == (LOG_TAIL_CHARS // 1001, 250 - LOG_TAIL_CHARS // 1001)
    huge = "y" * (LOG_TAIL_CHARS + 10)
    assert log_tail(["a", huge]) == (["[...] " + "y" * LOG_TAIL_CHARS], 1)


def test_the_page_says_how_many_lines_are_not_kept() -> None:
    report = {
        "status": "success",
        "started_at": T0,
        "finished_at": at(2),
        "services": [],
        "steps": [step("a", 0, 1, log=["last"], log_omitted=41), step("b", 1, 2, log=["x"])],
    }
    page = render_page(report)
    assert page.count('class="note trunc"') == 1
    assert (
        '<p class="note trunc">41 earlier lines not kept: the report keeps the end of each'
        " step's log.</p><pre>last</pre>"
    ) in page


def test_names_and_logs_are_escaped() -> None:
    report = {
        "status": "failure",
        "started_at": T0,
        "finished_at": at(2),
        "services": [],
        "error": "<b>bold</b>",
        "stages": [
            stage(
                '<img src=x onerror="alert(1)">',
                0,
                1,
                [],
                step(
                    "<script>alert(1)</script>",
                    0,
                    1,
                    log=["</pre><script>x()</script>"],
                    reason='"quoted" & <tag>',
                ),
            )
        ],
    }
    page = render_page(report)
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;" in page
    assert 'data-stage="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"' in page


def test_the_page_loads_nothing() -> None:
    page = render_page(synthetic(200, 3))
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';' in page
    assert re.findall(r"""(?:src|href|action)\s*=\s*(?!["']?#)""", page) == []
    assert re.findall(r"url\((?!#)", page) == []
    assert "<script" not in page and "@import" not in page and "<link" not in page


def synthetic(count: int, lines: int) -> dict[str, Any]:
    """A run of ``count`` steps in stages of ten, each stage needing the one before, with
    ``lines`` log lines per step, ANSI colours in them."""
    stages = []
    for s in range(count // 10):
        steps = [
            step(
                f"step {s}-{i}",
                s * 10 + i,
                s * 10 + i + 0.9,
                log=[f"\x1b[32mok\x1b[0m {s}-{i} line {n}: " + "x" * 60 for n in range(lines)],
            )
            for i in range(10)
        ]
        stages.append(
            stage(f"stage-{s}", s * 10, s * 10 + 10, [f"stage-{s - 1}"] if s else [], *steps)
        )
    for st in stages:
        for sp in st["steps"]:
            sp["started_at"] = (
                f"2026-01-01T00:{int(float(sp['started_at'][17:-1]) // 1):02d}:00.000Z"
            )
    report = staged(*stages)
    report["finished_at"] = "2026-01-01T01:00:00.000Z"
    return report


def bars(page: str) -> list[str]:
    return re.findall(r'<rect class="bar [^"]*" data-step="([^"]*)"', page)


def test_one_bar_per_step_and_service_and_the_200_step_page_is_small() -> None:
    report = synthetic(200, 20)
    page = render_page(report)
    assert len(bars(page)) == 200
    assert len(set(bars(page))) == 200
    assert len(page.encode()) < 2_000_000


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "it is not a JSON object"),
        ({"stages": []}, 'it has no "status": not a velarun run report'),
        ({"status": "success"}, 'it has neither "stages" nor "steps": not a velarun run report'),
        ({"status": "success", "steps": []}, None),
    ],
)
def test_check_report(data: object, problem: str | None) -> None:
    assert check_report(data) == problem


GOLDEN_PIPELINE = """version: "1"
services:
  - name: db
    image: postgres
stages:
  build:
    steps:
      - name: compile
        image: alpine
        secrets: [api_token]
        commands: [make]
      - name: watcher
        image: alpine
        detach: true
        commands: [tail -f build.log]
  lint:
    steps:
      - name: vet
        image: alpine
        commands: [go vet]
  test:
    needs: [build]
    steps:
      - name: unit
        image: alpine
        commands: [go test]
  deploy:
    needs: [test, lint]
    steps:
      - name: publish
        image: alpine
        commands: [publish]
"""

GOLDEN_BEHAVIOURS = {
    "db": FakeStep(logs=("database system is ready",)),
    "build/compile": FakeStep(logs=("$ make", "token is hunter2-token", "\x1b[1mbuilt\x1b[0m")),
    "build/watcher": FakeStep(logs=("watching build.log",)),
    "lint/vet": FakeStep(logs=("$ go vet",)),
    "test/unit": FakeStep(
        exit_code=1,
        logs=("$ go test", "\x1b[32m--- PASS\x1b[0m: TestA", "\x1b[31m--- FAIL\x1b[0m: TestB <x>"),
    ),
}

FIXED_TIMES: dict[str, tuple[float, float] | None] = {
    "": (0, 9.1),
    "service:db": (0.1, 9.0),
    "build": (0.2, 3.2),
    "build/compile": (0.2, 3.0),
    "build/watcher": (3.0, 8.9),
    "lint": (0.2, 1.4),
    "lint/vet": (0.3, 1.4),
    "test": (3.2, 7.5),
    "test/unit": (3.3, 7.5),
    "deploy": (7.5, 7.6),
    "deploy/publish": None,
}


def fix_times(report: dict[str, Any]) -> dict[str, Any]:
    """The run's times replaced by ``FIXED_TIMES``, so the page is the same on every run."""

    def put(item: dict[str, Any], key: str) -> None:
        times = FIXED_TIMES[key]
        item["started_at"], item["finished_at"] = (
            (at(times[0]), at(times[1])) if times else (None, None)
        )

    put(report, "")
    for svc in report["services"]:
        put(svc, f"service:{svc['name']}")
    for st in report["stages"]:
        put(st, st["name"])
        for sp in st["steps"]:
            put(sp, f"{st['name']}/{sp['name']}")
    return report


def run_golden(tmp: Path) -> tuple[int, Path, Path]:
    (tmp / ".vela.yml").write_text(GOLDEN_PIPELINE)

    def open_runtime(run_id: str) -> Engine:
        return FakeRuntime(GOLDEN_BEHAVIOURS, run_id=run_id)

    report, page = tmp / "report.json", tmp / "run.html"
    result = runner.invoke(
        app,
        [
            "exec",
            str(tmp / ".vela.yml"),
            "--secret",
            "api_token=hunter2-token",
            "--report",
            str(report),
            "--html",
            str(page),
        ],
        obj=Deps(open_runtime, run_id="golden"),
    )
    return result.exit_code, report, page


def test_golden_page_of_a_fake_run(tmp_path: Path, golden, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, report, page = run_golden(tmp_path)
    assert code == 1
    data = json.loads(report.read_text())
    # exec --html renders the report JSON it writes, as `velarun report` does.
    assert page.read_text() == render_page(data)
    golden("html/fake-run.html", render_page(fix_times(data)))


def test_masked_values_never_reach_the_page(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    _, report, page = run_golden(tmp_path)
    text = page.read_text()
    assert "hunter2-token" not in text and "hunter2-token" not in report.read_text()
    assert "token is ***" in text


def test_report_command_renders_the_saved_report(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    _, report, page = run_golden(tmp_path)
    again = tmp_path / "again.html"
    result = runner.invoke(app, ["report", str(report), "--html", str(again)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"wrote {again}\n", "")
    assert again.read_text() == page.read_text()


HINT = "  hint: pass the file `velarun exec --report FILE` wrote\n"


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (
            None,
            ["report", "missing.json", "--html", "o.html"],
            "error: missing.json: no such file\n" + HINT,
        ),
        (
            "{\n  oops",
            ["report", "r.json", "--html", "o.html"],
            "error: r.json:2:3: not valid JSON: Expecting property name enclosed in double quotes\n"
            + HINT,
        ),
        (
            "[1]",
            ["report", "r.json", "--html", "o.html"],
            "error: r.json: it is not a JSON object\n" + HINT,
        ),
        (
            '{"status": "success"}',
            ["report", "r.json", "--html", "o.html"],
            'error: r.json: it has neither "stages" nor "steps": not a velarun run report\n' + HINT,
        ),
        (
            '{"status": "success", "steps": []}',
            ["report", "r.json"],
            "error: --html FILE is needed: the page is what `velarun report` writes\n"
            "  hint: velarun report r.json --html report.html\n",
        ),
        (
            '{"status": "success", "steps": []}',
            ["report", "r.json", "--html", "no/dir/o.html"],
            "error: --html no/dir/o.html: the directory `{tmp}/no/dir` does not exist\n"
            "  hint: choose a file in a directory you can write\n",
        ),
        (
            None,
            ["report", "--html", "o.html"],
            "error: no report file given\n  hint: velarun report REPORT.json --html FILE\n",
        ),
    ],
)
def test_report_command_errors(  # type: ignore[no-untyped-def]
    content: str | None, args: list[str], expected: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / "r.json").write_text(content)
    result = runner.invoke(app, args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        expected.replace("{tmp}", str(tmp_path.resolve())),
    )
    assert not (tmp_path / "o.html").exists()


def test_exec_refuses_an_unwritable_html_before_the_run(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vela.yml").write_text(GOLDEN_PIPELINE)

    def open_runtime(run_id: str) -> Engine:
        raise AssertionError("the engine was opened")

    result = runner.invoke(
        app,
        ["exec", "--html", "no/such/dir/run.html", "--report", "r.json"],
        obj=Deps(open_runtime),
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: --html no/such/dir/run.html: the directory `{tmp_path.resolve()}/no/such/dir`"
        " does not exist\n  hint: choose a file in a directory you can write\n"
    )
    assert json.loads((tmp_path / "r.json").read_text())["status"] == "error"


def test_a_refused_run_still_writes_its_page(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vela.yml").write_text(GOLDEN_PIPELINE)  # api_token is not given

    def open_runtime(run_id: str) -> Engine:
        raise AssertionError("the engine was opened")

    result = runner.invoke(app, ["exec", "--html", "run.html"], obj=Deps(open_runtime))
    assert result.exit_code == 2
    page = (tmp_path / "run.html").read_text()
    assert "secrets are missing" in page and len(bars(page)) == 5


def test_the_page_lists_what_was_pruned_and_the_needs_dropped() -> None:
    report = staged(stage("y", 0, 1, [], step("x", 0, 1)))
    report["pruned"] = {
        "stages": [{"name": "gone", "reason": "every step was pruned"}],
        "steps": [{"stage": "gone", "name": "s", "reason": "branch `main` does not match `x`"}],
    }
    report["dropped_needs"] = [{"stage": "y", "need": "gone"}]
    assert (
        '<p class="note">Pruned before the run:</p><ul class="pruned note">'
        "<li>stage <b>gone</b>: every step was pruned</li>"
        "<li>step <b>gone/s</b>: branch `main` does not match `x`</li>"
        "<li><b>y</b> no longer waits for gone (pruned or unknown)</li></ul>"
    ) in render_page(report)


def test_a_200_step_run_with_noisy_logs_keeps_its_page_under_2_mb() -> None:
    from datetime import UTC, datetime, timedelta

    from velarun.report.document import RunDetails, log_chars, report_json
    from velarun.schedule.outcome import (
        BuildStatus,
        RunOutcome,
        StageOutcome,
        StepOutcome,
        StepStatus,
    )

    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def ok(name: str, stage: str | None, s: float) -> StepOutcome:
        begin = t0 + timedelta(seconds=s)
        return StepOutcome(
            name, stage, StepStatus.SUCCESS, 0, "", begin, begin + timedelta(seconds=1)
        )

    stages = tuple(
        StageOutcome(
            f"s{s}",
            StepStatus.SUCCESS,
            t0 + timedelta(seconds=s * 10),
            t0 + timedelta(seconds=s * 10 + 10),
            tuple(ok(f"step {i}", f"s{s}", s * 10 + i) for i in range(10)),
        )
        for s in range(20)
    )
    outcome = RunOutcome(BuildStatus.SUCCESS, t0, t0 + timedelta(seconds=200), stages)
    line = "\x1b[32mok\x1b[0m <tag> & " + "x" * 90
    labels = [f"s{s}/step {i}" for s in range(20) for i in range(10)]
    details = RunDetails(
        logs={k: [line] * 3000 for k in labels}, log_counts=dict.fromkeys(labels, 5000)
    )
    report = json.loads(json.dumps(report_json(outcome, details=details)))
    first = report["stages"][0]["steps"][0]
    kept = log_chars(200) // (len(line) + 1)
    assert (log_chars(200), len(first["log"]), first["log_omitted"]) == (5000, kept, 5000 - kept)
    page = render_page(report)
    assert len(bars(page)) == 200
    assert len(page.encode()) < 2_000_000
