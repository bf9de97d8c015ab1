"""AntomClient: pay / capture / cancel / refund / inquiry / consult over one ``httpx.Client``.

Every request is signed (``AntomAuth``), every answer verified over its raw body before it is
parsed, and the body is read up to a cap. Retries follow ``RetryPolicy`` and always resend
the identical body with the same request id.

Operations that change money (pay, capture, cancel, refund) never raise for an ambiguous
ending (timeout, reset, 5xx, bad signature, unreadable answer): they return a response with
outcome UNKNOWN, ``result=None`` and the cause in ``error``; the caller inquires. They do
raise for what is certain: bad input (nothing sent), unusable keys, REPEAT_REQ_INCONSISTENT.
Inquiries and consult raise the error (see errors.py for the tree).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from posapp import __version__
from posapp.core.antom.auth import AntomAuth
from posapp.core.antom.errors import (
    AntomError,
    GatewayConnectError,
    GatewayTimeoutError,
    HttpStatusError,
    ProtocolError,
    RepeatRequestInconsistentError,
    ResponseTooLargeError,
    TransportError,
)
from posapp.core.antom.messages import (
    AnyRequest,
    Api,
    CancelRequest,
    CancelResponse,
    CaptureRequest,
    CaptureResponse,
    Classification,
    ConsultRequest,
    ConsultResponse,
    DeleteTokenRequest,
    DeleteTokenResponse,
    InquiryPaymentRequest,
    InquiryPaymentResponse,
    InquiryRefundRequest,
    InquiryRefundResponse,
    PayRequest,
    PayResponse,
    RefundRequest,
    RefundResponse,
    Result,
)
from posapp.core.antom.retry import RetryPolicy
from posapp.core.antom.signing import (
    DEFAULT_KEY_VERSION,
    load_private_key,
    load_public_key,
    sandbox_path,
    verify_message,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 1 << 20  # Antom answers are a few kB; anything near this is not Antom
CONTENT_TYPE = "application/json; charset=UTF-8"


class _Parsed(Protocol):
    @property
    def result(self) -> Result | None: ...

    @property
    def classification(self) -> Classification: ...


R = TypeVar("R", bound=_Parsed)


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as the Java SDK sends it. These bytes are what gets signed."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_body(raw: bytes) -> object:
    """Strict decoding of an answer: UTF-8, JSON, no NaN/Infinity; ProtocolError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the answer is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ProtocolError("the answer is nested too deeply") from None
    except ValueError as exc:
        raise ProtocolError(f"the answer is not valid JSON ({str(exc)[:80]})") from None


def _key(material: Any, loader: Callable[..., Any], kind: type, what: str) -> Any:
    if isinstance(material, kind):
        return material
    if isinstance(material, Path | str | bytes):
        return loader(material, str(material) if isinstance(material, Path) else what)
    raise TypeError(f"{what}: expected a key, a PEM/Base64 text or a Path")


class AntomClient:
    """Signed, verified calls to one Antom gateway (any base URL: a region or the sandbox)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        merchant_private_key: rsa.RSAPrivateKey | str | bytes | Path,
        antom_public_key: rsa.RSAPublicKey | str | bytes | Path,
        *,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        key_version: str = DEFAULT_KEY_VERSION,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now_ms: Callable[[], int] | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if not client_id or not client_id.isprintable() or len(client_id) > 128:
            raise ValueError("client_id must be 1 to 128 printable characters")
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError):
            raise ValueError(f"{base_url!r} is not a URL") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._private_key: rsa.RSAPrivateKey = _key(
            merchant_private_key, load_private_key, rsa.RSAPrivateKey, "the merchant private key"
        )
        self._public_key: rsa.RSAPublicKey = _key(
            antom_public_key, load_public_key, rsa.RSAPublicKey, "the Antom public key"
        )
        # URLs parsed once, already on the sandbox path for SANDBOX_ ids (as the SDKs send)
        self._urls = {
            api: httpx.URL(self.base_url + sandbox_path(client_id, api.path)) for api in Api
        }
        self._auth = AntomAuth(client_id, self._private_key, key_version=key_version, now_ms=now_ms)
        self._owns_http = http is None
        # One client for the life of the till: its pool keeps the TLS connection alive.
        self._http = http or httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._max_body = max_body_bytes

    # -- life cycle -----------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._public_key

    # -- operations -----------------------------------------------------------------------
    def pay(self, request: PayRequest) -> PayResponse:
        """Authorise (and with AUTOMATIC capture, capture). Never raises for an ambiguous end."""
        return self._mutate(request, PayResponse.parse, PayResponse.unknown)

    def capture(self, request: CaptureRequest) -> CaptureResponse:
        return self._mutate(request, CaptureResponse.parse, CaptureResponse.unknown)

    def cancel(self, request: CancelRequest) -> CancelResponse:
        return self._mutate(request, CancelResponse.parse, CancelResponse.unknown)

    def refund(self, request: RefundRequest) -> RefundResponse:
        return self._mutate(request, RefundResponse.parse, RefundResponse.unknown)

    def inquiry_payment(
        self, payment_request_id: str | None = None, *, payment_id: str | None = None
    ) -> InquiryPaymentResponse:
        request = InquiryPaymentRequest(
            payment_request_id=payment_request_id, payment_id=payment_id
        )
        return self._execute(request, InquiryPaymentResponse.parse, payment_request_id)

    def inquiry_refund(
        self, refund_request_id: str | None = None, *, refund_id: str | None = None
    ) -> InquiryRefundResponse:
        request = InquiryRefundRequest(refund_request_id=refund_request_id, refund_id=refund_id)
        return self._execute(request, InquiryRefundResponse.parse, refund_request_id)

    def consult(self, request: ConsultRequest) -> ConsultResponse:
        return self._execute(request, ConsultResponse.parse, None)

    def delete_token(self, request: DeleteTokenRequest) -> DeleteTokenResponse:
        """Unbind a stored card token (idempotent: a repeat finds it already gone)."""
        return self._execute(request, DeleteTokenResponse.parse, None)

    # -- machinery ------------------------------------------------------------------------
    def _mutate(
        self,
        request: AnyRequest,
        parse: Callable[[object, str | None], R],
        unknown: Callable[[str, AntomError], R],
    ) -> R:
        sent_id = request.request_id or None
        try:
            return self._execute(request, parse, sent_id)
        except AntomError as exc:
            if not exc.ambiguous:
                raise
            log.warning(
                "%s %s ended without a verified answer: %s", request.api.value, sent_id, exc
            )
            return unknown(request.request_id, exc)

    def _execute(
        self,
        request: AnyRequest,
        parse: Callable[[object, str | None], R],
        sent_id: str | None,
    ) -> R:
        body = encode_body(request.to_body())  # InvalidRequestError: nothing is sent
        request_id = request.request_id or None
        attempt = 0
        while True:
            attempt += 1
            try:
                data, status = self._once(request.api, body, request_id)
                try:
                    response = parse(data, sent_id)
                except AntomError as exc:
                    exc.http_status, exc.request_id = status, request_id
                    raise
                result = response.result
                if result is not None and result.code == "REPEAT_REQ_INCONSISTENT":
                    raise RepeatRequestInconsistentError(
                        f"{request.api.value}: {result.message or 'request id reused'}",
                        result_code=result.code,
                        http_status=status,
                        request_id=request_id,
                    )
                delay = self._retry.after_result(attempt, response.classification)
                if delay is None:
                    return response
                log.info(
                    "%s %s answered %s; resending (attempt %d)",
                    request.api.value,
                    request_id,
                    result.code if result else "?",
                    attempt + 1,
                )
            except RepeatRequestInconsistentError:
                raise
            except AntomError as exc:
                delay = self._retry.after_error(attempt, exc)
                if delay is None:
                    raise
                log.info(
                    "%s %s failed (%s); retrying (attempt %d)",
                    request.api.value,
                    request_id,
                    type(exc).__name__,
                    attempt + 1,
                )
            self._sleep(delay)

    def _once(self, api: Api, body: bytes, request_id: str | None) -> tuple[object, int]:
        """One signed exchange: the decoded, verified JSON answer and its HTTP status."""
        http_request = self._http.build_request(
            "POST",
            self._urls[api],
            content=body,
            headers={"Content-Type": CONTENT_TYPE, "User-Agent": f"posapp/{__version__}"},
            timeout=self._timeout,
        )
        started = time.perf_counter()
        try:
            response = self._http.send(http_request, auth=self._auth, stream=True)
            try:
                raw = self._read_capped(response, request_id)
            finally:
                response.close()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            raise GatewayConnectError(
                f"cannot connect to {self.base_url}: {exc or type(exc).__name__}",
                request_id=request_id,
            ) from None
        except httpx.TimeoutException:
            raise GatewayTimeoutError(
                f"no answer from {self.base_url} within {self._timeout:g} s",
                request_id=request_id,
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"the connection to {self.base_url} failed: {type(exc).__name__}",
                request_id=request_id,
            ) from None
        status = response.status_code
        log.debug(
            "%s %s -> HTTP %d in %.0f ms",
            api.value,
            request_id,
            status,
            (time.perf_counter() - started) * 1000,
        )
        if status != 200:
            raise HttpStatusError(
                f"{api.value}: HTTP {status} from the gateway",
                http_status=status,
                request_id=request_id,
            )
        signed_path = response.request.url.raw_path.decode("ascii")
        try:
            verify_message(
                self._public_key,
                "POST",
                signed_path,
                response.headers,
                raw,
                time_header="response-time",
                expected_client_id=self.client_id,
            )
            data = decode_body(raw)
        except AntomError as exc:
            exc.http_status, exc.request_id = status, request_id
            raise
        return data, status

    def _read_capped(self, response: httpx.Response, request_id: str | None) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body:
            raise ResponseTooLargeError(
                f"the answer declares {declared} bytes; the limit is {self._max_body}",
                http_status=response.status_code,
                request_id=request_id,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_body:
                raise ResponseTooLargeError(
                    f"the answer is over the {self._max_body}-byte limit",
                    http_status=response.status_code,
                    request_id=request_id,
                )
            chunks.append(chunk)
        return b"".join(chunks)
