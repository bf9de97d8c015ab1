"""The field table (posapp.core.antom.fields) against what the till really sends.

A real checkout against the embedded sandbox: its journaled pay body holds every field the
table says the till always sends, each well-formed. Each builder's body passes the table, and
each required field, taken out, is named by the check that stops the request.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from posapp.app import Backend
from posapp.core.antom import fields
from posapp.core.antom.errors import InvalidRequestError
from posapp.core.antom.fields import FIELDS, Need, Sent, problems, till_gaps
from posapp.core.antom.messages import (
    Api,
    CancelRequest,
    CaptureRequest,
    ConsultRequest,
    DeleteTokenRequest,
    Env,
    Goods,
    InquiryPaymentRequest,
    InquiryRefundRequest,
    PayRequest,
    RefundRequest,
    TerminalType,
)
from posapp.core.cards import CardDetails
from posapp.core.domain import EventKind, PaymentStatus
from posapp.core.local_address import pick_address, till_address
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.validation import CheckoutInputError
from tests.core.services.conftest import card, make_backend, pay, with_settings

CARD = CardDetails("4054695723100768", 12, 2030, "123", "Ada", "Lovelace")
REDIRECT = "https://shop.example/back"


def _journaled_pay_body(backend: Backend, payment_id: int) -> dict[str, Any]:
    sent = [
        e
        for e in backend.repo.events_for_payment(payment_id)
        if e.kind is EventKind.REQUEST_SENT and e.api == "pay"
    ]
    assert len(sent) == 1
    body = sent[0].detail["body"]
    assert isinstance(body, dict)
    return body


@pytest.fixture
def till(data_dir: Path) -> Any:
    b = make_backend(data_dir)
    try:
        yield b
    finally:
        b.close()


def test_the_journaled_pay_body_of_a_real_checkout_has_every_field(till: Backend) -> None:
    before = datetime.now(UTC)
    result = pay(till, minor=4250, hold=True)
    assert result.payment.status is PaymentStatus.AUTHORISED
    body = _journaled_pay_body(till, result.payment.id)

    # every field Antom requires, and every one the till always sends, present and well-formed
    assert problems("pay", body, journaled=True) == []
    assert till_gaps("pay", body) == []
    for rule in fields.rules("pay"):
        if rule.need is Need.REQUIRED:
            assert rule.path.split(".")[0] in body

    # and each with the value the table says it comes from
    assert body["paymentRedirectUrl"] == f"{till.sandbox.base_url}/sandbox/return"
    assert body["env"]["terminalType"] == "WEB"
    assert "osType" not in body["env"]  # only IOS/ANDROID exist: not for a desktop till
    assert body["settlementStrategy"] == {"settlementCurrency": till.settings.currency}
    expiry = datetime.fromisoformat(body["paymentExpiryTime"])
    assert expiry.tzinfo is not None
    assert before + timedelta(minutes=8) < expiry <= datetime.now(UTC) + timedelta(minutes=9)
    assert expiry == result.payment.expires_at.replace(microsecond=0)
    order = body["order"]
    assert order["referenceOrderId"] == result.payment.reference_order_id
    assert order["orderDescription"] == "two coffees"
    assert order["orderAmount"] == {"currency": till.settings.currency, "value": "4250"}
    assert order["buyer"] == {"buyerName": {"firstName": "Ann", "lastName": "Lee"}}
    assert order["goods"] == [
        {
            "referenceGoodsId": result.payment.reference_order_id,
            "goodsName": "two coffees",
            "goodsQuantity": "1",
            "goodsUnitAmount": {"currency": till.settings.currency, "value": "4250"},
        }
    ]
    assert body["paymentFactor"] == {"isAuthorization": True, "captureMode": "MANUAL"}
    meta = body["paymentMethod"]["paymentMethodMetaData"]
    assert meta["cardNo"] == "405469******0768" and meta["cvv"] == "[removed]"
    known = till_address()
    if known is None:
        assert "clientIp" not in body["env"]
    else:
        assert body["env"]["clientIp"] == known
        assert not ipaddress.ip_address(known).is_loopback


def test_the_settlement_currency_setting_is_sent(data_dir: Path) -> None:
    b = make_backend(data_dir, with_settings(currency="SGD", settlement_currency="USD"))
    try:
        result = pay(b)
        body = _journaled_pay_body(b, result.payment.id)
        assert body["settlementStrategy"] == {"settlementCurrency": "USD"}
        assert body["paymentAmount"]["currency"] == "SGD"
    finally:
        b.close()


def test_a_pay_without_redirect_url_is_refused_before_sending(till: Backend) -> None:
    till.checkout.config = replace(till.checkout.config, redirect_url=None)
    reference = till.checkout.new_reference()
    with pytest.raises(CheckoutInputError) as info:
        till.checkout.pay(
            CheckoutRequest(
                amount=Money(1250, till.settings.currency),
                reference_order_id=reference,
                description="two coffees",
                card=card(),
            ),
            confirm_duplicate=True,
        )
    assert info.value.field == "settings"
    assert "3-D Secure" in str(info.value.message)
    (payment,) = till.repo.payments_for_order(reference)
    assert payment.status is PaymentStatus.NOT_SENT
    assert till.sandbox.ledger().order(reference).payments == 0


def test_a_one_word_name_sends_no_half_user_name(till: Backend) -> None:
    # Antom requires firstName and lastName in any UserName sent (§20.1): a holder keyed as
    # one word goes without cardholderName and buyerName, and the strict sandbox approves it.
    one_word = CardDetails("4054695723100768", 12, 2030, "123", "Madonna", "")
    reference = till.checkout.new_reference()
    outcome = till.checkout.pay(
        CheckoutRequest(
            amount=Money(1250, till.settings.currency),
            reference_order_id=reference,
            description="two coffees",
            card=one_word,
        ),
        confirm_duplicate=True,
    )
    body = _journaled_pay_body(till, outcome.payment.id)
    assert "cardholderName" not in body["paymentMethod"]["paymentMethodMetaData"]
    assert "buyerName" not in body["order"].get("buyer", {})
    assert outcome.payment.status is PaymentStatus.AUTHORISED


# -- the builders, API by API --------------------------------------------------------------


def _full_pay() -> PayRequest:
    return PayRequest(
        "pay-1",
        Money(1250, "USD"),
        CARD,
        "order-1",
        "2 coffees",
        env=Env(TerminalType.WEB, client_ip="192.0.2.10"),
        payment_expiry_time=datetime(2026, 1, 5, 9, 5, tzinfo=UTC),
        redirect_url=REDIRECT,
        goods=(Goods("order-1", "2 coffees", unit_amount=Money(1250, "USD")),),
    )


BUILT: dict[str, Any] = {
    "pay": _full_pay,
    "capture": lambda: CaptureRequest("cap-1", "p-1", Money(1250, "USD")),
    "cancel": lambda: CancelRequest(payment_id="p-1"),
    "refund": lambda: RefundRequest("ref-1", "p-1", Money(100, "USD"), reason="broken"),
    "inquiryPayment": lambda: InquiryPaymentRequest(payment_request_id="pay-1"),
    "inquiryRefund": lambda: InquiryRefundRequest(refund_request_id="ref-1"),
    "consult": lambda: ConsultRequest(Money(1250, "USD")),
    "deleteToken": lambda: DeleteTokenRequest("ALIPAYtok3n==", "SANDBOX_5YEZ"),
}


def test_the_table_covers_every_api_and_each_rule_is_coherent() -> None:
    assert {r.api for r in FIELDS} == {api.value for api in Api}
    for rule in FIELDS:
        assert (rule.need is Need.ONE_OF) == bool(rule.group), rule.path
        assert rule.source, rule.path
        if rule.need is Need.REQUIRED:
            assert rule.sent is Sent.ALWAYS, rule.path  # the till never leaves one out
    assert set(BUILT) == {api.value for api in Api}


@pytest.mark.parametrize("api", sorted(BUILT))
def test_each_builder_sends_every_field_the_table_names(api: str) -> None:
    body = BUILT[api]().to_body()
    assert problems(api, body) == []
    assert till_gaps(api, body) == []


def _remove(body: dict[str, Any], path: str) -> bool:
    node: Any = body
    parts = path.replace("[]", "").split(".")
    for part in parts[:-1]:
        node = node.get(part)
        if isinstance(node, list):
            node = node[0]
        if not isinstance(node, dict):
            return False
    return node.pop(parts[-1], None) is not None


REQUIRED = [(r.api, r.path) for r in FIELDS if r.need is Need.REQUIRED]


@pytest.mark.parametrize(("api", "path"), REQUIRED)
def test_a_required_field_taken_out_is_named(api: str, path: str) -> None:
    body = copy.deepcopy(BUILT[api]().to_body())
    assert _remove(body, path)
    assert path.replace("[]", "[0]") in [p.path for p in problems(api, body)]
    with pytest.raises(InvalidRequestError) as info:
        fields.enforce(api, body)
    # the first problem: the field, or its object now left empty
    assert path.replace("[]", "[0]").startswith(info.value.field)


@pytest.mark.parametrize("api", ["cancel", "inquiryPayment", "inquiryRefund"])
def test_a_request_naming_no_target_is_refused(api: str) -> None:
    found = problems(api, {})
    assert len(found) == 1 and "one of them is required" in found[0].message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("paymentRedirectUrl", "not a url"),
        ("paymentExpiryTime", "2026-01-05T09:05:00"),  # no UTC offset
        ("paymentExpiryTime", "soon"),
        ("settlementStrategy.settlementCurrency", "XXX"),
        ("env.clientIp", "till-01"),
        ("env.terminalType", "DESKTOP"),
        ("order.orderDescription", "x" * 257),
        ("paymentAmount", {"currency": "USD", "value": "1.00"}),
    ],
)
def test_a_malformed_field_is_named(path: str, value: Any) -> None:
    body = copy.deepcopy(_full_pay().to_body())
    node = body
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    assert [p.path for p in problems("pay", body)] == [path]


def test_the_journal_check_accepts_masked_card_data_only_there() -> None:
    body = copy.deepcopy(_full_pay().to_body())
    meta = body["paymentMethod"]["paymentMethodMetaData"]
    meta["cardNo"], meta["cvv"] = "405469******0768", "[removed]"
    assert problems("pay", body, journaled=True) == []
    assert {p.path for p in problems("pay", body)} == {
        "paymentMethod.paymentMethodMetaData.cardNo",
        "paymentMethod.paymentMethodMetaData.cvv",
    }


# -- env.clientIp ----------------------------------------------------------------------------


def test_the_till_address_skips_loopback_link_local_and_junk() -> None:
    assert pick_address(["127.0.0.1", "169.254.3.4", "nonsense", "10.1.2.3"]) == "10.1.2.3"
    assert pick_address(["127.0.0.1", "0.0.0.0"]) is None
    assert pick_address([]) is None


def test_the_till_address_is_a_usable_ip_or_unknown() -> None:
    found = till_address()
    if found is not None:
        addr = ipaddress.ip_address(found)
        assert not (addr.is_loopback or addr.is_link_local)
