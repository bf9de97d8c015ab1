"""The local notification listener: notifyPayment / notifyCapture / notifyRefund over HTTP.

Optional (on in training mode, off by default in production, where a store exposes it
deliberately). For every POST to ``NOTIFY_PATH``: the signature is verified over the raw body
first (posapp.core.antom.notifications); a verified notification is journaled, applied to
the payment (through the same Settler as polling) and answered with the exact
acknowledgement Antom expects. A notification that does not verify is journaled as a
SECURITY event and answered with an error (HTTP 401), so nothing it says is believed.
It complements polling and never replaces it: the poller settles everything anyway.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from posapp.core.antom.errors import AntomError, SignatureError
from posapp.core.antom.notifications import (
    ACK_BODY,
    ACK_CONTENT_TYPE,
    CaptureNotification,
    Notification,
    PaymentNotification,
    verify_notification,
)
from posapp.core.journal.errors import JournalError
from posapp.core.services.settle import SYSTEM, Settler, apply_notification

log = logging.getLogger(__name__)

NOTIFY_PATH = "/antom/notify"
MAX_BODY = 1 << 20
_ERROR_BODY = json.dumps(
    {"result": {"resultCode": "FAIL", "resultStatus": "F", "resultMessage": "rejected"}}
).encode()


def _api_of(note: Notification) -> str:
    if isinstance(note, PaymentNotification):
        return "notifyPayment"
    if isinstance(note, CaptureNotification):
        return "notifyCapture"
    return "notifyRefund"


def _request_id_of(note: Notification) -> str:
    if isinstance(note, PaymentNotification):
        return note.payment_request_id
    if isinstance(note, CaptureNotification):
        return note.capture_request_id
    return note.refund_request_id


class NotificationListener:
    """A small threaded HTTP server on ``host:port`` (port 0: a free one)."""

    def __init__(
        self,
        settler: Settler,
        antom_public_key: rsa.RSAPublicKey,
        client_id: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.settler = settler
        self.public_key = antom_public_key
        self.client_id = client_id
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.received = 0
        self.rejected = 0
        # notifications being handled: stop() waits for them before the journal may close
        self._busy = 0
        self._stopping = False
        self._quiet = threading.Condition()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the listener is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{NOTIFY_PATH}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> NotificationListener:
        if self._server is not None:
            return self
        with self._quiet:
            self._stopping = False
        listener = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "posapp-notify"
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("notify: " + format, *args)

            def do_POST(self) -> None:
                status, body = listener.handle(self.path, dict(self.headers.items()), self)
                self.send_response(status)
                self.send_header("Content-Type", ACK_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

        server = ThreadingHTTPServer((self._host, self._port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            name="posapp-notify",
            daemon=True,
        )
        self._thread.start()
        log.info("notification listener on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving; a notification being handled is finished first (the journal it
        writes to may be closed right after), later ones are refused (Antom resends)."""
        server, self._server = self._server, None
        if server is None:
            return
        with self._quiet:
            self._stopping = True
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        with self._quiet:
            self._quiet.wait_for(lambda: self._busy == 0, timeout=5)

    # -- one request ----------------------------------------------------------------------
    def handle(
        self, path: str, headers: dict[str, str], handler: BaseHTTPRequestHandler
    ) -> tuple[int, bytes]:
        with self._quiet:
            if self._stopping:
                return 503, _ERROR_BODY
            self._busy += 1
        try:
            return self._handle(path, headers, handler)
        finally:
            with self._quiet:
                self._busy -= 1
                self._quiet.notify_all()

    def _handle(
        self, path: str, headers: dict[str, str], handler: BaseHTTPRequestHandler
    ) -> tuple[int, bytes]:
        route = path.split("?", 1)[0]
        if route != NOTIFY_PATH:
            return 404, _ERROR_BODY
        length_text = next((v for k, v in headers.items() if k.lower() == "content-length"), "")
        if not length_text.isdigit() or int(length_text) > MAX_BODY:
            return 413, _ERROR_BODY
        raw = handler.rfile.read(int(length_text))
        return self.receive(path, headers, raw)

    def receive(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        """Verify, journal, apply; the HTTP status and body to answer."""
        self.received += 1
        repo = self.settler.repo
        try:
            note, _verified = verify_notification(
                self.public_key, path, headers, raw, expected_client_id=self.client_id
            )
        except AntomError as exc:
            self.rejected += 1
            kind = "bad signature" if isinstance(exc, SignatureError) else "unreadable"
            log.warning("notification rejected (%s): %s", kind, exc)
            try:
                repo.record_notification(
                    "notify",
                    {"rejected": kind, "error": str(exc), "body": _preview(raw)},
                    verified=False,
                    operator=SYSTEM,
                    terminal_id=self.settler.terminal_id,
                )
            except JournalError:
                log.exception("could not journal a rejected notification")
            return 401, _ERROR_BODY
        api = _api_of(note)
        request_id = _request_id_of(note)
        try:
            payment = None
            if isinstance(note, PaymentNotification):
                payment = repo.payment_by_request_id(note.payment_request_id)
            elif note.payment_id:
                payment = repo.payment_by_payment_id(note.payment_id)
            repo.record_notification(
                api,
                _loads(raw),
                verified=True,
                operator=SYSTEM,
                terminal_id=self.settler.terminal_id,
                request_id=request_id,
                payment=payment.id if payment else None,
            )
            apply_notification(self.settler, note)
        except JournalError:
            log.exception("could not journal notification %s %s", api, request_id)
            return 500, _ERROR_BODY  # Antom sends it again later
        return 200, ACK_BODY


def _loads(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        return {"unparsed": _preview(raw)}
    return data if isinstance(data, dict) else {"value": data}


def _preview(raw: bytes) -> str:
    return raw[:2000].decode("utf-8", "replace")
