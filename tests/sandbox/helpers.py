"""A raw signed client for the sandbox tests: httpx + posapp.core.antom.signing, nothing else."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import httpx

from posapp.core.antom import signing
from posapp.core.antom.errors import SignatureError
from posapp.sandbox import Sandbox

PREFIX = "/ams/sandbox/api/v1/payments/"
VISA_OK = "4054695723100768"
VISA_DECLINE = "4054692760174822"


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    verified: bool
    headers: httpx.Headers

    @property
    def result(self) -> dict[str, Any]:
        return self.body["result"]

    @property
    def code(self) -> str:
        return self.result["resultCode"]


class RawClient:
    """Signs requests with the sandbox's merchant key and verifies answers with its Antom key."""

    def __init__(self, sandbox: Sandbox, *, prefix: str = PREFIX) -> None:
        self.sandbox = sandbox
        self.prefix = prefix
        self.merchant_key = signing.load_private_key(sandbox.merchant_private_key_pem)
        self.antom_key = signing.load_public_key(sandbox.antom_public_key_pem)
        self.http = httpx.Client(base_url=sandbox.base_url, timeout=10.0, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def headers(self, path: str, raw: bytes) -> dict[str, str]:
        request_time = signing.request_time_now()
        content = signing.content_to_sign("POST", path, self.sandbox.client_id, request_time, raw)
        return {
            "content-type": "application/json; charset=UTF-8",
            "client-id": self.sandbox.client_id,
            "request-time": request_time,
            "signature": signing.build_signature_header(signing.sign(self.merchant_key, content)),
        }

    def verify(self, path: str, response: httpx.Response) -> bool:
        try:
            header = signing.parse_signature_header(response.headers.get("signature"))
        except SignatureError:
            return False
        content = signing.content_to_sign(
            "POST",
            path,
            response.headers["client-id"],
            response.headers["response-time"],
            response.content,
        )
        return signing.verify(self.antom_key, content, header.signature)

    def call(self, api: str, body: dict[str, Any] | bytes) -> Answer:
        """POST to ``api``: a payments API by name, a token API as ``vaults/<name>``."""
        if api.startswith("vaults/"):
            path = self.prefix.removesuffix("payments/") + api
        else:
            path = self.prefix + api
        raw = body if isinstance(body, bytes) else json.dumps(body, indent=3).encode()
        response = self.http.post(path, content=raw, headers=self.headers(path, raw))
        verified = self.verify(path, response)
        return Answer(response.status_code, response.json(), verified, response.headers)


def pay_body(
    request_id: str,
    *,
    card: str = VISA_OK,
    value: str = "1000",
    currency: str = "USD",
    order: str | None = None,
    capture: str = "MANUAL",
    cvv: str | None = "123",
    month: str = "12",
    year: str = "30",
    three_ds: bool | None = None,
    notify_url: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "cardNo": card,
        "expiryMonth": month,
        "expiryYear": year,
        "cardholderName": {"firstName": "Ada", "lastName": "Lovelace"},
    }
    if cvv is not None:
        meta["cvv"] = cvv
    if three_ds is not None:
        meta["is3DSAuthentication"] = three_ds
    body: dict[str, Any] = {
        "productCode": "CASHIER_PAYMENT",
        "paymentRequestId": request_id,
        "paymentAmount": {"currency": currency, "value": value},
        "order": {
            "referenceOrderId": order or f"order-{request_id}",
            "orderDescription": "Till sale",
            "orderAmount": {"currency": currency, "value": value},
        },
        "paymentMethod": {"paymentMethodType": "CARD", "paymentMethodMetaData": meta},
        "paymentFactor": {"isAuthorization": True, "captureMode": capture},
        "env": {"terminalType": "WEB", "clientIp": "127.0.0.1"},
        "paymentRedirectUrl": "https://shop.example/return",
    }
    if notify_url:
        body["paymentNotifyUrl"] = notify_url
    body.update(extra)
    return copy.deepcopy(body)


class NotifyReceiver:
    """A merchant's notification endpoint on loopback: records every POST, answers ``ack``."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.ack: bytes = ACK
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append((self.path, headers, body))
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.ack)))
                self.end_headers()
                self.wfile.write(receiver.ack)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/antom/notify?till=1"

    def bodies(self, notify_type: str | None = None) -> list[dict[str, Any]]:
        out = [json.loads(body) for _path, _headers, body in self.received]
        return [b for b in out if notify_type is None or b.get("notifyType") == notify_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


ACK = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'
