"""A log line with ANSI escapes as HTML: colours as spans, everything else stripped, escaped.

Kept: SGR foreground colours 30-37 and 90-97, bold (1), and their resets (0 or empty: all;
22: bold; 39: colour). Every other escape (other SGR parameters, cursor moves, OSC titles and
links) and every other control character but a tab is dropped. The text is HTML-escaped, so a
log can never add markup to the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_ESCAPE = re.compile(
    r"\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"  # CSI, SGR among them
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST (or the line)
    r"|\x1b[@-Z\\-_]?"  # other two-byte escapes, or a lone ESC
)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Style:
    """The colour (an SGR code, e.g. ``"31"``) and weight in effect."""

    color: str | None = None
    bold: bool = False

    def classes(self) -> str:
        names = ["b"] if self.bold else []
        if self.color is not None:
            names.append(f"c{self.color}")
        return " ".join(names)


PLAIN = Style()


def apply_sgr(style: Style, params: str) -> Style:
    """The style after ``ESC [ params m``; parameters outside the kept set are ignored."""
    codes = params.split(";") if params else ["0"]
    for code in codes:
        if code in ("", "0"):
            style = PLAIN
        elif code == "1":
            style = Style(style.color, True)
        elif code == "22":
            style = Style(style.color, False)
        elif code == "39":
            style = Style(None, style.bold)
        elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
            style = Style(str(int(code)), style.bold)
    return style


def _text(text: str, style: Style) -> str:
    text = _CONTROL.sub("", text)
    if not text:
        return ""
    escaped = html.escape(text, quote=False)
    if style == PLAIN:
        return escaped
    return f'<span class="{style.classes()}">{escaped}</span>'


def ansi_to_html(line: str, style: Style = PLAIN) -> tuple[str, Style]:
    """``line`` as HTML, and the style in effect at its end (a colour may run on into the
    next line, as on a terminal)."""
    out: list[str] = []
    at = 0
    for match in _ESCAPE.finditer(line):
        out.append(_text(line[at : match.start()], style))
        at = match.end()
        if match.group("final") == "m" and not match.group("inter"):
            style = apply_sgr(style, match.group("params"))
    out.append(_text(line[at:], style))
    return "".join(out), style


def lines_to_html(lines: list[str]) -> str:
    """Lines as the content of a ``<pre>``, one per line, the style carried across."""
    style = PLAIN
    out: list[str] = []
    for line in lines:
        text, style = ansi_to_html(line, style)
        out.append(text)
    return "\n".join(out)
