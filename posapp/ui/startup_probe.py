"""A marker for the start-up benchmark: print one line and quit once the main window is painted.

``POSAPP_STARTUP_PROBE=1 posapp ...`` makes the first paint of the main window print
``posapp-startup: shown`` on stdout and leave the event loop (exit 0).
``tests/benchmarks/bench_startup.py`` times process start -> that line, from source and from
the bundle. Without the variable nothing is installed.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

ENV_VAR = "POSAPP_STARTUP_PROBE"
MARKER = "posapp-startup: shown"


class _FirstPaint(QObject):
    """Event filter that reports the window's first paint, once."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            # after this paint has finished: the pixels are on the screen
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(MARKER, flush=True)
        if sys.stdout is not None:
            sys.stdout.flush()
        QCoreApplication.exit(0)


def watch_first_show(window: QWidget) -> None:
    """Install the probe on ``window`` when the benchmark asked for it."""
    if os.environ.get(ENV_VAR) == "1":
        window.installEventFilter(_FirstPaint(window))
