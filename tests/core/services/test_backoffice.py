"""Back office against the embedded sandbox: capture, cancel, refunds, approvals, 7 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posapp.app import Backend
from posapp.core.clock import FakeClock
from posapp.core.domain import EventKind, OperationStatus, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.backoffice import BackOfficeError
from posapp.core.services.pin import WrongPin

from .conftest import (
    MAGIC_CAPTURE_SLOW,
    MAGIC_REFUND_SLOW,
    approval,
    drain,
    fresh,
    make_backend,
    pay,
)


def test_capture_a_hold(backend: Backend) -> None:
    p = pay(backend).payment
    result = backend.backoffice.capture(p, approval(backend))
    assert result.ok is True and result.payment.status is PaymentStatus.CAPTURED
    assert [c.status for c in backend.repo.captures_for(p.id)] == [OperationStatus.SUCCEEDED]
    entry = backend.sandbox.ledger().order(p.reference_order_id)
    assert (entry.captured, entry.held) == (1250, 0)
    kinds = [e.kind for e in backend.repo.events_for_payment(p.id)]
    assert EventKind.APPROVAL in kinds
    # the capture request id was journaled before it was sent
    events = backend.repo.events_for_payment(p.id)
    intent = next(i for i, e in enumerate(events) if e.api == "capture" and e.to_status == "INTENT")
    sent = next(
        i for i, e in enumerate(events) if e.kind is EventKind.REQUEST_SENT and e.api == "capture"
    )
    assert intent < sent


def test_each_action_needs_an_approval_and_approvals_are_single_use(backend: Backend) -> None:
    p = pay(backend).payment
    a = approval(backend)
    backend.backoffice.capture(p, a)
    p2 = pay(backend, minor=990).payment
    with pytest.raises(BackOfficeError, match="not valid"):
        backend.backoffice.capture(p2, a)
    assert fresh(backend, p2).status is PaymentStatus.AUTHORISED


def test_wrong_pin_is_refused_and_journaled(backend: Backend) -> None:
    with pytest.raises(WrongPin):
        backend.backoffice.approve("9999")
    security = [e for e in backend.repo.events() if e.kind is EventKind.SECURITY]
    assert security and security[-1].detail["approval"] == "refused"


def test_cancel_a_hold_and_not_a_captured_payment(backend: Backend) -> None:
    held = pay(backend).payment
    result = backend.backoffice.cancel(held, approval(backend))
    assert result.ok is True and result.payment.status is PaymentStatus.CANCELLED
    assert backend.sandbox.ledger().order(held.reference_order_id).cancelled == 1250
    sold = pay(backend, minor=700).payment
    backend.backoffice.capture(sold, approval(backend))
    with pytest.raises(BackOfficeError, match="refund it instead"):
        backend.backoffice.cancel(sold, approval(backend))


def test_partial_and_multiple_refunds_up_to_the_captured_amount(backend: Backend) -> None:
    p = pay(backend, minor=1000).payment
    backend.backoffice.capture(p, approval(backend))
    a = approval(backend, uses=3)
    r1 = backend.backoffice.refund(p, Money(300, "SGD"), a, reason="one cup cold")
    assert r1.ok is True and r1.payment.status is PaymentStatus.PARTIALLY_REFUNDED
    with pytest.raises(BackOfficeError, match=r"At most SGD 7\.00"):
        backend.backoffice.refund(p, Money(701, "SGD"), a)
    r2 = backend.backoffice.refund(p, Money(700, "SGD"), a)
    assert r2.ok is True and r2.payment.status is PaymentStatus.REFUNDED
    assert r2.payment.refunded.minor == 1000
    entry = backend.sandbox.ledger().order(p.reference_order_id)
    assert (entry.refunded, entry.net) == (1000, 0)
    with pytest.raises(BackOfficeError):
        backend.backoffice.refund(p, Money(1, "SGD"), approval(backend))


def test_refund_needs_a_captured_payment(backend: Backend) -> None:
    p = pay(backend).payment
    with pytest.raises(BackOfficeError, match="captured"):
        backend.backoffice.refund(p, Money(100, "SGD"), approval(backend))


@pytest.fixture
def clocked(data_dir: Path) -> Iterator[tuple[Backend, FakeClock]]:
    clock = FakeClock(datetime.now(UTC))
    b = make_backend(data_dir, clock=clock)
    try:
        yield b, clock
    finally:
        b.close()


def test_capture_past_the_seven_day_window_is_refused_clearly(
    clocked: tuple[Backend, FakeClock],
) -> None:
    backend, clock = clocked
    p = pay(backend).payment
    assert p.capture_deadline is not None
    clock.advance(timedelta(days=7, minutes=1))
    with pytest.raises(BackOfficeError, match="7-day window"):
        backend.backoffice.capture(p, approval(backend))
    # the sandbox lets the hold lapse too; the till marks it RELEASED
    backend.sandbox.clock.advance(timedelta(days=7, minutes=2))
    released = backend.settler.release_expired_holds()
    assert [r.status for r in released] == [PaymentStatus.RELEASED]
    assert backend.sandbox.ledger().order(p.reference_order_id).released == 1250


def test_held_list_sorts_by_time_left(clocked: tuple[Backend, FakeClock]) -> None:
    backend, _clock = clocked
    first = pay(backend, minor=100).payment
    backend.sandbox.clock.advance(timedelta(hours=1))
    second = pay(backend, minor=200).payment
    held = backend.backoffice.held()
    assert [p.id for p in held] == [first.id, second.id]


def test_capture_in_process_is_settled_by_the_poller(polled_backend: Backend) -> None:
    backend = polled_backend
    p = pay(backend, MAGIC_CAPTURE_SLOW).payment
    result = backend.backoffice.capture(p, approval(backend))
    assert result.ok is None and result.payment.status is PaymentStatus.CAPTURE_PENDING
    backend.sandbox.clock.advance(timedelta(seconds=6))
    drain(backend)
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    assert [c.status for c in backend.repo.captures_for(p.id)] == [OperationStatus.SUCCEEDED]


def test_refund_in_process_is_settled_by_inquiry_refund(polled_backend: Backend) -> None:
    backend = polled_backend
    p = pay(backend, MAGIC_REFUND_SLOW).payment
    backend.backoffice.capture(p, approval(backend))
    result = backend.backoffice.refund(p, Money(500, "SGD"), approval(backend))
    assert result.ok is None
    backend.sandbox.clock.advance(timedelta(seconds=6))
    drain(backend)
    assert [r.status for r in backend.repo.refunds_for(p.id)] == [OperationStatus.SUCCEEDED]
    assert fresh(backend, p).status is PaymentStatus.PARTIALLY_REFUNDED


def test_capture_answer_lost_is_resolved_without_a_second_capture(polled_backend: Backend) -> None:
    backend = polled_backend
    p = pay(backend).payment
    backend.sandbox.faults.add("*/capture", "reset_after", times=10)
    result = backend.backoffice.capture(p, approval(backend))
    assert result.ok is None
    backend.sandbox.faults.clear()
    drain(backend)
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    entry = backend.sandbox.ledger().order(p.reference_order_id)
    assert entry.captured == 1250
