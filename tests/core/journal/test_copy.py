"""Copying a till's SQLite journal into PostgreSQL (copy.py, ``posapp journal migrate``) on the
real test server: every table, ids kept, the chain verifying under the same key; resumed
after a stop; refused where the target is not empty; and the server-side cursors that keep
verify and export flat on a large journal. The SIGKILL and command-line cases are in
tests/cli/test_journal_migrate.py."""

from __future__ import annotations

import sqlite3
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.core.clock import FakeClock
from posapp.core.journal import copy as journal_copy
from posapp.core.journal.access import stream
from posapp.core.journal.copy import CopyRefused, JournalCopy, open_target, plan
from posapp.core.journal.db import open_journal
from posapp.core.journal.errors import JournalUnavailable
from posapp.core.journal.identity import JournalIdentity
from posapp.core.journal.location import parse_location
from posapp.core.journal.repository import JournalRepository
from posapp.core.services.install_key import load_or_create_journal_key
from tests.journal_backends import BACKENDS, fresh_schema, schema_url

from .conftest import OP, authorised
from .copy_source import build_source, file_digest

SERVER = [b for b in BACKENDS if b != "sqlite"]


@pytest.fixture(params=SERVER)
def target_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with fresh_schema() as schema:
        yield schema_url(schema)


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One source journal for the module (read-only for every test)."""
    folder = tmp_path_factory.mktemp("till")
    build_source(folder)
    return folder


def _copy(source: Path, url: str, **kwargs: object) -> journal_copy.CopyResult:
    key = load_or_create_journal_key(training=True, data_dir=source.parent, create=False)
    journal = open_journal(source, read_only=True)
    target = open_target(parse_location(url), None)
    try:
        return JournalCopy(journal, target, key=key, **kwargs).run()  # type: ignore[arg-type]
    finally:
        target.close()
        journal.close()


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]


def test_every_table_the_migrations_create_is_copied_and_the_source_fills_each(
    source_dir: Path,
) -> None:
    source = source_dir / "journal.sqlite3"
    with sqlite3.connect(source) as conn:
        planned = [t.name for t in plan(conn)]
        empty = [t for t in planned if not conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]
    # a table a new migration adds is copied without a change here; status_counts comes
    # from the server's triggers, and each back-end records its own schema steps
    assert set(planned) == set(_tables(source)) - journal_copy.NOT_COPIED
    assert empty == []  # the fixture exercises every table
    # parents first: the rows a key points at are on the server before it
    assert planned.index("payments") < planned.index("events")
    assert planned.index("saved_cards") < planned.index("card_payment_options")
    assert planned.index("capture_batches") < planned.index("capture_batch_items")


def test_the_copy_is_the_same_journal_under_the_same_key(source_dir: Path, target_url: str) -> None:
    source = source_dir / "journal.sqlite3"
    before = file_digest(source)
    result = _copy(source, target_url, batch=7)
    assert file_digest(source) == before  # only read
    assert result.verify is not None and result.verify.ok and result.verify.authentic
    with sqlite3.connect(source) as conn:
        for table in result.tables:
            if table.name != "status_counts":
                count = conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
                assert table.rows == count, table.name
    assert not result.resumed and result.copied_now == result.rows

    # a till carries on where the source stopped: the next ids follow the copied ones
    key = load_or_create_journal_key(training=True, data_dir=source_dir, create=False)
    clock = FakeClock()
    repo = JournalRepository.open(parse_location(target_url), clock=clock, key=key)
    try:
        repo.check_identity(JournalIdentity("training", ""))
        top = repo.journal.db().conn.execute("SELECT max(id) FROM payments").fetchone()[0]
        assert authorised(repo, clock).id == top + 1
        saved = repo.journal.db().conn.execute(
            "INSERT INTO saved_cards (card_brand, card_last4, expiry_month, expiry_year, "
            "status, consent_ms, consent_operator, consent_order, first_request_id, "
            "created_ms, updated_ms) VALUES ('VISA', '1111', 1, 2031, 'PENDING', 1, 'a', 'o', "
            "'PR-NEW', 1, 1) RETURNING id"
        )
        assert saved.fetchone()[0] == 2
        outcome = repo.verify()
        assert outcome.ok and outcome.authentic, outcome.summary()
    finally:
        repo.close()


def test_a_stopped_copy_goes_on_where_it_stopped(source_dir: Path, target_url: str) -> None:
    seen: list[tuple[str, int]] = []

    def stop_in_events(table: str, rows: int) -> None:
        seen.append((table, rows))
        if table == "events" and rows >= 20:
            raise KeyboardInterrupt  # the operator's Ctrl+C between two batches

    source = source_dir / "journal.sqlite3"
    with pytest.raises(KeyboardInterrupt):
        _copy(source, target_url, batch=10, progress=stop_in_events)
    # a till is kept out of the half-copied journal
    with pytest.raises(JournalUnavailable, match="still being filled"):
        JournalRepository.open(parse_location(target_url))
    result = _copy(source, target_url, batch=10)
    assert result.resumed
    events = next(t for t in result.tables if t.name == "events")
    assert events.copied_now == events.rows - 20
    assert next(t for t in result.tables if t.name == "payments").copied_now == 0
    assert result.verify is not None and result.verify.ok
    JournalRepository.open(parse_location(target_url)).close()  # open to tills now
    with pytest.raises(CopyRefused, match="already holds a finished copy"):
        _copy(source, target_url)


@pytest.mark.parametrize("server", SERVER)
def test_a_target_holding_another_journal_or_tills_writes_is_refused(
    source_dir: Path, tmp_path: Path, server: str
) -> None:
    source = source_dir / "journal.sqlite3"
    if server:
        with fresh_schema() as schema:
            url = schema_url(schema)
            other = JournalRepository.open(parse_location(url), clock=FakeClock())
            other.bind_identity(JournalIdentity("sandbox", "CLIENT-9"), terminal_id="TILL-09")
            other.close()
            with pytest.raises(CopyRefused, match=r"holds another journal \(sandbox / CLIENT-9\)"):
                _copy(source, url)
        with fresh_schema() as schema:
            url = schema_url(schema)
            till = JournalRepository.open(parse_location(url), clock=FakeClock())
            authorised(till, till.clock)
            till.close()
            with pytest.raises(CopyRefused, match="tills have written to"):
                _copy(source, url)
        # a copy of another till's journal is under way: this one is not mixed into it
        second = tmp_path / "other-till"
        build_source(second, payments=3)
        with fresh_schema() as schema:
            url = schema_url(schema)
            with pytest.raises(KeyboardInterrupt):
                _copy(second / "journal.sqlite3", url, progress=_interrupt)
            with pytest.raises(CopyRefused, match="unfinished copy of another journal"):
                _copy(source, url)
            # and a till that wrote into the half-copied journal stops its resumption
            target = open_target(parse_location(url), None)
            target.db().conn.execute(
                "INSERT INTO capture_batches (created_ms, manager, terminal_id, state) "
                "VALUES (1, 'x', 'T', 'RUNNING')"
            )
            target.close()
            with pytest.raises(CopyRefused, match="something other than this copy"):
                _copy(second / "journal.sqlite3", url)


def _interrupt(_table: str, _rows: int) -> None:
    raise KeyboardInterrupt


def test_verify_and_export_read_the_server_through_server_side_cursors(target_url: str) -> None:
    clock = FakeClock()
    repo = JournalRepository.open(parse_location(target_url), clock=clock)
    try:
        for _ in range(5):
            authorised(repo, clock)
        conn = repo.journal.db().conn
        rows = stream(repo.journal.db(), "SELECT id FROM payments ORDER BY id", size=2)
        assert next(rows)["id"] == 1
        # the rows wait on the server, in a named cursor of this connection's snapshot
        cursors = conn.execute("SELECT name FROM pg_cursors").fetchall()
        assert [c[0] for c in cursors if c[0].startswith("posapp_stream_")] != []
        assert [r["id"] for r in rows] == [2, 3, 4, 5]
        assert conn.execute("SELECT count(*) FROM pg_cursors").fetchone()[0] == 0
        assert not conn.in_transaction  # its own snapshot ended with the rows
        assert len(list(repo.export_payments())) == 5
        outcome = repo.verify()
        assert outcome.ok and outcome.state_rows == 5, outcome.summary()
        assert not conn.in_transaction
        repo.record_request("pay", {"n": 1}, payment=1, **OP)  # writes still work after
    finally:
        repo.close()


def _copy_peak(source: Path, url: str) -> tuple[journal_copy.CopyResult, int]:
    """The copy and the peak of Python's allocations while its batches were copied."""
    peaks: list[int] = []

    def sample(_table: str, _rows: int) -> None:
        peaks.append(tracemalloc.get_traced_memory()[1])

    tracemalloc.start()
    try:
        result = _copy(source, url, batch=100, progress=sample)
    finally:
        tracemalloc.stop()
    return result, max(peaks)


def test_copying_holds_memory_flat(tmp_path: Path, target_url: str) -> None:
    """Copying four times the rows takes no more memory: batches of 100 rows go from
    SQLite's cursor to COPY and are dropped (bench_migrate.py: a 100,000-payment figure)."""
    build_source(tmp_path / "small", payments=200)
    build_source(tmp_path / "large", payments=800)
    small, small_peak = _copy_peak(tmp_path / "small" / "journal.sqlite3", target_url)
    with fresh_schema() as schema:
        large, large_peak = _copy_peak(tmp_path / "large" / "journal.sqlite3", schema_url(schema))
    assert large.rows > 3.5 * small.rows
    assert large.verify is not None and large.verify.ok
    print(
        f"copy peak: {small.rows} rows {small_peak / 1e3:.0f} kB, {large.rows} rows {large_peak / 1e3:.0f} kB"
    )
    assert large_peak < 1.25 * small_peak + 256 * 1024, (small_peak, large_peak)
