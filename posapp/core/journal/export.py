"""Payments as accountants read them: the one export definition.

Every column a payment export may have is defined once here (``COLUMNS``: its name and how
it reads a payment); an export is a choice of columns from it. ``posapp journal export``
writes ``ACCOUNTS_COLUMNS`` (the whole record for the books) and the Orders screen's CSV
writes ``ORDERS_COLUMNS`` (what its list shows); a column both carry is the same name and
the same cell in both files.

Cells: times in UTC ISO 8601 with a ``Z`` (to the second, or the millisecond the journal
keeps when there is one); amounts in major units without a currency sign (the currency is
its own column); card data stops at the brand and the last four digits. Text a spreadsheet
would take for a formula (``= + - @``, tab, CR) gets a leading apostrophe: order references
and operator names are typed by people.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from posapp.core.domain import Payment
from posapp.core.journal.access import JournalAccess, stream
from posapp.core.journal.errors import translating
from posapp.core.journal.order_list import PaymentFilter, date_conditions
from posapp.core.journal.rows import to_payment
from posapp.core.spreadsheet import spreadsheet_safe

Cell = str | datetime | None


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column of a payment export: its header and how it reads a payment."""

    name: str
    read: Callable[[Payment], Cell]


def _deadline(p: Payment) -> Cell:
    return p.capture_deadline if p.status.shows_capture_deadline else None


_ALL = (
    ExportColumn("created_at", lambda p: p.created_at),
    ExportColumn("reference_order_id", lambda p: p.reference_order_id),
    ExportColumn("payment_request_id", lambda p: p.payment_request_id),
    ExportColumn("payment_id", lambda p: p.payment_id),
    ExportColumn("status", lambda p: p.status.value),
    ExportColumn("currency", lambda p: p.amount.currency),
    ExportColumn("amount", lambda p: p.amount.format()),
    ExportColumn("captured", lambda p: p.captured.format()),
    ExportColumn("refunded", lambda p: p.refunded.format()),
    ExportColumn("capture_mode", lambda p: p.capture_mode.value),
    ExportColumn("card_brand", lambda p: p.card.brand),
    ExportColumn("card_last4", lambda p: p.card.last4),
    ExportColumn("authorised_at", lambda p: p.authorised_at),
    ExportColumn("capture_deadline", _deadline),
    ExportColumn("result_code", lambda p: p.result_code),
    ExportColumn("operator", lambda p: p.operator),
    ExportColumn("terminal_id", lambda p: p.terminal_id),
)
COLUMNS: Mapping[str, ExportColumn] = MappingProxyType({c.name: c for c in _ALL})

# `posapp journal export`: the record for the books, oldest first
ACCOUNTS_COLUMNS: tuple[str, ...] = (
    "created_at",
    "reference_order_id",
    "payment_request_id",
    "payment_id",
    "status",
    "currency",
    "amount",
    "captured",
    "refunded",
    "capture_mode",
    "card_brand",
    "card_last4",
    "authorised_at",
    "result_code",
    "operator",
    "terminal_id",
)
# Orders › Export CSV: the rows of the list as it is filtered, in the list's order
ORDERS_COLUMNS: tuple[str, ...] = (
    "created_at",
    "reference_order_id",
    "amount",
    "currency",
    "card_brand",
    "card_last4",
    "status",
    "capture_deadline",
    "payment_id",
)


def utc_text(moment: datetime) -> str:
    """``2026-03-01T10:00:00Z``; with the milliseconds when the time has any."""
    moment = moment.astimezone(UTC)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def cells(payment: Payment, columns: Iterable[str]) -> list[str]:
    """One payment as the cells of ``columns`` (names from ``COLUMNS``)."""
    out: list[str] = []
    for name in columns:
        value = COLUMNS[name].read(payment)
        if value is None:
            out.append("")
        elif isinstance(value, datetime):
            out.append(utc_text(value))
        else:
            out.append(spreadsheet_safe(value))
    return out


def write_csv(fh: Any, payments: Iterable[Payment], columns: tuple[str, ...]) -> int:
    """Write a header and one row per payment to the text file ``fh``; the row count."""
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown export columns: {', '.join(unknown)}")
    writer = csv.writer(fh)
    writer.writerow(columns)
    count = 0
    for payment in payments:
        writer.writerow(cells(payment, columns))
        count += 1
    return count


def payments_created(
    access: JournalAccess,
    *,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Iterator[Payment]:
    """Payments created in [from, to), oldest first, streamed (constant memory)."""
    where, params = date_conditions(PaymentFilter(created_from=created_from, created_to=created_to))
    sql = (
        "SELECT * FROM payments"  # noqa: S608 - built from constants
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY created_ms, id"
    )
    journal = access.journal
    with translating(journal.path):
        for row in stream(journal.db(), sql, params, size=1000):
            yield to_payment(row)
