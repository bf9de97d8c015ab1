"""The journal's repository: the only code that writes SQL for the journal.

Writers (the services) record an intent before the network, every request and answer
(sanitised), and every state change; each write is one ``BEGIN IMMEDIATE`` transaction, so
two processes on one journal see each other's changes whole and never interleave a
read-check-write. Every state change goes through the state machine in
``posapp.core.domain`` and appends a hash-chained audit event in the same transaction.

Readers (the screens) get keyset-paginated order lists, held authorisations by time left,
counts by status, settlement work lists, duplicate checks and event timelines; each is
served by an index (see migrations.py) so that it stays fast at a million payments.

Derived facts kept here, in the same transaction as their cause:
- a capture that succeeds sets the payment's captured amount and moves it to CAPTURED;
  one that fails (or was never sent) puts a CAPTURE_PENDING payment back to AUTHORISED;
- a refund that succeeds adds to the refunded total and moves the payment to
  PARTIALLY_REFUNDED or REFUNDED;
- entering CAPTURED with nothing recorded as captured (automatic capture, notifications)
  records the full amount as captured.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from posapp.core.cards import MaskedCard
from posapp.core.clock import Clock, SystemClock
from posapp.core.domain import (
    Capture,
    CaptureMode,
    DomainError,
    Event,
    EventKind,
    NewPayment,
    OperationStatus,
    OperationUpdate,
    Payment,
    PaymentStatus,
    PaymentUpdate,
    Refund,
    capture_deadline,
)
from posapp.core.journal import replay
from posapp.core.journal.audit import (
    GENESIS,
    SCHEME_KEYED,
    JournalKey,
    VerifyResult,
    canonical_json,
    row_hash,
    same,
)
from posapp.core.journal.db import Journal, JournalOptions, open_journal
from posapp.core.journal.errors import translating
from posapp.core.journal.identity import JournalIdentity, JournalWrongEnvironment
from posapp.core.journal.migrations import (
    EVENTS_NO_UPDATE_TRIGGER,
    UNSETTLED_OPERATION_SQL,
    UNSETTLED_SQL,
)
from posapp.core.journal.sanitise import sanitise
from posapp.core.journal.search import text_arms
from posapp.core.money import Money
from posapp.core.rules import capture_refusal, pending_refunds, refund_refusal
from posapp.core.usertext import UserText, to_record

log = logging.getLogger(__name__)

Row = dict[str, Any]
APPROVAL_ACTIONS = ("capture", "cancel", "refund")
DEFAULT_PAGE_SIZE = 50
_REFUNDS_OF_PAYMENT = "SELECT * FROM refunds WHERE payment = ? ORDER BY id"
MAX_PAGE_SIZE = 1000
DUPLICATE_CARD_WINDOW = timedelta(minutes=10)


class PaymentNotFound(DomainError, LookupError):
    """No payment (capture, refund) with that id in the journal."""


class StaleRecord(DomainError):
    """The row changed since the caller read it (another window acted first)."""


class JournalKeyError(DomainError):
    """The install's journal key is missing, or is not the key that sealed this journal."""


def approval_text(
    action: str,
    payment: Payment,
    request_id: str,
    amount: Money,
    manager: str,
    approved_ms: int,
) -> str:
    """What an approval's MAC covers: the action, the payment (local id, paymentRequestId
    and Antom's paymentId), the operation's request id and amount, who approved and when."""
    return canonical_json(
        [
            "posapp-approval-1",
            action,
            payment.id,
            payment.payment_request_id,
            payment.payment_id or "",
            request_id,
            amount.minor,
            amount.currency,
            manager,
            approved_ms,
        ]
    )


# -- time ---------------------------------------------------------------------------------
def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; naive datetimes are refused (they hide time zones)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    # integer arithmetic: a float round trip can move a time by 1 ms, and a keyset
    # cursor built from a row's time must find that very row again
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _opt_ms(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)


def _opt_dt(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


# -- queries ------------------------------------------------------------------------------
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


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One payment as accountants see it: no card data beyond brand and last 4."""

    created_at: datetime
    reference_order_id: str
    payment_request_id: str
    payment_id: str
    status: str
    currency: str
    amount: str
    captured: str
    refunded: str
    capture_mode: str
    card_brand: str
    card_last4: str
    authorised_at: datetime | None
    result_code: str
    operator: str
    terminal_id: str


EXPORT_COLUMNS: tuple[str, ...] = tuple(ExportRow.__dataclass_fields__)

_PAYMENT_UPDATE_COLUMNS = (
    ("payment_id", "payment_id"),
    ("result_code", "result_code"),
    ("result_status", "result_status"),
    ("result_message", "result_message"),
    ("avs_result", "avs_result"),
    ("cvv_result", "cvv_result"),
    ("network_transaction_id", "network_transaction_id"),
    ("auth_code", "auth_code"),
    ("three_ds_url", "three_ds_url"),
)


class JournalRepository:
    """Reads and writes payments, captures, refunds and audit events in one journal."""

    def __init__(
        self, journal: Journal, clock: Clock | None = None, key: JournalKey | None = None
    ) -> None:
        self.journal = journal
        self.clock: Clock = clock or SystemClock()
        # the install's journal key: MACs the chain (once sealed) and the approvals
        self.key = key

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        clock: Clock | None = None,
        create: bool = True,
        read_only: bool = False,
        options: JournalOptions | None = None,
        key: JournalKey | None = None,
    ) -> JournalRepository:
        """Open (and migrate) the journal; with ``key``, a plain chain is re-sealed under it
        once (see ``seal``) and a journal sealed under another key is refused.
        ``read_only``: for tools that only look (verify, export); nothing is written, and
        nothing is sealed."""
        repo = cls(
            open_journal(path, create=create, read_only=read_only, options=options), clock, key
        )
        if key is not None and not read_only:
            try:
                repo.seal()
            except BaseException:
                repo.close()
                raise
        return repo

    def close(self) -> None:
        self.journal.close()

    @contextmanager
    def transaction(self) -> Iterator[JournalRepository]:
        """Group several writes into one atomic transaction (nests as savepoints)."""
        with self.journal.write():
            yield self

    def data_version(self) -> int:
        """Changes when another connection (window, process) commits: cheap refresh check."""
        return self.journal.data_version()

    # -- whose journal this is ------------------------------------------------------------
    def identity(self) -> JournalIdentity | None:
        """The environment and client id recorded in the journal (None: not yet recorded,
        or a journal from before schema step 0004 opened without migrating)."""
        with translating(self.journal.path):
            db = self.journal.db()
            exists = db.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal_identity'"
            ).fetchone()
            if not exists:
                return None
            row = db.conn.execute(
                "SELECT environment, client_id FROM journal_identity WHERE id = 1"
            ).fetchone()
        return None if row is None else JournalIdentity(str(row[0]), str(row[1]))

    def check_identity(self, wanted: JournalIdentity) -> None:
        """JournalWrongEnvironment if the journal records another environment or client."""
        recorded = self.identity()
        if recorded is not None and not recorded.accepts(wanted):
            raise JournalWrongEnvironment(recorded, wanted, path=self.journal.path)

    def bind_identity(self, wanted: JournalIdentity, *, terminal_id: str) -> JournalIdentity:
        """Record ``wanted`` if the journal has no identity yet (a new journal, or one from
        before step 0004: adopted once, journaled); refuse a journal recorded as another."""
        with self.journal.write() as db:
            row = self._one(db, "SELECT environment, client_id FROM journal_identity WHERE id = 1")
            if row is not None:
                recorded = JournalIdentity(row["environment"], row["client_id"])
                if not recorded.accepts(wanted):
                    raise JournalWrongEnvironment(recorded, wanted, path=self.journal.path)
                return recorded
            adopted = db.conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
            now = self._now_ms()
            db.conn.execute(
                "INSERT INTO journal_identity (id, environment, client_id, recorded_ms, adopted) "
                "VALUES (1, ?, ?, ?, ?)",
                (wanted.environment, wanted.client_id, now, int(adopted)),
            )
            if adopted:  # a new journal's first event is its first payment's
                self._append_event(
                    db,
                    EventKind.NOTE,
                    operator="system",
                    terminal_id=terminal_id,
                    detail={
                        "note": "journal adopted by this environment",
                        "environment": wanted.environment,
                        "client_id": wanted.client_id,
                    },
                    at_ms=now,
                )
            return wanted

    # -- low level ------------------------------------------------------------------------
    def _now_ms(self) -> int:
        return to_ms(self.clock.now())

    def _rows(self, db: Database, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        # plain dicts: name lookups on sqlite3.Row cost 2-3x more, and rows are read a lot
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def _one(self, db: Database, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = db.conn.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with translating(self.journal.path):
            return self._rows(self.journal.db(), sql, params)

    def _append_event(
        self,
        db: Database,
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
        head = self._one(db, "SELECT last_id, last_hash, count FROM chain_head WHERE id = 1")
        prev_hash = head["last_hash"] if head else GENESIS
        count = head["count"] if head else 0
        top = db.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        clean = sanitise(dict(detail or {}))
        row: dict[str, Any] = {
            "id": int(top) + 1,
            "at_ms": self._now_ms() if at_ms is None else at_ms,
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
        return _event(row)

    # -- the keyed chain ------------------------------------------------------------------
    def _seal_row(self, db: Database) -> Row | None:
        try:
            return self._one(db, "SELECT * FROM chain_seal WHERE id = 1")
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

    def _chain_key(self, db: Database) -> JournalKey | None:
        """The key new rows are MAC'd with: this install's once the chain is sealed."""
        seal = self._seal_row(db)
        if seal is None:
            return None
        if self.key is None:
            raise JournalKeyError(
                "the journal is sealed and no journal key was given",
                user_message=UserText(
                    "journal.key_missing",
                    "This journal is sealed with this install's journal key, which is not "
                    "available (is the system keyring unlocked?)",
                ),
            )
        if not same(seal["key_id"], self.key.key_id):
            raise self._key_mismatch()
        return self.key

    def is_sealed(self) -> bool:
        with translating(self.journal.path):
            return self._seal_row(self.journal.db()) is not None

    def seal(self) -> bool:
        """Re-seal a plain SHA-256 chain once under ``self.key`` (HMAC-SHA256); journaled.

        Sealed only when the plain chain verifies and every row predates the key (the
        journal was written by a posapp that had no key): a chain written, or rewritten,
        after the key existed is never blessed. Otherwise the journal stays unsealed, a
        SECURITY event says why, and ``verify`` with the key fails. True when the chain is
        keyed under this key; JournalKeyError when it is sealed under another one.
        """
        key = self.key
        if key is None:
            return False
        with self.journal.write() as db:
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
                log.warning("journal %s not sealed: %s", self.journal.path, problem)
                self._append_event(
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
                (SCHEME_KEYED, key.key_id, self._now_ms(), int(count)),
            )
            if not count:
                return True  # a new journal: keyed from its first row, nothing to re-seal
            self._append_event(
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

    def _reseal_rows(self, db: Database, key: JournalKey, batch: int = 5000) -> None:
        """Recompute every row's link under ``key`` (the caller holds the write lock)."""
        conn = db.conn
        conn.execute("DROP TRIGGER IF EXISTS events_no_update")
        prev = GENESIS
        after = 0
        while True:
            rows = self._rows(
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
        conn.execute(EVENTS_NO_UPDATE_TRIGGER)
        if after:
            conn.execute("UPDATE chain_head SET last_hash = ? WHERE id = 1", (prev,))

    # -- approvals ------------------------------------------------------------------------
    def _require_key(self) -> JournalKey:
        if self.key is None:
            raise JournalKeyError(
                "no journal key: approvals cannot be recorded or checked",
                user_message=UserText(
                    "approval.no_key",
                    "Manager approvals need this install's journal key, which is not "
                    "available (is the system keyring unlocked?)",
                ),
            )
        return self.key

    def record_approval(
        self,
        action: str,
        payment: Payment,
        request_id: str,
        amount: Money,
        *,
        manager: str,
        terminal_id: str,
        approved_at: datetime,
    ) -> None:
        """Journal the manager approval of one capture / cancel / refund, MAC'd under the
        journal key (the approvals row) and in the audit chain (an APPROVAL event)."""
        if action not in APPROVAL_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        key = self._require_key()
        approved_ms = to_ms(approved_at)
        mac = key.mac(approval_text(action, payment, request_id, amount, manager, approved_ms))
        with self.journal.write() as db:
            db.conn.execute(
                "INSERT INTO approvals (action, payment, request_id, amount_minor, currency, "
                "manager, approved_ms, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    action,
                    payment.id,
                    request_id,
                    amount.minor,
                    amount.currency,
                    manager,
                    approved_ms,
                    mac,
                ),
            )
            self._append_event(
                db,
                EventKind.APPROVAL,
                operator=manager,
                terminal_id=terminal_id,
                payment=payment.id,
                api=action,
                request_id=request_id,
                detail={
                    "action": action,
                    "amount": amount.to_antom(),
                    "approved_at": approved_at.isoformat(),
                },
            )

    def approval_problem(
        self, action: str, payment: Payment, request_id: str, amount: Money
    ) -> str | None:
        """None when a journaled approval verifies under the key and names this action,
        payment, request id and amount; otherwise why not (for the SECURITY event)."""
        if self.key is None:
            return "this install's journal key is not available"
        try:
            rows = self._read(
                "SELECT manager, approved_ms, mac FROM approvals "
                "WHERE payment = ? AND action = ? AND request_id = ?",
                (payment.id, action, request_id),
            )
        except sqlite3.OperationalError:
            rows = []
        if not rows:
            return "no manager approval is journaled for it"
        for row in rows:
            expected = self.key.mac(
                approval_text(
                    action,
                    payment,
                    request_id,
                    amount,
                    str(row["manager"]),
                    int(row["approved_ms"]),
                )
            )
            if same(expected, str(row["mac"])):
                return None
        return "its approval does not verify (forged, or for another payment, request or amount)"

    # -- payments: writes -----------------------------------------------------------------
    def record_intent(self, new: NewPayment) -> Payment:
        """Journal a payment as INTENT, before the pay request may leave.

        A reused paymentRequestId is a bug in the caller and raises sqlite3.IntegrityError.
        """
        new.amount.check_antom()
        if new.amount.minor <= 0:
            raise DomainError(
                "amount must be above zero",
                user_message=UserText("journal.amount_not_positive", "Enter an amount above zero"),
            )
        now = self._now_ms()
        first_row = {
            "reference_order_id": new.reference_order_id,
            "amount_minor": new.amount.minor,
            "currency": new.amount.currency,
            "capture_mode": new.capture_mode.value,
            "card_brand": new.card.brand,
            "card_bin6": new.card.bin6[:6],
            "card_last4": new.card.last4[-4:],
            "card_fingerprint": new.card_fingerprint,
            "order_description": new.order_description,
            "expires_ms": _opt_ms(new.expires_at),
        }
        with self.journal.write() as db:
            cur = db.conn.execute(
                "INSERT INTO payments (payment_request_id, reference_order_id, amount_minor, "
                "currency, capture_mode, card_brand, card_bin6, card_last4, card_fingerprint, "
                "status, order_description, expires_ms, operator, terminal_id, created_ms, "
                "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.payment_request_id,
                    new.reference_order_id,
                    new.amount.minor,
                    new.amount.currency,
                    new.capture_mode.value,
                    new.card.brand,
                    new.card.bin6[:6],
                    new.card.last4[-4:],
                    new.card_fingerprint,
                    PaymentStatus.INTENT.value,
                    new.order_description,
                    _opt_ms(new.expires_at),
                    new.operator,
                    new.terminal_id,
                    now,
                    now,
                ),
            )
            local_id = int(cur.lastrowid or 0)
            self._append_event(
                db,
                EventKind.STATE_CHANGE,
                operator=new.operator,
                terminal_id=new.terminal_id,
                payment=local_id,
                api="pay",
                request_id=new.payment_request_id,
                to_status=PaymentStatus.INTENT.value,
                detail={
                    "reference_order_id": new.reference_order_id,
                    "amount": new.amount.to_antom(),
                    "capture_mode": new.capture_mode.value,
                    "card": {"brand": new.card.brand, "last4": new.card.last4},
                    "format": replay.ROW_FORMAT,
                    "row": replay.payment_row_image(first_row),
                },
                at_ms=now,
            )
            return self._payment_in(db, local_id)

    def transition(
        self,
        payment: int,
        status: PaymentStatus,
        *,
        operator: str,
        terminal_id: str,
        update: PaymentUpdate | None = None,
        reason: str = "",
        expected_version: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Payment:
        """Move a payment to ``status`` (state machine checked) and apply ``update``.

        Staying in the same state with new facts is allowed and journaled; staying in the
        same state with nothing new writes nothing. Raises IllegalTransition, StaleRecord
        (``expected_version`` given and the row moved on) or PaymentNotFound.
        """
        with self.journal.write() as db:
            return self._transition_in(
                db,
                payment,
                status,
                operator=operator,
                terminal_id=terminal_id,
                update=update or PaymentUpdate(),
                reason=reason,
                expected_version=expected_version,
                detail=detail,
            )

    def _transition_in(
        self,
        db: Database,
        payment: int,
        status: PaymentStatus,
        *,
        operator: str,
        terminal_id: str,
        update: PaymentUpdate,
        reason: str = "",
        expected_version: int | None = None,
        detail: Mapping[str, Any] | None = None,
        derived: Mapping[str, int] | None = None,
    ) -> Payment:
        row = self._one(db, "SELECT * FROM payments WHERE id = ?", (payment,))
        if row is None:
            raise PaymentNotFound(f"no payment with local id {payment}")
        current = PaymentStatus(row["status"])
        if expected_version is not None and row["version"] != expected_version:
            raise StaleRecord(
                f"payment {payment} is at version {row['version']}, not {expected_version}",
                user_message=UserText(
                    "journal.changed_elsewhere",
                    "This payment changed in another window; refresh and try again.",
                ),
            )
        current.check_transition(status)
        changes: dict[str, Any] = {}
        for attr, column in _PAYMENT_UPDATE_COLUMNS:
            value = getattr(update, attr)
            if value is not None and value != row[column]:
                changes[column] = value
        if update.card is not None:
            for column, value in (
                ("card_brand", update.card.brand),
                ("card_bin6", update.card.bin6[:6]),
                ("card_last4", update.card.last4[-4:]),
            ):
                if value and value != row[column]:
                    changes[column] = value
        if update.authorised_at is not None:
            auth_ms = to_ms(update.authorised_at)
            deadline = update.auth_expiry or capture_deadline(update.authorised_at)
            if auth_ms != row["authorised_ms"]:
                changes["authorised_ms"] = auth_ms
            if to_ms(deadline) != row["capture_deadline_ms"]:
                changes["capture_deadline_ms"] = to_ms(deadline)
        elif (
            update.auth_expiry is not None
            and to_ms(update.auth_expiry) != row["capture_deadline_ms"]
        ):
            changes["capture_deadline_ms"] = to_ms(update.auth_expiry)
        if update.expires_at is not None and to_ms(update.expires_at) != row["expires_ms"]:
            changes["expires_ms"] = to_ms(update.expires_at)
        for column, value in (derived or {}).items():
            if value != row[column]:
                changes[column] = value  # captured / refunded totals, journaled with the change
        if (
            status is PaymentStatus.CAPTURED
            and not row["captured_minor"]
            and "captured_minor" not in changes
        ):
            changes["captured_minor"] = row["amount_minor"]
        if status is not current:
            changes["status"] = status.value
        if not changes:
            return _payment(row)
        now = self._now_ms()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        db.conn.execute(
            f"UPDATE payments SET {assignments}, updated_ms = ?, version = version + 1 "  # noqa: S608 - column names are ours
            "WHERE id = ?",
            [*changes.values(), now, payment],
        )
        info: dict[str, Any] = {k: v for k, v in changes.items() if k != "status"}
        payload: dict[str, Any] = {"changes": info}
        if reason:
            # a message as data (id + values + its English), so that no screen parses it
            payload["reason"] = to_record(reason) if isinstance(reason, UserText) else reason
        if detail:
            payload["detail"] = dict(detail)
        self._append_event(
            db,
            EventKind.STATE_CHANGE,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            request_id=row["payment_request_id"],
            from_status=current.value,
            to_status=status.value,
            detail=payload,
            at_ms=now,
        )
        return self._payment_in(db, payment)

    # -- audit events ---------------------------------------------------------------------
    def record_event(
        self,
        kind: EventKind,
        *,
        operator: str,
        terminal_id: str,
        payment: int | None = None,
        api: str | None = None,
        request_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Event:
        """Append any audit event (approvals, security events, notes). ``detail`` is sanitised."""
        with self.journal.write() as db:
            return self._append_event(
                db,
                kind,
                operator=operator,
                terminal_id=terminal_id,
                payment=payment,
                api=api,
                request_id=request_id,
                detail=detail,
            )

    def record_request(
        self,
        api: str,
        body: Mapping[str, Any],
        *,
        operator: str,
        terminal_id: str,
        request_id: str | None = None,
        payment: int | None = None,
    ) -> Event:
        """Journal a request about to be sent to Antom (card number and CVV stripped)."""
        return self.record_event(
            EventKind.REQUEST_SENT,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=api,
            request_id=request_id,
            detail={"body": body},
        )

    def record_response(
        self,
        api: str,
        body: Mapping[str, Any] | None,
        *,
        operator: str,
        terminal_id: str,
        request_id: str | None = None,
        payment: int | None = None,
        http_status: int | None = None,
        outcome: str | None = None,
        error: str | Mapping[str, Any] | None = None,
    ) -> Event:
        """Journal an answer from Antom, or the lack of one (``error``: timeout, reset...;
        a ``to_record`` message when it has words for people)."""
        detail: dict[str, Any] = {"body": body}
        if http_status is not None:
            detail["http_status"] = http_status
        if outcome is not None:
            detail["outcome"] = outcome
        if error is not None:
            detail["error"] = error
        return self.record_event(
            EventKind.RESPONSE_RECEIVED,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=api,
            request_id=request_id,
            detail=detail,
        )

    def record_notification(
        self,
        api: str,
        body: Mapping[str, Any],
        *,
        verified: bool,
        operator: str,
        terminal_id: str,
        request_id: str | None = None,
        payment: int | None = None,
    ) -> Event:
        """Journal an incoming notification; an unverified one is a SECURITY event."""
        return self.record_event(
            EventKind.NOTIFICATION if verified else EventKind.SECURITY,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=api,
            request_id=request_id,
            detail={"body": body, "signature_ok": verified},
        )

    # -- captures -------------------------------------------------------------------------
    def record_capture_intent(
        self,
        payment: int,
        capture_request_id: str,
        *,
        operator: str,
        terminal_id: str,
        amount: Money | None = None,
    ) -> Capture:
        """Journal a capture (full amount) before sending it; the payment -> CAPTURE_PENDING.

        Raises DomainError (with a user message) when the payment is not held or its
        7-day window has passed.
        """
        now = self.clock.now()
        with self.journal.write() as db:
            row = self._payment_row(db, payment)
            pay = _payment(row)
            amount = amount or pay.amount
            refusal = capture_refusal(pay, now)
            if refusal is not None:
                raise DomainError(
                    f"payment {payment} is {pay.status.value}"
                    f"{'' if pay.status is PaymentStatus.AUTHORISED else ', not AUTHORISED'}: "
                    f"{refusal}",
                    user_message=refusal,
                )
            if amount != pay.amount:
                raise DomainError(
                    "only full captures are supported",
                    user_message=UserText(
                        "journal.capture_full",
                        "Capture the full amount ({amount}).",
                        amount=str(pay.amount),
                    ),
                )
            new_id = self._insert_operation(
                db,
                "capture",
                payment,
                capture_request_id,
                amount,
                operator=operator,
                terminal_id=terminal_id,
                at_ms=to_ms(now),
            )
            self._transition_in(
                db,
                payment,
                PaymentStatus.CAPTURE_PENDING,
                operator=operator,
                terminal_id=terminal_id,
                update=PaymentUpdate(),
                reason=f"capture {capture_request_id} requested",
            )
            return self._capture_in(db, "id = ?", new_id)

    def update_capture(
        self,
        capture_request_id: str,
        status: OperationStatus,
        *,
        operator: str,
        terminal_id: str,
        update: OperationUpdate | None = None,
    ) -> Capture:
        """Record a capture's outcome; the payment follows (CAPTURED, or back to AUTHORISED)."""
        update = update or OperationUpdate()
        with self.journal.write() as db:
            before = self._capture_in(db, "capture_request_id = ?", capture_request_id)
            changed = self._update_operation(
                db,
                "captures",
                "capture_id",
                before.id,
                before.status,
                status,
                update,
                payment=before.payment,
                request_id=capture_request_id,
                operator=operator,
                terminal_id=terminal_id,
            )
            after = self._capture_in(db, "id = ?", before.id)
            if changed and status is not before.status:
                pay = _payment(self._payment_row(db, before.payment))
                if status is OperationStatus.SUCCEEDED:
                    self._transition_in(
                        db,
                        before.payment,
                        PaymentStatus.CAPTURED
                        if pay.status.can_become(PaymentStatus.CAPTURED)
                        else pay.status,
                        operator=operator,
                        terminal_id=terminal_id,
                        update=PaymentUpdate(),
                        reason=f"capture {capture_request_id} succeeded",
                        derived={"captured_minor": before.amount.minor},
                    )
                elif (
                    status in (OperationStatus.FAILED, OperationStatus.NOT_SENT)
                    and pay.status is PaymentStatus.CAPTURE_PENDING
                ):
                    self._transition_in(
                        db,
                        before.payment,
                        PaymentStatus.AUTHORISED,
                        operator=operator,
                        terminal_id=terminal_id,
                        update=PaymentUpdate(),
                        reason=f"capture {capture_request_id} {status.value.lower()}",
                    )
            return after

    # -- refunds --------------------------------------------------------------------------
    def record_refund_intent(
        self,
        payment: int,
        refund_request_id: str,
        amount: Money,
        *,
        operator: str,
        terminal_id: str,
        reason: str = "",
    ) -> Refund:
        """Journal a refund before sending it.

        Raises DomainError (with a user message) unless the payment is captured and
        ``amount`` fits in what is left (captured - refunded - refunds still pending).
        """
        now_ms = self._now_ms()
        with self.journal.write() as db:
            pay = _payment(self._payment_row(db, payment))
            refunds = [_refund(r) for r in self._rows(db, _REFUNDS_OF_PAYMENT, (payment,))]
            refusal = refund_refusal(pay, amount, pending=pending_refunds(refunds))
            if refusal is not None:
                raise DomainError(
                    f"payment {payment} is {pay.status.value}: not refundable as asked "
                    f"({amount}): {refusal}",
                    user_message=refusal,
                )
            new_id = self._insert_operation(
                db,
                "refund",
                payment,
                refund_request_id,
                amount,
                operator=operator,
                terminal_id=terminal_id,
                at_ms=now_ms,
                reason=reason,
            )
            return self._refund_in(db, "id = ?", new_id)

    def update_refund(
        self,
        refund_request_id: str,
        status: OperationStatus,
        *,
        operator: str,
        terminal_id: str,
        update: OperationUpdate | None = None,
    ) -> Refund:
        """Record a refund's outcome; a success adds to the payment's refunded total."""
        update = update or OperationUpdate()
        with self.journal.write() as db:
            before = self._refund_in(db, "refund_request_id = ?", refund_request_id)
            changed = self._update_operation(
                db,
                "refunds",
                "refund_id",
                before.id,
                before.status,
                status,
                update,
                payment=before.payment,
                request_id=refund_request_id,
                operator=operator,
                terminal_id=terminal_id,
            )
            if changed and status is OperationStatus.SUCCEEDED and before.status is not status:
                row = self._payment_row(db, before.payment)
                refunded = int(row["refunded_minor"]) + before.amount.minor
                current = PaymentStatus(row["status"])
                target = (
                    PaymentStatus.REFUNDED
                    if refunded >= int(row["captured_minor"] or row["amount_minor"])
                    else PaymentStatus.PARTIALLY_REFUNDED
                )
                self._transition_in(
                    db,
                    before.payment,
                    target if current.can_become(target) else current,
                    operator=operator,
                    terminal_id=terminal_id,
                    update=PaymentUpdate(),
                    reason=f"refund {refund_request_id} succeeded",
                    derived={"refunded_minor": refunded},
                )
            return self._refund_in(db, "id = ?", before.id)

    def _insert_operation(
        self,
        db: Database,
        kind: str,
        payment: int,
        request_id: str,
        amount: Money,
        *,
        operator: str,
        terminal_id: str,
        at_ms: int,
        reason: str | None = None,
    ) -> int:
        """Journal a capture or refund (``kind``) as INTENT, with its audit event; its id."""
        row: dict[str, Any] = {
            "payment": payment,
            f"{kind}_request_id": request_id,
            "amount_minor": amount.minor,
            "currency": amount.currency,
            "status": OperationStatus.INTENT.value,
        }
        detail: dict[str, Any] = {"operation": kind, "amount": amount.to_antom()}
        if reason is not None:
            row["reason"] = detail["reason"] = reason
        row.update(operator=operator, terminal_id=terminal_id, created_ms=at_ms, updated_ms=at_ms)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = db.conn.execute(
            f"INSERT INTO {kind}s ({names}) VALUES ({marks})",  # noqa: S608 - names are ours
            list(row.values()),
        )
        self._append_event(
            db,
            EventKind.STATE_CHANGE,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=kind,
            request_id=request_id,
            to_status=OperationStatus.INTENT.value,
            detail=detail,
            at_ms=at_ms,
        )
        return int(cur.lastrowid or 0)

    def _update_operation(
        self,
        db: Database,
        table: str,
        antom_column: str,
        op_id: int,
        current: OperationStatus,
        status: OperationStatus,
        update: OperationUpdate,
        *,
        payment: int,
        request_id: str,
        operator: str,
        terminal_id: str,
    ) -> bool:
        current.check_transition(status)
        row = self._one(db, f"SELECT * FROM {table} WHERE id = ?", (op_id,))  # noqa: S608 - table is ours
        assert row is not None
        changes: dict[str, Any] = {}
        for attr, column in (
            ("antom_id", antom_column),
            ("result_code", "result_code"),
            ("result_status", "result_status"),
            ("result_message", "result_message"),
        ):
            value = getattr(update, attr)
            if value is not None and value != row[column]:
                changes[column] = value
        if status is not current:
            changes["status"] = status.value
            if status.is_final and row["completed_ms"] is None:
                changes["completed_ms"] = _opt_ms(update.completed_at) or self._now_ms()
        if not changes:
            return False
        now = self._now_ms()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        db.conn.execute(
            f"UPDATE {table} SET {assignments}, updated_ms = ? WHERE id = ?",  # noqa: S608 - names are ours
            [*changes.values(), now, op_id],
        )
        self._append_event(
            db,
            EventKind.STATE_CHANGE,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api="capture" if table == "captures" else "refund",
            request_id=request_id,
            from_status=current.value,
            to_status=status.value,
            detail={
                "operation": table[:-1],
                "changes": {k: v for k, v in changes.items() if k != "status"},
            },
            at_ms=now,
        )
        return True

    # -- single lookups -------------------------------------------------------------------
    def _payment_row(self, db: Database, payment: int) -> Row:
        row = self._one(db, "SELECT * FROM payments WHERE id = ?", (payment,))
        if row is None:
            raise PaymentNotFound(f"no payment with local id {payment}")
        return row

    def _payment_in(self, db: Database, payment: int) -> Payment:
        return _payment(self._payment_row(db, payment))

    def _operation_row(self, db: Database, kind: str, where: str, value: Any) -> Row:
        row = self._one(db, f"SELECT * FROM {kind}s WHERE {where}", (value,))  # noqa: S608 - names are ours
        if row is None:
            raise PaymentNotFound(f"no {kind} where {where} {value!r}")
        return row

    def _capture_in(self, db: Database, where: str, value: Any) -> Capture:
        return _capture(self._operation_row(db, "capture", where, value))

    def _refund_in(self, db: Database, where: str, value: Any) -> Refund:
        return _refund(self._operation_row(db, "refund", where, value))

    def get_payment(self, payment: int) -> Payment | None:
        rows = self._read("SELECT * FROM payments WHERE id = ?", (payment,))
        return _payment(rows[0]) if rows else None

    def payment_by_request_id(self, payment_request_id: str) -> Payment | None:
        rows = self._read(
            "SELECT * FROM payments WHERE payment_request_id = ?", (payment_request_id,)
        )
        return _payment(rows[0]) if rows else None

    def payment_by_payment_id(self, payment_id: str) -> Payment | None:
        rows = self._read("SELECT * FROM payments WHERE payment_id = ?", (payment_id,))
        return _payment(rows[0]) if rows else None

    def get_capture(self, capture_request_id: str) -> Capture | None:
        rows = self._read(
            "SELECT * FROM captures WHERE capture_request_id = ?", (capture_request_id,)
        )
        return _capture(rows[0]) if rows else None

    def get_refund(self, refund_request_id: str) -> Refund | None:
        rows = self._read("SELECT * FROM refunds WHERE refund_request_id = ?", (refund_request_id,))
        return _refund(rows[0]) if rows else None

    def captures_for(self, payment: int) -> list[Capture]:
        rows = self._read("SELECT * FROM captures WHERE payment = ? ORDER BY id", (payment,))
        return [_capture(r) for r in rows]

    def refunds_for(self, payment: int) -> list[Refund]:
        return [_refund(r) for r in self._read(_REFUNDS_OF_PAYMENT, (payment,))]

    # -- order list -----------------------------------------------------------------------
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
        sql, params = _list_sql(filter, direction, page.cursor, size + 1, descending)
        with translating(self.journal.path):
            rows = self._rows(self.journal.db(), sql, params)
        more = len(rows) > size
        rows = rows[:size]
        payments = [_payment(r) for r in rows]
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
        self, *, limit: int = DEFAULT_PAGE_SIZE, after: HeldCursor | None = None
    ) -> list[Payment]:
        """AUTHORISED payments, the one with the least time left to capture first."""
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        if after is None:
            rows = self._read(
                "SELECT * FROM payments WHERE status = 'AUTHORISED' "
                "ORDER BY capture_deadline_ms, id LIMIT ?",
                (limit,),
            )
        else:
            rows = self._read(
                "SELECT * FROM payments WHERE status = 'AUTHORISED' "
                "AND capture_deadline_ms >= ? "
                "AND (capture_deadline_ms > ? OR id > ?) "
                "ORDER BY capture_deadline_ms, id LIMIT ?",
                (after.deadline_ms, after.deadline_ms, after.id, limit),
            )
        return [_payment(r) for r in rows]

    def count_by_status(self, filter: PaymentFilter | None = None) -> dict[PaymentStatus, int]:
        """Payments per status: instant without a date range (kept by triggers)."""
        if filter is None or (filter.created_from is None and filter.created_to is None):
            rows = self._read("SELECT status, n FROM status_counts WHERE n > 0")
        else:
            where, params = _date_conditions(filter)
            rows = self._read(
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

    # -- order list by position (added for the Orders view's windowed table model, H6) -------
    def count_payments(self, filter: PaymentFilter | None = None) -> int:
        """How many payments ``list_payments`` would walk through with ``filter``."""
        filter = filter or PaymentFilter()
        if not filter.text.strip() and filter.created_from is None and filter.created_to is None:
            counts = self.count_by_status(filter)
            return sum(counts.values())
        sql, params = _list_sql(filter, PageDirection.FIRST, None, -1, True)
        rows = self._read(f"SELECT count(*) AS n FROM ({sql})", params)  # noqa: S608 - built from constants
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
        direction = PageDirection.LAST if from_oldest else PageDirection.FIRST
        sql, params = _list_sql(filter, direction, None, offset + size, not from_oldest)
        params[-1] = size  # the outer LIMIT; the inner arms keep offset + size rows each
        rows = self._read(f"{sql} OFFSET ?", [*params, offset])
        payments = [_payment(r) for r in rows]
        if from_oldest:
            payments.reverse()
        return payments

    def payments_touched_since(self, after_id: int, limit: int = 5000) -> tuple[list[int], int]:
        """Local ids of the payments that audit events after ``after_id`` are about, and the
        last event id read: a cheap "what changed" for a live view (no detail parsing)."""
        rows = self._read(
            "SELECT id, payment FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (int(after_id), int(limit)),
        )
        ids = list(dict.fromkeys(int(r["payment"]) for r in rows if r["payment"] is not None))
        return ids, (int(rows[-1]["id"]) if rows else int(after_id))

    def payment_versions(self, ids: Sequence[int]) -> dict[int, int]:
        """Each payment's row version (payments not in the journal are left out)."""
        found: dict[int, int] = {}
        keys = [int(k) for k in ids]
        for start in range(0, len(keys), 500):  # SQLite's bound on variables per statement
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read(f"SELECT id, version FROM payments WHERE id IN ({marks})", chunk)  # noqa: S608 - placeholders only
            found.update((int(r["id"]), int(r["version"])) for r in rows)
        return found

    def last_event_id(self) -> int:
        """The newest audit event's id (0 when empty): where a live view starts following."""
        rows = self._read("SELECT max(id) AS n FROM events")
        return int(rows[0]["n"] or 0) if rows else 0

    # -- settlement work ------------------------------------------------------------------
    def payments_needing_settlement(self, *, limit: int | None = None) -> list[Payment]:
        """Payments whose outcome is unknown (INTENT, PENDING, NEEDS_3DS, *_PENDING), oldest first."""
        sql = f"SELECT * FROM payments WHERE status IN {UNSETTLED_SQL} ORDER BY id"  # noqa: S608 - constant
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        return [_payment(r) for r in self._read(sql, params)]

    def captures_needing_settlement(self) -> list[Capture]:
        rows = self._read(
            f"SELECT * FROM captures WHERE status IN {UNSETTLED_OPERATION_SQL} ORDER BY id"  # noqa: S608 - constant
        )
        return [_capture(r) for r in rows]

    def refunds_needing_settlement(self) -> list[Refund]:
        rows = self._read(
            f"SELECT * FROM refunds WHERE status IN {UNSETTLED_OPERATION_SQL} ORDER BY id"  # noqa: S608 - constant
        )
        return [_refund(r) for r in rows]

    def expired_holds(self, now: datetime | None = None) -> list[Payment]:
        """AUTHORISED payments whose capture deadline has passed (to be marked RELEASED)."""
        moment = to_ms(now or self.clock.now())
        rows = self._read(
            "SELECT * FROM payments WHERE status = 'AUTHORISED' AND capture_deadline_ms <= ? "
            "ORDER BY capture_deadline_ms, id",
            (moment,),
        )
        return [_payment(r) for r in rows]

    # -- duplicates -----------------------------------------------------------------------
    def successful_payments_for_order(self, reference_order_id: str) -> list[Payment]:
        """Payments for this order that hold money (AUTHORISED ... PARTIALLY_REFUNDED)."""
        rows = self._read(
            "SELECT * FROM payments WHERE reference_order_id COLLATE NOCASE = ? "
            "AND reference_order_id = ? ORDER BY id",
            (reference_order_id, reference_order_id),
        )
        return [p for p in map(_payment, rows) if p.status.holds_money]

    def payments_for_order(self, reference_order_id: str) -> list[Payment]:
        rows = self._read(
            "SELECT * FROM payments WHERE reference_order_id COLLATE NOCASE = ? "
            "AND reference_order_id = ? ORDER BY id",
            (reference_order_id, reference_order_id),
        )
        return [_payment(r) for r in rows]

    def duplicate_orders(self, reference_order_ids: Iterable[str]) -> set[str]:
        """Which of these orders have more than one payment holding money, or one holding
        money and another that may (still pending, or judged never sent): for the list."""
        ids = sorted(set(reference_order_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._read(
                "SELECT reference_order_id, status FROM payments "  # noqa: S608 - placeholders
                f"WHERE reference_order_id COLLATE NOCASE IN ({marks})",
                chunk,
            )
            holding: dict[str, int] = {}
            doubtful: dict[str, int] = {}
            for row in rows:
                ref = row["reference_order_id"]
                status = PaymentStatus(row["status"])
                if ref not in chunk:
                    continue
                if status.holds_money:
                    holding[ref] = holding.get(ref, 0) + 1
                elif status.might_hold_money:
                    doubtful[ref] = doubtful.get(ref, 0) + 1
            # one payment holding money and another that may (pending, or judged never
            # sent) is a double charge in waiting: shown as one
            found.update(ref for ref, n in holding.items() if n + doubtful.get(ref, 0) > 1)
        return found

    def duplicate_flagged_orders(self) -> list[str]:
        """Orders that a DUPLICATE_FOUND audit row names, most recently flagged first (still
        open or not: ``duplicate_orders`` says which still have two successful payments)."""
        rows = self._read(
            "SELECT p.reference_order_id AS ref, max(e.id) AS last FROM events AS e "
            "INDEXED BY ix_events_duplicates JOIN payments AS p ON p.id = e.payment "
            "WHERE e.kind = 'DUPLICATE_FOUND' GROUP BY p.reference_order_id ORDER BY last DESC"
        )
        return [str(r["ref"]) for r in rows]

    def events_of_kind_for_payment(self, payment: int, kind: EventKind) -> list[Event]:
        """One payment's audit rows of one kind, oldest first."""
        rows = self._read(
            "SELECT * FROM events WHERE payment = ? AND kind = ? ORDER BY id",
            (payment, kind.value),
        )
        return [_event(r) for r in rows]

    def recent_same_card(
        self,
        card: MaskedCard,
        amount: Money,
        *,
        now: datetime | None = None,
        window: timedelta = DUPLICATE_CARD_WINDOW,
    ) -> list[Payment]:
        """Payments with the same brand + last 4 and amount, authorised, still in doubt or
        judged never sent within ``window``: the cashier is warned before sending another."""
        moment = now or self.clock.now()
        since = to_ms(moment - window)
        rows = self._read(
            "SELECT * FROM payments WHERE card_last4 = ? AND created_ms >= ? "
            "AND card_brand = ? AND amount_minor = ? AND currency = ? ORDER BY created_ms DESC",
            (card.last4, since, card.brand, amount.minor, amount.currency),
        )
        return [
            p
            for p in map(_payment, rows)
            if p.status.holds_money
            or p.status.might_hold_money
            or (p.authorised_at is not None and to_ms(p.authorised_at) >= since)
        ]

    # -- events ---------------------------------------------------------------------------
    def events_for_payment(self, payment: int) -> list[Event]:
        rows = self._read("SELECT * FROM events WHERE payment = ? ORDER BY id", (payment,))
        return [_event(r) for r in rows]

    def events(self, *, after_id: int = 0, limit: int = 1000) -> list[Event]:
        rows = self._read(
            "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (after_id, int(limit))
        )
        return [_event(r) for r in rows]

    # -- verification and export ----------------------------------------------------------
    def verify(self, *, integrity: bool = True, batch: int = 5000) -> VerifyResult:
        """Check the journal: SQLite's own integrity, the audit chain row by row (its MACs
        under ``self.key``; without the key only its links, and the result is marked not
        ``authentic``), then replay the audit events and compare every payment, capture and
        refund row with what its events produced (see ``replay``)."""
        with self.journal.read() as db:
            if integrity:
                problems = [r[0] for r in db.conn.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    return VerifyResult(
                        False, 0, None, "SQLite integrity: " + "; ".join(problems[:3])
                    )
            seal = self._seal_row(db)
            key = self.key
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
        self, db: Database, key: JournalKey | None, *, plain: bool = False, batch: int = 5000
    ) -> VerifyResult:
        """Walk the chain: links, and each row's MAC (``key``) or plain hash (``plain``);
        with neither, only the links and the head (a sealed chain checked without its key)."""
        prev_hash = GENESIS
        expected_id = 1
        count = 0
        last_id = 0
        recompute = key is not None or plain
        while True:
            rows = self._rows(
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
        head = self._one(db, "SELECT last_id, last_hash, count FROM chain_head WHERE id = 1")
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

    def _replay(self, db: Database) -> tuple[str | None, int]:
        """Replay the state-change events against the payments, captures and refunds;
        the first difference (naming the row and column) and how many rows were checked."""
        conn = db.conn

        def stream(sql: str) -> Iterator[Row]:
            cursor = conn.execute(sql)
            names = [d[0] for d in cursor.description]
            while chunk := cursor.fetchmany(2000):
                for values in chunk:
                    yield dict(zip(names, values, strict=True))

        checked = 0
        merged = replay.merge_by_payment(
            stream("SELECT * FROM payments ORDER BY id"),
            stream(
                "SELECT id, at_ms, payment, api, request_id, from_status, to_status, operator, "
                "terminal_id, detail FROM events WHERE payment IS NOT NULL "
                "AND kind = 'STATE_CHANGE' ORDER BY payment, id"
            ),
            stream("SELECT * FROM captures ORDER BY payment, id"),
            stream("SELECT * FROM refunds ORDER BY payment, id"),
        )
        for pid, payment, events, captures, refunds in merged:
            problem = replay.check_payment(pid, payment, events, captures, refunds)
            if problem is not None:
                return problem, checked
            checked += (payment is not None) + len(captures) + len(refunds)
        return None, checked

    def _refund_totals_problem(self, db: Database) -> str | None:
        refunds = self._one(
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

    def export_rows(
        self, *, created_from: datetime | None = None, created_to: datetime | None = None
    ) -> Iterator[ExportRow]:
        """Payments created in [from, to), oldest first, streamed (constant memory)."""
        where, params = _date_conditions(
            PaymentFilter(created_from=created_from, created_to=created_to)
        )
        sql = (
            "SELECT * FROM payments"  # noqa: S608 - built from constants
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY created_ms, id"
        )
        with translating(self.journal.path):
            cursor = self.journal.db().conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            while batch := cursor.fetchmany(1000):
                for values in batch:
                    p = _payment(dict(zip(names, values, strict=True)))
                    yield ExportRow(
                        created_at=p.created_at,
                        reference_order_id=p.reference_order_id,
                        payment_request_id=p.payment_request_id,
                        payment_id=p.payment_id or "",
                        status=p.status.value,
                        currency=p.amount.currency,
                        amount=p.amount.format(),
                        captured=p.captured.format(),
                        refunded=p.refunded.format(),
                        capture_mode=p.capture_mode.value,
                        card_brand=p.card.brand,
                        card_last4=p.card.last4,
                        authorised_at=p.authorised_at,
                        result_code=p.result_code or "",
                        operator=p.operator,
                        terminal_id=p.terminal_id,
                    )


# -- SQL building (order list) ------------------------------------------------------------
def _date_conditions(filter: PaymentFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if filter.created_from is not None:
        where.append("created_ms >= ?")
        params.append(to_ms(filter.created_from))
    if filter.created_to is not None:
        where.append("created_ms < ?")
        params.append(to_ms(filter.created_to))
    return where, params


def _list_sql(
    filter: PaymentFilter,
    direction: PageDirection,
    cursor: Cursor | None,
    limit: int,
    descending: bool,
) -> tuple[str, list[Any]]:
    order = "DESC" if descending else "ASC"
    base, base_params = _date_conditions(filter)
    if cursor is not None and direction is PageDirection.OLDER:
        # (created, id) < cursor, written so the created_ms index bounds the scan
        base.append("created_ms <= ? AND (created_ms < ? OR id < ?)")
        base_params += [cursor.created_ms, cursor.created_ms, cursor.id]
    elif cursor is not None and direction is PageDirection.NEWER:
        base.append("created_ms >= ? AND (created_ms > ? OR id > ?)")
        base_params += [cursor.created_ms, cursor.created_ms, cursor.id]
    statuses: list[str | None] = [s.value for s in sorted(filter.statuses)] or [None]
    arms: list[tuple[str, list[Any]]] = []
    for text_sql, text_params in text_arms(filter.text):
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
        return f"SELECT * FROM payments{clause} {ordering} LIMIT ?", [*params, limit]  # noqa: S608 - built from constants
    # Each arm walks its own index and stops after ``limit`` rows; the outer query merges.
    union = " UNION " if filter.text.strip() else " UNION ALL "
    parts = []
    all_params: list[Any] = []
    for clause, params in arms:
        parts.append(f"SELECT * FROM (SELECT * FROM payments{clause} {ordering} LIMIT ?)")  # noqa: S608 - built from constants
        all_params += [*params, limit]
    sql = f"SELECT * FROM ({union.join(parts)}) {ordering} LIMIT ?"  # noqa: S608 - built from constants
    return sql, [*all_params, limit]


# -- row -> domain ------------------------------------------------------------------------
def _money(minor: int | None, currency: str) -> Money | None:
    return None if not minor else Money(int(minor), currency)


def _payment(row: Row) -> Payment:
    currency = row["currency"]
    return Payment(
        id=int(row["id"]),
        reference_order_id=row["reference_order_id"],
        payment_request_id=row["payment_request_id"],
        amount=Money(int(row["amount_minor"]), currency),
        capture_mode=CaptureMode(row["capture_mode"]),
        card=MaskedCard(row["card_brand"], row["card_bin6"], row["card_last4"]),
        status=PaymentStatus(row["status"]),
        created_at=from_ms(row["created_ms"]),
        updated_at=from_ms(row["updated_ms"]),
        operator=row["operator"],
        terminal_id=row["terminal_id"],
        payment_id=row["payment_id"],
        order_description=row["order_description"],
        card_fingerprint=row["card_fingerprint"],
        result_code=row["result_code"],
        result_status=row["result_status"],
        result_message=row["result_message"],
        avs_result=row["avs_result"],
        cvv_result=row["cvv_result"],
        network_transaction_id=row["network_transaction_id"],
        auth_code=row["auth_code"],
        three_ds_url=row["three_ds_url"],
        authorised_at=_opt_dt(row["authorised_ms"]),
        capture_deadline=_opt_dt(row["capture_deadline_ms"]),
        expires_at=_opt_dt(row["expires_ms"]),
        captured_amount=_money(row["captured_minor"], currency),
        refunded_amount=_money(row["refunded_minor"], currency),
        version=int(row["version"]),
    )


def _capture(row: Row) -> Capture:
    return Capture(
        id=int(row["id"]),
        payment=int(row["payment"]),
        capture_request_id=row["capture_request_id"],
        amount=Money(int(row["amount_minor"]), row["currency"]),
        status=OperationStatus(row["status"]),
        created_at=from_ms(row["created_ms"]),
        updated_at=from_ms(row["updated_ms"]),
        operator=row["operator"],
        terminal_id=row["terminal_id"],
        capture_id=row["capture_id"],
        result_code=row["result_code"],
        result_status=row["result_status"],
        result_message=row["result_message"],
        completed_at=_opt_dt(row["completed_ms"]),
    )


def _refund(row: Row) -> Refund:
    return Refund(
        id=int(row["id"]),
        payment=int(row["payment"]),
        refund_request_id=row["refund_request_id"],
        amount=Money(int(row["amount_minor"]), row["currency"]),
        status=OperationStatus(row["status"]),
        created_at=from_ms(row["created_ms"]),
        updated_at=from_ms(row["updated_ms"]),
        operator=row["operator"],
        terminal_id=row["terminal_id"],
        reason=row["reason"],
        refund_id=row["refund_id"],
        result_code=row["result_code"],
        result_status=row["result_status"],
        result_message=row["result_message"],
        completed_at=_opt_dt(row["completed_ms"]),
    )


def _event(row: Mapping[str, Any]) -> Event:
    return Event(
        id=int(row["id"]),
        at=from_ms(row["at_ms"]),
        kind=EventKind(row["kind"]),
        operator=row["operator"],
        terminal_id=row["terminal_id"],
        payment=row["payment"],
        api=row["api"],
        request_id=row["request_id"],
        from_status=row["from_status"],
        to_status=row["to_status"],
        detail=json.loads(row["detail"]),
        hash=row["hash"],
    )
