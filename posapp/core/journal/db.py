"""Opening the journal: WAL, foreign keys, busy timeout, durability, one connection per thread.

Durability: ``synchronous=FULL`` by default. In WAL mode NORMAL is already safe against
corruption, but a power cut can lose the last commits; FULL syncs the WAL on every commit,
so a payment that the till showed as journaled survives a power cut. That matters here:
a lost INTENT row is a payment recovery cannot find. bench_journal.py measures the cost:
at 1M payments FULL made ~400-2,000 durable state transitions/s on the (shared) test
machine, bounded by the disk's fsync rate, and NORMAL 2-7x more. A till makes a few
transitions a minute, so FULL costs nothing anyone can notice.

Transactions: writes go through ``Journal.write()``, which starts ``BEGIN IMMEDIATE``: the
write lock is taken up front, so two processes (two windows on one till) serialise their
read-check-write sequences instead of failing on a lock upgrade. Threads of one process
queue for it on a lock of their own first. Nested ``write()`` blocks become savepoints.
"""

from __future__ import annotations

import errno
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from posapp.core.journal import migrations as mig
from posapp.core.journal.dialect import SQLITE
from posapp.core.journal.errors import (
    JournalError,
    JournalForeign,
    JournalFull,
    JournalReadOnly,
    JournalTooNew,
    JournalUnavailable,
    translating,
)
from posapp.core.journal.threads import PerThread
from posapp.paths import make_private_file

Synchronous = Literal["FULL", "NORMAL", "EXTRA"]
DEFAULT_BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class JournalOptions:
    synchronous: Synchronous = "FULL"
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    cache_kib: int = 16384  # page cache per connection; keeps peak memory bounded


class _ThreadState:
    """One thread's connection and transaction depth."""

    __slots__ = ("db", "depth")

    def __init__(self) -> None:
        self.db: Database | None = None
        self.depth = 0


class Journal:
    """One journal file; hands each thread its own sqlite-utils connection."""

    dialect = SQLITE

    def __init__(
        self, path: Path, options: JournalOptions | None = None, *, read_only: bool = False
    ) -> None:
        self.path = Path(path)
        self.options = options or JournalOptions()
        # read-only: SQLite opens the file with mode=ro (or immutable=1 where not even the
        # -shm file can be made); nothing, not even the WAL switch, is written
        self.read_only = read_only
        self._local = PerThread(_ThreadState)
        self._lock = threading.Lock()
        # Writers of this process queue here, in order, for the one SQLite write lock:
        # without it each would poll SQLite's busy handler, which sleeps 5-25 ms a try, and
        # eight workers writing at once (batch capture) lose more time asleep than writing.
        # Other processes still meet the busy timeout.
        self._writer = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._closed = False
        # PRAGMA optimize may write statistics: only for journals opened to work in
        self.optimize_on_close = True

    # -- connections ----------------------------------------------------------------------
    def db(self) -> Database:
        """This thread's connection (opened on first use)."""
        state = self._local.get()
        db = state.db
        if db is None:
            if self._closed:
                raise RuntimeError("the journal is closed")
            db = self._connect()
            state.db = db
        return db

    def _connect(self) -> Database:
        opts = self.options
        with translating(self.path):
            if self.read_only:
                conn = self._connect_read_only()
            else:
                conn = sqlite3.connect(
                    str(self.path),
                    timeout=opts.busy_timeout_ms / 1000,
                    isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                    check_same_thread=False,  # only so close() can run from any thread
                )
            try:
                if not self.read_only:
                    # owner-only before the first write: SQLite gives the -wal and -shm
                    # files the database file's mode
                    _make_private(self.path)
                    # journal_mode first: it is persistent, the others are per connection.
                    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                    if str(mode).lower() != "wal":
                        raise JournalUnavailable(
                            f"cannot switch the journal to WAL mode (got {mode})", path=self.path
                        )
                conn.execute(f"PRAGMA synchronous={opts.synchronous}")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute(f"PRAGMA busy_timeout={int(opts.busy_timeout_ms)}")
                conn.execute(f"PRAGMA cache_size=-{int(opts.cache_kib)}")
                conn.execute("PRAGMA temp_store=MEMORY")
            except BaseException:
                conn.close()
                raise
        with self._lock:
            self._all.append(conn)
        return Database(conn, execute_plugins=False)

    def _connect_read_only(self) -> sqlite3.Connection:
        """``mode=ro``; where SQLite cannot even create the -shm file a WAL reader needs (a
        read-only copy: file 0444 in a folder 0555), ``immutable=1``: nobody can be writing
        a file in a folder that cannot be written, so reading it without locks is sound."""
        uri = self.path.resolve().as_uri()
        timeout = self.options.busy_timeout_ms / 1000
        for query in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(
                f"{uri}?{query}",
                uri=True,
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                conn.close()
                if "immutable" in query:
                    raise
                continue
            return conn
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close every connection this Journal opened (from any thread)."""
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            if self.optimize_on_close:
                try:
                    conn.execute("PRAGMA optimize")
                except sqlite3.Error:  # best effort: the journal may be locked or gone
                    pass
            conn.close()
        self._local = PerThread(_ThreadState)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction (``BEGIN IMMEDIATE``); nested calls are savepoints."""
        db = self.db()
        state = self._local.get()
        with translating(self.path):
            if state.depth:
                name = f"sp{state.depth}"
                db.conn.execute(f"SAVEPOINT {name}")
                state.depth += 1
                try:
                    yield db
                except BaseException:
                    if _in_transaction(db.conn):
                        db.conn.execute(f"ROLLBACK TO {name}")
                        db.conn.execute(f"RELEASE {name}")
                    raise
                else:
                    db.conn.execute(f"RELEASE {name}")
                finally:
                    state.depth -= 1
                return
            # as long as SQLite would wait; past that SQLite's own wait decides, and a
            # journal held too long is the known "busy" error, as between processes
            queued = self._writer.acquire(timeout=self.options.busy_timeout_ms / 1000)
            try:
                db.conn.execute("BEGIN IMMEDIATE")
                state.depth = 1
                try:
                    yield db
                except BaseException:
                    if _in_transaction(db.conn):
                        db.conn.execute("ROLLBACK")
                    raise
                else:
                    try:
                        db.conn.execute("COMMIT")
                    except BaseException:
                        if _in_transaction(db.conn):
                            db.conn.execute("ROLLBACK")
                        raise
                finally:
                    state.depth = 0
            finally:
                if queued:
                    self._writer.release()

    @contextmanager
    def read(self) -> Iterator[Database]:
        """A consistent snapshot for several reads (inside a write: that write's view)."""
        db = self.db()
        with translating(self.path):
            if self._local.get().depth or _in_transaction(db.conn):
                yield db
                return
            db.conn.execute("BEGIN")
            try:
                yield db
            finally:
                if _in_transaction(db.conn):
                    db.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap "refresh?" check for screens."""
        with translating(self.path):
            return int(self.db().conn.execute("PRAGMA data_version").fetchone()[0])

    # -- schema -------------------------------------------------------------------------
    def schema_version(self) -> int:
        with translating(self.path):
            return int(self.db().conn.execute("PRAGMA user_version").fetchone()[0])

    def check_version(self) -> int:
        """The schema version; JournalTooNew if a newer posapp wrote this journal."""
        found = self.schema_version()
        if found > mig.SCHEMA_VERSION:
            raise JournalTooNew(
                f"the journal has schema version {found}; this posapp knows up to "
                f"version {mig.SCHEMA_VERSION}",
                path=self.path,
            )
        if found == 0:
            raise JournalForeign("this file is not a posapp journal", path=self.path)
        return found

    def migrate(self, steps: Migrations | None = None) -> int:
        """Bring the schema up to date; refuse a journal written by a newer posapp.

        Everything happens in one write transaction: a step that fails (or a crash) leaves
        the journal exactly at its previous version. ``steps`` is for tests.
        """
        steps = steps or mig.migrations
        known = [m.name for m in steps._migrations]
        with self.write() as db:
            found = int(db.conn.execute("PRAGMA user_version").fetchone()[0])
            applied = [m.name for m in steps.applied(db)]
            unknown = [name for name in applied if name not in known]
            if found > len(known) or unknown:
                raise JournalTooNew(
                    f"the journal has schema version {found} "
                    f"(steps {', '.join(unknown) or 'unknown'}); this posapp knows up to "
                    f"version {len(known)}",
                    path=self.path,
                )
            if found == 0 and not applied and _has_foreign_tables(db):
                raise JournalForeign(
                    "this file holds another application's database, not a posapp journal",
                    path=self.path,
                )
            steps.apply(db)
            version = len(steps.applied(db))
            if version != found:
                db.conn.execute(f"PRAGMA user_version={version}")
            return version


def _in_transaction(conn: sqlite3.Connection) -> bool:
    # a call, not an attribute, so that type checkers do not narrow it across statements
    return conn.in_transaction


def _has_foreign_tables(db: Database) -> bool:
    names = [
        row[0]
        for row in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return bool(names)


def _make_private(path: Path) -> None:
    try:
        make_private_file(path)
    except OSError as exc:
        raise _os_error(path, exc) from exc


def _os_error(path: Path, exc: OSError) -> JournalError:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return JournalFull(f"journal full: {reason}", path=path)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return JournalReadOnly(f"journal read-only: {reason}", path=path)
    return JournalUnavailable(f"journal unavailable: {reason}", path=path)


def _refuse_non_journal(path: Path) -> None:
    """A file at the journal's path that cannot be a journal is refused, never replaced:
    SQLite would take a zero-length file for a new database and write a fresh journal
    over whatever that file was meant to be (an emptied or truncated journal)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _os_error(path, exc) from exc
    if not stat.S_ISREG(st.st_mode):
        raise JournalForeign("this is not a regular file, not a posapp journal", path=path)
    if st.st_size == 0 and not _grows(path):
        raise JournalForeign(
            "this file is empty (zero bytes), not a posapp journal; it is not replaced",
            path=path,
        )


def _grows(path: Path, *, tries: int = 20, pause: float = 0.1) -> bool:
    """Whether an empty file at ``path`` gets content within ~2 s: another window (or
    process) creating the journal at this moment writes SQLite's header right after the
    file appears; an empty file that stays empty is not a journal."""
    for _ in range(tries):
        time.sleep(pause)
        try:
            if path.stat().st_size > 0:
                return True
        except OSError:
            return False
    return False


def open_journal(
    path: Path | str,
    *,
    create: bool = True,
    migrate: bool = True,
    read_only: bool = False,
    options: JournalOptions | None = None,
) -> Journal:
    """Open (and with ``create``, create) the journal at ``path`` and migrate it.

    With ``migrate=False`` nothing is written: the schema is only checked (for tools that
    inspect a journal, such as ``posapp journal verify``). ``read_only`` (implies neither
    create nor migrate) opens the file read-only, so a read-only copy can be inspected.

    Raises a JournalError subclass with a ``user_message`` when the machine is at fault:
    missing folder, locked, read-only, full, corrupt, empty or foreign, or a journal from a
    newer posapp.
    """
    path = Path(path)
    if read_only:
        create = migrate = False
    if not create and not path.exists():
        raise JournalUnavailable(f"there is no journal at {path}", path=path)
    if not path.parent.is_dir():
        raise JournalUnavailable(f"the folder {path.parent} does not exist", path=path)
    _refuse_non_journal(path)
    journal = Journal(path, options, read_only=read_only)
    try:
        if migrate:
            journal.migrate()
        else:
            journal.optimize_on_close = False
            journal.check_version()
    except BaseException:
        journal.close()
        raise
    return journal


__all__ = ["Journal", "JournalError", "JournalOptions", "open_journal"]
