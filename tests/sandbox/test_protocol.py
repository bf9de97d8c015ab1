"""Wire protocol: request verification, signed answers, paths, headers, absolute-form targets."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from posapp.core.antom import signing
from posapp.sandbox import Sandbox
from tests.sandbox.helpers import PREFIX, RawClient, pay_body


def _post(raw: RawClient, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return raw.http.post(path, content=body, headers=headers)


def _signed_ok(raw: RawClient, path: str, response: httpx.Response) -> bool:
    return raw.verify(path, response)


@pytest.mark.parametrize(
    ("drop", "code"),
    [
        ("client-id", "INVALID_CLIENT"),
        ("signature", "INVALID_SIGNATURE"),
        ("request-time", "PARAM_ILLEGAL"),
    ],
)
def test_missing_headers_get_a_signed_refusal(
    raw: RawClient, sandbox: Sandbox, drop: str, code: str
) -> None:
    path = PREFIX + "pay"
    body = json.dumps(pay_body("hdr-" + drop)).encode()
    headers = raw.headers(path, body)
    del headers[drop]
    response = _post(raw, path, body, headers)
    assert response.status_code == 200
    assert _signed_ok(raw, path, response)
    assert response.json()["result"]["resultCode"] == code
    assert response.json()["result"]["resultStatus"] == "F"
    assert sandbox.ledger().by_order == {}


def test_unknown_client_id(raw: RawClient) -> None:
    path = PREFIX + "pay"
    body = json.dumps(pay_body("cid")).encode()
    headers = raw.headers(path, body)
    headers["client-id"] = "SANDBOX_SOMEONEELSE"
    response = _post(raw, path, body, headers)
    assert response.json()["result"]["resultCode"] == "INVALID_CLIENT"
    assert _signed_ok(raw, path, response)


def test_signature_by_another_key_is_refused(raw: RawClient, sandbox: Sandbox) -> None:
    path = PREFIX + "pay"
    body = json.dumps(pay_body("forged")).encode()
    other = signing.generate_private_key()
    request_time = signing.request_time_now()
    content = signing.content_to_sign("POST", path, sandbox.client_id, request_time, body)
    headers = {
        "content-type": "application/json; charset=UTF-8",
        "client-id": sandbox.client_id,
        "request-time": request_time,
        "signature": signing.build_signature_header(signing.sign(other, content)),
    }
    response = _post(raw, path, body, headers)
    assert response.json()["result"]["resultCode"] == "INVALID_SIGNATURE"
    assert raw.call("inquiryPayment", {"paymentRequestId": "forged"}).code == "ORDER_NOT_EXIST"


def test_tampered_body_is_refused(raw: RawClient) -> None:
    path = PREFIX + "pay"
    body = json.dumps(pay_body("tamper")).encode()
    headers = raw.headers(path, body)
    response = _post(raw, path, body.replace(b'"1000"', b'"1"'), headers)
    assert response.json()["result"]["resultCode"] == "INVALID_SIGNATURE"


def test_signature_over_another_path_is_refused(raw: RawClient) -> None:
    body = json.dumps(pay_body("path")).encode()
    headers = raw.headers("/ams/api/v1/payments/pay", body)  # signed for production path
    response = _post(raw, PREFIX + "pay", body, headers)
    assert response.json()["result"]["resultCode"] == "INVALID_SIGNATURE"


def test_unknown_key_version(raw: RawClient) -> None:
    path = PREFIX + "pay"
    body = json.dumps(pay_body("kv")).encode()
    headers = raw.headers(path, body)
    headers["signature"] = headers["signature"].replace("keyVersion=1", "keyVersion=7")
    response = _post(raw, path, body, headers)
    assert response.json()["result"]["resultCode"] == "KEY_NOT_FOUND"


def test_signature_header_with_spaces_and_iso_request_time(raw: RawClient) -> None:
    path = PREFIX + "pay"
    body = json.dumps(pay_body("spaces")).encode()
    request_time = "2026-05-01T08:00:00+00:00"  # the Python SDK's form
    content = signing.content_to_sign("POST", path, raw.sandbox.client_id, request_time, body)
    signature = signing.sign(raw.merchant_key, content)
    headers = {
        "Content-Type": "application/json; charset=UTF-8",
        "Client-Id": raw.sandbox.client_id,
        "Request-Time": request_time,
        "Signature": "algorithm=RSA256, keyVersion=1, signature="
        + signing.build_signature_header(signature).split("signature=", 1)[1],
    }
    response = _post(raw, path, body, headers)
    assert response.json()["result"]["resultCode"] == "SUCCESS"


def test_response_headers_are_lower_case_on_the_wire(sandbox: Sandbox, raw: RawClient) -> None:
    path = PREFIX + "inquiryPayment"
    body = b'{"paymentRequestId":"none"}'
    head = "".join(f"{k}: {v}\r\n" for k, v in raw.headers(path, body).items())
    request = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", sandbox.port)) as sock:
        sock.sendall(request.encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_bytes = data.split(b"\r\n\r\n", 1)[0]
    for name in (b"signature", b"response-time", b"client-id"):
        assert b"\r\n" + name + b": " in head_bytes


def test_absolute_form_request_target_like_the_python_sdk(sandbox: Sandbox, raw: RawClient) -> None:
    """The official Python SDK sends ``POST http://host/ams/... HTTP/1.1``."""
    path = PREFIX + "pay"
    body = json.dumps(pay_body("absolute"), indent=3).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in raw.headers(path, body).items())
    target = f"http://127.0.0.1:{sandbox.port}{path}"
    request = f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n{head}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", sandbox.port)) as sock:
        sock.sendall(request.encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_text, _, payload = data.partition(b"\r\n\r\n")
    headers = dict(
        line.split(": ", 1) for line in head_text.decode().split("\r\n")[1:] if ": " in line
    )
    assert json.loads(payload)["result"]["resultCode"] == "SUCCESS"
    parsed = signing.parse_signature_header(headers["signature"])
    content = signing.content_to_sign(
        "POST", path, headers["client-id"], headers["response-time"], payload
    )
    assert signing.verify(raw.antom_key, content, parsed.signature)


def test_query_string_is_part_of_the_signed_path(raw: RawClient) -> None:
    path = PREFIX + "inquiryPayment?trace=1"
    body = b'{"paymentRequestId":"none"}'
    response = _post(raw, path, body, raw.headers(path, body))
    assert response.json()["result"]["resultCode"] == "ORDER_NOT_EXIST"
    assert raw.verify(path, response)


def test_unknown_api_and_paths(raw: RawClient) -> None:
    path = PREFIX + "teleport"
    body = b"{}"
    response = _post(raw, path, body, raw.headers(path, body))
    assert response.status_code == 200
    assert response.json()["result"]["resultCode"] == "NO_INTERFACE_DEF"
    assert raw.verify(path, response)
    assert raw.http.get(PREFIX + "pay").status_code == 405
    assert raw.http.get("/nothing/here").status_code == 404
    assert raw.http.post("/nothing/here", content=b"{}").status_code == 404


def test_every_answer_verifies_with_the_published_public_key_file(
    sandbox: Sandbox, raw: RawClient
) -> None:
    assert sandbox.state_dir is not None
    key = signing.load_public_key(sandbox.state_dir / "antom_public_key.pem")
    answer = raw.call("inquiryPayment", {"paymentRequestId": "x"})
    response = raw.http.post(
        PREFIX + "inquiryPayment",
        content=b'{"paymentRequestId":"x"}',
        headers=raw.headers(PREFIX + "inquiryPayment", b'{"paymentRequestId":"x"}'),
    )
    parsed = signing.parse_signature_header(response.headers["signature"])
    content = signing.content_to_sign(
        "POST",
        PREFIX + "inquiryPayment",
        response.headers["client-id"],
        response.headers["response-time"],
        response.content,
    )
    assert signing.verify(key, content, parsed.signature)
    assert answer.verified


def test_response_time_is_wall_time_even_when_the_clock_jumped(
    raw: RawClient, sandbox: Sandbox
) -> None:
    from datetime import UTC, datetime, timedelta

    sandbox.clock.advance(timedelta(days=8))
    answer = raw.call("inquiryPayment", {"paymentRequestId": "x"})
    sent = signing.parse_time_header(answer.headers["response-time"])
    assert abs(sent - datetime.now(UTC)) < timedelta(minutes=1)
    assert answer.verified
