"""Whether the store server's journal answers, for the screens that must stop selling when
it does not (New payment's banner and Pay button).

Two sources, never the GUI thread: the journal errors the screens meet anyway (``report``:
a payment refused because the server went away) and a cheap probe (``SELECT 1`` on a
connection of its own) run on the TaskRunner's network lane, every ``interval_ms`` while the
server answers and every ``away_interval_ms`` while it does not. When it answers again the
state is BACK for ``back_shown_ms`` (the banner says so), then OK.

A till on its own SQLite file has no server: nothing is built for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QObject, QTimer, Signal

from posapp.core.journal.errors import JournalError, JournalUnavailable
from posapp.ui.tasks import Lane, TaskRunner

log = logging.getLogger(__name__)


class ServerState(StrEnum):
    OK = "ok"
    AWAY = "away"  # the server does not answer: no new sale may start
    BACK = "back"  # it answers again (shown for a moment, then OK)


class JournalHealth(QObject):
    """The store server's state on the GUI thread; ``state_changed(str)`` on each change."""

    state_changed = Signal(str)

    INTERVAL_MS = 10_000
    AWAY_INTERVAL_MS = 2_000
    BACK_SHOWN_MS = 6_000

    def __init__(
        self,
        runner: TaskRunner,
        probe: Callable[[], None],
        parent: QObject | None = None,
        *,
        interval_ms: int | None = None,
        away_interval_ms: int | None = None,
        back_shown_ms: int | None = None,
        close_probe: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._probe = probe
        self._close_probe = close_probe
        self._stopped = False
        self._state = ServerState.OK
        self._busy = False
        self.probes = 0  # probes answered so far (ok or not)
        self.reason = ""  # the last failure, for the log and the Pay button's tooltip
        # between probes while the server answers, and while it does not
        self.interval_ms = self.INTERVAL_MS if interval_ms is None else interval_ms
        self.away_interval_ms = (
            self.AWAY_INTERVAL_MS if away_interval_ms is None else away_interval_ms
        )
        self._timer = QTimer(self)
        self._timer.setObjectName("journalProbeTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.probe_now)
        self._back = QTimer(self)
        self._back.setSingleShot(True)
        self._back.setInterval(self.BACK_SHOWN_MS if back_shown_ms is None else back_shown_ms)
        self._back.timeout.connect(self._back_over)

    @property
    def state(self) -> ServerState:
        return self._state

    @property
    def busy(self) -> bool:
        """A probe is under way."""
        return self._busy

    @property
    def away(self) -> bool:
        return self._state is ServerState.AWAY

    def start(self) -> None:
        """Probe now, then on the timer."""
        self.probe_now()

    def stop(self) -> None:
        """No more probes; the probe's connection is closed off the GUI thread."""
        self._stopped = True
        self._timer.stop()
        self._back.stop()
        if self._close_probe is not None:
            self._runner.run(self._close_probe, lane=Lane.NETWORK, label="close the probe")
            self._close_probe = None

    def probe_now(self) -> None:
        if self._busy or self._stopped:
            return
        self._busy = True
        self._timer.stop()
        self._runner.run(
            self._probe,
            lane=Lane.NETWORK,  # waits on the network, at most the connect timeout
            on_done=lambda _r: self._probed(None),
            on_error=self._probed,
            owner=self,
            label="store server probe",
        )

    def report(self, exc: BaseException) -> None:
        """A journal error a screen met: the server is away when it says it cannot be
        reached (another journal error is not the server's absence)."""
        if isinstance(exc, JournalUnavailable):
            self._set(ServerState.AWAY, str(exc))
            self._schedule()

    def _probed(self, exc: BaseException | None) -> None:
        self._busy = False
        self.probes += 1
        if exc is None:
            if self._state is ServerState.AWAY:
                self._set(ServerState.BACK, "")
                self._back.start()
        elif isinstance(exc, JournalError):
            self._set(ServerState.AWAY, str(exc))
        else:
            log.warning("the store server probe failed: %s", exc)
            self._set(ServerState.AWAY, str(exc))
        self._schedule()

    def _schedule(self) -> None:
        if self._busy or self._stopped:
            return
        self._timer.start(self.away_interval_ms if self.away else self.interval_ms)

    def _back_over(self) -> None:
        if self._state is ServerState.BACK:
            self._set(ServerState.OK, "")

    def _set(self, state: ServerState, reason: str) -> None:
        self.reason = reason
        if state is self._state:
            return
        if state is ServerState.AWAY:
            self._back.stop()
            log.warning("the store server does not answer: sales paused (%s)", reason)
        elif state is ServerState.BACK:
            log.info("the store server answers again: sales go on")
        self._state = state
        self.state_changed.emit(state.value)
