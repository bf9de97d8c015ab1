"""Orders paid more than once, on screen, against the real backend (build_backend in training
mode: the embedded sandbox on loopback, a journal file under tmp_path, the real TaskRunner):
the Duplicates tab, the badge on both rows, the status bar's notice (English and zh_CN, at
1024x700 and 1440x900), and the one-step undo behind the manager PIN, done once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.core.domain import EventKind, Payment, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.validation import read_card
from posapp.ui import i18n
from posapp.ui.application import orders_view
from posapp.ui.changes import ChangeBridge
from posapp.ui.models.order_model import Column, Role
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.duplicate_dialog import DuplicateDialog
from posapp.ui.views.orders_view import DUPLICATES_TAB, OrdersView
from posapp.ui.views.payment_details import describe_event
from tests.backend_support import drain

from .test_dialogs_flows import enter_pin, make_backend

VISA_OK = "4054695723100768"
MASTERCARD_OK = "5162774114974622"


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir)
    try:
        yield b
    finally:
        b.close()


def pay(backend: Backend, pan: str, reference: str, *, hold: bool = True) -> Payment:
    card = read_card(pan, "12/40", "123", date.today(), first_name="Ann", last_name="Lee")
    return backend.checkout.pay(
        CheckoutRequest(
            amount=Money(1250, backend.settings.currency),
            reference_order_id=reference,
            description="two coffees",
            card=card,
            hold=hold,
        ),
        confirm_duplicate=True,  # the cashier answered "charge again"
    ).payment


def charged_twice(backend: Backend, *, hold: bool = True) -> tuple[Payment, Payment, Payment]:
    """An order paid twice, and another order paid once."""
    ref = backend.checkout.new_reference()
    first = pay(backend, VISA_OK, ref, hold=hold)
    second = pay(backend, MASTERCARD_OK, ref, hold=hold)
    single = pay(backend, VISA_OK, backend.checkout.new_reference(), hold=hold)
    if not hold:
        assert drain(backend) == []
    return first, second, single


def fresh(backend: Backend, p: Payment) -> Payment:
    found = backend.repo.get_payment(p.id)
    assert found is not None
    return found


def open_window(qtbot: QtBot, backend: Backend, size: tuple[int, int] = (1440, 900)):  # type: ignore[no-untyped-def]
    from posapp.ui.application import build_main_window

    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def badge(view: OrdersView, p: Payment) -> bool:
    row = view.model.row_of(p.id)
    assert row is not None
    return bool(view.model.data(view.model.index(row, Column.ORDER), Role.DUPLICATE))


def close(window) -> None:  # type: ignore[no-untyped-def]
    window.close()
    window.runner.shutdown()


def test_duplicates_tab_badges_and_the_status_bar_notice(qtbot: QtBot, backend: Backend) -> None:
    first, second, single = charged_twice(backend)
    window = open_window(qtbot, backend)
    view: OrdersView = window.orders
    notice = window.duplicates_label
    qtbot.waitUntil(lambda: notice.isVisible(), timeout=10_000)
    assert notice.accessibleName() == "1 order has more than one successful payment"
    # All orders: the badge on both rows of the order paid twice, not on the other one
    window.show_orders()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3 and view.model.is_loaded(2))
    qtbot.waitUntil(lambda: badge(view, first) and badge(view, second))
    assert not badge(view, single)
    row = view.model.row_of(second.id)
    index = view.model.index(row, Column.ORDER)
    assert "more than one successful payment" in view.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert view.model.data(index, Qt.ItemDataRole.AccessibleTextRole).endswith(", duplicate")
    assert view.view_tabs.tabText(DUPLICATES_TAB) == "Duplicates (1)"
    # the badge is painted: amber at the right end of the order cell
    rect = view.table.visualRect(index)
    image = view.table.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    pixel = QColor(image.pixel(int((rect.right() - 8) * ratio), int(rect.center().y() * ratio)))
    assert (pixel.red(), pixel.green(), pixel.blue()) == (0xB4, 0x53, 0x09)
    single_rect = view.table.visualRect(view.model.index(view.model.row_of(single.id), 1))
    other = QColor(
        image.pixel(int((single_rect.right() - 8) * ratio), int(single_rect.center().y() * ratio))
    )
    assert other.name() != "#b45309"
    # the notice is a link to the Duplicates list: both payments of the order, nothing else
    view.view_tabs.setCurrentIndex(0)
    notice.linkActivated.emit("duplicates")
    assert window.tabs.currentWidget() is view and view.duplicates_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and view.model.is_loaded(1))
    shown = {view.model.payment_at(r).id for r in range(2)}
    assert shown == {first.id, second.id}
    qtbot.waitUntil(lambda: view.status_line.text() == "2 payments on orders paid more than once")
    assert not view.status_filter.isEnabled()
    close(window)


def undo_dialog(qtbot: QtBot, view: OrdersView, p: Payment) -> DuplicateDialog:
    qtbot.waitUntil(lambda: view.model.row_of(p.id) is not None and badge(view, p))
    view.select_rows([view.model.row_of(p.id)])
    qtbot.waitUntil(view.duplicate_button.isEnabled)
    view.duplicate_button.click()
    qtbot.waitUntil(lambda: getattr(view, "duplicate_dialog", None) is not None)
    dialog: DuplicateDialog = view.duplicate_dialog
    qtbot.addWidget(dialog)
    return dialog


def test_undo_a_held_duplicate_in_one_step_and_only_once(qtbot: QtBot, backend: Backend) -> None:
    first, second, _single = charged_twice(backend)
    ref = first.reference_order_id
    window = open_window(qtbot, backend)
    view: OrdersView = window.orders
    window.show_duplicates()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and view.model.is_loaded(1))
    dialog = undo_dialog(qtbot, view, first)  # opened from the earlier row...
    assert dialog.chosen().id == second.id  # ...the later payment is the default extra
    texts = [b.text() for b in dialog.choices]
    assert len(texts) == 2 and "4622" in texts[1] and "by cashier" in texts[1]
    assert "Held" in texts[0] and "SGD 12.50" in texts[0]
    assert dialog.confirm_button.text() == "Release this hold"
    enter_pin(qtbot, dialog, "9999")  # a wrong PIN sends nothing
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible(), timeout=10_000)
    assert backend.sandbox.ledger().order(ref).held == 2500
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.action_finished, timeout=10_000) as done:
        dialog.confirm_button.click()
    assert done.args[0].ok is True
    assert fresh(backend, second).status is PaymentStatus.CANCELLED
    assert fresh(backend, first).status is PaymentStatus.AUTHORISED
    # a second click does nothing more
    dialog._on_confirm()
    dialog.confirm_button.click()
    assert not dialog.confirm_button.isVisible()
    assert not any(b.isEnabled() for b in dialog.choices)
    entry = backend.sandbox.ledger().order(ref)
    assert (entry.held, entry.cancelled) == (1250, 1250)
    stages = backend.repo.events_of_kind_for_payment(second.id, EventKind.DUPLICATE_UNDO)
    assert [e.detail["stage"] for e in stages] == ["requested", "done"]
    # the payment's timeline says it in words
    lines = [describe_event(e) for e in backend.repo.events_for_payment(second.id)]
    assert f"Order {ref} now has 2 successful payments (duplicate)" in lines
    assert "Duplicate given back: release the hold, done" in lines
    # the order is no longer doubled: off the list, no badge, no notice
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10_000)
    assert view.view_tabs.tabText(DUPLICATES_TAB) == "Duplicates"
    window.refresh_status()
    qtbot.waitUntil(lambda: not window.duplicates_label.isVisible(), timeout=10_000)
    close(window)


def test_undo_a_captured_duplicate_refunds_the_chosen_one_in_full(
    qtbot: QtBot, backend: Backend
) -> None:
    first, second, _single = charged_twice(backend, hold=False)
    assert fresh(backend, first).status is PaymentStatus.CAPTURED
    runner = TaskRunner()
    view = orders_view(runner, backend, changes=ChangeBridge(backend.changes))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3 and view.model.is_loaded(2))
    dialog = undo_dialog(qtbot, view, second)
    dialog.choices[0].click()  # the manager picks the earlier payment
    assert dialog.chosen().id == first.id
    assert dialog.confirm_button.text() == "Refund this payment"
    assert "SGD 12.50 is refunded in full" in dialog.effect.text()
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.action_finished, timeout=10_000) as done:
        qtbot.keyClick(dialog.pin.field, Qt.Key.Key_Return)
    assert done.args[0].ok is True
    assert fresh(backend, first).status is PaymentStatus.REFUNDED
    assert fresh(backend, second).status is PaymentStatus.CAPTURED
    qtbot.keyClick(dialog.pin.field, Qt.Key.Key_Return)  # again: nothing
    entry = backend.sandbox.ledger().order(first.reference_order_id)
    assert (entry.captured, entry.refunded) == (2500, 1250)
    assert len(backend.repo.refunds_for(first.id)) == 1
    qtbot.waitUntil(lambda: not badge(view, second), timeout=10_000)
    assert not view.duplicate_button.isEnabled()
    runner.shutdown()


SIZES = [(1024, 700), (1440, 900)]


@pytest.fixture
def translated_app(qapp: QCoreApplication) -> Iterator[QCoreApplication]:
    yield qapp
    i18n.remove_translators(qapp)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_duplicates_screens_fit_at_both_sizes(
    qtbot: QtBot, backend: Backend, translated_app: QCoreApplication, language: str, tmp_path: Path
) -> None:
    _first, second, _single = charged_twice(backend)
    i18n.install_translators(translated_app, language)
    shots = Path(os.environ.get("POSAPP_DUPLICATE_SHOTS", tmp_path))
    for width, height in SIZES:
        window = open_window(qtbot, backend, (width, height))
        view: OrdersView = window.orders
        qtbot.waitUntil(lambda w=window: w.duplicates_label.isVisible(), timeout=10_000)
        notice = window.duplicates_label.accessibleName()
        if language == "zh_CN":
            assert notice == "1 个订单有多笔成功付款"
            assert view.view_tabs.tabText(DUPLICATES_TAB) == "重复付款（1）"
        window.show_duplicates()
        qtbot.waitUntil(lambda v=view: v.model.rowCount() == 2 and v.model.is_loaded(1))
        view.select_rows([view.model.row_of(second.id)])
        qtbot.waitUntil(view.duplicate_button.isEnabled)
        # everything of the notice and the undo button is on screen, nothing cut
        bar = window.statusBar()
        label = window.duplicates_label
        assert label.geometry().right() <= bar.width()
        assert label.width() >= label.sizeHint().width()
        button = view.duplicate_button
        assert button.width() >= button.sizeHint().width()
        assert button.mapTo(view, button.rect().topRight()).x() <= view.width()
        window.grab().save(str(shots / f"duplicates_{language}_{width}x{height}.png"))
        dialog = undo_dialog(qtbot, view, second)
        dialog.show()
        qtbot.waitExposed(dialog)
        for choice in dialog.choices:
            assert choice.width() >= choice.sizeHint().width()
        dialog.grab().save(str(shots / f"duplicate_dialog_{language}_{width}x{height}.png"))
        dialog.close()
        view.duplicate_dialog = None
        close(window)
