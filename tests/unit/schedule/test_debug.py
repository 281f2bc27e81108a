"""The scheduler's shells on the FakeRuntime: when a shell opens (after a failure, before a
named step), that it comes between the step's exit and its removal, one at a time, that it
changes no outcome, and that a run cancelled in a shell ends ``canceled`` with nothing left.
The FakeRuntime asserts the protocol (``FakeRuntime.shell``)."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
import pytest

from tests.unit.helpers import compile_text
from tests.unit.schedule.test_scheduler import run as run_on_fake
from velarun.compile.plan import Plan
from velarun.errors import UsageError
from velarun.runtime import ContainerSpec
from velarun.runtime.fake import FakeRuntime, FakeStep
from velarun.schedule.containers import RunOptions, StepContext, step_spec
from velarun.schedule.debug import DebugOptions, HoldingReporter, check_breaks
from velarun.schedule.outcome import BuildStatus, RunOutcome, StepOutcome
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan

STEPS = """version: "1"
services:
  - {name: db, image: db}
steps:
  - {name: one, image: alpine, environment: {GREETING: hi}, secrets: [token], commands: [a]}
  - {name: two, image: alpine, commands: [b]}
  - {name: cleanup, image: alpine, commands: [c], ruleset: {status: [success, failure]}}
"""

STAGES = """version: "1"
stages:
  left:
    steps:
      - {name: x, image: alpine, commands: [a]}
  right:
    steps:
      - {name: x, image: alpine, commands: [b]}
      - {name: y, image: alpine, commands: [c]}
"""


def run(
    plan: Plan,
    fake: FakeRuntime,
    debug: DebugOptions,
    cancel_after: float | None = None,
    options: RunOptions | None = None,
) -> tuple[RunOutcome, RecordingReporter]:
    recorder = RecordingReporter()
    outcome = run_on_fake(plan, fake, cancel_after, options=options, debug=debug, recorder=recorder)
    return outcome, recorder


def statuses(outcome: RunOutcome) -> dict[str, str]:
    return {s.label: s.status.value for st in outcome.stages for s in st.steps}


def around(fake: FakeRuntime, label: str) -> list[tuple[str, str]]:
    return [e for e in fake.events if e[1] == label and e[0] != "prepare_images"]


ON_FAILURE = DebugOptions(shell_on_failure=True)


def test_a_failed_step_gets_a_shell_between_its_exit_and_its_removal() -> None:
    fake = FakeRuntime({"one": FakeStep(exit_code=2, shell_exit=7)})
    secrets = {"one": {"TOKEN": "s3"}}
    outcome, recorder = run(
        compile_text(STEPS), fake, ON_FAILURE, options=RunOptions(secret_env=secrets)
    )
    assert around(fake, "one") == [
        ("start", "one"),
        ("exit", "one"),
        ("commit", "one"),
        ("shell", "one"),
        ("shell_closed", "one"),
        ("remove", "one"),
    ]
    assert fake.started() == ["db", "one", "cleanup"]  # `two` skipped after the shell, as ever
    assert statuses(outcome) == {"one": "failure", "two": "skipped", "cleanup": "success"}
    assert outcome.status is BuildStatus.FAILURE
    (request,) = fake.shells
    assert request.failed is not None and request.failed.spec is request.spec
    assert request.shell == "/bin/sh"
    assert request.spec.environment["GREETING"] == "hi"
    assert request.spec.environment["TOKEN"] == "s3"
    assert request.spec.working_dir == "/vela/src"
    assert recorder.notices == [
        "a shell (/bin/sh) in step one, where it failed with exit code 2: `exit` or Ctrl-D"
        " leaves it and the build goes on",
        "the shell in step one ended (exit 7); the build goes on",
    ]
    assert not any("s3" in n for n in recorder.notices)


@pytest.mark.parametrize(
    ("behaviours", "debug", "shells"),
    [
        ({}, ON_FAILURE, []),  # nothing failed
        ({"one": FakeStep(exit_code=1)}, DebugOptions(), []),  # not asked
        ({"one": FakeStep(exit_code=137)}, ON_FAILURE, []),  # killed from outside: not a failure
        ({"one": FakeStep(gone=True)}, ON_FAILURE, []),  # no container left to step into
        (  # a failed step that runs after the failure gets its own shell
            {"one": FakeStep(exit_code=1), "cleanup": FakeStep(exit_code=3)},
            ON_FAILURE,
            ["one", "cleanup"],
        ),
        ({}, DebugOptions(break_before=("two", "cleanup")), ["two", "cleanup"]),
        ({"one": FakeStep(exit_code=1)}, DebugOptions(break_before=("two",)), []),  # skipped
    ],
)
def test_when_shells_open(
    behaviours: dict[str, FakeStep], debug: DebugOptions, shells: list[str]
) -> None:
    fake = FakeRuntime(behaviours)
    run(compile_text(STEPS), fake, debug)
    assert [r.spec.label for r in fake.shells] == shells


def test_a_break_opens_before_the_step_then_it_runs() -> None:
    fake = FakeRuntime({"two": FakeStep(shell_exit=1)})
    debug = DebugOptions(break_before=("two",), shell="/bin/bash")
    outcome, recorder = run(compile_text(STEPS), fake, debug)
    assert [e for e in fake.events if e[0] in ("start", "exit", "shell", "shell_closed")] == [
        ("start", "db"),
        ("start", "one"),
        ("exit", "one"),
        ("shell", "two"),
        ("shell_closed", "two"),
        ("start", "two"),
        ("exit", "two"),
        ("start", "cleanup"),
        ("exit", "cleanup"),
    ]
    (request,) = fake.shells
    assert request.failed is None and request.shell == "/bin/bash"
    assert request.spec.image == "alpine" and request.spec.environment["VELA_STEP_NAME"] == "two"
    assert outcome.status is BuildStatus.SUCCESS  # the shell's own exit code changes nothing
    assert recorder.notices[0].startswith("a shell (/bin/bash) in step two, before it starts")


def test_shells_take_turns_on_the_terminal() -> None:
    """Two stages fail at once: the second shell waits for the first (the fake asserts it)."""
    fake = FakeRuntime(
        {
            "left/x": FakeStep(exit_code=1, shell_delay=0.2),
            "right/x": FakeStep(exit_code=1, shell_delay=0.2),
        }
    )
    outcome, _ = run(compile_text(STAGES), fake, ON_FAILURE)
    assert sorted(r.spec.label for r in fake.shells) == ["left/x", "right/x"]
    opened = [e[0] for e in fake.events if e[0] in ("shell", "shell_closed")]
    assert opened == ["shell", "shell_closed", "shell", "shell_closed"]
    assert statuses(outcome)["right/y"] == "skipped"


def test_a_shell_the_engine_cannot_open_is_said_and_the_build_goes_on() -> None:
    fake = FakeRuntime({"one": FakeStep(exit_code=1, shell_error="commit refused")})
    outcome, recorder = run(compile_text(STEPS), fake, ON_FAILURE)
    assert "could not open a shell in step one: commit refused" in recorder.notices
    assert statuses(outcome) == {"one": "failure", "two": "skipped", "cleanup": "success"}
    assert outcome.status is BuildStatus.FAILURE


@pytest.mark.parametrize(
    ("behaviours", "debug", "expected"),
    [
        (
            {"one": FakeStep(exit_code=1, shell_delay=10)},
            ON_FAILURE,
            {"one": "failure", "two": "skipped", "cleanup": "skipped"},
        ),
        (
            {"two": FakeStep(shell_delay=10)},
            DebugOptions(break_before=("two",)),
            {"one": "success", "two": "skipped", "cleanup": "skipped"},
        ),
    ],
)
def test_cancelled_in_a_shell(
    behaviours: dict[str, FakeStep], debug: DebugOptions, expected: dict[str, str]
) -> None:
    fake = FakeRuntime(behaviours)
    outcome, _ = run(compile_text(STEPS), fake, debug, cancel_after=0.3)
    assert outcome.status is BuildStatus.CANCELED
    assert statuses(outcome) == expected
    assert ("shell_closed", fake.shells[0].spec.label) in fake.events
    assert [s.reason for s in outcome.services] == ["service: stopped at the end of the build"]


@pytest.mark.parametrize(
    ("names", "message", "hint"),
    [
        (("one", "two"), None, None),
        (("left/x", "y", "right/y"), None, None),
        (
            ("nope",),
            "--break-before: no step `nope` in the plan",
            "steps: `left/x`, `right/x`, `right/y`",
        ),
        (
            ("left/y",),
            "--break-before: no step `left/y` in the plan",
            "steps: `left/x`, `right/x`, `right/y`",
        ),
    ],
)
def test_check_breaks(names: tuple[str, ...], message: str | None, hint: str | None) -> None:
    plan = compile_text(STEPS if names[0] in ("one",) else STAGES)
    if message is None:
        check_breaks(plan, names)
        return
    with pytest.raises(UsageError) as caught:
        check_breaks(plan, names)
    assert (caught.value.message, caught.value.hint, caught.value.exit_code) == (
        message,
        hint,
        2,
    )


def test_check_breaks_on_a_pruned_step() -> None:
    plan = compile_text(
        'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [x]}\n'
        "  - {name: b, image: alpine, commands: [x], ruleset: {branch: nope}}\n",
        branch="main",
    )
    with pytest.raises(UsageError) as caught:
        check_breaks(plan, ("b",))
    assert caught.value.message.startswith("--break-before `b`: the step does not run: ")
    assert caught.value.hint == "run `velarun plan --explain b` to see why"


def test_time_in_a_shell_does_not_count_towards_the_time_limit() -> None:
    """--timeout 1s, a step of 0.5 s, 2 s in a shell before the next: the build succeeds."""
    fake = FakeRuntime({"one": FakeStep(delay=0.5), "two": FakeStep(shell_delay=2)})
    outcome, _ = run(
        compile_text(STEPS),
        fake,
        DebugOptions(break_before=("two",)),
        options=RunOptions(timeout=1.0),
    )
    assert outcome.status is BuildStatus.SUCCESS
    assert statuses(outcome) == {"one": "success", "two": "success", "cleanup": "success"}


class Transcript(RecordingReporter):
    """Every call in one list, in the order the reporter below the scheduler gets them."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []

    def step_started(self, spec: ContainerSpec) -> None:
        self.said.append(f"started {spec.label}")

    def log(self, spec: ContainerSpec, lines: Sequence[str]) -> None:
        self.said.extend(f"{spec.label}: {line}" for line in lines)

    def step_finished(self, outcome: StepOutcome) -> None:
        self.said.append(f"finished {outcome.label}")

    def notice(self, event: str, **fields: str) -> None:
        self.said.append(event)


def test_what_the_run_says_while_a_shell_is_open_waits_for_it() -> None:
    """left/x fails at once and its shell stays open 1 s; the independent right stage goes
    on meanwhile: what it says comes after the shell closed, in order."""
    pipeline = """version: "1"
stages:
  left:
    steps:
      - {name: x, image: alpine, commands: [a]}
  right:
    independent: true
    steps:
      - {name: w, image: alpine, commands: [b]}
      - {name: v, image: alpine, commands: [c]}
"""
    fake = FakeRuntime(
        {
            "left/x": FakeStep(exit_code=1, shell_delay=1.0),
            "right/w": FakeStep(delay=0.3),
            "right/v": FakeStep(logs=("one", "two")),
        }
    )
    transcript = Transcript()

    async def main() -> RunOutcome:
        debug = DebugOptions(shell_on_failure=True)
        return await run_plan(compile_text(pipeline), fake, transcript, debug=debug)

    outcome = anyio.run(main)
    assert statuses(outcome) == {"left/x": "failure", "right/w": "success", "right/v": "success"}
    said = transcript.said
    assert said[: said.index("shell_closed") + 1] == [
        "started left/x",
        "started right/w",
        "finished left/x",
        "shell_opened",
        "shell_closed",
    ]
    assert said[said.index("shell_closed") + 1 :] == [
        "finished right/w",
        "started right/v",
        "right/v: one",
        "right/v: two",
        "finished right/v",
    ]
    assert fake.events.index(("exit", "right/w")) < fake.events.index(("shell_closed", "left/x"))


def test_what_is_held_while_a_shell_is_open_is_bounded() -> None:
    """Log lines past the limit are dropped and counted; everything else keeps its order."""
    plan = compile_text(STEPS)
    spec = step_spec(plan.all_steps()[0], StepContext("running"), RunOptions())
    inner = RecordingReporter()
    holding = HoldingReporter(inner, limit=3)
    holding.log(spec, ["before"])
    holding.hold()
    holding.log(spec, ["a", "b"])
    holding.notice("warning", message="kept")
    holding.log(spec, ["c", "d", "e"])
    holding.log(spec, ["f"])
    assert inner.lines == ["one: before"]
    holding.release()
    holding.log(spec, ["after"])
    assert inner.lines == ["one: before", "one: a", "one: b", "one: c", "one: after"]
    assert inner.notices == [
        "warning: kept",
        "3 log lines of other steps were dropped while the shell was open (only the first 3 are"
        " kept)",
    ]
