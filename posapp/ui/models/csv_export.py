"""Export the rows of an order query to CSV, streamed block by block (runs on a worker).

The columns and cells are the journal export's (``posapp.core.journal.export``, the one
definition): ``ORDERS_COLUMNS`` picks what the list shows. Card data stops at the brand and
the last four digits; cells a spreadsheet would run as a formula are defused there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from posapp.core.journal.export import ORDERS_COLUMNS, cells, write_csv
from posapp.paths import atomic_text_file
from posapp.ui.models.order_model import OrderQuery, OrderSource

HEADER = list(ORDERS_COLUMNS)
CHUNK = 2000


def csv_row(payment: Any) -> list[str]:
    return cells(payment, ORDERS_COLUMNS)


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

    def payments() -> Iterator[Any]:
        sent = 0
        after: Any = None
        while True:
            rows = source.window(query, offset=sent, limit=CHUNK, total=0, after=after, before=None)
            yield from rows
            sent += len(rows)
            if progress is not None:
                progress(sent)
            if len(rows) < CHUNK:
                return
            after = source.key_of(query, rows[-1])

    with atomic_text_file(path) as fh:
        return write_csv(fh, payments(), ORDERS_COLUMNS)
