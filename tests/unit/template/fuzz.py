"""Random templates rendered by real Go and by the engine, compared (a tool, not a test).

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python -m tests.unit.template.fuzz [SEED] [COUNT] [MODE]

MODE ``grammar`` (default) builds well-formed actions, branches and printf calls over the
corpus data; ``soup`` strings random tokens together to exercise the lexer's and parser's
errors; ``data`` prints, ranges and compares random data (nulls, nested lists and maps). Every mismatch is printed; add the interesting ones to ``corpus.py``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.unit.template.corpus import D
from velarun.template.gotemplate import TemplateError, render

HERE = Path(__file__).parent
FIELDS = [".s", ".e", ".i", ".z", ".neg", ".f", ".fz", ".t", ".no", ".n", ".l", ".el", ".m",
          ".em", ".nested", ".nested.x", ".ints", ".strs", ".big", ".tiny", ".u", ".html",
          ".missing", ".m.a", ".m.c", ".nested.x.y", ".n.x", ".i.x", ".missing.x", "$", ".",
          "$.s"]  # fmt: skip
LITERALS = ["1", "0", "-3", "1.5", "0.0", "1e6", '"a"', '""', "true", "false", "nil", "'x'",
            "0x10", "2.5e-3", "`r`"]  # fmt: skip
UNARY = ["len", "not", "print", "println", "html", "js", "urlquery"]
NARY = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or", "index", "slice", "print", "printf"]
VERBS = [*"vdsqxXfeEgGtcboUT", "5d", "-5s", "05.2f", ".1f", "+d", "#v", "#x", "3v", ".2s",
         "08.3e", "% x", "-8v", "+q", "#q"]  # fmt: skip
SOUP = ["{{", "}}", "{{- ", " -}}", " ", "\n", "(", ")", "|", "$x", ":=", "=", ",", ".s", ".",
        "$", "if", "else", "end", "range", "with", "define", "template", "block", "break",
        "continue", '"q"', "`r`", "'c'", "1", "1.5", "-", "nil", "true", "print", "len",
        "/*", "*/", "x", "..", "@", '"a', "0x", "$y"]  # fmt: skip


class Grammar:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def arg(self, depth: int = 0) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(FIELDS)
        if r < 0.8 or depth > 1:
            return self.rng.choice(LITERALS)
        return "(" + self.command(depth + 1) + ")"

    def command(self, depth: int = 0) -> str:
        rng, r = self.rng, self.rng.random()
        if r < 0.25:
            return rng.choice(FIELDS)
        if r < 0.4:
            return rng.choice(UNARY) + " " + self.arg(depth)
        if r < 0.55:
            verbs = " ".join("%" + rng.choice(VERBS) for _ in range(rng.randint(1, 3)))
            args = " ".join(self.arg(depth) for _ in range(rng.randint(0, 3)))
            return f'printf "{verbs}" {args}'
        return rng.choice(NARY) + " " + " ".join(self.arg(depth) for _ in range(rng.randint(1, 3)))

    def pipeline(self) -> str:
        tail = ["print", "len", 'printf "%v"', "not", "eq 1", "index .l", "html", "print 1"]
        text = self.command()
        return text + " | " + self.rng.choice(tail) if self.rng.random() < 0.2 else text

    def block(self, depth: int = 0) -> str:
        r = self.rng.random()
        if r < 0.35 or depth > 2:
            return (
                self.rng.choice(["{{ ", "{{- "])
                + self.pipeline()
                + self.rng.choice([" }}", " -}}"])
            )
        inner = self.block(depth + 1)
        if r < 0.45:
            return (
                "{{ if "
                + self.pipeline()
                + " }}Y"
                + inner
                + "{{ else if "
                + self.pipeline()
                + " }}I{{ else }}N{{ end }}"
            )
        if r < 0.55:
            return (
                "{{ with "
                + self.pipeline()
                + " }}"
                + inner
                + "{{ else with "
                + self.pipeline()
                + " }}W{{ . }}{{ end }}"
            )
        if r < 0.7:
            head = "{{ range $i, $v := " + self.pipeline() + " }}{{ $i }}={{ $v }}"
            ctl = self.rng.choice(
                ["", "{{ if $i }}{{ break }}{{ end }}", "{{ if not $i }}{{ continue }}{{ end }}"]
            )
            return head + ctl + inner + ";{{ else }}E{{ end }}"
        if r < 0.8:
            return '{{ define "d" }}<' + inner + '>{{ end }}{{ template "d" ' + self.arg() + " }}"
        if r < 0.9:
            return '{{ block "b" ' + self.arg() + " }}[" + inner + "]{{ end }}"
        return "{{ $x := " + self.pipeline() + " }}{{ $x = " + self.arg() + " }}{{ $x }}" + inner

    def soup_action(self) -> str:
        tokens = (self.rng.choice(SOUP) for _ in range(self.rng.randint(1, 10)))
        text = self.rng.choice(["", "x", " \n\t", "é", "\n"])
        close = self.rng.choice(["}}", " }}", " -}}", "-}}", ""])
        return text + self.rng.choice(["{{", "{{- ", "{{-"]) + " ".join(tokens) + close

    def value(self, depth: int = 0) -> Any:
        rng, r = self.rng, self.rng.random()
        if depth > 2 or r < 0.6:
            scalars: list[Any] = [None, True, False, 0, -1, 7, 2**40, 0.5, -2.25, 1e21, 1e-7,
                                  123456.0, 1234567.0, "", "a b", "é\t\"q\"", "<&>"]  # fmt: skip
            return rng.choice(scalars)
        if r < 0.8:
            return [self.value(depth + 1) for _ in range(rng.randint(0, 3))]
        keys = ["a", "B", "é", "_1", "z z", ""]
        return {rng.choice(keys): self.value(depth + 1) for _ in range(rng.randint(0, 3))}

    def data_template(self) -> str:
        verbs = " ".join("%" + self.rng.choice(VERBS) for _ in range(self.rng.randint(1, 3)))
        return self.rng.choice([
            "{{ . }}", f'{{{{ printf "{verbs}" . . . }}}}', "{{ range $k, $v := . }}{{ $k }}:{{ $v }};{{ end }}",
            "{{ len . }}", "{{ index . 0 }}", '{{ index . "a" }}', "{{ .a }}", "{{ .a.B }}",
            "{{ if . }}T{{ else }}F{{ end }}", "{{ print . 1 }}", "{{ println . . }}",
            "{{ html . }} {{ js . }} {{ urlquery . }}", "{{ eq . . }}", "{{ lt . 1 }}",
            "{{ slice . 1 }}", "{{ not . }}", "{{ and . 1 }}{{ or . 1 }}",
        ])  # fmt: skip

    def template(self, mode: str) -> str:
        if mode == "soup":
            return "".join(self.soup_action() for _ in range(self.rng.randint(1, 4)))
        seps = ["", " ", "\n", "-"]
        return "".join(self.block() + self.rng.choice(seps) for _ in range(self.rng.randint(1, 3)))


def go_outcomes(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": ""}
    result = subprocess.run(["go", "run", "."], cwd=HERE / "oracle", input=json.dumps(cases),
                            capture_output=True, text=True, env=env, check=True)  # fmt: skip
    outcomes: list[dict[str, Any]] = json.loads(result.stdout)
    return outcomes


def engine_outcome(case: dict[str, Any]) -> tuple[str, str]:
    try:
        text = render(case["template"], case.get("data"), name=case["name"])
    except TemplateError as err:
        return "error", err.message
    return "output", text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def main() -> None:
    seed, count = (int(a) for a in (sys.argv[1:3] + ["1", "1000"][len(sys.argv[1:3]) :]))
    mode = sys.argv[3] if len(sys.argv) > 3 else "grammar"
    grammar = Grammar(random.Random(seed))
    if mode == "data":
        cases = [{"id": f"fuzz-{i}", "name": "t", "template": grammar.data_template(),
                  "data": grammar.value()} for i in range(count)]  # fmt: skip
    else:
        cases = [{"id": f"fuzz-{i}", "name": "t", "template": grammar.template(mode), "data": D}
                 for i in range(count)]  # fmt: skip
    bad = 0
    for case in go_outcomes(cases):
        expected = ("error", case["error"]) if "error" in case else ("output", case["output"])
        got = engine_outcome(case)
        if got != expected:
            bad += 1
            print(f"{case['template']!r}\n  go:     {expected!r}\n  engine: {got!r}")
    print(f"{bad} of {count} differ (seed {seed}, {mode})")


if __name__ == "__main__":
    main()
