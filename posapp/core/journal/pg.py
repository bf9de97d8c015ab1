"""A journal on a PostgreSQL server (psycopg 3), with the calls the repository's parts make
of an SQLite journal: ``db()``, ``write()``, ``read()``, ``data_version()``, ``close()``.

Each thread gets its own connection (autocommit: transactions are begun and ended here, as
on SQLite). ``write()`` serialises writers with a transaction-scoped advisory lock (see
``dialect.POSTGRESQL.begin_write`` and POSTGRES.md); nested ``write()`` blocks are
savepoints. Statements keep the repository's ``?`` placeholders and are translated once on
their way to the driver. The schema is the numbered steps of ``migrations.POSTGRES_STEPS``,
recorded in ``journal_migrations`` (name, time) in the same transaction as each step.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from posapp.core.journal import migrations as mig
from posapp.core.journal.dialect import POSTGRESQL, WRITE_LOCK_KEY
from posapp.core.journal.errors import (
    JournalForeign,
    JournalFull,
    JournalLocked,
    JournalReadOnly,
    JournalTooNew,
    JournalUnavailable,
)
from posapp.core.journal.threads import PerThread

log = logging.getLogger(__name__)


class PgConnection:
    """A psycopg connection spoken to as the parts speak to ``sqlite3.Connection``."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        with _translating():
            return self.raw.execute(POSTGRESQL.placeholders(sql), list(parameters))

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]], /) -> None:
        with _translating(), self.raw.cursor() as cur:
            cur.executemany(POSTGRESQL.placeholders(sql), parameters)

    @contextmanager
    def server_cursor(
        self, sql: str, parameters: Sequence[Any] = (), /, *, size: int = 2000
    ) -> Iterator[psycopg.ServerCursor[Any]]:
        """``sql`` read through a named (server-side) cursor, ``size`` rows a round trip:
        the driver never holds the whole result (``access.stream``). Inside the caller's
        transaction when there is one, else in a read-only snapshot of its own, ended when
        the cursor is."""
        own = not self.in_transaction
        with _translating():
            if own:
                self.raw.execute(POSTGRESQL.begin_read)
            try:
                cursor = self.raw.cursor(name=f"posapp_stream_{next(_cursor_names)}")
                cursor.itersize = size
                try:
                    cursor.execute(POSTGRESQL.placeholders(sql), list(parameters))
                    yield cursor
                finally:
                    if self._healthy():
                        cursor.close()
            finally:
                status = self.raw.info.transaction_status
                if own and status == psycopg.pq.TransactionStatus.INTRANS:
                    self.raw.execute("COMMIT")
                elif own and status == psycopg.pq.TransactionStatus.INERROR:
                    self.raw.execute("ROLLBACK")

    def _healthy(self) -> bool:
        return self.raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS

    @property
    def in_transaction(self) -> bool:
        # a property read anew each time (mypy would otherwise narrow it across statements);
        # a connection the server dropped (UNKNOWN) holds no transaction to end
        status = self.raw.info.transaction_status
        return status not in (
            psycopg.pq.TransactionStatus.IDLE,
            psycopg.pq.TransactionStatus.UNKNOWN,
        )


_cursor_names = itertools.count(1)


@contextmanager
def _translating() -> Iterator[None]:
    """The server's environment errors as JournalError (what ``errors.translating`` does
    for SQLite); errors in our SQL or constraints (a bug) go through unchanged."""
    try:
        yield
    except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled) as exc:
        raise JournalLocked(f"journal locked: {exc}") from exc
    except psycopg.errors.DiskFull as exc:
        raise JournalFull(f"journal full: {exc}") from exc
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        raise JournalReadOnly(f"journal read-only: {exc}") from exc
    except psycopg.OperationalError as exc:
        raise JournalUnavailable(f"the journal database cannot be used: {exc}") from exc


class PgDb:
    """What ``write()`` and ``read()`` yield: ``.conn``, as sqlite-utils' Database has."""

    def __init__(self, conn: PgConnection) -> None:
        self.conn = conn


class _ThreadState:
    """One thread's connection and transaction depth."""

    __slots__ = ("db", "depth")

    def __init__(self) -> None:
        self.db: PgDb | None = None
        self.depth = 0


class PgJournal:
    """One PostgreSQL journal; hands each thread its own connection."""

    dialect = POSTGRESQL

    def __init__(self, conninfo: str, *, shown_as: str, read_only: bool = False) -> None:
        self.conninfo = conninfo
        self.shown_as = shown_as  # the URL without its password, for messages
        self.read_only = read_only
        self._local = PerThread(_ThreadState)
        self._lock = threading.Lock()
        self._all: list[psycopg.Connection[Any]] = []
        self._closed = False
        self._closing: list[Callable[[], None]] = []  # on_close: the leases' connection

    @property
    def path(self) -> Path | None:
        return None

    def __repr__(self) -> str:
        return f"PgJournal({self.shown_as})"

    # -- connections ----------------------------------------------------------------------
    def db(self) -> PgDb:
        state = self._local.get()
        db = state.db
        if db is not None and db.conn.raw.closed and not state.depth:
            # the server dropped this connection (restarted, or the network was away): the
            # statement that met it raised JournalUnavailable; the next use connects anew
            with self._lock:
                if db.conn.raw in self._all:
                    self._all.remove(db.conn.raw)
            db = state.db = None
        if db is None:
            if self._closed:
                raise RuntimeError("the journal is closed")
            try:
                raw = psycopg.connect(self.conninfo, autocommit=True)
            except psycopg.OperationalError as exc:
                raise JournalUnavailable(
                    f"the journal database {self.shown_as} cannot be reached: {exc}"
                ) from exc
            if self.read_only:
                raw.execute("SET default_transaction_read_only = on")
            with self._lock:
                self._all.append(raw)
            db = state.db = PgDb(PgConnection(raw))
        return db

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the journal is closed (a connection of its own to end)."""
        with self._lock:
            self._closing.append(callback)

    def change_listener(self) -> PgChangeListener:
        """A listener for the journal's change notifications (``services.changes``)."""
        return PgChangeListener(self.conninfo, shown_as=self.shown_as)

    def close(self) -> None:
        with self._lock:
            closing, self._closing = self._closing, []
        for callback in closing:
            try:
                callback()
            except Exception:
                log.warning("closing a journal companion failed", exc_info=True)
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = PerThread(_ThreadState)

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[PgDb]:
        """One writer at a time across every till (advisory lock); nested: savepoints."""
        db = self.db()
        conn = db.conn
        state = self._local.get()
        if state.depth:
            name = f"sp{state.depth}"
            conn.execute(f"SAVEPOINT {name}")
            state.depth += 1
            try:
                yield db
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            finally:
                state.depth -= 1
            return
        for statement in POSTGRESQL.begin_write:
            conn.execute(statement)
        state.depth = 1
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            state.depth = 0

    @contextmanager
    def read(self) -> Iterator[PgDb]:
        """A consistent snapshot for several reads (inside a write: that write's view)."""
        db = self.db()
        conn = db.conn
        if self._local.get().depth or conn.in_transaction:
            yield db
            return
        conn.execute(POSTGRESQL.begin_read)
        try:
            yield db
        finally:
            if _in_transaction(conn):
                conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever anyone commits a change: every change appends an audit row."""
        row = self.db().conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
        return int(row[0]) if row else 0

    # -- schema ---------------------------------------------------------------------------
    def _applied(self, db: PgDb) -> list[str]:
        exists = db.conn.execute(POSTGRESQL.table_exists, ("journal_migrations",)).fetchone()
        if not exists:
            return []
        rows = db.conn.execute("SELECT name FROM journal_migrations ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]

    def schema_version(self) -> int:
        return len(self._applied(self.db()))

    def check_version(self) -> int:
        applied = self._applied(self.db())
        unknown = [name for name in applied if name not in mig.STEP_NAMES]
        if unknown or len(applied) > mig.SCHEMA_VERSION:
            raise JournalTooNew(
                f"the journal has schema steps {', '.join(unknown) or len(applied)}; this "
                f"posapp knows up to version {mig.SCHEMA_VERSION}"
            )
        if not applied:
            raise JournalForeign(f"{self.shown_as} holds no posapp journal")
        return len(applied)

    def migrate(self) -> int:
        """Apply the steps not applied yet, each with its record, under the write lock (two
        tills starting at once migrate one after the other)."""
        written = [name for name, _ in mig.POSTGRES_STEPS]
        if tuple(written) != mig.STEP_NAMES:
            missing = [name for name in mig.STEP_NAMES if name not in written]
            raise JournalUnavailable(
                f"schema steps {', '.join(missing) or '(order)'} are not written for "
                "PostgreSQL yet: this posapp can keep its journal in SQLite only"
            )
        with self.write() as db:
            conn = db.conn
            conn.execute(
                "CREATE TABLE IF NOT EXISTS journal_migrations "
                "(name TEXT PRIMARY KEY, applied_ms BIGINT NOT NULL)"
            )
            applied = self._applied(db)
            unknown = [name for name in applied if name not in mig.STEP_NAMES]
            if unknown:
                raise JournalTooNew(
                    f"the journal has schema steps {', '.join(unknown)}; this posapp knows "
                    f"up to version {mig.SCHEMA_VERSION}"
                )
            if not applied and _has_foreign_tables(db):
                raise JournalForeign(
                    f"{self.shown_as} holds another application's tables, not a posapp journal"
                )
            for name, script in mig.POSTGRES_STEPS:
                if name in applied:
                    continue
                conn.raw.execute(script)  # several statements: no parameters, no translation
                conn.execute(
                    "INSERT INTO journal_migrations (name, applied_ms) VALUES (?, ?)",
                    (name, int(time.time() * 1000)),
                )
            return len(mig.POSTGRES_STEPS)


def change_channel(schema: str) -> str:
    """The channel a journal's changes are announced on: one per schema (a database may
    hold several journals), short and plain whatever the schema's name (step 0008's trigger
    spells the same)."""
    return "posapp_" + hashlib.md5(schema.encode(), usedforsecurity=False).hexdigest()


class PgChangeListener:
    """One dedicated connection that LISTENs on the journal's channel.

    ``connect()`` opens it and listens; ``wait(timeout)`` returns True once one or more
    commits were announced (all pending notifications are consumed: one catch-up reads
    them all), False after ``timeout`` seconds of silence, and raises ``JournalUnavailable``
    when the connection is lost (the caller connects again and catches up). ``wake()``
    ends a wait at once from another thread.
    """

    def __init__(self, conninfo: str, *, shown_as: str) -> None:
        self.conninfo = conninfo
        self.shown_as = shown_as
        self.channel: str | None = None
        self._conn: psycopg.Connection[Any] | None = None
        # a socket pair, not a pipe: select() takes sockets on every platform
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.notifications = 0  # payloads received since the listener was made

    @property
    def backend_pid(self) -> int | None:
        conn = self._conn
        return None if conn is None or conn.closed else int(conn.info.backend_pid)

    def connect(self) -> None:
        self.close_connection()
        try:
            conn = psycopg.connect(
                self.conninfo, autocommit=True, application_name="posapp-changes"
            )
        except psycopg.OperationalError as exc:
            raise JournalUnavailable(
                f"the journal database {self.shown_as} cannot be reached: {exc}"
            ) from exc
        with _translating():
            row = conn.execute("SELECT current_schema()").fetchone()
            schema = str(row[0]) if row and row[0] else "public"
            self.channel = change_channel(schema)
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        self._conn = conn

    def wait(self, timeout: float) -> bool:
        conn = self._conn
        if conn is None or conn.closed:
            raise JournalUnavailable("the change listener is not connected")
        wake = self._wake_r.fileno()
        ready, _, _ = select.select([conn.fileno(), wake], [], [], max(0.0, timeout))
        if wake in ready:
            with suppress(BlockingIOError):
                self._wake_r.recv(512)
        if conn.fileno() not in ready:
            return False
        with _translating():
            heard = list(conn.notifies(timeout=0.0))
        self.notifications += len(heard)
        return bool(heard)

    def wake(self) -> None:
        with suppress(OSError):
            self._wake_w.send(b"x")

    def close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                conn.close()

    def close(self) -> None:
        self.close_connection()
        for end in (self._wake_r, self._wake_w):
            end.close()


def _in_transaction(conn: PgConnection) -> bool:
    return conn.in_transaction


def _has_foreign_tables(db: PgDb) -> bool:
    row = db.conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_name <> 'journal_migrations'"
    ).fetchone()
    return bool(row and row[0])


def open_pg_journal(
    conninfo: str, *, shown_as: str, migrate: bool = True, read_only: bool = False
) -> PgJournal:
    journal = PgJournal(conninfo, shown_as=shown_as, read_only=read_only)
    try:
        if migrate and not read_only:
            journal.migrate()
        else:
            journal.check_version()
        refuse_unfinished_copy(journal)
    except BaseException:
        journal.close()
        raise
    return journal


def refuse_unfinished_copy(journal: PgJournal) -> None:
    """A journal that ``posapp journal migrate`` is still filling (``copy.py``) is not
    opened: a till writing into it half-way would fork the audit chain being copied."""
    conn = journal.db().conn
    if not conn.execute(POSTGRESQL.table_exists, ("journal_copy",)).fetchone():
        return
    row = conn.execute("SELECT source FROM journal_copy WHERE completed_ms IS NULL").fetchone()
    if row is not None:
        raise JournalUnavailable(
            f"{journal.shown_as} is still being filled with a copy of {row[0]}: run "
            "`posapp journal migrate` again to finish it before any till uses this journal"
        )


__all__ = [
    "WRITE_LOCK_KEY",
    "PgChangeListener",
    "PgJournal",
    "change_channel",
    "open_pg_journal",
    "refuse_unfinished_copy",
]
