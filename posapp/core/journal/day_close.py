"""End of day in the journal: closed days and batch captures (schema step 0005 and its SQL).

Two records of their own, beside the payment tables that repository.py owns:

- ``day_closes``: one row per closed day, written once (triggers refuse updates and
  deletes). ``snapshot`` is the closed report as canonical JSON, ``digest`` its SHA-256; the
  DAY_CLOSED audit note carries the same digest, so the keyed audit chain vouches for the
  snapshot and a reprint can tell an edited row from the one that was signed.
- ``capture_batches`` / ``capture_batch_items``: "capture every hold" runs. An item gets its
  captureRequestId in the same transaction that journals the approval and the capture
  intent, so after a crash the journal tells which holds were never touched (no id), which
  were sent or may have been (an id whose capture is INTENT/PENDING: re-sent under that
  same id), and which are done.

Only reads and these tables' own writes live here; payment writes stay in the repository.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from posapp.core.domain import EventKind
from posapp.core.journal.audit import canonical_json

if TYPE_CHECKING:  # migrations.py imports this module's SQL: no import of the repository
    from posapp.core.journal.access import Db
    from posapp.core.journal.repository import JournalRepository

STEP_0005 = """
CREATE TABLE day_closes (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL UNIQUE,          -- YYYY-MM-DD in the till's time zone
    time_zone TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    closed_ms INTEGER NOT NULL,
    manager TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,            -- the report as it was closed (canonical JSON)
    digest TEXT NOT NULL               -- sha256 of snapshot, also in the audit chain
);
CREATE TRIGGER day_closes_no_update BEFORE UPDATE ON day_closes BEGIN
    SELECT RAISE(ABORT, 'a closed day is never changed');
END;
CREATE TRIGGER day_closes_no_delete BEFORE DELETE ON day_closes BEGIN
    SELECT RAISE(ABORT, 'a closed day is never changed');
END;

CREATE TABLE capture_batches (
    id INTEGER PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    manager TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('RUNNING', 'CANCELLED', 'FINISHED')),
    finished_ms INTEGER
);
CREATE TABLE capture_batch_items (
    batch INTEGER NOT NULL REFERENCES capture_batches (id),
    payment INTEGER NOT NULL REFERENCES payments (id),
    capture_request_id TEXT,
    PRIMARY KEY (batch, payment)
) WITHOUT ROWID;
CREATE INDEX ix_capture_batches_running ON capture_batches (id) WHERE state = 'RUNNING';
-- the day report reads one day of payments by creation time (ix_payments_created) and the
-- holds about to lapse by deadline (ix_payments_held): no new index needed for those
"""

# The same step for a PostgreSQL journal (migrations.POSTGRES_STEPS).
STEP_0005_POSTGRES = """
CREATE TABLE day_closes (
    id BIGSERIAL PRIMARY KEY,
    day TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    closed_ms BIGINT NOT NULL,
    manager TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    digest TEXT NOT NULL
);
CREATE FUNCTION posapp_day_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a closed day is never changed'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER day_closes_no_update BEFORE UPDATE ON day_closes
    FOR EACH ROW EXECUTE FUNCTION posapp_day_closed();
CREATE TRIGGER day_closes_no_delete BEFORE DELETE ON day_closes
    FOR EACH ROW EXECUTE FUNCTION posapp_day_closed();
CREATE TABLE capture_batches (
    id BIGSERIAL PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    manager TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('RUNNING', 'CANCELLED', 'FINISHED')),
    finished_ms BIGINT
);
CREATE TABLE capture_batch_items (
    batch BIGINT NOT NULL REFERENCES capture_batches (id),
    payment BIGINT NOT NULL REFERENCES payments (id),
    capture_request_id TEXT,
    PRIMARY KEY (batch, payment)
);
CREATE INDEX ix_capture_batches_running ON capture_batches (id) WHERE state = 'RUNNING';
"""

# Payment columns the day report reads (never card data beyond brand).
_DAY_COLUMNS = (
    "id, reference_order_id, amount_minor, currency, capture_mode, card_brand, status, "
    "authorised_ms, capture_deadline_ms, captured_minor, refunded_minor, operator, "
    "terminal_id, created_ms"
)


@dataclass(frozen=True, slots=True)
class DayRow:
    """One payment as the day report needs it."""

    id: int
    reference_order_id: str
    amount_minor: int
    currency: str
    capture_mode: str
    card_brand: str
    status: str
    authorised_ms: int | None
    capture_deadline_ms: int | None
    captured_minor: int
    refunded_minor: int
    operator: str
    terminal_id: str
    created_ms: int
    capturing_minor: int = 0  # captures journaled but not yet confirmed


@dataclass(frozen=True, slots=True)
class ClosedDay:
    day: str
    time_zone: str
    closed_at: datetime
    manager: str
    terminal_id: str
    snapshot: str
    digest: str

    @property
    def intact(self) -> bool:
        return digest_of(self.snapshot) == self.digest


@dataclass(frozen=True, slots=True)
class BatchItem:
    payment: int
    capture_request_id: str | None


@dataclass(frozen=True, slots=True)
class CaptureBatch:
    id: int
    created_at: datetime
    manager: str
    state: str
    items: tuple[BatchItem, ...]


class DayCloseError(Exception):
    """The day is closed already (or its record cannot be written)."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def digest_of(snapshot: str) -> str:
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


class EndOfDayStore:
    """Reads for the day report and the writes of this module's own tables."""

    def __init__(self, repo: JournalRepository) -> None:
        self.repo = repo

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.repo.journal.read() as db:
            return list(db.conn.execute(sql, params).fetchall())

    # -- the day's payments -------------------------------------------------------------
    def payments_between(self, start_ms: int, end_ms: int) -> list[DayRow]:
        """Payments created in [start, end), with what is being captured for each."""
        rows = self._read(
            f"SELECT {_DAY_COLUMNS}, "  # noqa: S608 - column names are ours
            "(SELECT COALESCE(SUM(c.amount_minor), 0) FROM captures c WHERE c.payment = p.id "
            "AND c.status IN ('INTENT', 'PENDING')) "
            "FROM payments p WHERE created_ms >= ? AND created_ms < ? ORDER BY created_ms, id",
            (start_ms, end_ms),
        )
        return [_day_row(row, int(row[14])) for row in rows]

    def holds_lapsing(self, now_ms: int, until_ms: int) -> list[DayRow]:
        """Held authorisations whose capture window ends in [now, until)."""
        rows = self._read(
            f"SELECT {_DAY_COLUMNS} FROM payments "  # noqa: S608 - column names are ours
            "WHERE status = 'AUTHORISED' AND capture_deadline_ms >= ? "
            "AND capture_deadline_ms < ? ORDER BY capture_deadline_ms, id",
            (now_ms, until_ms),
        )
        return [_day_row(row) for row in rows]

    def holds_between(self, start_ms: int, end_ms: int, now_ms: int) -> list[int]:
        """Ids of the held payments created in [start, end) still inside their window."""
        rows = self._read(
            "SELECT id FROM payments WHERE status = 'AUTHORISED' AND created_ms >= ? "
            "AND created_ms < ? AND (capture_deadline_ms IS NULL OR capture_deadline_ms > ?) "
            "AND payment_id IS NOT NULL ORDER BY created_ms, id",
            (start_ms, end_ms, now_ms),
        )
        return [int(r[0]) for r in rows]

    # -- closed days --------------------------------------------------------------------
    def closed(self, day: str) -> ClosedDay | None:
        try:
            rows = self._read(
                "SELECT day, time_zone, closed_ms, manager, terminal_id, snapshot, digest "
                "FROM day_closes WHERE day = ?",
                (day,),
            )
        except sqlite3.OperationalError:  # a journal from before step 0005, opened read-only
            return None
        if not rows:
            return None
        d, tz, closed_ms, manager, terminal, snapshot, digest = rows[0]
        return ClosedDay(d, tz, from_ms(int(closed_ms)), manager, terminal, snapshot, digest)

    def record_close(
        self,
        *,
        day: str,
        time_zone: str,
        start: datetime,
        end: datetime,
        closed_at: datetime,
        manager: str,
        terminal_id: str,
        snapshot: dict[str, Any],
    ) -> ClosedDay:
        """Journal the closed day and its DAY_CLOSED audit note in one transaction."""
        text = canonical_json(snapshot)
        digest = digest_of(text)
        try:
            with self.repo.transaction():
                with self.repo.journal.write() as db:
                    _insert_close(
                        db,
                        (day, time_zone, to_ms(start), to_ms(end), to_ms(closed_at)),
                        (manager, terminal_id, text, digest),
                    )
                self.repo.record_event(
                    EventKind.NOTE,
                    operator=manager,
                    terminal_id=terminal_id,
                    detail={
                        "note": "day closed",
                        "day": day,
                        "digest": digest,
                        "totals": snapshot.get("totals", []),
                    },
                )
        except sqlite3.IntegrityError:
            raise DayCloseError(f"{day} is closed already") from None
        return ClosedDay(day, time_zone, closed_at, manager, terminal_id, text, digest)

    # -- capture batches ----------------------------------------------------------------
    def create_batch(
        self, payments: Sequence[int], *, manager: str, terminal_id: str, at: datetime
    ) -> int:
        with self.repo.journal.write() as db:
            row = db.conn.execute(
                "INSERT INTO capture_batches (created_ms, manager, terminal_id, state) "
                "VALUES (?, ?, ?, 'RUNNING') RETURNING id",
                (to_ms(at), manager, terminal_id),
            ).fetchone()
            batch = int(row[0])
            db.conn.executemany(
                "INSERT INTO capture_batch_items (batch, payment) VALUES (?, ?)",
                [(batch, p) for p in payments],
            )
        return batch

    def assign(self, batch: int, payment: int, capture_request_id: str) -> None:
        """Give an item its captureRequestId (inside the caller's intent transaction)."""
        with self.repo.journal.write() as db:
            db.conn.execute(
                "UPDATE capture_batch_items SET capture_request_id = ? "
                "WHERE batch = ? AND payment = ? AND capture_request_id IS NULL",
                (capture_request_id, batch, payment),
            )

    def finish_batch(self, batch: int, state: str, at: datetime) -> None:
        with self.repo.journal.write() as db:
            db.conn.execute(
                "UPDATE capture_batches SET state = ?, finished_ms = ? WHERE id = ?",
                (state, to_ms(at), batch),
            )

    def batch(self, batch: int) -> CaptureBatch | None:
        head = self._read(
            "SELECT id, created_ms, manager, state FROM capture_batches WHERE id = ?", (batch,)
        )
        if not head:
            return None
        items = self._read(
            "SELECT payment, capture_request_id FROM capture_batch_items WHERE batch = ? "
            "ORDER BY payment",
            (batch,),
        )
        bid, created_ms, manager, state = head[0]
        return CaptureBatch(
            int(bid),
            from_ms(int(created_ms)),
            str(manager),
            str(state),
            tuple(BatchItem(int(p), r) for p, r in items),
        )

    def unfinished_batch(self) -> CaptureBatch | None:
        """The latest batch that neither finished nor was cancelled (a crash, a quit)."""
        rows = self._read(
            "SELECT id FROM capture_batches WHERE state = 'RUNNING' ORDER BY id DESC LIMIT 1"
        )
        return self.batch(int(rows[0][0])) if rows else None


def _day_row(row: Sequence[Any], capturing: int = 0) -> DayRow:
    return DayRow(
        id=int(row[0]),
        reference_order_id=str(row[1]),
        amount_minor=int(row[2]),
        currency=str(row[3]),
        capture_mode=str(row[4]),
        card_brand=str(row[5]),
        status=str(row[6]),
        authorised_ms=None if row[7] is None else int(row[7]),
        capture_deadline_ms=None if row[8] is None else int(row[8]),
        captured_minor=int(row[9] or 0),
        refunded_minor=int(row[10] or 0),
        operator=str(row[11]),
        terminal_id=str(row[12]),
        created_ms=int(row[13]),
        capturing_minor=capturing,
    )


def _insert_close(db: Db, when: tuple[Any, ...], who: tuple[Any, ...]) -> None:
    db.conn.execute(
        "INSERT INTO day_closes (day, time_zone, start_ms, end_ms, closed_ms, manager, "
        "terminal_id, snapshot, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*when, *who),
    )
