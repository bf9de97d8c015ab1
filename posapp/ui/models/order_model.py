"""The order list: a lazily loaded table model over the journal.

The model never holds the whole journal. It knows how many rows match the current query and
keeps a bounded cache of blocks of rows; a block that the view asks for and that is not cached
is fetched on a worker thread (through the TaskRunner) with a keyset query anchored on a cached
neighbour block, or by position when the user jumps far away. Until the block arrives the
cells show a placeholder. The newest requests are served first, so dragging the scroll bar
across a million rows only loads what ends up on screen.

Rows update live: ``update_payments`` replaces cached rows in place with a narrow
``dataChanged``; a new payment that belongs at the top (the newest-first list) or at the bottom
(the Held list, sorted by time left) is inserted without a reset.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from posapp.core.domain import Payment, PaymentStatus
from posapp.core.journal.repository import Cursor, HeldCursor
from posapp.ui.i18n import user_error_text
from posapp.ui.models import payment_fields as pf

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    TIME = 0
    ORDER = 1
    AMOUNT = 2
    CARD = 3
    STATUS = 4
    TIME_LEFT = 5
    PAYMENT_ID = 6


COLUMN_COUNT = len(Column)


class Role(IntEnum):
    """Custom data roles (``Qt.UserRole`` upwards)."""

    PAYMENT = Qt.ItemDataRole.UserRole  # the domain Payment of the row
    STATUS = Qt.ItemDataRole.UserRole + 1  # the status name (str), for the pill delegate
    URGENCY = Qt.ItemDataRole.UserRole + 2  # Urgency of a held authorisation, or None
    LOADED = Qt.ItemDataRole.UserRole + 3  # False while the row is still being fetched
    PAYMENT_ID = Qt.ItemDataRole.UserRole + 4
    DUPLICATE = Qt.ItemDataRole.UserRole + 5  # True: its order has another successful payment


class Urgency(IntEnum):
    """How close a held authorisation is to being released."""

    OK = 0
    SOON = 1  # under 24 h left: amber
    RELEASED = 2  # the deadline passed: red


SOON = timedelta(hours=24)
AMBER = QColor(245, 158, 11, 110)
RED = QColor(220, 38, 38, 120)
PLACEHOLDER = "…"


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """What the list shows: filters plus whether it is the Held view."""

    statuses: frozenset[PaymentStatus] = frozenset()  # empty: every status
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    text: str = ""  # order reference, last 4 digits or paymentId
    held: bool = False  # authorised and not yet captured, sorted by time left
    duplicates: bool = False  # the successful payments of orders paid more than once
    terminal: str = ""  # one till's payments (terminal id); empty: every till's


T = TypeVar("T")
# A row's place for keyset paging: the order list's cursor, or the Held list's
RowKey = Cursor | HeldCursor


class OrderSource(Protocol):
    """The queries the model needs; called on worker threads only."""

    def count(self, query: OrderQuery) -> int: ...

    def window(
        self,
        query: OrderQuery,
        *,
        offset: int,
        limit: int,
        total: int,
        after: RowKey | None = None,
        before: RowKey | None = None,
    ) -> list[Payment]:
        """Rows in display order: right after the key ``after``, right before ``before``
        (the ``limit`` closest ones), or else from row ``offset`` (of ``total``)."""
        ...

    def key_of(self, query: OrderQuery, payment: Payment) -> RowKey: ...

    def get(self, key: int) -> Payment | None: ...


# A function that runs ``fn`` off the GUI thread and calls ``done(result)`` / ``failed(exc)``
# back on the GUI thread: TaskRunner.run adapted (see OrderTableModel.with_runner).
class Submit(Protocol):
    def __call__(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[BaseException], None],
    ) -> None: ...


def submit_inline(
    fn: Callable[[], T], done: Callable[[T], None], failed: Callable[[BaseException], None]
) -> None:
    """Run on the calling thread (small in-memory sources and unit tests)."""
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - handed to the caller's error path
        failed(exc)
        return
    done(result)


@dataclass
class _Block:
    rows: list[Payment] = field(default_factory=list)
    texts: list[tuple[str, ...] | None] = field(default_factory=list)  # display cache

    def __post_init__(self) -> None:
        self.texts = [None] * len(self.rows)


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_PAYMENT, _STATUS, _URGENCY, _LOADED, _PAYMENT_ID = (
    int(Role.PAYMENT),
    int(Role.STATUS),
    int(Role.URGENCY),
    int(Role.LOADED),
    int(Role.PAYMENT_ID),
)
_DUPLICATE = int(Role.DUPLICATE)
_SERVED = frozenset(
    {_DISPLAY, _ACCESSIBLE, _BACKGROUND, _TOOLTIP, _ALIGNMENT, _PAYMENT, _STATUS}
    | {_URGENCY, _LOADED, _PAYMENT_ID, _DUPLICATE}
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class OrderTableModel(QAbstractTableModel):
    """Table of payments for the Orders and Held views, loaded block by block.

    Signals: ``rows_loaded(int, int)`` (first row, count) when a block arrives;
    ``count_changed(int)`` when the number of matching rows is known or changes;
    ``load_failed(str)`` when a query fails (the message is fit for a user).
    """

    rows_loaded = Signal(int, int)
    count_changed = Signal(int)
    load_failed = Signal(str)

    BLOCK = 100
    MAX_BLOCKS = 60  # about 6,000 rows cached
    MAX_IN_FLIGHT = 2
    NARROW_LIMIT = 8  # more changed rows than this at once: one dataChanged over their span

    def __init__(
        self,
        source: OrderSource,
        *,
        submit: Submit = submit_inline,
        now: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._submit = submit
        self._now = now or (lambda: datetime.now(UTC))
        self._query = OrderQuery()
        self._total = 0
        self._generation = 0
        self._blocks: OrderedDict[int, _Block] = OrderedDict()  # LRU order
        self._wanted: list[int] = []  # blocks asked for and not yet requested (LIFO)
        self._in_flight: set[int] = set()
        self._layout = 0  # bumped when live inserts move rows
        self._row_of: dict[int, int] = {}  # local payment id -> row, for cached rows
        # orders with more than one successful payment, and how many (their rows' badge)
        self._duplicate_orders: frozenset[str] = frozenset()
        self._duplicate_counts: dict[str, int] = {}
        self._headers = [
            self.tr("Time"),
            self.tr("Order"),
            self.tr("Amount"),
            self.tr("Card"),
            self.tr("Status"),
            self.tr("Time left"),
            self.tr("Payment ID"),
        ]

    # -- configuration ------------------------------------------------------------------
    @property
    def query(self) -> OrderQuery:
        return self._query

    @property
    def total(self) -> int:
        return self._total

    def set_query(self, query: OrderQuery) -> None:
        """Show another filter: the model empties and reloads (first block, then the count)."""
        self._query = query
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._generation += 1
        self._total = 0
        self._blocks.clear()
        self._wanted.clear()
        self._in_flight.clear()
        self._row_of.clear()
        self.endResetModel()
        generation, query = self._generation, self._query

        # The first rows come before the count: a million-row COUNT must not delay them.
        def first() -> list[Payment]:
            return self._source.window(query, offset=0, limit=self.BLOCK, total=0)

        self._in_flight.add(0)
        self._submit(
            first,
            lambda rows: self._on_first_block(generation, rows),
            lambda exc: self._on_failed(generation, 0, exc),
        )
        self._submit(
            lambda: self._source.count(query),
            lambda n: self._on_count(generation, n),
            lambda exc: self._on_failed(generation, None, exc),
        )

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # data() never raises: a bad row in the journal shows as blank, not as a crash.
        try:
            return self._data(index, role)
        except Exception:
            log.exception("order model data() failed for row %s", index.row())
            return None

    def _data(self, index: Index, role: int) -> object:
        # The view asks for a dozen roles per cell on every repaint: answer the ones we do
        # not serve first, and keep the rest to dict and list lookups.
        if role not in _SERVED or not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not 0 <= row < self._total or not 0 <= col < COLUMN_COUNT:
            return None
        block = self._blocks.get(row // self.BLOCK)
        offset = row % self.BLOCK
        if block is None or offset >= len(block.rows):
            if role == _DISPLAY:
                self._want(row // self.BLOCK)
                return PLACEHOLDER if col == 0 else None
            return False if role == _LOADED else None
        payment = block.rows[offset]
        if role == _ACCESSIBLE and col == Column.ORDER and self._is_duplicate(payment):
            return self.tr("{0}, duplicate").format(pf.order_reference(payment))
        if role == _DISPLAY or role == _ACCESSIBLE:
            if col == Column.TIME_LEFT:
                return self._time_left_text(payment)  # moves with the clock: never cached
            texts = block.texts[offset]
            if texts is None:
                texts = block.texts[offset] = self._texts(payment)
            return texts[col]
        if role == _PAYMENT:
            return payment
        if role == _STATUS:
            return pf.status_name(payment)
        if role == _PAYMENT_ID:
            return pf.payment_id(payment)
        if role == _LOADED:
            return True
        if role == _DUPLICATE:
            return self._is_duplicate(payment)
        if role == _URGENCY:
            return self._urgency(payment)
        if role == _BACKGROUND:
            if col != Column.TIME_LEFT:
                return None
            urgency = self._urgency(payment)
            if urgency == Urgency.SOON:
                return AMBER
            if urgency == Urgency.RELEASED:
                return RED
            return None
        if role == _TOOLTIP:
            if col == Column.TIME_LEFT:
                deadline = pf.capture_deadline(payment)
                if deadline is not None and pf.is_held(payment):
                    return self.tr("Capture before {0}").format(pf.format_time(deadline))
            if col == Column.STATUS:
                return pf.status_explained(payment)
            if col == Column.TIME:
                return pf.format_time(pf.created_at(payment))
            if col == Column.ORDER and self._is_duplicate(payment):
                return self.duplicate_tooltip()
            return None
        if role == _ALIGNMENT and col == Column.AMOUNT:
            return _RIGHT
        return None

    def cell(self, row: int, col: int) -> tuple[str, QColor | None]:
        """The text and tint of one cell, for the view's own delegate (no role round trips).

        An unloaded row asks for its block and shows the placeholder, like ``data()``.
        """
        block = self._blocks.get(row // self.BLOCK)
        offset = row % self.BLOCK
        if block is None or offset >= len(block.rows) or not 0 <= row < self._total:
            if 0 <= row < self._total:
                self._want(row // self.BLOCK)
            return (PLACEHOLDER if col == 0 else ""), None
        payment = block.rows[offset]
        try:
            if col == Column.TIME_LEFT:
                urgency = self._urgency(payment)
                tint = (
                    AMBER
                    if urgency == Urgency.SOON
                    else RED
                    if urgency == Urgency.RELEASED
                    else None
                )
                return self._time_left_text(payment), tint
            texts = block.texts[offset]
            if texts is None:
                texts = block.texts[offset] = self._texts(payment)
            return texts[col], None
        except Exception:  # like data(): a bad row shows blank
            log.exception("order model cell() failed for row %s", row)
            return "", None

    def status_cell(self, row: int) -> tuple[str, str]:
        """(status name, label) of a loaded row, ("", "") otherwise: for the pill delegate."""
        block = self._blocks.get(row // self.BLOCK)
        offset = row % self.BLOCK
        if block is None or offset >= len(block.rows):
            return "", ""
        text, _tint = self.cell(row, Column.STATUS)
        try:
            return pf.status_name(block.rows[offset]), text
        except Exception:  # like data(): a bad row shows blank
            log.exception("order model status_cell() failed for row %s", row)
            return "", ""

    # -- duplicates (more than one successful payment for one order) ---------------------
    def set_duplicate_orders(self, references: Iterable[str] | dict[str, int]) -> None:
        """The orders whose rows carry the duplicate badge (with their number of successful
        payments, else 2); repaints the rows that change."""
        counts = dict(references) if isinstance(references, dict) else dict.fromkeys(references, 2)
        if counts == self._duplicate_counts:
            return
        new = frozenset(counts)
        changed = {
            r
            for r in new | self._duplicate_orders
            if counts.get(r) != self._duplicate_counts.get(r)
        }
        self._duplicate_orders = new
        self._duplicate_counts = counts
        rows = [
            row
            for block_no, block in self._blocks.items()
            for offset, p in enumerate(block.rows)
            if pf.order_reference(p) in changed
            for row in (block_no * self.BLOCK + offset,)
        ]
        for row in rows:
            self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMN_COUNT - 1))

    @property
    def duplicate_orders(self) -> frozenset[str]:
        return self._duplicate_orders

    @property
    def duplicate_counts(self) -> dict[str, int]:
        """Each doubled order's number of successful payments."""
        return dict(self._duplicate_counts)

    def _is_duplicate(self, payment: Payment) -> bool:
        return bool(self._duplicate_orders) and pf.is_duplicate(payment, self._duplicate_orders)

    def is_duplicate_row(self, row: int) -> bool:
        """A loaded row whose order has more than one successful payment (for the badge)."""
        payment = self.payment_at(row)
        return payment is not None and self._is_duplicate(payment)

    def duplicate_badge(self, row: int) -> str:
        """The badge's words: how many times the row's order was paid ("×2")."""
        payment = self.payment_at(row)
        count = self._duplicate_counts.get(pf.order_reference(payment), 2) if payment else 2
        return self.tr("×{0}").format(count)

    def duplicate_tooltip(self) -> str:
        return self.tr(
            "This order has more than one successful payment: a manager can give the extra "
            "one back (Undo duplicate)"
        )

    def _texts(self, payment: Payment) -> tuple[str, ...]:
        return tuple(self._display(payment, c) for c in range(COLUMN_COUNT))

    def _display(self, payment: Payment, col: int) -> str:
        if col == Column.TIME:
            return pf.format_time_short(pf.created_at(payment))
        if col == Column.ORDER:
            return pf.order_reference(payment)
        if col == Column.AMOUNT:
            return pf.amount_text(payment)
        if col == Column.CARD:
            return pf.card_text(payment)
        if col == Column.STATUS:
            return pf.status_label(payment)
        if col == Column.TIME_LEFT:
            return self._time_left_text(payment)
        if col == Column.PAYMENT_ID:
            return pf.payment_id(payment)
        return ""

    def _urgency(self, payment: Payment) -> Urgency | None:
        if not pf.is_held(payment):
            return None
        deadline = pf.capture_deadline(payment)
        if deadline is None:
            return None
        left = deadline - self._now()
        if left <= timedelta(0):
            return Urgency.RELEASED
        if left < SOON:
            return Urgency.SOON
        return Urgency.OK

    def _time_left_text(self, payment: Payment) -> str:
        if not pf.is_held(payment):
            return ""
        deadline = pf.capture_deadline(payment)
        if deadline is None:
            return ""
        left = deadline - self._now()
        if left <= timedelta(0):
            return self.tr("released")
        hours = int(left.total_seconds() // 3600)
        if hours >= 24:
            return self.tr("{0} d {1} h").format(hours // 24, hours % 24)
        minutes = int(left.total_seconds() // 60) % 60
        return self.tr("{0} h {1} min").format(hours, minutes)

    # -- row access ---------------------------------------------------------------------
    def payment_at(self, row: int) -> Payment | None:
        block = self._blocks.get(row // self.BLOCK)
        if block is None:
            return None
        offset = row % self.BLOCK
        return block.rows[offset] if offset < len(block.rows) else None

    def row_of(self, key: int) -> int | None:
        """The row of a cached payment, by its local journal id."""
        return self._row_of.get(key)

    def loaded_payments(self, rows: Iterable[int]) -> list[Payment]:
        return [p for p in (self.payment_at(r) for r in rows) if p is not None]

    def is_loaded(self, row: int) -> bool:
        return self.payment_at(row) is not None

    def ensure_loaded(self, first: int, last: int) -> None:
        """Ask for every block between two rows (the view calls it for what is on screen)."""
        if self._total == 0:
            return
        first, last = max(0, first), min(self._total - 1, last)
        for block in range(first // self.BLOCK, last // self.BLOCK + 1):
            if block not in self._blocks:
                self._want(block)

    # -- loading ------------------------------------------------------------------------
    def _want(self, block: int) -> None:
        if self._wanted and self._wanted[-1] == block:
            return  # the same block again (every cell of a row asks): nothing new
        if block in self._blocks or block in self._in_flight:
            if block in self._blocks:
                self._blocks.move_to_end(block)
            return
        if block in self._wanted:
            self._wanted.remove(block)
        self._wanted.append(block)
        # Only the most recent wishes matter: a fast scroll leaves older ones behind.
        del self._wanted[: -self.MAX_BLOCKS // 4]
        self._pump()

    def _pump(self) -> None:
        while self._wanted and len(self._in_flight) < self.MAX_IN_FLIGHT:
            block = self._wanted.pop()
            if block in self._blocks or block * self.BLOCK >= self._total:
                continue
            self._request(block)

    def _request(self, block: int) -> None:
        generation, query, total = self._generation, self._query, self._total
        layout = self._layout
        start = block * self.BLOCK
        limit = min(self.BLOCK, total - start)
        after = before = None
        prev_row = self.payment_at(start - 1) if start > 0 else None
        next_row = self.payment_at(start + limit) if start + limit < total else None
        # Keyset from a cached neighbour is exact and cheap; a position is the fallback.
        if prev_row is not None:
            after = self._source_key(query, prev_row)
        elif next_row is not None:
            before = self._source_key(query, next_row)
        source = self._source

        def fetch() -> list[Payment]:
            return source.window(
                query, offset=start, limit=limit, total=total, after=after, before=before
            )

        self._in_flight.add(block)
        self._submit(
            fetch,
            lambda rows: self._on_block(generation, block, rows, layout),
            lambda exc: self._on_failed(generation, block, exc),
        )

    def _source_key(self, query: OrderQuery, payment: Payment) -> RowKey:
        return self._source.key_of(query, payment)

    def _on_first_block(self, generation: int, rows: list[Payment]) -> None:
        if generation != self._generation:
            return
        self._in_flight.discard(0)
        if self._total == 0 and rows:
            # The count is not known yet: show the first rows at once.
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._store(0, rows)
            self._total = len(rows)
            self.endInsertRows()
            self.rows_loaded.emit(0, len(rows))
        else:
            self._on_block(generation, 0, rows)
        self._pump()

    def _on_count(self, generation: int, n: int) -> None:
        if generation != self._generation:
            return
        if n > self._total:
            self.beginInsertRows(QModelIndex(), self._total, n - 1)
            self._total = n
            self.endInsertRows()
        elif n < self._total:
            # Rows disappeared between the first block and the count: start again.
            self.beginRemoveRows(QModelIndex(), n, self._total - 1)
            self._total = n
            self._drop_from(n)
            self.endRemoveRows()
        self.count_changed.emit(self._total)
        self._pump()

    def _on_block(
        self, generation: int, block: int, rows: list[Payment], layout: int | None = None
    ) -> None:
        if generation != self._generation:
            return
        if layout is not None and layout != self._layout:
            # Rows moved while this block was read: it belongs elsewhere now. Ask again.
            self._pump()
            return
        self._in_flight.discard(block)
        start = block * self.BLOCK
        if start < self._total:
            rows = rows[: self._total - start]
            self._store(block, rows)
            if rows:
                self.dataChanged.emit(
                    self.index(start, 0), self.index(start + len(rows) - 1, COLUMN_COUNT - 1)
                )
                self.rows_loaded.emit(start, len(rows))
        self._pump()

    def _on_failed(self, generation: int, block: int | None, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if block is not None:
            self._in_flight.discard(block)
        log.error("loading orders failed", exc_info=exc)
        self.load_failed.emit(
            self.tr("The order list could not be loaded: {0}").format(user_error_text(exc) or exc)
        )

    def _store(self, block: int, rows: list[Payment]) -> None:
        old = self._blocks.pop(block, None)
        if old is not None:
            for p in old.rows:
                self._row_of.pop(pf.key(p), None)
        self._blocks[block] = _Block(list(rows))
        start = block * self.BLOCK
        for i, p in enumerate(rows):
            self._row_of[pf.key(p)] = start + i
        while len(self._blocks) > self.MAX_BLOCKS:
            _, evicted = self._blocks.popitem(last=False)
            for p in evicted.rows:
                self._row_of.pop(pf.key(p), None)

    def _drop_from(self, row: int) -> None:
        for block in [b for b in self._blocks if (b + 1) * self.BLOCK > row]:
            for p in self._blocks.pop(block).rows:
                self._row_of.pop(pf.key(p), None)

    # -- live updates -------------------------------------------------------------------
    def update_payments(self, payments: Sequence[Payment]) -> int:
        """Replace cached rows with newer versions; returns how many rows changed.

        A changed row gets its own narrow ``dataChanged`` so the view repaints one line; a
        burst (more than ``NARROW_LIMIT`` rows) gets one signal over the rows it spans, which
        the view repaints once. A payment not cached is ignored: it is read fresh when it
        scrolls into view.
        """
        rows: list[int] = []
        for payment in payments:
            row = self._row_of.get(pf.key(payment))
            if row is None:
                continue
            block = self._blocks.get(row // self.BLOCK)
            if block is None:
                continue
            block.rows[row % self.BLOCK] = payment
            block.texts[row % self.BLOCK] = None
            rows.append(row)
        last = COLUMN_COUNT - 1
        if len(rows) > self.NARROW_LIMIT:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), last))
        else:
            for row in rows:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        return len(rows)

    def insert_new(self, payment: Payment) -> bool:
        """A payment created after the list was loaded (see ``insert_many``)."""
        return self.insert_many([payment]) == 1

    def insert_many(self, payments: Sequence[Payment]) -> int:
        """Payments created after the list was loaded: at the top (newest first) or, in the
        Held view, at the bottom (the newest holds have the most time left). One insert for
        all of them; those already shown or not matching the filter are skipped."""
        seen: set[int] = set()
        fresh = []
        for p in payments:
            key = pf.key(p)
            if key not in self._row_of and key not in seen and pf.matches(p, self._query):
                seen.add(key)
                fresh.append(p)
        if not fresh:
            return 0
        k = len(fresh)
        self._layout += 1  # rows move: blocks still in flight were asked for old positions
        self._in_flight.clear()
        if self._query.held:
            fresh.sort(key=lambda p: (pf.capture_deadline(p) or pf.created_at(p), pf.key(p)))
            row = self._total
            self.beginInsertRows(QModelIndex(), row, row + k - 1)
            self._total += k
            block = self._blocks.get(row // self.BLOCK)
            for p in fresh:
                if block is None or len(block.rows) != row % self.BLOCK:
                    break
                block.rows.append(p)
                block.texts.append(None)
                self._row_of[pf.key(p)] = row
                row += 1
                if len(block.rows) == self.BLOCK:
                    block = self._blocks.get(row // self.BLOCK)
            self.endInsertRows()
        else:
            fresh.sort(key=lambda p: (pf.created_at(p), pf.key(p)), reverse=True)
            self.beginInsertRows(QModelIndex(), 0, k - 1)
            self._shift_down(fresh)
            self._total += k
            self.endInsertRows()
        self.count_changed.emit(self._total)
        return k

    def _shift_down(self, first: list[Payment]) -> None:
        """Put ``first`` at the top and move the cached rows down by as many places.

        Only the cached run of blocks from row 0 on can be moved exactly; other cached
        blocks are dropped and read again when they come into view. Display texts move
        with their rows.
        """
        rows: list[Payment] = list(first)
        texts: list[tuple[str, ...] | None] = [None] * len(first)
        b = 0
        while b in self._blocks:
            block = self._blocks[b]
            rows += block.rows
            texts += block.texts
            if len(block.rows) < self.BLOCK:
                break
            b += 1
        self._blocks = OrderedDict()
        for start in range(0, len(rows), self.BLOCK):
            block = _Block(rows[start : start + self.BLOCK])
            block.texts = texts[start : start + self.BLOCK]
            self._blocks[start // self.BLOCK] = block
        self._wanted.clear()
        self._row_of = {pf.key(p): i for i, p in enumerate(rows)}

    def refresh_times(self) -> None:
        """Time left moves on its own: repaint that column for the cached rows."""
        if not self._blocks or self._total == 0:
            return
        first = min(self._blocks) * self.BLOCK
        last = min(self._total - 1, (max(self._blocks) + 1) * self.BLOCK - 1)
        if first <= last:
            self.dataChanged.emit(
                self.index(first, Column.TIME_LEFT),
                self.index(last, Column.TIME_LEFT),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole],
            )
