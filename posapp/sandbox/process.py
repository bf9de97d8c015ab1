"""``SandboxProcess``: the training sandbox in a child process of the till.

The till's GUI thread needs the GIL; a sandbox in the same process takes it for every RSA
signature and every HTTP request it serves. So the till starts
``posapp sandbox --state-dir DIR --port 0 --with-parent`` (a frozen build: itself, with those
arguments), reads the base URL from the child's first line and the client id, keys and admin
token from the state dir, and talks to ``/sandbox-admin`` with the token.

The child stops with the till: ``stop()`` on close; and when the till ends any other way
(SIGTERM, SIGKILL, a crash), the kernel closes the till's end of the child's stdin and the
child, reading it, stops on end-of-file (every platform, no polling).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import httpx

from posapp.core.antom import signing
from posapp.sandbox import keys as keys_mod
from posapp.sandbox.ledger import Ledger
from posapp.sandbox.sandbox import ADMIN_TOKEN_FILE, _read_token

log = logging.getLogger("posapp.sandbox.process")

START_TIMEOUT = 60.0  # seconds: a new interpreter imports posapp and may make keys
STOP_TIMEOUT = 10.0


class SandboxProcessError(Exception):
    """The child did not start; ``message`` is one sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sandbox_command(state_dir: Path) -> list[str]:
    """The command line of the child: the frozen app is the ``posapp`` command itself."""
    args = ["sandbox", "--state-dir", str(state_dir), "--port", "0", "--with-parent"]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "posapp", *args]


class SandboxProcess:
    """The embedded sandbox served by a child process over ``state_dir``."""

    def __init__(self, state_dir: Path | str, *, start_timeout: float = START_TIMEOUT) -> None:
        self.state_dir = Path(state_dir)
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None
        self._base_url: str | None = None
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        self.client_id = ""
        self.merchant_private_key_pem = ""
        self.antom_public_key_pem = ""
        self.admin_token = ""

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> SandboxProcess:
        with self._lock:
            if self._process is not None:
                return self
            self.state_dir.mkdir(parents=True, exist_ok=True)
            process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
                sandbox_command(self.state_dir),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                close_fds=True,
            )
            self._process, self._pid = process, process.pid
            lines: queue.Queue[str | None] = queue.Queue()
            assert process.stdout is not None and process.stderr is not None
            _drain(process.stdout, lines.put, "sandbox-stdout")
            errors = _drain(process.stderr, self._stderr_line, "sandbox-stderr")
            try:
                first = lines.get(timeout=self._start_timeout)
            except queue.Empty:
                first = None
            if first is None or not first.startswith("http"):
                self._kill()
                errors.join(STOP_TIMEOUT)  # its last line may be the reason
                raise SandboxProcessError(self._why_not_started())
            self._base_url = first.strip()
            try:
                self._read_state()
            except (OSError, ValueError) as exc:
                self._kill()
                raise SandboxProcessError(
                    f"the training sandbox cannot use {self.state_dir}: {exc}"
                ) from None
            self._http = httpx.Client(
                base_url=self._base_url,
                timeout=10.0,
                headers={"Authorization": f"Bearer {self.admin_token}"},
                trust_env=False,
            )
            log.info("training sandbox: process %s at %s", process.pid, self._base_url)
        return self

    def _read_state(self) -> None:
        def text(name: str) -> str:
            return signing.read_key_file(self.state_dir / name).decode("ascii").strip()

        self.client_id = text(keys_mod.CLIENT_ID)
        self.merchant_private_key_pem = text(keys_mod.MERCHANT_PRIVATE) + "\n"
        self.antom_public_key_pem = text(keys_mod.ANTOM_PUBLIC) + "\n"
        token = _read_token(self.state_dir / ADMIN_TOKEN_FILE)
        if token is None:
            raise ValueError(f"no usable {ADMIN_TOKEN_FILE}")
        self.admin_token = token

    def _stderr_line(self, line: str | None) -> None:
        if line is None:
            return
        line = line.rstrip()
        if line:
            self._errors.append(line)
            del self._errors[:-20]
            log.info("sandbox process: %s", line)

    def _why_not_started(self) -> str:
        for line in reversed(self._errors):
            if line.startswith("posapp: "):  # the CLI's one-line reason (a UsageError)
                reason = line.removeprefix("posapp: ")
                return (
                    reason
                    if "sandbox" in reason
                    else f"the training sandbox did not start: {reason}"
                )
        return "the training sandbox did not start (see the log)"

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait(STOP_TIMEOUT)
        _close_pipes(process)

    def stop(self) -> None:
        """Ask the child to stop (its stdin closes) and wait; kill it if it does not."""
        with self._lock:
            process, self._process = self._process, None
            if self._http is not None:
                self._http.close()
                self._http = None
            if process is None:
                return
            if process.stdin is not None:
                try:
                    process.stdin.close()
                except OSError:
                    pass
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log.warning("the sandbox process %s did not stop; killing it", process.pid)
                process.kill()
                process.wait(STOP_TIMEOUT)
            _close_pipes(process)

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need ------------------------------------------------------------------
    @property
    def pid(self) -> int:
        """The child's process id (also after it stopped)."""
        if self._pid is None:
            raise RuntimeError("the sandbox process was never started")
        return self._pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the sandbox is not started")
        return self._base_url

    # -- the admin API ----------------------------------------------------------------------
    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One call of ``/sandbox-admin/<path>``; the decoded JSON answer."""
        if self._http is None:
            raise RuntimeError("the sandbox is not started")
        answer = self._http.request(
            method, f"/sandbox-admin/{path}", content=None if body is None else json.dumps(body)
        )
        answer.raise_for_status()
        return answer.json()

    def ledger(self) -> Ledger:
        """The orders' amounts as the sandbox has them (from the admin API)."""
        return Ledger.from_json(self.admin("GET", "ledger"))


def _drain(stream: IO[bytes], sink: Any, name: str) -> threading.Thread:
    """Read ``stream`` line by line on a daemon thread into ``sink`` (None at the end), so
    the child never blocks on a full pipe."""

    def run() -> None:
        try:
            for raw in stream:
                sink(raw.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass
        finally:
            stream.close()
            sink(None)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def _close_pipes(process: subprocess.Popen[bytes]) -> None:
    """stdin; the reading threads close stdout and stderr at their end-of-file."""
    if process.stdin is not None:
        try:
            process.stdin.close()
        except OSError:
            pass


def watch_parent(on_gone: Any) -> None:
    """In the child: call ``on_gone()`` when stdin reaches end-of-file (the parent closed it
    or ended); a daemon thread."""

    def run() -> None:
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except OSError:
            pass
        on_gone()

    threading.Thread(target=run, name="sandbox-parent-watch", daemon=True).start()
