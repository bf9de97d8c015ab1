"""Export the rows of an order query to CSV, streamed block by block (runs on a worker).

Card data stops at the brand and the last four digits. Cells that a spreadsheet would read as
a formula (starting with = + - @ or a tab) get a leading apostrophe, since order references
are typed by people.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from posapp.core.domain import Payment
from posapp.core.spreadsheet import spreadsheet_safe
from posapp.paths import atomic_text_file
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.order_model import OrderQuery, OrderSource, RowKey

HEADER = [
    "time_utc",
    "order_reference",
    "amount",
    "currency",
    "card_brand",
    "card_last4",
    "status",
    "capture_deadline_utc",
    "payment_id",
]
CHUNK = 2000


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def csv_row(payment: Payment) -> list[str]:
    money = pf.amount(payment)
    return [
        _iso(pf.created_at(payment)),
        spreadsheet_safe(pf.order_reference(payment)),
        money.format() if money is not None else "",
        money.currency if money is not None else "",
        pf.card_brand(payment),
        pf.card_last4(payment),
        pf.status_name(payment),
        _iso(pf.capture_deadline(payment)) if pf.is_held(payment) else "",
        spreadsheet_safe(pf.payment_id(payment)),
    ]


def export_csv(
    source: OrderSource,
    query: OrderQuery,
    path: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every row matching ``query`` (in list order) to ``path``; return the row count.

    The file is written beside the target and renamed at the end, so a failed export never
    leaves half a file under the chosen name; a symlink or a device at ``path`` is refused
    (posapp.paths.UnsafeTarget).
    """
    written = 0
    with atomic_text_file(path) as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        after: RowKey | None = None
        while True:
            rows = source.window(
                query, offset=written, limit=CHUNK, total=0, after=after, before=None
            )
            for payment in rows:
                writer.writerow(csv_row(payment))
            written += len(rows)
            if progress is not None:
                progress(written)
            if len(rows) < CHUNK:
                break
            after = source.key_of(query, rows[-1])
    return written
