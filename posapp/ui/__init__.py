"""The Qt user interface: the only package that imports PySide6."""

from __future__ import annotations

import ctypes
import sys


def _pin_bool_singletons() -> None:
    """Work around a reference-count bug in PySide6 6.12 on Python < 3.12.

    ``SignalInstance.emit()`` returns ``True`` without taking a new reference, so every
    ``signal.emit(...)`` made from Python code (the TaskRunner emits one per task) drops one
    reference to ``True``; after a few hundred emits the interpreter aborts with
    "bool_dealloc: deallocating True or False". Python 3.12+ makes True/False immortal; here
    we give both a reference count that no run can use up. Harmless if the bug is fixed.
    """
    if sys.version_info >= (3, 12):
        return
    for singleton in (True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_pin_bool_singletons()
