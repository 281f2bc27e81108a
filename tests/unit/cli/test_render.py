"""`velarun render` (the expanded pipeline as YAML, as `vela expand` prints it), `validate` of
templated pipelines, and Starlark pipeline files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app

runner = CliRunner()

TEMPLATE = """\
environment: {FROM_TEMPLATE: "yes"}
steps:
{{- range .targets }}
  - name: {{ . }}
    image: golang:1.23
    commands: [GOOS={{ . }} go build]
{{- end }}
"""
PIPELINE = """\
version: "1"
templates:
  - {name: cross, source: cross.yml, type: file}
steps:
  - name: build
    template: {name: cross, vars: {targets: [linux, darwin]}}
  - name: release
    ruleset: {event: tag}
    template: {name: cross, vars: {targets: [windows]}}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cross.yml").write_text(TEMPLATE)
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    return tmp_path


STEP = """\
  # from template `cross` (file cross.yml) of step `{step}`
  - name: {step}_{target}
    image: golang:1.23
    commands:
      - GOOS={target} go build
"""


@pytest.mark.usefixtures("repo")
def test_render_expands_every_templated_step_without_rule_data() -> None:
    result = runner.invoke(app, ["render", "--no-git"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "version: \"1\"\nenvironment:\n  FROM_TEMPLATE: 'yes'\n\nsteps:\n"
        + STEP.format(step="build", target="linux")
        + STEP.format(step="build", target="darwin")
        + STEP.format(step="release", target="windows")
    )


@pytest.mark.usefixtures("repo")
def test_render_with_rule_data_leaves_a_pruned_step_unrendered() -> None:
    result = runner.invoke(app, ["render", "--no-git", "--event", "push"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "version: \"1\"\nenvironment:\n  FROM_TEMPLATE: 'yes'\n\nsteps:\n"
        + STEP.format(step="build", target="linux")
        + STEP.format(step="build", target="darwin")
        + "  # not rendered: its ruleset prunes it for this rule data\n"
        "  - name: release\n    template:\n      name: cross\n      vars:\n        targets:\n"
        "          - windows\n    ruleset:\n      if:\n        event:\n          - tag\n"
        "\ntemplates:\n  - name: cross\n    source: cross.yml\n    type: file\n"
    )


def test_validate_expands_templates_and_reports_their_problems(repo: Path) -> None:
    result = runner.invoke(app, ["validate"])
    assert (result.exit_code, result.stdout) == (
        0,
        "0 errors, 0 warnings\n.vela.yml is valid: 3 steps\n",
    )
    (repo / "cross.yml").write_text("steps:\n  - name: x\n    image: {{ .image }\n")
    result = runner.invoke(app, ["validate"])
    assert (result.exit_code, result.stdout) == (
        2,
        "cross.yml:3:1: error: template `cross` for step `build`: template: build:3: unexpected"
        ' "}" in operand\n'
        "  hint: fix the template, or pass a local copy with --template-file NAME:PATH\n"
        "1 error, 0 warnings\n",
    )


def test_a_starlark_pipeline_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vela.star").write_text(
        "def main(ctx):\n"
        "    return {'version': '1', 'steps': [\n"
        "        {'name': 'hello', 'image': 'alpine',"
        " 'commands': ['echo ' + ctx['vela']['build']['branch']]},\n"
        "    ]}\n"
    )
    result = runner.invoke(app, ["render", ".vela.star", "--no-git", "--branch", "dev"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        'version: "1"\n\nsteps:\n  - name: hello\n    image: alpine\n    commands:\n'
        "      - echo dev\n"
    )
    (tmp_path / ".vela.star").write_text("def main(ctx):\n    return 1 +\n")
    result = runner.invoke(app, ["validate", ".vela.star"])
    assert (result.exit_code, result.stdout) == (
        2,
        ".vela.star:3:1: error: the starlark pipeline: got newline, want primary expression\n"
        "  hint: fix the pipeline file\n"
        "1 error, 0 warnings\n",
    )
