"""One successful payment per order, enforced after the fact: a second successful payment for
one referenceOrderId is found whichever way it settles (checkout's answer, the poller, a
notification, recovery), journaled once, and a manager undoes the extra one in one step
(cancel a hold, refund a capture in full) against the embedded sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posapp.app import Backend
from posapp.core.domain import Event, EventKind, Payment, PaymentStatus
from posapp.core.services.backoffice import BackOfficeError

from .conftest import MAGIC_REFUND_SLOW, MAGIC_SLOW, approval, drain, fresh, pay

MASTERCARD_OK = "5162774114974622"


def _found(backend: Backend) -> list[Event]:
    return [e for e in backend.repo.events() if e.kind is EventKind.DUPLICATE_FOUND]


def _undo_stages(backend: Backend, p: Payment) -> list[str]:
    return [
        str(e.detail["stage"])
        for e in backend.repo.events_of_kind_for_payment(p.id, EventKind.DUPLICATE_UNDO)
    ]


def _named(event: Event) -> list[str]:
    return [str(p["paymentRequestId"]) for p in event.detail["payments"]]


def _charged_twice(backend: Backend, *, hold: bool = True) -> tuple[Payment, Payment]:
    """Two successful payments for one order: the cashier answered "charge again"."""
    first = pay(backend, hold=hold).payment
    second = pay(
        backend, MASTERCARD_OK, hold=hold, reference=first.reference_order_id, confirm=True
    ).payment
    return fresh(backend, first), fresh(backend, second)


# -- found, once, from every source ----------------------------------------------------------
def test_checkouts_own_answer_finds_the_second_payment_and_journals_it_once(
    polled_backend: Backend,
) -> None:
    # no notification listener: only checkout's own answer can have settled it
    backend = polled_backend
    first, second = _charged_twice(backend)
    assert first.status is second.status is PaymentStatus.AUTHORISED
    found = _found(backend)
    assert len(found) == 1
    assert found[0].payment == second.id  # the payment that made it two carries the row
    assert _named(found[0]) == [first.payment_request_id, second.payment_request_id]
    assert found[0].detail["reference_order_id"] == first.reference_order_id
    assert found[0].detail["seen_by"] == "authorised"
    # polls and inquiries of both payments later: still one row
    for p in (first, second):
        backend.settler.settle_payment(fresh(backend, p), not_found_means_not_sent=False)
        backend.settler.duplicates.check(fresh(backend, p), source="test")
    assert len(_found(backend)) == 1
    assert backend.duplicates.open_orders() == [first.reference_order_id]
    assert backend.repo.verify().ok


def test_an_order_paid_once_is_no_duplicate(backend: Backend) -> None:
    p = pay(backend).payment
    declined = pay(backend, "4054692760174822", reference=p.reference_order_id).payment
    assert declined.status is PaymentStatus.DECLINED
    assert _found(backend) == []
    assert backend.duplicates.count_open() == 0


def test_the_poller_finds_a_second_payment_approved_later(polled_backend: Backend) -> None:
    backend = polled_backend
    first = pay(backend).payment
    slow = pay(backend, MAGIC_SLOW, cvv="000", reference=first.reference_order_id).payment
    assert slow.status is PaymentStatus.PENDING and _found(backend) == []
    backend.sandbox.clock.advance(timedelta(seconds=5))
    assert drain(backend) == []
    assert backend.poller.passes >= 1
    assert fresh(backend, slow).status is PaymentStatus.AUTHORISED
    found = _found(backend)
    assert len(found) == 1 and found[0].payment == slow.id
    assert found[0].detail["seen_by"] == "authorised (inquiry)"
    for _ in range(3):  # further polls of the order find nothing new to record
        backend.poller.watch(fresh(backend, slow))
        backend.poller.poll_once()
    assert len(_found(backend)) == 1


def test_a_notification_finds_a_second_payment(backend: Backend) -> None:
    first = pay(backend).payment
    slow = pay(backend, MAGIC_SLOW, cvv="000", reference=first.reference_order_id).payment
    assert slow.status is PaymentStatus.PENDING
    backend.sandbox.clock.advance(timedelta(seconds=5))
    assert backend.sandbox.wait_notifications(5)
    assert backend.poller.passes == 0  # only the notification could have settled it
    assert fresh(backend, slow).status is PaymentStatus.AUTHORISED
    found = _found(backend)
    assert len(found) == 1 and found[0].detail["seen_by"] == "notifyPayment"
    assert _named(found[0]) == [first.payment_request_id, slow.payment_request_id]


def test_recovery_finds_a_second_payment(polled_backend: Backend) -> None:
    backend = polled_backend
    first = pay(backend, hold=False).payment
    slow = pay(
        backend, MAGIC_SLOW, cvv="000", hold=False, reference=first.reference_order_id
    ).payment
    backend.sandbox.clock.advance(timedelta(seconds=5))
    backend.recover()
    assert fresh(backend, slow).status.holds_money
    found = _found(backend)
    assert len(found) == 1 and found[0].payment == slow.id
    backend.recover()
    assert len(_found(backend)) == 1


# -- undone in one step ----------------------------------------------------------------------
def test_undo_a_held_duplicate_cancels_the_later_one_once(backend: Backend) -> None:
    first, second = _charged_twice(backend)
    ref = first.reference_order_id
    order = backend.duplicates.order(ref)
    assert order is not None and order.extra.id == second.id  # the later one by default
    assert backend.sandbox.ledger().order(ref).held == 2 * 1250
    result = backend.duplicates.undo(order.extra, approval(backend))
    assert result.ok is True
    assert fresh(backend, second).status is PaymentStatus.CANCELLED
    assert fresh(backend, first).status is PaymentStatus.AUTHORISED
    entry = backend.sandbox.ledger().order(ref)
    assert (entry.held, entry.cancelled) == (1250, 1250)
    assert _undo_stages(backend, second) == ["requested", "done"]
    undo = backend.repo.events_of_kind_for_payment(second.id, EventKind.DUPLICATE_UNDO)[0]
    assert undo.detail["action"] == "cancel"
    assert [k["paymentRequestId"] for k in undo.detail["kept"]] == [first.payment_request_id]
    assert backend.duplicates.open_orders() == []
    # a second click: nothing more is sent, the kept payment is never given back
    with pytest.raises(BackOfficeError, match="nothing to undo"):
        backend.duplicates.undo(second, approval(backend))
    with pytest.raises(BackOfficeError, match="no other successful payment"):
        backend.duplicates.undo(first, approval(backend))
    entry = backend.sandbox.ledger().order(ref)
    assert (entry.held, entry.cancelled) == (1250, 1250)
    assert fresh(backend, first).status is PaymentStatus.AUTHORISED
    assert backend.repo.verify().ok


def test_undo_a_captured_duplicate_refunds_it_in_full(backend: Backend) -> None:
    first, second = _charged_twice(backend, hold=False)
    assert drain(backend) == []
    first, second = fresh(backend, first), fresh(backend, second)
    assert first.status is second.status is PaymentStatus.CAPTURED
    ref = first.reference_order_id
    # the manager picks the earlier one this time
    result = backend.duplicates.undo(first, approval(backend))
    assert result.ok is True
    assert fresh(backend, first).status is PaymentStatus.REFUNDED
    assert fresh(backend, second).status is PaymentStatus.CAPTURED
    entry = backend.sandbox.ledger().order(ref)
    assert (entry.captured, entry.refunded, entry.net) == (2500, 1250, 1250)
    refunds = backend.repo.refunds_for(first.id)
    assert len(refunds) == 1 and refunds[0].amount.minor == 1250
    assert "Duplicate payment" in refunds[0].reason
    assert _undo_stages(backend, first) == ["requested", "done"]
    with pytest.raises(BackOfficeError):
        backend.duplicates.undo(first, approval(backend))
    with pytest.raises(BackOfficeError):
        backend.duplicates.undo(second, approval(backend))
    assert backend.sandbox.ledger().order(ref).refunded == 1250
    assert backend.duplicates.count_open() == 0


def test_a_refund_still_in_process_is_not_sent_twice(backend: Backend) -> None:
    first = pay(backend, hold=False).payment
    second = pay(backend, MAGIC_REFUND_SLOW, hold=False, reference=first.reference_order_id).payment
    assert drain(backend) == []
    result = backend.duplicates.undo(second, approval(backend))
    assert result.ok is None  # REFUND_IN_PROCESS: being confirmed
    with pytest.raises(BackOfficeError, match="already being given back"):
        backend.duplicates.undo(second, approval(backend))
    # nor may the other one go while this one is on its way back
    with pytest.raises(BackOfficeError, match="no other successful payment"):
        backend.duplicates.undo(first, approval(backend))
    assert len(backend.repo.refunds_for(second.id)) == 1
    backend.sandbox.clock.advance(timedelta(seconds=6))
    assert drain(backend) == []
    assert fresh(backend, second).status is PaymentStatus.REFUNDED
    assert backend.sandbox.ledger().order(first.reference_order_id).refunded == 1250
    assert backend.duplicates.open_orders() == []


def test_a_wrong_approval_sends_nothing_and_the_undo_can_be_tried_again(
    backend: Backend,
) -> None:
    first, second = _charged_twice(backend)
    used = approval(backend)
    backend.duplicates.undo(second, used)  # fine
    third = pay(backend, reference=first.reference_order_id).payment
    with pytest.raises(BackOfficeError, match="not valid"):
        backend.duplicates.undo(third, used)  # single-use approval
    assert _undo_stages(backend, third) == ["requested", "refused"]
    assert fresh(backend, third).status is PaymentStatus.AUTHORISED
    result = backend.duplicates.undo(third, approval(backend))
    assert result.ok is True
    assert backend.sandbox.ledger().order(first.reference_order_id).held == 1250


class _Stop(BaseException):
    """The till stopping between two writes (not an error anything may catch)."""


def test_the_flag_is_written_with_the_state_change_or_not_at_all(
    polled_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = polled_backend
    first = pay(backend).payment
    slow = pay(backend, MAGIC_SLOW, cvv="000", reference=first.reference_order_id).payment
    backend.sandbox.clock.advance(timedelta(seconds=5))
    watch = backend.settler.duplicates
    real = watch.repo.record_event

    def stop_at_the_flag(kind: EventKind, **kwargs: object) -> Event:
        if kind is EventKind.DUPLICATE_FOUND:
            raise _Stop
        return real(kind, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch.repo, "record_event", stop_at_the_flag)
    with pytest.raises(_Stop):
        backend.settler.settle_payment(slow, not_found_means_not_sent=False)
    # neither the authorisation nor the flag: the next settlement writes both
    assert fresh(backend, slow).status is PaymentStatus.PENDING and _found(backend) == []
    monkeypatch.undo()
    backend.settler.settle_payment(fresh(backend, slow), not_found_means_not_sent=False)
    assert fresh(backend, slow).status is PaymentStatus.AUTHORISED
    assert len(_found(backend)) == 1
    assert backend.repo.verify().ok
