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
