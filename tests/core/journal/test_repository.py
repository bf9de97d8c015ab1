"""Repository writes: intent first, state machine on every change, derived totals, events."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.core.clock import FakeClock
from posapp.core.domain import (
    CaptureMode,
    DomainError,
    EventKind,
    IllegalTransition,
    OperationStatus,
    OperationUpdate,
    PaymentStatus,
    PaymentUpdate,
)
from posapp.core.journal.location import JournalLocation
from posapp.core.journal.repository import JournalRepository, StaleRecord
from posapp.core.money import Money

from .conftest import MC, OP, VISA, authorised, new_payment

P = PaymentStatus


def test_intent_is_journaled_with_an_event(repo: JournalRepository) -> None:
    p = repo.record_intent(new_payment(ref="ORD-A"))
    assert p.status is P.INTENT and p.version == 1
    assert repo.payment_by_request_id(p.payment_request_id) == p
    assert repo.get_payment(p.id) == p
    events = repo.events_for_payment(p.id)
    assert [(e.kind, e.to_status) for e in events] == [(EventKind.STATE_CHANGE, "INTENT")]
    assert events[0].operator == "alice" and events[0].terminal_id == "TILL-01"
    assert repo.payments_needing_settlement() == [p]


def test_intent_survives_a_new_process(journal_location: JournalLocation, clock: FakeClock) -> None:
    first = JournalRepository.open(journal_location, clock=clock)
    p = first.record_intent(new_payment())
    # no close(): as if the process died right after journaling the intent
    second = JournalRepository.open(journal_location, clock=clock)
    try:
        assert second.payment_by_request_id(p.payment_request_id) == p
    finally:
        second.close()
        first.close()


def test_transition_applies_facts_and_sets_the_capture_deadline(
    repo: JournalRepository, clock: FakeClock
) -> None:
    p = repo.record_intent(new_payment())
    p = repo.transition(p.id, P.PENDING, reason="timeout", **OP)
    clock.advance(30)
    p = repo.transition(
        p.id,
        P.AUTHORISED,
        update=PaymentUpdate(
            payment_id="2026PAY1",
            result_code="SUCCESS",
            result_status="S",
            avs_result="Y",
            cvv_result="M",
            network_transaction_id="NTX1",
            authorised_at=clock.now(),
        ),
        **OP,
    )
    assert p.status is P.AUTHORISED and p.version == 3
    assert p.capture_deadline == clock.now() + timedelta(days=7)
    assert (p.avs_result, p.cvv_result, p.network_transaction_id) == ("Y", "M", "NTX1")
    assert repo.payment_by_payment_id("2026PAY1") == p
    changes = [e for e in repo.events_for_payment(p.id) if e.kind is EventKind.STATE_CHANGE]
    assert [(e.from_status, e.to_status) for e in changes] == [
        (None, "INTENT"),
        ("INTENT", "PENDING"),
        ("PENDING", "AUTHORISED"),
    ]
    assert changes[1].detail["reason"] == "timeout"
    assert changes[2].detail["changes"]["payment_id"] == "2026PAY1"


def test_antom_auth_expiry_wins_over_seven_days(repo: JournalRepository, clock: FakeClock) -> None:
    p = repo.record_intent(new_payment())
    expiry = clock.now() + timedelta(days=6, hours=3)
    p = repo.transition(
        p.id,
        P.AUTHORISED,
        update=PaymentUpdate(authorised_at=clock.now(), auth_expiry=expiry),
        **OP,
    )
    assert p.capture_deadline == expiry


def test_illegal_transition_raises_and_writes_nothing(repo: JournalRepository) -> None:
    p = repo.record_intent(new_payment())
    p = repo.transition(p.id, P.DECLINED, update=PaymentUpdate(result_code="DO_NOT_HONOR"), **OP)
    events_before = len(repo.events())
    with pytest.raises(IllegalTransition):
        repo.transition(p.id, P.CAPTURED, update=PaymentUpdate(payment_id="X"), **OP)
    after = repo.get_payment(p.id)
    assert after == p and after is not None and after.payment_id is None
    assert len(repo.events()) == events_before


def test_same_state_with_nothing_new_writes_nothing(repo: JournalRepository) -> None:
    p = repo.transition(repo.record_intent(new_payment()).id, P.PENDING, **OP)
    n = len(repo.events())
    again = repo.transition(p.id, P.PENDING, **OP)
    assert again == p and len(repo.events()) == n
    observed = repo.transition(
        p.id, P.PENDING, update=PaymentUpdate(result_code="PROCESSING"), **OP
    )
    assert observed.version == p.version + 1 and len(repo.events()) == n + 1


def test_stale_version_is_refused(repo: JournalRepository, clock: FakeClock) -> None:
    p = authorised(repo, clock)
    repo.transition(p.id, P.CANCEL_PENDING, expected_version=p.version, **OP)
    with pytest.raises(StaleRecord):
        repo.transition(p.id, P.CANCEL_PENDING, expected_version=p.version, **OP)


def test_capture_full_cycle(repo: JournalRepository, clock: FakeClock) -> None:
    p = authorised(repo, clock)
    c = repo.record_capture_intent(p.id, "CAP-1", **OP)
    assert c.status is OperationStatus.INTENT
    assert repo.get_payment(p.id).status is P.CAPTURE_PENDING  # type: ignore[union-attr]
    assert repo.captures_needing_settlement() == [c]
    repo.update_capture("CAP-1", OperationStatus.PENDING, **OP)
    c = repo.update_capture(
        "CAP-1", OperationStatus.SUCCEEDED, update=OperationUpdate(antom_id="C-9"), **OP
    )
    assert c.status is OperationStatus.SUCCEEDED and c.capture_id == "C-9"
    assert c.completed_at is not None
    paid = repo.get_payment(p.id)
    assert paid is not None and paid.status is P.CAPTURED and paid.captured == p.amount
    assert repo.captures_needing_settlement() == []
    assert repo.captures_for(p.id) == [c]


def test_failed_capture_puts_the_hold_back(repo: JournalRepository, clock: FakeClock) -> None:
    p = authorised(repo, clock)
    repo.record_capture_intent(p.id, "CAP-F", **OP)
    repo.update_capture(
        "CAP-F", OperationStatus.FAILED, update=OperationUpdate(result_code="PROCESS_FAIL"), **OP
    )
    assert repo.get_payment(p.id).status is P.AUTHORISED  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition):
        repo.update_capture("CAP-F", OperationStatus.SUCCEEDED, **OP)


def test_capture_refused_after_seven_days(repo: JournalRepository, clock: FakeClock) -> None:
    p = authorised(repo, clock)
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(DomainError) as info:
        repo.record_capture_intent(p.id, "CAP-LATE", **OP)
    assert "7-day window" in info.value.user_message
    assert repo.get_capture("CAP-LATE") is None
    assert [x.id for x in repo.expired_holds()] == [p.id]


def test_capture_refused_unless_held(repo: JournalRepository) -> None:
    p = repo.record_intent(new_payment())
    with pytest.raises(DomainError, match="not AUTHORISED"):
        repo.record_capture_intent(p.id, "CAP-X", **OP)


def test_auto_capture_records_the_captured_amount(repo: JournalRepository) -> None:
    p = repo.record_intent(new_payment(mode=CaptureMode.AUTOMATIC))
    p = repo.transition(p.id, P.CAPTURED, **OP)
    assert p.captured == p.amount and p.refundable == p.amount


def _captured(repo: JournalRepository, clock: FakeClock, amount: int = 1000):  # type: ignore[no-untyped-def]
    p = authorised(repo, clock, amount=amount)
    repo.record_capture_intent(p.id, f"CAP-{p.id}", **OP)
    repo.update_capture(f"CAP-{p.id}", OperationStatus.SUCCEEDED, **OP)
    return repo.get_payment(p.id)


def test_partial_and_multiple_refunds_up_to_the_captured_amount(
    repo: JournalRepository, clock: FakeClock
) -> None:
    p = _captured(repo, clock, 1000)
    repo.record_refund_intent(p.id, "R1", Money(300, "USD"), reason="damaged", **OP)
    repo.update_refund("R1", OperationStatus.SUCCEEDED, **OP)
    after = repo.get_payment(p.id)
    assert after.status is P.PARTIALLY_REFUNDED and after.refunded == Money(300, "USD")  # type: ignore[union-attr]
    repo.record_refund_intent(p.id, "R2", Money(500, "USD"), **OP)
    # R2 still pending: only 200 is left for a third refund
    with pytest.raises(DomainError) as info:
        repo.record_refund_intent(p.id, "R3", Money(201, "USD"), **OP)
    assert (
        "USD 2.00" in info.value.user_message and "still being processed" in info.value.user_message
    )
    repo.record_refund_intent(p.id, "R3", Money(200, "USD"), **OP)
    repo.update_refund("R2", OperationStatus.SUCCEEDED, **OP)
    repo.update_refund("R3", OperationStatus.SUCCEEDED, **OP)
    done = repo.get_payment(p.id)
    assert done is not None and done.status is P.REFUNDED and done.refunded == Money(1000, "USD")
    assert [r.refund_request_id for r in repo.refunds_for(p.id)] == ["R1", "R2", "R3"]
    with pytest.raises(DomainError):
        repo.record_refund_intent(p.id, "R4", Money(1, "USD"), **OP)


def test_failed_refund_frees_the_amount(repo: JournalRepository, clock: FakeClock) -> None:
    p = _captured(repo, clock, 1000)
    repo.record_refund_intent(p.id, "RF", Money(1000, "USD"), **OP)
    assert [r.refund_request_id for r in repo.refunds_needing_settlement()] == ["RF"]
    repo.update_refund("RF", OperationStatus.FAILED, update=OperationUpdate(result_code="X"), **OP)
    assert repo.get_payment(p.id).status is P.CAPTURED  # type: ignore[union-attr]
    repo.record_refund_intent(p.id, "RF2", Money(1000, "USD"), **OP)


def test_refund_refused_for_uncaptured_or_other_currency(
    repo: JournalRepository, clock: FakeClock
) -> None:
    held = authorised(repo, clock)
    with pytest.raises(DomainError, match="not refundable"):
        repo.record_refund_intent(held.id, "RX", Money(1, "USD"), **OP)
    paid = _captured(repo, clock)
    with pytest.raises(DomainError):
        repo.record_refund_intent(paid.id, "RY", Money(1, "EUR"), **OP)


def test_cancel_flow(repo: JournalRepository, clock: FakeClock) -> None:
    p = authorised(repo, clock)
    repo.transition(p.id, P.CANCEL_PENDING, **OP)
    assert p.id in [x.id for x in repo.payments_needing_settlement()]
    p = repo.transition(p.id, P.CANCELLED, **OP)
    assert p.status.is_final and not p.status.holds_money


def test_requests_and_answers_are_journaled_without_card_data(
    repo: JournalRepository, journal_path: Path
) -> None:
    p = repo.record_intent(new_payment())
    pan, cvv = "4054695723100768", "737"
    body = {
        "paymentRequestId": p.payment_request_id,
        "paymentMethod": {
            "paymentMethodType": "CARD",
            "paymentMethodMetaData": {"cardNo": pan, "cvv": cvv, "expiryMonth": "12"},
        },
        "orderDescription": f"typed by mistake {pan}",
    }
    repo.record_request("pay", body, request_id=p.payment_request_id, payment=p.id, **OP)
    repo.record_response(
        "pay",
        None,
        request_id=p.payment_request_id,
        payment=p.id,
        error="timeout",
        outcome="UNKNOWN",
        **OP,
    )
    kinds = [e.kind for e in repo.events_for_payment(p.id)]
    assert kinds == [EventKind.STATE_CHANGE, EventKind.REQUEST_SENT, EventKind.RESPONSE_RECEIVED]
    sent = repo.events_for_payment(p.id)[1].detail["body"]
    meta = sent["paymentMethod"]["paymentMethodMetaData"]
    assert meta["cardNo"] == "405469******0768" and meta["cvv"] == "[removed]"
    assert pan not in sent["orderDescription"]
    stored = [
        str(row[0])
        for row in repo.journal.db().conn.execute("SELECT detail FROM events").fetchall()
    ]
    assert stored and not any(pan in text for text in stored)
    # the CVV is three digits, which an id or a time can hold by chance: look for it as a
    # value (the field it was sent in, or any other), not as a substring of the text
    raw = [row[0] for row in repo.journal.db().conn.execute("SELECT detail FROM events")]
    values = [v for d in raw for v in _strings(json.loads(d) if isinstance(d, str) else d)]
    assert values and cvv not in values
    if repo.journal.path is not None:  # SQLite: not in the file or its WAL either
        repo.close()
        for suffix in ("", "-wal"):
            f = Path(str(journal_path) + suffix)
            if f.exists():
                assert pan.encode() not in f.read_bytes()


def test_notifications_and_security_events(repo: JournalRepository) -> None:
    good = repo.record_notification(
        "notifyPayment", {"notifyType": "PAYMENT_RESULT"}, verified=True, **OP
    )
    bad = repo.record_notification(
        "notifyPayment", {"notifyType": "PAYMENT_RESULT"}, verified=False, **OP
    )
    assert good.kind is EventKind.NOTIFICATION and bad.kind is EventKind.SECURITY
    assert bad.detail["signature_ok"] is False


def test_duplicate_successful_payments_for_one_order(
    repo: JournalRepository, clock: FakeClock
) -> None:
    first = authorised(repo, clock, ref="ORD-DUP")
    declined = repo.record_intent(new_payment(ref="ORD-DUP"))
    repo.transition(declined.id, P.DECLINED, **OP)
    assert repo.duplicate_orders(["ORD-DUP"]) == set()
    second = authorised(repo, clock, ref="ORD-DUP")
    authorised(repo, clock, ref="ord-dup")  # another order: references are case-sensitive
    assert [p.id for p in repo.successful_payments_for_order("ORD-DUP")] == [first.id, second.id]
    assert repo.duplicate_orders(["ORD-DUP", "ord-dup", "ORD-NONE"]) == {"ORD-DUP"}
    assert len(repo.payments_for_order("ORD-DUP")) == 3


def test_same_card_and_amount_in_the_last_ten_minutes(
    repo: JournalRepository, clock: FakeClock
) -> None:
    p = authorised(repo, clock, amount=4200, card=VISA)
    authorised(repo, clock, amount=4200, card=MC)  # other card
    authorised(repo, clock, amount=4300, card=VISA)  # other amount
    clock.advance(timedelta(minutes=9))
    hits = repo.recent_same_card(VISA, Money(4200, "USD"))
    assert [h.id for h in hits] == [p.id]
    clock.advance(timedelta(minutes=2))
    assert repo.recent_same_card(VISA, Money(4200, "USD")) == []


def test_data_version_moves_when_another_connection_writes(
    journal_location: JournalLocation, clock: FakeClock
) -> None:
    a = JournalRepository.open(journal_location, clock=clock)
    b = JournalRepository.open(journal_location, clock=clock)
    try:
        before = a.data_version()
        b.record_intent(new_payment())
        assert a.data_version() != before
    finally:
        a.close()
        b.close()


def _strings(value: object) -> list[str]:
    """Every string and number in a decoded JSON value, as text."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [] if value is None or isinstance(value, bool) else [str(value)]
