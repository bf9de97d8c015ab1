"""The Orders buttons, the back-office service and the journal apply the same capture /
cancel / refund rules (posapp.core.rules): every payment status, plus the capture and refund
states that matter, over a real journal file and the real Orders view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from pytestqt.qtbot import QtBot

from posapp.core.cards import MaskedCard
from posapp.core.clock import FakeClock
from posapp.core.domain import (
    CaptureMode,
    DomainError,
    NewPayment,
    OperationStatus,
    Payment,
    PaymentStatus,
    PaymentUpdate,
)
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.services.backoffice import BackOfficeError, BackOfficeService
from posapp.ui.models.orders_backend import OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.orders_view import OrdersView

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
WHO = {"operator": "cashier", "terminal_id": "TILL-01"}
_P = PaymentStatus
# how each status is reached from INTENT (CAPTURED and the refunded ones through real
# capture / refund operations, so the captured and refunded amounts are what they would be)
PATHS: dict[PaymentStatus, list[PaymentStatus]] = {
    _P.INTENT: [],
    _P.PENDING: [_P.PENDING],
    _P.NEEDS_3DS: [_P.NEEDS_3DS],
    _P.AUTHORISED: [_P.AUTHORISED],
    _P.CAPTURE_PENDING: [_P.AUTHORISED, _P.CAPTURE_PENDING],
    _P.CANCEL_PENDING: [_P.AUTHORISED, _P.CANCEL_PENDING],
    _P.CAPTURED: [_P.AUTHORISED],
    _P.PARTIALLY_REFUNDED: [_P.AUTHORISED],
    _P.REFUNDED: [_P.AUTHORISED],
    _P.DECLINED: [_P.DECLINED],
    _P.CANCELLED: [_P.CANCELLED],
    _P.RELEASED: [_P.AUTHORISED, _P.RELEASED],
    _P.NOT_SENT: [_P.NOT_SENT],
}


class Till:
    def __init__(self, path: Path) -> None:
        self.clock = FakeClock(START)
        self.repo = JournalRepository.open(path, clock=self.clock)
        # check_* read the journal and the clock only
        self.service = BackOfficeService(
            self.repo, cast(Any, None), cast(Any, None), self.clock, "TILL-01"
        )
        self.n = 0

    def payment(
        self, status: PaymentStatus, *, authorised_ago: timedelta = timedelta(), pid: bool = True
    ) -> Payment:
        self.n += 1
        p = self.repo.record_intent(
            NewPayment(
                reference_order_id=f"ORD-R{self.n:05d}",
                payment_request_id=f"REQ-R{self.n:05d}",
                amount=Money(1000, "SGD"),
                capture_mode=CaptureMode.MANUAL,
                card=MaskedCard("VISA", "405469", "0768"),
                **WHO,
            )
        )
        for step in PATHS[status]:
            update = None
            if step is _P.AUTHORISED:
                update = PaymentUpdate(
                    payment_id=f"2026PIDR{self.n:05d}" if pid else None,
                    authorised_at=self.clock.now() - authorised_ago,
                    result_status="S",
                )
            p = self.repo.transition(p.id, step, update=update, **WHO)
        if status in (_P.CAPTURED, _P.PARTIALLY_REFUNDED, _P.REFUNDED):
            self.repo.record_capture_intent(p.id, f"CAP-R{self.n:05d}", **WHO)
            self.repo.update_capture(f"CAP-R{self.n:05d}", OperationStatus.SUCCEEDED, **WHO)
        if status is not _P.CAPTURED and status in (_P.PARTIALLY_REFUNDED, _P.REFUNDED):
            minor = 400 if status is _P.PARTIALLY_REFUNDED else 1000
            self.refund(p, minor, OperationStatus.SUCCEEDED)
        found = self.repo.get_payment(p.id)
        assert found is not None and found.status is status
        return found

    def refund(self, p: Payment, minor: int, status: OperationStatus) -> None:
        self.n += 1
        rid = f"RFD-R{self.n:05d}"
        self.repo.record_refund_intent(p.id, rid, Money(minor, "SGD"), **WHO)
        if status is not OperationStatus.INTENT:
            self.repo.update_refund(rid, status, **WHO)


@pytest.fixture
def till(tmp_path: Path):
    t = Till(tmp_path / "journal.sqlite3")
    yield t
    t.repo.close()


@pytest.fixture
def runner(qtbot: QtBot):
    r = TaskRunner()
    yield r
    r.shutdown()


def _service_allows(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except BackOfficeError:
        return False
    return True


def _journal_allows(write: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        write(*args, **kwargs)
    except DomainError:
        return False
    return True


def _buttons(qtbot: QtBot, view: OrdersView, payment: Payment) -> dict[str, bool]:
    qtbot.waitUntil(lambda: view.model.row_of(payment.id) is not None)
    row = view.model.row_of(payment.id)
    assert row is not None
    view.select_rows([row])
    qtbot.waitUntil(lambda: [p.id for p in view.selected_payments()] == [payment.id])
    return {
        "capture": view.capture_button.isEnabled(),
        "cancel": view.cancel_button.isEnabled(),
        "refund": view.refund_button.isEnabled(),
    }


def test_buttons_service_and_journal_agree_for_every_status(
    qtbot: QtBot, till: Till, runner: TaskRunner
) -> None:
    cases: list[tuple[str, Payment]] = [(s.value, till.payment(s)) for s in PaymentStatus]
    cases.append(("held, window passed", till.payment(_P.AUTHORISED, authorised_ago=timedelta(8))))
    cases.append(("held, no payment id", till.payment(_P.AUTHORISED, pid=False)))
    backend = OrdersBackend(till.repo, None, merchant="Test Store", now=till.clock.now)
    view = OrdersView(runner, backend)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == len(cases))
    seen: dict[str, dict[str, bool]] = {}
    for name, p in cases:
        buttons = _buttons(qtbot, view, p)
        service = {
            "capture": _service_allows(till.service.check_capture, p),
            "cancel": _service_allows(till.service.check_cancel, p),
            "refund": _service_allows(till.service.check_refund, p, Money(1, "SGD")),
        }
        assert buttons == service, name
        seen[name] = buttons
        # the journal's own check (under its write lock) says the same
        refund_ok = _journal_allows(
            till.repo.record_refund_intent, p.id, f"RFD-J{p.id}", Money(1, "SGD"), **WHO
        )
        assert refund_ok == service["refund"], name
        capture_ok = _journal_allows(till.repo.record_capture_intent, p.id, f"CAP-J{p.id}", **WHO)
        assert capture_ok == service["capture"], name
    # what the protocol allows (section 7.2: cancel closes a payment whose result never came
    # or voids an authorisation; a captured payment is refunded instead)
    assert {n for n, b in seen.items() if b["cancel"]} == {
        "AUTHORISED",
        "PENDING",
        "NEEDS_3DS",
        "held, window passed",
        "held, no payment id",
    }
    assert {n for n, b in seen.items() if b["capture"]} == {"AUTHORISED"}
    assert {n for n, b in seen.items() if b["refund"]} == {"CAPTURED", "PARTIALLY_REFUNDED"}


@pytest.mark.parametrize("earlier", list(OperationStatus))
def test_refunds_on_their_way_count_the_same_for_the_service_and_the_journal(
    till: Till, earlier: OperationStatus
) -> None:
    """An earlier refund of 600 out of 1000: INTENT and PENDING are still on their way (only
    400 is left); SUCCEEDED took the 600; FAILED and NOT_SENT (Antom never saw it) gave
    nothing, so all 1000 is left."""
    p = till.payment(_P.CAPTURED)
    till.refund(p, 600, earlier)
    p = till.repo.get_payment(p.id) or p
    left = 1000 if earlier in (OperationStatus.FAILED, OperationStatus.NOT_SENT) else 400
    for minor in (left, left + 1):
        service = _service_allows(till.service.check_refund, p, Money(minor, "SGD"))
        assert service == (minor == left), (earlier, minor)
    journal_over = _journal_allows(
        till.repo.record_refund_intent, p.id, "RFD-OVER", Money(left + 1, "SGD"), **WHO
    )
    journal_exact = _journal_allows(
        till.repo.record_refund_intent, p.id, "RFD-EXACT", Money(left, "SGD"), **WHO
    )
    assert (journal_over, journal_exact) == (False, True)
