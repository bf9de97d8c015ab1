"""Defects a new user met in the first hour (issue 11, item 5), on the New payment form with a
scripted CashierPort. The same flows against the real services are in test_cashier_flows.py,
the Orders ones in test_orders_view.py and test_orders_columns.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posapp.config import Settings
from posapp.core.domain import PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutOutcome
from posapp.ui.changes import ChangeBridge
from posapp.ui.ports import DuplicateMatch
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.new_payment_view import NewPaymentView

from .cashier_fakes import ScriptedCashier
from .test_new_payment_view import key_in, press_enter

MASTERCARD_OK = "5162774114974622"


class Browser:
    """The system browser as QDesktopServices.openUrl sees it: it may open nothing."""

    def __init__(self, works: bool) -> None:
        self.works = works
        self.urls: list[str] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url.toString())
        return self.works


@pytest.fixture
def cashier() -> ScriptedCashier:
    return ScriptedCashier()


def _view(
    qtbot: QtBot, cashier: ScriptedCashier, browser: Browser, asked: list[str]
) -> NewPaymentView:
    runner = TaskRunner()
    v = NewPaymentView(
        runner,
        cashier,
        Settings(),
        today=lambda: date(2026, 11, 25),
        open_url=browser,
        confirm=lambda _title, text: asked.append(text) or False,
        changes=ChangeBridge(cashier.changes),
    )
    qtbot.addWidget(v)
    v.resize(1100, 760)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.accepted_brand_codes() != [])
    return v


def _send(qtbot: QtBot, view: NewPaymentView, **typed: str) -> None:
    key_in(qtbot, view, **typed)
    with qtbot.waitSignal(view.payment_finished, timeout=5000):
        press_enter(qtbot, view.last_name)


def test_a_3ds_sale_approved_later_leaves_a_fresh_order(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    asked: list[str] = []
    view = _view(qtbot, cashier, Browser(True), asked)
    cashier.answer = cashier.three_ds
    view.capture_mode.setCurrentIndex(view.capture_mode.findData(True))
    _send(qtbot, view)
    first = view.result_panel.result
    assert first is not None and first.outcome is CheckoutOutcome.NEEDS_3DS
    assert view.reference.text() == first.reference and view.amount.text() != ""

    cashier.settle(first.payment_request_id, CheckoutOutcome.APPROVED)  # the cardholder confirmed
    qtbot.waitUntil(lambda: view.result_panel.title.text() == "Approved")
    assert view.reference.text() != first.reference  # a new order for the next customer
    assert view.amount.text() == ""
    assert view.capture_mode.currentData() is False  # the till's default again

    # the next customer's card: checked against the new order, not the finished one
    cashier.answer = cashier.approve
    _send(qtbot, view, pan=MASTERCARD_OK, cvv="321")
    assert (
        cashier.duplicate_asked[-1][2] == cashier.orders[-1].reference_order_id != first.reference
    )


def test_what_the_cashier_keyed_meanwhile_is_kept(qtbot: QtBot, cashier: ScriptedCashier) -> None:
    view = _view(qtbot, cashier, Browser(True), [])
    cashier.answer = cashier.three_ds
    _send(qtbot, view)
    first = view.result_panel.result
    assert first is not None
    view.reference.setText("TABLE-7")  # the next sale, keyed while the cardholder confirms
    cashier.settle(first.payment_request_id, CheckoutOutcome.APPROVED)
    qtbot.waitUntil(lambda: view.result_panel.title.text() == "Approved")
    assert view.reference.text() == "TABLE-7"


def test_each_sale_starts_from_the_default_capture_mode(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    view = _view(qtbot, cashier, Browser(True), [])
    assert view.capture_mode.currentData() is False  # authorise and capture
    view.capture_mode.setCurrentIndex(view.capture_mode.findData(True))  # authorise only
    _send(qtbot, view)
    assert view.result_panel.result is not None and view.result_panel.result.held
    assert view.capture_mode.currentData() is False


def test_keying_the_next_sale_clears_the_last_result(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    view = _view(qtbot, cashier, Browser(True), [])
    _send(qtbot, view)
    assert view.result_panel.title.text() == "Approved"
    qtbot.keyClicks(view.amount, "7")
    assert view.result_panel.result is None
    assert view.result_panel.title.text() == "No payment yet"


def test_keying_keeps_a_payment_still_being_followed(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    view = _view(qtbot, cashier, Browser(True), [])
    cashier.answer = cashier.three_ds
    _send(qtbot, view)
    qtbot.keyClicks(view.amount, "7")
    assert view.result_panel.title.text() == "Needs 3DS"  # not final: it stays in view


def test_the_duplicate_question_names_the_order_when_the_order_matched(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    asked: list[str] = []
    view = _view(qtbot, cashier, Browser(True), asked)
    earlier = "Visa •••• 0768 was charged SGD 12.50 at 10:02. Charge it again?"
    cashier.duplicate = DuplicateMatch(earlier, same_order=True)
    key_in(qtbot, view, pan=MASTERCARD_OK, cvv="321")
    reference = view.reference.text()
    press_enter(qtbot, view.last_name)
    qtbot.waitUntil(lambda: "Not sent" in view.form_error.text())
    assert len(asked) == 1
    assert "same card" not in asked[0]
    assert f"Order {reference} already has a payment" in asked[0] and earlier in asked[0]

    cashier.duplicate = DuplicateMatch(earlier, same_order=False)
    key_in(qtbot, view, amount="", pan=MASTERCARD_OK, cvv="321")  # the card was emptied
    press_enter(qtbot, view.last_name)
    qtbot.waitUntil(lambda: len(asked) == 2)
    assert asked[1].startswith("The same card was charged the same amount")


def test_no_browser_for_3ds_says_so_and_offers_the_link(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    browser = Browser(False)
    view = _view(qtbot, cashier, browser, [])
    cashier.answer = cashier.three_ds
    _send(qtbot, view)
    panel = view.result_panel
    url = "http://127.0.0.1:9/3ds/challenge?id=pay-3ds"
    assert browser.urls == [url]
    assert "has opened in the browser" not in panel.reason.text()
    assert "No browser could be opened" in panel.reason.text()
    assert panel.link.isVisible() and url in panel.link.text()
    assert panel.copy_button.isVisible()
    panel.copy_button.click()
    assert QGuiApplication.clipboard().text() == url
    # still true on every refresh of the same payment
    qtbot.waitUntil(lambda: cashier.refreshes >= 1)
    cashier.announce("req-1")  # the feed announces it again: read again
    qtbot.waitUntil(lambda: cashier.refreshes >= 2)
    assert "No browser could be opened" in panel.reason.text()

    browser.works = True  # the cashier follows the link once a browser is there
    panel.link_opened.emit(url)
    assert "has opened in the browser" in panel.reason.text()


def test_a_browser_that_opened_is_said_as_before(qtbot: QtBot, cashier: ScriptedCashier) -> None:
    view = _view(qtbot, cashier, Browser(True), [])
    cashier.answer = cashier.three_ds
    _send(qtbot, view)
    assert "has opened in the browser" in view.result_panel.reason.text()


def test_avs_and_cvv_read_the_same_in_new_payment_and_orders(
    qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    from posapp.ui.widgets.result_panel import avs_words, cvv_words

    view = _view(qtbot, cashier, Browser(True), [])
    _send(qtbot, view)
    assert view.result_panel.detail("avs") == avs_words("Y") == "address and postcode match"
    assert view.result_panel.detail("cvv") == cvv_words("M") == "matches"
    assert Money(1250, "SGD") == cashier.orders[0].amount


@pytest.mark.parametrize(
    ("language", "rows", "said"),
    [
        ("en", 1, "1 row exported to "),
        ("en", 3, "3 rows exported to "),
        ("zh_CN", 1, "已导出 1 行到 "),
    ],
)
def test_the_orders_export_counts_rows_in_words(
    qtbot: QtBot, qapp: QApplication, language: str, rows: int, said: str, tmp_path: Path
) -> None:
    from posapp.ui import i18n
    from posapp.ui.views.orders_view import OrdersView

    from .test_orders_view import Journal, open_view

    i18n.install_translators(qapp, language)
    runner = TaskRunner()
    try:
        journal = Journal(tmp_path / "journal.sqlite3")
        journal.pay(PaymentStatus.CAPTURED)
        view: OrdersView = open_view(qtbot, runner, journal)
        view._on_exported(Path("/tmp/orders.csv"), rows)
        assert view.status_line.text() == f"{said}/tmp/orders.csv"
        journal.repo.close()
    finally:
        runner.shutdown()
        i18n.remove_translators(qapp)
