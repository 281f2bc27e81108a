"""What the scheduler overlaps with running steps, on the FakeRuntime: a stage is announced
(``open_stage``) when it is next, so its network sandbox is made meanwhile, and closed when its
last step ended; the next step's container is created while a step runs and used only if the
step starts with the very spec it was made for."""

from __future__ import annotations

from tests.unit.schedule.test_scheduler import compile_text, run, statuses
from velarun.runtime.fake import FakeRuntime, FakeStep
from velarun.schedule.containers import RunOptions
from velarun.schedule.debug import DebugOptions

CHAIN = """\
version: "1"
stages:
  a:
    steps:
      - {name: a1, image: alpine, commands: ["true"]}
      - {name: a2, image: alpine, commands: ["true"]}
  b:
    needs: [a]
    steps:
      - {name: b1, image: alpine, commands: ["true"]}
  c:
    needs: [b]
    steps:
      - {name: c1, image: alpine, commands: ["true"]}
      - {name: bg, image: alpine, detach: true, commands: ["sleep 5"]}
  d:
    steps:
      - {name: d1, image: alpine, commands: ["true"]}
"""

STEPS = """\
version: "1"
steps:
  - {name: one, image: alpine, commands: ["true"]}
  - {name: two, image: alpine, commands: ["true"]}
  - {name: three, image: alpine, commands: ["true"]}
"""


def test_a_stage_opens_when_what_it_needs_has_started_and_closes_at_its_end() -> None:
    fake = FakeRuntime({"a/a1": FakeStep(delay=1), "b/b1": FakeStep(delay=1)})
    outcome = run(compile_text(CHAIN), fake)
    assert outcome.status.value == "success"
    assert fake.stage_calls == [
        ("open", "a"),  # the roots, before the workspace: made while it loads
        ("open", "d"),
        ("open", "b"),  # when `a` started, a second before it ended
        ("close", "d"),
        ("close", "a"),
        ("open", "c"),  # when `b` started, a second before it ended
        ("close", "b"),
        ("close", "c"),  # its detached step still runs: it has its own endpoint
    ]
    assert fake.events.index(("setup", "")) < fake.events.index(("start", "a/a1"))


def test_a_steps_pipeline_is_one_stage_named_none() -> None:
    fake = FakeRuntime()
    run(compile_text(STEPS), fake)
    assert fake.stage_calls == [("open", None), ("close", None)]


def test_the_next_steps_container_is_made_while_one_runs() -> None:
    fake = FakeRuntime()
    outcome = run(compile_text(STEPS), fake)
    assert statuses(outcome) == {"one": "success", "two": "success", "three": "success"}
    assert fake.created == ["two", "three"]  # the first is created when it starts
    assert fake.discarded == []
    assert fake.started() == ["one", "two", "three"]


def test_a_container_made_for_another_spec_is_removed_unstarted() -> None:
    # `one` writes an output: `two` must see it, so the container made before is not used.
    fake = FakeRuntime({"one": FakeStep(outputs=(("VERSION", "1.2"),))})
    run(compile_text(STEPS), fake)
    assert fake.created == ["two", "three"]
    assert fake.discarded == ["two"]
    (two,) = [s for s in fake.specs if s.name == "two"]
    assert two.environment["VERSION"] == "1.2"


def test_a_container_made_for_a_step_that_is_then_skipped_is_removed() -> None:
    fake = FakeRuntime({"one": FakeStep(exit_code=1)})
    outcome = run(compile_text(STEPS), fake)
    assert statuses(outcome) == {"one": "failure", "two": "skipped", "three": "skipped"}
    assert fake.created == ["two"]
    assert fake.discarded == ["two"]
    assert fake.started() == ["one"]


def test_no_container_is_made_ahead_for_an_on_start_pull_or_with_shells() -> None:
    on_start = STEPS.replace(
        "{name: two, image: alpine,", "{name: two, image: alpine, pull: on_start,"
    )
    fake = FakeRuntime()
    run(compile_text(on_start), fake)
    assert fake.created == ["three"]
    fake = FakeRuntime()
    run(compile_text(STEPS), fake, debug=DebugOptions(break_before=("three",)))
    assert fake.created == []


def test_pull_option_over_the_steps_own_policy_decides() -> None:
    fake = FakeRuntime()
    run(compile_text(STEPS), fake, options=RunOptions(pull="on_start"))
    assert fake.created == []


def test_ctrl_c_removes_a_container_made_ahead() -> None:
    fake = FakeRuntime({"one": FakeStep(delay=5)})
    outcome = run(compile_text(STEPS), fake, cancel_after=1)  # `run` checks no leftovers
    assert outcome.status.value == "canceled"
    assert fake.created == ["two"]
    assert fake.discarded == ["two"]


SERVICES = """\
version: "1"
services:
  - {name: db, image: postgres}
  - {name: cache, image: redis}
  - {name: queue, image: rabbitmq}
steps:
  - {name: one, image: alpine, commands: ["true"]}
"""


def test_services_start_side_by_side_and_are_reported_in_the_files_order() -> None:
    fake = FakeRuntime()
    outcome = run(compile_text(SERVICES), fake)
    assert fake.started() == ["db", "cache", "queue", "one"]  # every service before a step
    assert [s.name for s in outcome.services] == ["db", "cache", "queue"]


def test_a_service_that_cannot_start_stops_the_build_and_the_others_are_stopped() -> None:
    fake = FakeRuntime({"cache": FakeStep(start_error="cache: no such port")})
    outcome = run(compile_text(SERVICES), fake)  # `run` checks nothing is left
    assert outcome.status.value == "error"
    assert outcome.error == "cache: no such port"
    assert [(s.name, s.reason) for s in outcome.services] == [
        ("db", "service: stopped at the end of the build"),
        ("queue", "service: stopped at the end of the build"),
    ]
    assert "one" not in fake.started()
