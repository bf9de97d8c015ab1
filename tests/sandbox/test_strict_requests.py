"""The sandbox checks every request like the gateway (issue 11, item 2).

Three kinds of proof: (1) parametrised over the sandbox's own table (``validation.RULES``):
every field of a complete body, taken away or given a wrong value, is refused with the table's
code and a message that starts with its path; (2) hand-written cases copied from the seed guide's
text (``shared/antom-protocol.md``), so that a wrong or missing table row is caught too; (3) the
guide's request field tables, filled in as samples, are accepted, and every response field the
guide lists for a card payment is produced.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from posapp.sandbox import Sandbox, engine, validation
from posapp.sandbox.validation import (
    AMOUNT_FIELDS,
    Amount,
    Choice,
    Currency,
    Day,
    Field,
    Flag,
    Integer,
    IpAddress,
    Items,
    Kind,
    Moment,
    Obj,
    Text,
    Unless,
    Url,
)
from tests.sandbox.helpers import RawClient, pay_body

MASTERCARD_OK = "5162774114974622"
CAPTURE_IN_PROCESS_CARD = "4000020000001008"
META = "paymentMethod.paymentMethodMetaData"


# -- request samples: the guide's field tables (sections 4-10), every documented field filled ----
def sample_pay(request_id: str, **extra: Any) -> dict[str, Any]:
    """A card pay with every field of 4.1-4.5 that a card payment may carry."""
    body: dict[str, Any] = {
        "productCode": "CASHIER_PAYMENT",
        "paymentRequestId": request_id,
        "order": {
            "referenceOrderId": f"ORDER-{request_id}",
            "orderDescription": "Cappuccino x2",
            "orderAmount": {"currency": "USD", "value": "1000"},
            "buyer": {
                "referenceBuyerId": "buyer-0001",
                "buyerName": {"firstName": "Ada", "lastName": "Lovelace"},
                "buyerEmail": "ada@example.com",
                "buyerPhoneNo": "+6590000000",
                "buyerRegistrationTime": "2019-11-27T12:01:01+08:00",
            },
            "goods": [
                {
                    "referenceGoodsId": "SKU-1",
                    "goodsName": "Cappuccino",
                    "goodsCategory": "Food/Coffee",
                    "goodsBrand": "House",
                    "goodsUnitAmount": {"currency": "USD", "value": "500"},
                    "goodsQuantity": "2",
                    "goodsUrl": "https://shop.example/goods/1",
                    "deliveryMethodType": "PHYSICAL",
                }
            ],
            "shipping": {
                "shippingName": {"firstName": "Ada", "lastName": "Lovelace"},
                "shippingAddress": {"region": "SG", "city": "Singapore", "zipCode": "018956"},
                "shippingCarrier": "Courier",
                "shippingPhoneNo": "+6590000000",
                "shipToEmail": "ada@example.com",
            },
            "merchant": {
                "referenceMerchantId": "SM-1",
                "merchantMCC": "5812",
                "merchantName": "Cafe",
                "merchantDisplayName": "Cafe",
                "merchantAddress": {"region": "SG"},
                "merchantRegisterDate": "2019-11-27T12:01:01+08:00",
                "store": {},
                "merchantType": "INDIVIDUAL",
            },
        },
        "paymentAmount": {"currency": "USD", "value": "1000"},
        "paymentMethod": {
            "paymentMethodType": "CARD",
            "paymentMethodMetaData": {
                "cardNo": "4054695723100768",
                "cvv": "123",
                "expiryMonth": "06",
                "expiryYear": "30",
                "cardholderName": {"firstName": "Ada", "lastName": "Lovelace"},
                "billingAddress": {"region": "CN"},
                "is3DSAuthentication": False,
                "tokenize": False,
            },
        },
        "paymentFactor": {"isAuthorization": True, "captureMode": "MANUAL"},
        "paymentRedirectUrl": "https://shop.example/return",
        "settlementStrategy": {"settlementCurrency": "USD"},
        "env": {
            "terminalType": "WEB",
            "clientIp": "203.0.113.9",
            "userAgent": "Mozilla/5.0",
            "browserInfo": {
                "acceptHeader": "text/html",
                "javaEnabled": False,
                "javaScriptEnabled": True,
                "language": "en-SG",
                "userAgent": "Mozilla/5.0",
            },
            "colorDepth": "24",
            "screenHeight": "900",
            "screenWidth": "1440",
            "timeZoneOffset": -480,
        },
        "merchantRegion": "SG",
        "merchantAccountId": "ACC-1",
    }
    body.update(extra)
    return body


def base_bodies() -> dict[str, dict[str, Any]]:
    amount = {"currency": "USD", "value": "1000"}
    return {
        "pay": sample_pay("table-1"),
        "capture": {
            "captureRequestId": "cap-1",
            "paymentId": "2026120200000000000000001",
            "captureAmount": amount,
            "isLastCapture": True,
            "captureType": "FINAL",
        },
        "cancel": {"paymentId": "2026120200000000000000001", "merchantAccountId": "ACC-1"},
        "refund": {
            "refundRequestId": "ref-1",
            "paymentId": "2026120200000000000000001",
            "refundAmount": amount,
            "referenceRefundId": "RR-1",
            "refundReason": "changed mind",
            "refundNotifyUrl": "https://shop.example/refund",
        },
        "inquiryPayment": {"paymentRequestId": "pr-1", "merchantAccountId": "ACC-1"},
        "inquiryRefund": {"refundRequestId": "rr-1", "merchantAccountId": "ACC-1"},
        "consult": {
            "productCode": "CASHIER_PAYMENT",
            "paymentAmount": amount,
            "env": {"terminalType": "WEB", "clientIp": "203.0.113.9"},
            "merchantRegion": "SG",
            "userRegion": "SG",
            "allowedPaymentMethodRegions": ["GLOBAL", "SG"],
            "settlementStrategy": {"settlementCurrency": "USD"},
            "paymentFactor": {"isAuthorization": True},
        },
        # the card features of 16-19, each a pay body of its own (name: pay#<feature>)
        "pay#stored": stored_card_pay("table-stored"),
        "pay#installments": installment_pay("table-plan"),
        "pay#mpi": mpi_pay("table-mpi"),
        "inquireToken": {"merchantAccountId": "ACC-1", "token": UNKNOWN_TOKEN},
        "deleteToken": {"merchantAccountId": "ACC-1", "token": UNKNOWN_TOKEN},
        "getCardInfo": {
            "cardNo": "4970020000000006",
            "cardBin": "497002",
            "paymentMethodRegion": "GLOBAL",
        },
    }


UNKNOWN_TOKEN = "ALIPAY" + "QUJD" * 10 + "=="


def stored_card_pay(request_id: str) -> dict[str, Any]:
    """An MIT with a stored card (17.2): token, isCardOnFile, recurringType, network id."""
    body = sample_pay(request_id)
    body["paymentMethod"] = {
        "paymentMethodType": "CARD",
        "paymentMethodId": UNKNOWN_TOKEN,
        "paymentMethodMetaData": {
            "isCardOnFile": True,
            "recurringType": "UNSCHEDULED",
            "networkTransactionId": "123456789012345",
        },
    }
    return body


def installment_pay(request_id: str) -> dict[str, Any]:
    body = sample_pay(request_id)
    body["paymentAmount"] = {"currency": "USD", "value": "60000"}
    body["order"]["orderAmount"] = {"currency": "USD", "value": "60000"}
    body["paymentFactor"] = {"isAuthorization": True, "captureMode": "AUTOMATIC"}
    body["creditPayPlan"] = {
        "installmentNum": "6",
        "interval": "MONTH",
        "creditPayFeeType": "PERCENTAGE",
        "feePercentage": "0",
    }
    return body


MPI = {
    "threeDSVersion": "2.2.0",
    "eci": "05",
    "cavv": "AAECAwQFBgcICQoLDA0ODxAREhM=",
    "dsTransactionId": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
    "credentialType": "PAN",
}


def mpi_pay(request_id: str) -> dict[str, Any]:
    body = sample_pay(request_id)
    body["paymentMethod"]["paymentMethodMetaData"]["mpiData"] = dict(MPI)
    return body


def route(case: str) -> str:
    """The API path of a base body's name (``pay#mpi`` -> ``pay``; token APIs: vaults/)."""
    api = case.split("#")[0]
    return f"vaults/{api}" if api in ("inquireToken", "deleteToken") else api


# -- walking the table -----------------------------------------------------------------------
def _children(kind: Kind) -> tuple[Field, ...] | None:
    if isinstance(kind, Obj):
        return kind.fields
    if isinstance(kind, Amount):
        return AMOUNT_FIELDS
    return None


def _present(
    rules: tuple[Field, ...], obj: dict[str, Any], prefix: str
) -> Iterator[tuple[list[str | int], str, Field, dict[str, Any]]]:
    """(JSON path, dotted path, rule, parent) of every field the body carries, depth first."""
    for rule in rules:
        if rule.key not in obj:
            continue
        path = f"{prefix}.{rule.key}" if prefix else rule.key
        yield [rule.key], path, rule, obj
        value = obj[rule.key]
        kind = rule.kind
        index: list[str | int] = [rule.key]
        if isinstance(kind, Items) and value:
            kind, value, index, path = kind.item, value[0], [rule.key, 0], f"{path}[0]"
        children = _children(kind)
        if children is not None and isinstance(value, dict):
            for sub, sub_path, sub_rule, parent in _present(children, value, path):
                yield [*index, *sub], sub_path, sub_rule, parent


def _cases() -> Iterator[tuple[str, list[str | int], str, Field, bool]]:
    for api, body in base_bodies().items():
        ctx = validation.Context(body, datetime.now(UTC))
        for where, path, rule, parent in _present(validation.RULES[api.split("#")[0]], body, ""):
            required = validation.is_required(rule, parent, ctx)
            yield api, where, path, rule, required


def _edit(body: dict[str, Any], where: list[str | int], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: Any = body
    for key in where[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[where[-1]]
    else:
        target[where[-1]] = value
    return body


_DELETE = object()


def _wrong_type(kind: Kind) -> Any:
    """A value of the wrong JSON type for ``kind``: always PARAM_ILLEGAL."""
    if isinstance(kind, Obj | Amount | Items):
        return "not-an-object-or-array"
    if isinstance(kind, Flag | Integer):
        return "maybe"
    return 12345  # every string kind


def _wrong_format(kind: Kind, rule: Field) -> tuple[Any, str, str] | None:
    """(value, expected code, path suffix) of a well-typed value in the wrong format."""
    if isinstance(kind, Text):
        if kind.pattern is not None:
            return "!" * min(kind.max_len, 3), rule.bad, ""
        return "x" * (kind.max_len + 1), "PARAM_ILLEGAL", ""
    if isinstance(kind, Choice):
        return "NOT_A_VALUE", rule.bad, ""
    if isinstance(kind, Url):
        return "ftp://files.example/x", rule.bad, ""
    if isinstance(kind, Moment | Day):
        return "tomorrow", rule.bad, ""
    if isinstance(kind, IpAddress):
        return "not-an-ip", rule.bad, ""
    if isinstance(kind, Currency):
        return "usd", rule.bad, ""
    if isinstance(kind, Integer):
        return kind.hi + 1, rule.bad, ""
    if isinstance(kind, Amount):
        return {"currency": "USD", "value": "10.50"}, "PARAM_ILLEGAL", ".value"
    return None


CASES = list(_cases())
MISSING = [c for c in CASES if c[4]]
assert len(MISSING) >= 30  # the table walk found the required fields


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory, key_files: Path) -> Iterator[Sandbox]:
    """One sandbox for the refusal cases: a refused request changes nothing."""
    import shutil

    target = tmp_path_factory.mktemp("strict") / "sandbox"
    shutil.copytree(key_files, target)
    with Sandbox(target) as sb:
        yield sb


@pytest.fixture(scope="module")
def shared_raw(shared_sandbox: Sandbox) -> Iterator[RawClient]:
    client = RawClient(shared_sandbox)
    yield client
    client.close()


def _refused(answer: Any, code: str, path: str) -> None:
    assert answer.verified
    assert answer.result["resultStatus"] == "F", answer.result
    assert answer.code == code, (path, answer.result)
    message = answer.result["resultMessage"]
    assert message.startswith(path + ":") or message.startswith(path + "."), (path, message)


def _refused_field(answer: Any, code: str, path: str, rule: Field) -> None:
    if isinstance(rule.need, Unless) and rule.need.other.startswith("$."):
        # card data unless a stored card: refused by path, naming the alternative
        _refused(answer, code, path)
        assert rule.need.other.removeprefix("$.") in answer.result["resultMessage"]
        return
    if isinstance(rule.need, Unless):  # one of two ids: the message names the pair
        assert answer.code == code and answer.result["resultStatus"] == "F", answer.result
        pair = {rule.key, rule.need.other}
        head = answer.result["resultMessage"].split(":")[0]
        assert head in pair and all(key in answer.result["resultMessage"] for key in pair)
        return
    _refused(answer, code, path)


@pytest.mark.parametrize(
    ("api", "where", "path", "rule"),
    [c[:4] for c in MISSING],
    ids=[f"{c[0]}:{c[2]}" for c in MISSING],
)
def test_each_required_field_missing_is_refused_by_name(
    shared_raw: RawClient, api: str, where: list[str | int], path: str, rule: Field
) -> None:
    body = base_bodies()[api]
    call = route(api)
    _refused_field(shared_raw.call(call, _edit(body, where, _DELETE)), rule.missing, path, rule)
    # null counts as missing, as on the gateway
    _refused_field(shared_raw.call(call, _edit(body, where, None)), rule.missing, path, rule)


@pytest.mark.parametrize(
    ("api", "where", "path", "rule"),
    [c[:4] for c in CASES],
    ids=[f"{c[0]}:{c[2]}" for c in CASES],
)
def test_each_field_malformed_is_refused_by_name(
    shared_raw: RawClient, api: str, where: list[str | int], path: str, rule: Field
) -> None:
    body = base_bodies()[api]
    call = route(api)
    _refused(
        shared_raw.call(call, _edit(body, where, _wrong_type(rule.kind))), "PARAM_ILLEGAL", path
    )
    wrong = _wrong_format(rule.kind, rule)
    if wrong is not None:
        value, code, suffix = wrong
        _refused(shared_raw.call(call, _edit(body, where, value)), code, path + suffix)


def test_the_complete_base_bodies_pass_the_table(shared_raw: RawClient) -> None:
    """The cases above start from bodies the table accepts (unknown ids: ORDER_NOT_EXIST;
    an unknown card token: INVALID_PAYMENT_METHOD_META_DATA)."""
    for api, body in base_bodies().items():
        answer = shared_raw.call(route(api), body)
        assert answer.verified
        assert answer.code in ("SUCCESS", "ORDER_NOT_EXIST", engine.TOKEN_REFUSED), (
            api,
            answer.result,
        )
        if api.startswith("pay#") and api != "pay#stored":
            assert answer.code == "SUCCESS", (api, answer.result)


# -- hand-written cases, straight from the guide's text --------------------------------------
def _pay(**changes: Any) -> dict[str, Any]:
    body = pay_body("hand-1", order="hand-order")
    body.update(changes)
    return body


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    return _edit(body, list(path), _DELETE)


HAND = [
    # 20.1: paymentRedirectUrl is mandatory ("settles the 15 open point")
    ("20.1 redirect url", "pay", _without(_pay(), "paymentRedirectUrl"), "PARAM_ILLEGAL",
     "paymentRedirectUrl"),
    # 20.1: env and env.terminalType are mandatory
    ("20.1 env", "pay", _without(_pay(), "env"), "PARAM_ILLEGAL", "env"),
    ("20.1 terminalType", "pay", _without(_pay(), "env", "terminalType"), "PARAM_ILLEGAL",
     "env.terminalType"),
    # 4.5: osType is needed for WAP/APP
    ("4.5 osType for APP", "pay", _pay(env={"terminalType": "APP", "clientIp": "10.0.0.1"}),
     "PARAM_ILLEGAL", "env.osType"),
    # 4.1: appId only when terminalType=MINI_APP
    ("4.1 appId for MINI_APP", "pay",
     _pay(env={"terminalType": "MINI_APP", "osType": "IOS"}), "PARAM_ILLEGAL", "appId"),
    # 4.4 / 20.1: order's three fields
    ("20.1 orderDescription", "pay", _without(_pay(), "order", "orderDescription"),
     "PARAM_ILLEGAL", "order.orderDescription"),
    ("20.1 paymentMethodType", "pay", _without(_pay(), "paymentMethod", "paymentMethodType"),
     "PARAM_ILLEGAL", "paymentMethod.paymentMethodType"),
    ("20.1 paymentAmount.currency", "pay", _without(_pay(), "paymentAmount", "currency"),
     "PARAM_ILLEGAL", "paymentAmount.currency"),
    # 4.3: storePaymentMethodForBuyer needs a non-empty referenceBuyerId (else PARAM_ILLEGAL)
    ("4.3 store for buyer", "pay",
     _pay(paymentFactor={"captureMode": "MANUAL", "storePaymentMethodForBuyer": True}),
     "PARAM_ILLEGAL", "order.buyer"),
    # 3.3 length limits
    ("3.3 paymentRequestId 64", "pay", _pay(paymentRequestId="p" * 65), "PARAM_ILLEGAL",
     "paymentRequestId"),
    ("3.3 paymentRedirectUrl 2048", "pay",
     _pay(paymentRedirectUrl="https://shop.example/" + "a" * 2030), "PARAM_ILLEGAL",
     "paymentRedirectUrl"),
    ("3.3 clientIp 64", "pay", _pay(env={"terminalType": "WEB", "clientIp": "1" * 65}),
     "PARAM_ILLEGAL", "env.clientIp"),
    ("3.3 merchantAccountId 32", "pay", _pay(merchantAccountId="m" * 33), "PARAM_ILLEGAL",
     "merchantAccountId"),
    ("3.3 settlementCurrency 3", "pay", _pay(settlementStrategy={"settlementCurrency": "USDX"}),
     "PARAM_ILLEGAL", "settlementStrategy.settlementCurrency"),
    # 20.1: sub-objects, if sent
    ("20.1 goods name", "pay",
     _pay(order={**_pay()["order"], "goods": [{"referenceGoodsId": "g"}]}), "PARAM_ILLEGAL",
     "order.goods[0].goodsName"),
    ("20.1 address region", "pay",
     _edit(_pay(), ["paymentMethod", "paymentMethodMetaData", "billingAddress"],
           {"city": "Singapore"}),
     "PARAM_ILLEGAL", f"{META}.billingAddress.region"),
    ("20.1 user name lastName", "pay",
     _edit(_pay(), ["paymentMethod", "paymentMethodMetaData", "cardholderName"],
           {"firstName": "Ada"}),
     "PARAM_ILLEGAL", f"{META}.cardholderName.lastName"),
    # 4.8 / 20.2: settlement currency outside the contract
    ("20.2 settle contract", "pay", _pay(settlementStrategy={"settlementCurrency": "XYZ"}),
     "SETTLE_CONTRACT_NOT_MATCH", "settlementStrategy.settlementCurrency"),
    ("settlementStrategy shape", "pay", _pay(settlementStrategy="USD"), "PARAM_ILLEGAL",
     "settlementStrategy"),
    # 3.2: ISO 8601 with an offset
    ("3.2 expiry without offset", "pay", _pay(paymentExpiryTime="2030-01-01T10:00:00"),
     "PARAM_ILLEGAL", "paymentExpiryTime"),
    ("3.2 expiry date only", "pay", _pay(paymentExpiryTime="2030-01-01"), "PARAM_ILLEGAL",
     "paymentExpiryTime"),
    # 4.5: timeZoneOffset -720..720, colorDepth from a list
    ("4.5 timeZoneOffset", "pay",
     _pay(env={"terminalType": "WEB", "timeZoneOffset": 721}), "PARAM_ILLEGAL",
     "env.timeZoneOffset"),
    ("4.5 colorDepth", "pay", _pay(env={"terminalType": "WEB", "colorDepth": "5"}),
     "PARAM_ILLEGAL", "env.colorDepth"),
    # 4.2 / 20.2: card data
    ("4.2 expiryYear", "pay", _without(_pay(), "paymentMethod", "paymentMethodMetaData",
                                       "expiryYear"), "PARAM_ILLEGAL", f"{META}.expiryYear"),
    ("4.2 dateOfBirth", "pay",
     _edit(_pay(), ["paymentMethod", "paymentMethodMetaData", "dateOfBirth"], "1990-13-01"),
     "PARAM_ILLEGAL", f"{META}.dateOfBirth"),
    ("19.1 selected brand", "pay",
     _edit(_pay(), ["paymentMethod", "paymentMethodMetaData", "selectedCardBrand"], "JCB"),
     "SELECTED_CARD_BRAND_NOT_AVAILABLE", f"{META}.selectedCardBrand"),
    # 6.1 / 8.1 / 10.1 / 20.1 related APIs
    ("6.1 captureAmount", "capture", {"captureRequestId": "c", "paymentId": "p"},
     "PARAM_ILLEGAL", "captureAmount"),
    ("8.1 refundAmount", "refund", {"refundRequestId": "r", "paymentId": "p"},
     "PARAM_ILLEGAL", "refundAmount"),
    ("3.3 refundNotifyUrl 1024", "refund",
     {"refundRequestId": "r", "paymentId": "p", "refundAmount": {"currency": "USD", "value": "1"},
      "refundNotifyUrl": "https://shop.example/" + "a" * 1010}, "PARAM_ILLEGAL",
     "refundNotifyUrl"),
    ("10.1 consult env", "consult",
     {"productCode": "CASHIER_PAYMENT", "paymentAmount": {"currency": "USD", "value": "1"}},
     "PARAM_ILLEGAL", "env"),
    ("10.1 consult regions", "consult",
     {"productCode": "CASHIER_PAYMENT", "paymentAmount": {"currency": "USD", "value": "1"},
      "env": {"terminalType": "WEB"}, "allowedPaymentMethodRegions": ["GLOBALS"]},
     "PARAM_ILLEGAL", "allowedPaymentMethodRegions[0]"),
    # 5.1 / 7.1 / 9: one of two ids
    ("5.1 one id", "inquiryPayment", {"merchantAccountId": "A"}, "PARAM_ILLEGAL", "paymentId"),
    ("7.1 one id", "cancel", {}, "PARAM_ILLEGAL", "paymentId"),
    ("9 one id", "inquiryRefund", {}, "PARAM_ILLEGAL", "refundId"),
    ("9 no special characters", "inquiryRefund", {"refundRequestId": "r<1>"}, "PARAM_ILLEGAL",
     "refundRequestId"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("api", "body", "code", "path"), [h[1:] for h in HAND], ids=[h[0] for h in HAND]
)
def test_cases_from_the_guide_text(
    shared_raw: RawClient, api: str, body: dict[str, Any], code: str, path: str
) -> None:
    _refused(shared_raw.call(api, body), code, path)


def test_scalars_as_strings_or_json_types_are_both_accepted(raw: RawClient) -> None:
    """1.5: the docs send every scalar as a string, the SDKs send JSON booleans/numbers."""
    body = sample_pay("strings")
    body["env"]["timeZoneOffset"] = "-480"
    body["env"]["browserInfo"]["javaEnabled"] = "false"
    body["paymentFactor"]["isAuthorization"] = "true"
    assert raw.call("pay", body).code == "SUCCESS"


def test_optional_fields_may_be_left_out(raw: RawClient) -> None:
    """The minimal pay of 20.1 (no settlementStrategy, clientIp, notify URL) is accepted."""
    body = pay_body("minimal", env={"terminalType": "WEB"})
    assert "settlementStrategy" not in body and "paymentNotifyUrl" not in body
    assert raw.call("pay", body).code == "SUCCESS"


# -- every request sample accepted, every response field produced ---------------------------
R = None  # a leaf: the key must be there, whatever its value
RESULT = {"resultCode": R, "resultStatus": R, "resultMessage": R}
AMOUNT = {"currency": R, "value": R}
CARD_INFO = {  # 4.7, the fields a sandbox card payment can carry
    "cardNo": R, "cardBrand": R, "issuingCountry": R, "issuerName": R, "funding": R,
    "cardCategory": R, "paymentMethodRegion": R, "cardBin": R, "lastFour": R,
    "expiryMonth": R, "expiryYear": R, "cardholderName": R, "avsResultRaw": R,
    "cvvResultRaw": R, "networkTransactionId": R, "authorizationCode": R, "rrn": R,
    "fingerprint": R, "credentialTypeUsed": R, "incrementalAuthorizationAvailable": R,
    "extendedAuthorizationAvailable": R, "refundOnAuthorizationAvailable": R,
}  # fmt: skip
PAY_S = {  # 4.6 for an authorised card payment (manual capture)
    "result": RESULT, "paymentRequestId": R, "paymentId": R, "paymentAmount": AMOUNT,
    "paymentCreateTime": R, "paymentTime": R, "authExpiryTime": R,
    "paymentResultInfo": CARD_INFO,
}  # fmt: skip
INQUIRY = {  # 5.2 with one capture in transactions[]
    "result": RESULT, "paymentStatus": R, "paymentResultCode": R, "paymentResultMessage": R,
    "paymentRequestId": R, "paymentId": R, "paymentAmount": AMOUNT, "paymentCreateTime": R,
    "paymentTime": R, "authExpiryTime": R, "paymentMethodType": R,
    "paymentResultInfo": CARD_INFO,
    "transactions": [{
        "transactionType": R, "transactionStatus": R, "transactionResult": RESULT,
        "transactionId": R, "transactionRequestId": R, "transactionAmount": AMOUNT,
        "transactionTime": R,
    }],
}  # fmt: skip
CAPTURE = {  # 6.1
    "result": RESULT, "captureRequestId": R, "captureId": R, "paymentId": R,
    "captureAmount": AMOUNT, "captureTime": R,
}  # fmt: skip
CANCEL = {"result": RESULT, "paymentId": R, "paymentRequestId": R, "cancelTime": R}  # 7.1
REFUND = {  # 8.2
    "result": RESULT, "refundRequestId": R, "refundId": R, "paymentId": R,
    "refundAmount": AMOUNT, "refundTime": R,
}  # fmt: skip
INQUIRY_REFUND = {  # 9
    "result": RESULT, "refundStatus": R, "refundId": R, "refundRequestId": R,
    "refundAmount": AMOUNT, "refundTime": R,
}  # fmt: skip
LOGO = {"logoName": R, "logoUrl": R}
CONSULT = {  # 10.2
    "result": RESULT,
    "paymentOptions": [{
        "paymentMethodType": R, "paymentMethodCategory": R, "paymentMethodRegion": R,
        "enabled": R, "preferred": R, "logo": LOGO, "supportedCurrencies": R,
        "paymentOptionDetail": {"supportCardBrands": [{"cardBrand": R, "logo": LOGO}],
                                "funding": R},
    }],
}  # fmt: skip
THREE_DS_CHALLENGE = {  # 4.7, after a passed challenge
    "threeDSVersion": R, "eci": R, "cavv": R, "dsTransactionId": R, "challenged": R,
    "threeDSOffered": R, "paResStatus": R, "liabilityShift": R,
}  # fmt: skip
PAY_U_3DS = {  # 4.6, U with buyer action
    "result": RESULT, "paymentRequestId": R, "paymentId": R, "paymentAmount": AMOUNT,
    "paymentCreateTime": R, "normalUrl": R, "paymentActionForm": R,
    "redirectActionForm": {"method": R, "redirectUrl": R, "actionFormType": R},
}  # fmt: skip
NOTIFY_PAYMENT = {  # 11, for an authorised card payment
    "notifyType": R, "result": RESULT, "paymentRequestId": R, "paymentId": R,
    "paymentAmount": AMOUNT, "paymentCreateTime": R, "paymentTime": R, "authExpiryTime": R,
    "paymentMethodType": R, "paymentResultInfo": CARD_INFO,
}  # fmt: skip
NOTIFY_CAPTURE = {  # 6.4
    "notifyType": R, "result": RESULT, "captureRequestId": R, "paymentId": R, "captureId": R,
    "captureAmount": AMOUNT, "captureTime": R,
}  # fmt: skip
NOTIFY_REFUND = {  # 8.5: the guide's one literal example body
    "notifyType": R, "refundAmount": AMOUNT, "refundId": R, "refundRequestId": R,
    "refundStatus": R, "refundTime": R, "result": RESULT,
}  # fmt: skip


def missing_keys(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every key of ``expected`` (recursively, lists by their first item) not in ``actual``."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path or "<root>"]
        out: list[str] = []
        for key, sub in expected.items():
            where = f"{path}.{key}" if path else key
            if key not in actual:
                out.append(where)
            else:
                out.extend(missing_keys(sub, actual[key], where))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or not actual:
            return [path]
        return missing_keys(expected[0], actual[0], f"{path}[0]")
    return []


def test_missing_keys_finds_nested_gaps() -> None:
    assert missing_keys({"a": {"b": R}, "c": [{"d": R}]}, {"a": {}, "c": [{"e": 1}]}) == [
        "a.b",
        "c[0].d",
    ]


def test_request_samples_accepted_and_response_fields_produced(
    raw: RawClient, sandbox: Sandbox
) -> None:
    pay = raw.call("pay", sample_pay("sample-1", paymentNotifyUrl="http://127.0.0.1:9/n"))
    assert pay.code == "SUCCESS", pay.result
    assert missing_keys(PAY_S, pay.body) == []
    pid = pay.body["paymentId"]
    amount = {"currency": "USD", "value": "1000"}

    capture = raw.call(
        "capture",
        {"captureRequestId": "cap-s1", "paymentId": pid, "captureAmount": amount,
         "isLastCapture": True, "captureType": "FINAL"},
    )  # fmt: skip
    assert capture.code == "SUCCESS" and missing_keys(CAPTURE, capture.body) == []

    for by in ({"paymentId": pid}, {"paymentRequestId": "sample-1", "merchantAccountId": "A"}):
        inquiry = raw.call("inquiryPayment", by)
        assert inquiry.code == "SUCCESS" and missing_keys(INQUIRY, inquiry.body) == []

    refund = raw.call(
        "refund",
        {"refundRequestId": "ref-s1", "paymentId": pid,
         "refundAmount": {"currency": "USD", "value": "400"}, "referenceRefundId": "RR-1",
         "refundReason": "changed mind", "refundNotifyUrl": "http://127.0.0.1:9/refund"},
    )  # fmt: skip
    assert refund.code == "SUCCESS" and missing_keys(REFUND, refund.body) == []
    for by in ({"refundId": refund.body["refundId"]}, {"refundRequestId": "ref-s1"}):
        answer = raw.call("inquiryRefund", by)
        assert answer.code == "SUCCESS" and missing_keys(INQUIRY_REFUND, answer.body) == []
    sent = {d.kind: d.body for d in sandbox.notifications()}
    assert missing_keys(NOTIFY_PAYMENT, sent["notifyPayment"]) == []
    assert missing_keys(NOTIFY_CAPTURE, sent["notifyCapture"]) == []
    assert missing_keys(NOTIFY_REFUND, sent["notifyRefund"]) == []

    held = raw.call("pay", sample_pay("sample-2"))
    assert held.code == "SUCCESS"
    cancel = raw.call("cancel", {"paymentRequestId": "sample-2", "merchantAccountId": "ACC-1"})
    assert cancel.code == "SUCCESS" and missing_keys(CANCEL, cancel.body) == []

    consult = raw.call("consult", base_bodies()["consult"])
    assert consult.code == "SUCCESS" and missing_keys(CONSULT, consult.body) == []


def test_three_ds_answers_carry_every_listed_field(raw: RawClient, sandbox: Sandbox) -> None:
    body = sample_pay("3ds-1")
    body["paymentMethod"]["paymentMethodMetaData"]["is3DSAuthentication"] = True
    pending = raw.call("pay", body)
    assert pending.code == "PAYMENT_IN_PROCESS"
    assert missing_keys(PAY_U_3DS, pending.body) == []
    waiting = raw.call("inquiryPayment", {"paymentRequestId": "3ds-1"}).body
    assert waiting["paymentStatus"] == "PROCESSING"
    assert waiting["redirectActionForm"]["redirectUrl"] == pending.body["normalUrl"]
    assert sandbox.answer_challenge(pending.body["normalUrl"])
    done = raw.call("inquiryPayment", {"paymentRequestId": "3ds-1"})
    three_ds = done.body["paymentResultInfo"]["threeDSResult"]
    assert missing_keys(THREE_DS_CHALLENGE, three_ds) == []
    assert three_ds["challenged"] is True and three_ds["eci"] == "05"


def test_exemption_has_no_cavv_and_names_the_exemption(raw: RawClient) -> None:
    body = pay_body("exempt", card="4035501000000008")
    info = raw.call("pay", body).body["paymentResultInfo"]
    three_ds = info["threeDSResult"]
    assert three_ds["exemptionType"] == "lowValue" and info["exemptionRequested"] == "lowValue"
    assert three_ds["challenged"] is False and "cavv" not in three_ds
    assert {"threeDSVersion", "eci", "dsTransactionId"} <= three_ds.keys()


def test_declines_carry_the_raw_refusal(raw: RawClient) -> None:
    info = raw.call("pay", pay_body("declined", card="4000020000000109")).body["paymentResultInfo"]
    assert info["refusalCodeRaw"] == "51" and info["merchantAdviceCode"] == "01"
    assert "refusalReasonRaw" in info and "authorizationCode" not in info


def test_tokenize_returns_a_card_token_only_on_success(raw: RawClient) -> None:
    ok = pay_body("tok-1")
    ok["paymentMethod"]["paymentMethodMetaData"]["tokenize"] = True
    token = raw.call("pay", ok).body["paymentResultInfo"]["cardToken"]
    assert token.startswith("ALIPAY") and "4054695723100768" not in token
    bad = pay_body("tok-2", card="4054692760174822")
    bad["paymentMethod"]["paymentMethodMetaData"]["tokenize"] = True
    assert "cardToken" not in raw.call("pay", bad).body["paymentResultInfo"]


def test_capture_in_process_shows_as_payment_in_process_in_transactions(
    raw: RawClient, sandbox: Sandbox
) -> None:
    pay = raw.call("pay", pay_body("cip-1", card=CAPTURE_IN_PROCESS_CARD))
    pid = pay.body["paymentId"]
    capture = raw.call(
        "capture",
        {"captureRequestId": "cip-c1", "paymentId": pid,
         "captureAmount": {"currency": "USD", "value": "1000"}},
    )  # fmt: skip
    assert capture.code == "CAPTURE_IN_PROCESS"
    pending = raw.call("inquiryPayment", {"paymentId": pid}).body["transactions"]
    assert [t["transactionType"] for t in pending] == ["CAPTURE"]
    assert pending[0]["transactionStatus"] == "PROCESSING"
    assert pending[0]["transactionResult"]["resultCode"] == "PAYMENT_IN_PROCESS"
    assert pending[0]["transactionResult"]["resultStatus"] == "U"
    sandbox.clock.advance(timedelta(seconds=6))
    settled = raw.call("inquiryPayment", {"paymentId": pid}).body["transactions"]
    assert settled[0]["transactionStatus"] == "SUCCESS"
    assert settled[0]["transactionResult"]["resultCode"] == "SUCCESS"


# -- pages -----------------------------------------------------------------------------------
def test_return_page_is_served(sandbox: Sandbox) -> None:
    page = httpx.get(sandbox.base_url + "/sandbox/return", trust_env=False)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Payment finished — you can return to the till" in page.text
    assert httpx.post(sandbox.base_url + "/sandbox/return", trust_env=False).status_code == 404


def test_pay_with_the_return_page_as_redirect_url(raw: RawClient, sandbox: Sandbox) -> None:
    url = sandbox.base_url + "/sandbox/return"
    answer = raw.call("pay", pay_body("ret-1", three_ds=True, paymentRedirectUrl=url))
    assert answer.code == "PAYMENT_IN_PROCESS"
    done = httpx.post(answer.body["normalUrl"], data={"otp": "123456"}, trust_env=False)
    assert url in done.text


@pytest.mark.parametrize(
    ("currency", "value", "shown"),
    [("SGD", "4250", "SGD 42.50"), ("JPY", "4250", "JPY 4,250"), ("USD", "123456", "USD 1,234.56")],
)
def test_three_ds_page_shows_major_units(
    raw: RawClient, currency: str, value: str, shown: str
) -> None:
    answer = raw.call(
        "pay", pay_body(f"page-{currency}", currency=currency, value=value, three_ds=True)
    )
    page = httpx.get(answer.body["normalUrl"], trust_env=False).text
    assert shown in page
    assert "minor units" not in page
