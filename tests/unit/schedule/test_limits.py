"""The run's limits on the FakeRuntime: ``--timeout`` as the worker ends a build that runs past
the repository's timeout, ``--parallel N`` stages at once in ``needs`` order, and ``--pull``
over every policy. Assertions on outcomes and on the runtime's event log, not on timing."""

from __future__ import annotations

import itertools

import anyio
import pytest

from tests.unit.schedule.test_scheduler import compile_text, run, statuses
from velarun.durations import describe, parse_timeout
from velarun.errors import ExitCode, UsageError
from velarun.runtime.fake import FakeRuntime, FakeStep
from velarun.schedule.containers import RunOptions, image_specs
from velarun.schedule.deadline import Deadline
from velarun.schedule.outcome import RunOutcome
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan

TWO_STAGES = """version: "1"
stages:
  slow:
    steps:
      - {name: hang, image: img, commands: [sleep 60]}
      - {name: after, image: img, commands: ['true']}
      - {name: report, image: img, commands: ['true'], ruleset: {status: [failure, success]}}
  later:
    needs: [slow]
    steps:
      - {name: never, image: img, commands: ['true']}
"""

FOUR = """version: "1"
stages:
""" + "".join(
    f"  s{i}:\n    steps:\n      - {{name: x, image: img, commands: ['true']}}\n" for i in range(4)
)


def run_with(plan_text: str, fake: FakeRuntime, options: RunOptions) -> RunOutcome:
    plan = compile_text(plan_text)
    outcome = anyio.run(run_plan, plan, fake, RecordingReporter(), options)
    assert fake.leftovers() == [] and fake.events[-1] == ("teardown", "")
    return outcome


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30", 1800.0),
        ("0", None),
        ("0s", None),
        ("2s", 2.0),
        ("90s", 90.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("500ms", 0.5),
        ("10m", 600.0),
        (" 5m ", 300.0),
    ],
)
def test_parse_timeout(text: str, seconds: float | None) -> None:
    assert parse_timeout(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "5 m", "-1m", "5d", "1h30", "abc", "2s3"])
def test_parse_timeout_refuses(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_timeout(text)
    assert caught.value.render() == (
        f"error: --timeout `{text}` is not a duration\n"
        "  hint: write minutes (`30`) or a duration such as `90s`, `10m`, `1h30m`; `0` for none"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2.0, "2s"),
        (0.5, "0.5s"),
        (60.0, "1m"),
        (90.0, "1m30s"),
        (3600.0, "1h"),
        (5430.0, "1h30m30s"),
    ],
)
def test_describe(seconds: float, text: str) -> None:
    assert describe(seconds) == text


def test_a_build_past_its_timeout_ends_as_the_worker_ends_it() -> None:
    fake = FakeRuntime({"slow/hang": FakeStep(delay=30)})
    outcome = run_with(TWO_STAGES, fake, RunOptions(timeout=0.3))
    assert outcome.status.value == "error" and outcome.exit_code == ExitCode.FAILED
    assert outcome.error == "the build timed out after 0.3s"
    assert outcome.hint == (
        "raise --timeout (30m by default, as Vela's; 0 for none), or find the step that hangs"
    )
    got = {o.label: (o.status.value, o.exit_code, o.reason) for o in outcome.all_steps()}
    assert got == {
        "slow/hang": (
            "failure",
            137,
            "the build timed out after 0.3s: killed (context deadline exceeded)",
        ),
        "slow/after": ("killed", 137, "not run: the build timed out after 0.3s"),
        "slow/report": ("killed", 137, "not run: the build timed out after 0.3s"),
        "later/never": ("killed", 137, "not run: the build timed out after 0.3s"),
    }
    assert fake.started() == ["slow/hang"] and ("kill", "slow/hang") not in fake.events


def test_a_build_within_its_timeout_is_untouched() -> None:
    fake = FakeRuntime({"slow/hang": FakeStep(delay=0.05)})
    outcome = run_with(TWO_STAGES, fake, RunOptions(timeout=30))
    assert outcome.status.value == "success" and outcome.exit_code == ExitCode.OK
    assert statuses(outcome) == dict.fromkeys(
        ["slow/hang", "slow/after", "slow/report", "later/never"], "success"
    )


def test_ctrl_c_before_the_timeout_is_a_cancel() -> None:
    plan = compile_text(TWO_STAGES)
    fake = FakeRuntime({"slow/hang": FakeStep(delay=30)})
    outcome = run(plan, fake, cancel_after=0.2)
    assert outcome.status.value == "canceled"
    assert statuses(outcome)["slow/hang"] == "killed"


def test_a_paused_deadline_does_not_pass() -> None:
    async def main() -> tuple[float | None, bool]:
        deadline = Deadline(0.2)
        deadline.start()
        deadline.pause()
        paused = deadline.remaining()
        with anyio.move_on_after(0.5) as scope:
            await deadline.expiry()
        assert scope.cancelled_caught  # still paused after 0.5 s: never expired
        deadline.resume()
        left = deadline.remaining()
        assert left is not None and 0.1 < left <= 0.2
        with anyio.fail_after(2):
            await deadline.expiry()
        return paused, True

    assert anyio.run(main) == (None, True)


def starts_and_exits(fake: FakeRuntime) -> list[str]:
    return [f"{kind} {label}" for kind, label in fake.events if kind in ("start", "exit")]


def test_parallel_one_runs_stages_one_at_a_time_in_file_order() -> None:
    fake = FakeRuntime({f"s{i}/x": FakeStep(delay=0.02) for i in range(4)})
    outcome = run_with(FOUR, fake, RunOptions(parallel=1))
    assert outcome.status.value == "success"
    assert starts_and_exits(fake) == [
        "start s0/x", "exit s0/x", "start s1/x", "exit s1/x",
        "start s2/x", "exit s2/x", "start s3/x", "exit s3/x",
    ]  # fmt: skip
    times = [(s.started_at, s.finished_at) for s in outcome.stages]
    assert all(
        a[1] is not None and b[0] is not None and a[1] <= b[0] for a, b in itertools.pairwise(times)
    )


def test_parallel_two_runs_two_at_a_time() -> None:
    fake = FakeRuntime({f"s{i}/x": FakeStep(delay=0.05 * (i + 1)) for i in range(4)})
    run_with(FOUR, fake, RunOptions(parallel=2))
    assert starts_and_exits(fake) == [
        "start s0/x", "start s1/x", "exit s0/x", "start s2/x",
        "exit s1/x", "start s3/x", "exit s2/x", "exit s3/x",
    ]  # fmt: skip


def test_without_parallel_every_stage_starts_at_once() -> None:
    fake = FakeRuntime({f"s{i}/x": FakeStep(delay=0.05) for i in range(4)})
    run_with(FOUR, fake, RunOptions())
    assert starts_and_exits(fake)[:4] == [f"start s{i}/x" for i in range(4)]


def test_parallel_keeps_needs() -> None:
    fake = FakeRuntime()
    run_with(TWO_STAGES, fake, RunOptions(parallel=3))
    assert fake.started() == ["slow/hang", "slow/after", "slow/report", "later/never"]


PULLS = """version: "1"
services:
  - {name: db, image: db-img, pull: always}
steps:
  - {name: a, image: a-img, pull: on_start, commands: ['true']}
  - {name: b, image: b-img, commands: ['true']}
"""


@pytest.mark.parametrize("policy", [None, "never", "always", "not_present", "on_start"])
def test_pull_overrides_every_policy(policy: str | None) -> None:
    plan = compile_text(PULLS)
    got = [(s.name, s.pull) for s in image_specs(plan, policy)]
    own = [("db", "always"), ("a", "on_start"), ("b", "not_present")]
    assert got == (own if policy is None else [(name, policy) for name, _ in own])
    fake = FakeRuntime()
    run_with(PULLS, fake, RunOptions(pull=policy))
    wanted = {"db": "always", "a": "on_start", "b": "not_present"}
    expected = wanted if policy is None else dict.fromkeys(wanted, policy)
    assert {s.name: s.pull for s in fake.specs} == expected
    assert {s.name: s.pull for s in fake.prepared} == expected
