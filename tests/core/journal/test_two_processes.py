"""Two processes on one journal (two windows on one till) stay consistent."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from posapp.core.clock import FakeClock, SystemClock
from posapp.core.domain import PaymentStatus
from posapp.core.journal import migrations as mig
from posapp.core.journal.repository import JournalRepository

from .conftest import authorised

WORKER = Path(__file__).with_name("_worker.py")
N = 40


def test_two_processes_write_concurrently_without_loss(
    journal_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    # the workers run on the real clock: the holds must be fresh on that clock too
    real = SystemClock()
    setup = JournalRepository.open(journal_path, clock=real)
    contested = [authorised(setup, real).id for _ in range(15)]
    setup.close()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                str(journal_path),
                name,
                str(N),
                str(go),
                ",".join(map(str, contested)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("WIN-A", "WIN-B")
    ]
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))

    wins = Counter(pid for r in results for pid in r["wins"])
    assert sorted(wins) == sorted(contested)  # every contested hold captured ...
    assert set(wins.values()) == {1}  # ... exactly once

    repo = JournalRepository.open(journal_path, clock=clock)
    try:
        counts = repo.count_by_status()
        assert sum(counts.values()) == 2 * N + len(contested)
        assert counts[PaymentStatus.CAPTURED] == len(contested)
        assert counts[PaymentStatus.AUTHORISED] == 2 * N
        for name in ("WIN-A", "WIN-B"):
            for i in range(N):
                p = repo.payment_by_request_id(f"{name}-PR-{i}")
                assert p is not None and p.status is PaymentStatus.AUTHORISED
        result = repo.verify()
        assert result.ok, result.summary()
        # 3 rows per own payment, and per contested win: capture intent, payment ->
        # CAPTURE_PENDING, capture succeeded, payment -> CAPTURED
        assert result.rows == 2 * len(contested) + 2 * N * 3 + 4 * len(contested)
        assert repo.journal.db().conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        repo.close()


def test_two_processes_creating_one_journal_at_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    go = tmp_path / "go"
    code = (
        "import sys, time, pathlib\n"
        "from posapp.core.journal.db import open_journal\n"
        "go = pathlib.Path(sys.argv[2])\n"
        "while not go.exists(): time.sleep(0.002)\n"
        "j = open_journal(sys.argv[1]); print(j.schema_version()); j.close()\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.strip() == str(mig.SCHEMA_VERSION)
    repo = JournalRepository.open(path)
    try:
        assert [m.name for m in mig.migrations.applied(repo.journal.db())] == list(mig.STEP_NAMES)
    finally:
        repo.close()
