"""Finding payments for the services: by id, their captures and refunds, what still needs
settling, and the duplicate checks (same order, same card and amount) run before a sale.

The order list the screens page through is ``order_list``'s; these are the reads a service
makes to decide what to do next.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from posapp.core.cards import MaskedCard
from posapp.core.domain import Capture, Payment, PaymentStatus, Refund
from posapp.core.journal.access import JournalAccess
from posapp.core.journal.migrations import UNSETTLED_OPERATION_SQL, UNSETTLED_SQL
from posapp.core.journal.payments import REFUNDS_OF_PAYMENT
from posapp.core.journal.rows import to_capture, to_ms, to_payment, to_refund
from posapp.core.money import Money

DUPLICATE_CARD_WINDOW = timedelta(minutes=10)


class PaymentLookups:
    """Reads single payments and the work lists and duplicate checks the services need."""

    def __init__(self, access: JournalAccess) -> None:
        self.access = access
        # the exact reference, found through the case-blind index of the order list
        self._same_order_sql = (
            f"SELECT * FROM payments WHERE {access.dialect.nocase('reference_order_id', '=')} "  # noqa: S608 - constants
            "AND reference_order_id = ? ORDER BY id"
        )

    def get_payment(self, payment: int) -> Payment | None:
        rows = self.access.read("SELECT * FROM payments WHERE id = ?", (payment,))
        return to_payment(rows[0]) if rows else None

    def payment_by_request_id(self, payment_request_id: str) -> Payment | None:
        rows = self.access.read(
            "SELECT * FROM payments WHERE payment_request_id = ?", (payment_request_id,)
        )
        return to_payment(rows[0]) if rows else None

    def payment_by_payment_id(self, payment_id: str) -> Payment | None:
        rows = self.access.read("SELECT * FROM payments WHERE payment_id = ?", (payment_id,))
        return to_payment(rows[0]) if rows else None

    def get_capture(self, capture_request_id: str) -> Capture | None:
        rows = self.access.read(
            "SELECT * FROM captures WHERE capture_request_id = ?", (capture_request_id,)
        )
        return to_capture(rows[0]) if rows else None

    def get_refund(self, refund_request_id: str) -> Refund | None:
        rows = self.access.read(
            "SELECT * FROM refunds WHERE refund_request_id = ?", (refund_request_id,)
        )
        return to_refund(rows[0]) if rows else None

    def captures_for(self, payment: int) -> list[Capture]:
        rows = self.access.read("SELECT * FROM captures WHERE payment = ? ORDER BY id", (payment,))
        return [to_capture(r) for r in rows]

    def refunds_for(self, payment: int) -> list[Refund]:
        return [to_refund(r) for r in self.access.read(REFUNDS_OF_PAYMENT, (payment,))]

    # -- settlement work ------------------------------------------------------------------
    def payments_needing_settlement(self, *, limit: int | None = None) -> list[Payment]:
        """Payments whose outcome is unknown (INTENT, PENDING, NEEDS_3DS, *_PENDING), oldest first."""
        sql = f"SELECT * FROM payments WHERE status IN {UNSETTLED_SQL} ORDER BY id"  # noqa: S608 - constant
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        return [to_payment(r) for r in self.access.read(sql, params)]

    def captures_needing_settlement(self) -> list[Capture]:
        rows = self.access.read(
            f"SELECT * FROM captures WHERE status IN {UNSETTLED_OPERATION_SQL} ORDER BY id"  # noqa: S608 - constant
        )
        return [to_capture(r) for r in rows]

    def refunds_needing_settlement(self) -> list[Refund]:
        rows = self.access.read(
            f"SELECT * FROM refunds WHERE status IN {UNSETTLED_OPERATION_SQL} ORDER BY id"  # noqa: S608 - constant
        )
        return [to_refund(r) for r in rows]

    def expired_holds(self, now: datetime | None = None) -> list[Payment]:
        """AUTHORISED payments whose capture deadline has passed (to be marked RELEASED)."""
        moment = to_ms(now or self.access.clock.now())
        rows = self.access.read(
            "SELECT * FROM payments WHERE status = 'AUTHORISED' AND capture_deadline_ms <= ? "
            "ORDER BY capture_deadline_ms, id",
            (moment,),
        )
        return [to_payment(r) for r in rows]

    # -- duplicates -----------------------------------------------------------------------
    def successful_payments_for_order(self, reference_order_id: str) -> list[Payment]:
        """Payments for this order that hold money (AUTHORISED ... PARTIALLY_REFUNDED)."""
        rows = self.access.read(self._same_order_sql, (reference_order_id, reference_order_id))
        return [p for p in map(to_payment, rows) if p.status.holds_money]

    def payments_for_order(self, reference_order_id: str) -> list[Payment]:
        rows = self.access.read(self._same_order_sql, (reference_order_id, reference_order_id))
        return [to_payment(r) for r in rows]

    def duplicate_orders(self, reference_order_ids: Iterable[str]) -> set[str]:
        """Which of these orders have more than one payment holding money, or one holding
        money and another that may (still pending, or judged never sent): for the list."""
        ids = sorted(set(reference_order_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.access.read(
                "SELECT reference_order_id, status FROM payments "  # noqa: S608 - placeholders
                f"WHERE {self.access.dialect.nocase_in('reference_order_id', len(chunk))}",
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
        rows = self.access.read(
            "SELECT p.reference_order_id AS ref, max(e.id) AS last FROM events AS e"  # noqa: S608 - constants
            f"{self.access.dialect.indexed_by('ix_events_duplicates')} "
            "JOIN payments AS p ON p.id = e.payment "
            "WHERE e.kind = 'DUPLICATE_FOUND' GROUP BY p.reference_order_id ORDER BY last DESC"
        )
        return [str(r["ref"]) for r in rows]

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
        moment = now or self.access.clock.now()
        since = to_ms(moment - window)
        rows = self.access.read(
            "SELECT * FROM payments WHERE card_last4 = ? AND created_ms >= ? "
            "AND card_brand = ? AND amount_minor = ? AND currency = ? ORDER BY created_ms DESC",
            (card.last4, since, card.brand, amount.minor, amount.currency),
        )
        return [
            p
            for p in map(to_payment, rows)
            if p.status.holds_money
            or p.status.might_hold_money
            or (p.authorised_at is not None and to_ms(p.authorised_at) >= since)
        ]
