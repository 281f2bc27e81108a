"""The expand phase, end to end through `velarun plan`: templated steps, nested templates,
stages, `render_inline`, Go and Starlark pipeline files. Each case states a fact of the
server's expand/compile tests and testdata (compiler/native/expand_test.go, compile_test.go,
testdata/*template*, *inline*), with pipelines and templates written here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app

runner = CliRunner()

GRADLE = """\
environment:
  star: "test3"
  bar: "test4"
metadata:
  template: true
steps:
  - name: install
    commands:
      - ./gradlew downloadDependencies
    environment: {{ .environment }}
    image: {{ .image }}
    {{ .pull_policy }}
  - name: build
    commands:
      - ./gradlew build
      - echo {{ .VELA_TEMPLATE_NAME }}
    environment: {{ .environment }}
    image: {{ .image }}
    {{ .pull_policy }}
"""

GRADLE_USE = """\
    template:
      name: gradle
      vars:
        image: openjdk:latest
        environment: "{ GRADLE_USER_HOME: .gradle, GRADLE_OPTS: -Dorg.gradle.daemon=false }"
        pull_policy: "pull: true"
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def plan(root: Path, *args: str) -> tuple[int, Any, str]:
    result = runner.invoke(
        app, ["plan", "--no-git", "--format", "json", *args], catch_exceptions=False
    )
    out = json.loads(result.stdout) if result.exit_code == 0 else None
    err = "".join(ln for ln in result.stderr.splitlines(True) if not ln.startswith("rule data:"))
    return result.exit_code, out, err


def step_names(doc: Any) -> list[str]:
    if "stages" in doc:
        return [f"{st['name']}:{s['name']}" for st in doc["stages"] for s in st["steps"]]
    return [s["name"] for s in doc["steps"]]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_templated_step_becomes_the_template_steps_named_after_it(repo: Path) -> None:
    write(
        repo,
        {
            "gradle.yml": GRADLE,
            ".vela.yml": 'version: "1"\n'
            "environment: {bar: mine}\n"
            "templates:\n  - {name: gradle, source: gradle.yml, type: file}\n"
            "steps:\n  - name: sample\n" + GRADLE_USE + "  - {name: after, image: alpine,"
            " commands: [echo]}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert step_names(doc) == ["sample_install", "sample_build", "after"]
    install = doc["steps"][0]
    assert (install["image"], install["pull"]) == ("openjdk:latest", "always")
    assert install["environment"]["GRADLE_USER_HOME"] == ".gradle"
    assert install["environment"]["GRADLE_OPTS"] == "-Dorg.gradle.daemon=false"
    # VELA_TEMPLATE_NAME is the template's name; the template's environment is added only
    # where the pipeline has no variable of the same name.
    assert doc["steps"][1]["commands"] == ["./gradlew build", "echo gradle"]
    assert (install["environment"]["bar"], install["environment"]["star"]) == ("mine", "test3")


def test_a_pruned_templated_step_is_never_rendered(repo: Path) -> None:
    write(
        repo,
        {
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: gone, source: missing.yml, type: file}\n"
            "steps:\n"
            "  - name: pr-only\n    ruleset: {event: pull_request}\n"
            "    template: {name: gone}\n"
            "  - {name: build, image: alpine, commands: [make]}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert step_names(doc) == ["build"]
    assert doc["pruned"]["steps"] == [
        {
            "stage": None,
            "name": "pr-only",
            "reason": "event `push` does not match any of `pull_request:opened`,"
            " `pull_request:synchronize`, `pull_request:reopened` (its template `gone` was not"
            " rendered)",
        }
    ]


def test_a_step_naming_an_undeclared_template(repo: Path) -> None:
    write(
        repo,
        {
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: go, source: go.yml, type: file}\n"
            "steps:\n  - name: build\n    template: {name: golang}\n",
        },
    )
    code, _, err = plan(repo)
    assert code == 2
    assert err == (
        ".vela.yml:6:15: error: missing template source for template `golang` in pipeline for"
        " step `build` (declared: `go`)\n"
        "  hint: declare it under `templates:` with its `name`, `source` and `type`\n"
        "1 error, 0 warnings\n"
    )


def test_templates_that_call_templates_and_one_that_calls_itself(repo: Path) -> None:
    chain = (
        "templates:\n  - {name: gradle, source: gradle.yml, type: file}\n"
        "steps:\n  - name: call template\n" + GRADLE_USE
    )
    write(
        repo,
        {
            "gradle.yml": GRADLE,
            "chain.yml": chain,
            "self.yml": "templates:\n  - {name: self, source: self.yml, type: file}\n"
            "steps:\n  - name: again\n    template: {name: self}\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: chain, source: chain.yml, type: file}\n"
            "steps:\n  - name: sample\n    template: {name: chain}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert step_names(doc) == ["sample_call template_install", "sample_call template_build"]

    (repo / ".vela.yml").write_text(
        'version: "1"\n'
        "templates:\n  - {name: self, source: self.yml, type: file}\n"
        "steps:\n  - name: call\n    template: {name: self}\n"
    )
    code, _, err = plan(repo)
    assert code == 2
    assert err == (
        "self.yml (rendered):5:15: error: max template depth of 3 exceeded (templates `self` ->"
        " `self` -> `self`, which is circular)\n"
        "  hint: a template must not use itself, directly or through another\n"
        "1 error, 0 warnings\n"
    )


def test_secrets_services_and_environment_of_a_template_merge_without_duplicates(
    repo: Path,
) -> None:
    write(
        repo,
        {
            "t.yml": "environment: {A: from-template, B: from-template}\n"
            "secrets:\n  - {name: token, key: org/repo/token}\n"
            "  - {name: other, key: org/repo/other}\n"
            "services:\n  - {name: db, image: postgres:template}\n"
            "  - {name: cache, image: redis}\n"
            "steps:\n  - {name: s, image: alpine, commands: [echo $A]}\n",
            ".vela.yml": 'version: "1"\n'
            "environment: {A: mine}\n"
            "secrets:\n  - {name: token, key: org/repo/mine}\n"
            "services:\n  - {name: db, image: postgres:mine}\n"
            "templates:\n  - {name: t, source: t.yml, type: file}\n"
            "steps:\n  - {name: x, template: {name: t}}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert [(s["name"], s["image"]) for s in doc["services"]] == [
        ("db", "postgres:mine"),
        ("cache", "redis"),
    ]
    env = doc["steps"][0]["environment"]
    assert (env["A"], env["B"]) == ("mine", "from-template")


def test_stages_expand_each_stage_and_keep_needs(repo: Path) -> None:
    write(
        repo,
        {
            "gradle.yml": GRADLE,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: gradle, source: gradle.yml, type: file}\n"
            "stages:\n  gradle:\n    steps:\n      - name: sample\n"
            + GRADLE_USE.replace("\n    ", "\n        ").replace(
                "    template", "        template", 1
            )
            + "  publish:\n    needs: [gradle]\n"
            "    steps:\n      - {name: publish, image: alpine, commands: [echo]}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert step_names(doc) == ["gradle:sample_install", "gradle:sample_build", "publish:publish"]
    assert doc["stages"][1]["needs"] == ["gradle"]


def test_render_inline_adds_what_each_template_renders(repo: Path) -> None:
    write(
        repo,
        {
            "steps.yml": 'version: "1"\nenvironment: {FROM: template}\n'
            "steps:\n  - {name: test, image: '{{ .image }}', commands: [go test]}\n",
            "empty.yml": 'version: "1"\n',
            ".vela.yml": 'version: "1"\nmetadata: {render_inline: true}\n'
            "templates:\n  - {name: golang, source: steps.yml, type: file,"
            " vars: {image: 'golang:1.23'}}\n"
            "steps:\n  - {name: own, image: alpine, commands: [echo]}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert step_names(doc) == ["own", "golang_test"]
    assert doc["steps"][1]["image"] == "golang:1.23"
    assert doc["steps"][1]["environment"]["FROM"] == "template"

    (repo / ".vela.yml").write_text(
        'version: "1"\nmetadata: {render_inline: true}\n'
        "templates:\n  - {name: empty, source: empty.yml, type: file}\n"
    )
    code, _, err = plan(repo)
    assert code == 2
    assert err == (
        ".vela.yml:4:5: error: empty template empty provided: template must contain secrets,"
        " services, stages or steps\n"
        "  hint: make the template return at least one step\n"
        "1 error, 0 warnings\n"
    )


def test_render_inline_stages_are_named_after_the_template(repo: Path) -> None:
    write(
        repo,
        {
            "stages.yml": 'version: "1"\nstages:\n  test:\n    steps:\n'
            "      - {name: unit, image: alpine, commands: [make]}\n",
            ".vela.yml": 'version: "1"\nmetadata: {render_inline: true}\n'
            "templates:\n  - {name: golang, source: stages.yml, type: file}\n"
            "stages:\n  own:\n    steps:\n      - {name: x, image: alpine, commands: [echo]}\n",
        },
    )
    code, doc, err = plan(repo)
    assert (code, err) == (0, "")
    assert step_names(doc) == ["own:x", "golang_test:golang_unit"]


def test_a_go_template_error_points_into_the_template(repo: Path) -> None:
    write(
        repo,
        {
            "bad.yml": "steps:\n  - name: x\n    image: {{ .image | nosuchfunc }}\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: bad, source: bad.yml, type: file}\n"
            "steps:\n  - {name: build, template: {name: bad}}\n",
        },
    )
    code, _, err = plan(repo)
    assert code == 2
    assert err == (
        "bad.yml:3:1: error: template `bad` for step `build`: template: build:3: function"
        ' "nosuchfunc" not defined\n'
        "  hint: fix the template, or pass a local copy with --template-file NAME:PATH\n"
        "1 error, 0 warnings\n"
    )


def test_the_vela_function_reads_the_platform_variables(repo: Path) -> None:
    write(
        repo,
        {
            "t.yml": "steps:\n  - name: x\n    image: alpine\n"
            '    commands: [\'echo {{ vela "repo_full_name" }} {{ vela "template_name" }}'
            ' {{ vela "VELA_BUILD_EVENT" }}\']\n',
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: t, source: t.yml, type: file}\n"
            "steps:\n  - {name: build, template: {name: t}}\n",
        },
    )
    code, doc, err = plan(repo, "--repo", "octo/app")
    assert (code, err) == (0, "")
    assert doc["steps"][0]["commands"] == ["echo octo/app build push"]


def test_template_file_overrides_the_source(repo: Path) -> None:
    write(
        repo,
        {
            "local.yml": "steps:\n  - {name: x, image: local, commands: [echo]}\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: remote, source: github.com/octo/tmpl/t.yml, type: github}\n"
            "steps:\n  - {name: build, template: {name: remote}}\n",
        },
    )
    code, doc, err = plan(repo, "--template-file", "remote:local.yml")
    assert (code, err) == (0, "")
    assert [(s["name"], s["image"]) for s in doc["steps"]] == [("build_x", "local")]


def test_a_go_pipeline_file(repo: Path) -> None:
    write(
        repo,
        {
            "p.yml": 'version: "1"\nsteps:\n'
            '{{ range $i, $n := list "a" "b" }}'
            '  - {name: {{ $n }}, image: alpine, commands: [echo {{ vela "build_branch" }}]}\n'
            "{{ end }}",
        },
    )
    code, doc, err = plan(repo, "p.yml", "--pipeline-type", "go", "--branch", "dev")
    assert (code, err) == (0, "")
    assert [(s["name"], s["commands"]) for s in doc["steps"]] == [
        ("a", ["echo dev"]),
        ("b", ["echo dev"]),
    ]
