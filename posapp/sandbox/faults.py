"""Faults that tests switch on per request pattern: the network and Antom misbehaving.

A pattern is an ``fnmatch`` pattern over the request path (``*/pay``, ``*/inquiryPayment``,
``*``) or, for ``DUPLICATE_NOTIFY``, over the notification kind (``notifyPayment``...).
Each fault fires ``times`` times (None: until cleared). All off by default.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from posapp.sandbox.shared import FAULT_COUNT

if TYPE_CHECKING:
    from posapp.sandbox.shared import SharedPage
    from posapp.sandbox.store import Store


class FaultKind(StrEnum):
    LATENCY = "latency"  # wait ``seconds`` before handling the request
    HTTP_ERROR = "http_error"  # answer HTTP ``status`` (500/502/503) without touching state
    RESET_BEFORE = "reset_before"  # drop the connection (TCP RST) before any state change
    RESET_AFTER = "reset_after"  # commit the state change, then drop the connection
    GARBLED_BODY = "garbled_body"  # commit, then send a damaged body
    BAD_SIGNATURE = "bad_signature"  # commit, then sign the answer wrongly
    MISSING_SIGNATURE = "missing_signature"  # commit, then answer without a signature header
    DUPLICATE_NOTIFY = "duplicate_notify"  # deliver each matching notification twice
    # answer a verified request with Antom's rate-limit result (REQUEST_TRAFFIC_EXCEED_LIMIT,
    # status U, signed), without touching state: the client must back off and resend
    TRAFFIC_LIMIT = "traffic_limit"


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


class SharedFaultRegistry(FaultRegistry):
    """The faults of several sandbox processes on one state dir: kept in the store's meta
    table (so a fault added through any process fires in all, and ``times`` counts firings
    across all of them), with their number in the shared page so that the common case — no
    faults — reads one integer."""

    _KEY = "faults"

    def __init__(self, store: Store, page: SharedPage) -> None:
        super().__init__()
        self._store = store
        self._page = page

    def _load(self) -> tuple[int, list[Fault]]:
        raw = self._store.get_meta(self._KEY)
        if raw is None:
            return 1, []
        data = json.loads(raw)
        faults = [
            Fault(
                f["pattern"],
                FaultKind(f["kind"]),
                int(f["status"]),
                float(f["seconds"]),
                None if f["times"] is None else int(f["times"]),
                int(f["id"]),
                int(f["fired"]),
            )
            for f in data["faults"]
        ]
        return int(data["next_id"]), faults

    def _save(self, next_id: int, faults: list[Fault]) -> None:
        data = {"next_id": next_id, "faults": [f.to_json() for f in faults]}
        self._store.set_meta(self._KEY, json.dumps(data))
        self._page.set(FAULT_COUNT, len(faults))

    def add(
        self,
        pattern: str,
        kind: FaultKind | str,
        *,
        status: int = 503,
        seconds: float = 1.0,
        times: int | None = None,
    ) -> Fault:
        checked = FaultRegistry().add(pattern, kind, status=status, seconds=seconds, times=times)
        with self._store.tx():
            next_id, faults = self._load()
            checked.fault_id = next_id
            faults.append(checked)
            self._save(next_id + 1, faults)
        return checked

    def remove(self, fault: Fault | int) -> None:
        fault_id = fault if isinstance(fault, int) else fault.fault_id
        with self._store.tx():
            next_id, faults = self._load()
            self._save(next_id, [f for f in faults if f.fault_id != fault_id])

    def clear(self) -> None:
        with self._store.tx():
            next_id, _faults = self._load()
            self._save(next_id, [])

    def active(self) -> list[Fault]:
        with self._store.tx():
            return self._load()[1]

    def __bool__(self) -> bool:
        return self._page.get(FAULT_COUNT) > 0

    def take(self, subject: str, *, notification: bool = False) -> list[Fault]:
        if self._page.get(FAULT_COUNT) <= 0:  # the common case: one memory read
            return []
        fired: list[Fault] = []
        with self._store.tx():
            next_id, faults = self._load()
            kept: list[Fault] = []
            for fault in faults:
                if (fault.kind is FaultKind.DUPLICATE_NOTIFY) == notification and (
                    fnmatch.fnmatchcase(subject, fault.pattern)
                ):
                    fault.fired += 1
                    fired.append(fault)
                    if fault.times is not None and fault.fired >= fault.times:
                        continue
                kept.append(fault)
            if fired:
                self._save(next_id, kept)
        return fired
