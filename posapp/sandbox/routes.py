"""Routes: the Antom API (signed), the 3DS OTP page, card logos and the admin endpoints.

- ``POST /ams/api/v1/payments/<api>`` and ``POST /ams/sandbox/api/v1/payments/<api>`` (and
  ``.../v1/vaults/<api>`` for the token APIs): verified with the merchant public key, answered
  with a signed JSON body (also for errors).
- ``GET/POST /sandbox/3ds/<token>``: the OTP page a 3DS challenge sends the buyer to.
- ``GET /sandbox/logos/<BRAND>.svg``: the logos consult points at.
- ``GET /sandbox/return``: "payment finished" (training mode's ``paymentRedirectUrl``).
- ``/sandbox-admin/...`` (unsigned JSON, test tooling): ``GET process`` (which
  process answered, of how many), ``GET clock``,
  ``POST clock/advance`` ``{"seconds": N}``, ``GET ledger``, ``GET notifications``,
  ``GET|POST|DELETE faults`` (``{"pattern", "kind", "status", "seconds", "times"}``).
  Every admin call needs ``Authorization: Bearer <token>`` (the state dir's ``admin_token``
  file; 401 otherwise): the admin API moves the clock and injects faults, so it is not for
  any local user. Values are checked (400 with ``{"error", "field"}``): finite numbers only.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import math
import re
import string
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from posapp import paths
from posapp.core.antom import signing
from posapp.core.antom.errors import SignatureError
from posapp.core.money import Money
from posapp.sandbox.clock import SandboxClock
from posapp.sandbox.engine import Engine, result
from posapp.sandbox.faults import FaultKind, FaultRegistry
from posapp.sandbox.httpserver import Reply, Request, text_reply
from posapp.sandbox.keys import SandboxKeys
from posapp.sandbox.validation import ApiError

log = logging.getLogger("posapp.sandbox")

# payments/<api> (named <api>) and the token APIs of 16.4, vaults/<api> (named vaults/<api>)
_API = re.compile(r"/ams/(?:sandbox/)?api/v1/(?:payments/|(vaults/))([A-Za-z]+)")
_LOGO = re.compile(r"/sandbox/logos/([A-Z_]{1,20})\.svg")
_THREE_DS = re.compile(r"/sandbox/3ds/([A-Za-z0-9_-]{10,64})")
_OK = "SUCCESS"
_LIMITED = "REQUEST_TRAFFIC_EXCEED_LIMIT"
# The page training mode gives as paymentRedirectUrl: the buyer lands here after 3-D Secure.
RETURN_ROUTE = "/sandbox/return"


class Routes:
    """Turns a parsed HTTP request into a reply."""

    def __init__(
        self,
        engine: Engine,
        keys: SandboxKeys,
        clock: SandboxClock,
        faults: FaultRegistry,
        admin: dict[str, Callable[[Request], Any]],
        admin_token: str,
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.clock = clock
        self.faults = faults
        self.admin = admin
        self._admin_token = admin_token.encode("ascii")
        self._client_id_header = ("client-id", keys.client_id)
        self._logos: dict[str, bytes] = {}
        self._otp_template: string.Template | None = None
        self._return_html: bytes | None = None

    def handle(self, request: Request) -> Reply:
        route = request.route
        if route.startswith("/ams/"):
            return self._api(request)
        if route.startswith("/sandbox-admin/"):
            return self._admin(request)
        if route.startswith("/sandbox/logos/"):
            return self._logo(request)
        if route.startswith("/sandbox/3ds/"):
            return self._three_ds(request)
        if route == RETURN_ROUTE and request.method == "GET":
            return self._return_page()
        if route == "/" and request.method == "GET":
            return text_reply(200, "posapp Antom sandbox")
        return text_reply(404, "no such page")

    # -- the signed API -----------------------------------------------------------------------
    def _api(self, request: Request) -> Reply:
        fired = self.faults.take(request.route)
        if not fired:  # the common case
            return self._api_now(request, _NO_FAULTS)
        after: set[FaultKind] = set()
        delay = 0.0
        for fault in fired:
            if fault.kind is FaultKind.LATENCY:
                delay += fault.seconds
            elif fault.kind is FaultKind.HTTP_ERROR:
                return text_reply(fault.status, f"simulated HTTP {fault.status}")
            elif fault.kind is FaultKind.RESET_BEFORE:
                return Reply(reset=True)
            else:
                after.add(fault.kind)
        if delay:
            # the server holds the request (other connections carry on), then handles it
            return Reply(after=delay, then=lambda: self._api_now(request, after))
        return self._api_now(request, after)

    def _api_now(self, request: Request, after: AbstractSet[FaultKind]) -> Reply:
        if request.method != "POST":
            return text_reply(405, "the Antom API takes POST only")
        api = _api_name(request.route)
        handler = self.engine.apis.get(api) if api else None
        status = 200
        if handler is None:
            body: dict[str, Any] = {
                "result": result("NO_INTERFACE_DEF", "F", f"no API at {request.route[:100]}")
            }
        else:
            problem = self._verify(request)
            if problem is not None:
                body = {"result": result(problem.code, problem.status, problem.message)}
            elif FaultKind.TRAFFIC_LIMIT in after:
                body = {"result": result(_LIMITED, "U", "request traffic exceeds the limit")}
            else:
                try:
                    data = _json_object(request.body)
                    self.engine.tick()
                    body = handler(data)
                except ApiError as exc:
                    body = {"result": result(exc.code, exc.status, exc.message)}
                except Exception:  # answer "unknown", the state is safe
                    log.exception("sandbox: %s failed", api)
                    status = 500
                    body = {"result": result("UNKNOWN_EXCEPTION", "U", "internal error")}
        if api:
            log.debug("sandbox %s -> %s", api, body["result"]["resultCode"])
        if FaultKind.RESET_AFTER in after:
            return Reply(reset=True)
        raw, headers, content = self._answer(request, body, after)
        reply = Reply(status, raw, headers)
        if content is not None:
            key = self.keys.antom_private

            def sign() -> None:  # on a server worker thread: RSA runs without the GIL
                signature = signing.sign(key, content)
                reply.headers.append(("signature", _SIGNATURE_HEAD + _form_encode(signature)))

            reply.work = sign
        return reply

    def _verify(self, request: Request) -> ApiError | None:
        headers = request.headers
        client_id = headers.get("client-id")
        if not client_id:
            return ApiError("INVALID_CLIENT", "the client-id header is missing")
        if client_id != self.keys.client_id:
            return ApiError("INVALID_CLIENT", "unknown client-id")
        request_time = headers.get("request-time")
        if request_time is None or not (request_time.isdigit() and 10 <= len(request_time) <= 14):
            # not epoch milliseconds (the Java SDK's form): must be ISO 8601 with an offset
            try:
                signing.parse_time_header(request_time)
            except SignatureError as exc:
                return ApiError("PARAM_ILLEGAL", f"request-time header: {exc.message}")
        assert request_time is not None
        try:
            key_version, signature = _parse_signature(headers.get("signature"))
        except SignatureError as exc:
            return ApiError("INVALID_SIGNATURE", f"signature header: {exc.message}")
        if key_version not in ("1", ""):
            return ApiError("KEY_NOT_FOUND", f"no key with keyVersion {key_version[:10]}")
        content = signing.content_to_sign(
            request.method, request.path, client_id, request_time, request.body
        )
        if not signing.verify(self.keys.merchant_public, content, signature):
            return ApiError("INVALID_SIGNATURE", "the request signature does not verify")
        return None

    def _answer(
        self, request: Request, body: dict[str, Any], faults: AbstractSet[FaultKind]
    ) -> tuple[bytes, list[tuple[str, str]], bytes | None]:
        """The body, the unsigned headers and the content to sign (None: send no signature)."""
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # Wall time, not the sandbox clock: a client may compare it with its own clock, and a
        # test that jumps the sandbox a week ahead must not look like a replayed answer.
        response_time = datetime.now(UTC).isoformat(timespec="milliseconds")
        content: bytes | None = signing.content_to_sign(
            "POST", request.path, self.keys.client_id, response_time, raw
        )
        if FaultKind.BAD_SIGNATURE in faults:
            content = (content or b"") + b" "  # a well-formed signature over something else
        if FaultKind.MISSING_SIGNATURE in faults:
            content = None
        if FaultKind.GARBLED_BODY in faults:
            raw = raw[: len(raw) // 2] + b"\x00\xff<garbled>"
        return raw, [self._client_id_header, ("response-time", response_time)], content

    # -- admin --------------------------------------------------------------------------------
    def _admin(self, request: Request) -> Reply:
        # The credential first: without it, not even which endpoints exist is answered.
        if not self._admin_authorised(request.headers.get("authorization")):
            reply = _json_reply(
                401,
                {
                    "error": "the sandbox admin API needs Authorization: Bearer <token>; "
                    "the token is in the state dir's admin_token file",
                    "field": "Authorization",
                },
            )
            reply.headers.append(("WWW-Authenticate", 'Bearer realm="sandbox-admin"'))
            return reply
        name = request.route.removeprefix("/sandbox-admin/").strip("/")
        key = f"{request.method} {name}"
        action = self.admin.get(key)
        if action is None:
            return _json_reply(404, {"error": f"no admin endpoint {key[:80]}"})
        try:
            return _json_reply(200, action(request))
        except AdminInputError as exc:
            return _json_reply(400, {"error": exc.message, "field": exc.field})
        except ApiError as exc:
            return _json_reply(400, {"error": exc.message})
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            return _json_reply(400, {"error": str(exc)[:300]})

    def _admin_authorised(self, header: str | None) -> bool:
        scheme, _, token = (header or "").strip().partition(" ")
        given = token.strip().encode("latin-1", "replace")  # header bytes arrive as latin-1
        # compared in constant time whatever the scheme, so timing tells nothing
        same = hmac.compare_digest(given, self._admin_token)
        return same and scheme.lower() == "bearer"

    # -- logos --------------------------------------------------------------------------------
    def _logo(self, request: Request) -> Reply:
        match = _LOGO.fullmatch(request.route)
        if request.method != "GET" or match is None:
            return text_reply(404, "no such logo")
        name = match.group(1)
        data = self._logos.get(name)
        if data is None:
            try:
                data = paths.resource("sandbox", "logos", f"{name}.svg").read_bytes()
            except OSError:
                return text_reply(404, "no such logo")
            self._logos[name] = data
        return Reply(200, data, [("Cache-Control", "max-age=86400")], content_type="image/svg+xml")

    # -- 3DS OTP page -------------------------------------------------------------------------
    def _three_ds(self, request: Request) -> Reply:
        match = _THREE_DS.fullmatch(request.route)
        if match is None:
            return text_reply(404, "no such challenge")
        token = match.group(1)
        if request.method == "GET":
            row = self.engine.challenge(token)
            if row is None or row["status"] != "PROCESSING":
                return self._page(
                    "Verification closed", "This verification is no longer open.", "", 404
                )
            card = html.escape(row["card_masked"])
            amount = html.escape(str(Money(row["amount"], row["currency"])))
            form = (
                f'<form method="post" action="/sandbox/3ds/{token}">'
                '<label for="otp">One-time password</label>'
                '<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" autofocus>'
                '<button type="submit" name="action" value="verify">Verify</button>'
                '<button type="submit" name="action" value="cancel" class="secondary">Cancel</button>'
                "</form>"
            )
            text = f"Card {card}, amount {amount}. Sandbox one-time password: 123456."
            return self._page("Verify your payment", text, form, 200)
        if request.method != "POST":
            return text_reply(405, "GET or POST")
        try:
            form_data = parse_qs(request.body.decode("utf-8"), max_num_fields=10)
        except (UnicodeDecodeError, ValueError):
            return text_reply(400, "bad form")
        action = (form_data.get("action") or ["verify"])[0]
        otp = None if action == "cancel" else (form_data.get("otp") or [""])[0]
        ok, payment = self.engine.answer_challenge(token, otp)
        if payment is None:
            return self._page(
                "Verification closed", "This verification is no longer open.", "", 404
            )
        back = ""
        if payment["redirect_url"]:
            link = html.escape(payment["redirect_url"], quote=True)
            back = f'<p><a href="{link}">Return to the shop</a></p>'
        if ok:
            return self._page("Payment verified", "The payment is verified.", back, 200)
        return self._page("Verification failed", "The payment was not verified.", back, 200)

    def _return_page(self) -> Reply:
        if self._return_html is None:
            self._return_html = paths.resource("sandbox", "return.html").read_bytes()
        return Reply(200, self._return_html, content_type="text/html; charset=UTF-8")

    def _page(self, title: str, message: str, body: str, status: int) -> Reply:
        if self._otp_template is None:
            raw = paths.resource("sandbox", "otp.html").read_text("utf-8")
            self._otp_template = string.Template(raw)
        page = self._otp_template.safe_substitute(
            title=html.escape(title), message=html.escape(message), body=body
        )
        return Reply(status, page.encode("utf-8"), content_type="text/html; charset=UTF-8")


_NO_FAULTS: frozenset[FaultKind] = frozenset()
_API_NAMES: dict[str, str | None] = {}  # route -> API name (None: not an API path)


def _api_name(route: str) -> str | None:
    """The API a route names, remembered for the few routes clients use."""
    try:
        return _API_NAMES[route]
    except KeyError:
        pass
    match = _API.fullmatch(route)
    api = (match.group(1) or "") + match.group(2) if match else None
    if len(_API_NAMES) < 256:  # routes come from clients: keep the memo bounded
        _API_NAMES[route] = api
    return api


_SIGNATURE_HEAD = (
    f"algorithm={signing.ALGORITHM},keyVersion={signing.DEFAULT_KEY_VERSION},signature="
)
# The header as both SDKs write it; anything else goes through the general parser.
_CANONICAL = re.compile(r"algorithm=RSA256, ?keyVersion=(\d{1,4}), ?signature=([A-Za-z0-9%]+)")


def _form_encode(b64: str) -> str:
    """``quote_plus`` for the Base64 alphabet, without its per-byte Python loop."""
    return b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def _parse_signature(value: str | None) -> tuple[str, str]:
    """(keyVersion, Base64 signature); SignatureError when the header is unusable."""
    if value:
        match = _CANONICAL.fullmatch(value)
        if match:
            encoded = match.group(2)
            decoded = encoded.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
            if "%" not in decoded:
                return match.group(1), decoded
    parsed = signing.parse_signature_header(value)
    return parsed.key_version, parsed.signature


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("PARAM_ILLEGAL", "the body is not UTF-8") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ApiError("PARAM_ILLEGAL", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError("PARAM_ILLEGAL", "the body must be a JSON object")
    return data


def _json_reply(status: int, data: Any) -> Reply:
    return Reply(status, json.dumps(data, indent=1).encode("utf-8"))


class AdminInputError(ValueError):
    """A value an admin call cannot take: answered 400 with the field named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


def admin_json(request: Request) -> dict[str, Any]:
    if not request.body or not request.body.strip():
        return {}
    try:
        return _json_object(request.body)
    except ApiError as exc:
        raise AdminInputError("body", exc.message) from None


def admin_number(
    data: dict[str, Any], field: str, *, low: float, high: float, default: float | None = None
) -> float:
    """A finite JSON number in ``[low, high]``: no NaN or infinity (JSON's ``NaN`` and
    ``Infinity`` literals parse in Python), no strings, no booleans."""
    value = data.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AdminInputError(field, "must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise AdminInputError(field, "must be a finite number")
    if not low <= number <= high:
        raise AdminInputError(field, f"must be from {low:g} to {high:g}")
    return number


def admin_int(
    data: dict[str, Any], field: str, *, low: int, high: int, default: int | None = None
) -> int:
    value = data.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdminInputError(field, "must be a whole number")
    if not low <= value <= high:
        raise AdminInputError(field, f"must be from {low} to {high}")
    return value


def admin_text(data: dict[str, Any], field: str, *, max_length: int) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise AdminInputError(field, f"must be text of 1 to {max_length} characters")
    if not value.isprintable():
        raise AdminInputError(field, "must be printable text")
    return value


def seconds_of(data: dict[str, Any], *, limit: timedelta) -> timedelta:
    """``seconds``: a finite number from 0 to ``limit`` (the sandbox clock never moves back)."""
    high = limit.total_seconds()
    value = data.get("seconds")
    if not isinstance(value, bool) and isinstance(value, int | float) and value < 0:
        raise AdminInputError("seconds", "the sandbox clock only moves forward")
    return timedelta(seconds=admin_number(data, "seconds", low=0, high=high))
