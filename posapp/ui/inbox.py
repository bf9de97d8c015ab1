"""GuiInbox: how a worker thread hands work to the GUI thread without calling into Qt.

Worker threads (the task lanes, the change feed's threads) are plain Python threads. They never
emit a Qt signal or touch a QObject: a cross-thread call into Qt from a thread that holds the
GIL, while the GUI thread holds the GIL inside a Qt call that waits on a Qt lock, is the kind of
lock-order inversion that hangs a till with no error (seen once in CI: the GUI thread stuck
building a widget while a lane worker waited for the GIL). Instead a worker appends a callable
to a deque and writes one byte to a socket pair; on the GUI thread a QSocketNotifier wakes the
event loop, which drains the deque in order. Sockets, not a pipe: Qt's notifier watches
sockets on every platform (Windows included).

``Mailbox.post`` is safe from any thread at any time, after ``close`` too (the call is dropped).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)


class Mailbox:
    """The thread-safe half, a plain Python object: what worker threads hold and call."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._queue: deque[Callable[[], None]] = deque()
        self._lock = threading.Lock()
        self._woken = False  # a byte is on its way: later posts need not write another
        self._closed = False

    def fileno(self) -> int:
        return self._reader.fileno()

    # any thread
    def post(self, call: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                return
            self._queue.append(call)
            if self._woken:
                return
            self._woken = True
            try:
                self._writer.send(b"\0")
            except OSError:  # a full buffer still wakes the reader; a closed one: shutting down
                pass

    # the owning thread
    def take(self) -> list[Callable[[], None]]:
        try:
            while self._reader.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return []
        with self._lock:
            self._woken = False
            calls = list(self._queue)
            self._queue.clear()
        return calls

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.clear()
        self._reader.close()
        self._writer.close()


class GuiInbox(QObject):
    """Runs callables posted to its ``mailbox`` from any thread on the thread that owns it
    (the GUI thread). Worker threads are given the mailbox, never this QObject."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mailbox = Mailbox()
        self._notifier = QSocketNotifier(self.mailbox.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self.drain_now)

    def drain_now(self) -> None:
        """Run what is queued (the notifier's wake-up; shutdown and tests), on the GUI thread."""
        for call in self.mailbox.take():
            try:
                call()
            except Exception:  # one broken callback must not starve the rest
                log.exception("a GUI callback failed")

    def close(self) -> None:
        self._notifier.setEnabled(False)
        self.mailbox.close()
