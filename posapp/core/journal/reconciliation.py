"""The journal's record of imported Antom reports and of what did not match.

One row per imported file (keyed by the SHA-256 of its bytes: the same file twice is
found, not imported again) and one row per discrepancy. Matched lines leave no row of
their own: a million matching lines cost one file row. Schema step 0005 (migrations.py
registers ``SCHEMA``); this module is the only code that writes these two tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from posapp.core.journal.errors import translating

if TYPE_CHECKING:  # db imports the migrations, which import SCHEMA from here
    from posapp.core.journal.db import Journal

SCHEMA = """
CREATE TABLE reconciliation_files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('TRANSACTIONS', 'SETTLEMENT')),
    first_day TEXT,
    last_day TEXT,
    lines INTEGER NOT NULL,
    matched INTEGER NOT NULL,
    settled INTEGER NOT NULL,
    discrepancies INTEGER NOT NULL,
    operator TEXT NOT NULL,
    imported_ms INTEGER NOT NULL
);
CREATE TABLE reconciliation_items (
    id INTEGER PRIMARY KEY,
    file INTEGER NOT NULL REFERENCES reconciliation_files (id),
    kind TEXT NOT NULL,
    line INTEGER,
    payment INTEGER REFERENCES payments (id),
    transaction_type TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    transaction_id TEXT NOT NULL DEFAULT '',
    reference_order_id TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT '',
    ours TEXT NOT NULL DEFAULT '',
    antom TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_reconciliation_items_file ON reconciliation_items (file, id);
CREATE INDEX ix_reconciliation_items_kind ON reconciliation_items (kind, id);
"""


class DiscrepancyKind(StrEnum):
    """What can differ between Antom's report and the journal."""

    ONLY_AT_ANTOM = "ONLY_AT_ANTOM"  # a line no journal record matches
    ONLY_IN_POSAPP = "ONLY_IN_POSAPP"  # a payment of a covered day no line names
    AMOUNT = "AMOUNT"
    CURRENCY = "CURRENCY"
    STATUS = "STATUS"
    DUPLICATE = "DUPLICATE"  # more than one successful payment for one order


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One difference. ``ours``/``antom``: the two sides' values as plain data (an amount in
    minor units, a status word); the screens and the CLI word them."""

    kind: DiscrepancyKind
    line: int | None = None
    payment: int | None = None
    transaction_type: str = ""
    request_id: str = ""
    transaction_id: str = ""
    reference_order_id: str = ""
    currency: str = ""
    ours: str = ""
    antom: str = ""
    file: int = 0
    file_name: str = ""
    id: int = 0

    def to_json(self) -> str:
        return json.dumps(
            [
                self.kind.value,
                self.line,
                self.payment,
                self.transaction_type,
                self.request_id,
                self.transaction_id,
                self.reference_order_id,
                self.currency,
                self.ours,
                self.antom,
            ]
        )

    @classmethod
    def from_json(cls, text: str) -> Discrepancy:
        k, line, payment, type_, rid, tid, ref, cur, ours, antom = json.loads(text)
        return cls(DiscrepancyKind(k), line, payment, type_, rid, tid, ref, cur, ours, antom)


@dataclass(frozen=True, slots=True)
class ImportedFile:
    id: int
    sha256: str
    name: str
    kind: str
    first_day: date | None
    last_day: date | None
    lines: int
    matched: int
    settled: int
    discrepancies: int
    operator: str
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What the Reconciliation view asks for: kinds (empty: all), one file, a search text
    (request id, order or Antom id)."""

    kinds: frozenset[DiscrepancyKind] = frozenset()
    file: int | None = None
    text: str = ""


_ITEM_COLUMNS = (
    "i.id, i.file, f.name, i.kind, i.line, i.payment, i.transaction_type, i.request_id, "
    "i.transaction_id, i.reference_order_id, i.currency, i.ours, i.antom"
)


class ReconciliationStore:
    """Reads and writes the reconciliation tables of one journal (any thread)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with translating(self.journal.path):
            return list(self.journal.db().conn.execute(sql, params).fetchall())

    # -- files ----------------------------------------------------------------------------
    def file_by_sha(self, sha256: str) -> ImportedFile | None:
        rows = self._rows("SELECT * FROM reconciliation_files WHERE sha256 = ?", (sha256,))
        return _file(rows[0]) if rows else None

    def files(self) -> list[ImportedFile]:
        return [_file(r) for r in self._rows("SELECT * FROM reconciliation_files ORDER BY id DESC")]

    def record_file(
        self,
        *,
        sha256: str,
        name: str,
        kind: str,
        first_day: date | None,
        last_day: date | None,
        lines: int,
        matched: int,
        settled: int,
        items: Iterable[Discrepancy],
        operator: str,
        at_ms: int,
    ) -> int:
        """The file and its discrepancies, in the caller's (or one new) write transaction."""
        with self.journal.write() as db:
            conn = db.conn
            cursor = conn.execute(
                "INSERT INTO reconciliation_files (sha256, name, kind, first_day, last_day, "
                "lines, matched, settled, discrepancies, operator, imported_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    sha256,
                    name,
                    kind,
                    None if first_day is None else first_day.isoformat(),
                    None if last_day is None else last_day.isoformat(),
                    lines,
                    matched,
                    settled,
                    operator,
                    at_ms,
                ),
            )
            file_id = int(cursor.lastrowid or 0)
            count = 0
            batch: list[tuple[Any, ...]] = []
            for item in items:
                count += 1
                batch.append(
                    (
                        file_id,
                        item.kind.value,
                        item.line,
                        item.payment,
                        item.transaction_type,
                        item.request_id,
                        item.transaction_id,
                        item.reference_order_id,
                        item.currency,
                        item.ours,
                        item.antom,
                    )
                )
                if len(batch) >= 5000:
                    _insert_items(conn, batch)
                    batch = []
            _insert_items(conn, batch)
            conn.execute(
                "UPDATE reconciliation_files SET discrepancies = ? WHERE id = ?", (count, file_id)
            )
        return file_id

    # -- discrepancies --------------------------------------------------------------------
    def items(
        self, where: ItemFilter | None = None, *, limit: int = 1000, offset: int = 0
    ) -> list[Discrepancy]:
        sql, params = _item_where(where or ItemFilter())
        rows = self._rows(
            f"SELECT {_ITEM_COLUMNS} FROM reconciliation_items i "  # noqa: S608 - our columns
            f"JOIN reconciliation_files f ON f.id = i.file {sql} ORDER BY i.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_item(r) for r in rows]

    def iter_items(self, where: ItemFilter | None = None) -> Iterator[Discrepancy]:
        """Every item of ``where``, a page at a time (exports)."""
        after = 0
        sql, params = _item_where(where or ItemFilter())
        glue = "AND" if sql else "WHERE"
        while True:
            rows = self._rows(
                f"SELECT {_ITEM_COLUMNS} FROM reconciliation_items i "  # noqa: S608
                f"JOIN reconciliation_files f ON f.id = i.file {sql} {glue} i.id > ? "
                "ORDER BY i.id LIMIT 2000",
                [*params, after],
            )
            if not rows:
                return
            for row in rows:
                yield _item(row)
            after = int(rows[-1][0])

    def count_items(self, where: ItemFilter | None = None) -> int:
        sql, params = _item_where(where or ItemFilter())
        rows = self._rows(
            "SELECT count(*) FROM reconciliation_items i "  # noqa: S608
            f"JOIN reconciliation_files f ON f.id = i.file {sql}",
            params,
        )
        return int(rows[0][0])


def _insert_items(conn: Any, batch: list[tuple[Any, ...]]) -> None:
    if batch:
        conn.executemany(
            "INSERT INTO reconciliation_items (file, kind, line, payment, transaction_type, "
            "request_id, transaction_id, reference_order_id, currency, ours, antom) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )


def _item_where(where: ItemFilter) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if where.kinds:
        kinds = sorted(k.value for k in where.kinds)
        parts.append(f"i.kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    if where.file is not None:
        parts.append("i.file = ?")
        params.append(where.file)
    text = where.text.strip()
    if text:
        parts.append("(i.request_id = ? OR i.reference_order_id = ? OR i.transaction_id = ?)")
        params.extend([text, text, text])
    return ("WHERE " + " AND ".join(parts)) if parts else "", params


def _file(row: tuple[Any, ...]) -> ImportedFile:
    return ImportedFile(
        id=int(row[0]),
        sha256=row[1],
        name=row[2],
        kind=row[3],
        first_day=date.fromisoformat(row[4]) if row[4] else None,
        last_day=date.fromisoformat(row[5]) if row[5] else None,
        lines=int(row[6]),
        matched=int(row[7]),
        settled=int(row[8]),
        discrepancies=int(row[9]),
        operator=row[10],
        imported_at=datetime.fromtimestamp(int(row[11]) / 1000, UTC),
    )


def _item(row: tuple[Any, ...]) -> Discrepancy:
    return Discrepancy(
        id=int(row[0]),
        file=int(row[1]),
        file_name=row[2],
        kind=DiscrepancyKind(row[3]),
        line=row[4],
        payment=row[5],
        transaction_type=row[6],
        request_id=row[7],
        transaction_id=row[8],
        reference_order_id=row[9],
        currency=row[10],
        ours=row[11],
        antom=row[12],
    )
