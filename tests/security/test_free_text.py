"""Issue 10, item 5: card data never goes into free text that is stored or sent.

A card number (Luhn-valid 12-19 digits, plain, spaced or dashed) or magnetic stripe track data
(track 1 ``%B...^...^...``, track 2 ``;...=...?``) typed or swiped into the order reference,
the description, the cardholder names, the billing address, the refund reason or the store
name is refused by the services and shown next to the field in the UI; the journal never
holds it. Ordinary text with digits (phone numbers, order numbers) goes through.

Decided false positive: a run of 12-19 digits that passes Luhn is refused wherever it is,
even when it is really an order or phone number (1 run in 10 passes Luhn by chance); the
message says to split the digits. posapp's own references never hold such a run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.config import ConfigError, Settings
from posapp.core.cards import has_card_data
from posapp.core.money import Money
from posapp.core.services.backoffice import BackOfficeError
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.validation import Billing, CheckoutInputError, read_card
from posapp.core.usertext import UserText
from posapp.logs import redact
from posapp.ui.changes import ChangeBridge
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.new_payment_view import NewPaymentView
from posapp.ui.views.settings_dialog import SettingsDialog
from tests.ui.cashier_fakes import ScriptedCashier
from tests.ui.test_dialogs_flows import enter_pin, make_backend, open_view, paid, select
from tests.ui.test_new_payment_view import key_in, press_enter, type_into
from tests.ui.test_settings_dialog import FilePort

PAN = "4054695723100768"  # Antom's approving test Visa
OTHER_PAN = "5162774114974622"
CARD_DATA = {
    "plain": PAN,
    "spaced": "4054 6957 2310 0768",
    "dashed": "5162-7741-1497-4622",
    "in words": f"card {OTHER_PAN} thanks",
    "track 1": "%B4054695723100768^LEE/ANN^3012101000000000000",
    "track 1 without sentinel": "B5162774114974622^LEE/ANN^30121",
    "track 2": ";4054695723100768=30121010000000000000?",
    "track 2 without sentinels": "5162774114974622=3012101",
}
# What must go through: digits that are not card data.
NORMAL = [
    "Call +65 6123 4567",
    "Order 2026-0042, table 12",
    "Invoice 20261202004",  # 11 digits: too short for a card number
    "Ref 202612020043",  # 12 digits, not Luhn-valid
    "Unit #12-34, 1 Raffles Place",
    "Ann Lee",
]
LUHN_ORDER_NUMBER = "202612020042"  # 12 digits that happen to pass Luhn: refused (see above)
TODAY = date(2026, 11, 25)


# -- the detector ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", CARD_DATA.values(), ids=CARD_DATA.keys())
def test_the_detector_finds_card_numbers_and_tracks(text: str) -> None:
    assert has_card_data(text)
    assert PAN not in redact(text) and OTHER_PAN not in redact(text)  # the logs agree


@pytest.mark.parametrize("text", NORMAL)
def test_the_detector_leaves_ordinary_text_alone(text: str) -> None:
    assert not has_card_data(text)


# -- the services --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    b = make_backend(tmp_path_factory.mktemp("till"))
    try:
        yield b
    finally:
        b.close()


def _request(backend: Backend, **changes: str) -> CheckoutRequest:
    names = {k: changes.pop(k) for k in ("first_name", "last_name") if k in changes}
    card = read_card(PAN, "12/40", "123", date.today(), **names)
    billing = {k: changes.pop(k) for k in ("address1", "city") if k in changes}
    return CheckoutRequest(
        amount=Money(1250, backend.settings.currency),
        reference_order_id=changes.pop("reference", backend.checkout.new_reference()),
        description=changes.pop("description", "two coffees"),
        card=card,
        billing=Billing(zip_code="048616", **billing) if billing else None,
    )


def _journal_text(backend: Backend) -> str:
    con = sqlite3.connect(f"file:{backend.dirs.journal}?mode=ro", uri=True)
    try:
        rows = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            rows += [repr(r) for r in con.execute(f'SELECT * FROM "{table}"')]
    finally:
        con.close()
    return "\n".join(rows)


SERVICE_FIELDS = ["reference", "description", "first_name", "last_name", "address1", "city"]


@pytest.mark.parametrize("field", SERVICE_FIELDS)
@pytest.mark.parametrize("kind", ["spaced", "track 1", "track 2"])
def test_checkout_refuses_card_data_in_every_free_text_field(
    backend: Backend, field: str, kind: str
) -> None:
    text = CARD_DATA[kind]
    if field == "reference":
        text = text.replace(" ", "-")  # a reference has no spaces: the dashed number
    if field in ("first_name", "last_name", "city"):
        text = text[:32]
    request = _request(backend, **{field: text})
    with pytest.raises(CheckoutInputError) as info:
        backend.checkout.pay(request, confirm_duplicate=True)
    assert info.value.field == field
    message = info.value.message
    assert isinstance(message, UserText)
    if field == "reference" and kind == "spaced":
        assert message.id == "reference.card_number"
    elif field != "reference":
        assert message.id == "input.card_data" and "card data" in message
    assert PAN not in _journal_text(backend)


@pytest.mark.parametrize("field", ["description", "first_name", "address1", "city"])
@pytest.mark.parametrize("text", NORMAL)
def test_checkout_accepts_ordinary_text_with_digits(
    backend: Backend, field: str, text: str
) -> None:
    assert backend.checkout.validate(_request(backend, **{field: text[:32]})) is not None


def test_a_luhn_valid_order_number_in_the_reference_is_refused(backend: Backend) -> None:
    with pytest.raises(CheckoutInputError, match="looks like a card number"):
        backend.checkout.validate(_request(backend, reference=f"ORD-{LUHN_ORDER_NUMBER}"))
    split = f"ORD-{LUHN_ORDER_NUMBER[:6]}.{LUHN_ORDER_NUMBER[6:]}"
    assert backend.checkout.validate(_request(backend, reference=split)) is not None


def test_refund_reason_refuses_card_data(backend: Backend) -> None:
    payment = paid(backend, minor=1500)
    for text in (CARD_DATA["spaced"], CARD_DATA["track 2"]):
        with pytest.raises(BackOfficeError) as info:
            backend.backoffice.refund(
                payment,
                Money(100, "SGD"),
                backend.backoffice.approve(TRAINING_PIN),
                reason=f"customer card {text}",
            )
        assert isinstance(info.value.message, UserText)
        assert info.value.message.id == "input.card_data"
    assert backend.repo.refunds_for(payment.id) == []
    assert PAN not in _journal_text(backend)
    done = backend.backoffice.refund(
        payment,
        Money(100, "SGD"),
        backend.backoffice.approve(TRAINING_PIN),
        reason="customer called from +65 6123 4567",
    )
    assert done.ok is not False


@pytest.mark.parametrize("name", ["merchant_name", "terminal_id", "payment_redirect_url"])
def test_settings_refuse_card_data(name: str) -> None:
    value = CARD_DATA["dashed"]
    if name == "payment_redirect_url":
        value = f"https://shop.example/paid?card={PAN}"
    with pytest.raises(ConfigError) as info:
        replace(Settings(), **{name: value}).validate()
    assert info.value.field == name and "card data" in info.value.message
    replace(Settings(), merchant_name="Kopi 1234 5678").validate()


# -- the screens ---------------------------------------------------------------------------------
@pytest.fixture
def cashier() -> ScriptedCashier:
    return ScriptedCashier()


@pytest.fixture
def view(qtbot: QtBot, cashier: ScriptedCashier) -> Iterator[NewPaymentView]:
    runner = TaskRunner()
    v = NewPaymentView(
        runner,
        cashier,
        Settings(),
        today=lambda: TODAY,
        open_url=lambda _url: None,
        confirm=lambda _title, _text: False,
        changes=ChangeBridge(cashier.changes),
    )
    qtbot.addWidget(v)
    v.resize(1100, 760)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.accepted_brand_codes() != [])
    yield v
    runner.shutdown()


UI_FIELDS = ["reference", "description", "first_name", "last_name", "address1", "city"]


@pytest.mark.parametrize("field", UI_FIELDS)
@pytest.mark.parametrize("kind", ["dashed", "track 1", "track 2"])
def test_the_form_shows_card_data_refusals_next_to_the_field(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier, field: str, kind: str
) -> None:
    key_in(qtbot, view)
    if field in ("address1", "city"):
        view.billing_check.setChecked(True)
        type_into(qtbot, view.zip_code, "048616")
    edit = getattr(view, field)
    edit.clear()
    type_into(qtbot, edit, CARD_DATA[kind][: edit.maxLength()])
    press_enter(qtbot, view.amount)
    error = view.errors[field]
    expected = "looks like a card number" if field == "reference" else "looks like card data"
    assert expected in error.text() and error.isVisible()
    assert cashier.orders == [] and not view.in_flight
    # the other fields say nothing
    assert all(not e.isVisible() for name, e in view.errors.items() if name != field)


def test_the_form_sends_ordinary_text_with_digits(
    view: NewPaymentView, qtbot: QtBot, cashier: ScriptedCashier
) -> None:
    key_in(qtbot, view)
    type_into(qtbot, view.description, "Table 12, call +65 6123 4567 (order 2026-0042)")
    with qtbot.waitSignal(view.payment_finished, timeout=5000):
        press_enter(qtbot, view.amount)
    assert cashier.orders[0].description.startswith("Table 12")


def test_the_refund_dialog_refuses_card_data_in_the_reason(qtbot: QtBot, tmp_path: Path) -> None:
    runner = TaskRunner()
    backend = make_backend(tmp_path / "till")
    try:
        payment = paid(backend, minor=2000)
        view = open_view(qtbot, runner, backend, 1)
        select(view, payment)
        dialog = view.refund_selected()
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.reason.lineEdit(), f"card {CARD_DATA['spaced']}")
        enter_pin(qtbot, dialog, TRAINING_PIN)
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        assert dialog.reason_error.isVisible()
        assert "looks like card data" in dialog.reason_error.text()
        assert not dialog.busy and backend.repo.refunds_for(payment.id) == []
        dialog.reject()
    finally:
        runner.shutdown()
        backend.close()


def test_the_settings_show_card_data_next_to_the_store_name(qtbot: QtBot, tmp_path: Path) -> None:
    port = FilePort(tmp_path / "config" / "settings.json")
    runner = TaskRunner()
    dialog = SettingsDialog(runner, port, Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        dialog.merchant_name.setText(f"Kopi {CARD_DATA['spaced']}")
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        assert "card data" in dialog.errors["merchant_name"].text()
        assert dialog.errors["merchant_name"].isVisible() and not port.path.exists()
    finally:
        runner.shutdown()
