"""Walk of one card payment: from the submit key to the journal and back to the panel, counted.

Profiles every Python call in posapp (all threads) between the cashier's Return key and the
result panel showing "Approved", grouped by package; counts posapp types constructed and the
package-to-package hops. Run: ``bash tests/run.sh tests/benchmarks/bench_walk.py -q -s``
(not collected by default).
The same file, dropped into an older checkout, measured the walk before issue 12 (closing note).
"""

from __future__ import annotations

import collections
import os
import sys
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from posapp.ui.main_window import MainWindow
from tests.ui.test_cashier_flows import (  # noqa: F401  (fixtures)
    VISA_OK,
    backend,
    browser,
    cashier_types,
    view_of,
    wait_title,
    window,
)

ROOT = str(Path(__file__).resolve().parents[2] / "posapp")


def area(filename: str) -> str | None:
    if not filename.startswith(ROOT):
        return None
    rel = filename[len(ROOT) + 1 :].removesuffix(".py").split(os.sep)
    if rel[0] == "core" and len(rel) > 2:
        return "core." + rel[1]
    if rel[0] == "ui" and len(rel) > 2:
        return "ui." + rel[1]
    return rel[0] if rel[0] != "core" else "core"


def test_walk(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    view = view_of(window)
    qtbot.waitUntil(lambda: "VISA" in view.accepted_brand_codes(), timeout=20000)
    calls: collections.Counter[str] = collections.Counter()
    funcs: set[str] = set()
    types: set[str] = set()
    hops: collections.Counter[tuple[str, str]] = collections.Counter()
    lock = threading.Lock()

    def prof(frame, event, arg):  # type: ignore[no-untyped-def]
        if event != "call":
            return
        code = frame.f_code
        a = area(code.co_filename)
        if code.co_name == "__init__" and "self" in frame.f_locals:
            t = type(frame.f_locals["self"])
            if t.__module__.startswith("posapp"):
                with lock:
                    types.add(f"{t.__module__}.{t.__qualname__}")
        if a is None:
            return
        back = frame.f_back
        b = area(back.f_code.co_filename) if back is not None else None
        with lock:
            calls[a] += 1
            funcs.add(f"{a}:{code.co_qualname}")
            if b is not None and b != a:
                hops[(b, a)] += 1

    # type the form first (not counted), then count from the Return key
    from PySide6.QtCore import Qt

    real_click = qtbot.keyClick
    state = {}

    def key_click(w, key, *args, **kw):  # type: ignore[no-untyped-def]
        if key == Qt.Key.Key_Return:
            threading.setprofile(prof)
            sys.setprofile(prof)
            state["on"] = True
        return real_click(w, key, *args, **kw)

    qtbot.keyClick = key_click  # type: ignore[method-assign]
    import posapp.ui.tasks as tasks_mod

    job_cls = tasks_mod._Job
    real_run = job_cls.run

    def run(self):  # type: ignore[no-untyped-def]
        if state.get("on"):
            sys.setprofile(prof)
        try:
            return real_run(self)
        finally:
            sys.setprofile(None)

    job_cls.run = run
    cashier_types(qtbot, view, VISA_OK)
    wait_title(qtbot, view, "Approved")
    sys.setprofile(None)
    threading.setprofile(None)
    state["on"] = False
    job_cls.run = real_run
    total = sum(calls.values())
    print(
        f"\nWALK total posapp calls={total} distinct functions={len(funcs)} posapp types constructed={len(types)}"
    )
    for k, v in sorted(calls.items(), key=lambda kv: -kv[1]):
        print(f"  calls {k:24} {v}")
    for (x, y), v in sorted(hops.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  hop {x} -> {y}: {v}")
    for t in sorted(types):
        print(f"  type {t}")
