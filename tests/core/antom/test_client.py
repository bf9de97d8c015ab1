"""AntomClient over httpx.MockTransport: signing, verification, retries, ambiguity."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from posapp.core.antom import signing
from posapp.core.antom.client import AntomClient, encode_body
from posapp.core.antom.errors import (
    GatewayConnectError,
    GatewayTimeoutError,
    HttpStatusError,
    InvalidRequestError,
    KeyFormatError,
    ProtocolError,
    RepeatRequestInconsistentError,
    ResponseTooLargeError,
    SignatureError,
    TransportError,
    UnknownResultCodeError,
)
from posapp.core.antom.messages import (
    Action,
    AntomOutcome,
    CancelRequest,
    CaptureMode,
    CaptureRequest,
    ConsultRequest,
    PaymentStatus,
    PayRequest,
    RefundRequest,
)
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.cards import CardDetails
from posapp.core.money import Money

from .fakes import (
    CLIENT_ID,
    FakeGateway,
    Reply,
    antom_key,
    merchant_key,
    ok,
    result,
    signed_headers,
)

PAN = "4054695723100768"
CARD = CardDetails(PAN, 12, 2030, "123", "Ada", "Lovelace")


def pay_request(rid: str = "pay-1", **kw: Any) -> PayRequest:
    kw.setdefault("redirect_url", "https://shop.example/back")
    return PayRequest(rid, Money(1250, "USD"), CARD, "order-1", "2 coffees", **kw)


def pay_ok(req: httpx.Request, data: dict[str, Any]) -> dict[str, Any]:
    return ok(
        paymentRequestId=data["paymentRequestId"],
        paymentId="pid-1",
        paymentAmount=data["paymentAmount"],
        paymentCreateTime="2026-01-05T09:00:00+08:00",
    )


def make(handler, *, client_id: str = CLIENT_ID, sleeps: list[float] | None = None, **kw: Any):
    gateway = FakeGateway(handler, client_id=client_id)
    sleeps = sleeps if sleeps is not None else []
    client = AntomClient(
        "https://gateway.test",
        client_id,
        merchant_key(),
        antom_key().public_key(),
        http=httpx.Client(transport=httpx.MockTransport(gateway)),
        retry=kw.pop("retry", RetryPolicy(jitter=no_jitter)),
        sleep=sleeps.append,
        **kw,
    )
    return client, gateway


def test_pay_success_is_signed_sent_to_the_sandbox_path_and_parsed() -> None:
    client, gw = make(pay_ok, now_ms=lambda: 1_700_000_000_000)
    answer = client.pay(pay_request(capture_mode=CaptureMode.MANUAL))
    assert answer.outcome is AntomOutcome.SUCCEEDED and answer.action is Action.FINAL
    assert answer.payment_id == "pid-1" and answer.amount == Money(1250, "USD")
    sent = gw.requests[0]
    assert sent.url.path == "/ams/sandbox/api/v1/payments/pay"
    assert sent.headers["client-id"] == CLIENT_ID
    assert sent.headers["request-time"] == "1700000000000"
    assert sent.headers["content-type"] == "application/json; charset=UTF-8"
    body = gw.bodies[0]
    meta = body["paymentMethod"]["paymentMethodMetaData"]
    assert meta["cardNo"] == PAN and meta["expiryYear"] == "30" and meta["expiryMonth"] == "12"
    assert body["paymentFactor"] == {"isAuthorization": True, "captureMode": "MANUAL"}


def test_production_client_ids_keep_the_production_path() -> None:
    client, gw = make(pay_ok, client_id="2188120000000001")
    client.pay(pay_request())
    assert gw.requests[0].url.path == "/ams/api/v1/payments/pay"


def test_the_body_sent_is_the_body_signed_byte_for_byte() -> None:
    client, gw = make(pay_ok)
    req = pay_request()
    client.pay(req)
    assert gw.requests[0].content == encode_body(req.to_body())


def test_default_timeout_is_ten_seconds_and_the_http_client_is_reused() -> None:
    client = AntomClient(
        "https://gateway.test", CLIENT_ID, merchant_key(), antom_key().public_key()
    )
    try:
        request = client._http.build_request("POST", "https://gateway.test/x")
        assert client._http.timeout.read == 10.0 and client._timeout == 10.0
        assert request.extensions["timeout"]["read"] == 10.0
        http = client._http
        assert client._http is http  # one pool for the life of the client
    finally:
        client.close()
    assert http.is_closed


def test_injected_http_client_is_not_closed_by_the_antom_client() -> None:
    http = httpx.Client(transport=httpx.MockTransport(FakeGateway(pay_ok)))
    with AntomClient(
        "https://g.test", CLIENT_ID, merchant_key(), antom_key().public_key(), http=http
    ):
        pass
    assert not http.is_closed


def test_inquiry_payment_with_transactions() -> None:
    def handler(req, data):
        return ok(
            paymentRequestId=data["paymentRequestId"],
            paymentId="pid-1",
            paymentStatus="SUCCESS",
            paymentAmount={"currency": "JPY", "value": "500"},
            transactions=[
                {
                    "transactionType": "CAPTURE",
                    "transactionStatus": "SUCCESS",
                    "transactionId": "cap-1",
                    "transactionRequestId": "creq-1",
                    "transactionAmount": {"currency": "JPY", "value": "500"},
                    "transactionTime": "2026-01-05T10:00:00+09:00",
                    "transactionResult": {"resultCode": "SUCCESS", "resultStatus": "S"},
                },
                {"transactionType": "REFUND", "transactionStatus": "PROCESSING"},
            ],
        )

    client, gw = make(handler)
    answer = client.inquiry_payment("pay-1")
    assert answer.payment_status is PaymentStatus.SUCCESS and answer.found
    assert answer.amount == Money(500, "JPY")
    assert [t.transaction_id for t in answer.captures()] == ["cap-1"]
    assert len(answer.refunds()) == 1
    assert gw.bodies[0] == {"paymentRequestId": "pay-1"}
    assert gw.requests[0].url.path.endswith("/inquiryPayment")


def test_inquiry_not_found_is_a_final_answer() -> None:
    client, _ = make(lambda r, d: result("ORDER_NOT_EXIST", "F"))
    answer = client.inquiry_payment("nope")
    assert answer.not_found and not answer.found and answer.classification.final


def test_transport_errors_are_retried_with_the_same_id_then_unknown() -> None:
    calls: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(json.loads(req.read()))
        raise httpx.ReadTimeout("slow", request=req)

    sleeps: list[float] = []
    client = AntomClient(
        "https://g.test",
        CLIENT_ID,
        merchant_key(),
        antom_key().public_key(),
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(max_attempts=3, base_delay=1, jitter=no_jitter),
        sleep=sleeps.append,
    )
    answer = client.pay(pay_request("pay-amb"))
    assert answer.outcome is AntomOutcome.UNKNOWN and answer.action is Action.INQUIRE
    assert answer.result is None and isinstance(answer.error, GatewayTimeoutError)
    assert answer.payment_request_id == "pay-amb"
    assert len(calls) == 3 and {c["paymentRequestId"] for c in calls} == {"pay-amb"}
    assert calls[0] == calls[1] == calls[2]
    assert sleeps == [1, 2]


def test_a_retry_that_succeeds_returns_the_answer() -> None:
    attempts: list[int] = []

    def handler(req, data):
        attempts.append(1)
        if len(attempts) < 3:
            return Reply(status=503, body=b"busy", sign=False)
        return pay_ok(req, data)

    client, gw = make(handler)
    assert client.pay(pay_request()).outcome is AntomOutcome.SUCCEEDED
    assert len(gw.requests) == 3
    # a new signature (and Request-Time) per attempt, same body
    assert len({r.content for r in gw.requests}) == 1


def test_u_codes_asking_for_a_resend_are_resent_with_the_same_id() -> None:
    replies = iter([result("UNKNOWN_EXCEPTION", "U"), result("REQUEST_TRAFFIC_EXCEED_LIMIT", "U")])

    def handler(req, data):
        return next(replies, None) or pay_ok(req, data)

    client, gw = make(handler)
    assert client.pay(pay_request()).outcome is AntomOutcome.SUCCEEDED
    assert [b["paymentRequestId"] for b in gw.bodies] == ["pay-1"] * 3


def test_payment_in_process_is_not_resent_and_is_unknown() -> None:
    def handler(req, data):
        return result(
            "PAYMENT_IN_PROCESS",
            "U",
            paymentRequestId=data["paymentRequestId"],
            paymentId="pid-3ds",
            normalUrl="https://3ds.test/challenge",
        )

    client, gw = make(handler)
    answer = client.pay(pay_request(three_ds=True))
    assert answer.outcome is AntomOutcome.UNKNOWN and answer.action is Action.INQUIRE
    assert answer.redirect_url == "https://3ds.test/challenge"
    assert len(gw.requests) == 1
    assert gw.bodies[0]["paymentMethod"]["paymentMethodMetaData"]["is3DSAuthentication"] is True


def test_decline_is_a_final_failure_not_an_error() -> None:
    client, _ = make(
        lambda r, d: result("DO_NOT_HONOR", "F", paymentRequestId=d["paymentRequestId"])
    )
    answer = client.pay(pay_request())
    assert answer.outcome is AntomOutcome.FAILED and answer.action is Action.FINAL
    assert answer.result is not None and answer.result.code == "DO_NOT_HONOR"


def test_repeat_req_inconsistent_has_its_own_error() -> None:
    client, gw = make(lambda r, d: result("REPEAT_REQ_INCONSISTENT", "F"))
    with pytest.raises(RepeatRequestInconsistentError) as info:
        client.pay(pay_request("pay-x"))
    err = info.value
    assert err.result_code == "REPEAT_REQ_INCONSISTENT" and err.http_status == 200
    assert err.request_id == "pay-x" and len(gw.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(ok(), sign=False),
        Reply(ok(), headers={"signature": "algorithm=RSA256,keyVersion=1,signature=AAAA"}),
        Reply(ok(), sign_with=merchant_key()),
        Reply(ok(), headers={"client-id": "SANDBOX_SOMEONE_ELSE"}),
        Reply(ok(), headers={"response-time": "not a time"}),
    ],
    ids=["unsigned", "bad-sig", "wrong-key", "other-client", "garbled-time"],
)
def test_bad_signatures(reply: Reply) -> None:
    client, gw = make(lambda r, d: reply)
    with pytest.raises(SignatureError) as info:
        client.inquiry_payment("pay-1")
    assert info.value.http_status == 200 and info.value.request_id == "pay-1"
    # pay never turns a bad signature into a failure
    answer = client.pay(pay_request())
    assert answer.outcome is AntomOutcome.UNKNOWN and isinstance(answer.error, SignatureError)
    assert len(gw.requests) == 2  # never retried: a bad signature is not a network hiccup


def signed_not_found(req: httpx.Request) -> tuple[bytes, dict[str, str]]:
    """An ORDER_NOT_EXIST body and its signed headers, made here rather than by the gateway."""
    body = json.dumps(result("ORDER_NOT_EXIST", "F")).encode()
    return body, signed_headers(req, body)


def test_a_tampered_body_fails_verification() -> None:
    def handler(req, data):
        body, headers = signed_not_found(req)
        return Reply(body=body.replace(b"F", b"S"), sign=False, headers=headers)

    client, _ = make(handler)
    with pytest.raises(SignatureError):
        client.inquiry_payment("pay-1")


def test_capitalised_response_headers_are_accepted() -> None:
    def handler(req, data):
        body, headers = signed_not_found(req)
        # "Signature", "Response-Time", "Client-Id"
        return Reply(body=body, sign=False, headers={k.title(): v for k, v in headers.items()})

    client, _ = make(handler)
    assert client.inquiry_payment("pay-1").not_found


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"\xff\xfe{}", ProtocolError),
        (b"{not json", ProtocolError),
        (b"[]", ProtocolError),
        (b'{"result": {"resultCode": "SUCCESS"}}', ProtocolError),
        (b'{"result": {"resultCode": "SUCCESS", "resultStatus": "X"}}', ProtocolError),
        (b'{"result": {"resultCode": "SUCCESS", "resultStatus": "S"}}', ProtocolError),
        (b'{"result": {"resultCode": "NEW_CODE", "resultStatus": "F"}}', UnknownResultCodeError),
        (
            b'{"result": {"resultCode": "SUCCESS", "resultStatus": "S"}, "paymentStatus": NaN}',
            ProtocolError,
        ),
        (b"[" * 100_000 + b"]" * 100_000, ProtocolError),
    ],
    ids=[
        "utf8",
        "json",
        "array",
        "no-status",
        "bad-status",
        "no-payment-status",
        "unknown-code",
        "nan",
        "deep",
    ],
)
def test_unreadable_answers_are_typed_errors(body: bytes, error: type) -> None:
    client, _ = make(lambda r, d: Reply(body=body), max_body_bytes=1 << 20)
    with pytest.raises(error) as info:
        client.inquiry_payment("pay-1")
    assert info.value.http_status == 200 and info.value.request_id == "pay-1"


def test_oversized_answers_are_cut_off() -> None:
    client, _ = make(lambda r, d: Reply(body=b" " * 5000 + b"{}"), max_body_bytes=4096)
    with pytest.raises(ResponseTooLargeError):
        client.inquiry_payment("pay-1")
    answer = client.pay(pay_request())
    assert answer.outcome is AntomOutcome.UNKNOWN and isinstance(
        answer.error, ResponseTooLargeError
    )


def test_http_errors_carry_status_and_are_not_retried_when_4xx() -> None:
    client, gw = make(lambda r, d: Reply(status=404, body=b"nope", sign=False))
    with pytest.raises(HttpStatusError) as info:
        client.inquiry_payment("pay-1")
    assert info.value.http_status == 404 and len(gw.requests) == 1


def test_5xx_is_retried_a_bounded_number_of_times() -> None:
    client, gw = make(lambda r, d: Reply(status=502, body=b"", sign=False))
    with pytest.raises(HttpStatusError):
        client.inquiry_payment("pay-1")
    assert len(gw.requests) == 3


def test_refused_connection_is_a_connect_error() -> None:
    def handler(req):
        raise httpx.ConnectError("refused", request=req)

    client = AntomClient(
        "https://g.test",
        CLIENT_ID,
        merchant_key(),
        antom_key().public_key(),
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(max_attempts=2, jitter=no_jitter),
        sleep=lambda s: None,
    )
    with pytest.raises(GatewayConnectError):
        client.inquiry_payment("pay-1")
    answer = client.capture(CaptureRequest("cap-1", "pid-1", Money(100, "USD")))
    assert answer.outcome is AntomOutcome.UNKNOWN and isinstance(answer.error, TransportError)
    assert answer.capture_request_id == "cap-1"


def test_bad_input_raises_before_anything_is_sent() -> None:
    client, gw = make(pay_ok)
    with pytest.raises(InvalidRequestError) as info:
        client.pay(pay_request("x" * 65))
    assert info.value.field == "paymentRequestId"
    with pytest.raises(InvalidRequestError):
        client.refund(RefundRequest("r-1", "pid-1", Money(-1, "USD")))
    with pytest.raises(InvalidRequestError):
        client.cancel(CancelRequest())
    assert gw.requests == []


def test_keys_given_as_text_or_files(tmp_path) -> None:
    priv = tmp_path / "merchant.pem"
    priv.write_text(signing.private_key_pkcs1_pem(merchant_key()))
    pub_text = signing.public_key_bare_base64(antom_key().public_key())
    gw = FakeGateway(pay_ok)
    client = AntomClient(
        "https://g.test",
        CLIENT_ID,
        priv,
        pub_text,
        http=httpx.Client(transport=httpx.MockTransport(gw)),
    )
    assert client.pay(pay_request()).outcome is AntomOutcome.SUCCEEDED
    bad = tmp_path / "bad.pem"
    bad.write_text("nonsense")
    with pytest.raises(KeyFormatError, match=r"bad\.pem"):
        AntomClient("https://g.test", CLIENT_ID, bad, pub_text)


def test_capture_cancel_refund_consult_round_trip() -> None:
    def handler(req, data):
        api = req.url.path.rsplit("/", 1)[-1]
        if api == "capture":
            return ok(
                captureRequestId=data["captureRequestId"],
                captureId="c-1",
                paymentId=data["paymentId"],
                captureAmount=data["captureAmount"],
                captureTime="2026-01-05T09:00:00Z",
            )
        if api == "cancel":
            return ok(paymentId=data["paymentId"], cancelTime="2026-01-05T09:00:00+00:00")
        if api == "refund":
            return ok(
                refundRequestId=data["refundRequestId"],
                refundId="rf-1",
                paymentId=data["paymentId"],
                refundAmount=data["refundAmount"],
            )
        if api == "inquiryRefund":
            return ok(
                refundRequestId=data["refundRequestId"], refundId="rf-1", refundStatus="SUCCESS"
            )
        return ok(
            paymentOptions=[
                {
                    "paymentMethodType": "CARD",
                    "enabled": True,
                    "paymentOptionDetail": {
                        "supportCardBrands": [
                            {
                                "cardBrand": "VISA",
                                "logo": {"logoName": "VISA", "logoUrl": "https://l/v.svg"},
                            },
                            {"cardBrand": "MASTERCARD"},
                        ],
                        "funding": ["CREDIT", "DEBIT"],
                    },
                }
            ]
        )

    client, gw = make(handler)
    cap = client.capture(CaptureRequest("cap-1", "pid-1", Money(1250, "USD")))
    assert cap.outcome is AntomOutcome.SUCCEEDED and cap.capture_id == "c-1"
    assert client.cancel(CancelRequest(payment_id="pid-1")).outcome is AntomOutcome.SUCCEEDED
    ref = client.refund(RefundRequest("rf-req", "pid-1", Money(250, "USD"), reason="broken cup"))
    assert ref.refund_id == "rf-1" and ref.amount == Money(250, "USD")
    assert client.inquiry_refund("rf-req").found
    brands = client.consult(ConsultRequest(Money(1250, "USD"))).card_brands()
    assert [b.brand for b in brands] == ["VISA", "MASTERCARD"]
    assert brands[0].logo is not None and brands[0].logo.url == "https://l/v.svg"
    assert gw.bodies[2] == {
        "refundRequestId": "rf-req",
        "paymentId": "pid-1",
        "refundAmount": {"currency": "USD", "value": "250"},
        "refundReason": "broken cup",
    }


def test_an_answer_for_another_request_id_is_refused() -> None:
    client, _ = make(lambda r, d: ok(paymentRequestId="someone-else", paymentId="p"))
    answer = client.pay(pay_request("mine"))
    assert answer.outcome is AntomOutcome.UNKNOWN and isinstance(answer.error, ProtocolError)


def test_the_pan_never_reaches_the_logs(caplog) -> None:
    caplog.set_level("DEBUG")
    attempts: list[int] = []

    def handler(req, data):
        attempts.append(1)
        if len(attempts) == 1:
            return Reply(status=500, body=b"", sign=False)
        return Reply(ok(), sign=False)

    client, _ = make(handler)
    client.pay(pay_request())
    assert caplog.records, "the client logs its retries"
    assert all(
        PAN not in r.getMessage() and "123" not in r.getMessage().split() for r in caplog.records
    )
    assert PAN not in repr(pay_request())
