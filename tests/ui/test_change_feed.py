"""The screens follow the till's one change feed and never poll.

A real services stack (embedded sandbox on loopback, a journal file under tmp_path) and the
main window as the till builds it. Nothing settles payments in this process (no poller, no
listener): a change can only reach the screens through the feed, here from a second process
writing to the same journal file, as another window of the till would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.core.domain import PaymentStatus
from posapp.ui.application import build_main_window
from posapp.ui.changes import ChangeBridge
from posapp.ui.main_window import MainWindow
from posapp.ui.models.order_model import Column
from posapp.ui.views.new_payment_view import NewPaymentView
from posapp.ui.views.orders_view import OrdersView
from tests.backend_support import other_process
from tests.core.services.conftest import make_backend
from tests.ui.test_cashier_flows import MAGIC_SLOW, cashier_types, wait_title

WAIT = 20000
# Repeating timers a screen may own: clocks and animations, which read nothing.
CLOCKS = {"ordersClockTimer"}  # Orders' "time left" column moves with the clock


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir)  # not started: no poller, no listener
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    w = build_main_window(backend.settings, backend)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.runner.shutdown()


def test_no_screen_owns_a_timer_that_reads_data(qtbot: QtBot, window: MainWindow) -> None:
    runner = window.runner
    orders = window.orders
    assert isinstance(orders, OrdersView)
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)
    active = [t for t in window.findChildren(QTimer) if t.isActive()]
    assert {t.objectName() for t in active if not t.isSingleShot()} == CLOCKS
    started: list[str] = []
    runner.busy_changed.connect(lambda busy: busy and started.append("task"))
    for timer in active:  # the clocks, and any pause still running after the first reads
        timer.timeout.emit()  # what it does when it fires
    assert started == [] and runner.in_flight == 0  # repaints, reads nothing
    # the feed reaches the window through one bridge, shared by the screens
    assert len(window.findChildren(ChangeBridge)) == 1


def test_another_process_s_change_reaches_orders_and_new_payment(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = window.new_payment
    orders = window.orders
    assert isinstance(view, NewPaymentView) and isinstance(orders, OrdersView)
    cashier_types(qtbot, view, MAGIC_SLOW, cvv="999")  # the sandbox holds it for 999 s
    wait_title(qtbot, view, "Pending")
    result = view.result_panel.result
    assert result is not None
    # this process's own change (the new payment) came through the feed as well
    qtbot.waitUntil(lambda: orders.model.rowCount() == 1 and orders.model.is_loaded(0))
    row = orders.model.row_of(backend.repo.payment_by_request_id(result.payment_request_id).id)
    assert row == 0
    # the row may first show the intent (Not sent yet); the pending answer's change follows
    qtbot.waitUntil(
        lambda: orders.model.data(orders.model.index(0, Column.STATUS)) == "Checking",
        timeout=WAIT,
    )

    backend.changes.follow(backend.repo, interval=0.05)  # what Backend.start does
    created = other_process(backend, result.payment_request_id)

    wait_title(qtbot, view, "Approved")  # the panel followed the other window's settlement
    assert view.result_panel.detail("payment_id") == "2026OTHERWINDOW"
    model = orders.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=WAIT)  # its new payment, on top
    assert model.row_of(created) == 0
    settled = model.row_of(backend.repo.payment_by_request_id(result.payment_request_id).id)
    assert settled == 1
    assert model.data(model.index(settled, Column.STATUS)) == "Held"
    found = backend.repo.payment_by_request_id(result.payment_request_id)
    assert found is not None and found.status is PaymentStatus.AUTHORISED
