"""The order list: filters, keyset paging both ways, rows by position, the held list and
counts by status: what the Orders screen pages through.

Every query here is served by an index (see migrations.py) so that it stays fast at a
million payments: the list walks ``(created_ms, id)``, optionally per status, and a search
(``posapp.core.journal.search``, the one definition the screens' live inserts use too) adds
one indexed arm per searched column, merged with UNION rather than OR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from posapp.core.domain import Payment, PaymentStatus
from posapp.core.journal.access import JournalAccess
from posapp.core.journal.dialect import SQLITE, Dialect
from posapp.core.journal.errors import translating
from posapp.core.journal.rows import to_ms, to_payment
from posapp.core.journal.search import text_arms

DEFAULT_PAGE_SIZE = 50
KEY_COLUMNS = "id, created_ms"  # what identifies and orders a row of the list
HELD_KEY_COLUMNS = "id, capture_deadline_ms"  # the same for the held list
MAX_PAGE_SIZE = 1000


class PageDirection(StrEnum):
    FIRST = "FIRST"  # newest page
    OLDER = "OLDER"  # the page after ``cursor`` going back in time
    NEWER = "NEWER"  # the page before ``cursor`` going forward in time
    LAST = "LAST"  # oldest page ("jump to end")


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the order list: (created time, local id) of a row."""

    created_ms: int
    id: int

    @classmethod
    def of(cls, payment: Payment) -> Cursor:
        return cls(to_ms(payment.created_at), payment.id)


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    """Order-list filter. Empty ``statuses`` means all; ``text`` searches (see below).

    ``text``: the order-list search (``posapp.core.journal.search``): four digits match the
    card's last 4; any text matches the start of the order reference (case-insensitive), of
    Antom's paymentId and of the paymentRequestId.
    """

    statuses: frozenset[PaymentStatus] = frozenset()
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    text: str = ""
    terminal: str = ""  # one till's payments (its terminal id); empty: every till's

    @property
    def counted(self) -> bool:
        """Whether the status counts kept by triggers answer how many rows match."""
        return not self.terminal and self.created_from is None and self.created_to is None


@dataclass(frozen=True, slots=True)
class PageRequest:
    direction: PageDirection = PageDirection.FIRST
    cursor: Cursor | None = None
    size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the order list, newest first, with what lies on either side."""

    rows: tuple[Payment, ...]
    has_newer: bool
    has_older: bool
    size: int = DEFAULT_PAGE_SIZE

    def older(self) -> PageRequest | None:
        if not self.rows or not self.has_older:
            return None
        return PageRequest(PageDirection.OLDER, Cursor.of(self.rows[-1]), self.size)

    def newer(self) -> PageRequest | None:
        if not self.rows or not self.has_newer:
            return None
        return PageRequest(PageDirection.NEWER, Cursor.of(self.rows[0]), self.size)


@dataclass(frozen=True, slots=True)
class HeldCursor:
    """Position in the held-authorisations list: (capture deadline, local id)."""

    deadline_ms: int
    id: int


class OrderList:
    """Pages, positions, the held list and counts of the journal's payments."""

    def __init__(self, access: JournalAccess) -> None:
        self.access = access

    def list_payments(
        self, filter: PaymentFilter | None = None, page: PageRequest | None = None
    ) -> Page:
        """One page of the order list (newest first), keyset-paginated both ways.

        FIRST is the newest page, LAST the oldest ("jump to end"); OLDER/NEWER continue
        from ``page.cursor`` (use ``Page.older()`` / ``Page.newer()``).
        """
        filter = filter or PaymentFilter()
        page = page or PageRequest()
        size = max(1, min(int(page.size), MAX_PAGE_SIZE))
        direction = page.direction
        if direction in (PageDirection.OLDER, PageDirection.NEWER) and page.cursor is None:
            direction = (
                PageDirection.FIRST if direction is PageDirection.OLDER else PageDirection.LAST
            )
        descending = direction in (PageDirection.FIRST, PageDirection.OLDER)
        sql, params = list_sql(
            filter, direction, page.cursor, size + 1, descending, self.access.dialect
        )
        with translating(self.access.journal.path):
            rows = self.access.rows(self.access.journal.db(), sql, params)
        more = len(rows) > size
        rows = rows[:size]
        payments = [to_payment(r) for r in rows]
        if not descending:
            payments.reverse()
        came_from_cursor = page.cursor is not None and direction in (
            PageDirection.OLDER,
            PageDirection.NEWER,
        )
        if direction is PageDirection.FIRST:
            has_newer, has_older = False, more
        elif direction is PageDirection.LAST:
            has_newer, has_older = more, False
        elif direction is PageDirection.OLDER:
            has_newer, has_older = came_from_cursor, more
        else:
            has_newer, has_older = more, came_from_cursor
        return Page(tuple(payments), has_newer=has_newer, has_older=has_older, size=size)

    def held_authorisations(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        after: HeldCursor | None = None,
        terminal: str = "",
    ) -> list[Payment]:
        """AUTHORISED payments, the one with the least time left to capture first
        (``terminal``: one till's; the held index still bounds the walk: holds lapse after
        7 days, so the list is short)."""
        return self.held_page(PaymentFilter(terminal=terminal), limit=limit, after=after)

    def held_page(
        self,
        filter: PaymentFilter | None = None,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        after: HeldCursor | None = None,
        before: HeldCursor | None = None,
    ) -> list[Payment]:
        """A page of the held list (AUTHORISED, least time left first) with ``filter``'s
        search, period and terminal (its statuses are ignored): the ``limit`` rows right
        after ``after``, right before ``before`` (still least time left first), or the
        first ones."""
        filter = filter or PaymentFilter()
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        sql, params = held_sql(filter, limit, self.access.dialect, after=after, before=before)
        payments = [to_payment(r) for r in self.access.read(sql, params)]
        if before is not None:
            payments.reverse()
        return payments

    def count_held(self, filter: PaymentFilter | None = None) -> int:
        """How many rows the held list has with ``filter`` (each search arm counted from its
        index, on the key columns only)."""
        filter = filter or PaymentFilter()
        dialect = self.access.dialect
        sql, params = held_sql(filter, dialect.no_limit, dialect, columns=HELD_KEY_COLUMNS)
        rows = self.access.read(f"SELECT count(*) AS n FROM ({sql}) AS held", params)  # noqa: S608 - built from constants
        return int(rows[0]["n"]) if rows else 0

    def held_at(self, filter: PaymentFilter | None, offset: int, size: int) -> list[Payment]:
        """Rows of the held list at a position (a scroll-bar jump): the row at ``offset``
        found on the key columns, then the page from it by keyset."""
        filter = filter or PaymentFilter()
        offset, size = max(0, int(offset)), max(1, min(int(size), MAX_PAGE_SIZE))
        if not offset:
            return self.held_page(filter, limit=size)
        dialect = self.access.dialect
        sql, params = held_sql(filter, offset + 1, dialect, columns=HELD_KEY_COLUMNS)
        params[-1] = 1  # the outer LIMIT; the inner arms keep offset + 1 rows each
        found = self.access.read(f"{sql} OFFSET ?", [*params, offset])
        if not found:
            return []
        key = found[0]
        # the key row itself included: ids are integers, so "past id - 1" is "from id"
        cursor = HeldCursor(int(key["capture_deadline_ms"]), int(key["id"]) - 1)
        return self.held_page(filter, limit=size, after=cursor)

    def terminals(self) -> list[str]:
        """The terminal ids the journal's payments were keyed at, sorted (the back office's
        terminal filter). A skip over ``ix_payments_terminal_created``: one index probe per
        terminal, however many payments each has."""
        rows = self.access.read(
            "WITH RECURSIVE t(terminal_id) AS ("
            " SELECT MIN(terminal_id) FROM payments"
            " UNION ALL"
            " SELECT (SELECT MIN(p.terminal_id) FROM payments p WHERE p.terminal_id > t.terminal_id)"
            " FROM t WHERE t.terminal_id IS NOT NULL"
            ") SELECT terminal_id FROM t WHERE terminal_id IS NOT NULL"
        )
        return [str(r["terminal_id"]) for r in rows]

    def count_by_status(self, filter: PaymentFilter | None = None) -> dict[PaymentStatus, int]:
        """Payments per status: instant without a date range (kept by triggers)."""
        if filter is None or filter.counted:
            rows = self.access.read("SELECT status, n FROM status_counts WHERE n > 0")
        else:
            where, params = date_conditions(filter)
            rows = self.access.read(
                f"SELECT status, count(*) AS n FROM payments WHERE {' AND '.join(where)} "  # noqa: S608 - built from constants
                "GROUP BY status",
                params,
            )
        counts = {status: 0 for status in PaymentStatus}
        for row in rows:
            counts[PaymentStatus(row["status"])] = int(row["n"])
        if filter is not None and filter.statuses:
            counts = {s: n for s, n in counts.items() if s in filter.statuses}
        return counts

    # -- by position (the Orders view's windowed table model) -----------------------------
    def count_payments(self, filter: PaymentFilter | None = None) -> int:
        """How many payments ``list_payments`` would walk through with ``filter``."""
        filter = filter or PaymentFilter()
        if not filter.text.strip() and filter.counted:
            counts = self.count_by_status(filter)
            return sum(counts.values())
        dialect = self.access.dialect
        # only the key columns: each arm is then read from its index alone (SQLite would
        # otherwise copy every column of every row into the subquery: 0.7 s for 30 days of
        # a million payments, against a few ms)
        sql, params = list_sql(
            filter, PageDirection.FIRST, None, dialect.no_limit, True, dialect, columns=KEY_COLUMNS
        )
        rows = self.access.read(f"SELECT count(*) AS n FROM ({sql}) AS listed", params)  # noqa: S608 - built from constants
        return int(rows[0]["n"]) if rows else 0

    def payments_at(
        self,
        filter: PaymentFilter | None,
        offset: int,
        size: int,
        *,
        from_oldest: bool = False,
    ) -> list[Payment]:
        """Rows at a position of the order list, newest first (what a scroll bar jump needs).

        ``offset`` counts from the newest row, or with ``from_oldest`` from the oldest one
        (a jump near the end walks the index from that end instead of skipping most of it).
        """
        filter = filter or PaymentFilter()
        offset, size = max(0, int(offset)), max(1, min(int(size), MAX_PAGE_SIZE))
        dialect = self.access.dialect
        descending = not from_oldest
        direction = PageDirection.FIRST if descending else PageDirection.LAST
        cursor: Cursor | None = None
        if offset:
            # The row at ``offset`` first, skipping on the key columns alone (an index-only
            # walk: PostgreSQL would otherwise fetch every skipped row from the table, 0.36 s
            # for 250,000 of them), then the page from that row on by keyset.
            sql, params = list_sql(
                filter, direction, None, offset + 1, descending, dialect, columns=KEY_COLUMNS
            )
            params[-1] = 1  # the outer LIMIT; the inner arms keep offset + 1 rows each
            found = self.access.read(f"{sql} OFFSET ?", [*params, offset])
            if not found:
                return []
            key = found[0]
            # the key row itself included: ids are integers, so "past id +/- 1" is "from id"
            if descending:
                direction = PageDirection.OLDER
                cursor = Cursor(int(key["created_ms"]), int(key["id"]) + 1)
            else:
                direction = PageDirection.NEWER
                cursor = Cursor(int(key["created_ms"]), int(key["id"]) - 1)
        sql, params = list_sql(filter, direction, cursor, size, descending, dialect)
        payments = [to_payment(r) for r in self.access.read(sql, params)]
        if from_oldest:
            payments.reverse()
        return payments


# -- SQL building (order list) ------------------------------------------------------------
def date_conditions(filter: PaymentFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if filter.created_from is not None:
        where.append("created_ms >= ?")
        params.append(to_ms(filter.created_from))
    if filter.created_to is not None:
        where.append("created_ms < ?")
        params.append(to_ms(filter.created_to))
    if filter.terminal:
        where.append("terminal_id = ?")
        params.append(filter.terminal)
    return where, params


def list_sql(
    filter: PaymentFilter,
    direction: PageDirection,
    cursor: Cursor | None,
    limit: int | None,
    descending: bool,
    dialect: Dialect = SQLITE,
    *,
    columns: str = "*",
) -> tuple[str, list[Any]]:
    """The order list's query: ``columns`` of the rows (``*``, or ``KEY_COLUMNS`` where only
    their number matters), ``limit`` of them, in the list's order."""
    order = "DESC" if descending else "ASC"
    base, base_params = date_conditions(filter)
    if cursor is not None and direction is PageDirection.OLDER:
        # (created, id) < cursor, written so the created_ms index bounds the scan
        base.append("created_ms <= ? AND (created_ms < ? OR id < ?)")
        base_params += [cursor.created_ms, cursor.created_ms, cursor.id]
    elif cursor is not None and direction is PageDirection.NEWER:
        base.append("created_ms >= ? AND (created_ms > ? OR id > ?)")
        base_params += [cursor.created_ms, cursor.created_ms, cursor.id]
    statuses: list[str | None] = [s.value for s in sorted(filter.statuses)] or [None]
    arms: list[tuple[str, list[Any]]] = []
    for text_sql, text_params in text_arms(filter.text, dialect):
        for status in statuses:
            where = list(base)
            params = list(base_params)
            if status is not None:
                where.insert(0, "status = ?")
                params.insert(0, status)
            if text_sql:
                where.append(text_sql)
                params += text_params
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            arms.append((clause, params))
    ordering = f"ORDER BY created_ms {order}, id {order}"
    if len(arms) == 1:
        clause, params = arms[0]
        return f"SELECT {columns} FROM payments{clause} {ordering} LIMIT ?", [*params, limit]  # noqa: S608 - built from constants
    # Each arm walks its own index and stops after ``limit`` rows; the outer query merges.
    union = " UNION " if filter.text.strip() else " UNION ALL "
    parts = []
    all_params: list[Any] = []
    for clause, params in arms:
        parts.append(
            f"SELECT * FROM (SELECT {columns} FROM payments{clause} {ordering} LIMIT ?) AS arm"  # noqa: S608 - built from constants
        )
        all_params += [*params, limit]
    sql = f"SELECT * FROM ({union.join(parts)}) AS arms {ordering} LIMIT ?"  # noqa: S608 - built from constants
    return sql, [*all_params, limit]


def held_sql(
    filter: PaymentFilter,
    limit: int | None,
    dialect: Dialect = SQLITE,
    *,
    after: HeldCursor | None = None,
    before: HeldCursor | None = None,
    columns: str = "*",
) -> tuple[str, list[Any]]:
    """The held list's query: AUTHORISED rows by (capture deadline, id), ascending (with
    ``before``: descending from it), with ``filter``'s search, period and terminal.

    One arm per search column as in ``list_sql``. Without a search the held index serves
    the list in its order. With one, PostgreSQL's planner weighs the held index against the
    searched column's index on its statistics; SQLite's (no statistics) walks the held index
    in every arm, reading every open hold once per searched column (185 ms for a count at
    16,000 holds), so there the status is written ``+status`` in the search arms, which
    rules the held (partial) index out: each arm reads the rows its text matches from the
    column's index and sorts them (a narrow search: 0.1 ms; a one-letter one reads its
    whole prefix range, as in the All tab). A period does the same there (the period's
    rows from the created index, rather than every hold); a terminal alone keeps the held
    index (the terminal's index would read all its payments ever).
    """
    held = "status = 'AUTHORISED'"
    searched = held if dialect.name != SQLITE.name else "+status = 'AUTHORISED'"
    base: list[str] = []
    dates, base_params = date_conditions(filter)
    base += dates
    order = "ASC"
    if after is not None:
        base.append("capture_deadline_ms >= ? AND (capture_deadline_ms > ? OR id > ?)")
        base_params += [after.deadline_ms, after.deadline_ms, after.id]
    if before is not None:
        order = "DESC"
        base.append("capture_deadline_ms <= ? AND (capture_deadline_ms < ? OR id < ?)")
        base_params += [before.deadline_ms, before.deadline_ms, before.id]
    ordering = f"ORDER BY capture_deadline_ms {order}, id {order}"
    arms = text_arms(filter.text, dialect)
    if len(arms) == 1:
        text_sql, text_params = arms[0]
        dated = filter.created_from is not None or filter.created_to is not None
        where = [searched if text_sql or dated else held, *base]
        if text_sql:
            where.append(text_sql)
        return (
            f"SELECT {columns} FROM payments WHERE {' AND '.join(where)} {ordering} LIMIT ?",  # noqa: S608 - built from constants
            [*base_params, *text_params, limit],
        )
    parts = []
    all_params: list[Any] = []
    for text_sql, text_params in arms:
        conditions = " AND ".join([searched, *base, text_sql])
        parts.append(
            f"SELECT * FROM (SELECT {columns} FROM payments WHERE {conditions} {ordering} LIMIT ?) AS arm"  # noqa: S608 - built from constants
        )
        all_params += [*base_params, *text_params, limit]
    sql = f"SELECT * FROM ({' UNION '.join(parts)}) AS arms {ordering} LIMIT ?"  # noqa: S608 - built from constants
    return sql, [*all_params, limit]
