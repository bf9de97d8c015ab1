"""AntomClient against the real embedded sandbox on loopback (H2's posapp.sandbox.Sandbox)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from posapp.core.antom import signing
from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import (
    GatewayConnectError,
    HttpStatusError,
    ProtocolError,
    RepeatRequestInconsistentError,
    SignatureError,
    TransportError,
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
    RefundStatus,
    TransactionStatus,
)
from posapp.core.antom.notifications import (
    ACK_BODY,
    CaptureNotification,
    Notification,
    PaymentNotification,
    verify_notification,
)
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.cards import CardDetails
from posapp.core.money import Money
from posapp.sandbox import FaultKind, Sandbox

VISA_OK = "4054695723100768"
VISA_DECLINE = "4054692760174822"


def card(pan: str = VISA_OK, cvv: str = "123") -> CardDetails:
    return CardDetails(pan, 12, 2030, cvv, "Ada", "Lovelace")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[AntomClient]:
    sandbox.faults.clear()
    with AntomClient(
        sandbox.base_url,
        sandbox.client_id,
        sandbox.merchant_private_key_pem,
        sandbox.antom_public_key_pem,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, jitter=no_jitter),
    ) as c:
        yield c
    sandbox.faults.clear()


_counter = iter(range(10**6))


def ids(prefix: str) -> tuple[str, str]:
    n = next(_counter)
    return f"{prefix}-req-{n}-{threading.get_ident() % 1000}", f"{prefix}-order-{n}"


def pay(client: AntomClient, prefix: str, *, pan: str = VISA_OK, minor: int = 1250, **kw: Any):
    rid, order = ids(prefix)
    kw.setdefault("redirect_url", "https://shop.example/back")
    request = PayRequest(rid, Money(minor, "USD"), card(pan), order, "integration test", **kw)
    return request, client.pay(request)


def test_sale_then_inquiry_shows_success_and_the_capture(client: AntomClient) -> None:
    request, answer = pay(client, "sale")
    assert answer.outcome is AntomOutcome.SUCCEEDED and answer.payment_id
    assert answer.amount == Money(1250, "USD")
    assert answer.card is not None and answer.card.card_no and VISA_OK not in answer.card.card_no
    inquiry = client.inquiry_payment(request.payment_request_id)
    assert inquiry.payment_status is PaymentStatus.SUCCESS
    assert inquiry.payment_id == answer.payment_id
    assert [t.status for t in inquiry.captures()] == [TransactionStatus.SUCCESS]


def test_decline_is_final(client: AntomClient) -> None:
    _, answer = pay(client, "decline", pan=VISA_DECLINE)
    assert answer.outcome is AntomOutcome.FAILED and answer.action is Action.FINAL
    assert answer.result is not None and answer.result.code == "ISSUER_REJECTS_TRANSACTION"


def test_risk_amount_is_declined(client: AntomClient) -> None:
    _, answer = pay(client, "risk", minor=11)
    assert answer.outcome is AntomOutcome.FAILED and answer.result is not None
    assert answer.result.code == "RISK_REJECT"


def test_auth_capture_refund_and_inquiries(client: AntomClient, sandbox: Sandbox) -> None:
    request, auth = pay(client, "auth", capture_mode=CaptureMode.MANUAL)
    assert auth.outcome is AntomOutcome.SUCCEEDED and auth.payment_id
    assert client.inquiry_payment(request.payment_request_id).captures() == ()
    cap = client.capture(
        CaptureRequest(f"{request.payment_request_id}-cap", auth.payment_id, Money(1250, "USD"))
    )
    assert cap.outcome is AntomOutcome.SUCCEEDED and cap.capture_id
    refund = client.refund(
        RefundRequest(f"{request.payment_request_id}-rf", auth.payment_id, Money(250, "USD"))
    )
    assert refund.outcome is AntomOutcome.SUCCEEDED and refund.refund_id
    inq = client.inquiry_refund(f"{request.payment_request_id}-rf")
    assert inq.refund_status is RefundStatus.SUCCESS and inq.amount == Money(250, "USD")
    entry = sandbox.ledger().order(request.reference_order_id)
    assert (entry.captured, entry.refunded) == (1250, 250)


def test_cancel_an_authorisation(client: AntomClient) -> None:
    request, _auth = pay(client, "cancel", capture_mode=CaptureMode.MANUAL)
    answer = client.cancel(CancelRequest(payment_request_id=request.payment_request_id))
    assert answer.outcome is AntomOutcome.SUCCEEDED
    assert (
        client.inquiry_payment(request.payment_request_id).payment_status is PaymentStatus.CANCELLED
    )


def test_3ds_challenge_is_in_process_with_a_redirect(client: AntomClient, sandbox: Sandbox) -> None:
    request, answer = pay(client, "3ds", pan="4000020000000604", three_ds=True)
    assert answer.outcome is AntomOutcome.UNKNOWN and answer.action is Action.INQUIRE
    assert answer.redirect_url
    assert sandbox.answer_challenge(answer.redirect_url)
    assert (
        client.inquiry_payment(request.payment_request_id).payment_status is PaymentStatus.SUCCESS
    )


def test_same_id_other_amount_is_repeat_req_inconsistent(client: AntomClient) -> None:
    request, first = pay(client, "repeat")
    assert first.outcome is AntomOutcome.SUCCEEDED
    changed = PayRequest(
        request.payment_request_id,
        Money(999, "USD"),
        card(),
        request.reference_order_id,
        "x",
        redirect_url="https://shop.example/back",
    )
    with pytest.raises(RepeatRequestInconsistentError) as info:
        client.pay(changed)
    assert info.value.request_id == request.payment_request_id
    # the identical request replays the first answer
    assert client.pay(request).payment_id == first.payment_id


def test_unknown_payment_inquiry_is_order_not_exist(client: AntomClient) -> None:
    answer = client.inquiry_payment("never-sent-1")
    assert answer.not_found and answer.classification.final


def test_consult_lists_card_brands(client: AntomClient) -> None:
    answer = client.consult(ConsultRequest(Money(1250, "USD")))
    assert answer.classification.outcome is AntomOutcome.SUCCEEDED
    assert "VISA" in {b.brand for b in answer.card_brands()}


# -- faults: the same id is resent, nothing is charged twice ---------------------------------


@pytest.mark.parametrize(
    "kind", [FaultKind.RESET_AFTER, FaultKind.RESET_BEFORE, FaultKind.HTTP_ERROR]
)
def test_one_fault_then_retry_with_the_same_id_charges_once(
    client: AntomClient, sandbox: Sandbox, kind
) -> None:
    sandbox.faults.add("*/pay", kind, times=1)
    request, answer = pay(client, f"fault-{kind.value}")
    assert answer.outcome is AntomOutcome.SUCCEEDED, answer.error
    entry = sandbox.ledger().order(request.reference_order_id)
    assert entry.payments == 1 and entry.captured == 1250


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (FaultKind.BAD_SIGNATURE, SignatureError),
        (FaultKind.MISSING_SIGNATURE, SignatureError),
        # damaged after signing: verification (before parsing) catches it
        (FaultKind.GARBLED_BODY, (SignatureError, ProtocolError)),
        (FaultKind.RESET_AFTER, TransportError),
        (FaultKind.HTTP_ERROR, HttpStatusError),
    ],
)
def test_persistent_faults_make_pay_unknown_and_inquiry_resolves_it(
    client: AntomClient, sandbox: Sandbox, kind, error
) -> None:
    sandbox.faults.add("*/pay", kind)
    request, answer = pay(client, f"persist-{kind.value}")
    assert answer.outcome is AntomOutcome.UNKNOWN and answer.action is Action.INQUIRE
    assert isinstance(answer.error, error), answer.error
    sandbox.faults.clear()
    inquiry = client.inquiry_payment(request.payment_request_id)
    if kind is FaultKind.HTTP_ERROR:
        assert inquiry.not_found  # an HTTP error leaves no trace
    else:
        assert inquiry.payment_status is PaymentStatus.SUCCESS
        assert sandbox.ledger().order(request.reference_order_id).payments == 1


def test_inquiry_with_a_bad_signature_raises(client: AntomClient, sandbox: Sandbox) -> None:
    sandbox.faults.add("*/inquiryPayment", FaultKind.BAD_SIGNATURE)
    with pytest.raises(SignatureError):
        client.inquiry_payment("whatever-1")


def test_wrong_antom_key_is_a_signature_error(sandbox: Sandbox) -> None:
    other = signing.public_key_spki_pem(signing.generate_private_key().public_key())
    with AntomClient(
        sandbox.base_url, sandbox.client_id, sandbox.merchant_private_key_pem, other
    ) as c:
        with pytest.raises(SignatureError):
            c.inquiry_payment("x-1")


def test_wrong_merchant_key_is_refused_by_the_sandbox(sandbox: Sandbox) -> None:
    other = signing.private_key_pkcs1_pem(signing.generate_private_key())
    with AntomClient(sandbox.base_url, sandbox.client_id, other, sandbox.antom_public_key_pem) as c:
        answer = c.inquiry_payment("x-2")
    assert answer.result.code == "INVALID_SIGNATURE"
    assert answer.classification.action is Action.FIX_CONFIG


def test_a_stopped_gateway_is_a_connect_error(sandbox: Sandbox) -> None:
    with Sandbox() as sb:
        url, cid, priv, pub = (
            sb.base_url,
            sb.client_id,
            sb.merchant_private_key_pem,
            sb.antom_public_key_pem,
        )
    with AntomClient(
        url, cid, priv, pub, retry=RetryPolicy(max_attempts=2, base_delay=0, jitter=no_jitter)
    ) as c:
        with pytest.raises(GatewayConnectError):
            c.inquiry_payment("x-3")


def test_keep_alive_reuses_one_connection(client: AntomClient) -> None:
    # httpx keeps one idle connection in the pool between sequential calls
    for i in range(5):
        client.inquiry_payment(f"ka-{i}")
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    assert len(pool.connections) == 1


def test_concurrent_pays_through_one_client(client: AntomClient, sandbox: Sandbox) -> None:
    results: list[Any] = []

    def worker() -> None:
        for _ in range(3):
            results.append(pay(client, "conc"))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 18
    assert all(a.outcome is AntomOutcome.SUCCEEDED for _, a in results)
    assert len({a.payment_id for _, a in results}) == 18


# -- notifications from the sandbox ----------------------------------------------------------


@pytest.fixture
def receiver(sandbox: Sandbox) -> Iterator[tuple[str, list[Notification], list[str]]]:
    received: list[Notification] = []
    problems: list[str] = []
    public = signing.load_public_key(sandbox.antom_public_key_pem)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                note, _ = verify_notification(
                    public, self.path, self.headers, body, expected_client_id=sandbox.client_id
                )
                received.append(note)
                status, answer = 200, ACK_BODY
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion
                problems.append(f"{type(exc).__name__}: {exc}")
                status, answer = 400, b"{}"
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/antom/notify?till=1", received, problems
    finally:
        server.shutdown()
        server.server_close()


def test_sandbox_notifications_verify_and_are_acknowledged(
    client: AntomClient, sandbox: Sandbox, receiver
) -> None:
    url, received, problems = receiver
    request, answer = pay(client, "notify", notify_url=url)
    assert answer.outcome is AntomOutcome.SUCCEEDED
    assert sandbox.wait_notifications(10)
    mine = [d for d in sandbox.notifications() if d.url == url]
    assert mine and all(d.acknowledged for d in mine), mine
    assert problems == []
    payments = [n for n in received if isinstance(n, PaymentNotification)]
    assert payments and payments[0].payment_request_id == request.payment_request_id
    assert payments[0].succeeded
    assert any(isinstance(n, CaptureNotification) and n.succeeded for n in received)
