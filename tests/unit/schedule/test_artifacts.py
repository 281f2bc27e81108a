"""Artifacts on the FakeRuntime: collected once a step ran to its end, failed or not (the
worker's ``pollFiles`` after ``ExecStep``), never for a skipped step; from the host tree in live
mode and from the volume otherwise; a path that matches nothing or a copy that fails is a line,
never a failure."""

from __future__ import annotations

from pathlib import Path

import anyio

from tests.unit.schedule.test_scheduler import compile_text
from velarun.compile.plan import Plan
from velarun.runtime import WorkspaceSource
from velarun.runtime.fake import FakeRuntime, FakeStep
from velarun.schedule.artifacts import ArtifactStore
from velarun.schedule.containers import RunOptions
from velarun.schedule.outcome import RunOutcome
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan

PIPELINE = """
version: "1"
stages:
  test:
    steps:
      - name: unit
        image: alpine
        commands: [make test]
        artifacts:
          paths: [reports/*.xml, missing.txt]
      - name: after
        image: alpine
        commands: [echo]
        artifacts:
          paths: reports/*.xml
  other:
    steps:
      - name: plain
        image: alpine
        commands: [echo]
"""


def run(
    plan: Plan, fake: FakeRuntime, store: ArtifactStore, host: Path | None = None
) -> tuple[RunOutcome, RecordingReporter]:
    recorder = RecordingReporter()
    source = WorkspaceSource(host_path=str(host)) if host is not None else None
    if source is None:  # a copied workspace: an (empty) archive goes into the fake volume
        source = WorkspaceSource(archive=lambda: [b"\0" * 1024])
    options = RunOptions(workspace=source, artifacts=store)
    outcome = anyio.run(run_plan, plan, fake, recorder, options)
    assert fake.leftovers() == []
    return outcome, recorder


def steps_json(outcome: RunOutcome) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    return {s.label: (s.status.value, s.artifacts) for s in outcome.all_steps()}


def test_a_failed_step_keeps_its_artifacts_and_a_later_one_is_skipped(tmp_path: Path) -> None:
    fake = FakeRuntime(
        {"test/unit": FakeStep(exit_code=2, writes=(("reports/unit.xml", b"<testsuite/>"),))}
    )
    store = ArtifactStore(str(tmp_path / "run"), "run")
    outcome, recorder = run(compile_text(PIPELINE), fake, store)
    kept = str(tmp_path / "run" / "test" / "unit" / "reports" / "unit.xml")
    assert steps_json(outcome) == {
        "test/unit": ("failure", (kept,)),
        "test/after": ("skipped", None),
        "other/plain": ("success", None),
    }
    assert Path(kept).read_bytes() == b"<testsuite/>"
    assert recorder.notices == [
        "[stage: test][step: unit] artifacts: 1 file in run/test/unit/",
        "[stage: test][step: unit] artifacts: no file matches `missing.txt` (not a failure,"
        " as in Vela)",
    ]
    # copied after the container ended, before anything was removed
    order = [e for e in fake.events if e[1] == "test/unit"]
    assert order == [
        ("start", "test/unit"),
        ("exit", "test/unit"),
        ("copy_out", "test/unit"),
        ("remove", "test/unit"),
    ]
    assert store.budget.used == len(b"<testsuite/>")


def test_live_mode_copies_from_the_host_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "reports").mkdir(parents=True)
    (tree / "reports" / "old.xml").write_bytes(b"old")  # there before: the worker takes it too
    plan = compile_text(PIPELINE.replace("make test", "true"))
    fake = FakeRuntime({"test/unit": FakeStep(writes=(("reports/new.xml", b"new"),))})
    store = ArtifactStore(str(tmp_path / "run"))
    outcome, recorder = run(plan, fake, store, host=tree)
    unit = tmp_path / "run" / "test" / "unit" / "reports"
    after = tmp_path / "run" / "test" / "after" / "reports"
    assert steps_json(outcome) == {
        "test/unit": ("success", (str(unit / "new.xml"), str(unit / "old.xml"))),
        "test/after": ("success", (str(after / "new.xml"), str(after / "old.xml"))),
        "other/plain": ("success", None),
    }
    assert recorder.notices[-1] == (
        f"[stage: test][step: after] artifacts: 2 files in {tmp_path}/run/test/after/"
    )


def test_a_copy_that_fails_is_a_line_not_a_failure(tmp_path: Path) -> None:
    fake = FakeRuntime({"test/unit": FakeStep(copy_error="the engine said no")})
    outcome, recorder = run(compile_text(PIPELINE), fake, ArtifactStore(str(tmp_path)))
    assert outcome.status.value == "success"
    assert steps_json(outcome)["test/unit"] == ("success", ())
    assert recorder.notices[0] == (
        "[stage: test][step: unit] artifacts: not copied: the engine said no"
    )


def test_no_store_no_copy(tmp_path: Path) -> None:
    fake = FakeRuntime()
    recorder = RecordingReporter()
    outcome = anyio.run(run_plan, compile_text(PIPELINE), fake, recorder, RunOptions())
    assert "copy_out" not in {kind for kind, _ in fake.events}
    assert all(s.artifacts is None for s in outcome.all_steps())
