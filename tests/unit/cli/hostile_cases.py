"""Hostile templates for the command-line tests (``test_hostile_templates.py``): each case is
the files of a repository and what ``velarun validate|plan|exec`` must say about it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]
    stderr: str
    args: tuple[str, ...] = ()
    commands: tuple[str, ...] = ("validate", "plan", "exec")
    """The commands it runs under in-process (the slow ones under none: the bounded test
    runs every case once)."""
    bounded: bool = field(default=True)
    """Run in a child process with a memory limit (``test_hostile_bounded.py``), under one of
    the three commands in turn (each loop that only the time limit stops costs 5 s there)."""


def use(name: str, source: str, fmt: str = "go") -> str:
    """A pipeline with one step that uses one template."""
    return (
        'version: "1"\n'
        f"templates:\n  - {{name: {name}, source: {source}, type: file, format: {fmt}}}\n"
        f"steps:\n  - name: build\n    template:\n      name: {name}\n"
    )


STEPS = "steps:\n  - name: x\n    image: alpine\n    commands:\n"
GO_SIZE_HINT = (
    "  hint: render less: velarun caps a Go template's output, and any one value in it, at 4"
    " MiB of text and 100000 items (the Vela server has no such cap; no real pipeline comes"
    " near)\n"
)
GO_STEPS_HINT = (
    "  hint: a range over a very large count, or ranges nested too deep? Render fewer items"
    " (velarun stops a Go template after 1000000 steps; Go and the Vela server would run it"
    " to its end)\n"
)
STARLARK_HINT = (
    "  hint: make the template do less: loop over fewer items, build smaller strings and lists"
    " (the Vela server stops a Starlark template after 7500 execution steps by default, its"
    " --compiler-starlark-exec-limit)\n"
)
ONE = "1 error, 0 warnings\n"
LOOP_STAR = "def main(ctx):\n    for i in range(1000000000):\n        pass\n    return {}\n"
NESTED_STAR = (
    "def main(ctx):\n    for i in range(100000):\n        for j in range(100000):\n"
    "            pass\n    return {}\n"
)

CASES = [
    Case(
        "go range over until 100000000",
        {
            "t.yml": STEPS + "{{- range until 100000000 }}\n      - echo {{ . }}\n{{- end }}\n",
            ".vela.yml": use("t", "t.yml"),
        },
        "t.yml:5:10: error: template `t` for step `build`: template: build:5:10: executing"
        ' "build" at <until 100000000>: error calling until: it would make 100000000 items,'
        " more than velarun's limit of 100000 in one value\n" + GO_SIZE_HINT + ONE,
    ),
    Case(
        "go range over the integer 100000000",
        {
            "t.yml": STEPS + "      - echo\n{{- range $i := 100000000 }}{{ $i }}{{ end }}\n",
            ".vela.yml": use("t", "t.yml"),
        },
        "t.yml:6:10: error: template `t` for step `build`: template: build:6:10: executing"
        ' "build" at <{{range $i := 100000000}}{{$i}}{{end}}>: too many steps: velarun stops a'
        " Go template after 1000000 steps\n" + GO_STEPS_HINT + ONE,
        commands=(),
    ),
    Case(
        "go nested ranges whose product is huge",
        {
            "t.yml": STEPS + "{{- range until 10000 }}{{ range until 10000 }}{{ end }}{{ end }}\n",
            ".vela.yml": use("t", "t.yml"),
        },
        "t.yml:5:33: error: template `t` for step `build`: template: build:5:33: executing"
        ' "build" at <{{range until 10000}}{{end}}>: too many steps: velarun stops a Go'
        " template after 1000000 steps\n" + GO_STEPS_HINT + ONE,
        commands=(),
    ),
    Case(
        "go repeat 1000000000",
        {"t.yml": STEPS + '      - {{ repeat 1000000000 "x" }}\n', ".vela.yml": use("t", "t.yml")},
        "t.yml:5:11: error: template `t` for step `build`: template: build:5:11: executing"
        ' "build" at <repeat 1000000000 "x">: error calling repeat: it would make 1000000000'
        " characters, more than velarun's limit of 4 MiB in one value\n" + GO_SIZE_HINT + ONE,
    ),
    Case(
        "go 1 GB of text",
        {
            "t.yml": STEPS + '      - {{ range until 100000 }}{{ repeat 10000 "x" }}{{ end }}\n',
            ".vela.yml": use("t", "t.yml"),
        },
        "t.yml:5:35: error: template `t` for step `build`: template: build:5:35: executing"
        ' "build" at <{{repeat 10000 "x"}}>: the template rendered more than 4 MiB of text\n'
        + GO_SIZE_HINT
        + ONE,
    ),
    Case(
        "go pipeline file",
        {".vela.yml": 'version: "1"\n{{ range until 1000000000 }}{{ end }}\n'},
        '.vela.yml:2:9: error: the go pipeline: template: :2:9: executing "" at <until'
        " 1000000000>: error calling until: it would make 1000000000 items, more than velarun's"
        " limit of 100000 in one value\n" + GO_SIZE_HINT + ONE,
        args=("--pipeline-type", "go"),
    ),
    Case(
        "starlark loop to the limit",
        {"t.star": LOOP_STAR, ".vela.yml": use("t", "t.star", "starlark")},
        ".vela.yml:7:7: error: template `t` for step `build` (t.star): the Starlark template"
        " ran for more than {seconds} s and was stopped (velarun's limit)\n" + STARLARK_HINT + ONE,
    ),
    Case(
        "starlark nested loops",
        {"t.star": NESTED_STAR, ".vela.yml": use("t", "t.star", "starlark")},
        ".vela.yml:7:7: error: template `t` for step `build` (t.star): the Starlark template"
        " ran for more than {seconds} s and was stopped (velarun's limit)\n" + STARLARK_HINT + ONE,
        commands=("exec",),
        bounded=False,
    ),
    Case(
        "starlark 1 GB string",
        {
            "t.star": "def main(ctx):\n    s = 'x' * (1 << 29)\n    return {'a': s + s}\n",
            ".vela.yml": use("t", "t.star", "starlark"),
        },
        ".vela.yml:7:7: error: template `t` for step `build` (t.star): the Starlark template"
        " took more than 512 MiB of memory and was stopped (velarun's limit)\n"
        + STARLARK_HINT
        + ONE,
    ),
    Case(
        "starlark pipeline file",
        {"p.star": LOOP_STAR},
        "p.star:1:1: error: the starlark pipeline: the Starlark template ran for more than"
        " {seconds} s and was stopped (velarun's limit)\n" + STARLARK_HINT + ONE,
        args=("p.star",),
        commands=("validate",),
        bounded=False,
    ),
    Case(
        "go template including itself",
        {
            "self.yml": "templates:\n  - {name: self, source: self.yml, type: file}\n"
            "steps:\n  - name: again\n    template: {name: self}\n",
            ".vela.yml": use("self", "self.yml"),
        },
        "self.yml (rendered):5:15: error: max template depth of 3 exceeded (templates `self` ->"
        " `self` -> `self`, which is circular)\n"
        "  hint: a template must not use itself, directly or through another\n" + ONE,
    ),
    Case(
        "go template including itself through another",
        {
            "a.yml": "templates:\n  - {name: b, source: b.yml, type: file}\n"
            "steps:\n  - name: to-b\n    template: {name: b}\n",
            "b.yml": "templates:\n  - {name: a, source: a.yml, type: file}\n"
            "steps:\n  - name: to-a\n    template: {name: a}\n",
            ".vela.yml": use("a", "a.yml"),
        },
        "a.yml (rendered):5:15: error: max template depth of 3 exceeded (templates `a` -> `b`"
        " -> `a`, which is circular)\n"
        "  hint: a template must not use itself, directly or through another\n" + ONE,
    ),
    Case(
        "go template calling its own define",
        {
            "t.yml": STEPS + '{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}\n',
            ".vela.yml": use("t", "t.yml"),
        },
        "t.yml:5:28: error: template `t` for step `build`: template: build:5:28: executing"
        ' "a" at <{{template "a" .}}>: exceeded maximum template depth ({depth}: Python\'s'
        " recursion limit)\n"
        "  hint: fix the template, or pass a local copy with --template-file NAME:PATH\n" + ONE,
    ),
    Case(
        "render_inline including itself",
        {
            "round.yml": "metadata: {render_inline: true, template: true}\n"
            "templates:\n  - {name: back, source: .vela.yml, type: file}\n"
            "stages:\n  own:\n    steps:\n      - {name: own, image: alpine, commands: [ls]}\n",
            ".vela.yml": 'version: "1"\nmetadata:\n  render_inline: true\n'
            "templates:\n  - {name: round, source: round.yml, type: file}\n"
            "stages:\n  own:\n    steps:\n      - {name: own, image: alpine, commands: [ls]}\n",
        },
        "round.yml (rendered):1:27: error: max template depth of 3 exceeded\n"
        "  hint: templates that render inline may nest at most three deep\n" + ONE,
    ),
    Case(
        "templates that multiply",
        {
            "a.yml": "templates:\n  - {name: b, source: b.yml, type: file}\nsteps:\n"
            "{{- range until 50 }}\n  - name: a{{ . }}\n    template: {name: b}\n{{- end }}\n",
            "b.yml": "templates:\n  - {name: c, source: c.yml, type: file}\nsteps:\n"
            "{{- range until 50 }}\n  - name: b{{ . }}\n    template: {name: c}\n{{- end }}\n",
            "c.yml": "steps:\n  - {name: c, image: alpine, commands: [echo]}\n",
            ".vela.yml": use("a", "a.yml"),
        },
        "b.yml (rendered):23:15: error: template `c`: the pipeline's templates made more than"
        " 2000 template renders, velarun's limit for one pipeline\n"
        "  hint: templates that use templates multiply: render fewer steps that use templates"
        " (the Vela server has no such limit)\n" + ONE,
        commands=("plan",),
    ),
    Case(
        "templates rendering more than 8 MiB together",
        {
            "t.yml": "steps:\n  - {name: s, image: alpine, commands: [echo]}\n"
            '# {{ repeat 3000000 "x" }}\n',
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: t, source: t.yml, type: file}\nsteps:\n"
            "  - {name: one, template: {name: t}}\n  - {name: two, template: {name: t}}\n"
            "  - {name: three, template: {name: t}}\n",
        },
        ".vela.yml:7:29: error: template `t`: the pipeline's templates made more than 8 MiB of"
        " rendered text, velarun's limit for one pipeline\n"
        "  hint: make the templates render less, or use them in fewer steps (the Vela server"
        " has no such limit)\n" + ONE,
    ),
    Case(
        "starlark loop rendered inline",
        {
            "t.star": LOOP_STAR,
            ".vela.yml": 'version: "1"\nmetadata:\n  render_inline: true\n'
            "templates:\n  - {name: t, source: t.star, type: file, format: starlark}\n"
            "stages:\n  own:\n    steps:\n      - {name: own, image: alpine, commands: [ls]}\n",
        },
        ".vela.yml:5:5: error: template `t` for render_inline (t.star): the Starlark template"
        " ran for more than {seconds} s and was stopped (velarun's limit)\n" + STARLARK_HINT + ONE,
        commands=("plan",),
        bounded=False,
    ),
    Case(
        "go 1 GB of text rendered inline",
        {
            "t.yml": 'stages:\n  s:\n    steps:\n      - {name: x, image: alpine, commands: ["{{'
            ' range until 100000 }}{{ repeat 10000 "x" }}{{ end }}"]}\n',
            ".vela.yml": 'version: "1"\nmetadata:\n  render_inline: true\n'
            "templates:\n  - {name: t, source: t.yml, type: file}\n"
            "stages:\n  own:\n    steps:\n      - {name: own, image: alpine, commands: [ls]}\n",
        },
        't.yml:4:72: error: template `t` for render_inline: template: t:4:72: executing "t" at'
        ' <{{repeat 10000 "x"}}>: the template rendered more than 4 MiB of text\n'
        + GO_SIZE_HINT
        + ONE,
    ),
]
