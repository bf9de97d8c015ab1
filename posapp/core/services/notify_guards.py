"""The notification listener's defences, each a small thread-safe object with its time injected.

- ``PeerThrottle``: a token bucket per peer address. A peer whose bucket is empty is answered
  429 before its body is read. Only a refused request costs a token: a verified
  notification (new or a re-send) costs none, so Antom's own traffic never runs a bucket
  dry by itself.
- ``RefusalTally``: refused requests are counted in memory and summed up in ONE audit event
  per minute of the clock (reasons, the busiest peers, one sample), instead of a synced
  journal row per request that a flood could multiply.
- ``SeenNotifications``: the ids of notifications already applied, for de-duplication; the
  listener also finds them in the journal (after a restart).
- ``notification_id``: what identifies one notification.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from posapp.core.clock import Clock

MAX_PEERS = 4096  # buckets kept (least recently seen dropped first)
MAX_TALLY_PEERS = 20  # peers named in one summary; the rest are counted as "other"
SUMMARY_WINDOW = timedelta(minutes=1)


class PeerThrottle:
    """``rate`` tokens a second up to ``burst`` per peer; ``ticker`` is a monotonic clock in
    seconds (tests pass one that only moves when told)."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        ticker: Callable[[], float] = time.monotonic,
        max_peers: int = MAX_PEERS,
    ) -> None:
        if not (rate >= 0 and burst >= 1):
            raise ValueError("the throttle needs rate >= 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._ticker = ticker
        self._max_peers = max_peers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    def _refilled(self, peer: str) -> float:
        now = self._ticker()
        tokens, at = self._buckets.get(peer, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - at) * self.rate)
        self._buckets[peer] = (tokens, now)
        self._buckets.move_to_end(peer)
        while len(self._buckets) > self._max_peers:
            self._buckets.popitem(last=False)
        return tokens

    def allows(self, peer: str) -> bool:
        """True while the peer has a token left (nothing is taken)."""
        with self._lock:
            return self._refilled(peer) >= 1

    def charge(self, peer: str) -> None:
        """Take one token: the peer sent something that was refused."""
        with self._lock:
            tokens = self._refilled(peer)
            self._buckets[peer] = (max(0.0, tokens - 1), self._buckets[peer][1])


class RefusalTally:
    """Counts refused requests per minute of ``clock``; ``write`` gets one summary per
    minute that had any, from whichever thread notices the minute is over: the next
    refusal, the server's idle loop, or ``flush(force=True)`` at stop."""

    def __init__(
        self,
        clock: Clock,
        write: Callable[[dict[str, Any]], None],
        *,
        window: timedelta = SUMMARY_WINDOW,
    ) -> None:
        self._clock = clock
        self._write = write
        self._window_s = window.total_seconds()
        self._lock = threading.Lock()  # the counts
        self._writing = threading.Lock()  # one summary written at a time
        self._key: int | None = None  # the open window's number
        self._start: datetime | None = None
        self._reasons: Counter[str] = Counter()
        self._peers: Counter[str] = Counter()
        self._sample = ""
        self.written = 0

    def _window_of(self, moment: datetime) -> int:
        return int(moment.timestamp() // self._window_s)

    def add(self, reason: str, peer: str, sample: str = "") -> None:
        self.flush()  # a minute that is over is written before this one is counted
        now = self._clock.now()
        with self._lock:
            if self._key is None:
                self._key, self._start = self._window_of(now), now
            self._reasons[reason] += 1
            if peer in self._peers or len(self._peers) < MAX_TALLY_PEERS:
                self._peers[peer] += 1
            else:
                self._peers["other"] += 1
            if not self._sample and sample:
                self._sample = sample[:300]

    def flush(self, *, force: bool = False) -> None:
        """Write the open window's summary if its minute is over (or now, with ``force``).

        Flushes run one at a time (``_writing``), so a flush that finds nothing to write
        returns only after a summary another thread took is written."""
        with self._writing:
            with self._lock:
                if self._key is None:
                    return
                if not force and self._key == self._window_of(self._clock.now()):
                    return
                summary = self._take()
            self._write(summary)  # outside the counting lock: refusals are still counted
            self.written += 1

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(self._reasons.values())

    def _take(self) -> dict[str, Any]:
        assert self._key is not None and self._start is not None
        start = datetime.fromtimestamp(self._key * self._window_s, tz=self._start.tzinfo)
        summary = {
            "summary": "refused notification requests",
            "window_start": start.isoformat(),
            "window_seconds": self._window_s,
            "first_at": self._start.isoformat(),
            "count": sum(self._reasons.values()),
            "reasons": dict(self._reasons.most_common()),
            "peers": dict(self._peers.most_common()),
            "sample": self._sample,
        }
        self._key, self._start, self._sample = None, None, ""
        self._reasons, self._peers = Counter(), Counter()
        return summary


class SeenNotifications:
    """Ids of notifications already applied, remembered for ``keep`` on ``clock`` (at most
    ``limit``); older ones are refused by the replay window anyway."""

    def __init__(self, clock: Clock, keep: timedelta, *, limit: int = 10_000) -> None:
        self._clock = clock
        self._keep = keep
        self._limit = limit
        self._ids: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, notify_id: object) -> bool:
        with self._lock:
            self._expire()
            return notify_id in self._ids

    def add(self, notify_id: str) -> None:
        with self._lock:
            self._ids[notify_id] = self._clock.now()
            self._ids.move_to_end(notify_id)
            self._expire()

    def _expire(self) -> None:
        oldest = self._clock.now() - self._keep
        while self._ids and (
            len(self._ids) > self._limit or next(iter(self._ids.values())) < oldest
        ):
            self._ids.popitem(last=False)


def notification_id(body: Mapping[str, Any] | None, raw: bytes) -> str:
    """What identifies one notification: Antom's ``notifyId`` when the body carries one,
    otherwise the raw, signed body. A replay is the same signed bytes (they cannot be
    changed without Antom's key), and Antom's own re-sends repeat the body with a new
    request-time: both map to the same id; two different notifications never do.

    Always a SHA-256, in groups of 8 hex digits: the journal masks any run of 12 or more
    digits that could be a card number, and an id must read back exactly as written."""
    material = raw
    if body is not None:
        given = body.get("notifyId")
        if isinstance(given, str) and 0 < len(given) <= 128:
            material = b"notifyId:" + given.encode("utf-8", "replace")
    digest = hashlib.sha256(material).hexdigest()
    return "sha256:" + ".".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def loads_object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
