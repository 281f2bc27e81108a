"""`velarun plan`: errors with positions (exit 2), --explain, rule-data flags and variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.conftest import FIXTURES
from velarun.cli import app
from velarun.inputs import PrepareRequest
from velarun.prepare import Prepared

runner = CliRunner()


def plan_file(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    f = tmp_path / "p.yml"
    f.write_text(text)
    result = runner.invoke(app, ["plan", str(f), *args])
    return result.exit_code, result.stdout, result.stderr.replace(str(tmp_path) + "/", "")


STEP = 'version: "1"\nsteps:\n  - name: a\n    image: alpine\n'
EVAL_HINT = (
    "  hint: `eval` is an expr-lang expression over the step's environment, whose variables"
    " are all strings; it must give a bool\n"
    "1 error, 0 warnings\n"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "    commands:\n      - echo ${{ github.sha }}\n",
            "p.yml:6:9: error: step `a`: cannot substitute `echo ${{ github.sha }}`: unable to parse variable name\n"
            "  hint: Vela has no `${{ ... }}` expressions; write `$${{ ... }}` to pass the text through literally\n"
            "1 error, 0 warnings\n",
        ),
        (
            "    commands:\n      - echo ${FOO\n",
            "p.yml:6:9: error: step `a`: cannot substitute `echo ${FOO`: missing closing brace\n"
            "  hint: write `$${` for a literal `${`\n"
            "1 error, 0 warnings\n",
        ),
        (
            "    commands: [echo]\n    ruleset:\n      branch: 'rel[ease'\n",
            "p.yml:7:15: error: step `a`: invalid glob `rel[ease`: syntax error in pattern\n"
            "  hint: Go glob syntax: `*`, `?`, `[a-z]`, `[^a]`, `\\` escapes\n"
            "1 error, 0 warnings\n",
        ),
        (
            '    commands: [echo]\n    ruleset:\n      branch: [main, "rel[ease"]\n',
            "p.yml:7:22: error: step `a`: invalid glob `rel[ease`: syntax error in pattern\n"
            "  hint: Go glob syntax: `*`, `?`, `[a-z]`, `[^a]`, `\\` escapes\n"
            "1 error, 0 warnings\n",
        ),
        (
            "    commands: [echo]\n    ruleset:\n      matcher: regexp\n      branch: '(?!main)'\n",
            "p.yml:8:15: error: step `a`: invalid regexp `(?!main)`: invalid perl operator: (?!\n"
            "  hint: RE2 syntax: no look-around or back-references\n"
            "1 error, 0 warnings\n",
        ),
        (
            "    commands: [echo]\n    ruleset:\n      eval: 'VELA_BUILD_BRANCH =='\n",
            "p.yml:7:13: error: step `a`: failed to compile eval of `VELA_BUILD_BRANCH ==`:"
            " unexpected token EOF (1:20)\n" + EVAL_HINT,
        ),
        (
            "    commands: [echo]\n    ruleset:\n      eval: 'lower(VELA_BUILD_BRANCH)'\n",
            "p.yml:7:13: error: step `a`: failed to compile eval of `lower(VELA_BUILD_BRANCH)`:"
            " expected bool, but got string\n" + EVAL_HINT,
        ),
        (
            "    commands: [echo]\n    ruleset:\n      eval: VELA_BUILD_BRANCH > 5\n",
            "p.yml:7:13: error: step `a`: failed to compile eval of `VELA_BUILD_BRANCH > 5`:"
            " invalid operation: > (mismatched types string and int) (1:19)\n" + EVAL_HINT,
        ),
        (
            "    commands: [echo]\n    ruleset:\n      if: {branch: main, eval: 'NOT_SET - 1 > 0'}\n",
            "p.yml:7:32: error: step `a`: failed to run eval of `NOT_SET - 1 > 0`:"
            " invalid operation: string - int (1:9)\n" + EVAL_HINT,
        ),
    ],
)
def test_compile_errors_exit_2_with_positions(tmp_path: Path, body: str, expected: str) -> None:
    code, out, err = plan_file(tmp_path, STEP + body)
    assert (code, out, err) == (2, "", expected)


def test_an_image_substitution_makes_invalid_is_an_error_at_the_value(tmp_path: Path) -> None:
    source = (
        'version: "1"\nenvironment: {IMG: BusyBox, OK: alpine}\n'
        'services:\n  - {name: db, image: "${IMG}:1"}\n'
        'steps:\n  - {name: a, image: "${IMG}", commands: [ls]}\n'
        '  - {name: b, image: "${OK}:3.20", commands: [ls]}\n'
    )
    assert plan_file(tmp_path, source, "--no-git") == (
        2,
        "",
        "p.yml:4:23: error: service `db`: image `${IMG}:1` becomes `BusyBox:1`, not a valid"
        " reference: repository name must be lowercase\n"
        "  hint: check the variables it uses; an image is `name[:tag]` in lowercase\n"
        "p.yml:6:22: error: step `a`: image `${IMG}` becomes `BusyBox`, not a valid reference:"
        " repository name must be lowercase\n"
        "  hint: check the variables it uses; an image is `name[:tag]` in lowercase\n"
        "2 errors, 0 warnings\n",
    )


def test_substitution_errors_point_at_the_value_once(tmp_path: Path) -> None:
    """Each bad value at the item or value that holds it; one inherited by many containers
    (pipeline or stage environment) reported once, as that environment's."""
    source = (
        'version: "1"\n'
        "environment:\n"
        '  FROM_TOP: "${TOP"\n'
        "services:\n"
        "  - name: db\n"
        "    image: alpine\n"
        '    entrypoint: [sh, -c, "echo ${SVC"]\n'
        "stages:\n"
        "  build:\n"
        "    environment:\n"
        '      FROM_STAGE: "${STAGE"\n'
        "    steps:\n"
        "      - name: a\n"
        "        image: alpine\n"
        "        environment:\n"
        "          - FROM_STEP=${STEP\n"
        "        commands:\n"
        "          - echo fine\n"
        "          - echo ${arr[@]}\n"
        "      - {name: b, image: alpine, commands: [echo fine]}\n"
    )
    hint = "  hint: write `$${` for a literal `${`\n"
    expected = (
        "p.yml:3:13: error: the pipeline's `environment`: cannot substitute `${TOP`: missing"
        " closing brace\n" + hint + "p.yml:7:26: error: service `db`: cannot substitute"
        " `echo ${SVC`: missing closing brace\n" + hint + "p.yml:11:19: error: the environment"
        " of stage `build`: cannot substitute `${STAGE`: missing closing brace\n"
        + hint
        + "p.yml:16:13: error: step `a`: cannot substitute `${STEP`: missing closing brace\n"
        + hint
        + "p.yml:19:13: error: step `a`: cannot substitute `echo ${arr[@]}`: missing closing"
        " brace\n" + hint + "5 errors, 0 warnings\n"
    )
    assert plan_file(tmp_path, source) == (2, "", expected)


def test_invalid_pipeline_exits_2() -> None:
    result = runner.invoke(app, ["plan", str(FIXTURES / "invalid.vela.yml")])
    assert result.exit_code == 2
    assert result.stderr.endswith("2 errors, 5 warnings\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--event", "delete"],
            "error: event `delete` needs an action\n  hint: pass --event delete:branch or --event delete:tag\n",
        ),
        (
            ["--event", "tag"],
            "error: a tag event needs a tag\n  hint: pass --tag v1.2.3 (or set VELA_TAG)\n",
        ),
        (
            ["--repo", "x"],
            "error: repo `x` is not `org/name`\n  hint: pass --repo octocat/hello-world\n",
        ),
        (
            ["--env", "NOPE"],
            "error: --env `NOPE` is not KEY=VALUE\n  hint: write --env NAME=value\n",
        ),
        (
            ["--format", "yaml"],
            "error: --format `yaml` is not one of text, json, mermaid, dot\n"
            "  hint: --format text|json|mermaid|dot\n",
        ),
    ],
)
def test_bad_rule_data_is_a_usage_error(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", str(FIXTURES / "seed/stage-needs.vela.yml"), *args])
    assert (result.exit_code, result.stderr) == (2, message)


def test_rule_data_from_environment_variables() -> None:
    result = runner.invoke(
        app,
        ["plan", str(FIXTURES / "seed/stage-rulesets.vela.yml"), "--format", "json"],
        env={"VELA_BRANCH": "main", "VELA_EVENT": "push", "VELA_REPO": "octo/app"},
    )
    data = json.loads(result.stdout)
    assert (data["ruledata"]["branch"], data["ruledata"]["repo"]) == ("main", "octo/app")
    assert [s["name"] for s in data["stages"]] == ["build", "deploy", "notify"]


def test_env_flag_sits_above_defaults_for_non_detached_steps(tmp_path: Path) -> None:
    text = (
        'version: "1"\nenvironment: {CI: "false", MINE: yaml}\nsteps:\n'
        "  - {name: a, image: i, commands: [x], parameters: {mine: param}}\n"
        "  - {name: bg, image: i, detach: true}\n"
    )
    code, out, _ = plan_file(
        tmp_path, text, "--format", "json", "--env", "MINE=flag", "--env", "CI=flag"
    )
    assert code == 0
    a, bg = json.loads(out)["steps"]
    assert (a["environment"]["CI"], a["environment"]["MINE"]) == ("flag", "flag")
    assert a["environment"]["PARAMETER_MINE"] == "param"
    assert (bg["environment"]["CI"], bg["environment"]["MINE"]) == ("true", "yaml")


def test_explain_a_pruned_step() -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            str(FIXTURES / "seed/stage-rulesets.vela.yml"),
            "--branch",
            "issue-123",
            "--explain",
            "Publish My Docker Image",
        ],
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "step `Publish My Docker Image` in stage `deploy`: pruned\n"
        "  if (operator and, matcher filepath)\n"
        "    branch   data `issue-123`  vs  `main`  ->  no match\n"
        "    not evaluated (decided earlier): event\n"
        "  verdict: pruned, branch `issue-123` does not match `main`\n"
    )


def test_explain_a_stage_and_a_kept_step() -> None:
    args = ["plan", str(FIXTURES / "seed/stage-needs.vela.yml"), "--branch", "main"]
    result = runner.invoke(app, [*args, "--explain", "y-stage"])
    assert result.stdout == (
        "stage `y-stage`: runs\n"
        "  needs as written: compile-time-ruleset-stage\n"
        "  needs in the plan: (none: starts at once)\n"
        "  dropped need: compile-time-ruleset-stage (pruned)\n"
        "  step `what repo is this`: runs\n"
    )
    result = runner.invoke(app, [*args, "--explain", "fail"])
    assert result.stdout == (
        "step `fail` in stage `runtime-ruleset-stage`: runs\n"
        "  if (operator and, matcher filepath)\n"
        "    status   data `pending`  vs  `failure`  ->  not evaluated at compile time (decided while the build runs)\n"
        "  at run time: runs only if the build status is failure\n"
    )


def test_explain_unknown_name() -> None:
    result = runner.invoke(
        app, ["plan", str(FIXTURES / "seed/stage-rulesets.vela.yml"), "--explain", "nope"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: no step or stage is named `nope`\n  hint: names: `Build My Code`"
    )


def test_events_truth_table() -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            str(FIXTURES / "compile/kitchen-sink.vela.yml"),
            "--events",
            "push,pull_request,tag:v1.2.3,comment",
            "--file-changeset",
            "docs/a.md",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "STEP                 push   pull_request  tag:v1.2.3  comment\n"
        "greet                runs   runs          runs        runs\n"
        "publish              runs   -             -           -\n"
        "docs-only            runs   runs          runs        runs\n"
        "not-on-main          -      -             -           -\n"
        "pr-or-tag            -      runs          runs        -\n"
        "flaky                runs   runs          runs        runs\n"
        "on-failure           runs*  runs*         runs*       runs*\n"
        "unless-status-quirk  -      -             -           -\n"
        "or-status-kept       runs*  runs*         runs*       runs*\n"
        "background           runs   runs          runs        runs\n"
        "\n"
        "runs: compiled in for that event; runs*: also has a status rule decided at run\n"
        "time; -: pruned. Other rule data as in the header of `velarun plan`.\n"
    )
    bad = runner.invoke(
        app, ["plan", str(FIXTURES / "compile/kitchen-sink.vela.yml"), "--events", "push,delete"]
    )
    assert (bad.exit_code, bad.stderr) == (
        2,
        "error: --events `delete`: event `delete` needs an action\n"
        "  hint: pass --event delete:branch or --event delete:tag\n",
    )


def test_selection_in_plan() -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            str(FIXTURES / "seed/stage-needs.vela.yml"),
            "--format",
            "json",
            "--stage",
            "x-stage",
        ],
    )
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["stages"]] == ["run-first", "runtime-ruleset-stage", "x-stage"]
    assert {"name": "y-stage", "reason": "not needed by --stage/--step x-stage"} in data["pruned"][
        "stages"
    ]


STAGES = (
    'version: "1"\nstages:\n'
    "  build:\n    steps:\n      - {name: compile, image: alpine, commands: [ls]}\n"
    "  test:\n    needs: [build]\n    steps:\n      - {name: unit, image: alpine, commands: [ls]}\n"
)
PRUNED = (
    'version: "1"\nsteps:\n'
    "  - {name: a, image: alpine, commands: [ls], ruleset: {branch: release}}\n"
)

RULED = (
    'version: "1"\nstages:\n'
    "  build:\n    steps:\n      - {name: compile, image: alpine, commands: [ls]}\n"
    "      - {name: deploy, image: alpine, commands: [ls], ruleset: {branch: release}}\n"
    "  test:\n    needs: [build]\n    steps:\n      - {name: unit, image: alpine, commands: [ls]}\n"
    "  release:\n    steps:\n"
    "      - {name: publish, image: alpine, commands: [ls], ruleset: {branch: release}}\n"
)


@pytest.mark.parametrize(
    ("source", "args", "message"),
    [
        (
            STAGES,
            ["--stage", "tset"],
            "error: no stage `tset` in the plan\n  hint: stages: `build`, `test`\n",
        ),
        (
            STAGES,
            ["--step", "comp"],
            "error: no step `comp` in the plan\n  hint: steps: `build/compile`, `test/unit`\n",
        ),
        (
            STEP + "    commands: [ls]\n",
            ["--stage", "build"],
            "error: --stage needs a stages pipeline\n  hint: use --step for steps pipelines\n",
        ),
        (
            PRUNED,
            ["--skip-step", "b"],
            "error: no step `b` in the plan\n  hint: steps: none survived\n",
        ),
        (
            RULED,
            ["--step", "deploy"],
            "error: --step `deploy`: the step exists but its rules pruned it: branch `main` does"
            " not match `release`\n"
            "  hint: run `velarun plan --explain deploy` to see the rule data it was matched"
            " against\n",
        ),
        (
            RULED,
            ["--stage", "release"],
            "error: --stage `release`: the stage exists but its rules pruned it: every step was"
            " pruned (publish: branch `main` does not match `release`)\n"
            "  hint: run `velarun plan --explain release` to see why\n",
        ),
        (
            RULED,
            ["--stage", "compile"],
            "error: no stage `compile` in the plan\n  hint: `compile` is a step: use --step compile\n",
        ),
        (
            RULED,
            ["--stage", "publish"],
            "error: no stage `publish` in the plan\n  hint: `publish` is a step: use --step publish\n",
        ),
        (
            RULED,
            ["--step", "test"],
            "error: no step `test` in the plan\n  hint: `test` is a stage: use --stage test\n",
        ),
        (
            RULED,
            ["--skip-step", "compile", "--skip-step", "unit"],
            "error: no steps left to run after removing skipped steps\n"
            "  hint: --skip-step `compile`, `unit` removed every step\n",
        ),
    ],
)
def test_selection_errors(tmp_path: Path, source: str, args: list[str], message: str) -> None:
    code, out, err = plan_file(tmp_path, source, "--no-git", *args)
    assert (code, out, err) == (2, "", message)


@pytest.mark.parametrize("name", ["deploy", "build/deploy"])
def test_skipping_a_step_its_rules_pruned_warns_and_goes_on(tmp_path: Path, name: str) -> None:
    code, out, err = plan_file(tmp_path, RULED, "--no-git", "--skip-step", name, "--format", "json")
    assert (code, err.split("rule data:")[0]) == (
        0,
        f"warning: --skip-step `{name}`: the step exists but its rules pruned it (branch `main`"
        " does not match `release`): nothing to skip\n",
    )
    assert [s["name"] for st in json.loads(out)["stages"] for s in st["steps"]] == [
        "compile",
        "unit",
    ]


RENDER_INLINE = 'version: "1"\nmetadata:\n  render_inline: true\n'
UNREACHABLE = (
    "error: template go from github.com/org/repo/go.yml: cannot reach http://127.0.0.1:9 (GET"
    " http://127.0.0.1:9/repos/org/repo: Connection refused), and no copy is cached\n"
    "  hint: check the network (or VELARUN_GITHUB_API_URL if github.com's API is not at"
    " http://127.0.0.1:9), or give the template's file with --template-file go:PATH\n"
)


@pytest.mark.parametrize(
    ("body", "code", "stderr"),
    [
        (
            "templates:\n  - {name: go, source: github.com/org/repo/go.yml, type: github}\n",
            3,
            UNREACHABLE,
        ),
        (
            "templates:\n  - {name: go, source: missing.yml, type: file}\n",
            3,
            "error: template go: cannot read file missing.yml in the repository (p/missing.yml):"
            " no such file\n"
            "  hint: check the path, or give the template's file with --template-file go:PATH\n",
        ),
        (
            "templates:\n  - {name: empty, source: empty.yml, type: file}\n",
            2,
            "p/p.yml:5:5: error: empty template empty provided: template must contain secrets,"
            " services, stages or steps\n"
            "  hint: make the template return at least one step\n"
            "1 error, 0 warnings\n",
        ),
    ],
    ids=["unreachable", "missing-file", "renders-nothing"],
)
def test_render_inline_never_runs_as_an_empty_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, code: int, stderr: str
) -> None:
    """A pipeline velarun cannot fully expand never runs as a successful empty build: `plan`
    and `exec` stop before any engine is touched, naming the template."""
    from velarun.cli.exec import Deps
    from velarun.lifecycle import Engine

    def no_engine(run_id: str) -> Engine:
        raise AssertionError("the engine was opened")

    monkeypatch.setenv("VELARUN_GITHUB_API_URL", "github.com=http://127.0.0.1:9")
    monkeypatch.setenv("VELARUN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "p").mkdir()
    f = tmp_path / "p" / "p.yml"
    f.write_text(RENDER_INLINE + body)
    (tmp_path / "p" / "empty.yml").write_text('version: "1"\n')
    for command in ("plan", "exec"):
        result = runner.invoke(app, [command, str(f), "--no-git"], obj=Deps(no_engine))
        err = result.stderr.replace(str(tmp_path) + "/", "")
        err = "".join(ln for ln in err.splitlines(True) if not ln.startswith("rule data:"))
        assert (result.exit_code, result.stdout, err) == (code, "", stderr), command


def test_render_inline_without_templates_is_the_file_itself(tmp_path: Path) -> None:
    """The server renders nothing inline when the file lists no templates."""
    f = tmp_path / "p.yml"
    f.write_text(RENDER_INLINE + "steps:\n  - {name: a, image: alpine, commands: [ls]}\n")
    result = runner.invoke(app, ["plan", str(f), "--no-git", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [s["name"] for s in json.loads(result.stdout)["steps"]] == ["a"]


@pytest.mark.parametrize(
    ("args", "exit_code", "enabled_in_prepare"),
    [
        ([], 0, [False]),
        (["--format", "json"], 0, [False]),
        (["--explain", "sleep for 10"], 0, [False]),
        (["--bad"], 2, []),  # refused by the parser: prepare never runs
    ],
)
def test_the_collector_is_paused_for_the_command_and_back_after(
    args: list[str], exit_code: int, enabled_in_prepare: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import velarun.prepare

    seen: list[bool] = []
    real = velarun.prepare.prepare

    def watched(request: PrepareRequest) -> Prepared:
        seen.append(gc.isenabled())
        return real(request)

    monkeypatch.setattr(velarun.prepare, "prepare", watched)
    assert gc.isenabled()
    result = runner.invoke(app, ["plan", str(FIXTURES / "seed/stage-needs.vela.yml"), *args])
    assert (result.exit_code, seen, gc.isenabled()) == (exit_code, enabled_in_prepare, True)


def test_help_names_the_formats() -> None:
    result = runner.invoke(app, ["plan", "--help"])
    words = " ".join(result.stdout.split())
    assert (
        "--format FORMAT text (for people), json (the plan contract), mermaid (a flowchart for"
        " GitHub and GitLab pages) or dot (Graphviz): the graphs draw stages, steps and needs,"
        " what was pruned dashed. [default: text]"
    ) in words
