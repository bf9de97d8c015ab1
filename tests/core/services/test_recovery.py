"""Recovery at start-up: what a crash left behind is asked about, never re-sent as new."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from posapp.app import Backend
from posapp.core.antom.messages import CaptureMode as AntomCaptureMode
from posapp.core.antom.messages import CaptureRequest, PayRequest, RefundRequest
from posapp.core.antom.notifications import parse_notification
from posapp.core.domain import (
    CaptureMode,
    EventKind,
    NewPayment,
    OperationStatus,
    Payment,
    PaymentStatus,
    PaymentUpdate,
)
from posapp.core.ids import new_request_id
from posapp.core.money import Money
from posapp.core.services.settle import PAYMENT_EXPIRY, apply_notification

from .conftest import approval, card, fresh, journal_approval, later, pay


def _intent(backend: Backend, minor: int = 1500) -> Payment:
    c = card()
    return backend.repo.record_intent(
        NewPayment(
            reference_order_id=backend.checkout.new_reference(),
            payment_request_id=new_request_id("PAY"),
            amount=Money(minor, "SGD"),
            capture_mode=CaptureMode.MANUAL,
            card=c.masked(),
            operator="cashier",
            terminal_id="TILL-01",
            order_description="crash test",
            expires_at=datetime.now(UTC) + PAYMENT_EXPIRY,  # what checkout journals
        )
    )


def _send_pay(backend: Backend, p: Payment) -> None:
    """What the till did before it died: the request left, the answer was never journaled."""
    response = backend.client.pay(
        PayRequest(
            payment_request_id=p.payment_request_id,
            amount=p.amount,
            card=card(),
            reference_order_id=p.reference_order_id,
            order_description=p.order_description,
            capture_mode=AntomCaptureMode.MANUAL,
            redirect_url="https://shop.example/back",
        )
    )
    assert response.result is not None and response.result.code == "SUCCESS"


def _pay_requests(backend: Backend, p: Payment) -> int:
    return sum(
        1
        for e in backend.repo.events_for_payment(p.id)
        if e.kind is EventKind.REQUEST_SENT and e.api == "pay"
    )


def test_intent_never_sent_becomes_not_sent_and_is_not_resent(backend: Backend) -> None:
    p = _intent(backend)
    early = backend.recover()  # before its expiry the request may still arrive
    assert fresh(backend, p).status is PaymentStatus.INTENT and early.unresolved == 1
    later(backend)
    report = backend.recover()
    assert fresh(backend, p).status is PaymentStatus.NOT_SENT
    assert report.checked == 1 and report.unresolved == 0
    assert _pay_requests(backend, p) == 0
    assert backend.sandbox.ledger().order(p.reference_order_id).payments == 0


def test_intent_that_reached_antom_is_recovered(backend: Backend) -> None:
    p = _intent(backend)
    _send_pay(backend, p)
    backend.recover()
    after = fresh(backend, p)
    assert after.status is PaymentStatus.AUTHORISED and after.payment_id
    assert backend.sandbox.ledger().order(p.reference_order_id).authorised == p.amount.minor


def test_not_sent_that_arrived_later_is_found_by_the_next_recovery(backend: Backend) -> None:
    p = _intent(backend)
    later(backend)
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.NOT_SENT
    _send_pay(backend, p)  # the request was still in flight during the first recovery
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.AUTHORISED


def test_capture_journaled_but_never_sent_is_sent_with_the_same_id(backend: Backend) -> None:
    p = pay(backend).payment
    capture_id = new_request_id("CAP")
    journal_approval(backend, "capture", p, capture_id)
    backend.repo.record_capture_intent(p.id, capture_id, operator="m", terminal_id="TILL-01")
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    captures = backend.repo.captures_for(p.id)
    assert [(c.capture_request_id, c.status) for c in captures] == [
        (capture_id, OperationStatus.SUCCEEDED)
    ]
    assert backend.sandbox.ledger().order(p.reference_order_id).captured == p.amount.minor


def test_capture_sent_but_answer_lost_is_not_captured_twice(backend: Backend) -> None:
    p = pay(backend).payment
    capture_id = new_request_id("CAP")
    journal_approval(backend, "capture", p, capture_id)
    backend.repo.record_capture_intent(p.id, capture_id, operator="m", terminal_id="TILL-01")
    assert p.payment_id
    backend.client.capture(CaptureRequest(capture_id, p.payment_id, p.amount))
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    entry = backend.sandbox.ledger().order(p.reference_order_id)
    assert (entry.captured, entry.held) == (p.amount.minor, 0)


def test_refund_journaled_but_never_sent_is_sent_with_the_same_id(backend: Backend) -> None:
    p = pay(backend).payment
    backend.backoffice.capture(p, approval(backend))
    refund_id = new_request_id("RFD")
    journal_approval(backend, "refund", p, refund_id, Money(400, "SGD"))
    backend.repo.record_refund_intent(
        p.id, refund_id, Money(400, "SGD"), operator="m", terminal_id="TILL-01"
    )
    report = backend.recover()
    assert report.refunds_checked == 1
    assert [(r.refund_request_id, r.status) for r in backend.repo.refunds_for(p.id)] == [
        (refund_id, OperationStatus.SUCCEEDED)
    ]
    assert backend.sandbox.ledger().order(p.reference_order_id).refunded == 400


def test_refund_sent_but_answer_lost(backend: Backend) -> None:
    p = pay(backend).payment
    backend.backoffice.capture(p, approval(backend))
    refund_id = new_request_id("RFD")
    journal_approval(backend, "refund", p, refund_id, Money(400, "SGD"))
    backend.repo.record_refund_intent(
        p.id, refund_id, Money(400, "SGD"), operator="m", terminal_id="TILL-01"
    )
    assert p.payment_id
    backend.client.refund(RefundRequest(refund_id, p.payment_id, Money(400, "SGD")))
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.PARTIALLY_REFUNDED
    assert backend.sandbox.ledger().order(p.reference_order_id).refunded == 400


def test_antom_unreachable_leaves_things_open_for_the_poller(backend: Backend) -> None:
    p = _intent(backend)
    _send_pay(backend, p)
    backend.sandbox.faults.add("*/inquiryPayment", "http_error", status=503)
    report = backend.recover()
    assert fresh(backend, p).status is PaymentStatus.INTENT
    assert report.unresolved == 1
    backend.sandbox.faults.clear()
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.AUTHORISED


def test_start_runs_recovery_then_the_poller(backend: Backend) -> None:
    p = _intent(backend)
    later(backend)
    backend.start()
    assert backend.recovered.wait(10)
    assert fresh(backend, p).status is PaymentStatus.NOT_SENT
    assert backend.last_recovery is not None
    deadline = time.monotonic() + 10
    while not backend.poller.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend.poller.running
    backend.close()
    assert not backend.poller.running


def test_recovery_leaves_this_tills_payment_on_the_wire_alone(backend: Backend) -> None:
    p = _intent(backend)
    backend.checkout.in_flight.add(p.payment_request_id)  # checkout is sending it right now
    try:
        report = backend.recover()
    finally:
        backend.checkout.in_flight.discard(p.payment_request_id)
    assert report.checked == 0
    assert fresh(backend, p).status is PaymentStatus.INTENT
    later(backend)
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.NOT_SENT


def test_a_late_answer_about_the_authorisation_does_not_undo_a_requested_capture(
    backend: Backend,
) -> None:
    """A notifyPayment or inquiry read before a capture was journaled must not move the
    payment back from CAPTURE_PENDING to AUTHORISED (the capture would be orphaned)."""
    snapshot = pay(backend).payment
    assert snapshot.status is PaymentStatus.AUTHORISED
    capture_id = new_request_id("CAP")
    journal_approval(backend, "capture", snapshot, capture_id)
    backend.repo.record_capture_intent(snapshot.id, capture_id, operator="m", terminal_id="TILL-01")
    kept = backend.settler.move(
        snapshot, None, PaymentUpdate(result_code="SUCCESS"), reason="late notifyPayment"
    )
    assert kept.status is PaymentStatus.CAPTURE_PENDING
    backend.recover()
    assert fresh(backend, snapshot).status is PaymentStatus.CAPTURED
    assert backend.sandbox.ledger().order(snapshot.reference_order_id).captured == (
        snapshot.amount.minor
    )


def test_a_notification_read_before_the_capture_does_not_undo_it(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listener read the payment while it was still INTENT (the notifyPayment outran
    the pay answer), then the till applied the answer and journaled a capture before the
    listener wrote: the authorisation it reports must not undo the capture (this orphaned
    the capture under load in CI: payment back to AUTHORISED, capture never sent)."""
    p = _intent(backend)
    read_by_the_listener = fresh(backend, p)
    _send_pay(backend, p)
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.AUTHORISED
    capture_id = new_request_id("CAP")
    journal_approval(backend, "capture", p, capture_id)
    backend.repo.record_capture_intent(p.id, capture_id, operator="m", terminal_id="TILL-01")
    held = fresh(backend, p)
    note = parse_notification(
        {
            "notifyType": "PAYMENT_RESULT",
            "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
            "paymentRequestId": p.payment_request_id,
            "paymentId": held.payment_id,
            "paymentAmount": {"currency": "SGD", "value": str(p.amount.minor)},
        }
    )
    monkeypatch.setattr(backend.repo, "payment_by_request_id", lambda _prid: read_by_the_listener)
    kept = apply_notification(backend.settler, note)
    assert kept is not None and kept.status is PaymentStatus.CAPTURE_PENDING
    assert fresh(backend, p).status is PaymentStatus.CAPTURE_PENDING
    backend.recover()
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    assert [(c.capture_request_id, c.status) for c in backend.repo.captures_for(p.id)] == [
        (capture_id, OperationStatus.SUCCEEDED)
    ]
