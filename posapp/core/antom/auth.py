"""An ``httpx.Auth`` that signs every Antom request from its exact body bytes."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from posapp.core.antom.signing import (
    DEFAULT_KEY_VERSION,
    build_signature_header,
    content_to_sign,
    request_time_now,
    sandbox_path,
    sign,
)


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000


class AntomAuth(httpx.Auth):
    """Sets Client-Id, Request-Time (epoch ms, as the Java SDK) and Signature.

    For SANDBOX_ client ids the first ``/ams/api`` of the path becomes ``/ams/sandbox/api``
    before signing, as the official SDKs do; the signed path is the one sent.
    """

    requires_request_body = True

    def __init__(
        self,
        client_id: str,
        private_key: rsa.RSAPrivateKey,
        *,
        key_version: str = DEFAULT_KEY_VERSION,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        self.client_id = client_id
        self._key = private_key
        self.key_version = key_version
        self._now_ms = now_ms or _epoch_ms

    def sign_request(self, request: httpx.Request) -> httpx.Request:
        path = request.url.raw_path.decode("ascii")
        signed_path = sandbox_path(self.client_id, path)
        if signed_path != path:
            request.url = request.url.copy_with(raw_path=signed_path.encode("ascii"))
        time_value = request_time_now(self._now_ms())
        content = content_to_sign(
            request.method, signed_path, self.client_id, time_value, request.content
        )
        request.headers["Client-Id"] = self.client_id
        request.headers["Request-Time"] = time_value
        request.headers["Signature"] = build_signature_header(
            sign(self._key, content), self.key_version
        )
        return request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self.sign_request(request)
