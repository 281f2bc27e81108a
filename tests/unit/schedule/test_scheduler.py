"""The scheduler on the FakeRuntime: every run-time rule of the server worker, deterministic.

Each test compiles a real pipeline, runs it on a FakeRuntime whose containers are scripted
(exit code, duration, logs, outputs), and asserts on the outcomes and on the runtime's event
log (starts, exits, kills, removals) — never on wall-clock time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import FIXTURES
from tests.unit.helpers import compile_text
from velarun.compile.plan import Plan
from velarun.runtime.fake import FakeRuntime, FakeStep
from velarun.schedule.containers import RunOptions
from velarun.schedule.debug import DebugOptions
from velarun.schedule.outcome import RunOutcome
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan


def compile_file(path: Path, **data: Any) -> Plan:
    return compile_text(path.read_text(), **data)


def run(
    plan: Plan,
    fake: FakeRuntime,
    cancel_after: float | None = None,
    *,
    options: RunOptions | None = None,
    debug: DebugOptions | None = None,
    recorder: RecordingReporter | None = None,
) -> RunOutcome:
    """Run ``plan`` on ``fake`` (Ctrl-C after ``cancel_after`` seconds), then check the
    protocol's cleanup guarantees."""
    recorder = recorder or RecordingReporter()

    async def main() -> RunOutcome:
        scope = anyio.CancelScope()
        async with anyio.create_task_group() as tg:
            if cancel_after is not None:

                async def cancel() -> None:
                    await anyio.sleep(cancel_after)
                    scope.cancel()

                tg.start_soon(cancel)
            outcome = await run_plan(plan, fake, recorder, options, cancel_scope=scope, debug=debug)
            tg.cancel_scope.cancel()
        return outcome

    outcome = anyio.run(main)
    # The protocol's cleanup guarantees, after every run whatever happened:
    assert fake.leftovers() == []
    assert fake.events[-1] == ("teardown", "")
    return outcome


def statuses(outcome: RunOutcome) -> dict[str, str]:
    return {
        (f"{s.stage}/{s.name}" if s.stage else s.name): s.status.value for s in outcome.all_steps()
    }


def index(fake: FakeRuntime, kind: str, label: str) -> int:
    return fake.events.index((kind, label))


STAGES = """version: "1"
stages:
  build:
    steps:
      - {name: compile, image: img, commands: [make]}
  test:
    needs: [build]
    steps:
      - {name: unit, image: img, commands: [make test]}
  lint:
    steps:
      - {name: vet, image: img, commands: [make vet]}
"""


def test_a_stage_starts_when_its_needs_finish_and_others_start_at_once() -> None:
    fake = FakeRuntime({"build/compile": FakeStep(delay=0.2), "lint/vet": FakeStep(delay=0.05)})
    outcome = run(compile_text(STAGES), fake)
    assert outcome.status.value == "success" and outcome.exit_code == 0
    assert index(fake, "exit", "build/compile") < index(fake, "start", "test/unit")
    assert index(fake, "start", "lint/vet") < index(fake, "exit", "build/compile")
    assert statuses(outcome) == {
        "build/compile": "success",
        "test/unit": "success",
        "lint/vet": "success",
    }


def test_seed_y_stage_starts_at_once_on_a_push_to_main() -> None:
    plan = compile_file(FIXTURES / "seed/stage-needs.vela.yml", branch="main")
    fake = FakeRuntime({"run-first/sleep for 10": FakeStep(delay=0.3)})
    outcome = run(plan, fake)
    assert index(fake, "start", "y-stage/what repo is this") < index(
        fake, "exit", "run-first/sleep for 10"
    )
    # x-stage still waits, through runtime-ruleset-stage, for run-first.
    assert index(fake, "exit", "run-first/sleep for 10") < index(
        fake, "start", "x-stage/who ran the build"
    )
    assert statuses(outcome) == {
        "run-first/sleep for 10": "success",
        "runtime-ruleset-stage/fail": "skipped",
        "x-stage/who ran the build": "success",
        "y-stage/what repo is this": "success",
    }
    skipped = outcome.stages[1].steps[0]
    assert skipped.reason == (
        "ruleset at run time (build status success): status `success` does not match `failure`"
    )


def test_seed_notify_runs_its_failure_step_when_build_fails() -> None:
    plan = compile_file(FIXTURES / "seed/stage-rulesets.vela.yml", branch="issue-123")
    fake = FakeRuntime({"build/Build My Code": FakeStep(exit_code=2, logs=("boom",))})
    outcome = run(plan, fake)
    assert statuses(outcome) == {
        "build/Build My Code": "failure",
        "notify/Report Failure": "success",
    }
    assert outcome.status.value == "failure" and outcome.exit_code == 1
    assert outcome.stages[0].steps[0].exit_code == 2
    assert outcome.stages[0].steps[0].reason == "exited with code 2"


def test_seed_notify_failure_step_is_skipped_when_the_build_passes() -> None:
    plan = compile_file(FIXTURES / "seed/stage-rulesets.vela.yml", branch="issue-123")
    outcome = run(plan, FakeRuntime())
    assert statuses(outcome)["notify/Report Failure"] == "skipped"
    assert outcome.status.value == "success"


def test_failure_skips_later_steps_of_other_stages_but_running_ones_finish() -> None:
    text = """version: "1"
stages:
  fast:
    steps:
      - {name: broken, image: img, commands: [exit 1]}
  slow:
    steps:
      - {name: long, image: img, commands: [sleep 1]}
      - {name: after, image: img, commands: [echo]}
      - {name: cleanup, image: img, commands: [echo], ruleset: {status: [success, failure]}}
"""
    fake = FakeRuntime({"fast/broken": FakeStep(exit_code=1), "slow/long": FakeStep(delay=0.2)})
    outcome = run(compile_text(text), fake)
    assert statuses(outcome) == {
        "fast/broken": "failure",
        "slow/long": "success",
        "slow/after": "skipped",
        "slow/cleanup": "success",
    }
    assert ("kill", "slow/long") not in fake.events
    after = outcome.stages[1].steps[1]
    assert after.reason == (
        "the build failed earlier (step `fast/broken` failed) and the step has no status rule"
    )


def test_independent_stage_keeps_going_and_its_own_failure_fails_the_build() -> None:
    text = """version: "1"
stages:
  a:
    steps:
      - {name: broken, image: img, commands: [exit 1]}
  b:
    independent: true
    steps:
      - {name: one, image: img, commands: [sleep 1]}
      - {name: two, image: img, commands: [echo]}
      - {name: on-own-failure, image: img, commands: [echo], ruleset: {status: failure}}
  c:
    independent: true
    steps:
      - {name: fails, image: img, commands: [exit 3]}
      - {name: skipped, image: img, commands: [echo]}
      - {name: handler, image: img, commands: [echo], ruleset: {status: failure}}
"""
    fake = FakeRuntime(
        {
            "a/broken": FakeStep(exit_code=1),
            "b/one": FakeStep(delay=0.1),
            "c/fails": FakeStep(exit_code=3),
        }
    )
    outcome = run(compile_text(text), fake)
    assert statuses(outcome) == {
        "a/broken": "failure",
        "b/one": "success",
        "b/two": "success",
        "b/on-own-failure": "skipped",
        "c/fails": "failure",
        "c/skipped": "skipped",
        "c/handler": "success",
    }
    assert outcome.status.value == "failure"
    assert outcome.stages[2].steps[1].reason == (
        "this independent stage failed earlier (step `c/fails` failed) and the step has no"
        " status rule"
    )


def test_continue_keeps_the_build_green() -> None:
    text = """version: "1"
steps:
  - {name: flaky, image: img, commands: [exit 1], ruleset: {continue: true}}
  - {name: next, image: img, commands: [echo]}
  - {name: handler, image: img, commands: [echo], ruleset: {status: failure}}
"""
    outcome = run(compile_text(text), FakeRuntime({"flaky": FakeStep(exit_code=1)}))
    assert statuses(outcome) == {"flaky": "failure", "next": "success", "handler": "skipped"}
    assert outcome.status.value == "success" and outcome.exit_code == 0
    assert (
        outcome.all_steps()[0].reason
        == "exited with code 1; `continue: true` keeps the build going"
    )


def test_steps_pipeline_skips_after_failure_and_runs_handlers() -> None:
    text = """version: "1"
steps:
  - {name: a, image: img, commands: [exit 4]}
  - {name: b, image: img, commands: [echo]}
  - {name: c, image: img, commands: [echo], ruleset: {status: failure}}
  - {name: d, image: img, commands: [echo], ruleset: {status: [success, failure]}}
"""
    fake = FakeRuntime({"a": FakeStep(exit_code=4)})
    outcome = run(compile_text(text), fake)
    assert statuses(outcome) == {"a": "failure", "b": "skipped", "c": "success", "d": "success"}
    assert fake.started() == ["a", "c", "d"]


def test_status_and_path_rule_is_skipped_at_run_time_like_the_server() -> None:
    text = """version: "1"
steps:
  - name: docs
    image: img
    commands: [echo]
    ruleset: {path: ["*.md"], status: [success, failure]}
"""
    plan = compile_text(text, paths=("README.md",))
    outcome = run(plan, FakeRuntime())
    assert statuses(outcome) == {"docs": "skipped"}
    assert outcome.all_steps()[0].reason == (
        "ruleset at run time (build status success): no changed files given, so path `*.md`"
        " cannot match"
    )


def test_infrastructure_error_ends_the_build_with_error_and_kills_the_rest() -> None:
    text = """version: "1"
stages:
  a:
    steps:
      - {name: cannot-start, image: img, commands: [echo]}
  b:
    steps:
      - {name: long, image: img, commands: [sleep 9]}
      - {name: never, image: img, commands: [echo]}
"""
    fake = FakeRuntime(
        {"a/cannot-start": FakeStep(start_error="no such entrypoint"), "b/long": FakeStep(delay=5)}
    )
    outcome = run(compile_text(text), fake)
    assert outcome.status.value == "error" and outcome.exit_code == 3
    assert outcome.error == "no such entrypoint"
    assert statuses(outcome) == {
        "a/cannot-start": "error",
        "b/long": "killed",
        "b/never": "skipped",
    }
    assert outcome.stages[1].steps[0].reason == "killed: the build stopped on an error"


def test_image_error_stops_before_any_container() -> None:
    fake = FakeRuntime(image_error="step `build/compile`: image `img` is not present")
    outcome = run(compile_text(STAGES), fake)
    assert outcome.status.value == "error" and outcome.exit_code == 3
    assert fake.started() == []
    assert set(statuses(outcome).values()) == {"skipped"}
    assert outcome.stages[0].steps[0].reason == "the build stopped on an error"


MISSING_IMAGE = """version: "1"
services:
  - {name: db, image: db-img}
stages:
  build:
    steps:
      - {name: compile, image: img, commands: [make]}
  test:
    needs: [build]
    steps:
      - {name: unit, image: gone, pull: never, commands: [make test]}
      - {name: again, image: gone, pull: never, commands: [make test]}
"""


def test_a_step_whose_image_cannot_be_had_errs_and_the_build_errs() -> None:
    # The server records the step whose image is missing or failed to pull as `error`, and
    # the build as `error` (exit 3); nothing else starts.
    fake = FakeRuntime(missing_image="gone")
    outcome = run(compile_text(MISSING_IMAGE), fake)
    assert (outcome.status.value, outcome.exit_code, fake.started()) == ("error", 3, [])
    message = "step `test/unit`: image `gone` is not present locally and its pull policy is `never`"
    assert [(s.label, s.status.value, s.reason) for s in outcome.all_steps()] == [
        ("build/compile", "skipped", "the build stopped on an error"),
        ("test/unit", "error", message),
        ("test/again", "skipped", "the build stopped on an error"),
    ]
    assert [st.status.value for st in outcome.stages] == ["skipped", "error"]
    assert outcome.services == ()


def test_a_service_whose_image_cannot_be_had_errs() -> None:
    fake = FakeRuntime(missing_image="db-img")
    outcome = run(compile_text(MISSING_IMAGE), fake)
    assert [(s.name, s.kind, s.status.value, s.reason) for s in outcome.services] == [
        (
            "db",
            "service",
            "error",
            "step `db`: image `db-img` is not present locally and its pull policy is `not_present`",
        )
    ]
    assert (outcome.status.value, set(statuses(outcome).values())) == ("error", {"skipped"})


def test_cancel_kills_running_steps_cleans_up_and_reports_canceled() -> None:
    fake = FakeRuntime({"build/compile": FakeStep(delay=10), "lint/vet": FakeStep(delay=10)})
    outcome = run(compile_text(STAGES), fake, cancel_after=0.1)
    assert outcome.status.value == "canceled" and outcome.exit_code == 130
    assert statuses(outcome) == {
        "build/compile": "killed",
        "test/unit": "skipped",
        "lint/vet": "killed",
    }
    assert outcome.stages[0].steps[0].exit_code == 137
    assert outcome.stages[1].steps[0].reason == "the build was canceled"
    assert {label for kind, label in fake.events if kind == "remove"} == {
        "build/compile",
        "lint/vet",
    }


def test_services_and_detached_steps_run_in_the_background_and_never_fail_the_build() -> None:
    text = """version: "1"
services:
  - {name: db, image: postgres}
steps:
  - {name: cache, image: redis, detach: true}
  - {name: test, image: img, commands: [echo]}
"""
    fake = FakeRuntime(
        {"db": FakeStep(exit_code=1, logs=("ready",)), "cache": FakeStep(exit_code=1)}
    )
    recorder_outcome = run(compile_text(text), fake)
    assert recorder_outcome.status.value == "success"
    assert fake.started() == ["db", "cache", "test"]
    assert ("kill", "db") in fake.events and ("kill", "cache") in fake.events
    assert [s.name for s in recorder_outcome.services] == ["db"]
    assert recorder_outcome.services[0].reason == "service: stopped at the end of the build"
    assert statuses(recorder_outcome) == {"cache": "success", "test": "success"}


def test_services_and_detached_steps_that_exit_on_their_own_are_said_to_and_keep_their_code() -> (
    None
):
    # The worker inspects each before removing it: one that ended with a code other than 0 is
    # a `failure` with that code; the build's status is left alone (exit 0 here).
    text = """version: "1"
services:
  - {name: db, image: postgres}
  - {name: web, image: nginx}
steps:
  - {name: cache, image: redis, detach: true}
  - {name: test, image: img, commands: [echo]}
"""
    fake = FakeRuntime(
        {
            "db": FakeStep(exit_code=3, delay=0.2, exits=True),
            "cache": FakeStep(exit_code=0, delay=0.1, exits=True),
            "test": FakeStep(delay=0.5),
        }
    )
    recorder = RecordingReporter()
    outcome = anyio.run(run_plan, compile_text(text), fake, recorder)

    def timeless(text: str) -> str:  # the seconds are the fake's sleeps: not asserted
        return re.sub(r"after \d+\.\ds", "after <s>", text)

    assert (outcome.status.value, outcome.exit_code) == ("success", 0)
    assert [timeless(n) for n in recorder.notices] == [
        "detached step cache exited on its own with code 0 after <s>",
        "service db exited on its own with code 3 after <s>",
    ]
    assert [
        (s.name, s.status.value, s.exit_code, timeless(s.reason)) for s in outcome.services
    ] == [
        ("db", "failure", 3, "service: exited on its own with code 3 after <s>"),
        ("web", "success", 137, "service: stopped at the end of the build"),
    ]
    cache = outcome.all_steps()[0]
    assert (cache.status.value, cache.exit_code, timeless(cache.reason)) == (
        "success",
        0,
        "detached step: exited on its own with code 0 after <s>",
    )
    assert ("kill", "db") not in fake.events and ("kill", "web") in fake.events


def test_a_detached_step_that_fails_on_its_own_fails_itself_not_the_build() -> None:
    text = """version: "1"
steps:
  - {name: side, image: redis, detach: true}
  - {name: test, image: img, commands: [echo]}
"""
    fake = FakeRuntime({"side": FakeStep(exit_code=2, exits=True), "test": FakeStep(delay=0.2)})
    outcome = run(compile_text(text), fake)
    assert (outcome.status.value, statuses(outcome)) == (
        "success",
        {"side": "failure", "test": "success"},
    )
    assert outcome.all_steps()[0].exit_code == 2


def test_outputs_become_environment_of_later_steps_without_overriding() -> None:
    text = """version: "1"
steps:
  - {name: produce, image: img, commands: [echo]}
  - {name: consume, image: img, commands: [echo], environment: {KEEP: mine}}
"""
    fake = FakeRuntime({"produce": FakeStep(outputs=(("VERSION", "1.2.3"), ("KEEP", "theirs")))})
    run(compile_text(text), fake)
    assert fake.env_seen["consume"]["VERSION"] == "1.2.3"
    assert fake.env_seen["consume"]["KEEP"] == "mine"
    assert fake.env_seen["produce"]["VELA_OUTPUTS"] == "/vela/outputs/.env"
    assert "VERSION" not in fake.env_seen["produce"]


def test_runtime_environment_carries_build_status_and_step_identity() -> None:
    text = """version: "1"
steps:
  - {name: a, image: img, commands: [exit 1]}
  - {name: b, image: img, commands: [echo], ruleset: {status: failure}}
"""
    fake = FakeRuntime({"a": FakeStep(exit_code=1)})
    run(compile_text(text), fake)
    assert fake.env_seen["a"]["VELA_BUILD_STATUS"] == "running"
    assert fake.env_seen["b"]["VELA_BUILD_STATUS"] == "failure"
    assert fake.env_seen["b"]["VELA_STEP_NAME"] == "b"
    assert fake.env_seen["b"]["VELA_BUILD_SCRIPT"]


@pytest.mark.parametrize("count", [50])
def test_many_stages_without_needs_all_run(count: int) -> None:
    stages = "".join(
        f"  s{i}:\n    steps:\n      - {{name: x, image: img, commands: [echo]}}\n"
        for i in range(count)
    )
    outcome = run(compile_text('version: "1"\nstages:\n' + stages), FakeRuntime())
    assert len(outcome.stages) == count
    assert set(statuses(outcome).values()) == {"success"}


def test_a_container_killed_from_outside_is_killed_and_fails_the_build() -> None:
    text = """version: "1"
steps:
  - {name: a, image: img, commands: [sleep 9]}
  - {name: b, image: img, commands: [echo]}
  - {name: c, image: img, commands: [echo], ruleset: {status: failure}}
"""
    outcome = run(compile_text(text), FakeRuntime({"a": FakeStep(exit_code=137)}))
    assert statuses(outcome) == {"a": "killed", "b": "skipped", "c": "success"}
    assert outcome.status.value == "failure" and outcome.exit_code == 1
    assert outcome.all_steps()[0].reason == (
        "killed (exit 137: SIGKILL from outside velarun, or out of memory)"
    )


def test_a_container_removed_from_outside_errs_the_step_and_fails_the_build() -> None:
    text = """version: "1"
stages:
  one:
    steps:
      - {name: a, image: img, commands: [sleep 9]}
      - {name: b, image: img, commands: [echo]}
  two:
    independent: true
    steps:
      - {name: c, image: img, commands: [sleep 1]}
      - {name: d, image: img, commands: [echo]}
"""
    fake = FakeRuntime({"one/a": FakeStep(gone=True, delay=0.05), "two/c": FakeStep(delay=0.2)})
    outcome = run(compile_text(text), fake)
    assert statuses(outcome) == {
        "one/a": "error",
        "one/b": "skipped",
        "two/c": "success",
        "two/d": "success",
    }
    assert outcome.status.value == "failure" and outcome.exit_code == 1
    assert outcome.stages[0].steps[0].reason == "step `one/a`: its container was removed"
