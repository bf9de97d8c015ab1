"""The till's training sandbox runs in a child process: the GUI process does no RSA signing
or HTTP serving for it, and the child ends with the till (closed, or killed outright)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from posapp.app import BackendError, build_backend
from posapp.commands.sandbox import TRAINING_NICENESS
from posapp.config import Settings
from posapp.core.services.secrets import MemorySecretStore
from posapp.paths import app_dirs
from posapp.sandbox.process import SandboxProcess, SandboxProcessError

from .conftest import FAST_RETRY, pay

TILL = """
import sys, threading
from posapp.app import build_backend
from posapp.config import Settings
from posapp.core.services.secrets import MemorySecretStore
from posapp.paths import app_dirs
backend = build_backend(app_dirs(sys.argv[1]), Settings(), secret_store=MemorySecretStore(),
                        pin_cost=2**10)
print(backend.sandbox.pid, backend.sandbox.base_url, flush=True)
threading.Event().wait()
"""


def gone(pid: int, base_url: str, timeout: float = 60.0) -> bool:
    """True once the sandbox at ``base_url`` refuses connections and ``pid`` has ended (a
    process no one has reaped yet counts as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/sandbox-admin/process", timeout=2.0)
        except httpx.TransportError:
            stat = Path(f"/proc/{pid}/stat")
            try:
                state = stat.read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                return True
            if state in {"Z", "X"}:
                return True
        time.sleep(0.05)
    return False


def test_the_training_sandbox_runs_in_another_process(data_dir: Path) -> None:
    backend = build_backend(
        app_dirs(data_dir),
        Settings(),
        secret_store=MemorySecretStore(),
        client_retry=FAST_RETRY,
        pin_cost=2**10,
    )
    try:
        sandbox = backend.sandbox
        assert isinstance(sandbox, SandboxProcess)
        assert sandbox.pid != os.getpid()
        # the process answering on the till's gateway is the child, not this one
        assert sandbox.admin("GET", "process")["pid"] == sandbox.pid
        assert backend.info().gateway == sandbox.base_url
        # it yields the CPU to the till: the GUI thread goes first when the CPUs are busy
        if hasattr(os, "getpriority"):
            mine = os.getpriority(os.PRIO_PROCESS, 0)
            assert os.getpriority(os.PRIO_PROCESS, sandbox.pid) == min(19, mine + TRAINING_NICENESS)
        result = pay(backend, minor=777)
        entry = sandbox.ledger().order(result.payment.reference_order_id)
        assert (entry.payments, entry.authorised) == (1, 777), sandbox.admin("GET", "ledger")
        # nothing of the sandbox's serving runs in this process
        assert not [t for t in threading.enumerate() if "sandbox-http" in t.name]
    finally:
        backend.close()
    assert not sandbox.running  # closing the till stopped it
    assert gone(sandbox.pid, sandbox.base_url)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_sandbox_ends_when_the_till_is_killed(data_dir: Path, signum: int) -> None:
    till = subprocess.Popen(
        [sys.executable, "-c", TILL, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert till.stdout is not None
        line = till.stdout.readline()
        assert line, till.communicate(timeout=30)
        pid_text, base_url = line.split()
        pid = int(pid_text)
        assert pid != till.pid
        assert httpx.get(f"{base_url}/sandbox-admin/process", timeout=10).status_code == 401
        till.send_signal(signum)
        till.communicate(timeout=60)
    finally:
        if till.poll() is None:
            till.kill()
            till.communicate()
    assert gone(pid, base_url)


def test_a_sandbox_that_cannot_start_is_one_sentence(data_dir: Path) -> None:
    dirs = app_dirs(data_dir)
    dirs.create()
    dirs.sandbox_state.parent.mkdir(parents=True, exist_ok=True)
    dirs.sandbox_state.write_text("not a folder")
    with pytest.raises(BackendError) as caught:
        build_backend(dirs, Settings(), secret_store=MemorySecretStore(), pin_cost=2**10)
    assert "training sandbox" in caught.value.message
    assert "\n" not in caught.value.message


def test_a_frozen_till_starts_the_sandbox_as_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from posapp.sandbox.process import sandbox_command

    state = Path("/srv/till/sandbox")
    assert sandbox_command(state)[:3] == [sys.executable, "-m", "posapp"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert sandbox_command(state) == [
        sys.executable,
        "sandbox",
        "--state-dir",
        str(state),
        "--port",
        "0",
        "--with-parent",
    ]


def test_a_child_that_refuses_to_start_says_why(tmp_path: Path) -> None:
    """The child's own one-line reason (its stderr's ``posapp: ...``) reaches the till."""
    state = tmp_path / "sandbox"
    state.mkdir()
    (state / "client_id").write_text("LIVE_MERCHANT_ID\n")  # not a sandbox's
    with pytest.raises(SandboxProcessError) as caught:
        SandboxProcess(state).start()
    message = caught.value.message
    assert message.startswith("cannot start the sandbox: "), message
    assert "SANDBOX_" in message  # the child's own reason: its client id is not a sandbox's
    assert "\n" not in message
