"""The facts of the server's compile tests about whole files rendered as templates
(``compile_test.go``: ``Test_Compile_Inline``, ``Compile_Pipeline_Type``,
``*VelaFunction_TemplateName*``; ``EnvironmentBuild``; ``ValidateYAML`` of a render_inline
pipeline), each restated with pipelines and templates written here, through ``velarun plan``
and ``velarun render``. The helpers are test_expand_parity's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.compile.test_expand_parity import (
    failure,
    names,
    plan,
    render,
    secrets,
    steps_facts,
    write,
)
from tests.unit.compile.test_platform_vars_parity import ECHO


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- Compile_StepsPipelineTemplate_VelaFunction_TemplateName(_Inline) --------------------------

NAMED = 'steps:\n  - name: hi\n    image: {{ vela "template_name" }}\n' + (
    '    commands: [echo {{ vela "template_name" }}]\n'
)


def test_template_name_is_the_step_for_a_step_and_the_template_inline(repo: Path) -> None:
    write(
        repo,
        {
            "named.yml": NAMED,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: namer, source: named.yml, type: file}\n"
            "steps:\n  - {name: greet, template: {name: namer}}\n",
        },
    )
    assert steps_facts(plan()) == [("greet_hi", "greet", "not_present", ["echo greet"])]
    write(
        repo,
        {
            ".vela.yml": 'version: "1"\nmetadata: {render_inline: true}\n'
            "templates:\n  - {name: namer, source: named.yml, type: file}\n"
        },
    )
    assert steps_facts(plan()) == [("namer_hi", "namer", "not_present", ["echo namer"])]


# -- Compile_Pipeline_Type: Starlark and Go pipeline files --------------------------------------


@pytest.mark.parametrize(
    ("file", "text", "args"),
    [
        (
            "p.star",
            "def main(ctx):\n    img = 'alpine'\n    return {'version': '1', 'steps': [\n"
            "        {'name': 'foo', 'image': img, 'parameters': {'registry': 'foo'}}]}\n",
            (),
        ),
        (
            "p.yml",
            'version: "1"\n{{ $img := "alpine" }}\nsteps:\n'
            "  - name: foo\n    parameters: {registry: foo}\n    image: {{ $img }}\n",
            ("--pipeline-type", "go"),
        ),
    ],
    ids=["star", "go"],
)
def test_a_pipeline_file_in_a_template_language(
    repo: Path, file: str, text: str, args: tuple[str, ...]
) -> None:
    write(repo, {file: text})
    doc = plan(file, *args)
    assert steps_facts(doc) == [("foo", "alpine", "not_present", [])]
    assert doc["steps"][0]["environment"]["PARAMETER_REGISTRY"] == "foo"


# -- Test_Compile_Inline -----------------------------------------------------------------------

GO_STAGES = """\
version: "1"
{{ $names := list "lint" "unit" -}}
stages:
  {{ range $n := $names -}}
  {{ $n }}:
    steps:
      - name: {{ $n }}
        image: {{ default "alpine" $.image }}
        ruleset: {event: tag, tag: "v*"}
        commands: [echo {{ $n }}]
  {{ end }}"""

STAR_STAGES = """\
def main(ctx):
    stages = {}
    for word in ['up', 'down']:
        stages[word] = {'steps': [{'name': 'make_' + word, 'image': 'alpine',
                                   'commands': ['echo ' + word]}]}
    return {'version': '1', 'stages': stages}
"""

STAR_STEPS = """\
def main(ctx):
    return {'version': '1', 'steps': [
        {'name': 'make_' + w, 'image': 'alpine', 'commands': ['echo ' + w]} for w in ['up', 'down']
    ]}
"""

GO_STEPS = """\
version: "1"
steps:
{{ range $n := list "lint" "unit" }}
  - {name: '{{ $n }}', image: '{{ $.image }}', commands: [echo {{ $n }}]}
{{ end }}"""

INLINE = 'version: "1"\nmetadata: {render_inline: true}\n'
TWO = (
    "templates:\n"
    "  - {name: gotmpl, source: go.yml, type: file, format: golang, vars: {image: 'golang:1'}}\n"
    "  - {name: star, source: star.star, type: file, format: starlark}\n"
)
OWN_STAGE = "stages:\n  own:\n    steps:\n      - {name: own, image: alpine, commands: [echo]}\n"


def test_render_inline_stages_and_steps(repo: Path) -> None:
    write(
        repo, {"go.yml": GO_STAGES, "star.star": STAR_STAGES, ".vela.yml": INLINE + TWO + OWN_STAGE}
    )
    doc = plan()
    # the Go template's stages are tag-only: pruned on a push, but named like the rest
    assert names(doc) == ["own:own", "star_up:star_make_up", "star_down:star_make_down"]
    assert [p["name"] for p in doc["pruned"]["stages"]] == ["gotmpl_lint", "gotmpl_unit"]
    assert names(plan("--event", "tag", "--tag", "v1")) == [
        "own:own",
        "gotmpl_lint:gotmpl_lint",
        "gotmpl_unit:gotmpl_unit",
        "star_up:star_make_up",
        "star_down:star_make_down",
    ]

    write(
        repo,
        {
            "go.yml": GO_STEPS,
            "star.star": STAR_STEPS,
            ".vela.yml": INLINE
            + TWO
            + "steps:\n  - {name: own, image: alpine, commands: [echo]}\n",
        },
    )
    doc = plan()
    assert steps_facts(doc) == [
        ("own", "alpine", "not_present", ["echo"]),
        ("gotmpl_lint", "golang:1", "not_present", ["echo lint"]),
        ("gotmpl_unit", "golang:1", "not_present", ["echo unit"]),
        ("star_make_up", "alpine", "not_present", ["echo up"]),
        ("star_make_down", "alpine", "not_present", ["echo down"]),
    ]


def test_render_inline_nested_and_circular(repo: Path) -> None:
    write(
        repo,
        {
            "go.yml": GO_STAGES,
            "star.star": STAR_STAGES,
            "nested.yml": "metadata: {render_inline: true, template: true}\n" + TWO + OWN_STAGE,
            ".vela.yml": INLINE
            + "templates:\n  - {name: inner, source: nested.yml, type: file}\n"
            + OWN_STAGE,
        },
    )
    assert names(plan("--event", "tag", "--tag", "v2")) == [
        "own:own",
        "inner_own:inner_own",
        "inner_gotmpl_lint:inner_gotmpl_lint",
        "inner_gotmpl_unit:inner_gotmpl_unit",
        "inner_star_up:inner_star_make_up",
        "inner_star_down:inner_star_make_down",
    ]
    write(
        repo,
        {
            "round.yml": "metadata: {render_inline: true, template: true}\n"
            "templates:\n  - {name: back, source: .vela.yml, type: file}\n" + OWN_STAGE,
            ".vela.yml": INLINE
            + "templates:\n  - {name: round, source: round.yml, type: file}\n"
            + OWN_STAGE,
        },
    )
    assert failure() == (
        "round.yml (rendered):1:27: error: max template depth of 3 exceeded\n"
        "  hint: templates that render inline may nest at most three deep\n"
        "1 error, 0 warnings\n"
    )


def test_render_inline_may_not_mix_stages_and_steps(repo: Path) -> None:
    write(
        repo,
        {
            "go.yml": GO_STEPS,
            ".vela.yml": INLINE
            + "templates:\n  - {name: gotmpl, source: go.yml, type: file, vars: {image: x}}\n"
            + OWN_STAGE,
        },
    )
    assert failure() == (
        ".vela.yml:4:5: error: invalid template gotmpl provided: templates cannot mix stages and"
        " steps\n"
        "  hint: return either `stages` or `steps` from every template\n"
        "1 error, 0 warnings\n"
    )


OWN_STEP = "steps:\n  - {name: own, image: alpine, commands: [echo]}\n"


def test_render_inline_appends_secrets_services_and_environment(repo: Path) -> None:
    write(
        repo,
        {
            "secrets.yml": "secrets:\n"
            "  - {name: token, key: acme/app/token, engine: native, type: repo}\n"
            "  - {name: token, key: acme/token, engine: native, type: org}\n"
            "  - {name: token, key: acme/team/token, engine: native, type: shared}\n",
            "services.yml": "services:\n  - {name: queue, image: rabbitmq}\n"
            "  - {name: search, image: opensearch}\n",
            "env.yml": "environment: {GREETING: from-template, ONLY_TEMPLATE: 'yes'}\n",
            ".vela.yml": INLINE
            + "environment: {GREETING: mine, ONLY_MINE: 'yes'}\n"
            + "secrets:\n  - {name: own, key: acme/app/own, engine: native, type: repo}\n"
            + "services:\n  - {name: db, image: postgres}\n"
            + "templates:\n"
            "  - {name: s, source: secrets.yml, type: file}\n"
            "  - {name: v, source: services.yml, type: file}\n"
            "  - {name: e, source: env.yml, type: file}\n" + OWN_STEP,
        },
    )
    doc = plan()
    assert [s["name"] for s in doc["services"]] == ["db", "queue", "search"]
    env = doc["steps"][0]["environment"]
    # the template's environment is copied over the pipeline's
    assert [env[k] for k in ("GREETING", "ONLY_MINE", "ONLY_TEMPLATE")] == [
        "from-template",
        "yes",
        "yes",
    ]
    assert secrets(render()) == [
        ("own", "acme/app/own"),
        ("token", "acme/app/token"),
        ("token", "acme/token"),
        ("token", "acme/team/token"),
    ]


def test_render_inline_in_a_go_pipeline_file(repo: Path) -> None:
    write(
        repo,
        {
            "go.yml": GO_STAGES,
            "star.star": STAR_STAGES,
            "p.yml": INLINE
            + TWO
            + '{{ $names := list "a" "b" -}}\nstages:\n'
            + "  {{ range $n := $names -}}\n  {{ $n }}:\n    steps:\n"
            + "      - {name: '{{ $n }}', image: alpine, commands: [echo {{ $n }}]}\n"
            + "  {{ end }}",
        },
    )
    assert names(plan("p.yml", "--pipeline-type", "go", "--event", "tag", "--tag", "v1")) == [
        "a:a",
        "b:b",
        "gotmpl_lint:gotmpl_lint",
        "gotmpl_unit:gotmpl_unit",
        "star_up:star_make_up",
        "star_down:star_make_down",
    ]


def test_the_host_environment_reaches_whole_file_templates(repo: Path) -> None:
    """Locally the server's build environment (``EnvironmentBuild``) has the host's variables
    over Vela's defaults, as a templated step's has; velarun's host environment is --env."""
    write(
        repo,
        {
            "echo.yml": ECHO,
            ".vela.yml": INLINE + "templates:\n  - {name: echo, source: echo.yml, type: file}\n",
            "p.yml": 'version: "1"\nsteps:\n'
            '  - {name: say, image: alpine, commands: [\'echo "{{ vela "who" }}"\']}\n',
        },
    )
    assert [s["commands"] for s in plan("--env", "VELA_WHO=host")["steps"]] == [['echo "host"']]
    doc = plan("p.yml", "--pipeline-type", "go", "--env", "VELA_WHO=host")
    assert [s["commands"] for s in doc["steps"]] == [['echo "host"']]


def test_render_inline_and_a_step_that_references_a_template(repo: Path) -> None:
    """The server's ValidateYAML of a render_inline pipeline rejects every step that references
    a template: the file's own, and those its templates render (prefixed)."""
    write(
        repo,
        {
            "t.yml": "steps:\n  - {name: inner, template: {name: other}}\n",
            ".vela.yml": INLINE + "templates:\n  - {name: w, source: t.yml, type: file}\n",
        },
    )
    assert failure() == (
        "t.yml (rendered):2:29: error: step `w_inner`: cannot combine render_inline and a step"
        " that references a template (`other`)\n"
        "  hint: template `w` renders inline, so its steps are the pipeline's: write them out, or"
        " give the template `metadata.render_inline` and list the one it uses\n"
        "1 error, 0 warnings\n"
    )
    write(
        repo,
        {
            ".vela.yml": INLINE
            + "templates:\n  - {name: w, source: t.yml, type: file}\n"
            + "steps:\n  - {name: own, template: {name: w}}\n"
        },
    )
    assert failure() == (
        ".vela.yml:6:27: error: step `own`: cannot combine render_inline and a step that"
        " references a template (`w`)\n"
        "  hint: list the template under `templates:` so it renders inline, or drop"
        " `render_inline`\n"
        "1 error, 0 warnings\n"
    )


STAR_NAMED = """\
def main(ctx):
    name = ctx['vela']['system']['template_name']
    return {'version': '1', 'steps': [{'name': 'hi', 'image': name, 'commands': ['echo ' + name]}]}
"""


def test_starlark_template_name_is_the_step_for_a_step_and_the_template_inline(
    repo: Path,
) -> None:
    write(
        repo,
        {
            "named.star": STAR_NAMED,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: namer, source: named.star, type: file, format: starlark}\n"
            "steps:\n  - {name: greet, template: {name: namer}}\n",
        },
    )
    assert steps_facts(plan()) == [("greet_hi", "greet", "not_present", ["echo greet"])]
    write(
        repo,
        {
            ".vela.yml": INLINE
            + "templates:\n  - {name: namer, source: named.star, type: file, format: starlark}\n"
        },
    )
    assert steps_facts(plan()) == [("namer_hi", "namer", "not_present", ["echo namer"])]
