"""Guards the PySide6 pin: PySide6 6.12.0 on Python 3.11 leaks references to None/True.

Every wrapped ``void`` call and every ``emit()`` dropped one reference to ``None``/``True``;
after a few thousand the interpreter aborted (``bool_dealloc``). A build that brings the bug
back fails here instead of crashing a till mid-shift.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from pytestqt.qtbot import QtBot


class _Emitter(QObject):
    fired = Signal(object)


def test_signals_and_void_calls_keep_singleton_refcounts(qtbot: QtBot) -> None:
    emitter = _Emitter()
    seen: list[object] = []
    emitter.fired.connect(seen.append)
    timer = QTimer()
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(500):
        emitter.fired.emit(i)
        timer.start(1000)
        timer.stop()
        QCoreApplication.processEvents()
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert len(seen) == 500
    # Other threads may hold a few references at either moment; a leak loses hundreds.
    assert after[0] - before[0] > -50, "emit() leaks references to True"
    assert after[1] - before[1] > -50, "void calls leak references to None"
