"""`posapp sandbox`: prints its base URL first, serves, and stops cleanly on SIGTERM/Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from posapp.cli import main


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "posapp", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_first_line_is_the_base_url_and_it_stops_cleanly(tmp_path: Path, sig: int) -> None:
    state = tmp_path / "state"
    proc = _start("--state-dir", str(state))
    try:
        first = proc.stdout.readline().strip() if proc.stdout else ""
        assert first.startswith("http://127.0.0.1:")
        assert httpx.get(first + "/", trust_env=False).status_code == 200
        logo = httpx.get(first + "/sandbox/logos/VISA.svg", trust_env=False)
        assert logo.status_code == 200
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
    client_id = (state / "client_id").read_text().strip()
    assert client_id.startswith("SANDBOX_")
    assert (state / "sandbox.sqlite3").exists()


def test_in_memory_and_fixed_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = _start("--in-memory", "--port", str(port))
    try:
        first = proc.stdout.readline().strip() if proc.stdout else ""
        assert first == f"http://127.0.0.1:{port}"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_bad_arguments_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "port" in err
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["sandbox", "--state-dir", str(a_file)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sandbox", "--in-memory", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot start the sandbox" in err


def test_damaged_key_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    state.mkdir()
    for name in ("merchant_private_key.pem", "antom_private_key.pem"):
        (state / name).write_text(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"
        )
    (state / "client_id").write_text("SANDBOX_X\n")
    (state / "fingerprint.key").write_text("00" * 32)
    assert main(["sandbox", "--state-dir", str(state)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "merchant_private_key.pem" in err
