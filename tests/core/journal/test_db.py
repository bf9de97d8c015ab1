"""Opening the journal: pragmas, migrations, newer-schema refusal, environment errors."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.core.clock import FakeClock
from posapp.core.journal import migrations as mig
from posapp.core.journal.db import Journal, JournalOptions, open_journal
from posapp.core.journal.errors import (
    JournalCorrupt,
    JournalError,
    JournalFull,
    JournalLocked,
    JournalReadOnly,
    JournalTooNew,
    JournalUnavailable,
    classify,
)
from posapp.core.journal.repository import JournalRepository

from .conftest import new_payment


@pytest.fixture
def repo(journal_path: Path, clock: FakeClock) -> Iterator[JournalRepository]:
    """These tests are about the SQLite file itself: the SQLite back-end only."""
    repository = JournalRepository.open(journal_path, clock=clock)
    yield repository
    repository.close()


def _pragma(journal: Journal, name: str) -> object:
    return journal.db().conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_pragmas_for_money(journal_path: Path) -> None:
    journal = open_journal(journal_path)
    try:
        assert _pragma(journal, "journal_mode") == "wal"
        assert _pragma(journal, "foreign_keys") == 1
        assert _pragma(journal, "synchronous") == 2  # FULL
        assert _pragma(journal, "busy_timeout") == 5000
    finally:
        journal.close()
    normal = open_journal(journal_path, options=JournalOptions(synchronous="NORMAL"))
    try:
        assert _pragma(normal, "synchronous") == 1
    finally:
        normal.close()


def test_schema_is_versioned_and_migrations_recorded(journal_path: Path) -> None:
    journal = open_journal(journal_path)
    try:
        assert journal.schema_version() == mig.SCHEMA_VERSION >= 1
        names = [m.name for m in mig.migrations.applied(journal.db())]
        assert names == list(mig.STEP_NAMES)
        tables = set(journal.db().table_names())
        assert {"payments", "captures", "refunds", "events", "chain_head"} <= tables
    finally:
        journal.close()
    # opening again applies nothing and keeps the version
    again = open_journal(journal_path)
    try:
        assert again.schema_version() == mig.SCHEMA_VERSION
        assert len(mig.migrations.applied(again.db())) == mig.SCHEMA_VERSION
    finally:
        again.close()


def test_step_names_are_numbered_in_order() -> None:
    numbers = [int(name.split("_", 1)[0]) for name in mig.STEP_NAMES]
    assert numbers == list(range(1, len(numbers) + 1))


def test_partial_index_literals_match_the_shared_constants() -> None:
    # repository queries must spell the status lists exactly as the indexes do
    assert (
        mig.UNSETTLED_SQL.replace("'", "")
        == "(INTENT,PENDING,NEEDS_3DS,CAPTURE_PENDING,CANCEL_PENDING)"
    )
    assert f"WHERE status IN {mig.UNSETTLED_SQL}" in mig._STEP_0001
    assert f"WHERE status IN {mig.UNSETTLED_OPERATION_SQL}" in mig._STEP_0001


def test_journal_from_a_newer_version_is_refused(journal_path: Path) -> None:
    open_journal(journal_path).close()
    raw = sqlite3.connect(journal_path)
    raw.execute(f"PRAGMA user_version = {mig.SCHEMA_VERSION + 1}")
    raw.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        (mig.MIGRATION_SET, "0099_from_the_future", "2030-01-01"),
    )
    raw.commit()
    raw.close()
    with pytest.raises(JournalTooNew) as info:
        open_journal(journal_path)
    assert "newer version of posapp" in info.value.user_message
    assert "0099_from_the_future" in str(info.value)
    with pytest.raises(JournalTooNew):
        open_journal(journal_path, migrate=False)


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE contacts (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(JournalUnavailable, match="another application"):
        open_journal(path)


def test_missing_folder_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(JournalUnavailable, match="does not exist"):
        open_journal(tmp_path / "nope" / "journal.sqlite3")
    with pytest.raises(JournalUnavailable, match="no journal"):
        open_journal(tmp_path / "journal.sqlite3", create=False)


def test_corrupt_file_is_a_known_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(JournalCorrupt) as info:
        open_journal(path)
    assert "damaged" in info.value.user_message


def test_disk_full_is_a_known_error(journal_path: Path, clock: FakeClock) -> None:
    repo = JournalRepository.open(journal_path, clock=clock)
    try:
        conn = repo.journal.db().conn
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(JournalFull) as info:
            for _ in range(500):
                repo.record_intent(new_payment())
        assert "disk is full" in info.value.user_message
    finally:
        repo.close()


def test_locked_journal_is_a_known_error(journal_path: Path, clock: FakeClock) -> None:
    open_journal(journal_path).close()
    holder = sqlite3.connect(journal_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        repo = JournalRepository(Journal(journal_path, JournalOptions(busy_timeout_ms=100)), clock)
        with pytest.raises(JournalLocked):
            repo.record_intent(new_payment())
        repo.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_read_only_journal_is_a_known_error(journal_path: Path, clock: FakeClock) -> None:
    repo = JournalRepository.open(journal_path, clock=clock)
    try:
        repo.journal.db().conn.execute("PRAGMA query_only = ON")
        with pytest.raises(JournalReadOnly):
            repo.record_intent(new_payment())
    finally:
        repo.close()
    # and the classification of a real read-only open
    ro = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as info:
        ro.execute("CREATE TABLE t (x)")
    ro.close()
    assert isinstance(classify(info.value), JournalReadOnly)


def test_bugs_are_not_disguised_as_environment_errors(repo: JournalRepository) -> None:
    payment = new_payment()
    repo.record_intent(payment)
    with pytest.raises(sqlite3.IntegrityError):
        repo.record_intent(payment)  # same paymentRequestId: a caller bug
    with pytest.raises(sqlite3.OperationalError) as info:
        repo.journal.db().conn.execute("SELECT no_such_column FROM payments")
    assert classify(info.value) is None


def test_every_thread_gets_its_own_connection(repo: JournalRepository) -> None:
    main_conn = repo.journal.db().conn
    seen: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            seen.append(repo.journal.db().conn)
            repo.record_intent(new_payment())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({id(c) for c in seen}) == 4 and main_conn not in seen
    assert repo.count_by_status()[next(iter(repo.count_by_status()))] >= 0
    assert sum(repo.count_by_status().values()) == 4
    assert repo.verify().ok


def test_nested_write_is_a_savepoint(repo: JournalRepository) -> None:
    with repo.transaction():
        repo.record_intent(new_payment())
        with pytest.raises(RuntimeError):
            with repo.transaction():
                repo.record_intent(new_payment())
                raise RuntimeError("inner fails")
    assert sum(repo.count_by_status().values()) == 1
    assert repo.verify().ok


def test_errors_share_one_root() -> None:
    for cls in (JournalLocked, JournalFull, JournalReadOnly, JournalCorrupt, JournalTooNew):
        assert issubclass(cls, JournalError) and cls.user_message


def _with_extra_steps(*extra: tuple[str, str]) -> mig.Migrations:
    """Today's steps plus ``extra`` (name, SQL), as a later posapp would ship them."""
    later = mig.Migrations(mig.MIGRATION_SET)
    for step in mig.migrations._migrations:
        later(name=step.name)(step.fn)
    for name, sql in extra:

        def run(db: object, sql: str = sql) -> None:
            db.executescript(sql)  # type: ignore[attr-defined]

        later(name=name)(run)
    return later


def test_an_older_journal_is_upgraded_in_place(journal_path: Path, clock: FakeClock) -> None:
    repo = JournalRepository.open(journal_path, clock=clock)
    kept = repo.record_intent(new_payment())
    repo.close()
    later = _with_extra_steps(("0002_add_tip", "ALTER TABLE payments ADD COLUMN tip_minor INTEGER"))
    journal = Journal(journal_path)
    try:
        assert journal.migrate(later) == mig.SCHEMA_VERSION + 1
        assert journal.schema_version() == mig.SCHEMA_VERSION + 1
        columns = {c.name for c in journal.db()["payments"].columns}  # type: ignore[union-attr]
        assert "tip_minor" in columns
    finally:
        journal.close()
    reopened = Journal(journal_path)
    again = JournalRepository(reopened, clock)
    try:
        assert reopened.migrate(later) == mig.SCHEMA_VERSION + 1  # nothing left to apply
        assert again.get_payment(kept.id) == kept
    finally:
        again.close()
    # and today's posapp now refuses it, naming the step it does not know
    with pytest.raises(JournalTooNew, match="0002_add_tip"):
        open_journal(journal_path)


def test_a_failing_step_leaves_the_previous_version(journal_path: Path) -> None:
    open_journal(journal_path).close()
    later = _with_extra_steps(
        ("0002_good_part", "CREATE TABLE notes (x TEXT)"),
        ("0003_broken", "ALTER TABLE no_such_table ADD COLUMN y TEXT"),
    )
    journal = Journal(journal_path)
    try:
        with pytest.raises(sqlite3.OperationalError):
            journal.migrate(later)
        assert journal.schema_version() == mig.SCHEMA_VERSION
        assert "notes" not in journal.db().table_names()
        assert [m.name for m in mig.migrations.applied(journal.db())] == list(mig.STEP_NAMES)
    finally:
        journal.close()
