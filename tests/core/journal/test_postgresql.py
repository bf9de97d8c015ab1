"""The shared journal on PostgreSQL: where a journal is (one resolver), the same numbered
steps on both back-ends, one writer at a time, the password from the real keyring, and the
`journal` commands against a server. The repository's behaviour itself is checked on both
back-ends by every test that uses the ``repo`` fixture."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from posapp.core.clock import FakeClock
from posapp.core.journal import migrations as mig
from posapp.core.journal.errors import JournalTooNew, JournalUnavailable
from posapp.core.journal.location import (
    KEYRING_SERVICE,
    JournalLocation,
    LocationError,
    keyring_entry,
    keyring_password,
    parse_location,
    resolve,
)
from posapp.core.journal.repository import JournalRepository
from tests.journal_backends import BACKENDS, fresh_schema, schema_url

from .conftest import OP, authorised, new_payment

SERVER = [b for b in BACKENDS if b != "sqlite"]


def test_a_path_or_a_postgresql_url_and_nothing_else(tmp_path: Path) -> None:
    assert resolve(None, tmp_path / "j.sqlite3") == JournalLocation(path=tmp_path / "j.sqlite3")
    assert resolve("  ", tmp_path / "j.sqlite3").path == tmp_path / "j.sqlite3"
    assert parse_location(str(tmp_path / "other.sqlite3")).path == tmp_path / "other.sqlite3"
    shop = parse_location("postgresql://till@db.shop.example:5433/posapp?sslmode=verify-full")
    assert shop.is_server and shop.path is None
    assert keyring_entry(shop) == "till@db.shop.example:5433/posapp"
    assert shop.describe() == "postgresql://till@db.shop.example:5433/posapp?sslmode=verify-full"
    assert keyring_entry(parse_location("postgres://till@db/posapp")) == "till@db:5432/posapp"
    with pytest.raises(LocationError, match="mysql:// is not a journal"):
        parse_location("mysql://till@db/posapp")
    with pytest.raises(LocationError, match="names its database"):
        parse_location("postgresql://till@db")
    with pytest.raises(LocationError, match="system keyring instead") as refused:
        parse_location("postgresql://till:hunter2@db/posapp")
    assert "hunter2" not in str(refused.value)


def test_every_step_is_written_for_both_back_ends() -> None:
    assert tuple(name for name, _ in mig.POSTGRES_STEPS) == mig.STEP_NAMES


@pytest.fixture(params=SERVER)
def schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh schema on the test server, owned by the password-protected role ``till``."""
    with fresh_schema(owner="till") as name:
        yield name


def _url(schema: str, user: str = "posapp") -> str:
    return schema_url(schema, user)


def test_the_numbered_steps_are_recorded_and_a_newer_journal_is_refused(schema: str) -> None:
    location = parse_location(_url(schema))
    repo = JournalRepository.open(location)
    rows = repo.journal.db().conn.execute("SELECT name FROM journal_migrations").fetchall()
    assert tuple(sorted(r[0] for r in rows)) == mig.STEP_NAMES
    repo.journal.db().conn.execute(
        "INSERT INTO journal_migrations (name, applied_ms) VALUES ('0099_from_the_future', 0)"
    )
    repo.close()
    with pytest.raises(JournalTooNew, match="0099_from_the_future"):
        JournalRepository.open(location)


def test_tills_writing_at_once_extend_one_chain_one_at_a_time(schema: str) -> None:
    location = parse_location(_url(schema))
    JournalRepository.open(location).close()  # migrated once
    errors: list[BaseException] = []

    def till(name: str) -> None:
        repo = JournalRepository.open(location, clock=FakeClock())
        try:
            for _ in range(15):
                p = repo.record_intent(new_payment())
                repo.record_request("pay", {"n": name}, payment=p.id, **OP)
        except BaseException as exc:  # noqa: BLE001 - reported below, with the others
            errors.append(exc)
        finally:
            repo.close()

    threads = [threading.Thread(target=till, args=(f"T{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    repo = JournalRepository.open(location)
    try:
        result = repo.verify()
        assert result.ok, result.summary()
        assert result.rows == 4 * 15 * 2 and result.state_rows == 4 * 15
    finally:
        repo.close()


def test_the_password_comes_from_the_keyring_and_only_from_there(schema: str) -> None:
    location = parse_location(_url(schema, user="till"))
    entry = keyring_entry(location)
    with pytest.raises(JournalUnavailable, match="cannot be reached"):
        JournalRepository.open(location, password=lambda _entry: None)
    keyring.set_password(KEYRING_SERVICE, entry, "till-secret-for-tests")
    try:
        repo = JournalRepository.open(location, clock=FakeClock(), password=keyring_password)
        try:
            p = authorised(repo, repo.clock)
            assert repo.get_payment(p.id) == p
        finally:
            repo.close()
    finally:
        keyring.delete_password(KEYRING_SERVICE, entry)


def test_journal_commands_work_on_the_server(schema: str, tmp_path: Path) -> None:
    url = _url(schema)
    clock = FakeClock()
    repo = JournalRepository.open(parse_location(url), clock=clock)
    authorised(repo, clock, ref="ORD-PG-1")
    repo.close()

    def posapp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "posapp", *args, "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    exported = posapp("journal", "export", "--csv", "-", "--journal", url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines()[1].split(",")[1] == "ORD-PG-1"
    checked = posapp("--journal", url, "journal", "verify")
    # no journal key in this data folder: consistent, but not authenticated (exit 3)
    assert checked.returncode == 3, checked.stderr
    assert "2 audit rows are consistent" in checked.stderr
    wrong = posapp("journal", "export", "--csv", "-", "--journal", "mysql://x@y/z")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert "mysql:// is not a journal" in wrong.stderr


def test_a_dropped_connection_is_replaced_on_the_next_use(schema: str) -> None:
    """The server restarted (or the network was away): the statement that met the dropped
    connection says so (JournalUnavailable), the next one works on a new connection; the
    write cut off by it left nothing behind."""
    import psycopg

    from tests.journal_backends import PG_URL

    repo = JournalRepository.open(parse_location(_url(schema)), clock=FakeClock())
    try:
        repo.record_intent(new_payment(ref="DROP-1"))
        pid = repo.access.journal.db().conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(JournalUnavailable):
            repo.record_intent(new_payment(ref="DROP-2"))
        repo.record_intent(new_payment(ref="DROP-3"))
        assert repo.payments_for_order("DROP-2") == []
        assert len(repo.payments_for_order("DROP-3")) == 1
        result = repo.verify()
        assert result.ok, result.summary()
    finally:
        repo.close()
