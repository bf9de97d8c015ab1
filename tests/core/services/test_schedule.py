"""The poller's schedule: 2 s for the first minute, then backing off to the cap."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from posapp.core.services.schedule import PollSchedule, RetryPolicy


def test_fast_then_backoff_to_cap() -> None:
    s = PollSchedule(jitter=0)
    assert [s.delay(e, 0) for e in (0, 10, 59.9)] == [2.0, 2.0, 2.0]
    gaps = [s.delay(60 + i, i) for i in range(20)]
    assert gaps[0] == 3.0
    assert all(b >= a for a, b in itertools.pairwise(gaps))
    assert max(gaps) == s.cap == gaps[-1]


def test_first_minute_makes_about_thirty_inquiries() -> None:
    s = PollSchedule(jitter=0)
    t, n = 0.0, 0
    while t < 60:
        t += s.delay(t, 0)
        n += 1
    assert n == 30


def test_jitter_only_shortens_and_is_injectable() -> None:
    s = PollSchedule(jitter=0.2, rand=lambda: 1.0)
    assert s.delay(0, 0) == pytest.approx(1.6)
    s0 = PollSchedule(jitter=0.2, rand=lambda: 0.0)
    assert s0.delay(500, 50) == 60.0


def test_next_at() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    s = PollSchedule(jitter=0)
    assert s.next_at(start, start + timedelta(seconds=5), 0) == start + timedelta(seconds=7)


@pytest.mark.parametrize(
    "kwargs", [{"fast_interval": 0}, {"cap": 1}, {"factor": 0.5}, {"jitter": 1}]
)
def test_bad_schedules_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PollSchedule(**kwargs)  # type: ignore[arg-type]


def test_retry_policy_delays() -> None:
    assert RetryPolicy().delays() == [1.0, 2.0, 4.0]
    assert RetryPolicy(attempts=5, cap=4).delays() == [1.0, 2.0, 4.0, 4.0, 4.0]
