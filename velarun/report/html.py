"""The run as one self-contained HTML page, rendered from its report JSON alone.

``velarun exec --html`` and ``velarun report REPORT.json --html`` both call
:func:`render_page` on the report's JSON object, so a saved report gives the same page. The
page has no script and loads nothing: inline CSS and SVG, a Content-Security-Policy that
forbids every request, ``<details>`` to fold the logs. Everything it shows comes from the
report, which is masked before it is written; every text is HTML-escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from velarun.report.ansi import lines_to_html
from velarun.report.gantt import (
    Report,
    critical_path,
    fmt_seconds,
    gantt_svg,
    parse_time,
    stages_of,
    step_label,
    steps_of,
)
from velarun.report.stagegraph import graph_svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STATUSES = ("success", "failure", "error", "killed", "skipped", "canceled", "pending")


def check_report(data: object) -> str | None:
    """Why ``data`` is not a run report velarun can render, or None."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    if not isinstance(data.get("status"), str):
        return 'it has no "status": not a velarun run report'
    if not isinstance(data.get("stages"), list) and not isinstance(data.get("steps"), list):
        return 'it has neither "stages" nor "steps": not a velarun run report'
    return None


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _duration(item: Mapping[str, Any]) -> str:
    start, end = parse_time(item.get("started_at")), parse_time(item.get("finished_at"))
    if start is None or end is None:
        return "-"
    return fmt_seconds((end - start).total_seconds())


def _badge(status: object) -> str:
    return f'<span class="badge s-{_e(status)}">{_e(status)}</span>'


def _summary(report: Report) -> str:
    rows = [
        ("status", _badge(report.get("status"))),
        ("exit code", _e(report.get("exit_code"))),
        ("started", _e(report.get("started_at"))),
        ("finished", _e(report.get("finished_at"))),
        ("duration", _e(_duration(report))),
    ]
    for key in ("error", "hint"):
        if report.get(key):
            rows.append((key, _e(report[key])))
    workspace = report.get("workspace")
    if isinstance(workspace, Mapping):
        shown = ", ".join(f"{k}: {_value(v)}" for k, v in workspace.items())
        rows.append(("workspace", _e(shown)))
    ci_build = report.get("ci_build")
    if isinstance(ci_build, Mapping):
        rows.append(("CI build", _e(f"{ci_build.get('build')}: verdict {ci_build.get('verdict')}")))
    return _table(rows, "summary")


def _table(rows: list[tuple[str, str]], cls: str) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def _value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _ruledata(report: Report) -> str:
    data = report.get("ruledata")
    if not isinstance(data, Mapping):
        return '<p class="note">The report holds no rule data.</p>'
    shown = [(str(k), _e(_value(v))) for k, v in data.items() if v not in (None, "", [], {})]
    return _table(shown, "ruledata") if shown else '<p class="note">No rule data was set.</p>'


def _pruned(report: Report) -> str:
    """What the rulesets removed before the run, and the ``needs`` edges that went with it."""
    pruned = report.get("pruned")
    pruned = pruned if isinstance(pruned, Mapping) else {}
    items = []
    for kind in ("stages", "steps", "services"):
        found = pruned.get(kind)
        for p in found if isinstance(found, list) else []:
            if isinstance(p, Mapping):
                where = f"{p['stage']}/{p.get('name')}" if p.get("stage") else p.get("name")
                items.append(f"{kind[:-1]} <b>{_e(where)}</b>: {_e(p.get('reason'))}")
    dropped = report.get("dropped_needs")
    for d in dropped if isinstance(dropped, list) else []:
        if isinstance(d, Mapping):
            items.append(
                f"<b>{_e(d.get('stage'))}</b> no longer waits for {_e(d.get('need'))}"
                " (pruned or unknown)"
            )
    if not items:
        return ""
    body = "".join(f"<li>{item}</li>" for item in items)
    return f'<p class="note">Pruned before the run:</p><ul class="pruned note">{body}</ul>'


def _diagnostics(report: Report) -> str:
    found = report.get("diagnostics")
    if not isinstance(found, list) or not found:
        return ""
    items = "".join(
        f"<li>{_e(d.get('line'))}:{_e(d.get('column'))}: {_e(d.get('severity'))}:"
        f" {_e(d.get('message'))}</li>"
        for d in found
        if isinstance(d, Mapping)
    )
    return f'<h2>Diagnostics</h2><ul class="diags">{items}</ul>'


def _all_steps(report: Report) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(group, label, step) of every service and step, in the page's order."""
    out: list[tuple[str, str, Mapping[str, Any]]] = []
    services = report.get("services")
    for svc in services if isinstance(services, list) else []:
        if isinstance(svc, Mapping):
            out.append(("service", str(svc.get("name", "")), svc))
    for stage in stages_of(report):
        for step in steps_of(stage):
            out.append((str(stage.get("name") or ""), step_label(stage, step), step))
    return out


def _steps_table(report: Report) -> str:
    critical = critical_path(report).steps
    head = (
        "<tr><th>stage</th><th>step</th><th>status</th><th>exit</th><th>duration</th>"
        "<th>reason</th></tr>"
    )
    rows = []
    for i, (group, label, step) in enumerate(_all_steps(report)):
        mark = (
            ' <span class="cp" title="on the critical path">◆</span>' if label in critical else ""
        )
        kind = " (detached)" if step.get("detach") else ""
        rows.append(
            f"<tr><td>{_e(group or '-')}</td>"
            f'<td><a href="#log-{i}">{_e(step.get("name"))}</a>{kind}{mark}</td>'
            f"<td>{_badge(step.get('status'))}</td><td>{_e(_exit(step))}</td>"
            f"<td>{_e(_duration(step))}</td><td>{_e(step.get('reason'))}</td></tr>"
        )
    return f'<table class="steps">{head}{"".join(rows)}</table>'


def _exit(step: Mapping[str, Any]) -> str:
    code = step.get("exit_code")
    return "-" if code is None else str(code)


def _log(i: int, group: str, label: str, step: Mapping[str, Any]) -> str:
    lines = step.get("log")
    lines = [str(x) for x in lines] if isinstance(lines, list) else []
    omitted = step.get("log_omitted")
    note = ""
    if isinstance(omitted, int) and omitted > 0:
        note = (
            f'<p class="note trunc">{omitted} earlier line{"s" if omitted != 1 else ""} not'
            " kept: the report keeps the end of each step's log.</p>"
        )
    status = str(step.get("status", ""))
    opened = " open" if status in ("failure", "error") else ""
    title = f"[service: {label}]" if group == "service" else label
    body = f"<pre>{lines_to_html(lines)}</pre>" if lines else '<p class="note">No output.</p>'
    return (
        f'<details id="log-{i}" class="log"{opened}><summary>{_badge(status)} {_e(title)}'
        f' <span class="muted">{len(lines)} line{"s" if len(lines) != 1 else ""}</span>'
        f"</summary>{note}{body}</details>"
    )


def _logs(report: Report) -> str:
    return "".join(_log(i, *item) for i, item in enumerate(_all_steps(report)))


_ANSI_COLOURS = {
    "30": "#24292f",
    "31": "#cf222e",
    "32": "#1a7f37",
    "33": "#9a6700",
    "34": "#0969da",
    "35": "#8250df",
    "36": "#1b7c83",
    "37": "#6e7781",
    "90": "#57606a",
    "91": "#a40e26",
    "92": "#2da44e",
    "93": "#bf8700",
    "94": "#218bff",
    "95": "#a475f9",
    "96": "#3192aa",
    "97": "#8c959f",
}
_STATUS_COLOURS = {
    "success": "#2da44e",
    "failure": "#cf222e",
    "error": "#8250df",
    "killed": "#bf8700",
    "skipped": "#afb8c1",
    "canceled": "#6e7781",
    "pending": "#d0d7de",
}

CSS = (
    """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;}
h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:28px 0 8px}
table{border-collapse:collapse}th,td{text-align:left;padding:3px 10px 3px 0;vertical-align:top}
table.steps th{border-bottom:1px solid #d0d7de}table.steps td{border-bottom:1px solid #eaeef2}
.summary th,.ruledata th{color:#57606a;font-weight:500}
.badge{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px}
.muted,.note{color:#57606a}.note{font-size:13px}.cp{color:#111}
.scroll{overflow-x:auto;border:1px solid #d0d7de;border-radius:6px;padding:6px}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}svg .group{font-weight:600}
svg .tick{fill:#57606a;font-size:11px;text-anchor:middle}svg .grid{stroke:#eaeef2}
.bar.k-service,.bar.k-detached{fill-opacity:.35;stroke-dasharray:3 2;stroke-width:1}
.bar.crit{stroke:#111;stroke-width:2}
.node rect{fill:#fff;stroke-width:2}.node.crit rect{stroke-width:4}
.node .sname{font-weight:600}.node .sinfo{fill:#57606a}
.edge{fill:none;stroke:#8c959f;stroke-width:1.5}.edge.crit{stroke:#111;stroke-width:2.5}
marker path{fill:#8c959f}
details.log{margin:4px 0;border:1px solid #d0d7de;border-radius:6px}
details.log summary{cursor:pointer;padding:4px 8px}
details.log pre{margin:0;padding:8px;background:#f6f8fa;overflow-x:auto;font:12px/1.4 ui-monospace,
SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-all}
pre .b{font-weight:700}
.legend span{margin-right:14px}.legend i{display:inline-block;width:12px;height:10px;
margin-right:4px;border-radius:2px}
"""
    + "".join(
        f".s-{s}{{background:{c}}}.bar.s-{s}{{fill:{c};stroke:{c}}}.node.s-{s} rect{{stroke:{c}}}"
        for s, c in _STATUS_COLOURS.items()
    )
    + "".join(f"pre .c{code}{{color:{c}}}" for code, c in _ANSI_COLOURS.items())
    + ".bar.crit{stroke:#111}\n"
)


def _legend() -> str:
    items = "".join(
        f'<span><i class="s-{s}"></i>{s}</span>' for s in STATUSES if s in _STATUS_COLOURS
    )
    return (
        f'<p class="legend">{items}<span>dashed, faint: services and detached steps</span>'
        "<span>black outline: the critical path</span></p>"
    )


def render_page(report: Report) -> str:
    """The whole page of a run's report JSON object (see :func:`check_report`)."""
    status = str(report.get("status", ""))
    chain = critical_path(report).stages
    graph = graph_svg(report)
    graph_part = (
        f'<h2>Stages</h2><div class="scroll">{graph}</div>'
        if graph
        else '<h2>Stages</h2><p class="note">A steps pipeline: no stages.</p>'
    ) + _pruned(report)
    path_note = f'<p class="note">Critical path: {_e(" → ".join(chain))}.</p>' if any(chain) else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>velarun: build {_e(status)}</title><style>{CSS}</style></head>\n<body>"
        f"<h1>velarun: build {_badge(status)}</h1>{_summary(report)}"
        f"{_diagnostics(report)}"
        f'<h2>Timeline</h2>{_legend()}<div class="scroll">{gantt_svg(report)}</div>{path_note}'
        f"{graph_part}"
        f"<h2>Steps</h2>{_steps_table(report)}"
        f"<h2>Rule data</h2>{_ruledata(report)}"
        f"<h2>Logs</h2>{_logs(report)}"
        "</body></html>\n"
    )
