"""Request builders, strict parsers and the result classifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from posapp.core.antom.errors import InvalidRequestError, ProtocolError, UnknownResultCodeError
from posapp.core.antom.messages import (
    Action,
    Address,
    AntomOutcome,
    Api,
    Buyer,
    CaptureMode,
    ConsultResponse,
    Env,
    InquiryPaymentRequest,
    InquiryPaymentResponse,
    InquiryRefundResponse,
    PayRequest,
    PayResponse,
    Result,
    ResultStatus,
    TerminalType,
    TransactionType,
    classify,
    known_codes,
)
from posapp.core.cards import CardDetails
from posapp.core.money import Money

CARD = CardDetails("5162774114974622", 3, 2031, "999", "Grace", "Hopper")
REDIRECT = "https://till.example/back"


def full_pay() -> PayRequest:
    return PayRequest(
        "pay-42",
        Money(100000, "JPY"),
        CARD,
        "order-42",
        "Umbrella",
        capture_mode=CaptureMode.MANUAL,
        three_ds=True,
        env=Env(TerminalType.WEB, client_ip="203.0.113.7"),
        buyer=Buyer("buyer-9", "Grace", "Hopper", "g@example.com", "+81 3 0000 0000"),
        billing_address=Address("JP", city="Tokyo", address1="1-1 Chiyoda", zip_code="100-0001"),
        payment_expiry_time=datetime(2026, 1, 5, 9, 5, tzinfo=timezone(timedelta(hours=9))),
        notify_url="https://till.example/notify",
        redirect_url="https://till.example/back",
        settlement_currency="USD",
    )


def test_pay_body_has_every_documented_part() -> None:
    body = full_pay().to_body()
    assert body["productCode"] == "CASHIER_PAYMENT"
    assert body["paymentAmount"] == {"currency": "JPY", "value": "100000"}
    assert body["order"] == {
        "referenceOrderId": "order-42",
        "orderDescription": "Umbrella",
        "orderAmount": {"currency": "JPY", "value": "100000"},
        "buyer": {
            "referenceBuyerId": "buyer-9",
            "buyerName": {"firstName": "Grace", "lastName": "Hopper"},
            "buyerEmail": "g@example.com",
            "buyerPhoneNo": "+81 3 0000 0000",
        },
    }
    method = body["paymentMethod"]
    assert method["paymentMethodType"] == "CARD"
    assert method["paymentMethodMetaData"] == {
        "cardNo": "5162774114974622",
        "cvv": "999",
        "expiryMonth": "03",
        "expiryYear": "31",
        "is3DSAuthentication": True,
        "cardholderName": {"firstName": "Grace", "lastName": "Hopper"},
        "billingAddress": {
            "region": "JP",
            "city": "Tokyo",
            "address1": "1-1 Chiyoda",
            "zipCode": "100-0001",
        },
    }
    assert body["paymentFactor"] == {"isAuthorization": True, "captureMode": "MANUAL"}
    assert body["env"] == {"terminalType": "WEB", "clientIp": "203.0.113.7"}
    assert body["paymentExpiryTime"] == "2026-01-05T09:05:00+09:00"
    assert body["paymentNotifyUrl"] == "https://till.example/notify"
    assert body["paymentRedirectUrl"] == "https://till.example/back"
    assert body["settlementStrategy"] == {"settlementCurrency": "USD"}


def test_minimal_pay_body_omits_absent_parts() -> None:
    body = PayRequest("p", Money(1, "USD"), CARD, "o", "d", redirect_url=REDIRECT).to_body()
    assert set(body) == {
        "productCode",
        "paymentRequestId",
        "order",
        "paymentAmount",
        "paymentMethod",
        "paymentFactor",
        "env",
        "paymentRedirectUrl",
        "settlementStrategy",
    }
    # the settlement currency defaults to the transaction's
    assert body["settlementStrategy"] == {"settlementCurrency": "USD"}
    assert body["paymentFactor"]["captureMode"] == "AUTOMATIC"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_request_id": ""}, "paymentRequestId"),
        ({"payment_request_id": "has space"}, "paymentRequestId"),
        ({"reference_order_id": "x" * 65}, "order.referenceOrderId"),
        ({"order_description": ""}, "order.orderDescription"),
        ({"amount": Money(1050, "IDR")}, "paymentAmount"),
        ({"notify_url": "ftp://x"}, "paymentNotifyUrl"),
        ({"redirect_url": "https://" + "a" * 3000}, "paymentRedirectUrl"),
        ({"payment_expiry_time": datetime(2026, 1, 1)}, "paymentExpiryTime"),
        ({"settlement_currency": "usd"}, "settlementStrategy.settlementCurrency"),
        ({"billing_address": Address("Japan")}, "billingAddress.region"),
        (
            {"card": CardDetails("4054695723100768", 13, 2030, "123")},
            "paymentMethodMetaData.expiryMonth",
        ),
        ({"card": CardDetails("4054695723100768", 1, 2030, "12")}, "paymentMethodMetaData.cvv"),
        ({"card": CardDetails("40546957", 1, 2030, "123")}, "paymentMethodMetaData.cardNo"),
        ({"buyer": Buyer(email="x" * 65)}, "buyer.buyerEmail"),
        ({"redirect_url": None}, "paymentRedirectUrl"),
    ],
)
def test_bad_pay_input_names_the_field(change, field) -> None:
    fields = {
        "payment_request_id": "p",
        "amount": Money(1, "USD"),
        "card": CARD,
        "reference_order_id": "o",
        "order_description": "d",
        "redirect_url": REDIRECT,
        **change,
    }
    with pytest.raises(InvalidRequestError) as info:
        PayRequest(**fields).to_body()
    assert info.value.field == field


def test_the_request_repr_never_shows_the_card() -> None:
    text = repr(full_pay())
    assert "5162774114974622" not in text and "999" not in text
    assert "516277******4622" in text


def test_inquiry_request_needs_an_id() -> None:
    with pytest.raises(InvalidRequestError):
        InquiryPaymentRequest().to_body()
    assert InquiryPaymentRequest(payment_id="x").to_body() == {"paymentId": "x"}


# -- classifier ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "code", "status", "outcome", "action"),
    [
        (Api.PAY, "SUCCESS", "S", AntomOutcome.SUCCEEDED, Action.FINAL),
        (Api.PAY, "PAYMENT_IN_PROCESS", "U", AntomOutcome.UNKNOWN, Action.INQUIRE),
        (Api.PAY, "UNKNOWN_EXCEPTION", "U", AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID),
        (Api.PAY, "REQUEST_TRAFFIC_EXCEED_LIMIT", "U", AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID),
        (Api.PAY, "SOMETHING_NEW", "U", AntomOutcome.UNKNOWN, Action.INQUIRE),
        (Api.PAY, "DO_NOT_HONOR", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.PAY, "USER_BALANCE_NOT_ENOUGH", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.PAY, "RISK_REJECT", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.PAY, "INVALID_CARD_NUMBER", "F", AntomOutcome.FAILED, Action.FIX_INPUT),
        (Api.PAY, "PARAM_ILLEGAL", "F", AntomOutcome.FAILED, Action.FIX_INPUT),
        (Api.PAY, "INVALID_SIGNATURE", "F", AntomOutcome.FAILED, Action.FIX_CONFIG),
        (Api.PAY, "KEY_NOT_FOUND", "F", AntomOutcome.FAILED, Action.FIX_CONFIG),
        (Api.CAPTURE, "CAPTURE_IN_PROCESS", "U", AntomOutcome.UNKNOWN, Action.INQUIRE),
        (Api.CAPTURE, "MULTI_CAPTURE_NOT_SUPPORTED", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.CAPTURE, "ORDER_STATUS_INVALID", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.CANCEL, "CANCEL_WINDOW_EXCEED", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.REFUND, "REFUND_IN_PROCESS", "U", AntomOutcome.UNKNOWN, Action.INQUIRE),
        (Api.REFUND, "REFUND_AMOUNT_EXCEED", "F", AntomOutcome.FAILED, Action.FIX_INPUT),
        (Api.REFUND, "ORDER_IS_CANCELED", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.INQUIRY_PAYMENT, "ORDER_NOT_EXIST", "F", AntomOutcome.FAILED, Action.FINAL),
        (Api.INQUIRY_PAYMENT, "UNKNOWN_EXCEPTION", "U", AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID),
        (Api.INQUIRY_PAYMENT, "ANYTHING", "U", AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID),
        (Api.INQUIRY_REFUND, "REFUND_NOT_EXIST", "F", AntomOutcome.FAILED, Action.FINAL),
    ],
)
def test_classification(api, code, status, outcome, action) -> None:
    c = classify(api, Result(code, ResultStatus(status)))
    assert (c.outcome, c.action) == (outcome, action)
    assert c.final is (outcome is not AntomOutcome.UNKNOWN)


def test_codes_of_one_api_are_unknown_to_another() -> None:
    with pytest.raises(UnknownResultCodeError) as info:
        classify(Api.CAPTURE, Result("REFUND_AMOUNT_EXCEED", ResultStatus.FAIL))
    assert info.value.result_code == "REFUND_AMOUNT_EXCEED"
    assert "REFUND_AMOUNT_EXCEED" in known_codes(Api.REFUND)
    assert "REFUND_AMOUNT_EXCEED" not in known_codes(Api.CAPTURE)


# -- parsers -------------------------------------------------------------------------------

S = {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}


def test_pay_response_card_result_and_3ds() -> None:
    answer = PayResponse.parse(
        {
            "result": S,
            "paymentRequestId": "pay-42",
            "paymentId": "2026",
            "paymentAmount": {"currency": "JPY", "value": "100000"},
            "paymentTime": "2026-01-05T09:00:01+09:00",
            "authExpiryTime": "2026-01-12T09:00:01+09:00",
            "paymentResultInfo": {
                "cardNo": "516277******4622",
                "cardBrand": "MASTERCARD",
                "funding": "CREDIT",
                "threeDSResult": {"eci": "02", "challenged": "true", "threeDSVersion": "2.2.0"},
            },
        },
        "pay-42",
    )
    assert answer.card is not None and answer.card.three_ds is not None
    assert answer.card.three_ds.challenged is True and answer.card.brand == "MASTERCARD"
    assert answer.auth_expiry_time == datetime(2026, 1, 12, 0, 0, 1, tzinfo=UTC)


def test_redirect_action_form_is_a_redirect() -> None:
    answer = PayResponse.parse(
        {
            "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U"},
            "redirectActionForm": {"method": "GET", "redirectUrl": "https://3ds/x"},
        }
    )
    assert answer.redirect_url == "https://3ds/x"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"result": S}, "paymentId"),
        ({"result": S, "paymentId": 5}, "paymentId must be a string"),
        (
            {"result": S, "paymentId": "p", "paymentAmount": {"currency": "USD", "value": "1.5"}},
            "paymentAmount",
        ),
        (
            {"result": S, "paymentId": "p", "paymentAmount": {"currency": "XXX", "value": "1"}},
            "paymentAmount",
        ),
        ({"result": S, "paymentId": "p", "paymentTime": "yesterday"}, "paymentTime"),
        ({"result": S, "paymentId": "p", "paymentTime": "2026-01-05T09:00:00"}, "offset"),
        ({"result": S, "paymentId": "p", "paymentResultInfo": []}, "paymentResultInfo"),
        ({"result": {"resultCode": "", "resultStatus": "S"}}, "resultCode"),
        ({"result": {"resultCode": "a b", "resultStatus": "S"}}, "resultCode"),
        ({"result": "SUCCESS"}, "result"),
    ],
)
def test_pay_response_strictness(data, fragment) -> None:
    with pytest.raises(ProtocolError, match=fragment):
        PayResponse.parse(data)


def test_inquiry_response_transactions_are_strict() -> None:
    base = {"result": S, "paymentStatus": "SUCCESS"}
    answer = InquiryPaymentResponse.parse(
        {**base, "transactions": [{"transactionType": "REFUND", "transactionStatus": "FAIL"}]}
    )
    assert answer.transactions[0].type is TransactionType.REFUND
    with pytest.raises(ProtocolError, match=r"transactions\[0\].transactionType"):
        InquiryPaymentResponse.parse(
            {**base, "transactions": [{"transactionType": "TELEPORT", "transactionStatus": "FAIL"}]}
        )
    with pytest.raises(ProtocolError, match="transactions must be a list"):
        InquiryPaymentResponse.parse({**base, "transactions": {}})
    with pytest.raises(ProtocolError, match="paymentStatus"):
        InquiryPaymentResponse.parse({**base, "paymentStatus": "DONE"})


def test_inquiry_refund_and_consult() -> None:
    answer = InquiryRefundResponse.parse(
        {"result": S, "refundStatus": "PROCESSING", "refundRequestId": "r"}, "r"
    )
    assert answer.found and answer.refund_status.value == "PROCESSING"
    with pytest.raises(ProtocolError):
        InquiryRefundResponse.parse(
            {"result": S, "refundRequestId": "other", "refundStatus": "SUCCESS"}, "r"
        )
    consult = ConsultResponse.parse(
        {
            "result": S,
            "paymentOptions": [
                {
                    "paymentMethodType": "CARD",
                    "enabled": False,
                    "paymentOptionDetail": {"supportCardBrands": [{"cardBrand": "AMEX"}]},
                },
                {"paymentMethodType": "ALIPAY_CN", "enabled": True},
            ],
        }
    )
    assert consult.card_brands() == ()
    with pytest.raises(ProtocolError, match="funding"):
        ConsultResponse.parse(
            {
                "result": S,
                "paymentOptions": [
                    {"paymentMethodType": "CARD", "paymentOptionDetail": {"funding": "CREDIT"}}
                ],
            }
        )
