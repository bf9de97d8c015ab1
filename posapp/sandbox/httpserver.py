"""A small HTTP/1.1 server: one thread per keep-alive connection, bounded and time-limited.

Why not ``http.server``: it parses headers with the email package (slow enough to matter
when each request also costs an RSA signature), cannot send a TCP reset on purpose, and
has no body cap. This one reads a request with a byte cap and deadlines (slow clients are
cut off), hands it to a handler, and writes the reply in one ``sendall``. Requests on one
connection are handled in order; connections run in parallel (RSA releases the GIL).
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger("posapp.sandbox.http")

MAX_HEADER_BYTES = 32 * 1024
MAX_BODY_BYTES = 1024 * 1024
REQUEST_TIMEOUT = 10.0  # a whole request (head + body) must arrive within this
IDLE_TIMEOUT = 30.0  # a keep-alive connection may sit idle this long
MAX_CONNECTIONS = 256

REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}


@dataclass(slots=True)
class Request:
    method: str
    target: str  # as sent: "/ams/..." or "http://host/ams/..."
    path: str  # path and query, scheme and host removed (what is signed)
    route: str  # path without the query
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: str = ""


@dataclass(slots=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=UTF-8"
    reset: bool = False  # drop the connection with a TCP RST instead of answering
    close: bool = False


def text_reply(status: int, message: str, *, close: bool = False) -> Reply:
    return Reply(
        status, (message + "\n").encode(), content_type="text/plain; charset=UTF-8", close=close
    )


class _ClientGone(Exception):
    pass


class HttpServer:
    """Serves ``handler`` on ``host:port`` (port 0: a free one) until ``stop``."""

    def __init__(self, host: str, port: int, handler: Callable[[Request], Reply]) -> None:
        self._handler = handler
        self._listener = socket.create_server((host, port), backlog=256)
        self._listener.settimeout(0.25)
        self.host, self.port = self._listener.getsockname()[:2]
        self._running = threading.Event()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._accept_thread: threading.Thread | None = None

    def start(self) -> None:
        self._running.set()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"sandbox-http-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def stop(self) -> None:
        self._running.clear()
        try:
            # wakes a blocked accept() at once on Linux (the timeout covers other systems)
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
        self._listener.close()
        with self._conns_lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout=5)

    # -- connections --------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while self._running.is_set():
            try:
                conn, addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._running.is_set():
                    log.exception("sandbox: accept failed")
                    time.sleep(0.05)
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._conns_lock:
                busy = len(self._conns) >= MAX_CONNECTIONS
                if not busy:
                    self._conns.add(conn)
            if busy:
                self._refuse(conn)
                continue
            thread = threading.Thread(
                target=self._serve,
                args=(conn, f"{addr[0]}:{addr[1]}"),
                daemon=True,
                name="sandbox-conn",
            )
            with self._conns_lock:
                self._threads.add(thread)
            thread.start()

    def _refuse(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(1.0)
            conn.sendall(_encode(text_reply(503, "too many connections", close=True)))
        except OSError:
            pass
        finally:
            conn.close()

    def _serve(self, conn: socket.socket, client: str) -> None:
        buffer = bytearray()
        try:
            while self._running.is_set():
                try:
                    request, keep_alive = self._read_request(conn, buffer)
                except _ClientGone:
                    return
                except _HttpError as exc:
                    self._send(conn, text_reply(exc.status, exc.message, close=True))
                    return
                request.client = client
                try:
                    reply = self._handler(request)
                except Exception:  # a handler bug answers 500, never kills us
                    log.exception("sandbox: handler failed on %s", request.route)
                    reply = text_reply(500, "internal error", close=True)
                if reply.reset:
                    _reset(conn)
                    return
                self._send(conn, reply, keep_alive=keep_alive and not reply.close)
                if not keep_alive or reply.close:
                    return
        except OSError:
            return
        finally:
            with self._conns_lock:
                self._conns.discard(conn)
                self._threads.discard(threading.current_thread())
            try:
                conn.close()
            except OSError:
                pass

    def _send(self, conn: socket.socket, reply: Reply, *, keep_alive: bool = False) -> None:
        try:
            conn.settimeout(REQUEST_TIMEOUT)
            conn.sendall(_encode(reply, keep_alive=keep_alive))
        except OSError:
            raise _ClientGoneOS from None

    def _read_request(self, conn: socket.socket, buffer: bytearray) -> tuple[Request, bool]:
        # Wait (idle) for the first byte of the next request, then give the whole request a
        # deadline: a client that trickles bytes cannot hold a thread for ever.
        deadline: float | None = None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buffer) > MAX_HEADER_BYTES:
                raise _HttpError(431, "request head too large")
            chunk = _recv(conn, deadline, idle=not buffer)
            if not chunk:
                if buffer:
                    raise _HttpError(400, "incomplete request")
                raise _ClientGone
            if deadline is None:
                deadline = time.monotonic() + REQUEST_TIMEOUT
            buffer += chunk
        if end > MAX_HEADER_BYTES:
            raise _HttpError(431, "request head too large")
        head = bytes(buffer[:end]).decode("latin-1")
        del buffer[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise _HttpError(400, "malformed request line")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _HttpError(505, "HTTP/1.1 only")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _HttpError(400, "malformed header line")
            headers[name.lower()] = value.strip()
        if "transfer-encoding" in headers:
            raise _HttpError(411, "send a Content-Length (chunked bodies are not accepted)")
        length_text = headers.get("content-length", "0")
        if not length_text.isdigit():
            raise _HttpError(400, "bad Content-Length")
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            raise _HttpError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        if headers.get("expect", "").lower() == "100-continue" and len(buffer) < length:
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if deadline is None:
            deadline = time.monotonic() + REQUEST_TIMEOUT
        while len(buffer) < length:
            chunk = _recv(conn, deadline, idle=False)
            if not chunk:
                raise _ClientGone
            buffer += chunk
        body = bytes(buffer[:length])
        del buffer[:length]
        path = target
        if not target.startswith("/"):
            # absolute form (the official Python SDK): POST http://host/ams/... HTTP/1.1
            split = urlsplit(target)
            if split.scheme not in ("http", "https") or not split.netloc:
                raise _HttpError(400, "malformed request target")
            path = (split.path or "/") + (f"?{split.query}" if split.query else "")
        route, _, query = path.partition("?")
        connection = headers.get("connection", "").lower()
        keep_alive = (
            "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        )
        return Request(method, target, path, route, query, headers, body), keep_alive


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _ClientGoneOS(_ClientGone, OSError):
    pass


def _recv(conn: socket.socket, deadline: float | None, *, idle: bool) -> bytes:
    if idle or deadline is None:
        conn.settimeout(IDLE_TIMEOUT)
    else:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _HttpError(408, "the request took too long to arrive")
        conn.settimeout(left)
    try:
        return conn.recv(65536)
    except TimeoutError:
        if idle:
            raise _ClientGone from None
        raise _HttpError(408, "the request took too long to arrive") from None
    except OSError:
        raise _ClientGone from None


def _reset(conn: socket.socket) -> None:
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


def _encode(reply: Reply, *, keep_alive: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Unknown')}"]
    lines.append(f"Content-Type: {reply.content_type}")
    lines.append(f"Content-Length: {len(reply.body)}")
    for name, value in reply.headers:
        lines.append(f"{name}: {value}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body
