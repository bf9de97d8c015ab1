"""When the store server is away: a till whose journal is on PostgreSQL stops selling.

A throw-away PostgreSQL cluster of the test's own (initdb/pg_ctl as tests/run.sh starts
one: a unix socket in a temporary folder, no TCP port, run as ``nobody`` when the tests run
as root) is really stopped and started again inside the test. New payment shows the banner
and disables Pay with the reason, first because a sale met the journal error (nothing was
sent to Antom), then because the till's own probe found the server gone; when the server
answers again the banner says so and goes.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posapp.app import Backend, build_backend
from posapp.config import Settings
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.journal.location import parse_location
from posapp.core.services.schedule import PollSchedule
from posapp.paths import app_dirs
from posapp.ui.application import build_main_window
from posapp.ui.journal_health import JournalHealth, ServerState
from posapp.ui.views.new_payment_view import NewPaymentView
from tests.journal_backends import PG_URL
from tests.ui.screens import shot

VISA_OK = "4054695723100768"

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL's programs (tests/run.sh installs them)"
)


@dataclass
class Cluster:
    """A PostgreSQL server of this test's own, stopped and started on demand."""

    bin: Path
    root: Path
    as_pg: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://posapp@/posapp?host={self.root}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_pg, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self._ctl(
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            f"-k {self.root} -c listen_addresses= -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        # fast: the server ends every session (the till's connections break), then exits
        self._ctl("-m", "fast", "-w", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    assert found, "PostgreSQL's programs are missing (tests/run.sh installs them)"
    # a short path: a unix socket's name has a length limit
    root = Path(tempfile.mkdtemp(prefix="posapp-pg-"))
    root.chmod(0o755)
    as_pg: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "nobody")
        as_pg = ["runuser", "-u", "nobody", "--"]
    server = Cluster(Path(found[-1]), root, as_pg)
    subprocess.run(
        [
            *as_pg,
            str(server.bin / "initdb"),
            "-D",
            str(root / "data"),
            "-U",
            "posapp",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server.start()
    try:
        subprocess.run(
            [str(server.bin / "createdb"), "-h", str(root), "-U", "posapp", "posapp"], check=True
        )
        yield server
    finally:
        subprocess.run(
            [
                *as_pg,
                str(server.bin / "pg_ctl"),
                "-D",
                str(root / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def backend(data_dir: Path, cluster: Cluster) -> Iterator[Backend]:
    b = build_backend(
        app_dirs(data_dir),
        replace(Settings(), notify_listener=False),
        client_timeout=5.0,
        client_retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=no_jitter),
        poll_schedule=PollSchedule(jitter=0),
        pin_cost=2**10,
        sandbox_in_process=True,  # the test reads the sandbox's ledger
        journal=parse_location(cluster.url),
    )
    try:
        yield b
    finally:
        b.close()


def _key_sale(qtbot: QtBot, view: NewPaymentView) -> str:
    view.amount.setFocus()
    qtbot.keyClicks(view.amount, "12.50")
    reference = view.reference.text()
    qtbot.keyClicks(view.card_number, VISA_OK)
    qtbot.keyClicks(view.expiry, "1240")
    qtbot.keyClicks(view.cvv, "123")
    qtbot.keyClicks(view.first_name, "Ann")
    qtbot.keyClicks(view.last_name, "Lee")
    qtbot.keyClick(view.last_name, Qt.Key.Key_Return)
    return reference


def test_sales_pause_while_the_store_server_is_away_and_resume_when_it_is_back(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, backend: Backend, cluster: Cluster
) -> None:
    # the probe runs at start; later ones only when the test asks (the first absence must
    # be met by a sale), while away every 100 ms; "back" shows for 300 ms
    monkeypatch.setattr(JournalHealth, "INTERVAL_MS", 600_000)
    monkeypatch.setattr(JournalHealth, "AWAY_INTERVAL_MS", 100)
    monkeypatch.setattr(JournalHealth, "BACK_SHOWN_MS", 300)
    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    health = window.health
    assert health is not None
    view = window.new_payment
    assert isinstance(view, NewPaymentView)
    banner = view.server_banner
    try:
        qtbot.waitUntil(lambda: health.probes == 1 and not health.busy, timeout=15_000)
        assert health.state is ServerState.OK
        assert not banner.isVisible() and view.submit_button.isEnabled()
        assert backend.sandbox is not None

        # 1. The server goes away; the next sale meets it: refused, nothing sent, banner up
        cluster.stop()
        reference = _key_sale(qtbot, view)
        qtbot.waitUntil(lambda: health.state is ServerState.AWAY, timeout=15_000)
        assert banner.isVisible() and "sales are paused" in banner.text()
        assert "Nothing already sent is lost" in banner.text()
        assert not view.submit_button.isEnabled()
        assert "store server does not answer" in view.submit_button.toolTip()
        assert "store server does not answer. Nothing was sent to Antom" in view.form_error.text()
        assert backend.sandbox.ledger().order(reference).payments == 0
        view.submit()  # Enter, or a click that slipped through: still nothing
        assert not view.in_flight
        shot(window, "server-away")
        window.resize(1024, 700)
        qtbot.wait(20)
        shot(window, "server-away-small")
        assert banner.isVisible() and banner.width() <= view.width()

        # 2. It comes back: the probe (every 100 ms while away) sees it; the banner says so,
        #    then goes, and Pay is usable again
        cluster.start()
        qtbot.waitUntil(lambda: health.state is ServerState.BACK, timeout=15_000)
        assert banner.isVisible() and "answers again" in banner.text()
        assert view.submit_button.isEnabled()
        shot(window, "server-back")
        qtbot.waitUntil(lambda: health.state is ServerState.OK, timeout=5_000)
        assert not banner.isVisible()

        # 3. It goes away with nobody selling: the till's own probe finds it
        health.interval_ms = 100
        health.start()
        probes = health.probes
        qtbot.waitUntil(lambda: health.probes > probes, timeout=15_000)  # it probes alone
        cluster.stop()
        qtbot.waitUntil(lambda: health.state is ServerState.AWAY, timeout=15_000)
        assert not view.submit_button.isEnabled() and banner.isVisible()
        cluster.start()
        qtbot.waitUntil(lambda: health.state is not ServerState.AWAY, timeout=15_000)
        assert view.submit_button.isEnabled()
    finally:
        window.close_for_shutdown()  # no question about a payment under way
        window.runner.shutdown()
