"""Per-thread state for the journals (SQLite and PostgreSQL): each thread's connection and
transaction depth, keyed by the OS thread's id.

Not ``threading.local``: PySide gives a Qt pool thread a fresh Python thread state for every
task it runs, which empties a ``threading.local``; the UI's worker threads would open (and
keep) a new connection for every task instead of one each. A thread that starts after
another ended may get the ended one's id, and with it that thread's idle connection; two
live threads never share one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

_S = TypeVar("_S")


class PerThread(Generic[_S]):
    """``get()``: the calling OS thread's state, made by ``factory`` on its first call."""

    def __init__(self, factory: Callable[[], _S]) -> None:
        self._factory = factory
        self._states: dict[int, _S] = {}
        self._lock = threading.Lock()

    def get(self) -> _S:
        key = threading.get_ident()
        state = self._states.get(key)
        if state is None:
            with self._lock:
                state = self._states.get(key)
                if state is None:
                    state = self._states[key] = self._factory()
        return state
