"""What every part of the journal repository shares: the journal, the clock, the key.

The parts (payments, order list, audit chain, export...) each hold one ``JournalAccess``
rather than copies of its fields, so that a clock or key swapped on the repository (tests
move the clock) is seen by every part at once. The SQL helpers return plain dicts: name
lookups on ``sqlite3.Row`` cost 2-3x more, and rows are read a lot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from posapp.core.clock import Clock, SystemClock
from posapp.core.journal.audit import JournalKey
from posapp.core.journal.dialect import Dialect
from posapp.core.journal.errors import translating
from posapp.core.journal.rows import Row, to_ms


class Connection(Protocol):
    """The calls the parts make of a connection: ``sqlite3.Connection`` or ``pg.PgConnection``."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


class Db(Protocol):
    """What a transaction yields: sqlite-utils' ``Database`` or ``pg.PgDb``."""

    @property
    def conn(self) -> Connection: ...


class Store(Protocol):
    """An open journal: ``db.Journal`` (an SQLite file) or ``pg.PgJournal`` (a server)."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def path(self) -> Path | None: ...

    def db(self) -> Db: ...

    def write(self) -> AbstractContextManager[Db]: ...

    def read(self) -> AbstractContextManager[Db]: ...

    def data_version(self) -> int: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class JournalAccess:
    """One open journal with the clock its rows are stamped by and the install's key
    (which MACs the chain, once sealed, and the approvals)."""

    journal: Store
    clock: Clock = field(default_factory=SystemClock)
    key: JournalKey | None = None

    @property
    def dialect(self) -> Dialect:
        return self.journal.dialect

    def now_ms(self) -> int:
        return to_ms(self.clock.now())

    def rows(self, db: Db, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def one(self, db: Db, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = db.conn.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one query outside any transaction of the caller's."""
        with translating(self.journal.path):
            return self.rows(self.journal.db(), sql, params)


def stream(db: Db, sql: str, params: Sequence[Any] = (), *, size: int = 2000) -> Iterator[Row]:
    """The rows of ``sql`` one at a time, ``size`` fetched at once, with memory flat however
    many there are: SQLite steps through its result as it is read; on PostgreSQL a plain
    cursor would receive the whole result first, so the rows come through a server-side
    cursor (``pg.PgConnection.server_cursor``; outside a transaction, in a snapshot of its
    own for as long as the rows are read)."""
    server_cursor = getattr(db.conn, "server_cursor", None)
    if server_cursor is None:
        cursor = db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        while chunk := cursor.fetchmany(size):
            for values in chunk:
                yield dict(zip(names, values, strict=True))
        return
    with server_cursor(sql, params, size=size) as cursor:
        names = [d[0] for d in cursor.description]
        while chunk := cursor.fetchmany(size):
            for values in chunk:
                yield dict(zip(names, values, strict=True))
