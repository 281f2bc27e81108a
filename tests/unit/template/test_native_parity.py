"""The facts of the server's Go template tests (compiler/template/native: ``TestNative_Render``
and ``TestNative_RenderBuild`` with their testdata), each restated with a pipeline and a
template written here and run through velarun: a templated step through ``velarun plan``, a
whole Go pipeline file through ``velarun plan --pipeline-type go``, and the engine level
(``render_go_build`` then ``load_bytes``) where that is where the server's fact lives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.load import load_bytes
from velarun.template.engines import render_go_build

runner = CliRunner()

PUSH_OR_PR = ["push", "pull_request:opened", "pull_request:synchronize", "pull_request:reopened"]


def plan(root: Path, *args: str) -> tuple[int, Any, str]:
    result = runner.invoke(
        app,
        ["plan", "--no-git", "--format", "json", "--repo", "octo/world", *args],
        catch_exceptions=False,
    )
    out = json.loads(result.stdout) if result.exit_code == 0 else None
    err = "".join(ln for ln in result.stderr.splitlines(True) if not ln.startswith("rule data:"))
    return result.exit_code, out, err


def facts(step: dict[str, Any], env_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """What the server's want.yml says of a step: name, image, pull, commands, the events of
    its ruleset and the variables it declares."""
    events = step.get("ruleset", {}).get("if", {}).get("event", [])
    return {
        "name": step["name"],
        "image": step["image"],
        "pull": step["pull"],
        "commands": step["commands"],
        "events": events,
        "env": {k: step["environment"][k] for k in env_keys if k in step["environment"]},
    }


def templated(root: Path, template: str, use: str) -> None:
    """A pipeline whose only step, `deploy`, uses the template `tpl` (file `tpl.yml`) with
    ``use`` as its `template:` block (the `name` line included)."""
    (root / "tpl.yml").write_text(template)
    (root / ".vela.yml").write_text(
        'version: "1"\n'
        "templates:\n  - {name: tpl, source: tpl.yml, type: file}\n"
        "steps:\n  - name: deploy\n    template:\n" + use
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- TestNative_Render: one templated step -----------------------------------------------------

STEP_TEMPLATE = """\
metadata:
  template: true

steps:
  - name: fetch
    image: {{ .image }}
    {{ .pull_line }}
    commands: [make deps]
    ruleset:
      event: [ push, pull_request ]
  - name: compile
    image: {{ .image }}
    {{ .pull_line }}
    environment:
      CC: clang
      TARGET: wasm
    commands: [make]
    ruleset:
      event: [ push, pull_request ]
"""

STEP_VARS = """\
      name: tpl
      vars:
        image: rust:1.80
        pull_line: "pull: true"
        events: [tag, push]
"""


def step(name: str, image: str, commands: list[str], **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "pull": more.get("pull", "always"),
        "commands": commands,
        "events": more.get("events", PUSH_OR_PR),
        "env": more.get("env", {}),
    }


FETCH = step("deploy_fetch", "rust:1.80", ["make deps"])
COMPILE = step("deploy_compile", "rust:1.80", ["make"], env={"CC": "clang", "TARGET": "wasm"})

STEP_CASES: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    # basic: vars fill the image and a whole `pull:` line; every step is named <step>_<tstep>
    ("basic", STEP_TEMPLATE, STEP_VARS, [FETCH, COMPILE]),
    # conditional: a step inside {{ if }} on a var is there when the var matches
    (
        "conditional match",
        "{{ $want := .channel }}\nsteps:\n"
        '{{ if eq $want "stable" }}'
        "  - {name: fetch, image: '{{ .image }}', pull: true, commands: [make deps],"
        " ruleset: {event: [push, pull_request]}}\n"
        "{{ end }}"
        "  - {name: compile, image: '{{ .image }}', pull: true, commands: [make],"
        " environment: {CC: clang, TARGET: wasm}, ruleset: {event: [push, pull_request]}}\n",
        "      name: tpl\n      vars: {image: 'rust:1.80', channel: stable}\n",
        [FETCH, COMPILE],
    ),
    (
        "conditional no match",
        "{{ $want := .channel }}\nsteps:\n"
        '{{ if eq $want "stable" }}'
        "  - {name: fetch, image: '{{ .image }}', commands: [make deps]}\n"
        "{{ end }}"
        "  - {name: compile, image: '{{ .image }}', pull: true, commands: [make],"
        " environment: {CC: clang, TARGET: wasm}, ruleset: {event: [push, pull_request]}}\n",
        "      name: tpl\n      vars: {image: 'rust:1.80', channel: nightly}\n",
        [COMPILE],
    ),
    # loop over a map: one step per key, the value as the image (Go ranges keys in order)
    (
        "loop map",
        "{{ $pull := .pull_line }}\nsteps:\n"
        "{{ range $os, $img := .images }}"
        "  - name: test_{{ $os }}\n    image: {{ $img }}\n    {{ $pull }}\n"
        "    commands: [make test]\n    ruleset: {event: [push, pull_request]}\n"
        "{{ end }}",
        "      name: tpl\n      vars:\n        pull_line: 'pull: true'\n"
        "        images: {zeta: 'zeta:2', alpha: 'alpha:1'}\n",
        [
            step("deploy_test_alpha", "alpha:1", ["make test"]),
            step("deploy_test_zeta", "zeta:2", ["make test"]),
        ],
    ),
    # loop over a slice: the value in the step name, colon and all
    (
        "loop slice",
        "{{ $pull := .pull_line }}\nsteps:\n"
        "{{ range $img := .images }}"
        "  - name: test_{{ $img }}\n    image: {{ $img }}\n    {{ $pull }}\n"
        "    commands: [make test]\n    ruleset: {event: [push, pull_request]}\n"
        "{{ end }}",
        "      name: tpl\n      vars:\n        pull_line: 'pull: true'\n"
        "        images: ['rust:1.79', 'rust:1.80']\n",
        [
            step("deploy_test_rust:1.79", "rust:1.79", ["make test"]),
            step("deploy_test_rust:1.80", "rust:1.80", ["make test"]),
        ],
    ),
    # a multi-line var carrying a whole step, spliced between two of the template's
    (
        "multiline",
        "steps:\n"
        "  - {name: fetch, image: 'rust:1.80', pull: true, commands: [make deps],"
        " ruleset: {event: [push, pull_request]}}\n"
        "  {{ .extra }}\n"
        "  - {name: compile, image: 'rust:1.80', pull: true, commands: [make],"
        " environment: {CC: clang, TARGET: wasm}, ruleset: {event: [push, pull_request]}}\n",
        "      name: tpl\n      vars:\n        extra: |\n"
        "          - name: lint\n"
        "              image: rust:1.80\n"
        "              pull: true\n"
        "              commands:\n"
        "                - cargo clippy\n"
        "              ruleset:\n"
        "               event: [ push, pull_request ]\n",
        [FETCH, step("deploy_lint", "rust:1.80", ["cargo clippy"]), COMPILE],
    ),
    # toYaml of a map var, indented with nindent, is the step's ruleset
    (
        "to yaml",
        "steps:\n  - name: fetch\n    image: 'rust:1.80'\n    commands: [make deps]\n"
        "    ruleset:\n      {{- toYaml .rules | nindent 6 }}\n",
        "      name: tpl\n      vars:\n        rules:\n"
        "          event: [push, pull_request]\n          branch: [main]\n",
        [step("deploy_fetch", "rust:1.80", ["make deps"], pull="not_present")],
    ),
    # vars reach Go as yaml.v3 decodes them: YAML 1.2 scalars (`yes` is a string, a date too),
    # an integer too large for int64 and uint64 a float64, ...
    (
        "var types",
        "steps:\n  - name: types\n    image: alpine\n    pull: true\n    commands:\n"
        "      - '{{ printf \"%T %T %T %T %T\" .n .r .yes .day .nil }}'\n"
        "      - '{{ .n }} {{ .r }} {{ .yes }} {{ .day }} {{ .huge }} {{ .m }} {{ .l }}'\n"
        "    ruleset:\n      event: [ push, pull_request ]\n",
        "      name: tpl\n      vars:\n        n: 0x1F\n        r: 1.50\n        yes: on\n"
        "        day: 2001-12-14\n        nil: null\n        huge: 99999999999999999999\n"
        "        m: {b: [x], a: 1}\n        l: [1, two]\n",
        [
            step(
                "deploy_types",
                "alpine",
                [
                    "int float64 string string <nil>",
                    "31 1.5 on 2001-12-14 1e+20 map[a:1 b:[x]] [1 two]",
                ],
            )
        ],
    ),
    # platform vars: every spelling of a VELA_ variable, and an unknown one is empty
    (
        "platform vars",
        "steps:\n  - name: where\n    image: alpine\n    pull: true\n    commands:\n"
        '      - echo {{ vela "repo_full_name" }}\n'
        '      - echo {{ vela "REPO_FULL_NAME" }}\n'
        '      - echo {{ vela "vela_repo_full_name" }}\n'
        '      - echo {{ vela "VELA_REPO_FULL_NAME" }}\n'
        '      - echo {{ vela "no_such_thing" }}\n'
        "    ruleset:\n      event: [ push, pull_request ]\n",
        "      name: tpl\n",
        [
            step(
                "deploy_where",
                "alpine",
                ["echo octo/world"] * 4 + ["echo"],
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("template", "use", "expected"),
    [c[1:] for c in STEP_CASES],
    ids=[c[0] for c in STEP_CASES],
)
def test_a_step_template_renders_as_the_server_does(
    repo: Path, template: str, use: str, expected: list[dict[str, Any]]
) -> None:
    templated(repo, template, use)
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert [facts(s, ("CC", "TARGET")) for s in doc["steps"]] == expected


HINT = "  hint: fix the template, or pass a local copy with --template-file NAME:PATH\n"
NOT_VALID = (
    ".vela.yml:7:7: error: step `deploy`: what template `tpl` (file tpl.yml) of step `deploy`"
    " rendered is not a valid pipeline\n"
    "  hint: see the errors above; `velarun render` prints what it rendered\n"
)

STEP_ERRORS: list[tuple[str, str, str]] = [
    # env and expandenv are taken out of sprig's functions
    (
        "disallowed env",
        'steps:\n  - {name: x, image: alpine, commands: [echo {{ env "HOME" }}]}\n',
        'tpl.yml:2:1: error: template `tpl` for step `deploy`: template: deploy:2: function "env"'
        " not defined\n" + HINT + "1 error, 0 warnings\n",
    ),
    (
        "disallowed expandenv",
        'steps:\n  - {name: x, image: alpine, commands: [echo {{ expandenv "$HOME" }}]}\n',
        "tpl.yml:2:1: error: template `tpl` for step `deploy`: template: deploy:2: function"
        ' "expandenv" not defined\n' + HINT + "1 error, 0 warnings\n",
    ),
    # a function nobody defined
    (
        "invalid template",
        "---\n{{ nothing_here }}\n",
        "tpl.yml:2:1: error: template `tpl` for step `deploy`: template: deploy:2: function"
        ' "nothing_here" not defined\n' + HINT + "1 error, 0 warnings\n",
    ),
    # a template calling a named template that is not defined fails when it executes
    (
        "invalid variable",
        '---\n{{ template "elsewhere" }}\n',
        "tpl.yml:2:12: error: template `tpl` for step `deploy`: template: deploy:2:12: executing"
        ' "deploy" at <{{template "elsewhere"}}>: template "elsewhere" not defined\n'
        + HINT
        + "1 error, 0 warnings\n",
    ),
    # what renders must be YAML
    (
        "invalid yml",
        "---\n%$#@!*&^\n",
        "tpl.yml (rendered):2:2: error: YAML syntax error: could not find expected directive"
        " name\n"
        "  hint: while scanning a directive (line 2); check the indentation and quoting of this"
        " line and the one above\n" + NOT_VALID + "2 errors, 0 warnings\n",
    ),
    # a list var printed inside [...] makes a list of lists, which no ruleset accepts
    (
        "bad ruleset format",
        "steps:\n  - name: x\n    image: alpine\n    commands: [make]\n"
        '    ruleset:\n      event: [{{ default "push" .events }}]\n',
        "tpl.yml (rendered):6:15: error: rule `event` must be a string or a list of strings\n"
        + NOT_VALID
        + "2 errors, 0 warnings\n",
    ),
]


@pytest.mark.parametrize(
    ("template", "expected"), [c[1:] for c in STEP_ERRORS], ids=[c[0] for c in STEP_ERRORS]
)
def test_a_step_template_the_server_rejects(repo: Path, template: str, expected: str) -> None:
    templated(repo, template, STEP_VARS)
    code, doc, err = plan(repo)
    assert (code, doc) == (2, None)
    assert err == expected


# -- TestNative_RenderBuild: a whole pipeline file rendered as a Go template -------------------

BUILD_STEPS = """\
version: "1"

{{ $names := list "lint" "unit" "docs" }}

steps:
  {{ range $n := $names }}
- name: {{ $n }}
  image: node:22
  commands:
    - npm run {{ $n }}
  {{ end }}"""

BUILD_STAGES = """\
version: "1"

{{ $names := list "lint" "unit" "docs" -}}

stages:
  {{ range $n := $names -}}
  {{ $n }}:
    steps:
      - name: {{ $n }}
        image: node:22
        commands:
          - npm run {{ $n }}
  {{ end }}
"""

BUILD_CONDITIONAL = """\
version: "1"

{{ $branch := vela "vela_build_branch" }}

steps:
  {{ if eq $branch "main" }}
  - name: release
    image: node:22
    commands: [npm publish]
    ruleset:
      event: [ push, pull_request ]
  {{ end }}
  - name: unit
    image: node:22
    commands: [npm test]
    environment:
      NODE_ENV: test
    ruleset:
      event: [ push, pull_request ]
"""


def node(name: str, command: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "image": "node:22",
        "pull": "not_present",
        "commands": [command],
        "events": PUSH_OR_PR if env is not None or name == "release" else [],
        "env": env or {},
    }


def build_facts(text: str, branch: str) -> list[dict[str, Any]]:
    """The server's ``RenderBuild`` level: the file rendered with the build's environment and
    loaded; each stage's steps prefixed by the stage's name."""
    env = {"VELA_REPO_FULL_NAME": "octo/world", "VELA_BUILD_BRANCH": branch}
    rendered = render_go_build(text, template_name="build", environment=env, variables={})
    loaded = load_bytes(rendered.encode(), "build.yml")
    assert loaded.diagnostics == ()
    assert loaded.pipeline is not None
    out = []
    for stage, steps in [("", loaded.pipeline.steps)] + [
        (st.name + ":", st.steps) for st in loaded.pipeline.stages
    ]:
        for s in steps:
            out.append(
                {
                    "name": stage + s.name,
                    "image": s.image,
                    "pull": s.pull,
                    "commands": list(s.commands),
                    "events": list(s.ruleset.if_.event),
                    "env": dict(s.environment),
                }
            )
    return out


BUILD_CASES: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    (
        "steps",
        BUILD_STEPS,
        "main",
        [node(n, f"npm run {n}") for n in ("lint", "unit", "docs")],
    ),
    (
        "stages",
        BUILD_STAGES,
        "main",
        [node(f"{n}:{n}", f"npm run {n}") for n in ("lint", "unit", "docs")],
    ),
    (
        "conditional match",
        BUILD_CONDITIONAL,
        "main",
        [node("release", "npm publish"), node("unit", "npm test", {"NODE_ENV": "test"})],
    ),
    (
        "conditional no match",
        BUILD_CONDITIONAL,
        "dev",
        [node("unit", "npm test", {"NODE_ENV": "test"})],
    ),
]


@pytest.mark.parametrize(
    ("text", "branch", "expected"),
    [c[1:] for c in BUILD_CASES],
    ids=[c[0] for c in BUILD_CASES],
)
def test_a_go_pipeline_renders_as_the_server_does(
    text: str, branch: str, expected: list[dict[str, Any]]
) -> None:
    assert build_facts(text, branch) == expected


@pytest.mark.parametrize(
    ("text", "branch", "expected"),
    [c[1:] for c in BUILD_CASES],
    ids=[c[0] for c in BUILD_CASES],
)
def test_a_go_pipeline_file_through_plan(
    repo: Path, text: str, branch: str, expected: list[dict[str, Any]]
) -> None:
    (repo / "p.yml").write_text(text)
    code, doc, err = plan(repo, "p.yml", "--pipeline-type", "go", "--branch", branch)
    assert (code, err) == (0, "")
    if "stages" in doc:
        got = [
            facts(s | {"name": f"{st['name']}:{s['name']}"}, ("NODE_ENV",))
            for st in doc["stages"]
            for s in st["steps"]
        ]
        # the server's stages need `clone`; velarun has no clone step, so none need anything
        assert [st["needs"] for st in doc["stages"]] == [[], [], []]
    else:
        got = [facts(s, ("NODE_ENV",)) for s in doc["steps"]]
    assert got == expected
