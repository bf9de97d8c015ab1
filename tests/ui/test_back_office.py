"""A till and a back-office station on one journal (an SQLite file, and one PostgreSQL
database where the test run has a server), one Antom sandbox: the till keys payments, the
back office (role back-office) has no card entry, sees every till's payments with a terminal
filter and captures one behind the manager PIN in the till's own dialog."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posapp.app import Backend, build_backend
from posapp.config import Environment, Role, Settings
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.domain import Payment, PaymentStatus
from posapp.core.journal.location import JournalLocation, parse_location
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.pin import prove_merchant
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.secrets import Credentials, MemorySecretStore
from posapp.core.services.validation import read_card
from posapp.paths import AppDirs, app_dirs
from posapp.sandbox import Sandbox
from posapp.ui.application import build_main_window
from posapp.ui.main_window import MainWindow
from posapp.ui.models.order_model import Column
from posapp.ui.views.orders_view import OrdersView
from tests.journal_backends import BACKENDS, fresh_schema, schema_url
from tests.ui.screens import shot

PIN = "246813"
VISA_OK = "4054695723100768"


@dataclass
class Store:
    till: Backend
    office: Backend


@pytest.fixture(params=BACKENDS)
def journal(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[JournalLocation]:
    if request.param == "sqlite":
        yield parse_location(data_dir / "journal.sqlite3")
        return
    with fresh_schema() as schema:
        yield parse_location(schema_url(schema))


@pytest.fixture
def store(tmp_path: Path, data_dir: Path, journal: JournalLocation) -> Iterator[Store]:
    sandbox = Sandbox(tmp_path / "antom").start()
    secrets = MemorySecretStore()
    secrets.save(
        Environment.SANDBOX.value,
        Credentials(
            sandbox.client_id, sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem
        ),
    )
    built: list[Backend] = []

    def station(dirs: AppDirs, terminal: str, role: Role) -> Backend:
        backend = build_backend(
            dirs,
            replace(
                Settings(),
                environment=Environment.SANDBOX,
                region="custom",
                gateway_url=sandbox.base_url,
                client_id=sandbox.client_id,
                terminal_id=terminal,
                notify_listener=False,
                payment_redirect_url="https://shop.example/back",
                role=role.value,
            ),
            secret_store=secrets,
            client_timeout=3.0,
            client_retry=RetryPolicy(
                max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=no_jitter
            ),
            poll_schedule=PollSchedule(jitter=0),
            pin_cost=2**10,
            journal=journal,
        )
        built.append(backend)
        return backend

    try:
        shared = app_dirs(data_dir)
        till = station(shared, "TILL-01", Role.TILL)
        till.sandbox = sandbox  # the simulator stops with the till
        proof = prove_merchant(
            sandbox.client_id,
            sandbox.merchant_private_key_pem,
            sandbox.client_id,
            sandbox.merchant_private_key_pem,
        )
        till.pins.reset(PIN, proof)
        office_dirs = AppDirs(
            data=shared.data, config=tmp_path / "office-config", logs=tmp_path / "office-logs"
        )
        office = station(office_dirs, "BACK-01", Role.BACK_OFFICE)
        yield Store(till, office)
    finally:
        for backend in reversed(built):
            backend.close()
        sandbox.stop()


def _pay(backend: Backend, minor: int, *, hold: bool = True) -> Payment:
    card = read_card(VISA_OK, "12/40", "123", date.today(), first_name="Ann", last_name="Lee")
    result = backend.checkout.pay(
        CheckoutRequest(
            amount=Money(minor, backend.settings.currency),
            reference_order_id=backend.checkout.new_reference(),
            description="a back-office test",
            card=card,
            hold=hold,
        ),
        confirm_duplicate=True,
    )
    return result.payment


def _window(qtbot: QtBot, backend: Backend, size: tuple[int, int] = (1200, 800)) -> MainWindow:
    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_back_office_sees_every_till_and_captures_behind_the_pin(
    qtbot: QtBot, store: Store
) -> None:
    held = [_pay(store.till, 1000 + i) for i in range(2)]
    _pay(store.till, 2500, hold=False)  # captured at once: not on the Held list
    window = _window(qtbot, store.office)
    try:
        # no card entry: no New payment, no saved cards' charges; Ctrl+N does nothing
        assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Orders"]
        assert window.new_payment is None and window.customers is None
        assert "back office" in window.windowTitle()
        assert not window.action_new_payment.isEnabled()
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentWidget() is window.orders
        assert window.role_label.text() == "Back office · every till"

        view = window.orders
        assert isinstance(view, OrdersView)
        qtbot.waitUntil(lambda: view.terminals() == ["TILL-01"])
        qtbot.waitUntil(lambda: view.model.rowCount() == 3)
        assert view.terminal_filter.currentText() == "All tills"
        shot(window, "back-office-orders")

        view.set_terminal("BACK-01")  # nothing keyed here
        qtbot.waitUntil(lambda: view.model.total == 0)
        view.set_terminal("TILL-01")
        qtbot.waitUntil(lambda: view.model.total == 3)

        view.view_tabs.setCurrentIndex(1)  # Held, of TILL-01
        qtbot.waitUntil(lambda: view.model.total == 2 and view.model.is_loaded(1))
        row = view.model.row_of(held[0].id)
        assert row is not None
        view.select_rows([row])
        assert view.capture_button.isEnabled()
        dialog = view.capture_selected()
        assert dialog is not None
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.pin.field, "0000")  # a wrong PIN: nothing is sent
        qtbot.keyClick(dialog.pin.field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
        assert store.office.repo.captures_for(held[0].id) == []
        dialog.pin.field.clear()
        qtbot.keyClicks(dialog.pin.field, PIN)
        with qtbot.waitSignal(dialog.action_finished, timeout=15_000) as done:
            qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        assert done.args[0].ok is True
        captured = store.till.repo.get_payment(held[0].id)  # the till sees it too
        assert captured is not None and captured.status is PaymentStatus.CAPTURED
        (capture,) = store.office.repo.captures_for(held[0].id)
        assert capture.terminal_id == "BACK-01"  # who captured: the back office
        assert captured.terminal_id == "TILL-01"  # whose sale: the till

        def shown_status() -> str:
            at = view.model.row_of(held[0].id)
            return "" if at is None else str(view.model.data(view.model.index(at, Column.STATUS)))

        qtbot.waitUntil(lambda: shown_status() == "Paid")  # the row follows the feed
        dialog.close()

        window.resize(1024, 700)  # the window's smallest size
        qtbot.wait(50)
        shot(window, "back-office-held-small")
        assert view.terminal_filter.isVisible()
        assert view.terminal_filter.width() >= view.terminal_filter.minimumSizeHint().width()
    finally:
        window.close()
        window.runner.shutdown()


def test_a_till_keeps_new_payment_and_may_filter_orders_by_terminal(
    qtbot: QtBot, store: Store
) -> None:
    _pay(store.till, 1200)
    window = _window(qtbot, store.till)
    try:
        names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert names[:2] == ["New payment", "Orders"]
        assert window.new_payment is not None and window.action_new_payment.isEnabled()
        assert "point of sale" in window.windowTitle()
        assert window.role_label.text() == "Till"
        view = window.orders
        assert isinstance(view, OrdersView)
        qtbot.waitUntil(lambda: view.terminals() == ["TILL-01"])
        view.set_terminal("TILL-01")
        qtbot.waitUntil(lambda: view.model.total == 1)
    finally:
        window.close()
        window.runner.shutdown()
