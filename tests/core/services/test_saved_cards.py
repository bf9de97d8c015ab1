"""Saved cards, merchant-initiated charges, instalments, brand choice and MPI data through
the real services and journal, against a signed fake gateway (httpx.MockTransport) that
answers the way the protocol reference describes (§16-§19)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from posapp.core.antom.client import AntomClient
from posapp.core.antom.messages import (
    InstallmentChoice,
    MpiData,
    RecurringType,
)
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.domain import EventKind, PaymentStatus
from posapp.core.journal.audit import JournalKey
from posapp.core.journal.repository import JournalRepository
from posapp.core.journal.saved_cards import SavedCardStatus, SavedCardStore
from posapp.core.money import Money
from posapp.core.services.card_vault import CardVault, CardVaultError, load_card_vault
from posapp.core.services.checkout import (
    CheckoutConfig,
    CheckoutOutcome,
    CheckoutRequest,
    CheckoutService,
)
from posapp.core.services.pin import MemoryPinStore, PinManager
from posapp.core.services.saved_cards import SavedCardsService
from posapp.core.services.settle import Settler
from posapp.core.services.validation import CheckoutInputError, read_card
from tests.core.antom.fakes import CLIENT_ID, FakeGateway, antom_key, merchant_key, ok, result

TOKEN = "ALIPAYcX9zVb3RkT7mQ2wY8nLp4sHd6fJg1a=="
NTID = "MCC123456789012"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@dataclass
class Antom:
    """A little Antom: pays, keeps tokens, answers inquiries, consult and deleteToken."""

    token_in_pay: bool = True
    tokens: dict[str, str] = field(default_factory=dict)  # token -> card number
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    plans: tuple[int, ...] = (3, 6)

    def __call__(self, request: httpx.Request, data: dict[str, Any]) -> dict[str, Any]:
        path = request.url.path
        if path.endswith("/pay"):
            return self.pay(data)
        if path.endswith("/inquiryPayment"):
            p = self.payments.get(data["paymentRequestId"])
            if p is None:
                return result("ORDER_NOT_EXIST", "F")
            return ok(
                paymentStatus="SUCCESS",
                paymentRequestId=data["paymentRequestId"],
                paymentId=p["paymentId"],
                paymentAmount=p["amount"],
                paymentResultInfo=p["info"],
            )
        if path.endswith("/consult"):
            return ok(
                paymentOptions=[
                    {
                        "paymentMethodType": "CARD",
                        "enabled": True,
                        "paymentOptionDetail": {
                            "supportCardBrands": [
                                {"cardBrand": "VISA"},
                                {"cardBrand": "MASTERCARD"},
                            ]
                        },
                        "installment": {
                            "supportCardBrands": [{"cardBrand": "VISA"}],
                            "plans": [
                                {
                                    "installmentNum": str(n),
                                    "interval": "MONTH",
                                    "interestRate": "0",
                                    "enabled": True,
                                    "minInstallmentAmount": {"currency": "USD", "value": "5000"},
                                }
                                for n in self.plans
                            ],
                        },
                    }
                ]
            )
        if path.endswith("/vaults/deleteToken"):
            self.deleted.append(data["token"])
            self.tokens.pop(data["token"], None)
            return ok()
        raise AssertionError(path)

    def pay(self, data: dict[str, Any]) -> dict[str, Any]:
        method = data["paymentMethod"]
        meta = method["paymentMethodMetaData"]
        rid = data["paymentRequestId"]
        if "paymentMethodId" in method:
            if method["paymentMethodId"] not in self.tokens:
                return result("INVALID_PAYMENT_METHOD_META_DATA", "F")
            pan = self.tokens[method["paymentMethodId"]]
        else:
            pan = meta["cardNo"]
        info: dict[str, Any] = {
            "cardBrand": "VISA",
            "cardNo": pan[:6] + "******" + pan[-4:],
            "networkTransactionId": NTID,
        }
        if meta.get("tokenize"):
            self.tokens[TOKEN] = pan
            info["cardToken"] = TOKEN
        self.payments[rid] = {
            "paymentId": "P" + rid[-20:],
            "amount": data["paymentAmount"],
            "info": info,
        }
        answer = dict(info)
        if not self.token_in_pay:
            answer.pop("cardToken", None)
        return ok(
            paymentRequestId=rid,
            paymentId="P" + rid[-20:],
            paymentAmount=data["paymentAmount"],
            paymentResultInfo=answer,
        )


@dataclass
class Stack:
    antom: Antom
    gateway: FakeGateway
    repo: JournalRepository
    checkout: CheckoutService
    cards: SavedCardsService
    pins: PinManager
    clock: Clock
    path: Path


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    antom = Antom()
    gateway = FakeGateway(antom)
    client = AntomClient(
        "https://gateway.test",
        CLIENT_ID,
        merchant_key(),
        antom_key().public_key(),
        http=httpx.Client(transport=httpx.MockTransport(gateway)),
        retry=RetryPolicy(max_attempts=1, jitter=no_jitter),
    )
    clock = Clock()
    path = tmp_path / "journal.sqlite3"
    repo = JournalRepository.open(path, clock=clock, key=JournalKey(b"k" * 32, 1))
    settler = Settler(repo, client, clock, "TILL-01")
    checkout = CheckoutService(
        repo,
        client,
        settler,
        clock,
        CheckoutConfig(
            terminal_id="TILL-01", currency="USD", redirect_url="https://shop.test/back"
        ),
    )
    pins = PinManager(MemoryPinStore(), clock=clock, training=True, n=2**4)
    cards = SavedCardsService(
        SavedCardStore(repo, "TILL-01"),
        load_card_vault(training=True, data_dir=tmp_path),
        client,
        settler,
        clock,
        terminal_id="TILL-01",
        merchant_account_id=CLIENT_ID,
        pins=pins,
    )
    cards.attach(checkout)
    try:
        yield Stack(antom, gateway, repo, checkout, cards, pins, clock, path)
    finally:
        repo.close()
        client.close()


def keyed(pan: str = "4054695723100768", expiry: str = "12/30") -> Any:
    return read_card(pan, expiry, "123", date(2026, 6, 1), first_name="Ann", last_name="Lee")


def first_payment(s: Stack, **kw: Any) -> Any:
    request = CheckoutRequest(
        amount=Money(2500, "USD"),
        reference_order_id=s.checkout.new_reference(),
        description="Room 12 deposit",
        card=keyed(**kw),
        save_card=True,
    )
    return s.checkout.pay(request)


def disk_text(s: Stack) -> bytes:
    data = b""
    for p in s.path.parent.iterdir():
        if p.is_file():
            data += p.read_bytes()
    return data


@pytest.mark.parametrize("token_in_pay", [True, False])
def test_saving_a_card_sends_tokenize_and_keeps_the_token_sealed(
    stack: Stack, token_in_pay: bool
) -> None:
    stack.antom.token_in_pay = token_in_pay
    res = first_payment(stack)
    assert res.outcome is CheckoutOutcome.APPROVED
    sent = stack.gateway.bodies[0]
    assert sent["paymentMethod"]["paymentMethodMetaData"]["tokenize"] is True
    # without the token in the pay answer, an inquiry fetched it
    assert [r.url.path.rsplit("/", 1)[-1] for r in stack.gateway.requests] == (
        ["pay"] if token_in_pay else ["pay", "inquiryPayment"]
    )
    (card,) = stack.cards.search()
    assert card.status is SavedCardStatus.ACTIVE
    assert (card.brand, card.last4, card.expiry, card.holder_name) == (
        "VISA",
        "0768",
        "12/30",
        "Ann Lee",
    )
    assert card.network_transaction_id == NTID
    assert card.consent_order == res.payment.reference_order_id
    assert card.consent_operator == "cashier"
    assert card.sealed is not None and TOKEN not in card.sealed
    stack.repo.close()
    assert TOKEN.encode() not in disk_text(stack)  # journal, WAL, key file


def test_a_declined_first_payment_saves_nothing(stack: Stack) -> None:
    def decline(request: httpx.Request, data: dict[str, Any]) -> dict[str, Any]:
        return result("DO_NOT_HONOR", "F")

    stack.gateway.handler = decline
    res = first_payment(stack)
    assert res.outcome is CheckoutOutcome.DECLINED
    assert stack.cards.search() == []
    (card,) = stack.cards.search(include_removed=True)
    assert card.status is SavedCardStatus.FAILED


def test_paying_with_a_saved_card_sends_the_token_and_no_card_data(stack: Stack) -> None:
    first_payment(stack)
    (card,) = stack.cards.search()
    res = stack.checkout.pay(
        CheckoutRequest(
            amount=Money(900, "USD"),
            reference_order_id=stack.checkout.new_reference(),
            description="Minibar",
            card=None,
            saved=stack.cards.use(card.id),
        ),
        confirm_duplicate=True,
    )
    assert res.outcome is CheckoutOutcome.APPROVED
    method = stack.gateway.bodies[-1]["paymentMethod"]
    assert method["paymentMethodId"] == TOKEN
    meta = method["paymentMethodMetaData"]
    assert meta["isCardOnFile"] is True
    assert not {"cardNo", "cvv", "expiryMonth", "recurringType", "networkTransactionId"} & set(meta)
    # the journaled request keeps no token
    events = stack.repo.events_for_payment(res.payment.id)
    assert TOKEN not in repr([e.detail for e in events])
    assert stack.cards.options(res.payment.payment_request_id).saved_card == card.id


def test_an_expired_or_removed_saved_card_is_refused_before_sending(stack: Stack) -> None:
    first_payment(stack, expiry="06/26")
    (card,) = stack.cards.search()
    stack.clock.at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    sent = len(stack.gateway.bodies)
    request = CheckoutRequest(
        amount=Money(900, "USD"),
        reference_order_id=stack.checkout.new_reference(),
        description="Minibar",
        card=None,
        saved=stack.cards.use(card.id),
    )
    with pytest.raises(CheckoutInputError) as info:
        stack.checkout.pay(request, confirm_duplicate=True)
    assert info.value.field == "saved_card" and "expired" in info.value.message
    removed = stack.cards.remove(card.id, operator="manager")
    assert removed.unbound is True and stack.antom.deleted == [TOKEN]
    assert len(stack.gateway.bodies) == sent + 1  # only the deleteToken
    stack.clock.at = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)  # not expired: removed speaks
    with pytest.raises(CheckoutInputError) as info:
        stack.checkout.pay(request, confirm_duplicate=True)
    assert info.value.field == "saved_card" and "removed" in info.value.message
    with pytest.raises(CheckoutInputError):
        stack.cards.use(card.id)
    assert stack.gateway.bodies[-1] == {"merchantAccountId": CLIENT_ID, "token": TOKEN}
    assert stack.cards.get(card.id).sealed is None  # the sealed token is erased too


@pytest.mark.parametrize("recurring", list(RecurringType))
def test_a_merchant_initiated_charge_is_approved_marked_and_journaled(
    stack: Stack, recurring: RecurringType
) -> None:
    first_payment(stack)
    (card,) = stack.cards.search()
    approval = stack.pins.approve("1234", "mgr-ann")
    res = stack.cards.charge(
        card.id, Money(4000, "USD"), reason="No-show, 1 night", recurring=recurring,
        approval=approval, confirm_duplicate=True,
    )  # fmt: skip
    assert res.outcome is CheckoutOutcome.APPROVED
    assert res.payment.status is PaymentStatus.CAPTURE_PENDING  # captured automatically
    body = stack.gateway.bodies[-1]
    meta = body["paymentMethod"]["paymentMethodMetaData"]
    assert body["paymentMethod"]["paymentMethodId"] == TOKEN
    assert meta == {
        "isCardOnFile": True,
        "recurringType": recurring.value,
        "networkTransactionId": NTID,
    }
    opts = stack.cards.options(res.payment.payment_request_id)
    assert opts.merchant_initiated and opts.reason == "No-show, 1 night"
    assert opts.manager == "mgr-ann" and opts.recurring_type == recurring.value
    approvals = [
        e for e in stack.repo.events(limit=10_000)
        if e.kind is EventKind.APPROVAL and e.request_id == res.payment.payment_request_id
    ]  # fmt: skip
    assert approvals and approvals[0].detail["reason"] == "No-show, 1 night"
    # the approval is single use
    with pytest.raises(CheckoutInputError) as info:
        stack.cards.charge(card.id, Money(100, "USD"), reason="again", recurring=recurring,
                           approval=approval, confirm_duplicate=True)  # fmt: skip
    assert info.value.field == "approval"


def test_a_charge_whose_approval_was_tampered_with_is_never_sent(stack: Stack) -> None:
    first_payment(stack)
    (card,) = stack.cards.search()
    sent = len(stack.gateway.bodies)
    # raise the approved amount behind posapp's back, then send what the row now says
    original = stack.cards.store.record_options

    def tamper(options: Any, **kw: Any) -> None:
        original(options, **kw)
        conn = sqlite3.connect(stack.path)
        conn.execute("UPDATE card_payment_options SET approved_ms = approved_ms + 1")
        conn.commit()
        conn.close()

    stack.cards.store.record_options = tamper  # type: ignore[method-assign]
    with pytest.raises(CheckoutInputError) as info:
        stack.cards.charge(card.id, Money(4000, "USD"), reason="No-show",
                           recurring=RecurringType.UNSCHEDULED,
                           approval=stack.pins.approve("1234"), confirm_duplicate=True)  # fmt: skip
    assert info.value.field == "approval"
    assert len(stack.gateway.bodies) == sent
    security = [e for e in stack.repo.events(limit=10_000) if e.kind is EventKind.SECURITY]
    assert security and "approval" in security[-1].detail["problem"]


def test_a_charge_needs_a_reason_and_a_network_transaction_id(stack: Stack) -> None:
    first_payment(stack)
    (card,) = stack.cards.search()
    with pytest.raises(CheckoutInputError) as info:
        stack.cards.charge(card.id, Money(100, "USD"), reason="  ",
                           recurring=RecurringType.SCHEDULED,
                           approval=stack.pins.approve("1234"))  # fmt: skip
    assert info.value.field == "reason"
    conn = sqlite3.connect(stack.path)
    conn.execute("UPDATE saved_cards SET network_transaction_id = NULL")
    conn.commit()
    conn.close()
    with pytest.raises(CheckoutInputError) as info:
        stack.cards.check_charge(card.id, Money(100, "USD"))
    assert "network transaction id" in info.value.message


def test_instalments_are_sent_as_chosen_and_refused_when_no_longer_offered(stack: Stack) -> None:
    assert [p.periods for p in stack.cards.plans(Money(60000, "USD"), "VISA")] == [3, 6]
    assert stack.cards.plans(Money(60000, "USD"), "MASTERCARD") == ()
    assert stack.cards.plans(Money(4000, "USD"), "VISA") == ()  # under the plan's minimum

    def request(periods: int) -> CheckoutRequest:
        return CheckoutRequest(
            amount=Money(60000, "USD"),
            reference_order_id=stack.checkout.new_reference(),
            description="Sofa",
            card=keyed(),
            installment=InstallmentChoice(periods),
        )

    res = stack.checkout.pay(request(6))
    assert res.outcome is CheckoutOutcome.APPROVED
    body = stack.gateway.bodies[-1]
    assert body["creditPayPlan"] == {"installmentNum": 6, "interval": "MONTH"}
    assert body["paymentFactor"]["captureMode"] == "AUTOMATIC"
    assert stack.cards.options(res.payment.payment_request_id).installments == 6
    stack.antom.plans = (3,)
    paid = len(stack.gateway.bodies)
    with pytest.raises(CheckoutInputError) as info:
        stack.checkout.pay(request(6), confirm_duplicate=True)
    assert info.value.field == "installments" and "no longer applies" in info.value.message
    assert [b.get("creditPayPlan") for b in stack.gateway.bodies[paid:]] == [None]  # consult only


def test_brand_choice_and_mpi_data_are_checked_then_sent(stack: Stack) -> None:
    cb = "4970101234567893"  # a Cartes Bancaires range inside Visa
    base = dict(amount=Money(1500, "USD"), description="Lamp")
    with pytest.raises(CheckoutInputError) as info:
        stack.checkout.pay(CheckoutRequest(reference_order_id=stack.checkout.new_reference(),
                                           card=keyed(cb), selected_brand="MASTERCARD", **base))  # type: ignore[arg-type]  # fmt: skip
    assert info.value.field == "card_brand"
    bad_mpi = MpiData("2.2.0", "5", "AAABBBCCC", "")
    with pytest.raises(CheckoutInputError) as info:
        stack.checkout.pay(CheckoutRequest(reference_order_id=stack.checkout.new_reference(),
                                           card=keyed(cb), mpi=bad_mpi, **base))  # type: ignore[arg-type]  # fmt: skip
    assert info.value.field == "mpi_eci"
    assert stack.gateway.bodies == []  # nothing left the till
    mpi = MpiData(
        "2.2.0", "05", "AAACBllleHchZTBWIGV4MAAAAAA=", "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"
    )
    res = stack.checkout.pay(CheckoutRequest(reference_order_id=stack.checkout.new_reference(),
                                             card=keyed(cb), selected_brand="CARTES_BANCAIRES",
                                             mpi=mpi, three_ds=True, **base))  # type: ignore[arg-type]  # fmt: skip
    assert res.outcome is CheckoutOutcome.APPROVED
    meta = stack.gateway.bodies[-1]["paymentMethod"]["paymentMethodMetaData"]
    assert meta["selectedCardBrand"] == "CARTES_BANCAIRES"
    assert meta["mpiData"] == {
        "threeDSVersion": "2.2.0",
        "eci": "05",
        "cavv": "AAACBllleHchZTBWIGV4MAAAAAA=",
        "dsTransactionId": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
    }
    assert meta["is3DSAuthentication"] is False  # authenticated elsewhere
    journaled = repr([e.detail for e in stack.repo.events_for_payment(res.payment.id)])
    assert "AAACBllleHchZTBWIGV4MAAAAAA=" not in journaled


def test_a_sealed_token_opens_only_under_its_key_and_row(tmp_path: Path) -> None:
    vault = load_card_vault(training=True, data_dir=tmp_path)
    assert (tmp_path / "card_tokens.key").stat().st_mode & 0o777 == 0o600
    sealed = vault.seal(TOKEN, "PAY-1")
    assert vault.open(sealed, "PAY-1") == TOKEN
    assert load_card_vault(training=True, data_dir=tmp_path).open(sealed, "PAY-1") == TOKEN
    with pytest.raises(CardVaultError):
        vault.open(sealed, "PAY-2")  # copied onto another saved card
    with pytest.raises(CardVaultError):
        CardVault(b"x" * 32).open(sealed, "PAY-1")
