"""The change feed: the one way anything hears that a payment or the till changed.

The services announce each change once, on the thread that made it: the Settler after every
state or fact change of a payment (pay answers, inquiries, notifications, captures, cancels,
refunds, released holds), checkout when it journals a new payment's intent, the duplicate
service when it journals a step of an undo. Subscribers (the screens, through the UI's Qt
bridge) receive typed ``Change`` records and never ask the journal on a timer themselves.

Another process on the same journal (a second window, ``posapp`` commands) announces nothing
here, so the feed also follows the journal's audit log: one reader (``follow``) looks at the
events appended since its last look, at most every ``interval`` seconds, and announces the
payments they touched whose version is newer than the one this feed last announced. Changes
made in this process were announced already and are not repeated. This is the only place
that reads the journal on a schedule.

Callbacks run on the announcing thread (a worker, the poller, the listener or the follower);
they must be quick and thread-safe (the Qt bridge only queues them). A failing callback is
logged and does not stop the others.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from posapp.core.domain import Payment

log = logging.getLogger(__name__)

FOLLOW_INTERVAL = 2.0  # seconds between two looks at the audit log for other processes' changes
FOLLOW_BATCH = 2000  # events read per look (a longer backlog is read on the next looks)
_REMEMBERED = 20_000  # payments whose last announced version is kept (oldest forgotten first)


class ChangeKind(StrEnum):
    """What a ``Change`` is about."""

    CREATED = "created"  # a new payment was journaled (its intent, before the network)
    UPDATED = "updated"  # a payment's state or facts changed (here or in another process)
    JOURNALED = "journaled"  # something was journaled about a payment, its row unchanged
    TILL = "till"  # the till itself: settling started or stopped, no payment concerned


@dataclass(frozen=True, slots=True)
class Change:
    """One announced change: the payment as it is now (None for ``TILL``)."""

    kind: ChangeKind
    payment: Payment | None = None

    @property
    def payment_id(self) -> int | None:
        return None if self.payment is None else self.payment.id


ChangeListener = Callable[[Change], None]


class ChangeSource(Protocol):
    """The journal reads the follower needs (JournalRepository provides them)."""

    def last_event_id(self) -> int: ...

    def payments_touched_since(self, after_id: int, limit: int = ...) -> tuple[list[int], int]: ...

    def payment_versions(self, ids: Sequence[int]) -> dict[int, int]: ...

    def get_payment(self, payment: int) -> Payment | None: ...


class ChangeFeed:
    """Fans announced changes out to subscribers; follows the audit log for other processes.

    Thread-safe: announce and subscribe from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[ChangeListener] = []
        self._versions: OrderedDict[int, int] = OrderedDict()
        self._follow_lock = threading.Lock()  # one look at the audit log at a time
        self._source: ChangeSource | None = None
        self._after: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.interval = FOLLOW_INTERVAL

    # -- subscribing ----------------------------------------------------------------------
    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener`` with every change from now on; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # -- announcing -----------------------------------------------------------------------
    def announce(self, payment: Payment, kind: ChangeKind = ChangeKind.UPDATED) -> None:
        """Tell every subscriber about ``payment`` as it is now."""
        with self._lock:
            self._remember(payment)
        self._deliver(Change(kind, payment))

    def announce_till(self) -> None:
        self._deliver(Change(ChangeKind.TILL))

    def _remember(self, payment: Payment) -> bool:
        """Record ``payment``'s version as announced; False if it was announced already."""
        known = self._versions.get(payment.id)
        if known is not None and known >= payment.version:
            return False
        self._versions[payment.id] = payment.version
        self._versions.move_to_end(payment.id)
        while len(self._versions) > _REMEMBERED:
            self._versions.popitem(last=False)
        return True

    def _deliver(self, change: Change) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                log.exception("a change listener failed")

    # -- following other processes through the audit log -----------------------------------
    def attach(self, source: ChangeSource) -> None:
        """Follow ``source``'s audit log from its end as it is now, one ``catch_up`` at a time."""
        with self._follow_lock:
            self._source = source
            self._after = source.last_event_id()

    def follow(self, source: ChangeSource, *, interval: float = FOLLOW_INTERVAL) -> None:
        """Start the one reader of the audit log (a daemon thread), from its end as it is
        now: what other processes journal from here on is announced within ``interval``."""
        if self._thread is not None:
            return
        self.attach(source)
        self.interval = max(0.05, min(interval, 30.0))  # bounded: neither busy nor stale
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="posapp-changes", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    @property
    def following(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.catch_up()
            except Exception:  # a locked or busy journal: the next look reads the same events
                log.warning("following the journal failed", exc_info=True)

    def catch_up(self) -> list[Change]:
        """One look at the audit log (the follower's step, also callable directly): announce
        the payments other processes changed since the last look; returns what it announced."""
        source = self._source
        if source is None:
            return []
        with self._follow_lock:
            after = self._after if self._after is not None else source.last_event_id()
            ids, last = source.payments_touched_since(after, FOLLOW_BATCH)
            changes = list(self._newer(source, ids))
            self._after = last
        for change in changes:
            self._deliver(change)
        return changes

    def _newer(self, source: ChangeSource, ids: Sequence[int]) -> Iterable[Change]:
        # Versions first (one light query): this process's own changes, announced already,
        # are skipped without reading their rows.
        versions = source.payment_versions(ids)
        with self._lock:
            stale = [k for k in ids if self._versions.get(k, 0) < versions.get(k, 0)]
        for key in stale:
            payment = source.get_payment(key)
            if payment is None:
                continue
            with self._lock:
                newer = self._remember(payment)
            if newer:
                yield Change(ChangeKind.UPDATED, payment)
