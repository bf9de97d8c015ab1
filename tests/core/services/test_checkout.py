"""Checkout against the real embedded sandbox: journal first, ambiguity never shown as failed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posapp.app import Backend
from posapp.core.domain import CAPTURE_WINDOW, EventKind, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import (
    CheckoutOutcome,
    CheckoutRequest,
    DuplicateSuspected,
)
from posapp.core.services.validation import CheckoutInputError, check_reference

from .conftest import (
    MAGIC_3DS,
    MAGIC_SLOW,
    MAGIC_SLOW_DECLINE,
    VISA_DECLINE,
    VISA_OK,
    card,
    drain,
    fresh,
    later,
    pay,
)


def _events(backend: Backend, payment_id: int) -> list[tuple[str, str | None, str | None]]:
    return [(e.kind.value, e.api, e.to_status) for e in backend.repo.events_for_payment(payment_id)]


def test_hold_is_journaled_before_sending_and_authorised(backend: Backend) -> None:
    result = pay(backend)
    p = result.payment
    assert result.outcome is CheckoutOutcome.APPROVED
    assert p.status is PaymentStatus.AUTHORISED and p.payment_id
    assert p.capture_deadline is not None and p.authorised_at is not None
    assert p.capture_deadline - p.authorised_at == CAPTURE_WINDOW
    events = _events(backend, p.id)
    intent = events.index(("STATE_CHANGE", "pay", "INTENT"))
    sent = events.index(("REQUEST_SENT", "pay", None))
    answer = events.index(("RESPONSE_RECEIVED", "pay", None))
    assert intent < sent < answer
    assert events[-1][2] == "AUTHORISED" or ("STATE_CHANGE", None, "AUTHORISED") in events
    entry = backend.sandbox.ledger().order(p.reference_order_id)
    assert (entry.payments, entry.authorised, entry.captured) == (1, 1250, 0)
    assert "held until" in result.message


def test_sale_is_captured_automatically(backend: Backend) -> None:
    result = pay(backend, hold=False)
    assert result.outcome is CheckoutOutcome.APPROVED
    assert result.payment.status in (PaymentStatus.CAPTURE_PENDING, PaymentStatus.CAPTURED)
    drain(backend)
    p = fresh(backend, result.payment)
    assert p.status is PaymentStatus.CAPTURED and p.captured.minor == 1250
    assert backend.sandbox.ledger().order(p.reference_order_id).captured == 1250


def test_decline_is_final_with_the_reason(backend: Backend) -> None:
    result = pay(backend, VISA_DECLINE)
    assert result.outcome is CheckoutOutcome.DECLINED
    assert result.payment.status is PaymentStatus.DECLINED
    assert result.payment.result_code == "ISSUER_REJECTS_TRANSACTION"
    assert "ISSUER_REJECTS_TRANSACTION" in result.message
    assert backend.repo.payments_needing_settlement() == []


def test_failed_payment_is_retried_under_the_same_order_with_a_new_request_id(
    backend: Backend,
) -> None:
    ref = backend.checkout.new_reference()
    first = pay(backend, VISA_DECLINE, reference=ref)
    second = pay(backend, VISA_OK, reference=ref, confirm=False)  # a decline is no duplicate
    assert first.payment.payment_request_id != second.payment.payment_request_id
    assert second.payment.status is PaymentStatus.AUTHORISED
    assert [p.reference_order_id for p in backend.repo.payments_for_order(ref)] == [ref, ref]
    entry = backend.sandbox.ledger().order(ref)
    assert (entry.payments, entry.authorised) == (2, 1250)


def test_same_card_and_amount_within_ten_minutes_warns(backend: Backend) -> None:
    pay(backend, minor=4200)
    with pytest.raises(DuplicateSuspected) as info:
        pay(backend, minor=4200, confirm=False)
    assert "0768" in info.value.message and "Charge it again" in info.value.message
    # another amount is fine; a confirmed duplicate goes through
    pay(backend, minor=4300, confirm=False)
    assert pay(backend, minor=4200, confirm=True).payment.status is PaymentStatus.AUTHORISED


def test_same_order_already_paid_warns(backend: Backend) -> None:
    first = pay(backend, minor=500)
    with pytest.raises(DuplicateSuspected):
        pay(
            backend,
            "5162774114974622",
            minor=900,
            reference=first.payment.reference_order_id,
            confirm=False,
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": Money(0, "SGD")}, "amount"),
        ({"amount": Money(100, "USD")}, "amount"),
        ({"reference_order_id": "has space"}, "reference"),
        ({"description": ""}, "description"),
        ({"description": "x" * 257}, "description"),
    ],
)
def test_bad_input_is_refused_before_anything_is_journaled(
    backend: Backend, change: dict[str, object], field: str
) -> None:
    base = {
        "amount": Money(1000, "SGD"),
        "reference_order_id": "ORD-1",
        "description": "tea",
        "card": card(),
    }
    base.update(change)
    with pytest.raises(CheckoutInputError) as info:
        backend.checkout.pay(CheckoutRequest(**base))  # type: ignore[arg-type]
    assert info.value.field == field
    assert backend.repo.events() == []


def test_chinese_description_is_a_warning_not_an_error(backend: Backend) -> None:
    result = backend.checkout.pay(
        CheckoutRequest(Money(800, "SGD"), "ORD-CN-1", "两杯咖啡", card()),
    )
    assert result.payment.status is PaymentStatus.AUTHORISED
    assert [w.field for w in result.warnings] == ["description"]


@pytest.mark.parametrize(
    ("fault", "final", "at_antom"),
    [
        ("reset_after", PaymentStatus.AUTHORISED, 1),  # Antom committed, the answer was lost
        ("bad_signature", PaymentStatus.AUTHORISED, 1),
        ("garbled_body", PaymentStatus.AUTHORISED, 1),
        ("http_error", PaymentStatus.NOT_SENT, 0),  # a 503 before Antom touched anything
    ],
)
def test_ambiguous_answers_are_pending_never_failed_and_settle_once(
    polled_backend: Backend, fault: str, final: PaymentStatus, at_antom: int
) -> None:
    backend = polled_backend
    backend.sandbox.faults.add("*/pay", fault, times=10)
    result = pay(backend)
    assert result.outcome is CheckoutOutcome.PENDING
    assert result.payment.status is PaymentStatus.PENDING
    assert "Do not charge the card again" in result.message
    backend.sandbox.faults.clear()
    backend.poller.not_found_grace = timedelta(0)
    later(backend)  # "not found" proves "never sent" only past the payment's expiry
    drain(backend)
    p = fresh(backend, result.payment)
    assert p.status is final
    # every retry reused the same paymentRequestId: at most one payment at Antom
    entry = backend.sandbox.ledger().order(p.reference_order_id)
    assert (entry.payments, entry.authorised) == (at_antom, 1250 * at_antom)
    sent = [e for e in backend.repo.events_for_payment(p.id) if e.kind is EventKind.REQUEST_SENT]
    assert len(sent) == 1
    assert {e.request_id for e in sent} == {p.payment_request_id}


def test_reset_before_the_sandbox_saw_it_becomes_not_sent(polled_backend: Backend) -> None:
    backend = polled_backend
    backend.sandbox.faults.add("*/pay", "reset_before", times=10)
    result = pay(backend)
    assert result.payment.status is PaymentStatus.PENDING
    backend.sandbox.faults.clear()
    backend.poller.not_found_grace = timedelta(0)
    later(backend)  # "not found" proves "never sent" only past the payment's expiry
    drain(backend)
    p = fresh(backend, result.payment)
    assert p.status is PaymentStatus.NOT_SENT
    assert backend.sandbox.ledger().order(p.reference_order_id).payments == 0


def test_three_ds_challenge_then_authorised(backend: Backend) -> None:
    result = pay(backend, MAGIC_3DS, three_ds=True)
    assert result.outcome is CheckoutOutcome.NEEDS_3DS
    assert result.payment.three_ds_url
    assert backend.sandbox.answer_challenge(result.payment.three_ds_url)
    drain(backend)
    assert fresh(backend, result.payment).status is PaymentStatus.AUTHORISED


@pytest.mark.parametrize(
    ("pan", "final"),
    [(MAGIC_SLOW, PaymentStatus.AUTHORISED), (MAGIC_SLOW_DECLINE, PaymentStatus.DECLINED)],
)
def test_slow_authorisation_is_settled_by_the_poller(
    polled_backend: Backend, pan: str, final: PaymentStatus
) -> None:
    backend = polled_backend
    # slow cards: the CVV is the delay in seconds; a minute, so that real time (a loaded CI
    # machine) cannot settle it before the first inquiry: only the clock jump does
    result = pay(backend, pan, cvv="060")
    assert result.outcome is CheckoutOutcome.PENDING
    backend.poller.poll_once()
    assert fresh(backend, result.payment).status is PaymentStatus.PENDING
    backend.sandbox.clock.advance(timedelta(seconds=61))
    drain(backend)
    assert fresh(backend, result.payment).status is final


def test_refresh_reads_the_journal(backend: Backend) -> None:
    result = pay(backend)
    again = backend.checkout.refresh(result.payment_request_id)
    assert again.outcome is CheckoutOutcome.APPROVED
    with pytest.raises(LookupError):
        backend.checkout.refresh("PAY-nope")


def test_order_references_made_in_one_second_differ(backend: Backend) -> None:
    """Two tills (or a quick test) making references in the same second must not share an
    order id: six random characters after the time (about 8 x 10^8 values per second)."""
    refs = [backend.checkout.new_reference() for _ in range(50)]
    assert len(set(refs)) == len(refs)
    for ref in refs:
        check_reference(ref)  # never a card-number look-alike
        # the one generator the New payment screen uses too: till, "R", day, 6 random
        till, rest = ref.rsplit("-R", 1)
        assert till == backend.checkout.config.terminal_id and len(rest) == 12
        assert rest[:6].isdigit() and rest[6].isalpha()


def test_request_ids_are_unique_and_never_look_like_a_card_number() -> None:
    """A request id survives the journal's card-number guard unchanged: no decimal digits in its
    random part, so no run of 12-19 digits can ever be masked out of it."""
    from posapp.core.cards import has_card_data
    from posapp.core.ids import new_request_id
    from posapp.core.journal.sanitise import sanitise

    ids = [new_request_id("PAY") for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for rid in ids:
        assert len(rid) <= 64 and rid.startswith("PAY-")
        assert not any(c.isdigit() for c in rid)
        assert not has_card_data(rid)
        assert sanitise({"id": rid}) == {"id": rid}
