"""The sandbox's SQLite state: payments, captures, refunds, notifications and its clock.

One connection guarded by one lock (a cross-process one when several sandbox processes share
the file): every API call is a short transaction, and the expensive part of a request (RSA)
happens outside the lock. Times are integer microseconds on the
sandbox clock. Cards are kept as a masked number plus a keyed fingerprint only; card tokens as a keyed
hash and an id (see tokens.py).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

log = logging.getLogger("posapp.sandbox")

DB_NAME = "sandbox.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    payment_id TEXT PRIMARY KEY,
    payment_request_id TEXT NOT NULL UNIQUE,
    reference_order_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,             -- PROCESSING / SUCCESS / FAIL / CANCELLED
    result_code TEXT NOT NULL,
    result_message TEXT NOT NULL,
    capture_mode TEXT NOT NULL,       -- AUTOMATIC / MANUAL
    scenario TEXT NOT NULL,           -- the card's scenario name
    created_us INTEGER NOT NULL,
    paid_us INTEGER,                  -- authorised at
    auth_expiry_us INTEGER,           -- capture deadline (authorised + 7 days)
    expires_us INTEGER NOT NULL,      -- paymentExpiryTime
    settle_us INTEGER,                -- a slow authorisation settles then
    settle_outcome TEXT,              -- SUCCESS / FAIL for slow authorisations
    challenge_token TEXT UNIQUE,      -- the 3DS OTP page
    cancelled_us INTEGER,
    released_us INTEGER,              -- the held authorisation ran out (7 days)
    card_fingerprint TEXT NOT NULL,
    card_masked TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    notify_url TEXT,
    redirect_url TEXT,
    result_info TEXT NOT NULL         -- paymentResultInfo (JSON, masked card data only)
);
-- No index on reference_order_id or card_fingerprint: only the ledger (an admin view that
-- reads every payment anyway) groups by them, and each index costs every pay a B-tree write.
DROP INDEX IF EXISTS payments_order;
DROP INDEX IF EXISTS payments_card;
CREATE INDEX IF NOT EXISTS payments_settle ON payments(settle_us) WHERE status = 'PROCESSING';
CREATE INDEX IF NOT EXISTS payments_expiry ON payments(expires_us) WHERE status = 'PROCESSING';
CREATE INDEX IF NOT EXISTS payments_auth ON payments(auth_expiry_us) WHERE status = 'SUCCESS';
CREATE TABLE IF NOT EXISTS captures (
    capture_id TEXT PRIMARY KEY,
    capture_request_id TEXT NOT NULL UNIQUE,
    payment_id TEXT NOT NULL REFERENCES payments(payment_id),
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,             -- PROCESSING / SUCCESS
    created_us INTEGER NOT NULL,
    capture_us INTEGER,
    settle_us INTEGER,
    request_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS captures_payment ON captures(payment_id);
CREATE TABLE IF NOT EXISTS refunds (
    refund_id TEXT PRIMARY KEY,
    refund_request_id TEXT NOT NULL UNIQUE,
    payment_id TEXT NOT NULL REFERENCES payments(payment_id),
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,             -- PROCESSING / SUCCESS
    created_us INTEGER NOT NULL,
    refund_us INTEGER,
    settle_us INTEGER,
    request_hash TEXT NOT NULL,
    notify_url TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS refunds_payment ON refunds(payment_id);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,               -- notifyPayment / notifyCapture / notifyRefund
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_us INTEGER,                  -- NULL once acknowledged or given up
    acked_us INTEGER,
    last_error TEXT
);
-- Card tokens (16): the token itself is never stored, only its keyed hash (the lookup key)
-- and the random id it is rebuilt from with the state dir's secret (tokens.py).
CREATE TABLE IF NOT EXISTS card_tokens (
    token_hash TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    merchant_account TEXT NOT NULL,   -- merchantAccountId of the storing payment, else client id
    card_fingerprint TEXT NOT NULL,
    card_masked TEXT NOT NULL,
    card_brand TEXT NOT NULL,         -- the scheme the number's prefix names
    expiry_month TEXT NOT NULL,
    expiry_year TEXT NOT NULL,
    holder_name TEXT,
    issuing_country TEXT NOT NULL,
    scenario TEXT NOT NULL,           -- the card's test-card row
    payment_id TEXT NOT NULL REFERENCES payments(payment_id),
    created_us INTEGER NOT NULL,
    deleted_us INTEGER                -- removed (deleteToken)
);
CREATE INDEX IF NOT EXISTS card_tokens_card ON card_tokens(card_fingerprint, merchant_account)
    WHERE deleted_us IS NULL;
CREATE INDEX IF NOT EXISTS notifications_due ON notifications(next_us) WHERE next_us IS NOT NULL;
"""


class NewerSchemaError(sqlite3.DatabaseError):
    """The state dir was written by a newer posapp: refuse rather than guess."""


# SQLite primary result codes for a damaged file (sqlite3.h)
_CORRUPT, _NOTADB = 11, 26


def is_corruption(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says the file itself is damaged (not a disk or permission problem)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_CORRUPT, _NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


class StoreUnavailable(Exception):
    """The sandbox's database cannot be opened or written (disk full, read-only, no
    permission); one line for the user. Nothing was renamed."""

    def __init__(self, path: Path, exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        super().__init__(f"the training sandbox cannot use {path}: {reason}")
        self.path = path
        self.message = str(self)


class Store:
    """The connection and its lock. ``tx()`` is the only way in."""

    def __init__(
        self,
        state_dir: Path | None,
        *,
        lock: AbstractContextManager[object] | None = None,
        recover: bool = True,
    ) -> None:
        """``lock``: what serialises access (default: a lock of this process; several
        processes on one file pass a cross-process lock, see shared.py). ``recover``: move
        a damaged file aside and start afresh (the first process only)."""
        if state_dir is None:
            target = ":memory:"
        else:
            try:
                state_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(state_dir, exc) from exc
            target = str(state_dir / DB_NAME)
        self.path = None if state_dir is None else state_dir / DB_NAME
        self._lock: AbstractContextManager[object] = lock or threading.RLock()
        try:
            with self._lock:
                self._conn = self._open(target)
        except sqlite3.DatabaseError as exc:
            if self.path is None or isinstance(exc, NewerSchemaError) or not recover:
                raise
            if not is_corruption(exc):
                # a full or read-only disk, a missing permission: the file is fine and
                # moving it aside would lose the sandbox's payments for nothing
                raise StoreUnavailable(self.path, exc) from exc
            # A damaged simulator database is not worth a dead training mode: keep the file
            # for a post-mortem and start with an empty one (the keys live in their own files).
            aside = self.path.with_name(f"{DB_NAME}.damaged-{int(time.time())}")
            log.warning("sandbox state %s is damaged (%s); moved to %s", self.path, exc, aside)
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(self.path) + suffix)
                if part.exists():
                    part.replace(Path(str(aside) + suffix))
            self._conn = self._open(target)

    def _open(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None, timeout=10.0)
        try:
            conn.row_factory = sqlite3.Row
            if target != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
                # The sandbox is the only user of its file. synchronous=OFF keeps commits
                # atomic and durable across a crash of the process (what tests and restarts
                # need) at a quarter of the cost of NORMAL; an OS crash may damage the file,
                # which __init__ then moves aside.
                conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
                )
            elif int(row[0]) > SCHEMA_VERSION:
                raise NewerSchemaError(
                    f"{target}: written by a newer posapp (sandbox schema {row[0]})"
                )
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction under the store lock (nested calls join the outer one)."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """The connection under the store lock, with no explicit transaction: for reads
        (consistent, since every write holds the same lock) and single autocommit writes."""
        with self._lock:
            yield self._conn

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
