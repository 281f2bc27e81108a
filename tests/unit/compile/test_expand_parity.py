"""The facts of the server's template tests in compiler/native (``expand_test.go``: ExpandSteps,
ExpandStages, ExpandStepsMulti, ExpandStepsStarlark, TemplateCallTemplate, DuplicateCalls,
CircularFail, CallTemplateWithRenderInline; ``compile_test.go``: the Steps and Stages pipeline
template tests, Compile_InvalidType), each restated with pipelines and templates written here,
through ``velarun plan --format json`` (steps) and ``velarun render`` (secrets, services, the
pipeline's environment). Whole files rendered as templates (render_inline, Go and Starlark
pipelines) are in test_inline_parity, the platform variables in test_platform_vars_parity.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.clirunner import CliRunner
from tests.unit.template.github_server import FakeGithub, Repo, serve
from velarun.cli import app

runner = CliRunner()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args[:1], "--no-git", *args[1:]], catch_exceptions=False)
    err = "".join(ln for ln in result.stderr.splitlines(True) if not ln.startswith("rule data:"))
    return result.exit_code, result.stdout, err


def plan(*args: str) -> Any:
    code, out, err = run("plan", "--format", "json", *args)
    assert (code, err) == (0, ""), err
    return json.loads(out)


def render(*args: str) -> Any:
    code, out, err = run("render", *args)
    assert (code, err) == (0, ""), err
    return yaml.safe_load(out)


def failure(*args: str) -> str:
    code, out, err = run("plan", *args)
    assert (code, out) == (2, "")
    return err


def names(doc: Any) -> list[str]:
    if "stages" in doc:
        return [f"{st['name']}:{s['name']}" for st in doc["stages"] for s in st["steps"]]
    return [s["name"] for s in doc["steps"]]


def step(doc: Any, name: str) -> Any:
    return next(s for s in doc["steps"] if s["name"] == name)


def secrets(doc: Any) -> list[tuple[str, str]]:
    return [
        (s.get("name") or "origin " + s["origin"]["name"], s.get("key", "")) for s in doc["secrets"]
    ]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# The template most cases use: three steps filled from vars, and secrets, services and an
# environment of its own for the pipeline (the server's long template, in other words).
BUNDLE = """\
environment:
  LANG_LEVEL: "21"
  SHARED: from-template
metadata:
  template: true
steps:
  - name: deps
    commands: [mvn dependency:go-offline]
    environment: {{ .env }}
    image: {{ .image }}
    {{ .pull }}
  - name: verify
    commands: [mvn verify]
    environment: {{ .env }}
    image: {{ .image }}
    {{ .pull }}
  - name: package
    commands:
      - mvn package
      - echo {{ .VELA_TEMPLATE_NAME }}
    environment: {{ .env }}
    image: {{ .image }}
    {{ .pull }}
secrets:
  - {name: registry_user, key: acme/app/registry/user, engine: native, type: repo}
  - {name: registry_pass, key: acme/app/registry/pass, engine: vault, type: repo}
services:
  - {name: cache, image: "valkey:8"}
"""

USE = """\
      name: maven
      vars:
        image: "maven:3-jdk21"
        env: "{ MAVEN_OPTS: -Xmx1g, CI_MODE: strict }"
        pull: "pull: true"
"""
MAVEN_ENV = {"MAVEN_OPTS": "-Xmx1g", "CI_MODE": "strict"}
MAVEN_STEPS = ["java_deps", "java_verify", "java_package"]


def steps_facts(doc: Any) -> list[tuple[str, str, str, list[str]]]:
    out = []
    for s in doc["steps"]:
        out.append((s["name"], s["image"], s["pull"], s["commands"]))
    return out


MAVEN_FACTS = [
    ("java_deps", "maven:3-jdk21", "always", ["mvn dependency:go-offline"]),
    ("java_verify", "maven:3-jdk21", "always", ["mvn verify"]),
    ("java_package", "maven:3-jdk21", "always", ["mvn package", "echo maven"]),
]


# -- ExpandSteps, Compile_StepsPipelineTemplate ------------------------------------------------


def test_a_steps_pipeline_with_a_go_and_a_pruned_starlark_template(repo: Path) -> None:
    write(
        repo,
        {
            "bundle.yml": BUNDLE,
            ".vela.yml": 'version: "1"\n'
            "environment: {SHARED: mine}\n"
            "templates:\n"
            "  - {name: maven, source: bundle.yml, type: file}\n"
            "  - {name: star, source: never-read.star, type: file, format: starlark}\n"
            "steps:\n  - name: java\n    template:\n" + USE + "  - name: starlark\n"
            "    ruleset: {event: pull_request}\n    template: {name: star}\n"
            "  - {name: publish, image: 'plugins/docker:20', pull: true,"
            " secrets: [{source: registry_user, target: docker_username}]}\n"
            "secrets:\n  - {name: registry_user, key: acme/app/mine, engine: native, type: repo}\n",
        },
    )
    doc = plan()
    assert steps_facts(doc) == [
        *MAVEN_FACTS,
        ("publish", "plugins/docker:20", "always", []),
    ]
    for name in MAVEN_STEPS:
        env = step(doc, name)["environment"]
        assert {k: env[k] for k in (*MAVEN_ENV, "LANG_LEVEL", "SHARED")} == {
            **MAVEN_ENV,
            "LANG_LEVEL": "21",
            "SHARED": "mine",  # the pipeline's wins over the template's
        }
    assert [p["name"] for p in doc["pruned"]["steps"]] == ["starlark"]
    assert [s["name"] for s in doc["services"]] == ["cache"]

    expanded = render("--event", "push")  # without rule data, render expands every step
    assert secrets(expanded) == [
        ("registry_user", "acme/app/mine"),
        ("registry_pass", "acme/app/registry/pass"),
    ]
    assert expanded["environment"] == {"SHARED": "mine", "LANG_LEVEL": "21"}


# -- ExpandStages, Compile_StagesPipelineTemplate ----------------------------------------------


def test_a_stages_pipeline_lifts_what_the_template_adds_to_the_pipeline(repo: Path) -> None:
    indented = USE.replace("\n      ", "\n          ").replace("      name", "          name", 1)
    write(
        repo,
        {
            "bundle.yml": BUNDLE,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: maven, source: bundle.yml, type: file}\n"
            "stages:\n  build:\n    steps:\n      - name: java\n        template:\n"
            + indented
            + "  publish:\n    needs: [build]\n    steps:\n"
            "      - {name: publish, image: 'plugins/docker:20', pull: true, commands: [push]}\n",
        },
    )
    doc = plan()
    assert names(doc) == [*(f"build:{n}" for n in MAVEN_STEPS), "publish:publish"]
    assert [(s["image"], s["pull"]) for s in doc["stages"][0]["steps"]] == [
        ("maven:3-jdk21", "always")
    ] * 3
    assert doc["stages"][0]["steps"][2]["commands"] == ["mvn package", "echo maven"]
    assert doc["stages"][1]["needs"] == ["build"]
    assert [s["name"] for s in doc["services"]] == ["cache"]
    expanded = render()
    assert secrets(expanded) == [
        ("registry_user", "acme/app/registry/user"),
        ("registry_pass", "acme/app/registry/pass"),
    ]
    assert expanded["environment"] == {"LANG_LEVEL": "21", "SHARED": "from-template"}


# -- ExpandStepsMulti ---------------------------------------------------------------------------

VAULT = (
    "  - origin:\n      name: private vault\n      image: vault-plugin:1\n"
    "      secrets: [vault_token]\n      parameters: {addr: vault.example.com}\n"
)
MULTI_SECRETS = (
    "secrets:\n"
    "  - {name: registry_user, key: acme/app/registry/user}\n"
    "  - {name: registry_pass, key: acme/app/registry/pass, engine: vault}\n"
    "  - name: vault_token\n" + VAULT
)


def test_several_templates_share_secrets_and_a_pruned_one_is_not_rendered(repo: Path) -> None:
    one = "steps:\n  - {name: '{{ .tool }}', image: alpine, commands: [echo]}\n"
    write(
        repo,
        {
            "one.yml": one + MULTI_SECRETS + "services:\n  - {name: cache, image: 'valkey:8'}\n",
            "two.yml": one.replace("alpine", "debian")
            + MULTI_SECRETS
            + "  - origin:\n      name: cloud keys\n      image: gcp-plugin:1\n"
            "      parameters: {project: acme}\n"
            "services:\n  - {name: cache, image: 'redis:7'}\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n"
            "  - {name: first, source: one.yml, type: file}\n"
            "  - {name: second, source: two.yml, type: file}\n"
            "  - {name: third, source: one.yml, type: file}\n"
            "steps:\n"
            "  - {name: a, template: {name: first, vars: {tool: lint}}}\n"
            "  - {name: b, ruleset: {branch: main}, template: {name: second, vars: {tool: test}}}\n"
            "  - {name: c, ruleset: {branch: dev}, template: {name: third, vars: {tool: x}}}\n",
        },
    )
    doc = plan("--branch", "main")
    assert [(s["name"], s["image"]) for s in doc["steps"]] == [
        ("a_lint", "alpine"),
        ("b_test", "debian"),
    ]
    assert [p["name"] for p in doc["pruned"]["steps"]] == ["c"]
    assert [(s["name"], s["image"]) for s in doc["services"]] == [("cache", "valkey:8")]
    expanded = render("--branch", "main")
    assert secrets(expanded) == [
        ("registry_user", "acme/app/registry/user"),
        ("registry_pass", "acme/app/registry/pass"),
        ("vault_token", "vault_token"),
        ("origin private vault", ""),
        ("origin cloud keys", ""),
    ]


# -- ExpandStepsStarlark: a Starlark step template, returning a dict or a list ---------------

STAR_DICT = """\
def main(ctx):
    return {
        'version': '1',
        'environment': {'FROM_STAR': 'yes', 'SHARED': 'star'},
        'steps': [{'name': 'compile', 'image': 'golang:1.23', 'commands': ['go build', 'go vet']}],
    }
"""
STAR_LIST = """\
def main(ctx):
    first = {'version': '1', 'steps': [{'name': 'first', 'image': 'alpine', 'commands': ['a']}]}
    second = {'version': '1', 'steps': [{'name': 'second', 'image': 'alpine', 'commands': ['b']}]}
    return [first, second]
"""


@pytest.mark.parametrize(
    ("text", "expected", "environment"),
    [
        (
            STAR_DICT,
            [("go_compile", "golang:1.23", "not_present", ["go build", "go vet"])],
            {"FROM_STAR": "yes", "SHARED": "star"},
        ),
        # a list is one document per item, of which the server reads the first
        (STAR_LIST, [("go_first", "alpine", "not_present", ["a"])], None),
    ],
    ids=["dict", "list"],
)
def test_a_starlark_step_template(
    repo: Path, text: str, expected: list[Any], environment: dict[str, str] | None
) -> None:
    write(
        repo,
        {
            "tmpl.star": text,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: golang, source: tmpl.star, type: file, format: starlark}\n"
            "steps:\n  - {name: go, template: {name: golang}}\n",
        },
    )
    assert steps_facts(plan()) == expected
    assert render().get("environment") == environment


# -- TemplateCallTemplate, CircularFail, the depth, CallTemplateWithRenderInline ---------------

CALLER = (
    "templates:\n  - {name: maven, source: bundle.yml, type: file}\n"
    "steps:\n  - name: via maven\n    template:\n" + USE
)


def test_a_template_that_calls_a_template(repo: Path) -> None:
    write(
        repo,
        {
            "bundle.yml": BUNDLE,
            "caller.yml": 'version: "1"\n' + CALLER,
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: outer, source: caller.yml, type: file}\n"
            "steps:\n  - {name: java, template: {name: outer}}\n",
        },
    )
    doc = plan()
    assert names(doc) == ["java_via maven_deps", "java_via maven_verify", "java_via maven_package"]
    assert step(doc, "java_via maven_package")["commands"] == ["mvn package", "echo maven"]
    assert step(doc, "java_via maven_deps")["environment"]["MAVEN_OPTS"] == "-Xmx1g"
    expanded = render()
    assert secrets(expanded) == [
        ("registry_user", "acme/app/registry/user"),
        ("registry_pass", "acme/app/registry/pass"),
    ]
    assert [s["name"] for s in expanded["services"]] == ["cache"]


def chain(root: Path, length: int) -> None:
    """`.vela.yml` -> t1 -> ... -> t<length>, the last one plain steps."""
    files = {f"t{length}.yml": "steps:\n  - {name: end, image: alpine, commands: [echo]}\n"}
    for i in range(1, length):
        files[f"t{i}.yml"] = (
            f"templates:\n  - {{name: t{i + 1}, source: t{i + 1}.yml, type: file}}\n"
            f"steps:\n  - {{name: s{i + 1}, template: {{name: t{i + 1}}}}}\n"
        )
    files[".vela.yml"] = (
        'version: "1"\ntemplates:\n  - {name: t1, source: t1.yml, type: file}\n'
        "steps:\n  - {name: s1, template: {name: t1}}\n"
    )
    write(root, files)


def test_templates_nest_three_deep_and_no_deeper(repo: Path) -> None:
    chain(repo, 3)
    assert names(plan()) == ["s1_s2_s3_end"]
    chain(repo, 4)
    assert failure() == (
        "t3.yml (rendered):4:26: error: max template depth of 3 exceeded (templates `t1` -> `t2`"
        " -> `t3`)\n"
        "  hint: templates may call templates at most three deep; the server stops there too\n"
        "1 error, 0 warnings\n"
    )


def test_a_template_that_calls_itself(repo: Path) -> None:
    write(
        repo,
        {
            "loop.yml": 'version: "1"\n'
            "templates:\n  - {name: again, source: loop.yml, type: file}\n"
            "steps:\n  - {name: more, template: {name: again}}\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: again, source: loop.yml, type: file}\n"
            "steps:\n  - {name: start, template: {name: again}}\n",
        },
    )
    assert failure() == (
        "loop.yml (rendered):5:28: error: max template depth of 3 exceeded (templates `again` ->"
        " `again` -> `again`, which is circular)\n"
        "  hint: a template must not use itself, directly or through another\n"
        "1 error, 0 warnings\n"
    )


def test_a_called_template_may_not_render_inline(repo: Path) -> None:
    write(
        repo,
        {
            "inline.yml": "metadata: {render_inline: true, template: true}\n"
            "templates:\n  - {name: other, source: other.yml, type: file}\n"
            "stages:\n  s:\n    steps:\n      - {name: x, image: alpine, commands: [echo]}\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: inliner, source: inline.yml, type: file}\n"
            "steps:\n  - {name: start, template: {name: inliner}}\n",
        },
    )
    assert failure() == (
        ".vela.yml:5:29: error: cannot use render_inline inside a called template (`inliner`)\n"
        "  hint: remove `metadata.render_inline` from the template\n"
        "1 error, 0 warnings\n"
    )


# -- DuplicateCalls: a template used twice is fetched once -------------------------------------

SHA = "9" * 40


@pytest.fixture
def github(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGithub]:
    files = {SHA: {"bundle.yml": BUNDLE.encode()}}
    fake = FakeGithub(
        repos={"acme/tmpl": Repo(default_branch="main", refs={"v1": SHA}, files=files)}
    )
    with serve(fake) as server:
        monkeypatch.setenv("VELARUN_GITHUB_API_URL", f"git.acme.test={server.url}/api/v3")
        monkeypatch.setenv("VELARUN_CACHE_DIR", str(repo / "cache"))
        yield server


def test_a_template_used_twice_is_fetched_once(repo: Path, github: FakeGithub) -> None:
    write(
        repo,
        {
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: maven, source: git.acme.test/acme/tmpl/bundle.yml@v1,"
            " type: github}\n"
            "steps:\n  - name: java\n    template:\n" + USE + "  - name: java-again\n"
            "    template:\n" + USE,
        },
    )
    doc = plan()
    assert names(doc) == [*MAVEN_STEPS, *(n.replace("java", "java-again") for n in MAVEN_STEPS)]
    assert [s.path.split("?")[0] for s in github.seen if "/contents/" in s.path] == [
        "/api/v3/repos/acme/tmpl/contents/bundle.yml"
    ]


# -- Compile_InvalidType: of two templates of one name the last counts --------------------------


SVN = (
    "error: template build: unsupported template type: svn\n"
    "  hint: set the template's type to github or file, or give it with --template-file"
    " build:PATH\n"
)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [("file", "svn", (2, None, SVN)), ("svn", "file", (0, ["one_x"], ""))],
    ids=["last-invalid", "last-valid"],
)
def test_the_last_template_of_a_name_counts(
    repo: Path, first: str, last: str, expected: tuple[int, list[str] | None, str]
) -> None:
    write(
        repo,
        {
            "t.yml": "steps:\n  - {name: x, image: alpine, commands: [echo]}\n",
            ".vela.yml": 'version: "1"\ntemplates:\n'
            f"  - {{name: build, source: t.yml, type: {first}}}\n"
            f"  - {{name: build, source: t.yml, type: {last}}}\n"
            "steps:\n  - {name: one, template: {name: build}}\n",
        },
    )
    code, out, err = run("plan", "--format", "json")
    assert (code, names(json.loads(out)) if code == 0 else None, err) == expected


def test_several_merge_keys_in_a_template_are_a_warning(repo: Path) -> None:
    """The server's ExpandStepsWarnings: a template with several `<<` keys in one mapping
    expands, with a warning for each."""
    write(
        repo,
        {
            "t.yml": "aliases:\n  img: &img {image: alpine}\n  on-push: &on-push {ruleset: {event: push}}\n"
            "steps:\n  - name: x\n    <<: *img\n    <<: *on-push\n    commands: [echo]\n",
            ".vela.yml": 'version: "1"\n'
            "templates:\n  - {name: merged, source: t.yml, type: file}\n"
            "steps:\n  - {name: one, template: {name: merged}}\n",
        },
    )
    doc = plan()
    assert (names(doc), doc["diagnostics"]) == (
        ["one_x"],
        [
            {
                "severity": "warning",
                "message": "more than one `<<` merge key in one mapping",
                "line": 7,
                "column": 5,
                "file": "t.yml (rendered)",
                "hint": "merge several anchors with one key: `<<: [*a, *b]`",
            }
        ],
    )
