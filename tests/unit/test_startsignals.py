"""Stop signals from the first instant (:mod:`velarun.startsignals`), and what a second Ctrl-C
during cleanup is told: the pure parts, with signals raised in this process."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import anyio
import pytest

from velarun import startsignals
from velarun.interrupts import still_removing
from velarun.runtime import Leftovers
from velarun.schedule import deadline
from velarun.schedule.deadline import CleanupLimit

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


@pytest.fixture(autouse=True)
def _nothing_held() -> Iterator[None]:
    yield  # the handlers themselves are restored by tests/conftest.py
    startsignals._held.clear()
    startsignals._replaced.clear()


@pytest.mark.parametrize("signum", STOPS, ids=[s.name for s in STOPS])
def test_a_stop_while_held_is_kept_then_raised_on_release(signum: signal.Signals) -> None:
    before = {s: signal.getsignal(s) for s in STOPS}
    startsignals.hold()
    signal.raise_signal(signum)  # would end the process (SIGTERM, SIGHUP) or raise (SIGINT)
    assert startsignals.held() == (signum,)
    with pytest.raises(KeyboardInterrupt):
        startsignals.release()
    assert ({s: signal.getsignal(s) for s in STOPS}, startsignals.held()) == (before, ())


def test_release_with_nothing_held_gives_the_handlers_back_quietly() -> None:
    before = {s: signal.getsignal(s) for s in STOPS}
    startsignals.hold()
    assert all(startsignals.holding(s) for s in STOPS)
    startsignals.release()
    assert {s: signal.getsignal(s) for s in STOPS} == before


def test_a_signal_ignored_from_the_start_stays_ignored() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    startsignals.hold()
    signal.raise_signal(signal.SIGHUP)
    assert (signal.getsignal(signal.SIGHUP), startsignals.held()) == (signal.SIG_IGN, ())
    startsignals.release()
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


def test_raise_held_once_the_next_handling_is_in_place() -> None:
    startsignals.hold()
    signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)
    assert startsignals.held() == (signal.SIGTERM, signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        startsignals.raise_held()
    startsignals.raise_held()  # raised once: nothing is held any more


@pytest.mark.parametrize(
    ("left", "seconds", "said"),
    [
        (
            Leftovers(3, 1, 1),
            20.0,
            "still removing 3 containers, 1 network, 1 volume; at most 20 s more",
        ),
        (Leftovers(1, 0, 0, 2), 0.2, "still removing 1 container, 2 images; at most 1 s more"),
        (Leftovers(0, 1, 1), 29.01, "still removing 1 network, 1 volume; at most 30 s more"),
        (Leftovers(), 60.0, "nothing left to remove; at most 60 s more"),
        (Leftovers(0, 2, 0), 0.0, "still removing 2 networks; ending now"),
        (Leftovers(), 0.0, "nothing left to remove; ending now"),
    ],
)
def test_what_a_second_stop_is_told(left: Leftovers, seconds: float, said: str) -> None:
    assert still_removing(left, seconds) == said


@pytest.mark.parametrize(
    ("parts", "at", "left"),
    [
        ([], 0.0, 60.0),  # nothing has begun: stopping services, then removing
        (["setting_up"], 10.0, 80.0),  # the set-up under way, then both
        (["setting_up"], 40.0, 60.0),  # the set-up is over
        (["stopping"], 5.0, 55.0),
        (["stopping", "stopping"], 5.0, 55.0),  # one limit however often it is entered
        (["stopping", "removing"], 5.0, 25.0),
        (["removing"], 45.0, 0.0),  # past its limit
    ],
)
def test_the_end_s_time_limit_is_what_is_left_of_the_part_under_way_and_those_after(
    monkeypatch: pytest.MonkeyPatch, parts: list[str], at: float, left: float
) -> None:
    clock = [0.0]
    monkeypatch.setattr(deadline.anyio, "current_time", lambda: clock[0])
    limit = CleanupLimit()
    for part in parts:
        getattr(limit, part)()
    clock[0] = at
    assert limit.seconds_left() == left


def test_the_limit_is_read_in_the_event_loop() -> None:
    async def main() -> float:
        limit = CleanupLimit()
        limit.removing()
        return limit.seconds_left()

    assert 0 < anyio.run(main) <= deadline.CLEANUP_SECONDS
