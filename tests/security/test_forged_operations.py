"""Issue 10, item 1: operations forged in the journal are never sent to Antom.

Each test makes a real payment on the embedded sandbox, closes the till, adds a capture,
refund or cancel to the journal with a SQLite connection of its own (as the sqlite3 shell
would), and starts the till again: recovery must not send it (the sandbox's ledger shows
no money moved), must journal a SECURITY event, and must leave the operation refused
("refused: no valid approval"). On the code before the keyed approvals every one of these
was sent.
"""

from __future__ import annotations

from pathlib import Path

from posapp.core.domain import EventKind, OperationStatus, PaymentStatus
from posapp.core.ids import new_request_id
from posapp.core.money import Money
from posapp.core.services.settle import NO_VALID_APPROVAL, NO_VALID_APPROVAL_REASON
from posapp.core.usertext import from_record
from posapp.ui.models.payment_fields import status_explained
from posapp.ui.views.payment_details import describe_event
from tests.core.services.conftest import approval, fresh, pay

from .conftest import query, shell, till, verify


def _refusals(backend, payment_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        e.detail
        for e in backend.repo.events_for_payment(payment_id)
        if e.kind is EventKind.SECURITY
        and from_record(e.detail.get("reason")) == NO_VALID_APPROVAL_REASON
    ]


def _now_ms(data: Path) -> int:
    return int(query(data, "SELECT max(updated_ms) FROM payments")[0][0])


def _forge_refund(data: Path, payment: int, request_id: str, minor: int) -> None:
    at = _now_ms(data)
    shell(
        data,
        (
            "INSERT INTO refunds (payment, refund_request_id, amount_minor, currency, status, "
            "reason, operator, terminal_id, created_ms, updated_ms) "
            "VALUES (?, ?, ?, 'SGD', 'INTENT', '', 'manager', 'TILL-01', ?, ?)",
            (payment, request_id, minor, at, at),
        ),
    )


def test_forged_refund_intent_row_is_never_sent(data_dir: Path) -> None:
    with till(data_dir) as backend:
        p = pay(backend, minor=1250).payment
        assert backend.backoffice.capture(p, approval(backend)).ok
    forged = new_request_id("RFD")
    _forge_refund(data_dir, p.id, forged, 1250)

    with till(data_dir) as backend:
        report = backend.recover()
        assert report.refunds_checked == 1
        entry = backend.sandbox.ledger().order(p.reference_order_id)
        assert (entry.captured, entry.refunded, entry.refunding) == (1250, 0, 0)
        refund = backend.repo.get_refund(forged)
        assert refund is not None and refund.status is OperationStatus.FAILED
        assert refund.result_code == NO_VALID_APPROVAL
        assert fresh(backend, p).status is PaymentStatus.CAPTURED
        [event] = _refusals(backend, p.id)
        assert event["action"] == "refund" and event["amount"]["value"] == "1250"
        assert "no manager approval" in event["problem"]
        # the poller finds nothing left to (re)send either
        assert backend.repo.refunds_needing_settlement() == []
    # and `journal verify` names the forged row (it said OK before)
    result = verify(data_dir)
    assert result.returncode == 1 and f"refund {forged} of payment {p.id}" in result.stderr


def test_forged_capture_row_and_capture_pending_are_never_sent(data_dir: Path) -> None:
    with till(data_dir) as backend:
        p = pay(backend, minor=1250).payment
        assert fresh(backend, p).status is PaymentStatus.AUTHORISED
    forged = new_request_id("CAP")
    at = _now_ms(data_dir)
    shell(
        data_dir,
        (
            "INSERT INTO captures (payment, capture_request_id, amount_minor, currency, status, "
            "operator, terminal_id, created_ms, updated_ms) "
            "VALUES (?, ?, 1250, 'SGD', 'INTENT', 'manager', 'TILL-01', ?, ?)",
            (p.id, forged, at, at),
        ),
        ("UPDATE payments SET status = 'CAPTURE_PENDING' WHERE id = ?", (p.id,)),
    )

    with till(data_dir) as backend:
        backend.recover()
        entry = backend.sandbox.ledger().order(p.reference_order_id)
        assert (entry.captured, entry.capturing, entry.held) == (0, 0, 1250)
        capture = backend.repo.get_capture(forged)
        assert capture is not None and capture.status is OperationStatus.FAILED
        assert capture.result_code == NO_VALID_APPROVAL
        assert fresh(backend, p).status is PaymentStatus.AUTHORISED
        assert [e["action"] for e in _refusals(backend, p.id)] == ["capture"]
    result = verify(data_dir)
    assert result.returncode == 1 and f"payment {p.id}" in result.stderr


def test_forged_cancel_pending_is_never_sent(data_dir: Path) -> None:
    with till(data_dir) as backend:
        p = pay(backend, minor=1250).payment
    shell(data_dir, ("UPDATE payments SET status = 'CANCEL_PENDING' WHERE id = ?", (p.id,)))

    with till(data_dir) as backend:
        backend.recover()
        entry = backend.sandbox.ledger().order(p.reference_order_id)
        assert (entry.cancelled, entry.held) == (0, 1250)
        after = fresh(backend, p)
        assert after.status is PaymentStatus.AUTHORISED
        assert after.result_code == NO_VALID_APPROVAL
        assert [e["action"] for e in _refusals(backend, p.id)] == ["cancel"]
        # what a manager sees in Orders: the status line and the timeline
        assert "refused: no valid approval" in status_explained(after)
        lines = [describe_event(e) for e in backend.repo.events_for_payment(p.id)]
        assert "Refused: no valid approval" in lines
        # a manager can still cancel it the proper way
        assert backend.backoffice.cancel(after, approval(backend)).ok
        assert backend.sandbox.ledger().order(p.reference_order_id).cancelled == 1250


def test_an_approval_for_another_amount_does_not_carry_over(data_dir: Path) -> None:
    """A genuine approval (a refund of 4.00 whose till died before journaling the refund)
    does not let a forged refund of the whole 12.50 under the same request id go out."""
    with till(data_dir) as backend:
        p = pay(backend, minor=1250).payment
        assert backend.backoffice.capture(p, approval(backend)).ok
        request_id = new_request_id("RFD")
        backend.repo.record_approval(
            "refund",
            fresh(backend, p),
            request_id,
            Money(400, "SGD"),
            manager="manager",
            terminal_id="TILL-01",
            approved_at=backend.clock.now(),
        )
    _forge_refund(data_dir, p.id, request_id, 1250)

    with till(data_dir) as backend:
        backend.recover()
        assert backend.sandbox.ledger().order(p.reference_order_id).refunded == 0
        refund = backend.repo.get_refund(request_id)
        assert refund is not None and refund.result_code == NO_VALID_APPROVAL
        [event] = _refusals(backend, p.id)
        assert "does not verify" in event["problem"]


def test_a_copied_approval_row_does_not_approve_another_payment(data_dir: Path) -> None:
    """The approvals row of a real capture, re-pointed at another held payment together
    with a forged capture: its MAC names the first payment, so nothing is sent."""
    with till(data_dir) as backend:
        first = pay(backend, minor=1250).payment
        second = pay(backend, minor=1250).payment
        assert backend.backoffice.capture(first, approval(backend)).ok
    [(request_id,)] = query(
        data_dir, "SELECT capture_request_id FROM captures WHERE payment = ?", (first.id,)
    )
    forged = new_request_id("CAP")
    at = _now_ms(data_dir)
    shell(
        data_dir,
        (
            "INSERT INTO approvals (action, payment, request_id, amount_minor, currency, "
            "manager, approved_ms, mac) SELECT action, ?, ?, amount_minor, currency, manager, "
            "approved_ms, mac FROM approvals WHERE request_id = ?",
            (second.id, forged, request_id),
        ),
        (
            "INSERT INTO captures (payment, capture_request_id, amount_minor, currency, status, "
            "operator, terminal_id, created_ms, updated_ms) "
            "VALUES (?, ?, 1250, 'SGD', 'INTENT', 'manager', 'TILL-01', ?, ?)",
            (second.id, forged, at, at),
        ),
        ("UPDATE payments SET status = 'CAPTURE_PENDING' WHERE id = ?", (second.id,)),
    )

    with till(data_dir) as backend:
        backend.recover()
        assert backend.sandbox.ledger().order(second.reference_order_id).captured == 0
        assert fresh(backend, second).status is PaymentStatus.AUTHORISED
        [event] = _refusals(backend, second.id)
        assert "does not verify" in event["problem"]


def test_the_poller_does_not_send_a_forged_refund_either(data_dir: Path) -> None:
    """Forged while the till runs: the poller's next pass refuses it the same way."""
    with till(data_dir) as backend:
        p = pay(backend, minor=1250).payment
        assert backend.backoffice.capture(p, approval(backend)).ok
        forged = new_request_id("RFD")
        _forge_refund(data_dir, p.id, forged, 600)
        backend.poller.poll_once()
        assert backend.sandbox.ledger().order(p.reference_order_id).refunded == 0
        refund = backend.repo.get_refund(forged)
        assert refund is not None and refund.result_code == NO_VALID_APPROVAL
        assert len(_refusals(backend, p.id)) == 1
