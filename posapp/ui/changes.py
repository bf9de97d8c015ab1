"""ChangeBridge: the core's change feed, delivered on the GUI thread a burst at a time.

The feed calls its subscribers on whatever thread made the change (a worker, the poller, the
notification listener, the audit-log follower). The bridge only queues there (a plain object and the GUI
inbox's mailbox: those threads never call into Qt); on the GUI
thread it gathers what arrives within ``coalesce_ms`` of the first change and hands the
screens one batch, with each payment once (its newest version). Screens connect to
``changed`` and never read the journal on a timer of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from posapp.core.services.changes import Change, ChangeFeed
from posapp.ui.inbox import GuiInbox, Mailbox

COALESCE_MS = 100  # a burst (the poller settling 200 payments) reaches the screens as a few batches


class _Collector:
    """The half of the bridge the feed's threads call: a plain Python object (never the
    QObject), gathering changes and waking the GUI thread through the inbox's mailbox."""

    def __init__(self, mailbox: Mailbox, arrived: Callable[[], None]) -> None:
        self._mailbox = mailbox
        self._arrived = arrived
        self._lock = threading.Lock()
        self._pending: dict[int | None, Change] = {}

    # any thread
    def on_change(self, change: Change) -> None:
        with self._lock:
            first = not self._pending
            key = change.payment_id
            known = self._pending.get(key)
            if (
                known is None
                or known.payment is None
                or change.payment is None
                or known.payment.version <= change.payment.version
            ):
                self._pending[key] = change
        if first:
            self._mailbox.post(self._arrived)

    def take(self) -> tuple[Change, ...]:
        with self._lock:
            batch = tuple(self._pending.values())
            self._pending.clear()
        return batch


class ChangeBridge(QObject):
    """Follows a ChangeFeed for the screens; lives on the GUI thread.

    Signals: ``changed(object)``: a ``tuple[Change, ...]`` (one per payment, newest version;
    at most one till change), emitted on the GUI thread.
    """

    changed = Signal(object)

    def __init__(
        self,
        feed: ChangeFeed,
        parent: QObject | None = None,
        *,
        coalesce_ms: int = COALESCE_MS,
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(coalesce_ms)
        self._timer.timeout.connect(self.flush)
        self._inbox = GuiInbox(self)
        self._collector = _Collector(self._inbox.mailbox, self._on_arrived)
        unsubscribe = feed.subscribe(self._collector.on_change)
        self._unsubscribe = unsubscribe
        self.destroyed.connect(lambda *_: unsubscribe())

    def close(self) -> None:
        """Stop following the feed (the window is closing)."""
        self._unsubscribe()
        self._timer.stop()
        self._inbox.close()

    # GUI thread
    def _on_arrived(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Deliver what has arrived now (the coalescing timer's end; tests)."""
        self._timer.stop()
        batch = self._collector.take()
        if batch:
            self.changed.emit(batch)
