"""Duplicate step and stage names are checked after pruning, as the server's
``ValidatePipeline`` does: a pipeline whose rulesets leave one copy compiles; on the event that
keeps both, it fails. Cases written after the server's ``steps_name_conflict_purged.yml`` and
``stages_name_conflict_purged.yml`` (compiler/native/testdata), plus the stage forms.

Each row: the pipeline, then for a push and a pull request what `plan` keeps (as
``stage:step``) or prints on stderr with exit 2 (`validate`'s warning about the duplicate
is then said once, as this error).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app

runner = CliRunner()

HEAD = 'version: "1"\n'
PR = "ruleset: {event: pull_request}"
COLLISION = (
    "step `word_key_build` in stage `three` collides with step `build` (line 5): Vela keys"
    " steps as `<stage>_<step>`, both give `three_word_key_build`"
)
STAGE_ERROR = (
    "error: stage `a` is defined twice (also at line 3) and the rulesets keep both for this"
    " rule data\n  hint: give each stage a unique name\n"
)

CASES: list[tuple[str, str, str, str]] = [
    (
        "steps-one-pruned",
        HEAD + "steps:\n"
        "  - {name: build, image: alpine, commands: [make]}\n"
        "  - {name: test, image: alpine, commands: [make test]}\n"
        f"  - {{name: build, image: alpine, commands: [make again], {PR}}}\n",
        "build test",
        "p.yml:5:5: error: step `build` is defined twice (also at line 3) and the rulesets keep"
        " both for this rule data\n  hint: give each step a unique name\n1 error, 0 warnings\n",
    ),
    (
        "stage-step-key-collision-one-pruned",
        HEAD + "stages:\n  three_word_key:\n    steps:\n"
        f"      - {{name: build, image: alpine, commands: [make], {PR}}}\n"
        "  three:\n    steps:\n      - {name: word_key_build, image: alpine, commands: [make]}\n",
        "three:word_key_build",
        f"p.yml:8:9: error: {COLLISION} and the rulesets keep both for this rule data\n"
        "  hint: rename one of the steps or stages\n1 error, 0 warnings\n",
    ),
    (
        "stage-name-twice-one-pruned",
        HEAD + "stages:\n  a:\n    steps:\n      - {name: x, image: alpine, commands: [make]}\n"
        f"  b:\n    name: a\n    steps:\n      - {{name: y, image: alpine, commands: [make], {PR}}}\n",
        "a:x",
        f"p.yml:7:11: {STAGE_ERROR}1 error, 0 warnings\n",
    ),
    (
        "stage-key-twice-one-pruned",
        HEAD + "stages:\n"
        f"  a:\n    steps:\n      - {{name: x, image: alpine, commands: [make], {PR}}}\n"
        "  a:\n    steps:\n      - {name: y, image: alpine, commands: [make]}\n",
        "a:y",
        f"p.yml:6:3: {STAGE_ERROR}1 error, 0 warnings\n",
    ),
    (
        "stage-key-twice-same-step-one-pruned",
        HEAD + "stages:\n"
        f"  a:\n    steps:\n      - {{name: x, image: alpine, commands: [make], {PR}}}\n"
        "  a:\n    steps:\n      - {name: x, image: alpine, commands: [make]}\n",
        "a:x",
        f"p.yml:6:3: {STAGE_ERROR}1 error, 0 warnings\n",
    ),
]


def plan(tmp_path: Path, source: str, event: str) -> tuple[int, str, str]:
    f = tmp_path / "p.yml"
    f.write_text(source)
    args = ["plan", str(f), "--no-git", "--event", event, "--branch", "main", "--format", "json"]
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr.replace(str(tmp_path) + "/", "")


def kept(out: str) -> str:
    doc = json.loads(out)
    if "steps" in doc:
        return " ".join(step["name"] for step in doc["steps"])
    return " ".join(f"{s['name']}:{step['name']}" for s in doc["stages"] for step in s["steps"])


@pytest.mark.parametrize(
    ("source", "on_push", "on_pull_request"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_duplicates_are_decided_after_pruning(
    tmp_path: Path, source: str, on_push: str, on_pull_request: str
) -> None:
    code, out, _ = plan(tmp_path, source, "push")
    assert (code, kept(out)) == (0, on_push)
    code, out, err = plan(tmp_path, source, "pull_request")
    assert (code, out, err) == (2, "", on_pull_request)


def test_duplicates_no_ruleset_can_separate_fail_on_every_event(tmp_path: Path) -> None:
    """Both copies always kept: `validate` (and so `plan`) rejects the file outright."""
    source = (
        HEAD + "stages:\n  a:\n    steps:\n      - {name: x, image: alpine, commands: [make]}\n"
        "  a:\n    steps:\n      - {name: y, image: alpine, commands: [make]}\n"
    )
    expected = (
        "p.yml:6:3: error: stage `a` is already defined at line 3\n"
        "  hint: give each stage a unique name\n1 error, 0 warnings\n"
    )
    for event in ("push", "pull_request"):
        assert plan(tmp_path, source, event) == (2, "", expected)


def test_service_names_are_checked_after_pruning(tmp_path: Path) -> None:
    """The server's ValidatePipeline also keys services by name ("step `db` is already
    defined"): two `db` services compile when a ruleset prunes one, and fail when both stay."""
    f = tmp_path / "p.yml"
    f.write_text(
        HEAD + "services:\n  - {name: db, image: postgres}\n"
        "  - {name: db, image: mysql, ruleset: {event: tag}}\n"
        "steps:\n  - {name: a, image: alpine, commands: [ls]}\n"
    )
    push = runner.invoke(app, ["plan", str(f), "--no-git", "--format", "json"])
    assert push.exit_code == 0, push.stderr
    assert [s["image"] for s in json.loads(push.stdout)["services"]] == ["postgres"]
    tag = runner.invoke(app, ["plan", str(f), "--no-git", "--event", "tag", "--tag", "v1"])
    assert (tag.exit_code, tag.stderr.replace(str(tmp_path) + "/", "")) == (
        2,
        "p.yml:4:5: error: service `db` is defined twice (also at line 3) and the rulesets keep"
        " both for this rule data\n  hint: give each service a unique name\n1 error, 0 warnings\n",
    )
