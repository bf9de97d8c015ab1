"""notifyPayment / notifyCapture / notifyRefund: signed, retried on the sandbox clock."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from posapp.core.antom import signing
from posapp.core.antom.client import AntomClient
from posapp.core.antom.messages import CaptureMode, CaptureRequest, RefundRequest
from posapp.core.antom.notifications import verify_notification
from posapp.core.money import Money
from posapp.sandbox import FaultKind, Sandbox
from tests.sandbox.helpers import NotifyReceiver
from tests.sandbox.test_client_flows import pay


def _wait(sandbox: Sandbox, receiver: NotifyReceiver, count: int) -> None:
    sandbox.wait_notifications(timeout=10)
    assert len(receiver.received) >= count, receiver.received


def test_payment_and_capture_notifications_verify(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    paid = pay(client, "n-1", mode=CaptureMode.AUTOMATIC, notify_url=receiver.url)
    _wait(sandbox, receiver, 2)
    public = signing.load_public_key(sandbox.antom_public_key_pem)
    path = urlsplit(receiver.url).path + "?" + urlsplit(receiver.url).query
    kinds = []
    for got_path, headers, body in receiver.received:
        assert got_path == path
        assert {"client-id", "request-time", "signature"} <= set(headers)
        notification, _verified = verify_notification(
            public, path, headers, body, expected_client_id=sandbox.client_id
        )
        kinds.append(type(notification).__name__)
    assert kinds == ["PaymentNotification", "CaptureNotification"]
    payment = receiver.bodies("PAYMENT_RESULT")[0]
    assert payment["paymentId"] == paid.payment_id
    assert payment["result"]["resultStatus"] == "S"
    capture = receiver.bodies("CAPTURE_RESULT")[0]
    assert capture["captureAmount"] == {"currency": "USD", "value": "1250"}
    assert all(d.acknowledged and d.attempts == 1 for d in sandbox.notifications())


def test_declines_and_manual_captures_and_refunds_notify(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    pay(client, "n-no", pan="4000020000000208", notify_url=receiver.url)
    paid = pay(client, "n-man", notify_url=receiver.url)
    assert paid.payment_id
    client.capture(CaptureRequest("n-cap", paid.payment_id, Money(1250, "USD")))
    client.refund(RefundRequest("n-ref", paid.payment_id, Money(250, "USD")))
    _wait(sandbox, receiver, 4)
    declined = receiver.bodies("PAYMENT_RESULT")[0]
    assert declined["result"]["resultCode"] == "DO_NOT_HONOR"
    assert declined["result"]["resultStatus"] == "F"
    assert receiver.bodies("PAYMENT_RESULT")[1]["authExpiryTime"]
    assert receiver.bodies("CAPTURE_RESULT")[0]["captureRequestId"] == "n-cap"
    refund = receiver.bodies("REFUND_RESULT")[0]
    assert refund["refundStatus"] == "SUCCESS"
    assert refund["refundAmount"] == {"currency": "USD", "value": "250"}


def test_3ds_result_arrives_in_the_notification(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    response = pay(client, "n-3ds", three_ds=True, notify_url=receiver.url)
    sandbox.wait_notifications()
    assert receiver.received == []  # nothing final yet
    assert response.redirect_url
    assert sandbox.answer_challenge(response.redirect_url, Sandbox.OTP)
    _wait(sandbox, receiver, 1)
    body = receiver.bodies("PAYMENT_RESULT")[0]
    assert body["result"]["resultStatus"] == "S"
    three_ds = body["paymentResultInfo"]["threeDSResult"]
    assert three_ds["challenged"] is True
    assert three_ds["paResStatus"] == "Y"


def test_expiry_notifies_a_failure(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    pay(client, "n-exp", three_ds=True, notify_url=receiver.url)
    sandbox.clock.advance(timedelta(minutes=15))
    _wait(sandbox, receiver, 1)
    assert receiver.bodies()[0]["result"]["resultCode"] == "ORDER_IS_CLOSED"


def test_retry_schedule_until_the_exact_ack(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    receiver.ack = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S"}}'  # not the exact ack
    pay(client, "n-retry", pan="4000020000000208", notify_url=receiver.url)
    _wait(sandbox, receiver, 1)
    assert len(receiver.received) == 1
    # the next attempts come 2 min, 10 min, 10 min, 1 h... after the previous one
    sandbox.clock.advance(timedelta(minutes=1, seconds=50))
    sandbox.wait_notifications()
    assert len(receiver.received) == 1
    sandbox.clock.advance(timedelta(seconds=15))
    _wait(sandbox, receiver, 2)
    sandbox.clock.advance(timedelta(minutes=10, seconds=5))
    _wait(sandbox, receiver, 3)
    receiver.ack = b'{\n "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}\n}'
    sandbox.clock.advance(timedelta(minutes=10, seconds=5))
    _wait(sandbox, receiver, 4)
    sandbox.clock.advance(timedelta(days=2))
    sandbox.wait_notifications()
    assert len(receiver.received) == 4
    [delivery] = sandbox.notifications()
    assert delivery.acknowledged and delivery.attempts == 4


def test_at_most_eight_attempts(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    receiver.status = 500
    pay(client, "n-8", pan="4000020000000208", notify_url=receiver.url)
    _wait(sandbox, receiver, 1)
    for _ in range(12):
        sandbox.clock.advance(timedelta(hours=16))
        sandbox.wait_notifications()
    assert len(receiver.received) == 8
    [delivery] = sandbox.notifications()
    assert not delivery.acknowledged
    assert delivery.attempts == 8
    assert delivery.next_attempt is None
    assert delivery.last_error and "500" in delivery.last_error


def test_unreachable_merchant_is_retried(client: AntomClient, sandbox: Sandbox) -> None:
    pay(client, "n-gone", pan="4000020000000208", notify_url="http://127.0.0.1:9/none")
    sandbox.wait_notifications()
    [delivery] = sandbox.notifications()
    assert delivery.attempts == 1 and not delivery.acknowledged
    assert delivery.next_attempt is not None


def test_duplicate_notifications_fault(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    sandbox.faults.add("notifyPayment", FaultKind.DUPLICATE_NOTIFY)
    pay(client, "n-dup", notify_url=receiver.url)
    _wait(sandbox, receiver, 2)
    bodies = receiver.bodies("PAYMENT_RESULT")
    assert len(bodies) == 2 and bodies[0] == bodies[1]


def test_refund_notify_url_wins(
    client: AntomClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    other = NotifyReceiver()
    try:
        paid = pay(client, "n-rurl", mode=CaptureMode.AUTOMATIC, notify_url=receiver.url)
        assert paid.payment_id
        client.refund(
            RefundRequest("n-rurl-1", paid.payment_id, Money(100, "USD"), notify_url=other.url)
        )
        _wait(sandbox, other, 1)
        assert other.bodies()[0]["notifyType"] == "REFUND_RESULT"
        assert receiver.bodies("REFUND_RESULT") == []
    finally:
        other.close()
