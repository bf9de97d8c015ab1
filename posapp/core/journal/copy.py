"""Moving a till's SQLite journal into a store's PostgreSQL journal (``posapp journal
migrate``): every table, ids kept, so the audit chain is the same chain on the server.

How the copy goes:

- The source is opened read-only and read in one snapshot. Its tables are copied in the
  order their foreign keys need, each in key order, ``batch`` rows at a time with
  PostgreSQL's COPY; each batch is one write transaction on the server (the journal's write
  lock, as a till takes it) together with the table's progress row in
  ``journal_copy_tables`` (the key of the last row copied and the count). A copy stopped at
  any point (killed, the server gone) leaves whole batches behind it, and the next run
  goes on after the last one recorded.
- ``status_counts`` is not copied: the server's triggers keep it as the payments arrive;
  it is compared with the source's at the end like every other table.
- At the end the identity sequences are moved past the copied ids, every table's row count
  and digest (an order-independent sum of each row's SHA-256, streamed on both sides) is
  compared with the source's, the chain and state rows are verified as ``journal verify``
  does, and only then ``journal_copy`` is marked complete.
- Refused (``CopyRefused``): a target whose journal identity differs from the source's, a
  target already holding a completed copy, a target holding rows nobody copied (tills have
  written to it), and rows written to a target since a copy into it began. Tills refuse to
  open a target whose copy is unfinished (``pg.refuse_unfinished_copy``).

Memory stays flat however large the journal: rows are streamed from SQLite's cursor into
COPY batch by batch, and the digests read the server through server-side cursors.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

from posapp.core.journal.access import stream
from posapp.core.journal.audit import JournalKey, VerifyResult
from posapp.core.journal.db import Journal
from posapp.core.journal.errors import JournalError, JournalUnavailable
from posapp.core.journal.location import JournalLocation, PasswordLookup, conninfo
from posapp.core.journal.pg import PgJournal

# kept by triggers on the target; compared, never copied
DERIVED = frozenset({"status_counts"})
# each back-end records its own schema steps; a lease belongs to a running till, not to
# the journal's history (leases.py)
NOT_COPIED = frozenset({"_sqlite_migrations", "journal_migrations", "payment_leases"}) | DERIVED
DEFAULT_BATCH = 5000

PROGRESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_copy (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    completed_ms BIGINT,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS journal_copy_tables (
    name TEXT PRIMARY KEY,
    last_key TEXT,
    copied BIGINT NOT NULL DEFAULT 0,
    done BOOLEAN NOT NULL DEFAULT FALSE
);
"""


class CopyRefused(JournalError):
    """The target cannot take this copy (it holds another journal, or a finished copy, or
    tills have written to it): nothing was written."""


class CopyMismatch(JournalError):
    """The copy finished but the target does not match the source (or does not verify):
    it is not marked complete."""


@dataclass(frozen=True, slots=True)
class TablePlan:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key's columns: the order rows are copied in


@dataclass(slots=True)
class TableCopy:
    name: str
    rows: int = 0  # rows in the target when the copy finished
    copied_now: int = 0  # rows this run copied (the rest came from a run before)
    digest: str = ""


@dataclass(slots=True)
class CopyResult:
    source: str
    target: str
    tables: list[TableCopy] = field(default_factory=list)
    seconds: float = 0.0  # the whole run: copy, compare, verify
    copy_seconds: float = 0.0  # the batches alone
    resumed: bool = False
    verify: VerifyResult | None = None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables if t.name not in DERIVED)

    @property
    def copied_now(self) -> int:
        return sum(t.copied_now for t in self.tables)


Progress = Callable[[str, int], None]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def plan(conn: sqlite3.Connection) -> list[TablePlan]:
    """The source's tables to copy, parents before the tables whose keys point at them."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY rowid"
        )
    ]
    plans: dict[str, TablePlan] = {}
    parents: dict[str, set[str]] = {}
    for name in names:
        if name in NOT_COPIED:
            continue
        info = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        columns = tuple(str(r[1]) for r in info)
        key = tuple(str(r[1]) for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        if not key:
            raise JournalUnavailable(f"the source table {name} has no primary key to copy by")
        plans[name] = TablePlan(name, columns, key)
        refs = conn.execute(f"PRAGMA foreign_key_list({_quote(name)})").fetchall()
        parents[name] = {str(r[2]) for r in refs if str(r[2]) != name}
    ordered: list[TablePlan] = []
    placed: set[str] = set()
    while len(ordered) < len(plans):
        ready = [n for n in plans if n not in placed and parents[n] <= placed | NOT_COPIED]
        if not ready:  # a cycle of foreign keys: none in posapp's schema
            ready = [n for n in plans if n not in placed][:1]
        for name in ready:
            ordered.append(plans[name])
            placed.add(name)
    return ordered


def fingerprint(conn: sqlite3.Connection) -> str:
    """Which journal this is, whatever its size: its identity and its first audit row."""
    parts: list[str] = []
    for sql in (
        "SELECT environment, client_id, recorded_ms FROM journal_identity WHERE id = 1",
        "SELECT id, hash FROM events WHERE id = 1",
        "SELECT id, payment_request_id, created_ms FROM payments ORDER BY id LIMIT 1",
    ):
        try:
            row = conn.execute(sql).fetchone()
        except sqlite3.OperationalError:  # an older schema without that table
            row = None
        parts.append(json.dumps(list(row) if row else None))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _row_hash(values: Sequence[Any]) -> int:
    clean = [v.hex() if isinstance(v, bytes | memoryview) else v for v in values]
    text = json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def _digest(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(count, digest): the sum of every row's SHA-256 modulo 2^256, so both sides may
    read their rows in any order and still agree."""
    total = 0
    count = 0
    for values in rows:
        total = (total + _row_hash(values)) % (1 << 256)
        count += 1
    return count, f"{total:064x}"


def source_digest(conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> tuple[int, str]:
    cols = ", ".join(_quote(c) for c in columns)
    cursor = conn.execute(f"SELECT {cols} FROM {_quote(table)}")  # noqa: S608 - our names

    def rows() -> Iterator[Sequence[Any]]:
        while chunk := cursor.fetchmany(2000):
            yield from chunk

    return _digest(rows())


def target_digest(target: PgJournal, table: str, columns: Sequence[str]) -> tuple[int, str]:
    cols = ", ".join(_quote(c) for c in columns)
    sql = f"SELECT {cols} FROM {_quote(table)}"  # noqa: S608 - our names
    rows = stream(target.db(), sql)
    return _digest(tuple(r[c] for c in columns) for r in rows)


class JournalCopy:
    """One copy of ``source`` (an SQLite journal opened read-only) into ``target`` (a
    migrated PostgreSQL journal)."""

    def __init__(
        self,
        source: Journal,
        target: PgJournal,
        *,
        batch: int = DEFAULT_BATCH,
        key: JournalKey | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.target = target
        self.batch = max(1, batch)
        self.key = key
        self.progress = progress or (lambda _table, _rows: None)

    # -- the whole run --------------------------------------------------------------------
    def run(self) -> CopyResult:
        started = time.perf_counter()
        src = self.source.db().conn
        result = CopyResult(source=str(self.source.path), target=self.target.shown_as)
        # one snapshot of the source from the first row read to the last digest
        src.execute("BEGIN")
        try:
            tables = plan(src)
            result.resumed = self._claim(src, tables)
            copying = time.perf_counter()
            for table in tables:
                result.tables.append(self._copy_table(src, table))
            self._advance_sequences(tables)
            result.copy_seconds = time.perf_counter() - copying
            self._compare(src, tables, result)
        finally:
            src.execute("COMMIT")
        result.verify = self._verify()
        if not result.verify.ok:
            raise CopyMismatch(
                f"the copy in {self.target.shown_as} does not verify: {result.verify.summary()}"
            )
        self._complete(result)
        result.seconds = time.perf_counter() - started
        return result

    # -- may this target take this copy? --------------------------------------------------
    def _claim(self, src: sqlite3.Connection, tables: Sequence[TablePlan]) -> bool:
        """Record the copy in the target, or find the one to resume; True when resuming."""
        mark = fingerprint(src)
        shown = str(self.source.path)
        with self.target.write() as db:
            conn = db.conn
            conn.raw.execute(PROGRESS_SCHEMA)
            row = conn.execute(
                "SELECT source, fingerprint, started_ms, completed_ms FROM journal_copy"
            ).fetchone()
            if row is not None:
                if row[3] is not None:
                    raise CopyRefused(
                        f"{self.target.shown_as} already holds a finished copy of {row[0]} "
                        f"(completed {_when(int(row[3]))}); it is not copied twice"
                    )
                if row[1] != mark:
                    raise CopyRefused(
                        f"{self.target.shown_as} holds an unfinished copy of another journal "
                        f"({row[0]}); resume that copy or use an empty database"
                    )
                self._check_untouched(conn, tables)
                return True
            self._check_identity(src, conn)
            busy = [f"{t.name} ({n} rows)" for t in tables if (n := _count(conn, t.name))]
            if busy:
                raise CopyRefused(
                    f"{self.target.shown_as} already holds a journal that tills have written "
                    f"to ({', '.join(busy[:3])}); copy into an empty database"
                )
            conn.execute(
                "INSERT INTO journal_copy (id, source, fingerprint, started_ms) "
                "VALUES (1, ?, ?, ?)",
                (shown, mark, int(time.time() * 1000)),
            )
            conn.executemany(
                "INSERT INTO journal_copy_tables (name) VALUES (?) ON CONFLICT (name) DO NOTHING",
                [(t.name,) for t in tables],
            )
        return False

    def _check_identity(self, src: sqlite3.Connection, conn: Any) -> None:
        try:
            ours = src.execute(
                "SELECT environment, client_id FROM journal_identity WHERE id = 1"
            ).fetchone()
        except sqlite3.OperationalError:
            ours = None
        theirs = conn.execute(
            "SELECT environment, client_id FROM journal_identity WHERE id = 1"
        ).fetchone()
        if theirs is not None and (ours is None or tuple(ours) != tuple(theirs)):
            raise CopyRefused(
                f"{self.target.shown_as} holds another journal ({theirs[0]} / "
                f"{theirs[1] or '-'}); copy into an empty database"
            )

    def _check_untouched(self, conn: Any, tables: Sequence[TablePlan]) -> None:
        """Resuming: every table holds exactly what the copy recorded, else someone else
        (a till) has written to the half-copied journal."""
        copied = dict(conn.execute("SELECT name, copied FROM journal_copy_tables").fetchall())
        for table in tables:
            found = _count(conn, table.name)
            if found != int(copied.get(table.name, 0)):
                raise CopyRefused(
                    f"{self.target.shown_as}: {table.name} holds {found} rows where the copy "
                    f"recorded {int(copied.get(table.name, 0))}: something other than this copy "
                    "has written to it (a till?); start again in an empty database"
                )

    # -- copying --------------------------------------------------------------------------
    def _copy_table(self, src: sqlite3.Connection, table: TablePlan) -> TableCopy:
        state = (
            self.target.db()
            .conn.execute(
                "SELECT last_key, copied, done FROM journal_copy_tables WHERE name = ?",
                (table.name,),
            )
            .fetchone()
        )
        last_key = json.loads(state[0]) if state and state[0] else None
        copied = int(state[1]) if state else 0
        outcome = TableCopy(table.name)
        if state and state[2]:
            outcome.rows = copied
            return outcome
        self._check_columns(table)
        cols = ", ".join(_quote(c) for c in table.columns)
        keys = ", ".join(_quote(c) for c in table.key)
        sql = f"SELECT {cols} FROM {_quote(table.name)}"  # noqa: S608 - our names
        params: list[Any] = []
        if last_key is not None:
            marks = ", ".join("?" for _ in table.key)
            sql += f" WHERE ({keys}) > ({marks})"
            params = list(last_key)
        sql += f" ORDER BY {keys}"
        where = [table.columns.index(c) for c in table.key]
        copy_sql = f"COPY {_quote(table.name)} ({cols}) FROM STDIN"
        cursor = src.execute(sql, params)
        while chunk := cursor.fetchmany(self.batch):
            last = [chunk[-1][i] for i in where]
            copied += len(chunk)
            with self._server(), self.target.write() as db:
                with db.conn.raw.cursor() as cur, cur.copy(copy_sql) as pipe:
                    for values in chunk:
                        pipe.write_row(values)
                db.conn.execute(
                    "UPDATE journal_copy_tables SET last_key = ?, copied = ? WHERE name = ?",
                    (json.dumps(last), copied, table.name),
                )
            outcome.copied_now += len(chunk)
            self.progress(table.name, copied)
        with self._server(), self.target.write() as db:
            db.conn.execute(
                "UPDATE journal_copy_tables SET done = TRUE WHERE name = ?", (table.name,)
            )
        outcome.rows = copied
        return outcome

    def _check_columns(self, table: TablePlan) -> None:
        rows = (
            self.target.db()
            .conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (table.name,),
            )
            .fetchall()
        )
        have = {str(r[0]) for r in rows}
        missing = [c for c in table.columns if c not in have]
        if missing:
            raise CopyMismatch(
                f"the target's {table.name} has no column {', '.join(missing)}: it is not "
                "the schema this posapp writes"
            )

    def _advance_sequences(self, tables: Sequence[TablePlan]) -> None:
        """Ids the server hands out next start after the copied ones."""
        with self._server(), self.target.write() as db:
            for table in tables:
                if "id" not in table.columns:
                    continue
                row = db.conn.execute(
                    "SELECT pg_get_serial_sequence(?, 'id')", (_quote(table.name),)
                ).fetchone()
                if row is None or row[0] is None:
                    continue  # events: ids come from the chain, not a sequence
                db.conn.execute(
                    f"SELECT setval(?, max(id)) FROM {_quote(table.name)} HAVING count(*) > 0",  # noqa: S608
                    (row[0],),
                )

    # -- checking -------------------------------------------------------------------------
    def _compare(
        self, src: sqlite3.Connection, tables: Sequence[TablePlan], result: CopyResult
    ) -> None:
        """Row counts and digests of every table, and of the derived counts, both sides."""
        outcomes = {t.name: t for t in result.tables}
        for table in tables:
            with self._server():
                theirs = target_digest(self.target, table.name, table.columns)
            ours = source_digest(src, table.name, table.columns)
            _same(table.name, ours, theirs)
            outcomes[table.name].digest = ours[1]
        if _has_table(src, "status_counts"):
            # a status whose count went back to 0 may be left behind as a row on either side
            counts = "SELECT status, n FROM status_counts WHERE n <> 0"
            ours = _digest(src.execute(counts).fetchall())
            with self._server():
                theirs = _digest((r["status"], r["n"]) for r in stream(self.target.db(), counts))
            _same("status_counts", ours, theirs)
            result.tables.append(TableCopy("status_counts", rows=ours[0], digest=ours[1]))

    def _verify(self) -> VerifyResult:
        from posapp.core.journal.access import JournalAccess
        from posapp.core.journal.chain import AuditChain

        with self._server():
            return AuditChain(JournalAccess(self.target, key=self.key)).verify()

    def _complete(self, result: CopyResult) -> None:
        summary = {t.name: {"rows": t.rows, "digest": t.digest} for t in result.tables}
        with self._server(), self.target.write() as db:
            db.conn.execute(
                "UPDATE journal_copy SET completed_ms = ?, summary = ? WHERE id = 1",
                (int(time.time() * 1000), json.dumps(summary, sort_keys=True)),
            )

    def _server(self) -> AbstractContextManager[None]:
        return _server_errors(self.target.shown_as)


def _same(name: str, ours: tuple[int, str], theirs: tuple[int, str]) -> None:
    if ours != theirs:
        raise CopyMismatch(
            f"{name}: the source has {ours[0]} rows (digest {ours[1][:12]}), the copy "
            f"{theirs[0]} (digest {theirs[1][:12]}): the source changed during the copy, or "
            "something else wrote to the target; start again in an empty database"
        )


@contextmanager
def _server_errors(shown: str) -> Iterator[None]:
    """The server going away mid-copy (psycopg's OperationalError) as JournalUnavailable."""
    try:
        yield
    except psycopg.OperationalError as exc:
        raise JournalUnavailable(
            f"the journal database {shown} failed during the copy: {exc}"
        ) from exc


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _count(conn: Any, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def _when(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def open_target(location: JournalLocation, password: PasswordLookup | None) -> PgJournal:
    """The PostgreSQL journal a copy goes into, migrated to this posapp's schema. Opened
    without the refusal tills meet while a copy is unfinished: this is the copy."""
    target = PgJournal(conninfo(location, password), shown_as=location.describe())
    try:
        target.migrate()
    except BaseException:
        target.close()
        raise
    return target


__all__ = [
    "DEFAULT_BATCH",
    "CopyMismatch",
    "CopyRefused",
    "CopyResult",
    "JournalCopy",
    "TableCopy",
    "open_target",
    "plan",
]
