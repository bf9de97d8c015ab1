"""The sandbox's own clock: real time plus an offset that tests move forward.

Real time keeps flowing (a slow authorisation settles after a few real seconds), and
``advance`` jumps ahead (the 14-minute and 7-day rules in a test that takes seconds). The
offset is persisted, so a restart with the same state dir keeps the sandbox's time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Thread-safe; ``on_advance`` callbacks run after every jump (persist, settle due work)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._offset_us = offset // timedelta(microseconds=1)  # the same, for now_us()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[timedelta], None]] = []

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + offset

    def now_us(self) -> int:
        """Microseconds since the epoch on the sandbox clock (how the store keeps times).

        Integer arithmetic on the system clock (no datetime objects): it runs on every call.
        """
        return time.time_ns() // 1000 + self._offset_us  # one attribute read: no lock needed

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward (never back) and settle whatever became due."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += step
            self._offset_us = self._offset // timedelta(microseconds=1)
            offset = self._offset
        for listener in list(self._listeners):
            listener(offset)
        return self.now()

    def on_advance(self, listener: Callable[[timedelta], None]) -> None:
        self._listeners.append(listener)


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
