"""``Sandbox``: the embedded Antom simulator, started on loopback in a background thread.

with Sandbox(tmp_path / "sandbox") as sandbox:      # or Sandbox() for in-memory
    client = AntomClient(sandbox.base_url, sandbox.client_id,
                         sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem)
    sandbox.clock.advance(timedelta(days=8))         # the 7-day rule, in no time
    sandbox.faults.add("*/pay", "reset_after", times=1)
    assert sandbox.ledger().order("order-1").captured == 1000

The HTTP admin API (``/sandbox-admin/*``) needs ``Authorization: Bearer <admin_token>``:
the token is the state dir's ``admin_token`` file (0600, made on first start) or, in
memory, ``sandbox.admin_token``.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import secrets
import signal
import socket
import stat
import threading
from datetime import date, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any

from posapp.core.antom import signing
from posapp.sandbox import keys as keys_mod
from posapp.sandbox import ledger as ledger_mod
from posapp.sandbox import scenarios, shared
from posapp.sandbox.clock import SandboxClock, SharedClock
from posapp.sandbox.engine import Engine
from posapp.sandbox.faults import FaultKind, FaultRegistry, SharedFaultRegistry
from posapp.sandbox.httpserver import HttpServer, Request
from posapp.sandbox.notifier import Delivery, Notifier
from posapp.sandbox.reports import ReportFault, ReportWriter
from posapp.sandbox.routes import (
    AdminInputError,
    Routes,
    admin_int,
    admin_json,
    admin_number,
    admin_text,
    seconds_of,
)
from posapp.sandbox.shared import CLOCK_OFFSET_US, NEXT_DUE_US
from posapp.sandbox.store import Store

log = logging.getLogger("posapp.sandbox")

_CLOCK_KEY = "clock_offset_us"
_CHILD_START_TIMEOUT = 60.0  # seconds: a spawned interpreter imports posapp and loads keys

ADMIN_TOKEN_FILE = "admin_token"  # noqa: S105 - a file name, not a secret
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)

# How far the admin API may move the clock in one call, and how far ahead of real time it
# may ever run. The longest rule the sandbox plays out is the 7-day hold (tests jump 8 to 30
# days), so a year is far more than any test or training needs; further ahead, ordinary card
# expiry dates (checked on the sandbox clock) start to read as expired and every payment
# fails, and far enough ahead dates no longer fit in a datetime at all (the 252e9-second
# jump of issue 10). A saved offset outside [0, MAX_CLOCK_OFFSET] is reset at start-up.
MAX_CLOCK_STEP = timedelta(days=400)
MAX_CLOCK_OFFSET = timedelta(days=400)
MAX_LATENCY_S = 120.0
MAX_FAULT_TIMES = 1_000_000


class Sandbox:
    """A protocol-faithful Antom simulator on ``host:port`` (port 0: a free one)."""

    OTP = scenarios.OTP

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        processes: int = 1,
    ) -> None:
        """``processes``: how many processes serve requests (one per core uses every core
        for the RSA that every call costs; needs a state dir, see shared.py)."""
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ValueError("processes must be a whole number, at least 1")
        if processes > 1 and state_dir is None:
            raise ValueError("several sandbox processes need a state dir (not in-memory)")
        if processes > 1 and not shared.supported():
            raise ValueError("several sandbox processes need Linux or macOS; use one here")
        self._setup(state_dir, host, port, processes, worker=False)

    def _setup(
        self,
        state_dir: Path | str | None,
        host: str,
        port: int,
        processes: int,
        *,
        worker: bool,
    ) -> None:
        self.state_dir = None if state_dir is None else Path(state_dir)
        self.processes = processes
        self.keys = (
            keys_mod.generate()
            if self.state_dir is None
            else keys_mod.load_or_create(self.state_dir)
        )
        self.admin_token = _admin_token(self.state_dir, create=not worker)
        # Set when a saved clock offset was out of bounds and reset (the CLI prints it).
        self.clock_warning: str | None = None
        self._shared: shared.Shared | None = None
        if self.state_dir is not None and (processes > 1 or worker):
            self._shared = shared.Shared(self.state_dir, create=not worker)
            self.store = Store(self.state_dir, lock=self._shared.lock, recover=not worker)
            page = self._shared.page
            if not worker:  # a fresh start: the persisted clock, and no faults yet
                page.set(CLOCK_OFFSET_US, self._saved_offset_us())
                page.set(NEXT_DUE_US, 0)
                self.faults: FaultRegistry = SharedFaultRegistry(self.store, page)
                self.faults.clear()
            else:
                self.faults = SharedFaultRegistry(self.store, page)
            self.clock: SandboxClock = SharedClock(page, self._shared.lock)
            self.engine = Engine(self.store, self.clock, self.keys, page=page)
        else:
            self.store = Store(self.state_dir)
            self.clock = SandboxClock(timedelta(microseconds=self._saved_offset_us()))
            self.faults = FaultRegistry()
            self.engine = Engine(self.store, self.clock, self.keys)
        # Every process can list notifications; the first one alone delivers them (its
        # notifier looks at the store a few times a second, so it finds the others' too).
        self.reports = ReportWriter(
            self.store, self.clock, self.state_dir, self.keys.client_id, automatic=not worker
        )
        self.notifier = Notifier(self.store, self.clock, self.keys, self.faults, self._tick)
        self.engine.on_notification = self.notifier.wake
        self.clock.on_advance(self._clock_moved)
        self.routes = Routes(
            self.engine, self.keys, self.clock, self.faults, self._admin_actions(), self.admin_token
        )
        self._host, self._port = host, port
        self._server: HttpServer | None = None
        self._peers: list[socket.socket] = []
        self._children: list[tuple[BaseProcess, Connection]] = []
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.restarts = 0  # further processes started again after they died
        self._lock = threading.Lock()

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> Sandbox:
        with self._lock:
            if self._server is not None:
                return self
            if self.processes == 1:
                server = HttpServer(self._host, self._port, self.routes.handle)
            else:
                pairs = [socket.socketpair() for _ in range(self.processes - 1)]
                for mine, _theirs in pairs:
                    mine.setblocking(False)
                self._peers = [mine for mine, _theirs in pairs]
                server = HttpServer(
                    self._host, self._port, self.routes.handle, workers=0, peers=self._peers
                )
            self._server = server
            self.engine.base_url = self.base_url
            self.engine.tick(force=True)
            self.reports.catch_up()
            try:
                if self.processes > 1:
                    for _mine, theirs in pairs:
                        self._children.append(self._spawn(theirs))
            except BaseException:
                self._lock.release()
                try:
                    self.stop()
                finally:
                    self._lock.acquire()
                raise
            server.start()
            self.notifier.start()
            if self._children:
                self._stopping.clear()
                self._supervisor = threading.Thread(
                    target=self._supervise, name="sandbox-supervisor", daemon=True
                )
                self._supervisor.start()
        return self

    def _supervise(self) -> None:
        """Start a further process again when it dies (its connections are lost; the first
        process serves its share of new ones until the new process is up)."""
        while not self._stopping.is_set():
            sentinels = [process.sentinel for process, _pipe in self._children]
            multiprocessing.connection.wait(sentinels, timeout=0.5)
            for i, (process, pipe) in enumerate(list(self._children)):
                if process.is_alive() or self._stopping.is_set():
                    continue
                log.warning(
                    "sandbox process %s ended (exit %s); starting another",
                    process.pid,
                    process.exitcode,
                )
                pipe.close()
                mine, theirs = socket.socketpair()
                mine.setblocking(False)
                try:
                    child = self._spawn(theirs)
                except (OSError, RuntimeError):
                    log.exception("sandbox: could not start a process again")
                    mine.close()
                    self._stopping.wait(5.0)
                    continue
                old, self._peers[i] = self._peers[i], mine  # the server deals to it from now
                old.close()
                self._children[i] = child
                self.restarts += 1

    def _spawn(self, intake: socket.socket) -> tuple[BaseProcess, Connection]:
        assert self._server is not None and self.state_dir is not None
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe()
        process = ctx.Process(
            target=_serve_in_child,
            args=(str(self.state_dir), intake, (self._server.host, self._server.port), theirs),
            name="posapp-sandbox-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        intake.close()  # the child has its own descriptor now
        if not mine.poll(_CHILD_START_TIMEOUT) or mine.recv() != "ready":
            process.kill()
            raise RuntimeError("a sandbox worker process did not start")
        return process, mine

    def stop(self) -> None:
        with self._lock:
            if self._server is None:
                return
            self._stopping.set()
            if self._supervisor is not None:
                self._supervisor.join(timeout=_CHILD_START_TIMEOUT + 5)
                self._supervisor = None
            server, self._server = self._server, None
            children, self._children = self._children, []
            for _process, pipe in children:
                try:
                    pipe.send("stop")
                except OSError:
                    pass  # it is gone already
            for process, pipe in children:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()
                    process.join(timeout=5)
                pipe.close()
            server.stop()
            self.notifier.stop()
            self.store.close()
            for peer in self._peers:
                peer.close()
            self._peers = []
            if self._shared is not None:
                self._shared.close()

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

    def _saved_offset_us(self) -> int:
        """The persisted clock offset; one outside [0, MAX_CLOCK_OFFSET] (a state dir from
        before the admin API checked its values, or edited by hand) is reset to 0 with a
        warning. Reset, not refused: the training till starts this sandbox, and a refusal
        would leave a trainee with no way on but deleting the state. Nothing of value is
        lost: the offset is a test convenience, payments keep their recorded times."""
        raw = self.store.get_meta(_CLOCK_KEY)
        try:
            offset_us = int(raw or 0)
        except ValueError:
            offset_us = -1
        limit_us = MAX_CLOCK_OFFSET // timedelta(microseconds=1)
        if 0 <= offset_us <= limit_us:
            return offset_us
        self.clock_warning = (
            f"the sandbox clock was saved {_describe_offset(raw)} ahead of real time, "
            f"beyond the {MAX_CLOCK_OFFSET.days}-day limit: it is reset to real time"
        )
        log.warning("sandbox state %s: %s", self.state_dir, self.clock_warning)
        self.store.set_meta(_CLOCK_KEY, "0")
        return 0

    def _clock_moved(self, offset: timedelta) -> None:
        self.store.set_meta(_CLOCK_KEY, str(offset // timedelta(microseconds=1)))
        self.engine.tick(force=True)
        self.reports.catch_up()
        self.notifier.wake()

    def _tick(self) -> None:
        # the notifier's loop: due work, and the reports of a day that just ended
        self.engine.tick()
        self.reports.catch_up()

    def write_reports(self, day: date, fault: ReportFault | None = None) -> list[Path]:
        """Write (again) the report files of ``day``, with ``fault`` in the transactions."""
        self.engine.tick(force=True)
        return self.reports.write_day(day, fault)

    def _admin_actions(self) -> dict[str, Any]:
        def clock(_request: Request) -> dict[str, Any]:
            return {
                "now": self.clock.now().isoformat(),
                "offsetSeconds": self.clock.offset.total_seconds(),
            }

        def advance(request: Request) -> dict[str, Any]:
            step = seconds_of(admin_json(request), limit=MAX_CLOCK_STEP)
            if self.clock.offset + step > MAX_CLOCK_OFFSET:
                raise AdminInputError(
                    "seconds",
                    f"the sandbox clock runs at most {MAX_CLOCK_OFFSET.days} days ahead of "
                    f"real time (it is {self.clock.offset.total_seconds():g} s ahead now)",
                )
            self.clock.advance(step)
            return clock(request)

        def add_fault(request: Request) -> dict[str, Any]:
            data = admin_json(request)
            kind = admin_text(data, "kind", max_length=40)
            if kind not in {k.value for k in FaultKind}:
                raise AdminInputError("kind", f"one of {', '.join(k.value for k in FaultKind)}")
            times = data.get("times")
            fault = self.faults.add(
                admin_text(data, "pattern", max_length=200),
                kind,
                status=admin_int(data, "status", low=100, high=599, default=503),
                seconds=admin_number(data, "seconds", low=0.0, high=MAX_LATENCY_S, default=1.0),
                times=None
                if times is None
                else admin_int(data, "times", low=1, high=MAX_FAULT_TIMES),
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

        def reports(request: Request) -> dict[str, Any]:
            data = admin_json(request)
            try:
                day = date.fromisoformat(admin_text(data, "date", max_length=10))
            except ValueError:
                raise AdminInputError("date", "a day as YYYY-MM-DD") from None
            if day >= self.clock.now().date():
                raise AdminInputError("date", "a day that has ended on the sandbox clock")
            raw = data.get("fault")
            if raw is not None and raw not in {f.value for f in ReportFault}:
                raise AdminInputError("fault", f"one of {', '.join(f.value for f in ReportFault)}")
            if self.state_dir is None:
                raise AdminInputError("date", "an in-memory sandbox keeps no reports")
            paths = self.write_reports(day, None if raw is None else ReportFault(raw))
            return {"files": [str(p) for p in paths]}

        def process(_request: Request) -> dict[str, Any]:
            return {"pid": os.getpid(), "processes": self.processes}

        return {
            "GET process": process,
            "GET clock": clock,
            "POST clock/advance": advance,
            "GET faults": list_faults,
            "POST faults": add_fault,
            "DELETE faults": clear_faults,
            "GET ledger": ledger,
            "GET notifications": notifications,
            "POST reports": reports,
        }


def _describe_offset(raw: str | None) -> str:
    try:
        return f"{int(raw or 0) / 86_400_000_000:,.0f} days"
    except ValueError:
        return f"as {str(raw)[:40]!r}"


def _admin_token(state_dir: Path | None, *, create: bool) -> str:
    """The admin API's bearer token: random per in-memory sandbox; per state dir, the
    ``admin_token`` file (0600). A token file that others could read, or that is not a
    plain file holding a token, is replaced by a new one (the old may have leaked)."""
    if state_dir is None:
        return secrets.token_urlsafe(32)
    path = state_dir / ADMIN_TOKEN_FILE
    token = _read_token(path)
    if token is not None:
        return token
    if not create:  # a further process: the first one made the file before starting it
        raise ValueError(f"{path}: no usable sandbox admin token")
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{ADMIN_TOKEN_FILE}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    # O_EXCL: never write through a link someone placed at the temporary name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return token


def _read_token(path: Path) -> str | None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        log.warning("sandbox: %s is not a plain file; a new admin token replaces it", path)
        return None
    if os.name == "posix" and (info.st_mode & 0o077 or info.st_uid != os.getuid()):
        log.warning("sandbox: %s could be read by others; a new admin token replaces it", path)
        return None
    text = signing.read_key_file(path).decode("ascii", "replace").strip()
    return text if _TOKEN.fullmatch(text) else None


class _ChildSandbox(Sandbox):
    """A further process of a ``Sandbox(processes=N)``: it serves the connections the first
    process passes it, over the same state dir, and delivers no notifications itself."""

    def __init__(self, state_dir: Path, intake: socket.socket, address: tuple[str, int]) -> None:
        self._setup(state_dir, "", 0, 1, worker=True)
        self._intake = intake
        self._address = address

    def start(self) -> Sandbox:
        with self._lock:
            self._server = HttpServer(
                "",
                0,
                self.routes.handle,
                workers=0,
                intake=self._intake,
                address=self._address,
            )
            self.engine.base_url = self.base_url
            self._server.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            server.stop()
            self.store.close()
            self._intake.close()
            if self._shared is not None:
                self._shared.close()


def _serve_in_child(
    state_dir: str, intake: socket.socket, address: tuple[str, int], pipe: Connection
) -> None:
    """The body of a further sandbox process: serve until the first process says stop (or
    goes away). Ctrl-C in a terminal reaches the whole process group; the first process
    handles it and stops the others."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = _ChildSandbox(Path(state_dir), intake, address)
    try:
        child.start()
        pipe.send("ready")
        try:
            pipe.recv()
        except (EOFError, OSError):
            pass
    finally:
        child.stop()
