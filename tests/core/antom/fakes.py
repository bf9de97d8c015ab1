"""A signed fake gateway for client unit tests (httpx.MockTransport), and shared keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from posapp.core.antom import signing

CLIENT_ID = "SANDBOX_TESTCLIENT01"


@lru_cache(maxsize=4)
def keypair(n: int = 0) -> rsa.RSAPrivateKey:
    """RSA keys are slow to make: one per index for the whole test run."""
    return signing.generate_private_key()


def merchant_key() -> rsa.RSAPrivateKey:
    return keypair(0)


def antom_key() -> rsa.RSAPrivateKey:
    return keypair(1)


Handler = Callable[[httpx.Request, dict[str, Any]], "Reply | dict[str, Any]"]


def signed_headers(
    request: httpx.Request,
    body: bytes,
    *,
    client_id: str = CLIENT_ID,
    response_time: str = "1700000000000",
    key: rsa.RSAPrivateKey | None = None,
) -> dict[str, str]:
    """The headers Antom signs an answer to ``request`` with (Antom's test key by default)."""
    content = signing.content_to_sign(
        "POST", request.url.raw_path.decode(), client_id, response_time, body
    )
    return {
        "signature": signing.build_signature_header(signing.sign(key or antom_key(), content)),
        "response-time": response_time,
        "client-id": client_id,
    }


@dataclass
class Reply:
    """What the fake gateway sends back; ``body`` bytes win over ``data``."""

    data: dict[str, Any] | None = None
    status: int = 200
    body: bytes | None = None
    sign: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    sign_with: rsa.RSAPrivateKey | None = None
    response_time: str = "2026-01-05T09:00:00+00:00"


@dataclass
class FakeGateway:
    """Verifies each request's signature like Antom, answers with a signed body."""

    handler: Handler
    client_id: str = CLIENT_ID
    requests: list[httpx.Request] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        raw = request.read()
        header = signing.parse_signature_header(request.headers["signature"])
        content = signing.content_to_sign(
            request.method,
            request.url.raw_path.decode(),
            request.headers["client-id"],
            request.headers["request-time"],
            raw,
        )
        assert signing.verify(merchant_key().public_key(), content, header.signature), (
            "request signature"
        )
        data = json.loads(raw)
        self.bodies.append(data)
        reply = self.handler(request, data)
        if isinstance(reply, dict):
            reply = Reply(reply)
        body = reply.body if reply.body is not None else json.dumps(reply.data).encode()
        headers = dict(reply.headers)
        if reply.sign:
            signed = signed_headers(
                request,
                body,
                client_id=self.client_id,
                response_time=reply.response_time,
                key=reply.sign_with,
            )
            for name, value in signed.items():
                headers.setdefault(name, value)
        return httpx.Response(reply.status, content=body, headers=headers)


def ok(**fields: Any) -> dict[str, Any]:
    return {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        **fields,
    }


def result(code: str, status: str, **fields: Any) -> dict[str, Any]:
    return {"result": {"resultCode": code, "resultStatus": status, "resultMessage": code}, **fields}
