"""Manager flows in the Orders view against the real backend: build_backend in training mode
(the embedded sandbox on loopback, a journal file under tmp_path), the real TaskRunner, real
dialogs driven with the keyboard and the mouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posapp.app import Backend, build_backend
from posapp.config import Settings
from posapp.core.antom.messages import CancelRequest
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.domain import Payment, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.secrets import MemorySecretStore
from posapp.core.services.validation import read_card
from posapp.paths import app_dirs
from posapp.ui.application import orders_view
from posapp.ui.changes import ChangeBridge
from posapp.ui.models.order_model import Column
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.batch_dialog import BatchAction, BatchDialog, RowState
from posapp.ui.views.orders_view import OrdersView

VISA_OK = "4054695723100768"
SLOW_OK = "4000020000000901"  # the sandbox answers PROCESSING, then approves
FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=no_jitter)


def make_backend(data_dir: Path, settings: Settings | None = None) -> Backend:
    return build_backend(
        app_dirs(data_dir),
        settings or Settings(),
        secret_store=MemorySecretStore(),
        client_timeout=3.0,
        client_retry=FAST_RETRY,
        poll_schedule=PollSchedule(jitter=0),
        pin_cost=2**10,  # scrypt stays slow in production; tests need not wait for it
        sandbox_in_process=True,  # the tests read the ledger and move its clock directly
    )


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


def pay(
    backend: Backend, pan: str = VISA_OK, minor: int = 1250, *, hold: bool = True, cvv: str = "123"
) -> Payment:
    card = read_card(pan, "12/40", cvv, date.today(), first_name="Ann", last_name="Lee")
    result = backend.checkout.pay(
        CheckoutRequest(
            amount=Money(minor, backend.settings.currency),
            reference_order_id=backend.checkout.new_reference(),
            description="two coffees",
            card=card,
            hold=hold,
        ),
        confirm_duplicate=True,
    )
    return result.payment


def paid(backend: Backend, minor: int = 1250) -> Payment:
    """A held payment captured by the back office (the service, not the screen)."""
    held = pay(backend, minor=minor)
    result = backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN))
    assert result.ok, result.message
    return result.payment


def open_view(qtbot: QtBot, runner: TaskRunner, backend: Backend, rows: int) -> OrdersView:
    view = orders_view(runner, backend, changes=ChangeBridge(backend.changes))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == rows and view.model.is_loaded(rows - 1))
    return view


def select(view: OrdersView, *payments: Payment) -> None:
    view.select_rows([view.model.row_of(p.id) for p in payments])


def status_of(view: OrdersView, payment: Payment) -> str:
    row = view.model.row_of(payment.id)
    return view.model.data(view.model.index(row, Column.STATUS))


def enter_pin(qtbot: QtBot, dialog, pin: str) -> None:
    dialog.pin.field.clear()
    qtbot.keyClicks(dialog.pin.field, pin)


def test_capture_with_a_wrong_pin_then_the_right_one(qtbot, runner, backend) -> None:
    held = pay(backend)
    view = open_view(qtbot, runner, backend, 1)
    select(view, held)
    assert view.capture_button.isEnabled() and not view.refund_button.isEnabled()
    dialog = view.capture_selected()
    qtbot.addWidget(dialog)
    assert dialog.amount_label.text() == "SGD 12.50"
    assert dialog.deadline_label.text()  # the capture deadline is shown

    enter_pin(qtbot, dialog, "9999")
    qtbot.keyClick(dialog.pin.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
    assert dialog.pin.error.text() == "Wrong PIN: 4 attempts left"
    assert dialog.answer is None and dialog.pin.field.text() == ""
    assert backend.repo.captures_for(held.id) == []  # nothing was sent

    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.action_finished, timeout=10_000) as done:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert done.args[0].ok is True
    assert dialog.result_label.text() == "Captured SGD 12.50."
    assert not dialog.confirm_button.isVisible()
    assert backend.repo.get_payment(held.id).status is PaymentStatus.CAPTURED
    qtbot.waitUntil(lambda: status_of(view, held) == "Paid")
    assert not view.capture_button.isEnabled() and view.refund_button.isEnabled()

    # The details pane tells the story from the audit log: who did what, what went out.
    qtbot.waitUntil(lambda: "Capturing → Paid" in view.details.timeline_texts())
    texts = view.details.timeline_texts()
    for line in (
        "Recorded: Not sent yet",
        "Sent pay to Antom",
        "Not sent yet → Held",
        "Manager approved: capture",
        "Held → Capturing",
        "Sent capture to Antom",
        "Antom answered capture: SUCCESS (S)",
    ):
        assert line in texts, (line, texts)
    timeline = view.details.timeline
    who = {
        timeline.topLevelItem(i).text(1): timeline.topLevelItem(i).text(2)
        for i in range(timeline.topLevelItemCount())
    }
    assert who["Manager approved: capture"] == "manager"
    assert who["Sent pay to Antom"] == "cashier"
    assert "4054695723100768" not in " ".join(
        timeline.topLevelItem(i).child(j).text(1)
        for i in range(timeline.topLevelItemCount())
        for j in range(timeline.topLevelItem(i).childCount())
    )


def test_five_wrong_pins_lock_the_approvals(qtbot, runner, backend) -> None:
    held = pay(backend)
    view = open_view(qtbot, runner, backend, 1)
    select(view, held)
    dialog = view.cancel_selected()
    qtbot.addWidget(dialog)
    for attempt in range(5):
        enter_pin(qtbot, dialog, "0000")
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda a=attempt: dialog.pin.error.isVisible() and not dialog.busy)
        qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled() or dialog.pin.locked)
    assert dialog.pin.locked
    assert "locked" in dialog.pin.error.text()
    assert not dialog.pin.field.isEnabled() and not dialog.confirm_button.isEnabled()
    # Even the right PIN is refused while locked (a new dialog, same lock).
    dialog.close()
    dialog = view.cancel_selected()
    qtbot.addWidget(dialog)
    enter_pin(qtbot, dialog, TRAINING_PIN)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
    assert "Too many wrong PINs" in dialog.pin.error.text()
    assert backend.repo.get_payment(held.id).status is PaymentStatus.AUTHORISED


def test_cancel_releases_the_hold(qtbot, runner, backend) -> None:
    held = pay(backend)
    view = open_view(qtbot, runner, backend, 1)
    select(view, held)
    dialog = view.cancel_selected()
    qtbot.addWidget(dialog)
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.action_finished, timeout=10_000) as done:
        qtbot.keyClick(dialog.pin.field, Qt.Key.Key_Return)
    assert done.args[0].ok is True
    assert "hold is released" in dialog.result_label.text()
    qtbot.waitUntil(lambda: status_of(view, held) == "Cancelled")
    assert backend.repo.get_payment(held.id).status is PaymentStatus.CANCELLED


def test_refund_checks_the_amount_then_refunds_part(qtbot, runner, backend) -> None:
    paid_ = paid(backend, minor=2000)
    assert paid_.status is PaymentStatus.CAPTURED
    view = open_view(qtbot, runner, backend, 1)
    select(view, paid_)
    dialog = view.refund_selected()
    qtbot.addWidget(dialog)
    assert dialog.refundable_label.text() == "SGD 20.00"
    assert dialog.amount.text() == "20.00"

    dialog.amount.clear()
    qtbot.keyClicks(dialog.amount, "25.00")
    enter_pin(qtbot, dialog, TRAINING_PIN)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.amount_error.isVisible()
    assert dialog.amount_error.text() == "At most SGD 20.00 can be refunded"
    assert not dialog.busy  # refused before any PIN check or request

    dialog.amount.clear()
    qtbot.keyClicks(dialog.amount, "5.5")
    enter_pin(qtbot, dialog, TRAINING_PIN)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.reason_error.isVisible()  # a refund always says why
    assert dialog.reason_error.text() == "Say why the money is given back"
    assert not dialog.busy and backend.repo.refunds_for(paid_.id) == []
    qtbot.keyClicks(dialog.reason.lineEdit(), "Returned one cup")
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.action_finished, timeout=10_000) as done:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert done.args[0].ok is True
    assert dialog.result_label.text() == "Refunded SGD 5.50."
    refunds = backend.repo.refunds_for(paid_.id)
    assert [(r.amount, r.reason) for r in refunds] == [(Money(550, "SGD"), "Returned one cup")]
    qtbot.waitUntil(lambda: status_of(view, paid_) == "Partly refunded")


def test_refund_with_a_wrong_pin_sends_nothing(qtbot, runner, backend) -> None:
    paid_ = paid(backend)
    view = open_view(qtbot, runner, backend, 1)
    select(view, paid_)
    dialog = view.refund_selected()
    qtbot.addWidget(dialog)
    dialog.reason.setCurrentIndex(0)  # "Returned goods"
    enter_pin(qtbot, dialog, "4321")
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
    assert dialog.pin.error.text().startswith("Wrong PIN")
    assert backend.repo.refunds_for(paid_.id) == []


def test_batch_capture_with_one_failure_then_retry_only_the_failed(qtbot, runner, backend) -> None:
    a, b, c = pay(backend, minor=1000), pay(backend, minor=2000), pay(backend, minor=3000)
    # Another till cancelled b at Antom: our journal still says held, Antom will refuse.
    backend.client.cancel(CancelRequest(payment_id=b.payment_id))
    view = open_view(qtbot, runner, backend, 3)
    select(view, a, b, c)
    assert len(view.selected_payments()) == 3 and view.capture_button.isEnabled()
    dialog = view.capture_selected()
    assert isinstance(dialog, BatchDialog)
    qtbot.addWidget(dialog)
    rows = {p.id: i for i, p in enumerate(dialog.payments)}
    assert dialog.go_button.isVisible() and not dialog.retry_button.isVisible()

    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.batch_finished, timeout=20_000):
        qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    states = [dialog.states[rows[p.id]] for p in (a, b, c)]
    assert states == [RowState.DONE, RowState.REFUSED, RowState.DONE]
    assert "refused" in dialog.result_text(rows[b.id])
    assert dialog.summary.text() == "2 done, 1 failed"
    assert dialog.retry_button.isVisible() and dialog.retry_button.text() == "Retry failed (1)"

    before = {p.id: len(backend.repo.captures_for(p.id)) for p in (a, b, c)}
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.batch_finished, timeout=20_000):
        qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    after = {p.id: len(backend.repo.captures_for(p.id)) for p in (a, b, c)}
    # Only the failed row went out again; the captured ones were not touched.
    assert after == {a.id: before[a.id], b.id: before[b.id] + 1, c.id: before[c.id]}
    assert dialog.states[rows[a.id]] is RowState.DONE
    assert dialog.states[rows[b.id]] is RowState.REFUSED
    ledger = backend.sandbox.ledger()
    assert ledger is not None
    assert backend.repo.get_payment(a.id).status is PaymentStatus.CAPTURED
    assert backend.repo.get_payment(c.id).status is PaymentStatus.CAPTURED


def test_batch_with_a_wrong_pin_touches_no_payment(qtbot, runner, backend) -> None:
    a, b = pay(backend), pay(backend)
    view = open_view(qtbot, runner, backend, 2)
    select(view, a, b)
    dialog = view.cancel_selected()
    qtbot.addWidget(dialog)
    enter_pin(qtbot, dialog, "1111")
    with qtbot.waitSignal(dialog.batch_finished, timeout=10_000):
        qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert dialog.pin.error.text().startswith("Wrong PIN")
    assert dialog.states == [RowState.WAITING, RowState.WAITING]
    assert all(backend.repo.get_payment(p.id).status is PaymentStatus.AUTHORISED for p in (a, b))


def test_network_fault_during_a_batch_shows_pending_not_failed(qtbot, runner, data_dir) -> None:
    # No notification listener: the answer lost on the wire is the only news there is.
    backend = make_backend(data_dir, Settings(notify_listener=False))
    a = pay(backend)
    view = open_view(qtbot, runner, backend, 1)
    select(view, a)
    # Antom captures, but no answer reaches the till (nor any inquiry) until the fault clears.
    backend.sandbox.faults.add("*", "reset_after")
    dialog = view.batch(BatchAction.CAPTURE, [a])
    qtbot.addWidget(dialog)
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.batch_finished, timeout=20_000):
        qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert dialog.states == [RowState.PENDING]
    assert "being confirmed" in dialog.result_text(0)
    assert not dialog.retry_button.isVisible()  # never re-sent from here: the poller settles it
    assert backend.repo.get_payment(a.id).status is PaymentStatus.CAPTURE_PENDING
    backend.sandbox.faults.clear()
    dialog.close()
    view.close()
    runner.wait_for_done(5000)
    backend.close()


def test_rows_follow_the_poller_live(qtbot, runner, backend) -> None:
    slow = pay(backend, SLOW_OK, cvv="002")  # the sandbox says PROCESSING for 2 s
    assert slow.status is PaymentStatus.PENDING
    view = open_view(qtbot, runner, backend, 1)
    assert status_of(view, slow) == "Checking"
    # The real poller, on its own threads: the row changes when it settles the payment.
    backend.poller.intent_grace = timedelta(0)
    backend.poller.watch(slow)
    backend.poller.start()
    qtbot.waitUntil(lambda: status_of(view, slow) == "Held", timeout=20_000)
    assert backend.repo.get_payment(slow.id).status is PaymentStatus.AUTHORISED
    # and a payment taken at the till shows up at the top of the list without a reload
    newest = pay(backend)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5000)
    assert view.model.data(view.model.index(0, Column.PAYMENT_ID)) == newest.payment_id


def test_keyboard_enter_on_a_held_row_opens_the_capture_dialog(qtbot, runner, backend) -> None:
    from posapp.ui.views.capture_dialog import CaptureDialog

    held = pay(backend)
    view = open_view(qtbot, runner, backend, 1)
    view.table.setFocus()
    select(view, held)
    view.table.setCurrentIndex(view.model.index(view.model.row_of(held.id), 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    dialogs = view.findChildren(CaptureDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    qtbot.keyClick(dialogs[0], Qt.Key.Key_Escape)  # Esc leaves without doing anything
    assert not dialogs[0].isVisible()
    assert backend.repo.get_payment(held.id).status is PaymentStatus.AUTHORISED
