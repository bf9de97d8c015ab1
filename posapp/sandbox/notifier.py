"""Delivers notifyPayment / notifyCapture / notifyRefund to the merchant, with retries.

Each notification is a signed POST (headers ``client-id``, ``request-time``, ``signature``;
signed content ``POST <notify URL path>\\n<client-id>.<request-time>.<body>``). It counts as
delivered only when the answer is HTTP 200 with the acknowledgement JSON
``{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}``
(compared as JSON, so whitespace does not matter). Otherwise it is sent again after
0 s, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h and 15 h on the sandbox clock: 8 attempts at most.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from posapp.core.antom import signing
from posapp.sandbox import tokens
from posapp.sandbox.clock import SandboxClock, iso
from posapp.sandbox.engine import NOTIFY_SCHEDULE, US_PER_S
from posapp.sandbox.faults import FaultRegistry
from posapp.sandbox.keys import SandboxKeys
from posapp.sandbox.store import Store

log = logging.getLogger("posapp.sandbox.notify")

ACK = {"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}}
MAX_ATTEMPTS = len(NOTIFY_SCHEDULE)
SEND_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one notification (for tests and the admin view)."""

    notification_id: int
    kind: str
    url: str
    body: dict[str, Any]
    attempts: int
    acknowledged: bool
    next_attempt: str | None
    last_error: str | None


def is_ack(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    try:
        return bool(json.loads(body) == ACK)
    except ValueError:
        return False


class Notifier:
    """A background thread that sends due notifications; ``wake()`` after new ones or a jump."""

    def __init__(
        self,
        store: Store,
        clock: SandboxClock,
        keys: SandboxKeys,
        faults: FaultRegistry,
        tick: Callable[[], None],
    ) -> None:
        self._store = store
        self._clock = clock
        self._keys = keys
        self._faults = faults
        self._tick = tick
        self._wake = threading.Condition()
        self._pending_wake = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = httpx.Client(timeout=SEND_TIMEOUT, trust_env=False)
        self._idle = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=SEND_TIMEOUT + 2)
        self._http.close()

    def wake(self) -> None:
        with self._wake:
            self._pending_wake = True
            self._idle.clear()
            self._wake.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
                sent = self.deliver_due()
            except Exception:  # the notifier must outlive any one failure
                log.exception("sandbox notifier: a delivery round failed")
                sent = 0
            with self._wake:
                if not sent and not self._pending_wake:
                    self._idle.set()
                    # Real time moves too (slow authorisations settle), so poll a few times
                    # a second even without a wake-up.
                    self._wake.wait(timeout=0.1)
                self._pending_wake = False

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until nothing is due (tests: after a clock jump, before looking)."""
        self.wake()
        return self._idle.wait(timeout)

    def deliver_due(self) -> int:
        now = self._clock.now_us()
        with self._store.tx() as db:
            rows = db.execute(
                "SELECT id, kind, url, body, attempts FROM notifications "
                "WHERE next_us IS NOT NULL AND next_us <= ? ORDER BY next_us, id LIMIT 50",
                (now,),
            ).fetchall()
        for row in rows:
            if self._stop.is_set():
                break
            copies = 2 if self._faults.take(row["kind"], notification=True) else 1
            acked, error = False, None
            for _ in range(copies):
                ok, err = self._send(row["url"], row["body"])
                acked = acked or ok
                error = error if ok else err
            attempts = int(row["attempts"]) + 1
            sent_at = self._clock.now_us()
            if acked:
                next_us = None
            elif attempts >= MAX_ATTEMPTS:
                next_us = None
                log.info("notification %s given up after %s attempts", row["id"], attempts)
            else:
                next_us = sent_at + int(NOTIFY_SCHEDULE[attempts].total_seconds()) * US_PER_S
            with self._store.tx() as db:
                db.execute(
                    "UPDATE notifications SET attempts=?, next_us=?, acked_us=?, last_error=? "
                    "WHERE id=?",
                    (
                        attempts,
                        next_us,
                        sent_at if acked else None,
                        None if acked else error,
                        row["id"],
                    ),
                )
        return len(rows)

    def _send(self, url: str, stored: str) -> tuple[bool, str | None]:
        body = tokens.reveal_body(stored, self._keys.fingerprint_key)  # the token, not its id
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        # wall time (see routes: the sandbox clock may be days ahead)
        request_time = datetime.now(UTC).isoformat(timespec="milliseconds")
        content = signing.content_to_sign(
            "POST", path, self._keys.client_id, request_time, body.encode()
        )
        headers = {
            "content-type": "application/json; charset=UTF-8",
            "client-id": self._keys.client_id,
            "request-time": request_time,
            "signature": signing.build_signature_header(
                signing.sign(self._keys.antom_private, content)
            ),
        }
        try:
            response = self._http.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return False, f"{type(exc).__name__}: {exc}"[:200]
        if is_ack(response.status_code, response.content):
            return True, None
        return False, f"HTTP {response.status_code}: {response.content[:100]!r}"

    def deliveries(self) -> list[Delivery]:
        with self._store.tx() as db:
            rows = db.execute("SELECT * FROM notifications ORDER BY id").fetchall()
        return [
            Delivery(
                notification_id=int(r["id"]),
                kind=r["kind"],
                url=r["url"],
                body=json.loads(tokens.reveal_body(r["body"], self._keys.fingerprint_key)),
                attempts=int(r["attempts"]),
                acknowledged=r["acked_us"] is not None,
                next_attempt=None if r["next_us"] is None else iso(int(r["next_us"])),
                last_error=r["last_error"],
            )
            for r in rows
        ]
