"""The Customers tab, the charge-without-the-customer dialog and New payment's card options
(saved card, save consent, instalments, co-badged brand, MPI) over a scripted CardFeatures;
screenshots of each in English and Chinese at both window sizes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from posapp.config import Settings
from posapp.core.antom.messages import RecurringType
from posapp.core.money import Money
from posapp.ui import i18n
from posapp.ui.ports import BrandOption
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.new_payment_view import NewPaymentView
from posapp.ui.views.saved_cards_view import MitDialog, SavedCardsView
from tests.ui.card_features_fakes import ScriptedFeatures
from tests.ui.cashier_fakes import ScriptedCashier

TODAY = date(2026, 6, 1)
VISA_OK = "4054695723100768"
CO_BADGED = "4970101234567893"
SHOTS = Path(os.environ.get("POSAPP_SHOTS", "/tmp"))


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def features() -> ScriptedFeatures:
    return ScriptedFeatures()


def customers(qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures) -> SavedCardsView:
    view = SavedCardsView(runner, features, "SGD", today=lambda: TODAY)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitUntil(lambda: view.table.rowCount() == 3)
    return view


def new_payment(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures, settings: Settings | None = None
) -> NewPaymentView:
    cashier = ScriptedCashier()
    # consult's brands: Cartes Bancaires too (a co-badged card may go either way)
    cashier.brands.append(BrandOption("CARTES_BANCAIRES", "Cartes Bancaires"))
    view = NewPaymentView(
        runner,
        cashier,
        settings or Settings(),
        today=lambda: TODAY,
        confirm=lambda _t, _q: True,
        features=features,
    )
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    qtbot.waitUntil(lambda: view.accepted_brand_codes() != [])
    assert view.extras is not None
    qtbot.waitUntil(lambda: view.extras.saved.count() == 4)  # three saved, plus "keyed"
    return view


def test_customers_lists_searches_and_details_cards(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures
) -> None:
    view = customers(qtbot, runner, features)
    assert view.table.item(0, 0).text() == "Ann Lee"
    assert view.table.item(0, 1).text() == "Visa •••• 0768"
    assert view.table.item(2, 3).text() == "Expired"  # 01/26 on 1 June 2026
    assert view.detail_card.text() == "Visa •••• 0768"
    assert "TILL-01-R260503K00001" in view.detail_consent.text()
    qtbot.waitUntil(lambda: view.detail_charges.text() == "2")
    assert view.charge_button.isEnabled()
    view.table.selectRow(2)
    assert not view.charge_button.isEnabled()  # expired: no charge offered
    qtbot.keyClicks(view.search, "wei")
    qtbot.waitUntil(lambda: view.table.rowCount() == 1)
    assert view.table.item(0, 0).text() == "Wei Zhang"


def test_remove_asks_then_removes(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = customers(qtbot, runner, features)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    view.remove_selected()
    assert features.removed == []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    view.remove_selected()
    qtbot.waitUntil(lambda: view.table.rowCount() == 2)
    assert features.removed == [1]
    assert view.message.isVisible()


def test_mit_dialog_checks_input_then_charges_with_the_kind_and_reason(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures
) -> None:
    view = customers(qtbot, runner, features)
    dialog = view.open_charge()
    assert isinstance(dialog, MitDialog)
    qtbot.addWidget(dialog)
    dialog.submit()  # nothing typed
    assert dialog.amount_error.isVisible() and dialog.reason_error.isVisible()
    assert features.charged == []
    qtbot.keyClicks(dialog.amount, "85.00")
    qtbot.keyClicks(dialog.reason, "No-show, room 12")
    dialog.kind.setCurrentIndex(dialog.kind.findData(RecurringType.UNSCHEDULED))
    qtbot.keyClicks(dialog.pin.field, "9999")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
    assert features.charged == []  # a wrong PIN charges nothing
    dialog.pin.field.clear()
    qtbot.keyClicks(dialog.pin.field, "1234")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.outcome.isVisible())
    assert features.charged == [
        (1, Money(8500, "SGD"), "No-show, room 12", RecurringType.UNSCHEDULED, False)
    ]
    assert "Approved" in dialog.outcome.text()
    assert not dialog.charge_button.isEnabled()  # one charge per dialog


def test_new_payment_offers_plans_and_sends_the_chosen_one(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures
) -> None:
    view = new_payment(qtbot, runner, features)
    extras = view.extras
    assert extras is not None
    assert not extras.installments.isVisible()
    qtbot.keyClicks(view.amount, "1200.00")
    qtbot.keyClicks(view.card_number, VISA_OK)
    view._extras_context()
    qtbot.waitUntil(lambda: extras.installments.count() == 4, timeout=3000)
    assert extras.installments.isVisible()
    assert extras.installments.itemText(1) == "3 monthly instalments, no interest"
    assert extras.installments.itemText(3) == "12 monthly instalments, 1.5% interest"
    extras.installments.setCurrentIndex(extras.installments.findData(6))
    for widget, text in ((view.expiry, "1229"), (view.cvv, "123"), (view.first_name, "Ann")):
        qtbot.keyClicks(widget, text)
    view.submit()
    qtbot.waitUntil(lambda: bool(features.paid))
    order, options = features.paid[0]
    assert options.installments == 6 and order.card is not None
    assert order.amount == Money(120000, "SGD")
    qtbot.waitUntil(lambda: view.options_note.isVisible())
    assert view.options_note.text() == "6 monthly instalments"
    assert not view.capture_mode.isEnabled()  # instalments: automatic capture only


def test_a_saved_card_pays_without_card_fields_and_an_expired_one_is_refused(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures
) -> None:
    view = new_payment(qtbot, runner, features)
    extras = view.extras
    assert extras is not None
    extras.saved.setCurrentIndex(extras.saved.findData(2))
    assert not view.card_number.isEnabled() and not extras.save_card.isEnabled()
    qtbot.keyClicks(view.amount, "40.00")
    view.submit()
    qtbot.waitUntil(lambda: bool(features.paid))
    order, options = features.paid[0]
    assert order.card is None and options.saved_card == 2 and not options.save_card
    # the expired one (01/26 on 1 June 2026) is refused next to the field, nothing sent
    qtbot.waitUntil(lambda: not view.in_flight)
    qtbot.keyClicks(view.amount, "40.00")
    extras.saved.setCurrentIndex(extras.saved.findData(3))
    view.submit()
    assert extras.errors["saved_card"].isVisible()
    assert "expired" in extras.errors["saved_card"].text()
    assert len(features.paid) == 1


def test_save_consent_brand_choice_and_mpi_are_checked_and_sent(
    qtbot: QtBot, runner: TaskRunner, features: ScriptedFeatures
) -> None:
    settings = Settings(external_3ds=True)
    view = new_payment(qtbot, runner, features, settings)
    extras = view.extras
    assert extras is not None and extras.mpi_box.isVisible()
    qtbot.keyClicks(view.amount, "15.00")
    for widget, text in (
        (view.card_number, CO_BADGED),
        (view.expiry, "1229"),
        (view.cvv, "123"),
        (view.first_name, "Ann"),
    ):
        qtbot.keyClicks(widget, text)
    view._extras_context()
    assert extras.brand_choice.isVisible()
    assert [extras.brand_choice.itemData(i) for i in range(extras.brand_choice.count())] == [
        None,
        "VISA",
        "CARTES_BANCAIRES",
    ]
    extras.brand_choice.setCurrentIndex(2)
    extras.save_card.setChecked(True)
    extras.mpi_box.setChecked(True)
    qtbot.keyClicks(extras.mpi_eci, "5")
    qtbot.keyClicks(extras.mpi_cavv, "AAACBllleHchZTBWIGV4MAAAAAA=")
    view.submit()
    assert extras.errors["mpi_eci"].isVisible() and features.paid == []
    extras.mpi_eci.setText("05")
    extras.mpi_ds_id.setText("f25084f0-5b16-4c0a-ae5d-b24808a95e4b")
    view.submit()
    qtbot.waitUntil(lambda: bool(features.paid))
    _order, options = features.paid[0]
    assert options.save_card and options.selected_brand == "CARTES_BANCAIRES"
    assert options.mpi is not None and options.mpi.eci == "05"


# -- screenshots -----------------------------------------------------------------------------
@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, qapp: QCoreApplication) -> Iterator[str]:
    lang = str(request.param)
    if lang != "en":
        assert i18n.install_translators(qapp, lang) == lang
    yield lang
    if lang != "en":
        i18n.remove_translators(qapp)


def _shoot(widget: QWidget, qtbot: QtBot, name: str, size: tuple[int, int]) -> Path:
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    path = SHOTS / f"cl13-{name}-{size[0]}x{size[1]}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)])
def test_screenshots(
    qtbot: QtBot,
    runner: TaskRunner,
    features: ScriptedFeatures,
    language: str,
    size: tuple[int, int],
) -> None:
    view = customers(qtbot, runner, features)
    assert _shoot(view, qtbot, f"customers-{language}", size).stat().st_size > 0
    dialog = view.open_charge()
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.amount, "85.00")
    qtbot.keyClicks(dialog.reason, "No-show, room 12")
    dialog.adjustSize()
    path = SHOTS / f"cl13-mit-{language}-{size[0]}x{size[1]}.png"
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(path))
    dialog.close()
    pay = new_payment(qtbot, runner, features, Settings(external_3ds=True))
    qtbot.keyClicks(pay.amount, "1200.00")
    qtbot.keyClicks(pay.card_number, VISA_OK)
    pay._extras_context()
    assert pay.extras is not None
    qtbot.waitUntil(lambda: pay.extras is not None and pay.extras.installments.count() == 4)
    pay.extras.installments.setCurrentIndex(2)
    _shoot(pay, qtbot, f"installments-{language}", size)


def test_orders_timeline_and_receipt_name_the_card_options(qtbot: QtBot, data_dir: Path) -> None:
    """Over the real services and sandbox: an instalment payment's journaled request reads as
    such in the Orders timeline and on the receipt."""
    from posapp.core.antom.messages import InstallmentChoice
    from posapp.core.services.checkout import CheckoutRequest
    from posapp.core.services.validation import read_card
    from posapp.ui.models.orders_backend import OrdersBackend
    from posapp.ui.views.payment_details import describe_event
    from tests.core.services.conftest import make_backend, with_settings

    backend = make_backend(data_dir, with_settings(currency="USD"))
    try:
        res = backend.checkout.pay(
            CheckoutRequest(
                amount=Money(60000, "USD"),
                reference_order_id=backend.checkout.new_reference(),
                description="Sofa",
                card=read_card("4000020000001503", "12/40", "123", date.today()),
                installment=InstallmentChoice(6),
            ),
            confirm_duplicate=True,
        )
        events = backend.repo.events_for_payment(res.payment.id)
        lines = [describe_event(e) for e in events]
        assert "Sent pay to Antom (6 monthly instalments)" in lines
        receipt = OrdersBackend(backend.repo).receipt(res.payment)
        assert receipt.card_options == "6 monthly instalments"
    finally:
        backend.close()
