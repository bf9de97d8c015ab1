"""`posapp screenshot --out DIR [--data-dir D]`: each main screen rendered offscreen to PNG.

Runs the real app in training mode (the embedded sandbox, a journal under the data dir), keys
in a few payments through the New payment screen itself, then grabs: New payment empty and
with a result, Orders with held payments, the Capture dialog and Settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posapp.cli import UsageError

# (card, amount, hold) keyed in before the Orders screenshots; test cards of the sandbox
TRAINING_SALES = (
    ("4054695723100768", "24.90", True),
    ("5162774114974622", "118.00", True),
    ("4054692760174822", "9.50", False),  # declined
    ("4054695723100768", "7.20", False),
    ("5162774114974622", "56.35", True),
)
SCREENS = (
    "new_payment_empty",
    "new_payment_result",
    "orders_held",
    "capture_dialog",
    "settings",
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "screenshot",
        help="render each main screen offscreen with training data to PNG files",
        description="Render New payment (empty and with a result), Orders with held "
        "payments, the Capture dialog and Settings to PNG files, in training mode.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for PNGs")
    parser.add_argument(
        "--size",
        default="1200x800",
        metavar="WxH",
        help="main window size in logical pixels (default 1200x800)",
    )
    parser.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size takes WIDTHxHEIGHT, e.g. 1200x800, not {text!r}") from None
    if not (640 <= w <= 4000 and 480 <= h <= 3000):
        raise UsageError("--size must be between 640x480 and 4000x3000")
    return w, h


def run(args: argparse.Namespace) -> int:
    width, height = _size(args.size)
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from posapp.paths import folder_error

        raise UsageError(f"--out: {folder_error(out, exc).message}") from None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.data_dir is not None:
        return _render(Path(args.data_dir), out, width, height)
    with tempfile.TemporaryDirectory(prefix="posapp-screens-") as tmp:
        return _render(Path(tmp), out, width, height)


def _render(data: Path, out: Path, width: int, height: int) -> int:
    from dataclasses import replace

    from PySide6.QtCore import Qt

    from posapp.app import BackendError, build_backend, training_only
    from posapp.config import ConfigError, Environment, load_settings
    from posapp.core.journal.errors import JournalError
    from posapp.logs import setup_logging
    from posapp.paths import app_dirs
    from posapp.ui.application import apply_style, build_main_window, create_application

    dirs = app_dirs(data)
    try:
        # never training over a live till's folder (its journal, its settings)
        training_only(dirs)
    except JournalError as exc:
        raise UsageError(f"screenshot: {exc.user_message}") from None
    dirs.create()
    setup_logging(dirs.logs, "WARNING")
    try:
        settings = load_settings(dirs.settings_file)
    except ConfigError as exc:
        raise UsageError(f"the settings in {dirs.settings_file} cannot be used: {exc}") from None
    # screenshots always show training data, whatever the data dir is set up for
    settings = replace(settings, environment=Environment.TRAINING)
    try:
        backend = build_backend(dirs, settings, start=True)
    except BackendError as exc:
        raise UsageError(exc.message) from None
    except JournalError as exc:
        raise UsageError(f"screenshot: {exc.user_message}") from None
    app = create_application()
    apply_style(app)
    _quiet_offscreen_warnings()
    try:
        window = build_main_window(settings, backend)
        window.resize(width, height)
        window.show()
        written = _shoot(app, window, backend, out, Qt)
        window.runner.shutdown()
        window.close()
    finally:
        backend.close()
    for path in written:
        print(path)
    missing = [name for name in SCREENS if not (out / f"{name}.png").exists()]
    if missing:
        print(f"posapp screenshot: could not render {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def _quiet_offscreen_warnings() -> None:
    """The offscreen platform warns about window hints it cannot forward: not our business."""
    from PySide6.QtCore import qInstallMessageHandler

    previous = None

    def handler(mode: Any, context: Any, message: str) -> None:
        if "propagateSizeHints" in message:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)


def _wait(app: Any, done: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if done():
            return True
        time.sleep(0.02)
    app.processEvents()
    return done()


def _settle_paint(app: Any, seconds: float = 0.3) -> None:
    _wait(app, lambda: False, seconds)


def _shoot(app: Any, window: Any, backend: Any, out: Path, Qt: Any) -> list[Path]:
    from PySide6.QtTest import QTest

    from posapp.ui.views.new_payment_view import NewPaymentView

    written: list[Path] = []

    def save(widget: Any, name: str) -> None:
        _settle_paint(app)
        path = out / f"{name}.png"
        if widget.grab().save(str(path)):
            written.append(path)

    view = window.new_payment
    if not isinstance(view, NewPaymentView):
        raise UsageError("the payment screen could not be built")
    view._confirm = lambda _title, _text: True  # the seeded sales are meant to repeat cards
    _wait(app, lambda: bool(view.accepted_brand_codes()), 15)
    window.show_new_payment()
    save(window, "new_payment_empty")

    for pan, amount, hold in TRAINING_SALES:
        before = view.result_panel.result
        view.reset_form()
        QTest.keyClicks(view.amount, amount)
        view.description.setText("Training sale")
        QTest.keyClicks(view.card_number, pan)
        QTest.keyClicks(view.expiry, "1230")
        QTest.keyClicks(view.cvv, "123")
        QTest.keyClicks(view.first_name, "Ann")
        QTest.keyClicks(view.last_name, "Lee")
        view.capture_mode.setCurrentIndex(view.capture_mode.findData(hold))
        QTest.keyClick(view.last_name, Qt.Key.Key_Return)
        _wait(
            app,
            lambda b=before: (
                view.result_panel.result is not None
                and view.result_panel.result is not b
                and not view.in_flight
            ),
        )
    save(window, "new_payment_result")

    window.show_orders()
    orders = window.orders
    tabs = getattr(orders, "view_tabs", None)
    if tabs is not None:
        tabs.setCurrentIndex(1)  # Held
    model = getattr(orders, "model", None)
    _wait(app, lambda: model is not None and model.rowCount() > 0, 15)
    if hasattr(orders, "select_rows"):
        orders.select_rows([0])
    save(window, "orders_held")

    dialog = orders.capture_selected() if hasattr(orders, "capture_selected") else None
    if dialog is not None:
        save(dialog, "capture_dialog")
        dialog.reject()

    window.show_new_payment()
    window.open_settings()
    settings_dialog = getattr(window, "settings_dialog", None)
    if settings_dialog is not None:
        settings_dialog.test_connection()
        _wait(app, lambda: settings_dialog.test_results.property("all_ok") is not None, 20)
        save(settings_dialog, "settings")
        settings_dialog.reject()
    return written
