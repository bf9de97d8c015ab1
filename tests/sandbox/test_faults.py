"""Faults switched on per path pattern (in-process and through the admin endpoint)."""

from __future__ import annotations

import time

import httpx
import pytest

from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import HttpStatusError, SignatureError, TransportError
from posapp.core.antom.messages import AntomOutcome, PaymentStatus
from posapp.core.antom.retry import NO_RETRY
from posapp.sandbox import FaultKind, Sandbox
from tests.sandbox.helpers import RawClient, pay_body
from tests.sandbox.test_client_flows import pay


def test_reset_after_commit_leaves_a_payment_that_inquiry_finds(
    client: AntomClient, sandbox: Sandbox
) -> None:
    sandbox.faults.add("*/pay", FaultKind.RESET_AFTER, times=1)
    response = pay(client, "reset-after")
    assert response.outcome is AntomOutcome.UNKNOWN
    assert isinstance(response.error, TransportError)
    inquiry = client.inquiry_payment("reset-after")
    assert inquiry.payment_status is PaymentStatus.SUCCESS
    # the retry with the same id moves no money twice
    assert pay(client, "reset-after").payment_id == inquiry.payment_id
    assert sandbox.ledger().order("order-reset-after").authorised == 1250


def test_reset_before_commit_leaves_nothing(client: AntomClient, sandbox: Sandbox) -> None:
    sandbox.faults.add("*/pay", "reset_before", times=1)
    response = pay(client, "reset-before")
    assert response.outcome is AntomOutcome.UNKNOWN
    assert client.inquiry_payment("reset-before").not_found
    assert pay(client, "reset-before").outcome is AntomOutcome.SUCCEEDED
    assert sandbox.ledger().order("order-reset-before").payments == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_errors_change_nothing(client: AntomClient, sandbox: Sandbox, status: int) -> None:
    sandbox.faults.add("*/pay", FaultKind.HTTP_ERROR, status=status, times=1)
    response = pay(client, f"http-{status}")
    assert response.outcome is AntomOutcome.UNKNOWN
    assert isinstance(response.error, HttpStatusError)
    assert response.error.http_status == status
    assert client.inquiry_payment(f"http-{status}").not_found


def test_traffic_limit_is_a_signed_retry_that_changes_nothing(
    client: AntomClient, sandbox: Sandbox
) -> None:
    sandbox.faults.add("*/pay", FaultKind.TRAFFIC_LIMIT, times=1)
    limited = pay(client, "limited")
    # a verified answer (not a transport error), status U: send again with the same id
    assert limited.outcome is AntomOutcome.UNKNOWN and limited.error is None
    assert limited.result is not None
    assert (limited.result.code, limited.result.status.value) == (
        "REQUEST_TRAFFIC_EXCEED_LIMIT",
        "U",
    )
    assert client.inquiry_payment("limited").not_found
    assert pay(client, "limited").outcome is AntomOutcome.SUCCEEDED
    assert sandbox.ledger().order("order-limited").payments == 1


def test_garbled_body_after_commit(client: AntomClient, sandbox: Sandbox) -> None:
    sandbox.faults.add("*/pay", FaultKind.GARBLED_BODY, times=1)
    response = pay(client, "garbled")
    assert response.outcome is AntomOutcome.UNKNOWN
    assert client.inquiry_payment("garbled").payment_status is PaymentStatus.SUCCESS


@pytest.mark.parametrize("kind", [FaultKind.BAD_SIGNATURE, FaultKind.MISSING_SIGNATURE])
def test_bad_or_missing_signature_is_never_a_decline(
    client: AntomClient, sandbox: Sandbox, kind: FaultKind
) -> None:
    sandbox.faults.add("*/pay", kind, times=1)
    response = pay(client, f"sig-{kind}")
    assert response.outcome is AntomOutcome.UNKNOWN
    assert isinstance(response.error, SignatureError)
    assert client.inquiry_payment(f"sig-{kind}").payment_status is PaymentStatus.SUCCESS


def test_signature_fault_on_inquiry_raises(client: AntomClient, sandbox: Sandbox) -> None:
    pay(client, "sig-inq")
    sandbox.faults.add("*/inquiryPayment", FaultKind.BAD_SIGNATURE, times=1)
    with pytest.raises(SignatureError):
        client.inquiry_payment("sig-inq")
    assert client.inquiry_payment("sig-inq").payment_status is PaymentStatus.SUCCESS


def test_latency(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.faults.add("*/inquiryPayment", FaultKind.LATENCY, seconds=0.3, times=1)
    started = time.monotonic()
    assert raw.call("inquiryPayment", {"paymentRequestId": "x"}).code == "ORDER_NOT_EXIST"
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    raw.call("inquiryPayment", {"paymentRequestId": "x"})
    # the fault fired once; the second call is not delayed by it
    assert sandbox.faults.active() == []


def test_latency_past_the_client_timeout_then_inquiry(sandbox: Sandbox) -> None:
    sandbox.faults.add("*/pay", FaultKind.LATENCY, seconds=1.0, times=1)
    with AntomClient(
        sandbox.base_url,
        sandbox.client_id,
        sandbox.merchant_private_key_pem,
        sandbox.antom_public_key_pem,
        timeout=0.3,
        retry=NO_RETRY,
    ) as antom:
        response = pay(antom, "slow-net")
        assert response.outcome is AntomOutcome.UNKNOWN
        time.sleep(1.0)  # the sandbox finishes the request it was holding
        assert antom.inquiry_payment("slow-net").payment_status is PaymentStatus.SUCCESS


def test_pattern_matching_and_counts(raw: RawClient, sandbox: Sandbox) -> None:
    fault = sandbox.faults.add("*/capture", FaultKind.HTTP_ERROR, status=502, times=2)
    assert raw.call("pay", pay_body("pattern")).code == "SUCCESS"  # not matched
    for _ in range(2):
        response = raw.http.post("/ams/sandbox/api/v1/payments/capture", content=b"{}")
        assert response.status_code == 502
    assert fault.fired == 2
    assert sandbox.faults.active() == []
    forever = sandbox.faults.add("*", FaultKind.HTTP_ERROR, status=500)
    for _ in range(3):
        assert (
            raw.http.post("/ams/sandbox/api/v1/payments/consult", content=b"{}").status_code == 500
        )
    sandbox.faults.remove(forever)
    assert raw.call("inquiryPayment", {"paymentRequestId": "pattern"}).code == "SUCCESS"


def test_bad_fault_arguments() -> None:
    from posapp.sandbox.faults import FaultRegistry

    faults = FaultRegistry()
    with pytest.raises(ValueError):
        faults.add("*", "explode")
    with pytest.raises(ValueError):
        faults.add("*", FaultKind.HTTP_ERROR, status=404)
    with pytest.raises(ValueError):
        faults.add("*", FaultKind.LATENCY, seconds=-1)
    with pytest.raises(ValueError):
        faults.add("*", FaultKind.LATENCY, times=0)


def test_admin_endpoints(sandbox: Sandbox, raw: RawClient) -> None:
    admin = httpx.Client(
        base_url=sandbox.base_url + "/sandbox-admin",
        headers={"Authorization": f"Bearer {sandbox.admin_token}"},
        trust_env=False,
    )
    added = admin.post(
        "/faults", json={"pattern": "*/pay", "kind": "http_error", "status": 503, "times": 1}
    )
    assert added.status_code == 200
    assert added.json()["kind"] == "http_error"
    assert admin.get("/faults").json()["faults"][0]["pattern"] == "*/pay"
    assert raw.http.post("/ams/sandbox/api/v1/payments/pay", content=b"{}").status_code == 503
    admin.post("/faults", json={"pattern": "*", "kind": "latency", "seconds": 5})
    assert admin.delete("/faults").json() == {"faults": []}
    assert raw.call("pay", pay_body("admin-1")).code == "SUCCESS"
    assert admin.post("/faults", json={"pattern": "*", "kind": "nope"}).status_code == 400
    assert admin.post("/faults", content=b"not json").status_code == 400
    before = admin.get("/clock").json()
    moved = admin.post("/clock/advance", json={"seconds": 3600}).json()
    assert moved["offsetSeconds"] - before["offsetSeconds"] == pytest.approx(3600)
    assert admin.post("/clock/advance", json={"seconds": -5}).status_code == 400
    assert admin.post("/clock/advance", json={"seconds": "x"}).status_code == 400
    ledger = admin.get("/ledger").json()
    assert ledger["orders"]["order-admin-1"][0]["authorised"] == 1000
    assert admin.get("/notifications").json() == {"notifications": []}
    assert admin.get("/nothing").status_code == 404
    admin.close()
