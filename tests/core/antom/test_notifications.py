"""Notifications: verification over the raw body, strict parsing, the exact acknowledgement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posapp.core.antom import signing
from posapp.core.antom.errors import ProtocolError, ResponseTooLargeError, SignatureError
from posapp.core.antom.messages import NotifyType, RefundStatus
from posapp.core.antom.notifications import (
    ACK_BODY,
    CaptureNotification,
    PaymentNotification,
    RefundNotification,
    parse_notification,
    verify_notification,
)
from posapp.core.money import Money

from .fakes import antom_key

DATA = Path(__file__).parent / "data"
VECTORS = {
    c["name"]: c
    for c in json.loads((DATA / "sdk_vectors.json").read_text(encoding="utf-8"))["cases"]
}


def signed(
    body: bytes,
    path: str = "/notify",
    client_id: str = "SANDBOX_C",
    time_value: str = "2026-01-05T09:00:00+08:00",
):
    content = signing.content_to_sign("POST", path, client_id, time_value, body)
    return {
        "client-id": client_id,
        "request-time": time_value,
        "signature": signing.build_signature_header(signing.sign(antom_key(), content)),
    }


def test_the_acknowledgement_is_byte_exact() -> None:
    assert (
        ACK_BODY
        == b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'
    )
    assert json.loads(ACK_BODY) == {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}
    }


def test_sdk_signed_notification_verifies_and_parses() -> None:
    case = VECTORS["notify_with_query"]
    public = signing.load_public_key(DATA / "test_key_spki.pem")
    headers = {
        "Client-Id": case["client_id"],
        "Request-Time": case["time"],
        "Signature": case["header_docs"],
    }
    note, verified = verify_notification(
        public, case["path"], headers, case["body"].encode(), expected_client_id=case["client_id"]
    )
    assert isinstance(note, PaymentNotification) and note.succeeded and note.final
    assert note.amount == Money(1250, "USD") and note.payment_id == "2026010512345"
    assert verified.time_value == case["time"]
    # the query string is part of the signed path
    with pytest.raises(SignatureError):
        verify_notification(public, "/payNotify", headers, case["body"].encode())


def test_payment_failed_capture_and_refund_notifications() -> None:
    fail = parse_notification(
        {
            "notifyType": "PAYMENT_RESULT",
            "result": {
                "resultCode": "DO_NOT_HONOR",
                "resultStatus": "F",
                "resultMessage": "declined",
            },
            "paymentRequestId": "p",
            "paymentId": "pid",
            "paymentAmount": {"currency": "USD", "value": "100"},
        }
    )
    assert (
        isinstance(fail, PaymentNotification)
        and not fail.succeeded
        and fail.result.code == "DO_NOT_HONOR"
    )
    pending = parse_notification(
        {
            **json.loads(
                json.dumps(
                    {
                        "notifyType": "PAYMENT_PENDING",
                        "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "S"},
                        "paymentRequestId": "p",
                        "paymentId": "pid",
                        "paymentAmount": {"currency": "USD", "value": "100"},
                    }
                )
            )
        }
    )
    assert isinstance(pending, PaymentNotification) and not pending.final and not pending.succeeded
    cap = parse_notification(
        {
            "notifyType": "CAPTURE_RESULT",
            "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
            "captureRequestId": "c",
            "paymentId": "pid",
            "captureId": "cid",
            "captureAmount": {"currency": "USD", "value": "100"},
            "captureTime": "2026-01-05T09:00:00+08:00",
        }
    )
    assert (
        isinstance(cap, CaptureNotification)
        and cap.succeeded
        and cap.notify_type is NotifyType.CAPTURE_RESULT
    )
    ref = parse_notification(
        {
            "notifyType": "REFUND_RESULT",
            "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "Success"},
            "refundStatus": "FAIL",
            "refundRequestId": "r",
            "refundId": "rid",
            "refundAmount": {"currency": "USD", "value": "50"},
        }
    )
    assert (
        isinstance(ref, RefundNotification)
        and ref.refund_status is RefundStatus.FAIL
        and not ref.succeeded
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"notifyType": "PAYMENT_RESULT"}, "result"),
        (
            {"notifyType": "SOMETHING", "result": {"resultCode": "SUCCESS", "resultStatus": "S"}},
            "notifyType",
        ),
        (
            {"notifyType": "PAYMENT_RESULT", "result": {"resultCode": "X", "resultStatus": "U"}},
            "status U",
        ),
        (
            {
                "notifyType": "CAPTURE_RESULT",
                "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
            },
            "captureRequestId",
        ),
        (
            {
                "notifyType": "REFUND_RESULT",
                "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
                "refundStatus": "SUCCESS",
                "refundRequestId": "r",
                "refundId": "i",
            },
            "refundAmount",
        ),
    ],
)
def test_bad_notifications(data, fragment) -> None:
    with pytest.raises(ProtocolError, match=fragment):
        parse_notification(data)


def test_verification_runs_before_parsing_and_over_raw_bytes() -> None:
    body = b'{"notifyType": "CAPTURE_RESULT"}'  # not a valid notification
    headers = signed(body)
    public = antom_key().public_key()
    with pytest.raises(SignatureError):
        verify_notification(public, "/notify", headers, body + b" ")
    with pytest.raises(SignatureError):
        verify_notification(public, "/notify", {**headers, "signature": ""}, body)
    with pytest.raises(SignatureError):
        verify_notification(public, "/notify", headers, body, expected_client_id="SANDBOX_OTHER")
    with pytest.raises(ProtocolError):
        verify_notification(public, "/notify", headers, body)  # signed but incomplete
    with pytest.raises(ResponseTooLargeError):
        verify_notification(public, "/notify", headers, body, max_body_bytes=10)
    with pytest.raises(ProtocolError):
        verify_notification(public, "/notify", signed(b"\xff"), b"\xff")
