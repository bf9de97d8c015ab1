"""Where SQLite and PostgreSQL differ, in one place; every other query is written once.

The repository's SQL is written in the subset both understand: ``?`` placeholders (turned
into psycopg's ``%s`` on the way to the server), ``INSERT ... ON CONFLICT DO UPDATE`` for
upserts and ``INSERT ... RETURNING id`` for new ids (SQLite has both since 3.35), integer
milliseconds for times, text for JSON, and an alias on every subquery in FROM. What cannot
be written once is a method or a field here:

- starting a write: SQLite's ``BEGIN IMMEDIATE`` takes the one write lock up front; on
  PostgreSQL the same serialisation is a transaction-scoped advisory lock taken first
  thing, after which READ COMMITTED statements see every commit made before it (the audit
  chain is one chain, extended by one writer at a time: see POSTGRES.md);
- a consistent read snapshot (``BEGIN`` vs ``REPEATABLE READ READ ONLY``);
- ASCII case-insensitive comparison (``COLLATE NOCASE`` vs ``lower()``; the PostgreSQL
  schema gives the searched columns the "C" collation, so order is code point order as in
  SQLite and the search's ``[text, text + U+10FFFF)`` ranges mean the same on both);
- index hints (``INDEXED BY``, SQLite only), the integrity check (``PRAGMA quick_check``;
  the server keeps its own), whether a table exists, the audit log's update guard;
- per-connection settings (SQLite's pragmas; PostgreSQL's ``SET``), and column types in
  the migrations (``INTEGER PRIMARY KEY`` vs identity columns, ``BLOB`` vs ``BYTEA``,
  32- vs 64-bit integers), which live in ``migrations.py`` per step, under one step name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DialectName = Literal["sqlite", "postgresql"]

# pg_advisory_xact_lock's key for "the journal's write lock": any constant will do, as long
# as every posapp process uses the same one (ASCII "posapp-j")
WRITE_LOCK_KEY = 0x706F736170702D6A


@dataclass(frozen=True, slots=True)
class Dialect:
    name: DialectName
    begin_write: tuple[str, ...]
    begin_read: str
    integrity_check: str | None  # a statement whose rows are ["ok"] when intact
    table_exists: str  # one placeholder: the table's name
    drop_update_guard: str
    create_update_guard: str
    no_limit: int | None  # the LIMIT value that means "all rows"

    def nocase(self, column: str, op: str) -> str:
        """``column op ?`` comparing ASCII letters without case."""
        if self.name == "sqlite":
            return f"{column} COLLATE NOCASE {op} ?"
        return f"lower({column}) {op} lower(?)"

    def nocase_in(self, column: str, count: int) -> str:
        """``column IN (?, ...)`` comparing ASCII letters without case."""
        if self.name == "sqlite":
            return f"{column} COLLATE NOCASE IN ({', '.join('?' for _ in range(count))})"
        return f"lower({column}) IN ({', '.join('lower(?)' for _ in range(count))})"

    def indexed_by(self, index: str) -> str:
        """A hint naming the index to walk (SQLite's planner misjudges a few partial ones)."""
        return f" INDEXED BY {index}" if self.name == "sqlite" else ""

    def placeholders(self, sql: str) -> str:
        """``sql`` as the driver takes it: psycopg wants ``%s`` and a literal ``%%``."""
        if self.name == "sqlite":
            return sql
        return sql.replace("%", "%%").replace("?", "%s")


_APPEND_ONLY = "the audit log is append-only"

SQLITE = Dialect(
    name="sqlite",
    begin_write=("BEGIN IMMEDIATE",),
    begin_read="BEGIN",
    integrity_check="PRAGMA quick_check",
    table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    drop_update_guard="DROP TRIGGER IF EXISTS events_no_update",
    create_update_guard=(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN\n"
        f"    SELECT RAISE(ABORT, '{_APPEND_ONLY}');\nEND"
    ),
    no_limit=-1,
)

POSTGRESQL = Dialect(
    name="postgresql",
    begin_write=("BEGIN", f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"),
    begin_read="BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    integrity_check=None,
    table_exists=(
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = ?"
    ),
    drop_update_guard="DROP TRIGGER IF EXISTS events_no_update ON events",
    create_update_guard=(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "FOR EACH ROW EXECUTE FUNCTION posapp_append_only()"
    ),
    no_limit=None,
)
