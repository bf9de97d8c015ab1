"""A small HTTP/1.1 server: one event-loop thread for all connections, worker threads for
the expensive part of a reply (the RSA signature).

Why this shape: every call costs an RSA sign, and ``cryptography`` releases the GIL while it
signs. Python work (parsing, the engine, JSON) runs on the loop thread only, so it never
fights other threads for the GIL; the signatures run on the workers, in parallel on the
other cores. A thread per connection measured a quarter slower (its threads spent their time
waiting to get the GIL back after each socket call), and ``http.server`` also parses headers
slowly, cannot send a TCP reset on purpose and has no body cap.

Requests on one connection are answered in order; a request must arrive within
``REQUEST_TIMEOUT`` (slow clients are cut off with 408), an idle keep-alive connection is
closed after ``IDLE_TIMEOUT``, bodies are capped at ``MAX_BODY_BYTES``.

A handler returns a ``Reply``. ``Reply.work`` (if set) runs on a worker thread before the
reply is sent (it may add headers); ``Reply.then`` (if set) is called on the loop after
``Reply.after`` seconds and its reply is used instead (simulated latency, without blocking
other connections); ``Reply.reset`` drops the connection with a TCP RST.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import os
import queue
import selectors
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger("posapp.sandbox.http")

MAX_HEADER_BYTES = 32 * 1024
MAX_BODY_BYTES = 1024 * 1024
REQUEST_TIMEOUT = 10.0  # a whole request (head + body) must arrive within this
IDLE_TIMEOUT = 30.0  # a keep-alive connection may sit idle this long
MAX_CONNECTIONS = 256
MAX_DELAY = 120.0  # the longest a reply may be held (Reply.after)

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
    work: Callable[[], None] | None = None  # run on a worker thread before sending
    after: float = 0.0  # with ``then``: wait this long, then use then()'s reply
    then: Callable[[], Reply] | None = None


def text_reply(status: int, message: str, *, close: bool = False) -> Reply:
    return Reply(
        status, (message + "\n").encode(), content_type="text/plain; charset=UTF-8", close=close
    )


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Conn:
    """One client connection; touched by the loop thread only."""

    __slots__ = (
        "busy",
        "client",
        "close_after",
        "closed",
        "continued",
        "eof",
        "events",
        "inbuf",
        "last_active",
        "outbuf",
        "sock",
        "started",
        "writing",
    )

    def __init__(self, sock: socket.socket, client: str) -> None:
        self.sock = sock
        self.client = client
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.busy = False  # a request is being answered (delayed or on a worker)
        self.close_after = False
        self.closed = False
        self.continued = False  # "100 Continue" sent for the current request
        self.started: float | None = None  # first byte of the current request
        self.last_active = time.monotonic()
        self.writing = False
        self.eof = False  # the client shut down its side: answer what was sent, then close
        self.events = selectors.EVENT_READ  # what the selector watches for


class HttpServer:
    """Serves ``handler`` on ``host:port`` (port 0: a free one) until ``stop``."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: Callable[[Request], Reply],
        *,
        workers: int | None = None,
        peers: list[socket.socket] | None = None,
        intake: socket.socket | None = None,
        address: tuple[str, int] | None = None,
    ) -> None:
        """``workers``: signing threads (None: one per core, at least two; 0: sign on the
        loop). Several processes (see shared.py): the first one listens and deals the
        connections it accepts round-robin between itself and its ``peers`` (Unix sockets
        to the other processes, which pass the connection's descriptor on); each other
        process serves what arrives on its ``intake`` and does not listen (``address``:
        the first process's, for its base URL)."""
        self._handler = handler
        self._peers = peers or []
        self._dealt = 0
        self._intake = intake
        self._listener: socket.socket | None = None
        if intake is None:
            self._listener = socket.create_server((host, port), backlog=512)
            self._listener.setblocking(False)
            self.host, self.port = self._listener.getsockname()[:2]
        else:
            intake.setblocking(False)
            self.host, self.port = address or ("127.0.0.1", 0)
        self._workers = max(2, os.cpu_count() or 2) if workers is None else workers
        self._running = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._jobs: queue.SimpleQueue[tuple[_Conn, Reply, bool] | None] = queue.SimpleQueue()
        # Signed replies back to the loop. A deque (append/popleft are atomic) plus a flag so
        # that a burst of replies costs one wake-up byte, not one each.
        self._done: deque[tuple[_Conn, Reply, bool]] = deque()
        self._wake_sent = False
        self._timers: list[tuple[float, int, _Conn, Callable[[], Reply], bool]] = []
        self._timer_ids = itertools.count()
        self._conns: set[_Conn] = set()
        self._threads: list[threading.Thread] = []
        self._last_sweep = 0.0
        self._inflight = 0  # replies on the workers (loop thread only)
        self._ready: deque[_Conn] = deque()  # connections with a request waiting in inbuf

    def start(self) -> None:
        self._running.set()
        if self._listener is not None:
            self._selector.register(self._listener, selectors.EVENT_READ, None)
        if self._intake is not None:
            self._selector.register(self._intake, selectors.EVENT_READ, "intake")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        loop = threading.Thread(target=self._loop, name=f"sandbox-http-{self.port}", daemon=True)
        self._threads.append(loop)
        for i in range(self._workers):
            self._threads.append(
                threading.Thread(target=self._work, name=f"sandbox-sign-{i}", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        if not self._running.is_set():
            if self._listener is not None:
                self._listener.close()
            return
        self._running.clear()
        self._wake()
        for _ in range(self._workers):
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        for conn in list(self._conns):
            self._close(conn)
        for sock in (self._wake_r, self._wake_w):
            sock.close()
        if self._listener is not None:
            self._listener.close()
        self._selector.close()

    # -- worker threads -----------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            conn, reply, keep_alive = job
            try:
                assert reply.work is not None
                reply.work()
            except Exception:  # a failed signature answers 500, never kills the worker
                log.exception("sandbox: reply work failed")
                reply = text_reply(500, "internal error", close=True)
            self._done.append((conn, reply, keep_alive))
            if not self._wake_sent:  # see _drain_done
                self._wake_sent = True
                self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (the loop will look anyway) or closed (stopping)

    # -- the loop -----------------------------------------------------------------------------
    def _loop(self) -> None:
        while self._running.is_set():
            timeout = 0.0 if self._ready else 0.25
            if self._timers:
                timeout = max(0.0, min(timeout, self._timers[0][0] - time.monotonic()))
            try:
                events = self._selector.select(timeout)
            except OSError:
                log.exception("sandbox: select failed")
                time.sleep(0.05)
                continue
            for key, mask in events:
                try:
                    if key.data is None:
                        self._accept()
                    elif key.data == "intake":
                        self._take_dealt()
                    elif key.data == "wake":
                        self._drain_done()
                    else:
                        conn: _Conn = key.data
                        if mask & selectors.EVENT_WRITE:
                            self._flush(conn)
                        if mask & selectors.EVENT_READ and not conn.closed:
                            self._read(conn)
                except Exception:  # one connection's trouble must not stop the loop
                    log.exception("sandbox: connection handling failed")
                    if isinstance(key.data, _Conn):
                        self._close(key.data)
            try:
                while self._ready:
                    self._next_request(self._ready.popleft())
                self._run_timers()
                self._sweep()
            except Exception:  # the loop must survive anything one request does
                log.exception("sandbox: the server loop hit an error")

    def _accept(self) -> None:
        assert self._listener is not None
        for _ in range(64):
            try:
                sock, addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._peers:
                turn = self._dealt % (len(self._peers) + 1)
                self._dealt += 1
                if turn and self._deal(self._peers[turn - 1], sock):
                    continue
            self._adopt(sock, f"{addr[0]}:{addr[1]}")

    @staticmethod
    def _deal(peer: socket.socket, sock: socket.socket) -> bool:
        """Pass a new connection to another process (False: it could not take it)."""
        try:
            socket.send_fds(peer, [b"c"], [sock.fileno()])
        except OSError:  # that process is gone or its intake is full: serve it here
            return False
        sock.close()  # the other process holds its own descriptor now
        return True

    def _take_dealt(self) -> None:
        assert self._intake is not None
        for _ in range(64):
            try:
                _data, fds, _flags, _addr = socket.recv_fds(self._intake, 64, 16)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if not fds and not _data:  # the first process is gone
                self._selector.unregister(self._intake)
                return
            for fd in fds:
                sock = socket.socket(fileno=fd)
                sock.setblocking(False)
                try:
                    host, port = sock.getpeername()[:2]
                except OSError:
                    sock.close()
                    continue
                self._adopt(sock, f"{host}:{port}")

    def _adopt(self, sock: socket.socket, client: str) -> None:
        if len(self._conns) >= MAX_CONNECTIONS:
            try:
                sock.send(_encode(text_reply(503, "too many connections", close=True)))
            except OSError:
                pass
            sock.close()
            return
        conn = _Conn(sock, client)
        self._conns.add(conn)
        self._selector.register(sock, selectors.EVENT_READ, conn)

    def _read(self, conn: _Conn) -> None:
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not chunk:
            # Half-close: the requests already received are still answered, in order.
            conn.eof = True
            self._watch(conn)
            if not conn.busy and not conn.outbuf:
                self._ready.append(conn)
            return
        conn.last_active = time.monotonic()
        if conn.started is None:
            conn.started = conn.last_active
        conn.inbuf += chunk
        if not conn.busy:
            self._next_request(conn)

    def _next_request(self, conn: _Conn) -> None:
        """Answer the next complete request in the buffer, if there is one."""
        if conn.closed or conn.busy:
            return
        if not conn.inbuf:
            conn.started = None
            if conn.eof and not conn.outbuf:
                self._close(conn)
            return
        try:
            parsed = _parse(conn.inbuf)
        except _HttpError as exc:
            self._emit(conn, text_reply(exc.status, exc.message, close=True), False)
            return
        if parsed is None:
            if conn.eof:  # the rest of this request will never come
                self._close(conn)
                return
            if conn.started is None:
                conn.started = time.monotonic()
            if (
                not conn.continued
                and b"\r\n\r\n" in conn.inbuf
                and b"100-continue" in conn.inbuf[: conn.inbuf.find(b"\r\n\r\n")].lower()
            ):
                conn.continued = True
                conn.outbuf += b"HTTP/1.1 100 Continue\r\n\r\n"
                self._flush(conn)
            return
        request, keep_alive, used = parsed
        del conn.inbuf[:used]
        conn.started = time.monotonic() if conn.inbuf else None
        conn.continued = False
        conn.busy = True
        request.client = conn.client
        self._dispatch(conn, self._call(lambda: self._handler(request)), keep_alive)

    @staticmethod
    def _call(make: Callable[[], Reply]) -> Reply:
        try:
            return make()
        except Exception:  # a handler bug answers 500, never kills the loop
            log.exception("sandbox: handler failed")
            return text_reply(500, "internal error", close=True)

    def _dispatch(self, conn: _Conn, reply: Reply, keep_alive: bool) -> None:
        if conn.closed:
            return
        if reply.reset:
            _reset(conn.sock)
            self._close(conn)
            return
        if reply.then is not None:
            # A NaN due time would sit at the head of the timer heap for ever and hold every
            # later timer (the latency faults of all other connections): only a finite
            # delay within MAX_DELAY is taken.
            after = reply.after if math.isfinite(reply.after) else 0.0
            due = time.monotonic() + min(max(after, 0.0), MAX_DELAY)
            heapq.heappush(self._timers, (due, next(self._timer_ids), conn, reply.then, keep_alive))
            return
        if reply.work is not None:
            if self._workers and (
                self._inflight or len(self._conns) > 1 or self._selector.select(0)
            ):
                # other clients may be waiting: sign on a worker, keep the loop serving them
                self._inflight += 1
                self._jobs.put((conn, reply, keep_alive))
                return
            # a lone client: sign here and save two thread hand-offs
            reply = self._call(lambda: _run_work(reply))
        self._emit(conn, reply, keep_alive)

    def _emit(self, conn: _Conn, reply: Reply, keep_alive: bool) -> None:
        if conn.closed:
            return
        keep = keep_alive and not reply.close
        conn.outbuf += _encode(reply, keep_alive=keep)
        conn.close_after = not keep
        conn.busy = False
        conn.last_active = time.monotonic()
        self._flush(conn)

    def _flush(self, conn: _Conn) -> None:
        while conn.outbuf and not conn.closed:
            try:
                sent = conn.sock.send(conn.outbuf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._close(conn)
                return
            del conn.outbuf[:sent]
        if conn.closed:
            return
        conn.writing = bool(conn.outbuf)
        self._watch(conn)
        if not conn.outbuf and not conn.busy:
            if conn.close_after:
                self._close(conn)
            elif conn.inbuf or conn.eof:
                self._ready.append(conn)  # a pipelined request is waiting (handled by the loop)

    def _watch(self, conn: _Conn) -> None:
        """Point the selector at what ``conn`` needs now: reading unless the client shut its
        side (a closed side always reads as ready), writing while output is pending."""
        events = (0 if conn.eof else selectors.EVENT_READ) | (
            selectors.EVENT_WRITE if conn.writing else 0
        )
        if events == conn.events:
            return
        if conn.events and events:
            self._selector.modify(conn.sock, events, conn)
        elif events:
            self._selector.register(conn.sock, events, conn)
        else:
            self._selector.unregister(conn.sock)
        conn.events = events

    def _drain_done(self) -> None:
        try:
            self._wake_r.recv(4096)  # a leftover byte only means one more (empty) look
        except (BlockingIOError, InterruptedError, OSError):
            pass
        # Cleared after the byte is read and before the queue is drained: a reply added from
        # here on either is drained below or sends a new byte, so no wake-up is lost.
        self._wake_sent = False
        done = self._done
        while done:
            conn, reply, keep_alive = done.popleft()
            self._inflight -= 1
            self._emit(conn, reply, keep_alive)

    def _run_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _due, _n, conn, then, keep_alive = heapq.heappop(self._timers)
            # A request that arrived is handled even if its client gave up meanwhile (as a
            # real gateway would): the state changes, only the answer has nowhere to go.
            self._dispatch(conn, self._call(then), keep_alive)

    def _sweep(self) -> None:
        """Cut off slow requests (408) and long-idle connections, a few times a second."""
        now = time.monotonic()
        if now - self._last_sweep < 0.1:
            return
        self._last_sweep = now
        for conn in list(self._conns):
            if conn.busy or conn.closed:
                continue
            if conn.started is not None and now - conn.started > REQUEST_TIMEOUT:
                self._emit(
                    conn, text_reply(408, "the request took too long to arrive", close=True), False
                )
            elif not conn.inbuf and not conn.outbuf and now - conn.last_active > IDLE_TIMEOUT:
                self._close(conn)

    def _close(self, conn: _Conn) -> None:
        if conn.closed:
            return
        conn.closed = True
        self._conns.discard(conn)
        if conn.events:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
            conn.events = 0
        try:
            conn.sock.close()
        except OSError:
            pass


def _parse(buffer: bytearray) -> tuple[Request, bool, int] | None:
    """The first complete request in ``buffer`` with its keep-alive flag and size, or None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEADER_BYTES:
            raise _HttpError(431, "request head too large")
        return None
    if end > MAX_HEADER_BYTES:
        raise _HttpError(431, "request head too large")
    head = bytes(buffer[:end]).decode("latin-1")
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
    total = end + 4 + length
    if len(buffer) < total:
        return None
    body = bytes(buffer[end + 4 : total])
    path = target
    if not target.startswith("/"):
        # absolute form (the official Python SDK): POST http://host/ams/... HTTP/1.1
        split = urlsplit(target)
        if split.scheme not in ("http", "https") or not split.netloc:
            raise _HttpError(400, "malformed request target")
        path = (split.path or "/") + (f"?{split.query}" if split.query else "")
    route, _, query = path.partition("?")
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return Request(method, target, path, route, query, headers, body), keep_alive, total


def _run_work(reply: Reply) -> Reply:
    work, reply.work = reply.work, None
    if work is not None:
        work()
    return reply


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
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
