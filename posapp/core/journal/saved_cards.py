"""Saved cards in the journal: the cards customers agreed to keep, and the options of each
card payment (saved card, who initiated it, instalments, chosen brand, external 3-D Secure).

Schema step 0005 (``SCHEMA``) adds two tables:

- ``saved_cards``: one row per consent. It is written (PENDING) *before* the first payment
  with ``tokenize`` leaves, so a crash never loses a consent; Antom's token fills it in
  (ACTIVE) once the payment is authorised, or the row is closed (FAILED) when it is not.
  The token is only ever stored sealed (AES-GCM, ``posapp.core.services.card_vault``):
  this module never sees it in clear.
- ``card_payment_options``: per paymentRequestId, what the pay request carried beyond the
  card (a saved card, MIT with its reason and the manager's MAC'd approval, instalments,
  the selected brand, the ECI of an external 3-D Secure result). Written before the intent.

Every change is also an audit event (``EventKind.NOTE`` with ``saved_card`` in its detail,
or ``APPROVAL`` for a merchant-initiated charge), so ``journal verify`` covers them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from posapp.core.domain import EventKind
from posapp.core.journal.repository import JournalRepository
from posapp.core.journal.saved_cards_schema import SCHEMA
from posapp.core.money import Money


class SavedCardStatus(StrEnum):
    PENDING = "PENDING"  # consent journaled; the first payment's outcome not known yet
    ACTIVE = "ACTIVE"  # token held (sealed)
    FAILED = "FAILED"  # the first payment was not authorised, or Antom gave no token
    REMOVED = "REMOVED"


@dataclass(frozen=True, slots=True)
class SavedCard:
    """A saved card as the journal keeps it: never the token in clear (``sealed`` is the
    AES-GCM ciphertext, useless without the install's card key)."""

    id: int
    holder_name: str
    brand: str
    last4: str
    expiry_month: int
    expiry_year: int
    status: SavedCardStatus
    consent_at: datetime
    consent_operator: str
    consent_order: str
    first_request_id: str
    network_transaction_id: str | None
    sealed: str | None
    removed_at: datetime | None = None
    removed_by: str | None = None
    unbound: bool | None = None

    def __repr__(self) -> str:
        return f"SavedCard({self.id}, {self.brand} {self.last4}, {self.status.value})"

    @property
    def expiry(self) -> str:
        return f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"

    def expired(self, today: date) -> bool:
        """A card is good through the last day of its expiry month."""
        return (self.expiry_year, self.expiry_month) < (today.year, today.month)

    @property
    def usable(self) -> bool:
        return self.status is SavedCardStatus.ACTIVE and self.sealed is not None


@dataclass(frozen=True, slots=True)
class PaymentOptions:
    """What a card payment carried beyond the card (``card_payment_options``)."""

    payment_request_id: str
    saved_card: int | None = None
    merchant_initiated: bool = False
    recurring_type: str | None = None
    reason: str = ""
    installments: int | None = None
    installment_interval: str | None = None
    selected_brand: str | None = None
    external_eci: str | None = None
    manager: str | None = None
    approved_ms: int | None = None
    approval_mac: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.saved_card
            or self.installments
            or self.selected_brand
            or self.external_eci
            or self.merchant_initiated
        )


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _at(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def mit_approval_text(
    payment_request_id: str, saved_card: int, amount: Money, manager: str, approved_ms: int
) -> str:
    """What a merchant-initiated charge's approval MACs: this charge, this card, this amount."""
    return (
        f"mit|{payment_request_id}|{saved_card}|{amount.minor}|{amount.currency}|"
        f"{manager}|{approved_ms}"
    )


# every query below is built from this constant and placeholders only
_CARD_COLUMNS = (
    "id, holder_name, card_brand, card_last4, expiry_month, expiry_year, status, consent_ms, "
    "consent_operator, consent_order, first_request_id, network_transaction_id, token_sealed, "
    "removed_ms, removed_by, unbound"
)


def _card(row: Sequence[Any]) -> SavedCard:
    return SavedCard(
        id=int(row[0]),
        holder_name=str(row[1]),
        brand=str(row[2]),
        last4=str(row[3]),
        expiry_month=int(row[4]),
        expiry_year=int(row[5]),
        status=SavedCardStatus(row[6]),
        consent_at=_at(int(row[7])) or datetime.now(UTC),
        consent_operator=str(row[8]),
        consent_order=str(row[9]),
        first_request_id=str(row[10]),
        network_transaction_id=row[11],
        sealed=row[12],
        removed_at=_at(row[13]),
        removed_by=row[14],
        unbound=None if row[15] is None else bool(row[15]),
    )


class SavedCardStore:
    """The only code that writes SQL for saved cards and card payment options."""

    def __init__(self, repo: JournalRepository, terminal_id: str) -> None:
        self.repo = repo
        self.journal = repo.journal
        self.terminal_id = terminal_id

    def _now_ms(self) -> int:
        return _ms(self.repo.clock.now())

    def _event(
        self,
        what: str,
        saved_card: int | None,
        *,
        operator: str,
        request_id: str | None = None,
        kind: EventKind = EventKind.NOTE,
        **extra: Any,
    ) -> None:
        self.repo.record_event(
            kind,
            operator=operator,
            terminal_id=self.terminal_id,
            api="savedCard",
            request_id=request_id,
            detail={"saved_card": saved_card, "what": what, **extra},
        )

    # -- writes ---------------------------------------------------------------------------
    def record_consent(
        self,
        *,
        first_request_id: str,
        holder_name: str,
        brand: str,
        last4: str,
        expiry_month: int,
        expiry_year: int,
        operator: str,
        order: str,
    ) -> SavedCard:
        """Journal the customer's consent (PENDING) before the first payment leaves."""
        now = self._now_ms()
        with self.journal.write() as db:
            cur = db.conn.execute(
                "INSERT INTO saved_cards (holder_name, card_brand, card_last4, expiry_month, "
                "expiry_year, status, consent_ms, consent_operator, consent_order, "
                "first_request_id, created_ms, updated_ms) "
                "VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    holder_name,
                    brand,
                    last4[-4:],
                    expiry_month,
                    expiry_year,
                    now,
                    operator,
                    order,
                    first_request_id,
                    now,
                    now,
                ),
            )
            card = int(cur.fetchone()[0])
            self._event(
                "consent",
                card,
                operator=operator,
                request_id=first_request_id,
                order=order,
                brand=brand,
                last4=last4[-4:],
            )
        found = self.get(card)
        assert found is not None
        return found

    def activate(
        self,
        card: int,
        *,
        sealed: str,
        network_transaction_id: str | None,
        holder_name: str | None = None,
        operator: str = "system",
    ) -> SavedCard:
        with self.journal.write() as db:
            db.conn.execute(
                "UPDATE saved_cards SET status = 'ACTIVE', token_sealed = ?, "
                "network_transaction_id = COALESCE(?, network_transaction_id), "
                "holder_name = CASE WHEN holder_name = '' THEN COALESCE(?, '') "
                "ELSE holder_name END, updated_ms = ? WHERE id = ? AND status = 'PENDING'",
                (sealed, network_transaction_id, holder_name, self._now_ms(), card),
            )
            # never the token: only that one is held, and the scheme's transaction id
            self._event(
                "token stored (sealed)",
                card,
                operator=operator,
                network_transaction_id=network_transaction_id,
            )
        found = self.get(card)
        assert found is not None
        return found

    def fail(self, card: int, why: str, *, operator: str = "system") -> None:
        with self.journal.write() as db:
            changed = db.conn.execute(
                "UPDATE saved_cards SET status = 'FAILED', updated_ms = ? "
                "WHERE id = ? AND status = 'PENDING'",
                (self._now_ms(), card),
            ).rowcount
            if changed:
                self._event("not saved", card, operator=operator, reason=why)

    def remove(self, card: int, *, operator: str, unbound: bool | None) -> None:
        """Forget the card: the sealed token is erased, the row stays for the audit."""
        now = self._now_ms()
        with self.journal.write() as db:
            db.conn.execute(
                "UPDATE saved_cards SET status = 'REMOVED', token_sealed = NULL, "
                "removed_ms = ?, removed_by = ?, unbound = ?, updated_ms = ? WHERE id = ?",
                (now, operator, None if unbound is None else int(unbound), now, card),
            )
            self._event("removed", card, operator=operator, unbound_at_antom=unbound)

    def record_options(
        self, options: PaymentOptions, *, operator: str, amount: Money | None = None
    ) -> None:
        """Journal what a pay request carries beyond the card, before its intent."""
        if options.empty:
            return
        with self.journal.write() as db:
            db.conn.execute(
                "INSERT INTO card_payment_options (payment_request_id, saved_card, initiator, "
                "recurring_type, reason, installments, installment_interval, selected_brand, "
                "external_eci, manager, approved_ms, approval_mac, created_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    options.payment_request_id,
                    options.saved_card,
                    "MERCHANT" if options.merchant_initiated else "CUSTOMER",
                    options.recurring_type,
                    options.reason,
                    options.installments,
                    options.installment_interval,
                    options.selected_brand,
                    options.external_eci,
                    options.manager,
                    options.approved_ms,
                    options.approval_mac,
                    self._now_ms(),
                ),
            )
            detail: dict[str, Any] = {
                k: v
                for k, v in {
                    "merchant_initiated": options.merchant_initiated or None,
                    "recurring_type": options.recurring_type,
                    "reason": options.reason or None,
                    "installments": options.installments,
                    "selected_brand": options.selected_brand,
                    "external_eci": options.external_eci,
                }.items()
                if v is not None
            }
            if amount is not None:
                detail["amount"] = amount.to_antom()
            self._event(
                "merchant-initiated charge approved"
                if options.merchant_initiated
                else "card payment options",
                options.saved_card,
                operator=options.manager or operator,
                request_id=options.payment_request_id,
                kind=EventKind.APPROVAL if options.merchant_initiated else EventKind.NOTE,
                **detail,
            )

    # -- reads ----------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.journal.read() as db:
                return [tuple(r) for r in db.conn.execute(sql, tuple(params)).fetchall()]
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise

    def get(self, card: int) -> SavedCard | None:
        sql = f"SELECT {_CARD_COLUMNS} FROM saved_cards WHERE id = ?"  # noqa: S608
        rows = self._rows(sql, (card,))
        return _card(rows[0]) if rows else None

    def by_first_request(self, payment_request_id: str) -> SavedCard | None:
        rows = self._rows(
            f"SELECT {_CARD_COLUMNS} FROM saved_cards WHERE first_request_id = ?",  # noqa: S608
            (payment_request_id,),
        )
        return _card(rows[0]) if rows else None

    def search(
        self, text: str = "", *, include_removed: bool = False, limit: int = 500
    ) -> list[SavedCard]:
        """Cards whose holder name contains ``text`` or whose last 4 digits are ``text``;
        newest consent first."""
        where = ["1 = 1"]
        params: list[Any] = []
        if not include_removed:
            where.append("status IN ('PENDING', 'ACTIVE')")
        needle = text.strip()
        if needle:
            escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%")
            like = "%" + escaped.replace("_", "\\_") + "%"
            # lower() and LIKE: the same on SQLite and PostgreSQL (no NOCASE / ILIKE)
            where.append(
                "(lower(holder_name) LIKE ? ESCAPE '\\' OR card_last4 = ? "
                "OR lower(consent_order) LIKE ? ESCAPE '\\')"
            )
            params += [like, needle, like]
        params.append(limit)
        rows = self._rows(
            f"SELECT {_CARD_COLUMNS} FROM saved_cards WHERE {' AND '.join(where)} "  # noqa: S608
            "ORDER BY consent_ms DESC, id DESC LIMIT ?",
            params,
        )
        return [_card(r) for r in rows]

    def pending(self) -> list[SavedCard]:
        rows = self._rows(
            f"SELECT {_CARD_COLUMNS} FROM saved_cards WHERE status = 'PENDING' "  # noqa: S608
            "ORDER BY id"
        )
        return [_card(r) for r in rows]

    def options(self, payment_request_id: str) -> PaymentOptions | None:
        rows = self._rows(
            "SELECT payment_request_id, saved_card, initiator, recurring_type, reason, "
            "installments, installment_interval, selected_brand, external_eci, manager, "
            "approved_ms, approval_mac FROM card_payment_options WHERE payment_request_id = ?",
            (payment_request_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return PaymentOptions(
            payment_request_id=str(r[0]),
            saved_card=r[1],
            merchant_initiated=r[2] == "MERCHANT",
            recurring_type=r[3],
            reason=str(r[4]),
            installments=r[5],
            installment_interval=r[6],
            selected_brand=r[7],
            external_eci=r[8],
            manager=r[9],
            approved_ms=r[10],
            approval_mac=r[11],
        )

    def options_for(self, payment_request_ids: Sequence[str]) -> Mapping[str, PaymentOptions]:
        found: dict[str, PaymentOptions] = {}
        for rid in payment_request_ids:
            opts = self.options(rid)
            if opts is not None:
                found[rid] = opts
        return found

    def charges(self, card: int) -> list[str]:
        """The paymentRequestIds of payments made with this saved card, newest first."""
        rows = self._rows(
            "SELECT payment_request_id FROM card_payment_options WHERE saved_card = ? "
            "ORDER BY created_ms DESC",
            (card,),
        )
        return [str(r[0]) for r in rows]


__all__ = [
    "SCHEMA",
    "PaymentOptions",
    "SavedCard",
    "SavedCardStatus",
    "SavedCardStore",
    "mit_approval_text",
]
