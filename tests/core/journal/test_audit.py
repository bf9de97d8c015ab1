"""The hash-chained audit log and `posapp journal verify`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from posapp.core.clock import FakeClock
from posapp.core.domain import EventKind, PaymentStatus
from posapp.core.journal.audit import GENESIS, row_hash
from posapp.core.journal.repository import JournalRepository
from posapp.core.services.install_key import load_or_create_journal_key

from .conftest import OP, authorised, new_payment


@pytest.fixture
def filled(data_dir: Path, clock: FakeClock) -> Path:
    """A journal with a dozen audit rows, sealed with the data dir's training journal key,
    closed; returns the data dir."""
    path = data_dir / "journal.sqlite3"
    key = load_or_create_journal_key(training=True, data_dir=data_dir)
    repo = JournalRepository.open(path, clock=clock, key=key)
    for _ in range(3):
        p = authorised(repo, clock)
        repo.record_request("capture", {"paymentId": p.payment_id}, payment=p.id, **OP)
        clock.advance(1)
    repo.record_event(EventKind.NOTE, detail={"what": "recovery run"}, **OP)
    assert len(repo.events()) == 10
    repo.close()
    return data_dir


def _tamper(path: Path, *statements: str) -> None:
    """Edit the file the way someone with a SQLite tool would (triggers dropped first)."""
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("DROP TRIGGER events_no_delete")
    for sql in statements:
        raw.execute(sql)
    raw.commit()
    raw.close()


def _verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posapp", "journal", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rows_chain_from_genesis(repo: JournalRepository, clock: FakeClock) -> None:
    authorised(repo, clock)
    events = repo.events()
    rows = repo.access.read("SELECT * FROM events ORDER BY id")
    prev = GENESIS
    for row, event in zip(rows, events, strict=True):
        assert row["prev_hash"] == prev
        assert row_hash(prev, row) == row["hash"] == event.hash
        prev = row["hash"]


def test_audit_rows_cannot_be_changed_through_sql(repo: JournalRepository) -> None:
    repo.record_intent(new_payment())
    conn = repo.journal.db().conn
    refused = (sqlite3.IntegrityError, psycopg.IntegrityError)
    with pytest.raises(refused, match="append-only"):
        conn.execute("UPDATE events SET operator = 'mallory'")
    with pytest.raises(refused, match="append-only"):
        conn.execute("DELETE FROM events")


def test_intact_journal_verifies(filled: Path) -> None:
    result = _verify(filled)
    assert result.returncode == 0, result.stderr
    assert "10 audit rows" in result.stdout and "intact" in result.stdout


@pytest.mark.parametrize(
    ("sql", "row", "word"),
    [
        ("UPDATE events SET operator = 'mallory' WHERE id = 4", "row 4", "edited"),
        ("DELETE FROM events WHERE id = 6", "row 6", "deleted"),
        ("DELETE FROM events WHERE id >= 9", "row 9", "deleted"),
    ],
    ids=["edited row", "deleted row", "deleted last rows"],
)
def test_tampered_row_is_named(filled: Path, sql: str, row: str, word: str) -> None:
    _tamper(filled / "journal.sqlite3", sql)
    result = _verify(filled)
    assert result.returncode == 1
    assert row in result.stderr and word in result.stderr


def test_edited_detail_is_named(filled: Path) -> None:
    _tamper(
        filled / "journal.sqlite3",
        "UPDATE events SET detail = replace(detail, 'recovery', 'nothing') WHERE id = 10",
    )
    result = _verify(filled)
    assert result.returncode == 1 and "row 10" in result.stderr


def test_reordered_rows_are_named(filled: Path) -> None:
    # swap the contents of rows 3 and 5, keeping each row's hash with its content
    _tamper(
        filled / "journal.sqlite3",
        "CREATE TEMP TABLE swap AS SELECT * FROM events WHERE id IN (3, 5)",
        "DELETE FROM events WHERE id IN (3, 5)",
        "INSERT INTO events SELECT CASE id WHEN 3 THEN 5 ELSE 3 END, at_ms, kind, payment, api, "
        "request_id, from_status, to_status, operator, terminal_id, detail, prev_hash, hash FROM swap",
    )
    result = _verify(filled)
    assert result.returncode == 1 and "row 3" in result.stderr


def test_payment_edited_behind_the_log_is_caught(filled: Path) -> None:
    raw = sqlite3.connect(filled / "journal.sqlite3")
    raw.execute("UPDATE payments SET status = 'CAPTURED' WHERE id = 2")
    raw.commit()
    raw.close()
    result = _verify(filled)
    assert result.returncode == 1
    assert "payment 2" in result.stderr and "AUTHORISED" in result.stderr


def test_verify_does_not_write(filled: Path) -> None:
    before = (filled / "journal.sqlite3").read_bytes()
    assert _verify(filled).returncode == 0
    assert (filled / "journal.sqlite3").read_bytes() == before


def test_verify_without_a_journal_is_one_line(tmp_path: Path) -> None:
    result = _verify(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no journal" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_in_process(repo: JournalRepository, clock: FakeClock) -> None:
    p = authorised(repo, clock)
    repo.transition(p.id, PaymentStatus.CANCELLED, **OP)
    result = repo.verify()
    assert result.ok and result.rows == 3 and result.bad_row is None


def test_verify_refuses_a_journal_from_a_newer_posapp(filled: Path) -> None:
    raw = sqlite3.connect(filled / "journal.sqlite3")
    raw.execute("PRAGMA user_version = 999")
    raw.commit()
    raw.close()
    result = _verify(filled)
    assert result.returncode == 1
    assert "newer version of posapp" in result.stderr and "Traceback" not in result.stderr


def test_amount_edited_behind_the_log_is_caught(filled: Path) -> None:
    raw = sqlite3.connect(filled / "journal.sqlite3")
    raw.execute("UPDATE payments SET amount_minor = 1 WHERE id = 3")
    raw.commit()
    raw.close()
    result = _verify(filled)
    assert result.returncode == 1 and "payment 3" in result.stderr and "amount" in result.stderr


def test_refunded_total_edited_behind_the_log_is_caught(
    repo: JournalRepository, clock: FakeClock
) -> None:
    p = repo.record_intent(new_payment())
    repo.transition(p.id, PaymentStatus.CAPTURED, **OP)
    repo.journal.db().conn.execute("UPDATE payments SET refunded_minor = 5 WHERE id = ?", (p.id,))
    result = repo.verify()
    assert not result.ok and f"payment {p.id}" in result.problem and "refunded" in result.problem


def test_a_reference_the_sanitiser_masks_still_verifies(repo: JournalRepository) -> None:
    # brand prefix and 16 digits: masked in the audit row, kept whole in the payment row
    p = repo.record_intent(new_payment(ref="ORD-4054695723100769"))
    assert repo.events_for_payment(p.id)[0].detail["reference_order_id"] != p.reference_order_id
    assert repo.verify().ok
    repo.journal.db().conn.execute(
        "UPDATE payments SET reference_order_id = 'ORD-4054695723100760' WHERE id = ?", (p.id,)
    )
    result = repo.verify()
    assert not result.ok and f"payment {p.id}" in result.problem
