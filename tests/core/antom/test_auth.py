"""AntomAuth on a plain httpx.Client: headers, sandbox path, signature over the exact body."""

from __future__ import annotations

import httpx

from posapp.core.antom import signing
from posapp.core.antom.auth import AntomAuth

from .fakes import merchant_key


def _send(client_id: str, url: str, body: bytes) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    auth = AntomAuth(client_id, merchant_key(), key_version="2", now_ms=lambda: 1_767_600_000_123)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as http:
        http.post(url, content=body)
    return seen[0]


def test_sandbox_ids_sign_and_send_the_sandbox_path() -> None:
    body = '{"paymentRequestId":"é-1"}'.encode()
    request = _send(
        "SANDBOX_ABC", "https://open-sea-global.alipay.com/ams/api/v1/payments/pay?x=1", body
    )
    assert request.url.raw_path == b"/ams/sandbox/api/v1/payments/pay?x=1"
    assert request.headers["Client-Id"] == "SANDBOX_ABC"
    assert request.headers["Request-Time"] == "1767600000123"
    header = signing.parse_signature_header(request.headers["Signature"])
    assert header.key_version == "2"
    content = signing.content_to_sign(
        "POST", "/ams/sandbox/api/v1/payments/pay?x=1", "SANDBOX_ABC", "1767600000123", body
    )
    assert signing.verify(merchant_key().public_key(), content, header.signature)


def test_production_ids_keep_the_path() -> None:
    request = _send("2188000000000001", "https://g.test/ams/api/v1/payments/pay", b"{}")
    assert request.url.raw_path == b"/ams/api/v1/payments/pay"
    content = signing.content_to_sign(
        "POST", "/ams/api/v1/payments/pay", "2188000000000001", "1767600000123", b"{}"
    )
    header = signing.parse_signature_header(request.headers["signature"])
    assert signing.verify(merchant_key().public_key(), content, header.signature)


def test_each_request_gets_its_own_time_and_signature() -> None:
    times = iter([1_000_000_000_000, 1_000_000_000_001])
    auth = AntomAuth("C", merchant_key(), now_ms=lambda: next(times))
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    with httpx.Client(transport=transport, auth=auth) as http:
        http.post("https://g.test/ams/api/v1/payments/pay", content=b"{}")
        http.post("https://g.test/ams/api/v1/payments/pay", content=b"{}")
    assert [r.headers["request-time"] for r in seen] == ["1000000000000", "1000000000001"]
    assert seen[0].headers["signature"] != seen[1].headers["signature"]
