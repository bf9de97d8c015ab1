"""The audit chain: appending linked rows, sealing a plain chain under the key, verifying.

Every write of the journal appends its audit row through ``AuditChain.append`` inside the
writer's transaction, so a state change and its row are committed together. Each row is
linked to the one before (``posapp.core.journal.audit``: HMAC-SHA256 under the install's
journal key once the chain is sealed, plain SHA-256 before), and ``chain_head`` keeps the
last id, last link and row count so that a deleted tail is caught too.

``verify`` checks, in one read snapshot: SQLite's own integrity, every link and MAC, the
head, then replays the state-change events against the payment, capture and refund rows
(``posapp.core.journal.replay``) and the refunded totals against the refunds.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from posapp.core.domain import DomainError, Event, EventKind
from posapp.core.journal import replay
from posapp.core.journal.access import Db, JournalAccess, stream
from posapp.core.journal.audit import (
    GENESIS,
    SCHEME_KEYED,
    JournalKey,
    VerifyResult,
    canonical_json,
    row_hash,
    same,
)
from posapp.core.journal.errors import translating
from posapp.core.journal.rows import Row, to_event
from posapp.core.journal.sanitise import sanitise
from posapp.core.usertext import UserText

log = logging.getLogger(__name__)


class JournalKeyError(DomainError):
    """The install's journal key is missing, or is not the key that sealed this journal."""


class AuditChain:
    """Appends linked audit rows, seals a plain chain once under the key, and verifies."""

    def __init__(self, access: JournalAccess) -> None:
        self.access = access

    # -- appending ------------------------------------------------------------------------
    def append(
        self,
        db: Db,
        kind: EventKind,
        *,
        operator: str,
        terminal_id: str,
        payment: int | None = None,
        api: str | None = None,
        request_id: str | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: Mapping[str, Any] | None = None,
        at_ms: int | None = None,
    ) -> Event:
        """Append one chained audit row; the caller holds the write transaction."""
        access = self.access
        head = access.one(db, "SELECT last_id, last_hash, count FROM chain_head WHERE id = 1")
        prev_hash = head["last_hash"] if head else GENESIS
        count = head["count"] if head else 0
        top = db.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        clean = sanitise(dict(detail or {}))
        row: dict[str, Any] = {
            "id": int(top) + 1,
            "at_ms": access.now_ms() if at_ms is None else at_ms,
            "kind": kind.value,
            "payment": payment,
            "api": api,
            "request_id": request_id,
            "from_status": from_status,
            "to_status": to_status,
            "operator": operator,
            "terminal_id": terminal_id,
            "detail": canonical_json(clean),
        }
        row["prev_hash"] = prev_hash
        row["hash"] = row_hash(prev_hash, row, self._chain_key(db))
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        db.conn.execute(f"INSERT INTO events ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608 - column names are ours
        db.conn.execute(
            "INSERT INTO chain_head (id, last_id, last_hash, count) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, "
            "last_hash = excluded.last_hash, count = excluded.count",
            (row["id"], row["hash"], count + 1),
        )
        return to_event(row)

    # -- the key --------------------------------------------------------------------------
    def _seal_row(self, db: Db) -> Row | None:
        try:
            return self.access.one(db, "SELECT * FROM chain_seal WHERE id = 1")
        except sqlite3.OperationalError:  # schema 0001 (an old journal opened to be read)
            return None

    def _key_mismatch(self) -> JournalKeyError:
        return JournalKeyError(
            "the journal is sealed with another journal key than the one given",
            user_message=UserText(
                "journal.key_mismatch",
                "This journal is sealed with another install's journal key, so posapp "
                "cannot add to it: restore this install's key (keyring) or use a new data "
                "folder.",
            ),
        )

    def _chain_key(self, db: Db) -> JournalKey | None:
        """The key new rows are MAC'd with: this install's once the chain is sealed."""
        seal = self._seal_row(db)
        if seal is None:
            return None
        key = self.access.key
        if key is None:
            raise JournalKeyError(
                "the journal is sealed and no journal key was given",
                user_message=UserText(
                    "journal.key_missing",
                    "This journal is sealed with this install's journal key, which is not "
                    "available (is the system keyring unlocked?)",
                ),
            )
        if not same(seal["key_id"], key.key_id):
            raise self._key_mismatch()
        return key

    # -- sealing --------------------------------------------------------------------------
    def is_sealed(self) -> bool:
        journal = self.access.journal
        with translating(journal.path):
            return self._seal_row(journal.db()) is not None

    def seal(self) -> bool:
        """Re-seal a plain SHA-256 chain once under the key (HMAC-SHA256); journaled.

        Sealed only when the plain chain verifies and every row predates the key (the
        journal was written by a posapp that had no key): a chain written, or rewritten,
        after the key existed is never blessed. Otherwise the journal stays unsealed, a
        SECURITY event says why, and ``verify`` with the key fails. True when the chain is
        keyed under this key; JournalKeyError when it is sealed under another one.
        """
        key = self.access.key
        if key is None:
            return False
        journal = self.access.journal
        with journal.write() as db:
            seal = self._seal_row(db)
            if seal is not None:
                if not same(seal["key_id"], key.key_id):
                    raise self._key_mismatch()
                return True
            count, newest = db.conn.execute("SELECT count(*), max(at_ms) FROM events").fetchone()
            problem = ""
            if count and int(newest) >= key.created_ms:
                problem = "it has rows written after this install's journal key was made"
            elif count:
                check = self._check_chain(db, None, plain=True)
                if not check.ok:
                    problem = f"its plain chain does not verify ({check.summary()})"
            if problem:
                log.warning("journal %s not sealed: %s", journal.path, problem)
                self.append(
                    db,
                    EventKind.SECURITY,
                    operator="system",
                    terminal_id="-",
                    detail={"reason": "journal not sealed", "problem": problem},
                )
                return False
            self._reseal_rows(db, key)
            db.conn.execute(
                "INSERT INTO chain_seal (id, scheme, key_id, sealed_ms, rows_sealed) "
                "VALUES (1, ?, ?, ?, ?)",
                (SCHEME_KEYED, key.key_id, self.access.now_ms(), int(count)),
            )
            if not count:
                return True  # a new journal: keyed from its first row, nothing to re-seal
            self.append(
                db,
                EventKind.NOTE,
                operator="system",
                terminal_id="-",
                detail={
                    "note": "audit chain sealed with this install's journal key (HMAC-SHA256)",
                    "rows_resealed": int(count),
                    "key_id": key.key_id,
                },
            )
        return True

    def _reseal_rows(self, db: Db, key: JournalKey, batch: int = 5000) -> None:
        """Recompute every row's link under ``key`` (the caller holds the write lock)."""
        conn = db.conn
        conn.execute(self.access.dialect.drop_update_guard)
        prev = GENESIS
        after = 0
        while True:
            rows = self.access.rows(
                db, "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, batch)
            )
            if not rows:
                break
            updates = []
            for row in rows:
                value = row_hash(prev, row, key)
                updates.append((prev, value, row["id"]))
                prev = value
                after = int(row["id"])
            conn.executemany("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", updates)
        conn.execute(self.access.dialect.create_update_guard)
        if after:
            conn.execute("UPDATE chain_head SET last_hash = ? WHERE id = 1", (prev,))

    # -- verifying ------------------------------------------------------------------------
    def verify(self, *, integrity: bool = True, batch: int = 5000) -> VerifyResult:
        """Check the journal: SQLite's own integrity, the audit chain row by row (its MACs
        under the key; without the key only its links, and the result is marked not
        ``authentic``), then replay the audit events and compare every payment, capture and
        refund row with what its events produced (see ``replay``)."""
        with self.access.journal.read() as db:
            check = self.access.dialect.integrity_check
            if integrity and check is not None:
                problems = [r[0] for r in db.conn.execute(check).fetchall()]
                if problems != ["ok"]:
                    return VerifyResult(
                        False, 0, None, "SQLite integrity: " + "; ".join(problems[:3])
                    )
            seal = self._seal_row(db)
            key = self.access.key
            if key is not None:
                if seal is None:
                    return VerifyResult(
                        False,
                        0,
                        None,
                        "the audit chain is not sealed with this install's journal key (a "
                        "plain SHA-256 chain: written or rewritten without the key)",
                    )
                if not same(seal["key_id"], key.key_id) or seal["scheme"] != SCHEME_KEYED:
                    return VerifyResult(
                        False, 0, None, "the audit chain is sealed with another journal key"
                    )
                chain = self._check_chain(db, key, batch=batch)
            else:
                chain = self._check_chain(db, None, plain=seal is None, batch=batch)
            if not chain.ok:
                return chain
            count = chain.rows
            problem, state_rows = self._replay(db)
            if problem is None:
                problem = self._refund_totals_problem(db)
            if problem is not None:
                return VerifyResult(False, count, None, problem, state_rows=state_rows)
        return VerifyResult(True, count, authentic=key is not None, state_rows=state_rows)

    def _check_chain(
        self, db: Db, key: JournalKey | None, *, plain: bool = False, batch: int = 5000
    ) -> VerifyResult:
        """Walk the chain: links, and each row's MAC (``key``) or plain hash (``plain``);
        with neither, only the links and the head (a sealed chain checked without its key)."""
        prev_hash = GENESIS
        expected_id = 1
        count = 0
        last_id = 0
        recompute = key is not None or plain
        while True:
            rows = self.access.rows(
                db,
                "SELECT * FROM events WHERE id >= ? ORDER BY id LIMIT ?",
                (expected_id, batch),
            )
            if not rows:
                break
            for row in rows:
                rid = int(row["id"])
                if rid != expected_id:
                    missing = (
                        f"row {expected_id} is missing (deleted)"
                        if rid == expected_id + 1
                        else f"rows {expected_id} to {rid - 1} are missing (deleted)"
                    )
                    return VerifyResult(False, count, expected_id, missing)
                if row["prev_hash"] != prev_hash:
                    return VerifyResult(
                        False,
                        count,
                        rid,
                        "its link to the previous row is broken (rows reordered, replaced or deleted)",
                    )
                if recompute and not same(row_hash(prev_hash, row, key), str(row["hash"])):
                    what = "MAC" if key is not None else "hash"
                    return VerifyResult(
                        False, count, rid, f"its content does not match its {what} (edited)"
                    )
                prev_hash = row["hash"]
                count += 1
                last_id = rid
                expected_id = rid + 1
        head = self.access.one(db, "SELECT last_id, last_hash, count FROM chain_head WHERE id = 1")
        if head is None:
            if count:
                return VerifyResult(False, count, None, "the chain head is missing")
        elif (
            int(head["last_id"]) != last_id
            or head["last_hash"] != prev_hash
            or int(head["count"]) != count
        ):
            if int(head["last_id"]) > last_id:
                return VerifyResult(
                    False,
                    count,
                    last_id + 1,
                    f"rows {last_id + 1} to {head['last_id']} are missing (deleted from the end)",
                )
            return VerifyResult(False, count, None, "the chain head does not match the last row")
        return VerifyResult(True, count)

    def _replay(self, db: Db) -> tuple[str | None, int]:
        """Replay the state-change events against the payments, captures and refunds;
        the first difference (naming the row and column) and how many rows were checked."""
        checked = 0
        # four streams read side by side (server-side cursors on PostgreSQL): memory is
        # bounded by one payment's history, however large the journal
        merged = replay.merge_by_payment(
            stream(db, "SELECT * FROM payments ORDER BY id"),
            stream(
                db,
                "SELECT id, at_ms, payment, api, request_id, from_status, to_status, operator, "
                "terminal_id, detail FROM events WHERE payment IS NOT NULL "
                "AND kind = 'STATE_CHANGE' ORDER BY payment, id",
            ),
            stream(db, "SELECT * FROM captures ORDER BY payment, id"),
            stream(db, "SELECT * FROM refunds ORDER BY payment, id"),
        )
        for pid, payment, events, captures, refunds in merged:
            problem = replay.check_payment(pid, payment, events, captures, refunds)
            if problem is not None:
                return problem, checked
            checked += (payment is not None) + len(captures) + len(refunds)
        return None, checked

    def _refund_totals_problem(self, db: Db) -> str | None:
        refunds = self.access.one(
            db,
            "SELECT p.id FROM payments AS p LEFT JOIN (SELECT payment, sum(amount_minor) AS s "
            "FROM refunds WHERE status = 'SUCCEEDED' GROUP BY payment) AS r "
            "ON r.payment = p.id WHERE p.refunded_minor != coalesce(r.s, 0) "
            "ORDER BY p.id LIMIT 1",
        )
        if refunds is None:
            return None
        return (
            f"payment {refunds['id']}: refunded total differs from its refunds "
            "(edited outside posapp)"
        )
