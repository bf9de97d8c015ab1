"""The Qt user interface: the only package that imports PySide6."""

from __future__ import annotations

import ctypes
import sys


def _pin_singletons() -> None:
    """Work around reference-count bugs in PySide6 6.12 on Python < 3.12.

    PySide6 6.12 returns ``None`` from every wrapped C++ ``void`` method (``QTimer.start``,
    ``processEvents``, ``selectionModel().select``...) and ``True`` from
    ``SignalInstance.emit()`` without taking a new reference, as if they were immortal (they
    are only from Python 3.12 on). Each such call drops one reference to ``None`` / ``True``;
    after some thousand calls the interpreter aborts ("none_dealloc" / "bool_dealloc:
    deallocating None / True"). Measured here: 200 ``QTimer.start`` calls took 400
    references from None. We give the singletons a reference count that no run can use up.
    Harmless once the bug is fixed.
    """
    if sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_pin_singletons()
