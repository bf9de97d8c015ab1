"""The cashier's flows end to end: keyboard -> NewPaymentView -> TaskRunner -> Till ->
the real services -> the embedded sandbox on loopback (a journal file under tmp_path).
The poller runs on its own thread, as in the app; nothing here settles a payment by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot

from posapp.app import Backend, build_backend
from posapp.config import Settings
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.domain import PaymentStatus
from posapp.core.services.checkout import CheckoutOutcome
from posapp.core.services.schedule import PollSchedule
from posapp.paths import app_dirs
from posapp.ui.application import build_main_window
from posapp.ui.main_window import MainWindow
from posapp.ui.views.new_payment_view import NewPaymentView

VISA_OK = "4054695723100768"
VISA_DECLINE = "4054692760174822"
MAGIC_3DS = "4000020000000604"
MAGIC_SLOW = "4000020000000901"  # the sandbox answers U and settles after the CVV's seconds
WAIT = 20000


class UrlCatcher(QObject):
    """Stands in for the system browser: QDesktopServices hands http(s) URLs to us."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser() -> Iterator[UrlCatcher]:
    catcher = UrlCatcher()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


def _backend(data: Path, **settings: object) -> Backend:
    return build_backend(
        app_dirs(data),
        replace(Settings(), **settings),  # type: ignore[arg-type]
        client_timeout=10.0,  # a loaded CI machine must not turn answers into timeouts
        client_retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, jitter=no_jitter),
        poll_schedule=PollSchedule(fast_interval=0.2, fast_period=60, cap=0.5, jitter=0),
        pin_cost=2**10,
        start=True,
        sandbox_in_process=True,  # the tests add faults and read the ledger directly
    )


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    # no notification listener: only the poller may settle what checkout leaves open
    b = _backend(data_dir, notify_listener=False)
    b.recovered.wait(10)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def window(qtbot: QtBot, backend: Backend, browser: UrlCatcher) -> Iterator[MainWindow]:
    w = build_main_window(backend.settings, backend)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.runner.shutdown()


def view_of(window: MainWindow) -> NewPaymentView:
    view = window.new_payment
    assert isinstance(view, NewPaymentView)
    return view


def cashier_types(
    qtbot: QtBot,
    view: NewPaymentView,
    pan: str,
    *,
    amount: str = "12.50",
    cvv: str = "123",
    three_ds: bool = False,
    hold: bool = True,
) -> None:
    view.amount.setFocus()
    qtbot.keyClicks(view.amount, amount)
    qtbot.keyClick(view.amount, Qt.Key.Key_Tab)  # reference (generated)
    qtbot.keyClick(view.reference, Qt.Key.Key_Tab)  # description
    qtbot.keyClicks(view.description, "two coffees")
    qtbot.keyClick(view.description, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.card_number, pan)
    qtbot.keyClick(view.card_number, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.expiry, "1240")
    qtbot.keyClick(view.expiry, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.cvv, cvv)
    qtbot.keyClick(view.cvv, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.first_name, "Ann")
    qtbot.keyClick(view.first_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.last_name, "Lee")
    if hold:
        view.capture_mode.setCurrentIndex(view.capture_mode.findData(True))
    if three_ds:
        view.three_ds.setFocus()
        qtbot.keyClick(view.three_ds, Qt.Key.Key_Space)
    qtbot.keyClick(view.last_name, Qt.Key.Key_Return)


def journal_status(backend: Backend, payment_request_id: str) -> PaymentStatus:
    payment = backend.repo.payment_by_request_id(payment_request_id)
    assert payment is not None
    return payment.status


def wait_title(qtbot: QtBot, view: NewPaymentView, title: str) -> None:
    try:
        qtbot.waitUntil(lambda: view.result_panel.title.text() == title, timeout=WAIT)
    except TimeoutError:
        errors = {k: e.text() for k, e in view.errors.items() if e.text()}
        shown = view.result_panel.title.text(), view.result_panel.reason.text()
        raise AssertionError(
            f"wanted {title!r}; the panel shows {shown}, errors {errors}"
        ) from None


def test_approved_hold_through_the_real_services(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "VISA" in view.accepted_brand_codes(), timeout=WAIT)  # consult
    cashier_types(qtbot, view, VISA_OK)
    wait_title(qtbot, view, "Approved")
    result = view.result_panel.result
    assert result is not None and result.held and result.payment_id
    assert journal_status(backend, result.payment_request_id) is PaymentStatus.AUTHORISED
    assert view.result_panel.detail("payment_id") == result.payment_id
    assert view.result_panel.detail("expiry") != ""  # held: capture deadline shown
    assert view.card_number.text() == "" and view.cvv.text() == ""
    qtbot.waitUntil(lambda: "Training sandbox" in window.connection_label.text(), timeout=WAIT)
    assert "TRAINING" in window.banner.text() and "1234" in window.banner.text()


def test_declined_through_the_real_services(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    cashier_types(qtbot, view, VISA_DECLINE, hold=False)
    wait_title(qtbot, view, "Declined")
    result = view.result_panel.result
    assert result is not None and result.result_code
    assert result.result_code in view.result_panel.reason.text()
    assert journal_status(backend, result.payment_request_id) is PaymentStatus.DECLINED


def test_3ds_opens_the_browser_and_settles_when_the_cardholder_confirms(
    qtbot: QtBot, window: MainWindow, backend: Backend, browser: UrlCatcher
) -> None:
    view = view_of(window)
    cashier_types(qtbot, view, MAGIC_3DS, three_ds=True)
    wait_title(qtbot, view, "Needs 3DS")
    result = view.result_panel.result
    assert result is not None and result.redirect_url
    assert browser.urls == [QUrl(result.redirect_url).toString()]
    assert view.result_panel.link.isVisible()
    assert backend.sandbox.answer_challenge(result.redirect_url)
    wait_title(qtbot, view, "Approved")  # the poller settled it; the panel followed
    assert journal_status(backend, result.payment_request_id) is PaymentStatus.AUTHORISED


def test_pending_is_settled_by_the_poller_and_the_panel_follows(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    cashier_types(qtbot, view, MAGIC_SLOW, cvv="000")
    wait_title(qtbot, view, "Pending")
    result = view.result_panel.result
    assert result is not None
    qtbot.waitUntil(lambda: "being settled" in window.unsettled_label.text(), timeout=WAIT)
    backend.sandbox.clock.advance(timedelta(seconds=5))
    wait_title(qtbot, view, "Approved")
    assert journal_status(backend, result.payment_request_id) is PaymentStatus.AUTHORISED
    qtbot.waitUntil(lambda: window.unsettled_label.text() == "All payments settled", timeout=WAIT)


def test_network_fault_is_shown_as_pending_never_failed(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    backend.sandbox.faults.add("*/pay", "reset_after", times=10)  # Antom took it; answer lost
    seen: list[CheckoutOutcome] = []
    view.payment_finished.connect(lambda r: seen.append(r.outcome))
    cashier_types(qtbot, view, VISA_OK)
    wait_title(qtbot, view, "Pending")
    assert "Do not charge the card again" in view.result_panel.reason.text()
    qtbot.waitUntil(lambda: "No answer" in window.connection_label.text(), timeout=WAIT)
    backend.sandbox.faults.clear()
    wait_title(qtbot, view, "Approved")
    qtbot.waitUntil(lambda: "Training sandbox" in window.connection_label.text(), timeout=WAIT)
    assert CheckoutOutcome.DECLINED not in seen
    ledger = backend.sandbox.ledger().order(view.result_panel.result.reference)
    assert ledger.payments == 1  # retried under the same paymentRequestId: charged once


def test_duplicate_is_asked_before_a_second_charge(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    cashier_types(qtbot, view, VISA_OK)
    wait_title(qtbot, view, "Approved")
    asked: list[str] = []
    view._confirm = lambda title, text: asked.append(text) or False
    cashier_types(qtbot, view, VISA_OK)
    qtbot.waitUntil(lambda: "Not sent" in view.form_error.text(), timeout=WAIT)
    assert asked and "0768" in asked[0]
    assert backend.repo.count_payments() == 1


def test_settings_test_connection_runs_the_doctor_checks(qtbot: QtBot, window: MainWindow) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_results.property("all_ok") is not None, timeout=WAIT)
    assert dialog.test_results.property("all_ok") is True, dialog.test_results.text()
    assert "signature" in dialog.test_results.text().lower()
    dialog.reject()


def test_shortcuts_reach_orders_search_and_back(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QApplication

    view = view_of(window)
    qtbot.keyClick(view.amount, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.orders
    search = getattr(window.orders, "search", None)
    assert search is not None and QApplication.focusWidget() is search
    qtbot.keyClick(search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is view
    assert QApplication.focusWidget() is view.amount


def test_saved_settings_wait_for_a_restart_and_keep_secrets_out(
    qtbot: QtBot, window: MainWindow, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    window.open_settings()
    dialog = window.settings_dialog
    dialog.tabs.setCurrentIndex(1)
    dialog.currency.setCurrentIndex(dialog.currency.findData("JPY"))
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    assert "Restart" in shown[0]
    saved = backend.dirs.settings_file.read_text()
    assert '"currency": "JPY"' in saved and "PRIVATE KEY" not in saved
    # the running services still take SGD: the till keeps showing SGD until the restart
    assert view_of(window).currency_label.text() == "SGD"
    window.open_settings()
    assert window.settings_dialog.currency.currentData() == "JPY"
    window.settings_dialog.reject()


@pytest.mark.parametrize(
    ("pan", "expiry", "cvv", "field", "words"),
    [
        ("4054695723100769", "1240", "123", "card_number", "not valid"),
        (VISA_OK, "0125", "123", "expiry", "expired"),
        (VISA_OK, "1340", "123", "expiry", "01 to 12"),
        (VISA_OK, "1240", "12", "cvv", "3 digits"),
    ],
)
def test_bad_card_input_never_reaches_the_journal(
    qtbot: QtBot, window: MainWindow, backend: Backend, pan, expiry, cvv, field, words
) -> None:
    view = view_of(window)
    view.amount.setFocus()
    qtbot.keyClicks(view.amount, "5")
    for widget, text in ((view.card_number, pan), (view.expiry, expiry), (view.cvv, cvv)):
        widget.setFocus()
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(view.cvv, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.errors[field].text() != "", timeout=WAIT)
    assert words in view.errors[field].text()
    qtbot.wait(200)
    assert backend.repo.count_payments() == 0
    assert not view.in_flight


def test_service_side_checks_show_next_to_their_field(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    view.billing_check.setChecked(True)
    view.address1.setText("1 Raffles Place")
    view.zip_code.setText("048616")
    view.region.setText("S1")  # not a country code: the service refuses it
    cashier_types(qtbot, view, VISA_OK)
    qtbot.waitUntil(lambda: view.errors["zip_code"].text() != "", timeout=WAIT)
    assert "two-letter" in view.errors["zip_code"].text()
    assert backend.repo.count_payments() == 0


def test_non_latin_description_is_sent_with_a_warning(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    view.description.setText("两杯咖啡")
    view.amount.setFocus()
    qtbot.keyClicks(view.amount, "8")
    for widget, text in ((view.card_number, VISA_OK), (view.expiry, "1240"), (view.cvv, "123")):
        widget.setFocus()
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(view.cvv, Qt.Key.Key_Return)
    wait_title(qtbot, view, "Approved")
    assert view.form_error.text() != ""
    assert backend.repo.count_payments() == 1


def test_3ds_cancelled_by_the_cardholder_ends_declined(
    qtbot: QtBot, window: MainWindow, backend: Backend, browser: UrlCatcher
) -> None:
    view = view_of(window)
    cashier_types(qtbot, view, MAGIC_3DS, three_ds=True)
    wait_title(qtbot, view, "Needs 3DS")
    result = view.result_panel.result
    assert result is not None
    backend.sandbox.answer_challenge(result.redirect_url, None)  # the buyer cancelled
    wait_title(qtbot, view, "Declined")
    assert journal_status(backend, result.payment_request_id) is PaymentStatus.DECLINED


def test_a_failure_nobody_handles_reaches_the_shared_presenter(
    qtbot: QtBot, window: MainWindow
) -> None:
    from PySide6.QtWidgets import QMessageBox

    class Broken(Exception):
        user_message = "The journal disk is full."

    def fail() -> None:
        raise Broken("disk full")

    window.runner.run(fail, label="save")
    qtbot.waitUntil(
        lambda: any(
            box.isVisible() and "disk is full" in box.text()
            for box in window.findChildren(QMessageBox)
        ),
        timeout=WAIT,
    )
    for box in window.findChildren(QMessageBox):
        box.close()


@pytest.fixture
def memory_backend(tmp_path: Path) -> Iterator[Backend]:
    from posapp.core.services.secrets import MemorySecretStore

    b = build_backend(
        app_dirs(tmp_path / "till"),
        Settings(),
        secret_store=MemorySecretStore(),
        pin_cost=2**10,
    )
    try:
        yield b
    finally:
        b.close()


def test_settings_import_keys_and_change_pin_through_the_services(
    qtbot: QtBot, memory_backend: Backend, tmp_path: Path
) -> None:
    from posapp.core.services.pin import WrongPin

    from .test_settings_dialog import _keypair

    backend = memory_backend
    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    window.show()
    assert "1234" in window.banner.text()
    window.open_settings()
    dialog = window.settings_dialog
    private, public, _garbage = _keypair(tmp_path)
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    qtbot.keyClicks(dialog.client_id, "SANDBOX_5Y0566SG25J004124")
    dialog.private_key_path.setText(str(public))  # the wrong file: a public key
    dialog.public_key_path.setText(str(public))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "Not stored" in dialog.keys_error.text(), timeout=WAIT)
    assert backend.secrets.load("sandbox") is None
    dialog.private_key_path.setText(str(private))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "stored in the keyring" in dialog.key_state.text(), timeout=WAIT)
    stored = backend.secrets.load("sandbox")
    assert stored is not None and stored.client_id == "SANDBOX_5Y0566SG25J004124"

    dialog.tabs.setCurrentIndex(2)
    qtbot.keyClicks(dialog.pin_current, "1234")  # training's first-run PIN
    qtbot.keyClicks(dialog.pin_new, "4321")
    qtbot.keyClicks(dialog.pin_repeat, "4321")
    dialog.pin_button.click()
    qtbot.waitUntil(lambda: "changed" in dialog.pin_state.text(), timeout=WAIT)
    assert backend.pins.approve("4321") is not None
    assert "1234" not in window.banner.text() and "TRAINING" in window.banner.text()
    with pytest.raises(WrongPin):
        backend.pins.approve("1234")
    dialog.reject()
    window.runner.shutdown()


def test_ctrl_f_while_orders_is_showing_focuses_its_search(
    qtbot: QtBot, window: MainWindow
) -> None:
    from PySide6.QtWidgets import QApplication

    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    orders = window.orders
    table = getattr(orders, "table", None)
    assert window.tabs.currentWidget() is orders and table is not None
    table.setFocus()
    # one owner for the key: the window and the view both claiming it made it ambiguous
    qtbot.keyClick(table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is getattr(orders, "search", None)


MASTERCARD_OK = "5162774114974622"


def test_after_3ds_is_approved_later_the_next_card_is_not_a_duplicate(
    qtbot: QtBot, window: MainWindow, backend: Backend, browser: UrlCatcher
) -> None:
    view = view_of(window)
    asked: list[str] = []
    view._confirm = lambda title, text: asked.append(text) or False
    cashier_types(qtbot, view, MAGIC_3DS, three_ds=True)
    wait_title(qtbot, view, "Needs 3DS")
    first = view.result_panel.result
    assert first is not None
    assert backend.sandbox.answer_challenge(first.redirect_url)
    wait_title(qtbot, view, "Approved")  # the poller settled it; the form starts afresh
    assert view.reference.text() != first.reference and view.amount.text() == ""
    assert not view.three_ds.isChecked() and view.capture_mode.currentData() is False

    cashier_types(qtbot, view, MASTERCARD_OK, hold=False)  # the next customer, same amount
    qtbot.waitUntil(lambda: backend.repo.count_payments() == 2, timeout=WAIT)
    wait_title(qtbot, view, "Approved")
    assert asked == []  # not taken for a second charge of the previous order
    second = view.result_panel.result
    assert second is not None and second.reference != first.reference
    assert backend.sandbox.ledger().order(first.reference).payments == 1


def test_a_second_card_on_the_same_order_is_asked_about_the_order(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = view_of(window)
    cashier_types(qtbot, view, VISA_OK)
    wait_title(qtbot, view, "Approved")
    first = view.result_panel.result
    assert first is not None
    asked: list[str] = []
    view._confirm = lambda title, text: asked.append(text) or False
    view.reference.setText(first.reference)  # the cashier re-typed the same order
    cashier_types(qtbot, view, MASTERCARD_OK, amount="3.00")
    qtbot.waitUntil(lambda: "Not sent" in view.form_error.text(), timeout=WAIT)
    assert len(asked) == 1
    assert "same card" not in asked[0]
    assert f"Order {first.reference} already has a payment" in asked[0]
    assert backend.repo.count_payments() == 1
