"""What every part of the journal repository shares: the journal, the clock, the key.

The parts (payments, order list, audit chain, export...) each hold one ``JournalAccess``
rather than copies of its fields, so that a clock or key swapped on the repository (tests
move the clock) is seen by every part at once. The SQL helpers return plain dicts: name
lookups on ``sqlite3.Row`` cost 2-3x more, and rows are read a lot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from posapp.core.clock import Clock, SystemClock
from posapp.core.journal.audit import JournalKey
from posapp.core.journal.db import Journal
from posapp.core.journal.errors import translating
from posapp.core.journal.rows import Row, to_ms


@dataclass(slots=True)
class JournalAccess:
    """One open journal with the clock its rows are stamped by and the install's key
    (which MACs the chain, once sealed, and the approvals)."""

    journal: Journal
    clock: Clock = field(default_factory=SystemClock)
    key: JournalKey | None = None

    def now_ms(self) -> int:
        return to_ms(self.clock.now())

    def rows(self, db: Database, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def one(self, db: Database, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = db.conn.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one query outside any transaction of the caller's."""
        with translating(self.journal.path):
            return self.rows(self.journal.db(), sql, params)
