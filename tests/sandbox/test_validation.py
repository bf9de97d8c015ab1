"""pay / capture / refund input validation: each refusal names the field at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from posapp.sandbox import Sandbox
from tests.sandbox.helpers import RawClient, pay_body

META = "paymentMethod.paymentMethodMetaData"


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    return body["paymentMethod"]["paymentMethodMetaData"]


def _set(path: list[str], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


_DELETE = object()
M = ["paymentMethod", "paymentMethodMetaData"]

CASES = [
    ("no request id", _set(["paymentRequestId"], _DELETE), "PARAM_ILLEGAL", "paymentRequestId"),
    ("long request id", _set(["paymentRequestId"], "x" * 65), "PARAM_ILLEGAL", "paymentRequestId"),
    (
        "request id not a string",
        _set(["paymentRequestId"], 12),
        "PARAM_ILLEGAL",
        "paymentRequestId",
    ),
    ("no product code", _set(["productCode"], _DELETE), "PARAM_ILLEGAL", "productCode"),
    ("wrong product code", _set(["productCode"], "X"), "PARAM_ILLEGAL", "productCode"),
    ("no amount", _set(["paymentAmount"], _DELETE), "PARAM_ILLEGAL", "paymentAmount"),
    (
        "amount is a number",
        _set(["paymentAmount", "value"], 10.5),
        "PARAM_ILLEGAL",
        "paymentAmount.value",
    ),
    (
        "amount with decimals",
        _set(["paymentAmount", "value"], "10.50"),
        "PARAM_ILLEGAL",
        "paymentAmount.value",
    ),
    (
        "amount negative",
        _set(["paymentAmount", "value"], "-5"),
        "PARAM_ILLEGAL",
        "paymentAmount.value",
    ),
    ("amount zero", _set(["paymentAmount", "value"], "0"), "INVALID_AMOUNT", "paymentAmount.value"),
    (
        "amount 17 digits",
        _set(["paymentAmount", "value"], "1" * 17),
        "PARAM_ILLEGAL",
        "paymentAmount.value",
    ),
    (
        "currency lower case",
        _set(["paymentAmount", "currency"], "usd"),
        "PARAM_ILLEGAL",
        "paymentAmount.currency",
    ),
    (
        "currency unknown",
        _set(["paymentAmount", "currency"], "XXX"),
        "CURRENCY_NOT_SUPPORT",
        "paymentAmount.currency",
    ),
    ("no order", _set(["order"], _DELETE), "PARAM_ILLEGAL", "order"),
    ("order not an object", _set(["order"], "o"), "PARAM_ILLEGAL", "order"),
    (
        "no reference order id",
        _set(["order", "referenceOrderId"], _DELETE),
        "PARAM_ILLEGAL",
        "order.referenceOrderId",
    ),
    (
        "long description",
        _set(["order", "orderDescription"], "d" * 257),
        "PARAM_ILLEGAL",
        "order.orderDescription",
    ),
    (
        "no order amount",
        _set(["order", "orderAmount"], _DELETE),
        "PARAM_ILLEGAL",
        "order.orderAmount",
    ),
    (
        "not a card",
        _set(["paymentMethod", "paymentMethodType"], "ALIPAY_CN"),
        "PARAM_ILLEGAL",
        "paymentMethod.paymentMethodType",
    ),
    (
        "no card data",
        _set(["paymentMethod", "paymentMethodMetaData"], _DELETE),
        "PARAM_ILLEGAL",
        META,
    ),
    ("no card number", _set([*M, "cardNo"], _DELETE), "PARAM_ILLEGAL", f"{META}.cardNo"),
    (
        "card number with letters",
        _set([*M, "cardNo"], "4054abcd23100768"),
        "PARAM_ILLEGAL",
        f"{META}.cardNo",
    ),
    (
        "card number Luhn",
        _set([*M, "cardNo"], "4054695723100769"),
        "INVALID_CARD_NUMBER",
        f"{META}.cardNo",
    ),
    (
        "card number short",
        _set([*M, "cardNo"], "40546957"),
        "INVALID_CARD_NUMBER",
        f"{META}.cardNo",
    ),
    (
        "unknown brand",
        _set([*M, "cardNo"], "1234567812345670"),
        "CARD_NOT_SUPPORTED",
        f"{META}.cardNo",
    ),
    ("month 13", _set([*M, "expiryMonth"], "13"), "INVALID_EXPIRATION_DATE", f"{META}.expiryMonth"),
    (
        "month one digit",
        _set([*M, "expiryMonth"], "6"),
        "INVALID_EXPIRATION_DATE",
        f"{META}.expiryMonth",
    ),
    ("month number", _set([*M, "expiryMonth"], 6), "PARAM_ILLEGAL", f"{META}.expiryMonth"),
    ("year four digits", _set([*M, "expiryYear"], "2030"), "PARAM_ILLEGAL", f"{META}.expiryYear"),
    ("expired", _set([*M, "expiryYear"], "20"), "INVALID_EXPIRATION_DATE", f"{META}.expiryYear"),
    ("two-digit CVV", _set([*M, "cvv"], "99"), "INVALID_CVV", f"{META}.cvv"),
    ("four-digit CVV on Visa", _set([*M, "cvv"], "1234"), "INVALID_CVV", f"{META}.cvv"),
    ("CVV letters", _set([*M, "cvv"], "12a"), "INVALID_CVV", f"{META}.cvv"),
    (
        "holder not an object",
        _set([*M, "cardholderName"], "Ada"),
        "PARAM_ILLEGAL",
        f"{META}.cardholderName",
    ),
    ("holder empty", _set([*M, "cardholderName"], {}), "PARAM_ILLEGAL", f"{META}.cardholderName"),
    (
        "holder first name long",
        _set([*M, "cardholderName", "firstName"], "A" * 33),
        "PARAM_ILLEGAL",
        f"{META}.cardholderName.firstName",
    ),
    (
        "3DS flag junk",
        _set([*M, "is3DSAuthentication"], "maybe"),
        "PARAM_ILLEGAL",
        f"{META}.is3DSAuthentication",
    ),
    (
        "capture mode junk",
        _set(["paymentFactor", "captureMode"], "LATER"),
        "PARAM_ILLEGAL",
        "paymentFactor.captureMode",
    ),
    (
        "notify url not a url",
        _set(["paymentNotifyUrl"], "ftp://x"),
        "PARAM_ILLEGAL",
        "paymentNotifyUrl",
    ),
    (
        "notify url too long",
        _set(["paymentNotifyUrl"], "https://x/" + "a" * 2048),
        "PARAM_ILLEGAL",
        "paymentNotifyUrl",
    ),
    (
        "terminal type junk",
        _set(["env", "terminalType"], "TV"),
        "PARAM_ILLEGAL",
        "env.terminalType",
    ),
    (
        "expiry time junk",
        _set(["paymentExpiryTime"], "tomorrow"),
        "PARAM_ILLEGAL",
        "paymentExpiryTime",
    ),
    (
        "IDR not whole",
        _set(["paymentAmount"], {"currency": "IDR", "value": "150"}),
        "INVALID_AMOUNT",
        "paymentAmount",
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pay_refusals_name_the_field(
    raw: RawClient,
    sandbox: Sandbox,
    change: Callable[[dict[str, Any]], None],
    code: str,
    field: str,
) -> None:
    body = pay_body("v-1", order="v-order")
    change(body)
    answer = raw.call("pay", body)
    assert answer.verified
    assert answer.result["resultStatus"] == "F"
    assert answer.code == code, answer.result
    assert answer.result["resultMessage"].startswith(field), answer.result
    assert sandbox.ledger().order("v-order").payments == 0


def test_published_input_errors(raw: RawClient) -> None:
    """docs.antom.com/ac/ref/card: expiryMonth 13 and a two-digit CVC are input errors."""
    assert raw.call("pay", pay_body("pub-1", month="13")).code == "INVALID_EXPIRATION_DATE"
    assert raw.call("pay", pay_body("pub-2", cvv="99")).code == "INVALID_CVV"


def test_amount_strings_and_booleans_as_strings_are_accepted(raw: RawClient) -> None:
    body = pay_body("strings", three_ds=None)
    _meta(body)["is3DSAuthentication"] = "false"
    body["paymentFactor"]["isAuthorization"] = "true"
    assert raw.call("pay", body).code == "SUCCESS"


def test_refused_input_leaves_the_request_id_usable(raw: RawClient) -> None:
    assert raw.call("pay", pay_body("fixme", cvv="1")).code == "INVALID_CVV"
    assert raw.call("pay", pay_body("fixme")).code == "SUCCESS"


@pytest.mark.parametrize(
    ("api", "body", "field"),
    [
        (
            "capture",
            {"paymentId": "p", "captureAmount": {"currency": "USD", "value": "1"}},
            "captureRequestId",
        ),
        (
            "capture",
            {"captureRequestId": "c", "captureAmount": {"currency": "USD", "value": "1"}},
            "paymentId",
        ),
        ("capture", {"captureRequestId": "c", "paymentId": "p"}, "captureAmount"),
        (
            "refund",
            {"paymentId": "p", "refundAmount": {"currency": "USD", "value": "1"}},
            "refundRequestId",
        ),
        (
            "refund",
            {
                "refundRequestId": "r",
                "paymentId": "p",
                "refundAmount": {"currency": "USD", "value": "x"},
            },
            "refundAmount.value",
        ),
        (
            "refund",
            {
                "refundRequestId": "r",
                "paymentId": "p",
                "refundAmount": {"currency": "USD", "value": "1"},
                "refundReason": "x" * 257,
            },
            "refundReason",
        ),
        ("cancel", {}, "paymentId"),
        ("inquiryPayment", {}, "paymentId"),
        ("inquiryPayment", {"paymentId": ["a"]}, "paymentId"),
        ("inquiryRefund", {}, "refundId"),
        ("consult", {"paymentAmount": {"currency": "USD", "value": "1"}}, "productCode"),
    ],
)
def test_other_apis_name_the_field(
    raw: RawClient, api: str, body: dict[str, Any], field: str
) -> None:
    answer = raw.call(api, body)
    assert answer.verified
    assert answer.code == "PARAM_ILLEGAL", answer.result
    assert answer.result["resultMessage"].startswith(field)


@pytest.mark.parametrize(
    "raw_body", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"a": NaN', b"[" * 100000]
)
def test_bodies_that_are_not_json_objects(raw: RawClient, raw_body: bytes) -> None:
    answer = raw.call("pay", raw_body)
    assert answer.verified
    assert answer.code == "PARAM_ILLEGAL"
