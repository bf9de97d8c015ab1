"""The 3DS page and logos over HTTP, custom payment expiry, consult refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from posapp.sandbox import Sandbox
from tests.sandbox.helpers import RawClient, pay_body


def test_otp_page_for_unknown_token_and_bad_methods(sandbox: Sandbox) -> None:
    url = sandbox.base_url + "/sandbox/3ds/" + "A" * 24
    assert httpx.get(url, trust_env=False).status_code == 404
    assert httpx.post(url, data={"otp": "123456"}, trust_env=False).status_code == 404
    assert httpx.put(url, trust_env=False).status_code == 405
    assert httpx.get(sandbox.base_url + "/sandbox/3ds/bad!", trust_env=False).status_code == 404


def test_otp_page_shows_the_masked_card_and_escapes(raw: RawClient) -> None:
    answer = raw.call("pay", pay_body("page", three_ds=True))
    page = httpx.get(answer.body["normalUrl"], trust_env=False)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "405469******0768" in page.text
    assert "4054695723100768" not in page.text
    assert "<form" in page.text and 'name="otp"' in page.text
    done = httpx.post(answer.body["normalUrl"], data={"otp": "123456"}, trust_env=False)
    assert "https://shop.example/return" in done.text  # the way back to the shop


def test_logos_are_served_and_nothing_else(sandbox: Sandbox) -> None:
    ok = httpx.get(sandbox.base_url + "/sandbox/logos/MASTERCARD.svg", trust_env=False)
    assert ok.status_code == 200 and b"<svg" in ok.content
    for bad in ("/sandbox/logos/NOPE.svg", "/sandbox/logos/../otp.html", "/sandbox/logos/visa.svg"):
        assert httpx.get(sandbox.base_url + bad, trust_env=False).status_code == 404


def test_custom_payment_expiry_time(raw: RawClient, sandbox: Sandbox) -> None:
    expiry = (sandbox.clock.now() + timedelta(minutes=5)).astimezone(UTC)
    body = pay_body(
        "short", three_ds=True, paymentExpiryTime=expiry.isoformat().replace("+00:00", "Z")
    )
    assert raw.call("pay", body).code == "PAYMENT_IN_PROCESS"
    sandbox.clock.advance(timedelta(minutes=4))
    inquiry = raw.call("inquiryPayment", {"paymentRequestId": "short"})
    assert inquiry.body["paymentStatus"] == "PROCESSING"
    sandbox.clock.advance(timedelta(minutes=1, seconds=5))
    inquiry = raw.call("inquiryPayment", {"paymentRequestId": "short"})
    assert inquiry.body["paymentStatus"] == "FAIL"
    assert inquiry.body["paymentResultCode"] == "ORDER_IS_CLOSED"


def test_consult_refusals(raw: RawClient) -> None:
    answer = raw.call(
        "consult",
        {
            "productCode": "CASHIER_PAYMENT",
            "paymentAmount": {"currency": "XYZ", "value": "1"},
            "env": {"terminalType": "WEB"},
        },
    )
    assert answer.code == "CURRENCY_NOT_SUPPORT"
    answer = raw.call(
        "consult",
        {
            "productCode": "CASHIER_PAYMENT",
            "paymentAmount": {"currency": "USD", "value": "1"},
            "env": {"terminalType": "FRIDGE"},
        },
    )
    assert answer.code == "PARAM_ILLEGAL"


def test_payment_times_follow_the_sandbox_clock(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.clock.advance(timedelta(days=30))
    answer = raw.call("pay", pay_body("later"))
    created = datetime.fromisoformat(answer.body["paymentCreateTime"])
    assert abs(created - sandbox.clock.now()) < timedelta(minutes=1)
    assert datetime.fromisoformat(answer.body["authExpiryTime"]) - created == timedelta(days=7)
