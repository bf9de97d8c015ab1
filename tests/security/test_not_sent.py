"""NOT_SENT only on proof (issue 10, item 3).

"Antom does not know this paymentRequestId" proves nothing while the request may still be
on its way: a payment becomes NOT_SENT ("nothing was charged", free to charge again) only
when Antom says ORDER_NOT_EXIST after the payment's expiry plus a margin. And a payment
judged never sent still counts when the cashier is about to charge the same order again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.app import Backend
from posapp.core.antom.messages import CaptureMode as AntomCaptureMode
from posapp.core.antom.messages import PayRequest
from posapp.core.domain import PaymentStatus
from posapp.core.services.checkout import DuplicateSuspected
from posapp.core.services.settle import NOT_SENT_MARGIN, PAYMENT_EXPIRY
from tests.backend_support import drain, fresh, later
from tests.core.services.conftest import card, make_backend, pay, with_settings


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    b = make_backend(tmp_path / "till", with_settings(notify_listener=False))
    b.poller.intent_grace = timedelta(0)
    b.poller.not_found_grace = timedelta(0)
    try:
        yield b
    finally:
        b.close()


def _lost_request(backend: Backend) -> int:
    """A pay whose connection broke before the sandbox read it: a mere timeout."""
    backend.sandbox.faults.add("*/pay", "reset_before", times=10)
    result = pay(backend)
    backend.sandbox.faults.clear()
    assert result.payment.status is PaymentStatus.PENDING
    return result.payment.id


def test_a_timeout_and_not_found_before_expiry_leave_the_payment_pending(
    backend: Backend,
) -> None:
    pid = _lost_request(backend)
    payment = backend.repo.get_payment(pid)
    assert payment is not None
    # the poller and a restart ask, Antom says ORDER_NOT_EXIST, the request could still land
    backend.poller.watch(payment)
    backend.poller.poll_once()
    report = backend.recover()
    assert fresh(backend, payment).status is PaymentStatus.PENDING
    assert report.unresolved == 1
    # a minute before the proof moment: still pending
    later(backend, PAYMENT_EXPIRY + NOT_SENT_MARGIN - timedelta(minutes=1))
    backend.recover()
    assert fresh(backend, payment).status is PaymentStatus.PENDING
    # past it, Antom's "not found" is proof
    later(backend, timedelta(minutes=2))
    backend.recover()
    after = fresh(backend, payment)
    assert after.status is PaymentStatus.NOT_SENT and after.result_code == "ORDER_NOT_EXIST"


def test_no_answer_never_makes_not_sent_even_past_expiry(backend: Backend) -> None:
    pid = _lost_request(backend)
    later(backend)
    backend.sandbox.faults.add("*/inquiryPayment", "http_error", status=503, times=100)
    backend.recover()
    payment = backend.repo.get_payment(pid)
    assert payment is not None and payment.status is PaymentStatus.PENDING


def test_a_request_that_lands_late_is_found_not_written_off(backend: Backend) -> None:
    """Before expiry the poller keeps asking; the request arrives; the payment settles."""
    pid = _lost_request(backend)
    payment = backend.repo.get_payment(pid)
    assert payment is not None
    backend.poller.poll_once()
    assert fresh(backend, payment).status is PaymentStatus.PENDING
    # the "lost" request reaches Antom after all (a queued retry in a proxy)
    backend.client.pay(
        PayRequest(
            payment_request_id=payment.payment_request_id,
            amount=payment.amount,
            card=card(),
            reference_order_id=payment.reference_order_id,
            order_description=payment.order_description,
            capture_mode=AntomCaptureMode.MANUAL,
            redirect_url=backend.checkout.config.redirect_url,
        )
    )
    assert drain(backend) == []
    assert fresh(backend, payment).status is PaymentStatus.AUTHORISED


def test_a_not_sent_attempt_counts_in_the_duplicate_check(backend: Backend) -> None:
    pid = _lost_request(backend)
    later(backend)
    assert drain(backend) == []
    first = backend.repo.get_payment(pid)
    assert first is not None and first.status is PaymentStatus.NOT_SENT
    # the cashier charges the same order again: warned, naming the earlier attempt
    with pytest.raises(DuplicateSuspected) as info:
        pay(backend, reference=first.reference_order_id, confirm=False)
    assert [p.id for p in info.value.payments] == [pid]


def test_the_orders_list_marks_an_order_with_a_doubtful_attempt_beside_a_charge(
    backend: Backend,
) -> None:
    pid = _lost_request(backend)
    later(backend)
    drain(backend)
    first = backend.repo.get_payment(pid)
    assert first is not None and first.status is PaymentStatus.NOT_SENT
    second = pay(backend, reference=first.reference_order_id).payment
    assert second.status is PaymentStatus.AUTHORISED
    assert backend.repo.duplicate_orders([first.reference_order_id]) == {first.reference_order_id}


def test_a_pending_attempt_on_the_same_card_counts(backend: Backend) -> None:
    _lost_request(backend)
    with pytest.raises(DuplicateSuspected):
        pay(backend, confirm=False)  # another order, the same card and amount
