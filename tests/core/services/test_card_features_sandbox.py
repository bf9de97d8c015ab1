"""Saved cards, merchant-initiated charges, instalments, co-badged brands and MPI data end to
end: the real services and journal against the embedded sandbox over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from posapp.app import Backend
from posapp.core.antom.messages import InstallmentChoice, MpiData, RecurringType
from posapp.core.domain import EventKind, PaymentStatus
from posapp.core.journal.saved_cards import SavedCardStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutOutcome, CheckoutRequest, CheckoutResult
from posapp.core.services.saved_cards import SavedCardsService
from posapp.core.services.validation import CheckoutInputError, read_card
from tests.core.services.conftest import VISA_OK, approval, drain, make_backend, with_settings

MIT_DECLINED = "4000020000001305"  # its MITs: USER_BALANCE_NOT_ENOUGH
INSTALMENT_CARD = "4000020000001503"
CO_BADGED = "4970020000000006"  # Visa / Cartes Bancaires
NEEDS_3DS = "4000020000000604"
CAVV = "AAACBllleHchZTBWIGV4MAAAAAA="
DS_ID = "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"


@pytest.fixture
def usd(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir, with_settings(currency="USD"))
    b.poller.intent_grace = timedelta(0)
    try:
        yield b
    finally:
        b.close()


def cards(b: Backend) -> SavedCardsService:
    assert b.saved_cards is not None
    return b.saved_cards


def keyed(pan: str, expiry: str = "12/40") -> object:
    return read_card(pan, expiry, "123", date.today(), first_name="Ann", last_name="Lee")


def pay(b: Backend, pan: str = VISA_OK, minor: int = 2500, **kw: object) -> CheckoutResult:
    return b.checkout.pay(
        CheckoutRequest(
            amount=Money(minor, b.settings.currency),
            reference_order_id=b.checkout.new_reference(),
            description="Room 12",
            card=kw.pop("card", keyed(pan)),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        ),
        confirm_duplicate=True,
    )


def save(b: Backend, pan: str = VISA_OK) -> int:
    first = pay(b, pan, save_card=True)
    assert first.outcome is CheckoutOutcome.APPROVED
    card = cards(b).store.by_first_request(first.payment_request_id)
    assert card is not None and card.status is SavedCardStatus.ACTIVE
    return card.id


def journal_bytes(b: Backend) -> bytes:
    data = b""
    for path in Path(b.dirs.data).rglob("*"):
        if path.is_file():
            data += path.read_bytes()
    return data


def test_a_saved_card_is_charged_with_and_without_the_customer_then_refunded(
    backend: Backend,
) -> None:
    card_id = save(backend)
    saved = cards(backend).get(card_id)
    assert saved is not None and saved.network_transaction_id and saved.last4 == "0768"
    token = backend.saved_cards.vault.open(saved.sealed, saved.first_request_id)  # type: ignore[union-attr,arg-type]
    present = pay(backend, card=None, saved=cards(backend).use(card_id), minor=900)
    assert present.outcome is CheckoutOutcome.APPROVED
    mit = cards(backend).charge(
        card_id,
        Money(4000, "SGD"),
        reason="No-show, 1 night",
        recurring=RecurringType.UNSCHEDULED,
        approval=approval(backend),
        confirm_duplicate=True,
    )
    assert mit.outcome is CheckoutOutcome.APPROVED, mit.message
    drain(backend)
    captured = backend.repo.get_payment(mit.payment.id)
    assert captured is not None and captured.status is PaymentStatus.CAPTURED
    refund = backend.backoffice.refund(captured, Money(1000, "SGD"), approval(backend))
    assert refund.ok, refund.message
    opts = cards(backend).options(mit.payment_request_id)
    assert opts is not None and opts.merchant_initiated and opts.reason == "No-show, 1 night"
    assert [p.id for p in cards(backend).charges(card_id)][:2] == [
        mit.payment.id,
        present.payment.id,
    ]
    backend.close()
    disk = journal_bytes(backend)  # journal, WAL, the sandbox's own state: no token in clear
    assert token.encode() not in disk


def test_an_mit_the_issuer_declines_is_a_decline_with_nothing_held(backend: Backend) -> None:
    card_id = save(backend, MIT_DECLINED)
    mit = cards(backend).charge(
        card_id,
        Money(4000, "SGD"),
        reason="Minibar",
        recurring=RecurringType.UNSCHEDULED,
        approval=approval(backend),
        confirm_duplicate=True,
    )
    assert mit.outcome is CheckoutOutcome.DECLINED
    assert mit.payment.result_code == "USER_BALANCE_NOT_ENOUGH"


def test_removed_and_expired_saved_cards_are_refused_before_sending(backend: Backend) -> None:
    card_id = save(backend)
    use = cards(backend).use(card_id)
    removed = cards(backend).remove(card_id, operator="manager")
    assert removed.unbound is True  # deleteToken answered SUCCESS
    sent_before = backend.repo.last_event_id()
    with pytest.raises(CheckoutInputError) as info:
        pay(backend, card=None, saved=use)
    assert info.value.field == "saved_card"
    kinds = {e.kind for e in backend.repo.events(after_id=sent_before)}
    assert EventKind.REQUEST_SENT not in kinds  # nothing left the till
    # a card that has expired since it was saved
    short = save(backend, "4000020000000703")
    with backend.repo.journal.write() as db:  # the journal's own back-end (SQLite or server)
        db.conn.execute("UPDATE saved_cards SET expiry_year = 2020 WHERE id = ?", (short,))
    with pytest.raises(CheckoutInputError) as info:
        cards(backend).charge(short, Money(100, "SGD"), reason="late checkout",
                              recurring=RecurringType.UNSCHEDULED, approval=approval(backend))  # fmt: skip
    assert "expired" in info.value.message


def test_instalments_offered_by_consult_are_sent_and_echoed(usd: Backend) -> None:
    plans = cards(usd).plans(Money(60000, "USD"), "VISA")
    assert [p.periods for p in plans] == [3, 6, 12]
    res = pay(usd, INSTALMENT_CARD, 60000, installment=InstallmentChoice(6))
    assert res.outcome is CheckoutOutcome.APPROVED, res.message
    assert res.payment.capture_mode.value == "AUTOMATIC"
    opts = cards(usd).options(res.payment_request_id)
    assert opts is not None and opts.installments == 6
    # a plan not offered (5 periods) is refused here, before the pay is journaled
    with pytest.raises(CheckoutInputError) as info:
        pay(usd, INSTALMENT_CARD, 60000, installment=InstallmentChoice(5))
    assert info.value.field == "installments"


def test_a_co_badged_card_goes_through_the_chosen_brand(backend: Backend) -> None:
    res = pay(backend, CO_BADGED, selected_brand="CARTES_BANCAIRES")
    assert res.outcome is CheckoutOutcome.APPROVED, res.message
    with pytest.raises(CheckoutInputError) as info:
        pay(backend, CO_BADGED, selected_brand="MASTERCARD")
    assert info.value.field == "card_brand"


def test_an_external_3ds_result_spares_the_challenge(backend: Backend) -> None:
    res = pay(backend, NEEDS_3DS, mpi=MpiData("2.2.0", "05", CAVV, DS_ID))
    assert res.outcome is CheckoutOutcome.APPROVED, res.message
    with pytest.raises(CheckoutInputError) as info:
        pay(backend, NEEDS_3DS, mpi=MpiData("2.2.0", "5", CAVV, DS_ID))
    assert info.value.field == "mpi_eci"
    # a Mastercard ECI for a Visa card: refused here (the gateway would say PARAM_ILLEGAL)
    with pytest.raises(CheckoutInputError) as info:
        pay(backend, NEEDS_3DS, mpi=MpiData("2.2.0", "02", CAVV, DS_ID))
    assert info.value.field == "mpi_eci" and "02" in info.value.message
    mastercard = pay(backend, "5162774114974622", mpi=MpiData("2.2.0", "02", CAVV, DS_ID))
    assert mastercard.outcome is CheckoutOutcome.APPROVED, mastercard.message
    backend.close()
    assert CAVV.encode() not in journal_bytes(backend)


def test_a_card_saved_on_a_3ds_payment_is_kept_once_the_challenge_is_passed(
    backend: Backend,
) -> None:
    first = pay(backend, NEEDS_3DS, save_card=True, three_ds=True)
    assert first.outcome is CheckoutOutcome.NEEDS_3DS
    consent = cards(backend).store.by_first_request(first.payment_request_id)
    assert consent is not None and consent.status is SavedCardStatus.PENDING  # journaled first
    assert cards(backend).search()[0].id == consent.id  # listed, waiting
    assert backend.sandbox.answer_challenge(first.payment.three_ds_url)
    drain(backend)  # the poller settles it; the listener completes the consent by inquiry
    done = cards(backend).get(consent.id)
    assert done is not None and done.status is SavedCardStatus.ACTIVE and done.sealed


def test_a_declined_first_payment_closes_the_consent(backend: Backend) -> None:
    first = pay(backend, "4000020000000208", save_card=True)  # DO_NOT_HONOR
    assert first.outcome is CheckoutOutcome.DECLINED
    consent = cards(backend).store.by_first_request(first.payment_request_id)
    assert consent is not None and consent.status is SavedCardStatus.FAILED
    assert cards(backend).search() == []
