"""Payment leases: one process at a time inquires, re-sends or sends for a given payment.

Several tills (processes) share one journal, and each runs a poller and a start-up recovery
that would otherwise settle every unsettled payment at once. Before a process asks Antom
about a payment, or sends a capture/cancel/refund for it, it takes that payment's lease;
a payment leased by another live holder is left alone. A lease is held for one step (one
inquiry and what it leads to, or one send and its answer) and given back at once.

- **PostgreSQL**: a session-level advisory lock, ``pg_try_advisory_lock(key)`` with ``key``
  = ``LEASE_KEY_SPACE`` in the high 32 bits and the payment id in the low 32, taken on one
  dedicated connection per process (``PgLeases``). A till that dies or loses the network
  drops that connection, and the server frees its leases at once: nothing to expire, no
  clock to trust. The key space differs from the journal's write lock (``WRITE_LOCK_KEY``).
- **SQLite** (several processes on one data folder), where the OS has open-file-description
  locks (Linux): a one-byte lock at offset = payment id in ``<journal>.leases`` beside the
  journal (``FileLeases``). Like the advisory lock, it belongs to this process's open file
  and the kernel drops it when the process ends, however it ends; taking and giving one
  back writes nothing, so it costs no disk sync (a lease row would cost two a step, and
  batch capture journals a whole chunk of holds in one sync).
- **SQLite elsewhere** (macOS, Windows): a row of ``payment_leases`` (payment, holder,
  expiry) written under the journal's write lock (``SqliteLeases``). A lease is taken over
  when it has expired (``LEASE_TTL_MS``, longer than any one step: a client timeout of 10 s
  and its retries) or, at once, when its holder is a process of this machine that no longer
  runs. The holder is ``host/pid/random``.

Within one process the same payment is never leased twice (the poller's workers, recovery
and the back office share one ``Leases`` per journal: ``leases_for``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_fcntl: Any
try:
    import fcntl as _fcntl
except ImportError:  # Windows: lease rows (SqliteLeases)
    _fcntl = None

log = logging.getLogger(__name__)

# the high 32 bits of a payment's advisory lock key ("posL"); the write lock uses "posa..."
LEASE_KEY_SPACE = 0x706F734C
LEASE_TTL_MS = 120_000  # SQLite: a lease not given back (a crash) is free after this
WAIT_STEP = 0.05  # seconds between two tries of a lease that is waited for

SQLITE_SCHEMA = """
CREATE TABLE payment_leases (
    payment INTEGER PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
"""

# PostgreSQL leases are advisory locks; the table is there so that both journals have the
# same tables. The trigger announces, on the journal's channel (pg.change_channel), every
# statement that appends audit rows; the server delivers at commit only, and merges the
# identical notifications of one transaction into one: one per committed write, however
# many rows it wrote (a bulk copy of a million events is one notification, not a million).
# The listener reads what changed from the audit log (services/changes.py).
PG_SCHEMA = """
CREATE TABLE payment_leases (
    payment BIGINT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE FUNCTION posapp_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('posapp_' || md5(TG_TABLE_SCHEMA), 'events');
    RETURN NULL;
END $$;
CREATE TRIGGER events_announce AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION posapp_announce_change();
"""


def lease_key(payment: int) -> int:
    """The advisory lock key of ``payment``'s lease."""
    if not 0 < payment < 1 << 32:
        raise ValueError(f"payment id {payment} is outside the lease key space")
    return (LEASE_KEY_SPACE << 32) | payment


class Leases:
    """One process's leases on one journal; thread-safe. Subclasses take and give back the
    lease across processes (``_take``/``_give``); this class keeps a process from leasing
    one payment twice."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self._lock = threading.Lock()
        self._held: set[int] = set()
        self.taken = 0  # leases taken (for tests and diagnostics)
        self.refused = 0  # tries refused: another holder had the payment

    def held(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._held)

    def try_acquire(self, payment: int) -> bool:
        """Take ``payment``'s lease if nobody holds it; False if someone does (or the
        journal cannot be asked: nothing is done for a payment without its lease)."""
        with self._lock:
            if payment in self._held:
                self.refused += 1
                return False
            self._held.add(payment)
        try:
            ok = self._take(payment)
        except Exception:
            log.warning("the lease of payment %s could not be taken", payment, exc_info=True)
            ok = False
        with self._lock:
            if ok:
                self.taken += 1
            else:
                self._held.discard(payment)
                self.refused += 1
        return ok

    def acquire(self, payment: int, *, wait: float) -> bool:
        """Take ``payment``'s lease, waiting up to ``wait`` seconds for its holder to give
        it back (a poller holds it for one inquiry)."""
        deadline = time.monotonic() + wait
        while not self.try_acquire(payment):
            if time.monotonic() >= deadline:
                return False
            time.sleep(WAIT_STEP)
        return True

    def release(self, payment: int) -> None:
        with self._lock:
            if payment not in self._held:
                return
        try:
            self._give(payment)
        except Exception:  # the journal is away: the lease lapses with the connection/expiry
            log.warning("the lease of payment %s could not be given back", payment, exc_info=True)
        finally:
            with self._lock:
                self._held.discard(payment)

    @contextmanager
    def holding(self, payment: int) -> Iterator[bool]:
        """``with leases.holding(id) as mine:``: ``mine`` says whether the lease was taken;
        it is given back on leaving."""
        mine = self.try_acquire(payment)
        try:
            yield mine
        finally:
            if mine:
                self.release(payment)

    def close(self) -> None:
        for payment in self.held():
            self.release(payment)

    # -- the cross-process part ---------------------------------------------------------
    def _take(self, payment: int) -> bool:
        raise NotImplementedError

    def _give(self, payment: int) -> None:
        raise NotImplementedError


def _holder() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


class PgLeases(Leases):
    """Advisory locks on one dedicated connection; a lost connection is opened again."""

    def __init__(self, conninfo: str) -> None:
        super().__init__(_holder())
        self.conninfo = conninfo
        self._conn_lock = threading.Lock()
        self._conn: Any = None
        self._closed = False

    @property
    def backend_pid(self) -> int | None:
        """The server process of the lease connection (tests end it to play a dead till)."""
        conn = self._conn
        return None if conn is None or conn.closed else int(conn.info.backend_pid)

    def _connection(self) -> Any:
        import psycopg

        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if self._closed:
                raise RuntimeError("the leases are closed")
            conn = psycopg.connect(self.conninfo, autocommit=True, application_name="posapp-leases")
            if self._conn is not None and self.held():
                # a new connection holds none of the old one's locks: the steps under way
                # finish, and another till may take those payments from now on
                log.warning("the lease connection was lost: its leases were freed")
            self._conn = conn
        return conn

    def _ask(self, sql: str, payment: int) -> bool:
        import psycopg

        with self._conn_lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    row = conn.execute(sql, (lease_key(payment),)).fetchone()
                    return bool(row and row[0])
                except psycopg.OperationalError:
                    conn.close()
                    if attempt == 2:
                        raise
            return False  # pragma: no cover - the loop returns or raises

    def _take(self, payment: int) -> bool:
        return self._ask("SELECT pg_try_advisory_lock(%s)", payment)

    def _give(self, payment: int) -> None:
        import psycopg

        with self._conn_lock:
            conn = self._conn
            if conn is None or conn.closed or conn.broken:
                return  # the server freed it with the connection
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (lease_key(payment),))
            except psycopg.OperationalError:
                conn.close()

    def close(self) -> None:
        self._closed = True
        with self._conn_lock:
            conn, self._conn = self._conn, None
        with self._lock:
            self._held.clear()
        if conn is not None:
            conn.close()  # the server frees every lease of this connection


class SqliteLeases(Leases):
    """Lease rows in the journal file, written under its write lock."""

    def __init__(self, journal: Any, *, ttl_ms: int = LEASE_TTL_MS) -> None:
        super().__init__(_holder())
        self.journal = journal
        self.ttl_ms = ttl_ms

    def _take(self, payment: int) -> bool:
        now = int(time.time() * 1000)
        with self.journal.write() as db:
            row = db.conn.execute(
                "SELECT holder, expires_ms FROM payment_leases WHERE payment = ?", (payment,)
            ).fetchone()
            if row is not None:
                holder, expires = str(row[0]), int(row[1])
                if holder != self.holder and expires > now and _alive(holder):
                    return False
            db.conn.execute(
                "INSERT INTO payment_leases (payment, holder, expires_ms) VALUES (?, ?, ?) "
                "ON CONFLICT (payment) DO UPDATE SET holder = excluded.holder, "
                "expires_ms = excluded.expires_ms",
                (payment, self.holder, now + self.ttl_ms),
            )
        return True

    def _give(self, payment: int) -> None:
        with self.journal.write() as db:
            db.conn.execute(
                "DELETE FROM payment_leases WHERE payment = ? AND holder = ?",
                (payment, self.holder),
            )


class FileLeases(Leases):
    """One-byte open-file-description locks (``F_OFD_SETLK``) in a file beside the journal.

    Unlike POSIX record locks, these belong to the open file, not the process: two journals
    opened in one process exclude each other as two processes do, and closing one file
    does not drop the other's locks. The kernel frees them when the file is closed or the
    process dies.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(_holder())
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._fd_lock = threading.Lock()

    @staticmethod
    def supported() -> bool:
        return _fcntl is not None and hasattr(_fcntl, "F_OFD_SETLK")

    def _record_lock(self, payment: int, kind: int) -> bool:
        fcntl = _fcntl
        if not 0 < payment < 1 << 62:
            raise ValueError(f"payment id {payment} is outside the lease file")
        # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks), padded
        request = struct.pack("hhqqi4x", kind, os.SEEK_SET, payment, 1, 0)
        with self._fd_lock:
            if self._fd < 0:
                return False
            try:
                fcntl.fcntl(self._fd, fcntl.F_OFD_SETLK, request)
            except (BlockingIOError, PermissionError):
                return False
        return True

    def _take(self, payment: int) -> bool:
        return self._record_lock(payment, _fcntl.F_WRLCK)

    def _give(self, payment: int) -> None:
        self._record_lock(payment, _fcntl.F_UNLCK)

    def close(self) -> None:
        with self._fd_lock:
            fd, self._fd = self._fd, -1
        with self._lock:
            self._held.clear()
        if fd >= 0:
            os.close(fd)  # the kernel frees every lease of this file


def _alive(holder: str) -> bool:
    """False when ``holder`` is a process of this machine that no longer runs."""
    host, _, rest = holder.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or os.name != "posix":
        return True  # another machine's, or no safe way to ask (os.kill ends it on Windows)
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_BY_JOURNAL: weakref.WeakKeyDictionary[Any, Leases] = weakref.WeakKeyDictionary()
_BY_JOURNAL_LOCK = threading.Lock()


def leases_for(journal: Any) -> Leases:
    """This process's leases on ``journal`` (one per open journal, shared by the poller,
    recovery and the sending paths): advisory locks on PostgreSQL, rows on SQLite."""
    with _BY_JOURNAL_LOCK:
        leases = _BY_JOURNAL.get(journal)
        if leases is None:
            conninfo = getattr(journal, "conninfo", None)
            if isinstance(conninfo, str):
                pg = PgLeases(conninfo)
                on_close: Callable[[Callable[[], None]], None] | None = getattr(
                    journal, "on_close", None
                )
                if on_close is not None:
                    on_close(pg.close)
                leases = pg
            else:
                path = getattr(journal, "path", None)
                if isinstance(path, Path) and FileLeases.supported():
                    files = FileLeases(path.with_name(path.name + ".leases"))
                    on_close = getattr(journal, "on_close", None)
                    if on_close is not None:
                        on_close(files.close)
                    else:
                        weakref.finalize(journal, files.close)
                    leases = files
                else:
                    leases = SqliteLeases(journal)
            _BY_JOURNAL[journal] = leases
        return leases
