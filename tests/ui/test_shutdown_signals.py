"""The till shut down from outside (SIGTERM from the session or a service manager, Ctrl-C in
a terminal): the real GUI process closes its window, stops the backend and exits 0, and the
journal it leaves is whole. Run as a user runs it: `python -m posapp --data-dir DIR`,
offscreen, signalled once its log says the window is up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from posapp.core.domain import PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.validation import read_card
from posapp.ui.application import READY_LOG
from tests.ui.test_dialogs_flows import make_backend

SLOW_OK = "4000020000000901"  # the sandbox answers PROCESSING: the poller has work to do
VISA_OK = "4054695723100768"


def _journal_with_payments(data: Path) -> int:
    """A held payment and one still being settled, written by the real services."""
    backend = make_backend(data)
    try:
        for pan in (VISA_OK, SLOW_OK):
            backend.checkout.pay(
                CheckoutRequest(
                    amount=Money(1250, backend.settings.currency),
                    reference_order_id=backend.checkout.new_reference(),
                    description="two coffees",
                    card=read_card(pan, "12/40", "123", date.today()),
                ),
                confirm_duplicate=True,
            )
        return backend.repo.count_payments()
    finally:
        backend.close()


def _wait_for_log(proc: subprocess.Popen[str], log_file: Path, text: str) -> None:
    deadline = time.monotonic() + 90  # generous: a loaded 2-core CI machine
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"posapp exited early: {proc.communicate()}"
        if log_file.is_file() and text in log_file.read_text(encoding="utf-8"):
            return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"no {text!r} in {log_file}: {proc.communicate()}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_closes_the_till_cleanly(data_dir: Path, signum: signal.Signals) -> None:
    payments = _journal_with_payments(data_dir)
    log_file = data_dir / "logs" / "posapp.log"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "posapp", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_for_log(proc, log_file, READY_LOG)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, (proc.returncode, out, err)
    assert "Traceback" not in err
    log = log_file.read_text(encoding="utf-8")
    assert f"{signum.name} received: closing the till" in log
    assert f"the till closed on {signum.name}" in log
    # Every journal connection was closed: the last one folds the WAL back in and removes it.
    assert not (data_dir / "journal.sqlite3-wal").exists()

    verify = subprocess.run(
        [sys.executable, "-m", "posapp", "journal", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert verify.returncode == 0, (verify.stdout, verify.stderr)
    backend = make_backend(data_dir)  # and it opens again with everything in it
    try:
        assert backend.repo.count_payments() == payments
        assert backend.repo.count_by_status()[PaymentStatus.INTENT] == 0
    finally:
        backend.close()
