"""The change feed: the one way anything hears that a payment or the till changed.

The services announce each change once, on the thread that made it: the Settler after every
state or fact change of a payment (pay answers, inquiries, notifications, captures, cancels,
refunds, released holds), checkout when it journals a new payment's intent, the duplicate
service when it journals a step of an undo. Subscribers (the screens, through the UI's Qt
bridge) receive typed ``Change`` records and never ask the journal on a timer themselves.

Another process on the same journal (a second window, ``posapp`` commands, another till)
announces nothing here, so the feed also follows the journal's audit log: ``catch_up`` reads
the events appended since its last look and announces the payments they touched whose
version is newer than the one this feed last announced. Changes made in this process were
announced already and are not repeated. This is the only place that reads the journal on a
schedule.

What starts a catch-up:

- **SQLite**: the follower, every ``FOLLOW_INTERVAL`` (2 s).
- **PostgreSQL**: the server's notifications. Every write that appends audit rows (every
  payment change does) issues ``pg_notify`` on the journal's channel from a trigger
  (schema step 0008), so the notification leaves with the commit and never for a
  rolled-back write. A listener thread
  holds one dedicated connection that LISTENs and starts a catch-up as soon as one arrives
  (all pending ones are read by that one catch-up). The follower stays, every
  ``NOTIFY_FALLBACK_INTERVAL`` (5 s), for notifications that are lost: a change is seen
  within that bound whatever happens to them. A listener whose connection drops connects
  again (backing off up to ``RELISTEN_MAX_WAIT``) and catches up at once, since whatever was
  announced while it was away is lost.

``delivered`` counts the changes announced by each path (notify, listen, follow, ...).

Callbacks run on the announcing thread (a worker, the poller, the listener or the follower);
they must be quick and thread-safe (the Qt bridge only queues them). A failing callback is
logged and does not stop the others.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from posapp.core.domain import Payment

log = logging.getLogger(__name__)

FOLLOW_INTERVAL = 2.0  # seconds between two looks at the audit log for other processes' changes
# With server notifications (PostgreSQL) the follower is a fallback only: a notification
# that is lost delays a change by at most this long.
NOTIFY_FALLBACK_INTERVAL = 5.0
LISTEN_WAIT = 30.0  # the listener's longest silent wait (stop() wakes it at once)
RELISTEN_MAX_WAIT = 5.0  # the longest pause between two tries to connect the listener again
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


class ChangeNotices(Protocol):
    """A connection that hears the journal's commits (``pg.PgChangeListener``)."""

    def connect(self) -> None: ...

    def wait(self, timeout: float) -> bool: ...

    def wake(self) -> None: ...

    def close(self) -> None: ...


def notices_for(source: object) -> ChangeNotices | None:
    """The journal's change notifications when it has them (PostgreSQL), else None."""
    journal = getattr(source, "journal", None)
    make = getattr(journal, "change_listener", None)
    if make is None:
        return None
    notices: ChangeNotices = make()
    return notices


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
        self._listener: threading.Thread | None = None
        self.notices: ChangeNotices | None = None
        self.interval = FOLLOW_INTERVAL
        self.delivered: Counter[str] = Counter()  # changes announced, by what found them
        self.listens = 0  # times the listener connected and caught up (> 1: it reconnected)

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

    def follow(
        self,
        source: ChangeSource,
        *,
        interval: float | None = None,
        notices: ChangeNotices | None = None,
    ) -> None:
        """Start the one reader of the audit log (a daemon thread), from its end as it is
        now: what other processes journal from here on is announced within ``interval``
        (default: ``FOLLOW_INTERVAL``, or ``NOTIFY_FALLBACK_INTERVAL`` where the journal
        announces its commits, which are then heard by a listener thread within moments)."""
        if self._thread is not None:
            return
        self.attach(source)
        notices = notices or notices_for(source)
        if interval is None:
            interval = FOLLOW_INTERVAL if notices is None else NOTIFY_FALLBACK_INTERVAL
        self.interval = max(0.05, min(interval, 30.0))  # bounded: neither busy nor stale
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="posapp-changes", daemon=True)
        self._thread.start()
        if notices is not None:
            self.listen(notices)

    def listen(self, notices: ChangeNotices) -> None:
        """Start the listener thread: a catch-up whenever ``notices`` hears a commit (after
        ``attach``; ``follow`` calls this for a journal that announces its commits)."""
        if self._listener is not None:
            return
        self.notices = notices
        self._stop.clear()
        self._listener = threading.Thread(
            target=self._listen, args=(notices,), name="posapp-changes-listen", daemon=True
        )
        self._listener.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        notices = self.notices
        if notices is not None:
            notices.wake()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.join(timeout)
        if notices is not None and (listener is None or not listener.is_alive()):
            notices.close()
            self.notices = None

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.is_alive()

    @property
    def following(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.catch_up(via="follow")
            except Exception:  # a locked or busy journal: the next look reads the same events
                log.warning("following the journal failed", exc_info=True)

    def _listen(self, notices: ChangeNotices) -> None:
        connected = False
        failures = 0
        while not self._stop.is_set():
            if not connected:
                try:
                    notices.connect()
                except Exception:
                    failures += 1
                    log.warning("the change listener cannot connect", exc_info=failures == 1)
                    self._stop.wait(min(RELISTEN_MAX_WAIT, 0.1 * 2**failures))
                    continue
                connected, failures = True, 0
                # what was committed before the LISTEN (or while the connection was away)
                # was announced to nobody: read it now
                self._catch_up_quietly("relisten" if self.listens else "listen")
                self.listens += 1
                continue
            try:
                heard = notices.wait(LISTEN_WAIT)
            except Exception:  # noqa: BLE001 - whatever ended the connection, connect again
                log.warning("the change listener lost its connection; connecting again")
                connected = False
                continue
            if heard and not self._stop.is_set():
                self._catch_up_quietly("notify")

    def _catch_up_quietly(self, via: str) -> None:
        try:
            self.catch_up(via=via)
        except Exception:  # the follower's next look reads the same events
            log.warning("catching up after a notification failed", exc_info=True)

    def catch_up(self, *, via: str = "catch_up") -> list[Change]:
        """One look at the audit log (the follower's and the listener's step, also callable
        directly): announce the payments other processes changed since the last look;
        returns what it announced. ``via`` names the path in ``delivered``."""
        source = self._source
        if source is None:
            return []
        with self._follow_lock:
            after = self._after if self._after is not None else source.last_event_id()
            ids, last = source.payments_touched_since(after, FOLLOW_BATCH)
            changes = list(self._newer(source, ids))
            self._after = last
            self.delivered[via] += len(changes)
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
