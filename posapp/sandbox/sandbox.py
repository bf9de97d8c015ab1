"""``Sandbox``: the embedded Antom simulator, started on loopback in a background thread.

with Sandbox(tmp_path / "sandbox") as sandbox:      # or Sandbox() for in-memory
    client = AntomClient(sandbox.base_url, sandbox.client_id,
                         sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem)
    sandbox.clock.advance(timedelta(days=8))         # the 7-day rule, in no time
    sandbox.faults.add("*/pay", "reset_after", times=1)
    assert sandbox.ledger().order("order-1").captured == 1000
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from posapp.sandbox import keys as keys_mod
from posapp.sandbox import ledger as ledger_mod
from posapp.sandbox import scenarios
from posapp.sandbox.clock import SandboxClock
from posapp.sandbox.engine import Engine
from posapp.sandbox.faults import FaultRegistry
from posapp.sandbox.httpserver import HttpServer, Request
from posapp.sandbox.notifier import Delivery, Notifier
from posapp.sandbox.routes import Routes, admin_json, seconds_of
from posapp.sandbox.store import Store

_CLOCK_KEY = "clock_offset_us"


class Sandbox:
    """A protocol-faithful Antom simulator on ``host:port`` (port 0: a free one)."""

    OTP = scenarios.OTP

    def __init__(
        self, state_dir: Path | str | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.state_dir = None if state_dir is None else Path(state_dir)
        self.keys = (
            keys_mod.generate()
            if self.state_dir is None
            else keys_mod.load_or_create(self.state_dir)
        )
        self.store = Store(self.state_dir)
        offset = self.store.get_meta(_CLOCK_KEY)
        self.clock = SandboxClock(timedelta(microseconds=int(offset or 0)))
        self.faults = FaultRegistry()
        self.engine = Engine(self.store, self.clock, self.keys)
        self.notifier = Notifier(self.store, self.clock, self.keys, self.faults, self.engine.tick)
        self.engine.on_notification = self.notifier.wake
        self.clock.on_advance(self._clock_moved)
        self.routes = Routes(self.engine, self.keys, self.clock, self.faults, self._admin_actions())
        self._host, self._port = host, port
        self._server: HttpServer | None = None
        self._lock = threading.Lock()

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> Sandbox:
        with self._lock:
            if self._server is not None:
                return self
            self._server = HttpServer(self._host, self._port, self.routes.handle)
            self.engine.base_url = self.base_url
            self.engine.tick(force=True)
            self._server.start()
            self.notifier.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            server.stop()
            self.notifier.stop()
            self.store.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need ------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return int(self._server.port)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host = self._server.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self._server.port}"

    @property
    def client_id(self) -> str:
        return self.keys.client_id

    @property
    def merchant_private_key_pem(self) -> str:
        """PKCS#1 PEM: what the merchant signs with (the official Python SDK loads it)."""
        return self.keys.merchant_private_key_pem

    @property
    def merchant_public_key_pem(self) -> str:
        return self.keys.merchant_public_key_pem

    @property
    def antom_public_key_pem(self) -> str:
        """SubjectPublicKeyInfo PEM: what the merchant verifies answers with."""
        return self.keys.antom_public_key_pem

    @property
    def antom_private_key_pem(self) -> str:
        return self.keys.antom_private_key_pem

    # -- inspection and control -------------------------------------------------------------
    def ledger(self) -> ledger_mod.Ledger:
        """Amounts per referenceOrderId and per card (authorised, captured, cancelled...)."""
        self.engine.tick()
        return ledger_mod.build(self.store, self.keys.fingerprint_key)

    def notifications(self) -> list[Delivery]:
        """Every notification so far, with its attempts and whether it was acknowledged."""
        return self.notifier.deliveries()

    def wait_notifications(self, timeout: float = 5.0) -> bool:
        """Wait until no notification is due any more (after a payment or a clock jump)."""
        return self.notifier.wait_idle(timeout)

    def settle(self) -> None:
        """Apply every rule that is due on the sandbox clock now (normally automatic)."""
        self.engine.tick(force=True)

    def answer_challenge(self, normal_url_or_token: str, otp: str | None = OTP) -> bool:
        """Complete a 3DS challenge as the buyer would on the OTP page (None: cancel)."""
        token = normal_url_or_token.rstrip("/").rsplit("/", 1)[-1]
        ok, _row = self.engine.answer_challenge(token, otp)
        return ok

    def _clock_moved(self, offset: timedelta) -> None:
        self.store.set_meta(_CLOCK_KEY, str(offset // timedelta(microseconds=1)))
        self.engine.tick(force=True)
        self.notifier.wake()

    def _admin_actions(self) -> dict[str, Any]:
        def clock(_request: Request) -> dict[str, Any]:
            return {
                "now": self.clock.now().isoformat(),
                "offsetSeconds": self.clock.offset.total_seconds(),
            }

        def advance(request: Request) -> dict[str, Any]:
            self.clock.advance(seconds_of(admin_json(request)))
            return clock(request)

        def add_fault(request: Request) -> dict[str, Any]:
            data = admin_json(request)
            fault = self.faults.add(
                str(data["pattern"]),
                str(data["kind"]),
                status=int(data.get("status", 503)),
                seconds=float(data.get("seconds", 1.0)),
                times=None if data.get("times") is None else int(data["times"]),
            )
            return fault.to_json()

        def list_faults(_request: Request) -> dict[str, Any]:
            return {"faults": [f.to_json() for f in self.faults.active()]}

        def clear_faults(_request: Request) -> dict[str, Any]:
            self.faults.clear()
            return {"faults": []}

        def ledger(_request: Request) -> dict[str, Any]:
            return self.ledger().to_json()

        def notifications(_request: Request) -> dict[str, Any]:
            return {
                "notifications": [
                    {
                        "id": d.notification_id,
                        "kind": d.kind,
                        "url": d.url,
                        "attempts": d.attempts,
                        "acknowledged": d.acknowledged,
                        "nextAttempt": d.next_attempt,
                        "lastError": d.last_error,
                        "body": d.body,
                    }
                    for d in self.notifications()
                ]
            }

        return {
            "GET clock": clock,
            "POST clock/advance": advance,
            "GET faults": list_faults,
            "POST faults": add_fault,
            "DELETE faults": clear_faults,
            "GET ledger": ledger,
            "GET notifications": notifications,
        }
