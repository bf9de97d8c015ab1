"""Faults that tests switch on per request pattern: the network and Antom misbehaving.

A pattern is an ``fnmatch`` pattern over the request path (``*/pay``, ``*/inquiryPayment``,
``*``) or, for ``DUPLICATE_NOTIFY``, over the notification kind (``notifyPayment``...).
Each fault fires ``times`` times (None: until cleared). All off by default.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    LATENCY = "latency"  # wait ``seconds`` before handling the request
    HTTP_ERROR = "http_error"  # answer HTTP ``status`` (500/502/503) without touching state
    RESET_BEFORE = "reset_before"  # drop the connection (TCP RST) before any state change
    RESET_AFTER = "reset_after"  # commit the state change, then drop the connection
    GARBLED_BODY = "garbled_body"  # commit, then send a damaged body
    BAD_SIGNATURE = "bad_signature"  # commit, then sign the answer wrongly
    MISSING_SIGNATURE = "missing_signature"  # commit, then answer without a signature header
    DUPLICATE_NOTIFY = "duplicate_notify"  # deliver each matching notification twice


@dataclass(slots=True)
class Fault:
    pattern: str
    kind: FaultKind
    status: int = 503
    seconds: float = 1.0
    times: int | None = None
    fault_id: int = 0
    fired: int = field(default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.fault_id,
            "pattern": self.pattern,
            "kind": self.kind.value,
            "status": self.status,
            "seconds": self.seconds,
            "times": self.times,
            "fired": self.fired,
        }


class FaultRegistry:
    """Thread-safe list of active faults. ``take`` consumes one firing of each match."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(
        self,
        pattern: str,
        kind: FaultKind | str,
        *,
        status: int = 503,
        seconds: float = 1.0,
        times: int | None = None,
    ) -> Fault:
        kind = FaultKind(kind)
        if kind is FaultKind.HTTP_ERROR and status not in (500, 502, 503, 504):
            raise ValueError("http_error status must be 500, 502, 503 or 504")
        if seconds < 0 or seconds > 120:
            raise ValueError("latency must be 0 to 120 seconds")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None: until cleared)")
        fault = Fault(pattern, kind, status, float(seconds), times, next(self._ids))
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault | int) -> None:
        fault_id = fault if isinstance(fault, int) else fault.fault_id
        with self._lock:
            self._faults = [f for f in self._faults if f.fault_id != fault_id]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def take(self, subject: str, *, notification: bool = False) -> list[Fault]:
        """The faults that fire for ``subject`` now (counted as fired).

        Request faults match request paths; ``notification=True`` looks at the
        notification faults only (subject: the notification kind).
        """
        if not self._faults:  # the common case costs no lock
            return []
        fired: list[Fault] = []
        with self._lock:
            for fault in list(self._faults):
                if (fault.kind is FaultKind.DUPLICATE_NOTIFY) != notification:
                    continue
                if not fnmatch.fnmatchcase(subject, fault.pattern):
                    continue
                fault.fired += 1
                fired.append(fault)
                if fault.times is not None and fault.fired >= fault.times:
                    self._faults.remove(fault)
        return fired
