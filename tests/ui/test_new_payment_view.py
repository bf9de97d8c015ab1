"""The cashier's form, driven from the keyboard the way a cashier types.

These use a scripted CashierPort; test_cashier_flows.py runs the same flows against the real
services and the embedded sandbox.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from posapp.config import Settings
from posapp.core.cards import CardBrand
from posapp.core.services.checkout import CheckoutOutcome
from posapp.ui.changes import ChangeBridge
from posapp.ui.ports import DuplicateMatch
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.new_payment_view import NewPaymentView

from .cashier_fakes import ScriptedCashier

VISA_OK = "4054695723100768"
VISA_DECLINE = "4054692760174822"
AMEX = "378282246310005"
TODAY = date(2026, 11, 25)


@pytest.fixture
def cashier() -> ScriptedCashier:
    return ScriptedCashier()


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def view(qtbot: QtBot, cashier: ScriptedCashier, opened: list[QUrl]):
    runner = TaskRunner()
    answers: list[bool] = []
    bridge = ChangeBridge(cashier.changes)
    v = NewPaymentView(
        runner,
        cashier,
        Settings(),
        today=lambda: TODAY,
        open_url=lambda url: opened.append(url) or True,
        confirm=lambda title, text: answers.pop(0) if answers else False,
        changes=bridge,
    )
    v.confirm_answers = answers  # type: ignore[attr-defined]
    v.bridge = bridge  # type: ignore[attr-defined]
    qtbot.addWidget(v)
    v.resize(1100, 760)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.accepted_brand_codes() != [])
    yield v
    runner.shutdown()


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def key_in(
    qtbot: QtBot,
    v: NewPaymentView,
    *,
    amount: str = "12.50",
    pan: str = VISA_OK,
    expiry: str = "1229",
    cvv: str = "123",
    first: str = "Ana",
    last: str = "Tan",
) -> None:
    """Type like a cashier: Tab between fields, digits only."""
    v.amount.setFocus()
    qtbot.keyClicks(v.amount, amount)
    for widget, text in (
        (v.card_number, pan),
        (v.expiry, expiry),
        (v.cvv, cvv),
        (v.first_name, first),
        (v.last_name, last),
    ):
        type_into(qtbot, widget, text)


def press_enter(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_tab_order_follows_the_form(view: NewPaymentView, qtbot: QtBot) -> None:
    view.amount.setFocus()
    seen = [QApplication.focusWidget()]
    for _ in range(7):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [
        view.amount,
        view.reference,
        view.description,
        view.card_number,
        view.expiry,
        view.cvv,
        view.first_name,
        view.last_name,
    ]


def test_approved_by_keyboard_clears_card_and_starts_a_new_order(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    first_reference = view.reference.text()
    key_in(qtbot, view)
    assert view.brand.brand is CardBrand.VISA
    assert view.card_number.text() == "4054 6957 2310 0768"
    assert view.expiry.text() == "12/29"
    with qtbot.waitSignal(view.payment_finished) as got:
        press_enter(qtbot, view.last_name)
    result = got.args[0]
    assert result.outcome is CheckoutOutcome.APPROVED
    order = cashier.orders[0]
    assert order.amount.minor == 1250 and order.amount.currency == "SGD"
    assert order.card.pan == VISA_OK and order.card.expiry_yy == "29"
    assert order.reference_order_id == first_reference
    assert not order.hold
    assert view.result_panel.title.text() == "Approved"
    assert view.result_panel.detail("payment_id") == "pay-1"
    assert "address and postcode match" in view.result_panel.detail("avs")
    # card fields emptied, order fields ready for the next customer
    for edit in (view.card_number, view.expiry, view.cvv, view.first_name, view.last_name):
        assert edit.text() == ""
    assert view.amount.text() == ""
    assert view.reference.text() != first_reference
    assert view.submit_button.isEnabled()


def test_hold_and_3ds_options_are_sent(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    key_in(qtbot, view)
    view.capture_mode.setFocus()
    qtbot.keyClick(view.capture_mode, Qt.Key.Key_Down)
    view.three_ds.setFocus()
    qtbot.keyClick(view.three_ds, Qt.Key.Key_Space)
    with qtbot.waitSignal(view.payment_finished):
        press_enter(qtbot, view.three_ds)
    assert cashier.orders[0].hold is True
    assert cashier.orders[0].three_ds is True
    assert view.result_panel.pill.text().startswith("Held")


def test_declined_shows_the_reason_in_words_and_the_code(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    cashier.answer = cashier.decline
    key_in(qtbot, view, pan=VISA_DECLINE)
    reference = view.reference.text()
    with qtbot.waitSignal(view.payment_finished):
        press_enter(qtbot, view.cvv)
    assert view.result_panel.title.text() == "Declined"
    reason = view.result_panel.reason.text()
    assert "issuer declined" in reason and "DO_NOT_HONOR" in reason
    assert view.card_number.text() == "" and view.cvv.text() == ""
    # the order stays, so the customer can try another card under the same reference
    assert view.reference.text() == reference
    assert view.amount.text() != ""


def test_pending_updates_by_itself_when_settled(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    cashier.answer = cashier.pending
    key_in(qtbot, view)
    with qtbot.waitSignal(view.payment_finished):
        press_enter(qtbot, view.amount)
    assert view.result_panel.title.text() == "Pending"
    assert "Do not charge the card again" in view.result_panel.reason.text()
    qtbot.waitUntil(lambda: cashier.refreshes == 1)  # read once as it starts following
    assert view.result_panel.title.text() == "Pending"
    # nothing is read again until the feed announces the payment: no polling
    bridge = view.bridge  # type: ignore[attr-defined]
    with qtbot.waitSignal(bridge.changed):
        cashier.settle("req-1", CheckoutOutcome.APPROVED, payment_id="pay-late")
    qtbot.waitUntil(lambda: view.result_panel.title.text() == "Approved")
    assert view.result_panel.detail("payment_id") == "pay-late"
    n = cashier.refreshes
    with qtbot.waitSignal(bridge.changed):
        cashier.announce("req-1")
    assert cashier.refreshes == n  # final: no longer followed


def test_3ds_opens_the_browser_shows_the_link_and_follows_the_payment(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier, opened: list[QUrl]
) -> None:
    cashier.answer = cashier.three_ds
    key_in(qtbot, view)
    view.three_ds.setChecked(True)
    with qtbot.waitSignal(view.payment_finished):
        press_enter(qtbot, view.amount)
    assert view.result_panel.title.text() == "Needs 3DS"
    assert [u.toString() for u in opened] == ["http://127.0.0.1:9/3ds/challenge?id=pay-3ds"]
    assert "3ds/challenge" in view.result_panel.link.text()
    assert view.result_panel.link.isVisible()
    view.result_panel.link.linkActivated.emit("http://127.0.0.1:9/3ds/challenge?id=pay-3ds")
    assert len(opened) == 2
    cashier.settle("req-1", CheckoutOutcome.APPROVED, three_ds_url="")
    qtbot.waitUntil(lambda: view.result_panel.title.text() == "Approved")


def test_network_fault_is_pending_never_failed(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    def fault(order):
        raise ConnectionResetError("connection reset by peer")

    cashier.answer = fault
    key_in(qtbot, view)
    with qtbot.waitSignal(view.payment_finished) as got:
        press_enter(qtbot, view.amount)
    assert got.args[0].outcome is CheckoutOutcome.PENDING
    assert view.result_panel.title.text() == "Pending"
    assert "Declined" not in view.result_panel.title.text()
    assert "Orders" in view.form_error.text()
    assert view.card_number.text() == ""


def test_submit_is_disabled_while_in_flight_and_enter_does_not_send_twice(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    cashier.gate = threading.Event()
    key_in(qtbot, view)
    press_enter(qtbot, view.amount)
    qtbot.waitUntil(lambda: view.in_flight)
    assert not view.submit_button.isEnabled()
    assert view.progress.isVisible()
    assert view.result_panel.title.text() == "Sending…"
    qtbot.waitUntil(lambda: view.result_panel.reason.text() == "Waiting for Antom…")
    press_enter(qtbot, view.amount)
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # Esc does not clear mid-flight
    cashier.gate.set()
    qtbot.waitUntil(lambda: not view.in_flight)
    qtbot.wait(50)
    assert len(cashier.orders) == 1
    assert view.submit_button.isEnabled() and not view.progress.isVisible()


def test_duplicate_warning_asks_before_sending(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    cashier.duplicate = DuplicateMatch(
        "SGD 12.50 on Visa •••• 0768 at 10:02 (TILL-01-1)", same_order=False
    )
    view.confirm_answers.append(False)  # type: ignore[attr-defined]
    key_in(qtbot, view)
    press_enter(qtbot, view.amount)
    qtbot.waitUntil(lambda: "Not sent" in view.form_error.text())
    assert cashier.orders == []
    assert not view.in_flight

    view.confirm_answers.append(True)  # type: ignore[attr-defined]
    key_in(qtbot, view, amount="")
    with qtbot.waitSignal(view.payment_finished):
        press_enter(qtbot, view.amount)
    assert len(cashier.orders) == 1


def test_escape_clears_the_form(view: NewPaymentView, qtbot: QtBot) -> None:
    key_in(qtbot, view)
    reference = view.reference.text()
    qtbot.keyClick(view.cvv, Qt.Key.Key_Escape)
    assert view.amount.text() == "" and view.card_number.text() == "" and view.cvv.text() == ""
    assert view.reference.text() != reference
    assert QApplication.focusWidget() is view.amount


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("amount", {"amount": ""}, "Enter an amount"),
        ("amount", {"amount": "0"}, "above zero"),
        ("card_number", {"pan": ""}, "Enter the card number"),
        ("card_number", {"pan": "4054695723100769"}, "not valid"),
        ("card_number", {"pan": "40546957"}, "12 to 19 digits"),
        ("card_number", {"pan": "6011111111111117"}, "not accepted here"),
        ("expiry", {"expiry": ""}, "Enter the expiry date"),
        ("expiry", {"expiry": "1326"}, "01 to 12"),
        ("expiry", {"expiry": "1025"}, "expired"),
        ("cvv", {"cvv": ""}, "Enter the security code"),
        ("cvv", {"cvv": "12"}, "3 digits"),
        ("cvv", {"pan": AMEX, "cvv": "123"}, "4 digits"),
    ],
)
def test_bad_input_is_shown_next_to_its_field(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier, field: str, kwargs, message: str
) -> None:
    key_in(qtbot, view, **kwargs)
    press_enter(qtbot, view.amount)
    qtbot.wait(30)
    assert message in view.errors[field].text()
    assert view.errors[field].isVisible()
    assert cashier.orders == []
    assert not view.in_flight
    # the cursor goes to the first field at fault
    focused = QApplication.focusWidget()
    assert focused is not None and focused.property("field") == field
    # typing into the field takes its message away
    if getattr(focused, "text", lambda: "")():
        qtbot.keyClick(focused, Qt.Key.Key_Backspace)
    else:
        qtbot.keyClicks(focused, "1")
    assert view.errors[field].text() == "" and view.errors[field].isHidden()


def test_amount_refuses_more_decimals_than_the_currency(view: NewPaymentView, qtbot: QtBot) -> None:
    type_into(qtbot, view.amount, "12.505")
    assert view.amount.text() == "12.50"  # the third decimal is not accepted
    view.set_settings(Settings(currency="JPY"))
    type_into(qtbot, view.amount, "1500.5")
    assert view.amount.text() == "15005"  # JPY has no decimal point at all
    assert view.currency_label.text() == "JPY"
    assert view.amount.money().minor == 15005


def test_billing_address_needs_a_postcode_and_is_sent(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    key_in(qtbot, view)
    view.billing_check.setFocus()
    qtbot.keyClick(view.billing_check, Qt.Key.Key_Space)
    assert view.billing_box.isVisible()
    type_into(qtbot, view.address1, "1 Raffles Place")
    press_enter(qtbot, view.address1)
    qtbot.wait(30)
    assert "postcode" in view.errors["zip_code"].text()
    assert cashier.orders == []
    assert view.card_number.digits() == VISA_OK  # a refused form keeps what was typed
    type_into(qtbot, view.zip_code, "048616")
    type_into(qtbot, view.region, "sg")
    with qtbot.waitSignal(view.payment_finished):
        press_enter(qtbot, view.zip_code)
    billing = cashier.orders[0].billing
    assert billing is not None and billing.zip_code == "048616" and billing.region == "SG"


def test_card_number_never_reaches_the_clipboard(view: NewPaymentView, qtbot: QtBot) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("before")
    type_into(qtbot, view.card_number, VISA_OK)
    view.card_number.selectAll()
    qtbot.keyClick(view.card_number, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.card_number, Qt.Key.Key_Insert, Qt.KeyboardModifier.ControlModifier)
    view.card_number.copy()
    assert clipboard.text() == "before"
    qtbot.keyClick(view.card_number, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    view.card_number.cut()
    assert clipboard.text() == "before"
    assert view.card_number.digits() == VISA_OK  # cut did not remove the digits either
    assert not view.card_number.dragEnabled()


def test_amex_is_grouped_4_6_5_with_a_4_digit_cvv(view: NewPaymentView, qtbot: QtBot) -> None:
    type_into(qtbot, view.card_number, "37")
    assert view.brand.brand is CardBrand.AMEX
    qtbot.keyClicks(view.card_number, "8282246310005")
    assert view.card_number.text() == "3782 822463 10005"
    assert view.cvv.maxLength() == 4
    assert view.cvv.echoMode() == view.cvv.EchoMode.Password


def test_every_control_a_cashier_can_reach_has_an_accessible_name(view: NewPaymentView) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit

    reachable = [
        w
        for w in view.findChildren(QWidget)
        if isinstance(w, (QLineEdit, QAbstractButton, QComboBox))
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]
    assert len(reachable) >= 15
    unnamed = [w.objectName() or type(w).__name__ for w in reachable if not w.accessibleName()]
    assert unnamed == []


@pytest.mark.parametrize("terminal", ["TILL-01", "123456789012", "till 7 / front", "T" * 40])
def test_generated_references_pass_the_service_checks(terminal: str) -> None:
    from posapp.core.services.checkout import new_order_reference
    from posapp.core.services.validation import check_reference

    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    for _ in range(3000):
        check_reference(new_order_reference(terminal, now))  # raises on a card-number look-alike
