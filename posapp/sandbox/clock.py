"""The sandbox's own clock: real time plus an offset that tests move forward.

Real time keeps flowing (a slow authorisation settles after a few real seconds), and
``advance`` jumps ahead (the 14-minute and 7-day rules in a test that takes seconds). The
offset is persisted, so a restart with the same state dir keeps the sandbox's time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from posapp.sandbox.shared import CLOCK_OFFSET_US, SharedPage


class SandboxClock:
    """Thread-safe; ``on_advance`` callbacks run after every jump (persist, settle due work)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset_us = offset // timedelta(microseconds=1)
        self._lock: AbstractContextManager[object] = threading.Lock()
        self._listeners: list[Callable[[timedelta], None]] = []

    def _get_offset_us(self) -> int:
        return self._offset_us

    def _set_offset_us(self, value: int) -> None:
        self._offset_us = value

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def now_us(self) -> int:
        """Microseconds since the epoch on the sandbox clock (how the store keeps times).

        Integer arithmetic on the system clock (no datetime objects): it runs on every call.
        """
        return time.time_ns() // 1000 + self._offset_us  # one attribute read: no lock needed

    @property
    def offset(self) -> timedelta:
        return timedelta(microseconds=self._get_offset_us())

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward (never back) and settle whatever became due."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            value = self._get_offset_us() + step // timedelta(microseconds=1)
            self._set_offset_us(value)
        offset = timedelta(microseconds=value)
        for listener in list(self._listeners):
            listener(offset)
        return self.now()

    def on_advance(self, listener: Callable[[timedelta], None]) -> None:
        self._listeners.append(listener)


class SharedClock(SandboxClock):
    """The clock of several sandbox processes: the offset lives in the shared page, and a
    jump made by any process (in-process API or admin endpoint) is seen by all."""

    def __init__(self, page: SharedPage, lock: AbstractContextManager[object]) -> None:
        super().__init__()
        self._page = page
        self._lock = lock

    def _get_offset_us(self) -> int:
        return self._page.get(CLOCK_OFFSET_US)

    def _set_offset_us(self, value: int) -> None:
        self._page.set(CLOCK_OFFSET_US, value)

    def now_us(self) -> int:
        return time.time_ns() // 1000 + self._page.get(CLOCK_OFFSET_US)


def to_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_last_iso: tuple[int, str] = (-1, "")


def iso(us: int) -> str:
    """Antom's date-time form: ISO 8601 with an offset, to the second."""
    global _last_iso
    seconds = us // 1_000_000
    cached = _last_iso  # one tuple read: safe without a lock
    if cached[0] == seconds:
        return cached[1]
    text = (_EPOCH + timedelta(seconds=seconds)).isoformat()
    _last_iso = (seconds, text)
    return text
