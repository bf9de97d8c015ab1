"""``posapp journal migrate --to URL``: a till's journal moved into the store's PostgreSQL
database by the real command, killed with SIGKILL twice in the middle of a batch and run
again until done (identical, verifying under the till's key, the source untouched), refused
the second time, and bad input answered in one line with exit 2."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from posapp.core.journal.copy import open_target
from posapp.core.journal.location import parse_location
from tests.core.journal.copy_source import build_source, file_digest
from tests.journal_backends import BACKENDS, fresh_schema, schema_url

from .conftest import Result

SERVER = [b for b in BACKENDS if b != "sqlite"]
DEADLINE_S = 60.0


@pytest.fixture(params=SERVER)
def schema(request: pytest.FixtureRequest) -> Iterator[str]:
    with fresh_schema() as name:
        yield name


def _start(data_dir: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "posapp",
            "journal",
            "migrate",
            "--data-dir",
            str(data_dir),
            "--to",
            url,
            "--batch-rows",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _blocked_copy(admin: psycopg.Connection[object], table: str) -> bool:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
        (f'COPY "{table}"%',),
    ).fetchone()
    return bool(row and row[0])


def _kill_mid_batch(data_dir: Path, url: str, schema: str, table: str, row: str) -> None:
    """Run the command while an uncommitted row with a copied id waits in ``table``: the
    batch holding that id blocks on it half-way (its rows sent, nothing committed), and the
    process is killed there with SIGKILL. The row is then rolled back."""
    with (
        psycopg.connect(schema_url(schema)) as blocker,
        psycopg.connect(schema_url(schema), autocommit=True) as admin,
    ):
        blocker.execute(row)  # in a transaction left open
        proc = _start(data_dir, url)
        try:
            deadline = time.monotonic() + DEADLINE_S
            while not _blocked_copy(admin, table):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the copy never reached the blocked batch"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=DEADLINE_S) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        blocker.rollback()


def _progress(schema: str) -> dict[str, tuple[int, bool]]:
    with psycopg.connect(schema_url(schema)) as conn:
        rows = conn.execute("SELECT name, copied, done FROM journal_copy_tables").fetchall()
    return {str(r[0]): (int(r[1]), bool(r[2])) for r in rows}


def test_a_copy_killed_twice_goes_on_and_ends_identical(
    tmp_path: Path, schema: str, posapp: Callable[..., Result]
) -> None:
    data_dir = tmp_path / "till"
    source = build_source(data_dir, payments=80)
    before = file_digest(source)
    url = schema_url(schema)
    open_target(parse_location(url), None).close()  # an empty journal: a copy may go in

    _kill_mid_batch(
        data_dir,
        url,
        schema,
        "payments",
        "INSERT INTO payments (id, payment_request_id, reference_order_id, amount_minor, "
        "currency, capture_mode, card_brand, card_bin6, card_last4, status, operator, "
        "terminal_id, created_ms, updated_ms) VALUES (30, 'BLOCK', 'B', 1, 'USD', 'MANUAL', "
        "'VISA', '1', '1', 'BLOCKER', 'x', 'x', 0, 0)",
    )
    assert _progress(schema)["payments"] == (20, False)  # one batch committed, one lost
    _kill_mid_batch(
        data_dir,
        url,
        schema,
        "events",
        "INSERT INTO events (id, at_ms, kind, operator, terminal_id, prev_hash, hash) "
        "VALUES (150, 0, 'NOTE', 'x', 'x', '', '')",
    )
    progress = _progress(schema)
    assert progress["payments"] == (80, True) and progress["events"] == (140, False)

    done = posapp("journal", "migrate", "--data-dir", str(data_dir), "--to", url)
    assert done.code == 0, done.err
    assert "resumed" in done.out and "payments 80" in done.out
    assert "digest match the source" in done.out and "journal ok" in done.out
    assert file_digest(source) == before  # the source was only read
    checked = posapp("journal", "verify", "--data-dir", str(data_dir), "--journal", url)
    assert checked.code == 0 and "keyed chain intact" in checked.out, checked.err

    again = posapp("journal", "migrate", "--data-dir", str(data_dir), "--to", url)
    assert again.code == 2 and "already holds a finished copy" in again.line


def test_a_database_tills_already_write_to_is_refused(
    tmp_path: Path, schema: str, posapp: Callable[..., Result]
) -> None:
    from posapp.core.clock import FakeClock
    from posapp.core.journal.repository import JournalRepository
    from tests.core.journal.conftest import authorised

    data_dir = tmp_path / "till"
    build_source(data_dir, payments=3)
    url = schema_url(schema)
    till = JournalRepository.open(parse_location(url), clock=FakeClock())
    authorised(till, till.clock)
    till.close()
    refused = posapp("journal", "migrate", "--data-dir", str(data_dir), "--to", url)
    assert refused.code == 2 and "tills have written to" in refused.line


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, posapp: Callable[..., Result]) -> None:
    data_dir = tmp_path / "till"
    source = build_source(data_dir, payments=2)
    before = file_digest(source)
    nowhere = f"postgresql://posapp@/posapp?host={tmp_path / 'no-server'}&connect_timeout=2"

    def refused(*argv: str) -> str:
        result = posapp("journal", "migrate", *argv)
        assert result.code == 2, result.err
        return result.line

    assert "cannot be reached" in refused("--data-dir", str(data_dir), "--to", nowhere)
    secret = refused("--data-dir", str(data_dir), "--to", "postgresql://till:hunter2@db/posapp")
    assert "system keyring" in secret and "hunter2" not in secret
    assert "there is no journal at" in refused(
        "--data-dir", str(tmp_path / "empty"), "--to", nowhere
    )
    assert "postgresql://" in refused("--data-dir", str(data_dir), "--to", str(tmp_path / "x"))
    assert "SQLite file" in refused(
        "--data-dir", str(data_dir), "--journal", "postgresql://a@b/c", "--to", nowhere
    )
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(source, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    line = refused("--data-dir", str(data_dir), "--journal", str(newer), "--to", nowhere)
    assert "schema version 99" in line
    assert file_digest(source) == before
