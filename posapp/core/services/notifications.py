"""The local notification listener: notifyPayment / notifyCapture / notifyRefund over HTTP.

Optional (on in training mode, off by default in production, where a store exposes it
deliberately). It complements polling and never replaces it: the poller settles everything
anyway. For every POST to ``NOTIFY_PATH``, in this order:

1. **Throttle.** A peer address whose token bucket is empty gets 429 before its body is read
   (``notify_guards.PeerThrottle``: each refused request costs a token).
2. **Read with a deadline.** Head and body must arrive within ``read_timeout`` seconds in all
   (a slow-loris connection is dropped, not held); at most ``max_connections`` connections
   are served at once, each further one gets 503 and is closed at once.
3. **Verify before writing anything.** The signature over the raw body
   (posapp.core.antom.notifications), then the signed ``request-time`` against the clock
   (``replay_window``, default ±15 minutes). Whatever fails is answered 401 and only
   counted: the counts are summed up in ONE SECURITY event per minute
   (``notify_guards.RefusalTally``), never a journal row per request.
4. **De-duplicate.** A notification already applied (same ``notification_id``: remembered
   in memory and found in the journal after a restart) is acknowledged and changes nothing,
   so Antom stops re-sending it and a replay moves nothing.
5. Journal (a NOTIFICATION event carrying the notification id), apply through the same
   Settler as polling, answer the exact acknowledgement Antom expects.

Every answer closes the connection: one request per connection keeps the read deadline and
the connection cap simple, and Antom opens a connection per notification anyway.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
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
from posapp.core.antom.signing import parse_time_header
from posapp.core.clock import Clock
from posapp.core.domain import EventKind
from posapp.core.journal.errors import JournalError
from posapp.core.services.notify_guards import (
    PeerThrottle,
    RefusalTally,
    SeenNotifications,
    loads_object,
    notification_id,
)
from posapp.core.services.settle import SYSTEM, Settler, apply_notification

log = logging.getLogger(__name__)

NOTIFY_PATH = "/antom/notify"
MAX_BODY = 1 << 20
DEFAULT_REPLAY_WINDOW = timedelta(minutes=15)
READ_TIMEOUT = 5.0  # seconds for a whole request (head and body)
MAX_CONNECTIONS = 16  # handler threads at once
THROTTLE_RATE = 1.0  # tokens a second per peer
THROTTLE_BURST = 30.0
_ERROR_BODY = json.dumps(
    {"result": {"resultCode": "FAIL", "resultStatus": "F", "resultMessage": "rejected"}}
).encode()
_BUSY_ANSWER = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


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


class _DeadlineReader(io.RawIOBase):
    """A socket's input that ends in ``TimeoutError`` once ``deadline`` (monotonic) passes,
    however the bytes trickle in; http.server treats that error as "close the connection"."""

    def __init__(
        self, sock: socket.socket, deadline: float, on_timeout: Callable[[], None]
    ) -> None:
        self._sock = sock
        self._deadline = deadline
        self._on_timeout = on_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            self._sock.settimeout(left)
            return self._sock.recv_into(buffer)
        except TimeoutError:
            self._on_timeout()
            raise


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer with a cap on handler threads and an idle-time hook."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], handler: Any, listener: NotificationListener
    ) -> None:
        self.listener = listener
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.listener._take_slot():
            self.listener._refuse_connection(request, client_address)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.listener._release_slot()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.listener._release_slot()

    def service_actions(self) -> None:
        # serve_forever calls this between polls: a minute that is over gets its summary
        # even when no further request comes
        self.listener._tally.flush()


class NotificationListener:
    """A small threaded HTTP server on ``host:port`` (port 0: a free one).

    ``clock`` dates the replay window and the per-minute summaries (default: the settler's);
    ``read_timeout``, ``max_connections`` and the throttle (``throttle_rate`` tokens a second
    up to ``throttle_burst`` per peer, on ``ticker``) are injectable for tests.
    """

    def __init__(
        self,
        settler: Settler,
        antom_public_key: rsa.RSAPublicKey,
        client_id: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        replay_window: timedelta = DEFAULT_REPLAY_WINDOW,
        read_timeout: float = READ_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        throttle_rate: float = THROTTLE_RATE,
        throttle_burst: float = THROTTLE_BURST,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        if replay_window <= timedelta(0) or read_timeout <= 0 or max_connections < 1:
            raise ValueError("the replay window, read timeout and connection cap must be > 0")
        self.settler = settler
        self.public_key = antom_public_key
        self.client_id = client_id
        self.clock: Clock = clock or settler.clock
        self.replay_window = replay_window
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._throttle = PeerThrottle(throttle_rate, throttle_burst, ticker=ticker)
        self._tally = RefusalTally(self.clock, self._write_summary)
        # applied notifications are remembered for twice the window: an older replay is
        # refused by the window itself
        self._seen = SeenNotifications(self.clock, 2 * replay_window)
        self._apply = threading.Lock()  # one notification checked-and-applied at a time
        self.received = 0
        self.rejected = 0
        self.duplicates = 0
        self.refused_connections = 0
        # connections being served (the cap) and notifications being handled (stop waits)
        self._connections = 0
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

    @property
    def connections(self) -> int:
        """Connections being served now (each holds a handler thread)."""
        with self._quiet:
            return self._connections

    def wait_connections(self, at_most: int, timeout: float) -> bool:
        """Block until at most ``at_most`` connections are being served (tests)."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._connections <= at_most, timeout)

    def start(self) -> NotificationListener:
        if self._server is not None:
            return self
        with self._quiet:
            self._stopping = False
        server = _Server((self._host, self._port), _handler_for(self), self)
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
        writes to may be closed right after), later ones are refused (Antom resends). The
        refusals counted so far are journaled now."""
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
        self.flush_refusals()

    def flush_refusals(self) -> None:
        """Journal the summary of the refusals counted so far (normally once a minute)."""
        self._tally.flush(force=True)

    # -- connections ----------------------------------------------------------------------
    def _take_slot(self) -> bool:
        with self._quiet:
            if self._connections >= self.max_connections:
                return False
            self._connections += 1
            return True

    def _release_slot(self) -> None:
        with self._quiet:
            self._connections -= 1
            self._quiet.notify_all()

    def _refuse_connection(self, sock: socket.socket, client_address: Any) -> None:
        self.refused_connections += 1
        try:
            sock.setblocking(False)  # a client that reads nothing cannot hold the loop
            sock.send(_BUSY_ANSWER)
        except OSError:
            pass
        self._refuse("too many connections", _peer_of(client_address), count=False)

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
        peer = _peer_of(handler.client_address)
        if not self._throttle.allows(peer):
            self._refuse("throttled", peer)
            return 429, _ERROR_BODY
        route = path.split("?", 1)[0]
        if route != NOTIFY_PATH:
            self._refuse("no such path", peer, path[:100])
            return 404, _ERROR_BODY
        length_text = next((v for k, v in headers.items() if k.lower() == "content-length"), "")
        if not length_text.isdigit() or int(length_text) > MAX_BODY:
            self._refuse("no or too large Content-Length", peer, length_text[:40])
            return 413, _ERROR_BODY
        raw = handler.rfile.read(int(length_text))  # TimeoutError: see _DeadlineReader
        return self.receive(path, headers, raw, peer)

    def receive(
        self, path: str, headers: dict[str, str], raw: bytes, peer: str = "local"
    ) -> tuple[int, bytes]:
        """Verify, check time and novelty, journal, apply; the HTTP status and body."""
        self.received += 1
        try:
            note, verified = verify_notification(
                self.public_key, path, headers, raw, expected_client_id=self.client_id
            )
            signed_at = parse_time_header(verified.time_value)
        except AntomError as exc:
            kind = "bad signature" if isinstance(exc, SignatureError) else "unreadable"
            self._refuse(kind, peer, str(exc))
            # debug only: a flood must not fill (and rotate away) the log either; the
            # minute's summary is logged as a warning
            log.debug("notification refused (%s) from %s: %s", kind, peer, exc)
            return 401, _ERROR_BODY
        skew = abs(self.clock.now() - signed_at)
        if skew > self.replay_window:
            self._refuse("outside the replay window", peer, verified.time_value[:40])
            log.debug(
                "notification refused from %s: signed at %s, %s away from now",
                peer,
                verified.time_value[:40],
                skew,
            )
            return 401, _ERROR_BODY
        return self._apply_once(note, raw, peer)

    def _apply_once(self, note: Notification, raw: bytes, peer: str) -> tuple[int, bytes]:
        repo = self.settler.repo
        api = _api_of(note)
        request_id = _request_id_of(note)
        body = loads_object(raw)
        notify_id = notification_id(body, raw)
        with self._apply:
            try:
                payment = None
                if isinstance(note, PaymentNotification):
                    payment = repo.payment_by_request_id(note.payment_request_id)
                elif note.payment_id:
                    payment = repo.payment_by_payment_id(note.payment_id)
                if notify_id in self._seen or (
                    payment is not None and self._journaled(payment.id, notify_id)
                ):
                    # Acknowledged (Antom stops re-sending), nothing written or applied.
                    # Costs no token: Antom re-sends what it saw no ack for (after a crash,
                    # many at once), and a replay costs us a look-up in memory only.
                    self.duplicates += 1
                    self._seen.add(notify_id)
                    log.info(
                        "notification %s %s from %s seen before: acknowledged, not applied",
                        api,
                        request_id,
                        peer,
                    )
                    return 200, ACK_BODY
                repo.record_event(
                    EventKind.NOTIFICATION,
                    operator=SYSTEM,
                    terminal_id=self.settler.terminal_id,
                    payment=payment.id if payment else None,
                    api=api,
                    request_id=request_id,
                    detail={
                        "body": body if body is not None else {"unparsed": _preview(raw)},
                        "signature_ok": True,
                        "notify_id": notify_id,
                    },
                )
                self._seen.add(notify_id)
                # Should the journal fail between the two, the re-send is taken for a
                # duplicate: the poller, which settles every open payment, finishes the job.
                apply_notification(self.settler, note)
            except JournalError:
                log.exception("could not journal notification %s %s", api, request_id)
                return 500, _ERROR_BODY  # Antom sends it again later
        return 200, ACK_BODY

    def _journaled(self, payment: int, notify_id: str) -> bool:
        """Whether the journal already holds this notification (a replay after a restart)."""
        return any(
            e.kind is EventKind.NOTIFICATION and e.detail.get("notify_id") == notify_id
            for e in self.settler.repo.events_for_payment(payment)
        )

    # -- refusals -------------------------------------------------------------------------
    def _refuse(self, reason: str, peer: str, sample: str = "", *, count: bool = True) -> None:
        if count:
            self.rejected += 1
            self._throttle.charge(peer)
        self._tally.add(reason, peer, f"{reason}: {sample}" if sample else reason)

    def _write_summary(self, summary: dict[str, Any]) -> None:
        log.warning(
            "notification listener refused %s request(s) since %s: %s",
            summary["count"],
            summary["first_at"],
            summary["reasons"],
        )
        try:
            self.settler.repo.record_event(
                EventKind.SECURITY,
                operator=SYSTEM,
                terminal_id=self.settler.terminal_id,
                api="notify",
                detail=summary,
            )
        except JournalError:
            log.exception("could not journal the summary of refused notifications: %s", summary)


def _peer_of(client_address: Any) -> str:
    try:
        return str(client_address[0])
    except (TypeError, IndexError):
        return "unknown"


def _preview(raw: bytes) -> str:
    return raw[:2000].decode("utf-8", "replace")


def _handler_for(listener: NotificationListener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "posapp-notify"
        protocol_version = "HTTP/1.1"
        timeout = listener.read_timeout  # each socket read (setup() applies it)

        def setup(self) -> None:
            super().setup()
            # the whole request, however slowly it trickles, within read_timeout
            deadline = time.monotonic() + listener.read_timeout
            peer = _peer_of(self.client_address)
            self.rfile = io.BufferedReader(
                _DeadlineReader(
                    self.connection, deadline, lambda: listener._refuse("read timed out", peer)
                )
            )

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("notify: " + format, *args)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            # what http.server itself refuses (bad request line, unknown method, headers too
            # long) counts like any other refusal
            listener._refuse(f"HTTP {code}", _peer_of(self.client_address))
            self.close_connection = True
            super().send_error(code, message, explain)

        def _answer(self, status: int, body: bytes) -> None:
            self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Type", ACK_CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            status, body = listener.handle(self.path, dict(self.headers.items()), self)
            self._answer(status, body)

        def do_GET(self) -> None:
            listener._refuse("method GET", _peer_of(self.client_address), self.path[:100])
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, _ERROR_BODY)

    return Handler
