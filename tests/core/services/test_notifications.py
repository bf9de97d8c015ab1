"""The notification listener: verified notifications settle payments, bad ones are refused."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import httpx

from posapp.app import Backend
from posapp.core.antom import signing
from posapp.core.antom.notifications import ACK_BODY
from posapp.core.domain import EventKind, Payment, PaymentStatus

from .conftest import MAGIC_SLOW, fresh, pay


def _signed_post(backend: Backend, body: bytes, *, key_pem: str | None = None) -> httpx.Response:
    url = backend.listener.url  # type: ignore[union-attr]
    path = httpx.URL(url).raw_path.decode()
    key = signing.load_private_key(key_pem or backend.sandbox.antom_private_key_pem)
    when = signing.request_time_now()
    content = signing.content_to_sign("POST", path, backend.client.client_id, when, body)
    headers = {
        "client-id": backend.client.client_id,
        "request-time": when,
        "signature": signing.build_signature_header(signing.sign(key, content)),
        "content-type": "application/json; charset=UTF-8",
    }
    return httpx.post(url, content=body, headers=headers, timeout=5)


def _payment_result(p: Payment, code: str, status: str, message: str) -> bytes:
    """A PAYMENT_RESULT notification body for ``p`` (SGD 12.50) with this result."""
    return json.dumps(
        {
            "notifyType": "PAYMENT_RESULT",
            "result": {"resultCode": code, "resultStatus": status, "resultMessage": message},
            "paymentRequestId": p.payment_request_id,
            "paymentId": p.payment_id,
            "paymentAmount": {"currency": "SGD", "value": "1250"},
        }
    ).encode()


def test_sandbox_notifications_are_verified_journaled_and_acknowledged(backend: Backend) -> None:
    p = pay(backend).payment
    assert backend.sandbox.wait_notifications(5)
    deliveries = backend.sandbox.notifications()
    assert deliveries and all(d.acknowledged for d in deliveries)
    kinds = [(e.kind, e.api) for e in backend.repo.events_for_payment(p.id)]
    assert (EventKind.NOTIFICATION, "notifyPayment") in kinds
    assert backend.listener is not None and backend.listener.rejected == 0


def test_a_notification_settles_a_pending_payment_without_polling(backend: Backend) -> None:
    result = pay(backend, MAGIC_SLOW, cvv="000")
    assert result.payment.status is PaymentStatus.PENDING
    backend.sandbox.clock.advance(timedelta(seconds=5))
    assert backend.sandbox.wait_notifications(5)
    assert backend.poller.passes == 0
    assert fresh(backend, result.payment).status is PaymentStatus.AUTHORISED


def test_duplicate_notifications_are_acknowledged_each_time(backend: Backend) -> None:
    backend.sandbox.faults.add("notify*", "duplicate_notify")
    p = pay(backend).payment
    assert backend.sandbox.wait_notifications(5)
    assert all(d.acknowledged for d in backend.sandbox.notifications())
    assert fresh(backend, p).status is PaymentStatus.AUTHORISED
    assert backend.repo.verify().ok


def test_bad_signature_is_a_security_event_and_an_error(backend: Backend) -> None:
    p = pay(backend).payment
    body = _payment_result(p, "DO_NOT_HONOR", "F", "x")
    forged = _signed_post(backend, body, key_pem=backend.sandbox.merchant_private_key_pem)
    assert forged.status_code == 401
    assert forged.content != ACK_BODY
    assert fresh(backend, p).status is PaymentStatus.AUTHORISED  # nothing believed
    # counted, and summed up in the minute's SECURITY event (written once the minute is
    # over; flushed here)
    assert not [e for e in backend.repo.events() if e.kind is EventKind.SECURITY]
    backend.listener.flush_refusals()  # type: ignore[union-attr]
    security = [e for e in backend.repo.events() if e.kind is EventKind.SECURITY]
    assert len(security) == 1 and security[-1].detail["reasons"] == {"bad signature": 1}


def test_a_verified_notification_gets_the_exact_ack(backend: Backend) -> None:
    p = pay(backend).payment
    body = _payment_result(p, "SUCCESS", "S", "success")
    answer = _signed_post(backend, body)
    assert answer.status_code == 200
    assert answer.content == ACK_BODY
    assert httpx.post(backend.listener.url + "x", content=b"{}").status_code == 404  # type: ignore[union-attr]


def test_stop_finishes_the_notification_being_handled_first(backend: Backend) -> None:
    """Backend.close() closes the journal right after stopping the listener: a notification
    still being handled must be finished (journaled, applied) before stop() returns."""
    listener = backend.listener
    assert listener is not None
    p = pay(backend).payment
    inside, release = threading.Event(), threading.Event()
    real_receive = listener.receive

    def slow_receive(
        path: str, headers: dict[str, str], raw: bytes, *rest: Any
    ) -> tuple[int, bytes]:
        # only the test's own notification is held: the sandbox's notifyPayment for the payment
        # above may arrive late on a loaded machine and must not stand in for it
        if b"handled at shutdown" in raw:
            inside.set()
            assert release.wait(30)
        return real_receive(path, headers, raw, *rest)

    listener.receive = slow_receive  # type: ignore[method-assign]
    answers: list[httpx.Response] = []
    poster = threading.Thread(
        target=lambda: answers.append(
            _signed_post(backend, _payment_result(p, "SUCCESS", "S", "handled at shutdown"))
        )
    )
    poster.start()
    assert inside.wait(30)
    stopped = threading.Event()
    stopper = threading.Thread(target=lambda: (listener.stop(), stopped.set()))
    stopper.start()
    # stop() waits while the notification is being handled (however long that takes here)
    assert not stopped.wait(0.3)
    release.set()
    assert stopped.wait(30)
    poster.join(30)
    stopper.join(30)
    assert [a.status_code for a in answers] == [200]
    notes = [
        e
        for e in backend.repo.events_for_payment(p.id)
        if e.kind is EventKind.NOTIFICATION and "handled at shutdown" in json.dumps(e.detail)
    ]
    assert len(notes) == 1  # journaled before the journal could close
