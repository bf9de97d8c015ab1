"""Antom notifications (notifyPayment / notifyCapture / notifyRefund): verify, parse, answer.

Verification comes first and runs over the raw body: the signed content is
``POST <notify path>\\n<client-id>.<request-time>.<body>`` where the path is the notify URL's
path (with its query string, without the host). Only then is the body parsed. The same
notification can arrive many times: callers de-duplicate and acknowledge every copy with
``ACK_BODY``, the exact answer Antom expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from posapp.core.antom.client import MAX_BODY_BYTES, decode_body
from posapp.core.antom.errors import ProtocolError, ResponseTooLargeError
from posapp.core.antom.messages import (
    CardResult,
    NotifyType,
    RefundStatus,
    Result,
    ResultStatus,
    _Reader,
)
from posapp.core.antom.signing import VerifiedMessage, verify_message
from posapp.core.money import Money

ACK_BODY = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'
ACK_CONTENT_TYPE = "application/json; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class PaymentNotification:
    """notifyPayment: ``result`` S = authorised/paid, F = failed (code = reason).
    With ``PAYMENT_PENDING`` an S only means "processing"."""

    notify_type: NotifyType
    result: Result
    payment_request_id: str
    payment_id: str
    amount: Money
    create_time: datetime | None
    payment_time: datetime | None
    auth_expiry_time: datetime | None
    card: CardResult | None

    @property
    def final(self) -> bool:
        return self.notify_type is NotifyType.PAYMENT_RESULT

    @property
    def succeeded(self) -> bool:
        return self.final and self.result.status is ResultStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class CaptureNotification:
    result: Result
    capture_request_id: str
    payment_id: str
    capture_id: str
    amount: Money
    capture_time: datetime | None

    notify_type = NotifyType.CAPTURE_RESULT

    @property
    def succeeded(self) -> bool:
        return self.result.status is ResultStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class RefundNotification:
    result: Result
    refund_status: RefundStatus
    refund_request_id: str
    refund_id: str
    amount: Money
    refund_time: datetime | None
    payment_id: str | None

    notify_type = NotifyType.REFUND_RESULT

    @property
    def succeeded(self) -> bool:
        return self.refund_status is RefundStatus.SUCCESS


Notification = PaymentNotification | CaptureNotification | RefundNotification


def parse_notification(data: object) -> Notification:
    """Parse a decoded notification body strictly; ProtocolError names the faulty field."""
    r = _Reader(data)
    kind = r.enum_req("notifyType", NotifyType)
    result = r.result()
    if result.status is ResultStatus.UNKNOWN and kind is not NotifyType.PAYMENT_PENDING:
        # U was removed from notifications in 2022: such a message cannot settle anything.
        raise ProtocolError(f"a {kind.value} notification cannot have result status U")
    if kind in (NotifyType.PAYMENT_RESULT, NotifyType.PAYMENT_PENDING):
        return PaymentNotification(
            notify_type=kind,
            result=result,
            payment_request_id=r.str_req("paymentRequestId", 64),
            payment_id=r.str_req("paymentId", 64),
            amount=r.money_req("paymentAmount"),
            create_time=r.time_opt("paymentCreateTime"),
            payment_time=r.time_opt("paymentTime"),
            auth_expiry_time=r.time_opt("authExpiryTime"),
            card=CardResult.parse(r.obj_opt("paymentResultInfo")),
        )
    if kind is NotifyType.CAPTURE_RESULT:
        return CaptureNotification(
            result=result,
            capture_request_id=r.str_req("captureRequestId", 64),
            payment_id=r.str_req("paymentId", 64),
            capture_id=r.str_req("captureId", 64),
            amount=r.money_req("captureAmount"),
            capture_time=r.time_opt("captureTime"),
        )
    return RefundNotification(
        result=result,
        refund_status=r.enum_req("refundStatus", RefundStatus),
        refund_request_id=r.str_req("refundRequestId", 64),
        refund_id=r.str_req("refundId", 64),
        amount=r.money_req("refundAmount"),
        refund_time=r.time_opt("refundTime"),
        payment_id=r.str_opt("paymentId", 64),
    )


def verify_notification(
    public_key: rsa.RSAPublicKey,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str = "POST",
    expected_client_id: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> tuple[Notification, VerifiedMessage]:
    """Verify (SignatureError) and then parse (ProtocolError) one received notification."""
    if not isinstance(body, bytes):
        raise ProtocolError("the notification body must be bytes")
    if len(body) > max_body_bytes:
        raise ResponseTooLargeError(f"the notification is over {max_body_bytes} bytes")
    verified = verify_message(
        public_key,
        method,
        path,
        headers,
        body,
        time_header="request-time",
        expected_client_id=expected_client_id,
    )
    return parse_notification(decode_body(body)), verified
