"""What the sandbox holds, per referenceOrderId and per card: proof of no double charge.

Amounts are integer minor units, one entry per (key, currency):
``authorised`` (every authorisation that succeeded), ``captured``, ``cancelled`` (voided
authorisations), ``released`` (authorisations that ran out after 7 days), ``refunded``;
``held`` is what is still on hold, ``net`` what the merchant keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from posapp.core import cards
from posapp.sandbox.store import Store


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    currency: str
    payments: int = 0
    authorised: int = 0
    captured: int = 0
    cancelled: int = 0
    released: int = 0
    refunded: int = 0
    capturing: int = 0  # captures still in process
    refunding: int = 0  # refunds still in process

    @property
    def held(self) -> int:
        return self.authorised - self.captured - self.capturing - self.cancelled - self.released

    @property
    def net(self) -> int:
        return self.captured - self.refunded

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "payments": self.payments,
            "authorised": self.authorised,
            "captured": self.captured,
            "cancelled": self.cancelled,
            "released": self.released,
            "refunded": self.refunded,
            "capturing": self.capturing,
            "refunding": self.refunding,
            "held": self.held,
            "net": self.net,
        }


@dataclass(frozen=True, slots=True)
class Ledger:
    by_order: dict[str, dict[str, LedgerEntry]] = field(default_factory=dict)
    by_card: dict[str, dict[str, LedgerEntry]] = field(default_factory=dict)  # fingerprint ->
    cards: dict[str, str] = field(default_factory=dict)  # fingerprint -> masked card
    fingerprint_key: bytes = b""

    def order(self, reference_order_id: str, currency: str | None = None) -> LedgerEntry:
        """The entry of one order (an empty one if the sandbox never saw it)."""
        return _pick(self.by_order.get(reference_order_id, {}), currency)

    def card(self, pan: str, currency: str | None = None) -> LedgerEntry:
        """The entry of one card, looked up by its number (hashed, never stored)."""
        key = cards.fingerprint(pan, self.fingerprint_key)
        return _pick(self.by_card.get(key, {}), currency)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ledger:
        """The orders of a ``to_json()`` (the admin API's ledger); per card it cannot be
        looked up (the answer names cards by masked number)."""
        names = {f.name for f in fields(LedgerEntry)}
        return cls(
            by_order={
                ref: {
                    str(e["currency"]): LedgerEntry(**{k: v for k, v in e.items() if k in names})
                    for e in entries
                }
                for ref, entries in data.get("orders", {}).items()
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "orders": {
                ref: [e.to_json() for e in entries.values()]
                for ref, entries in self.by_order.items()
            },
            "cards": {
                self.cards.get(fp, fp) + " " + fp[:12]: [e.to_json() for e in entries.values()]
                for fp, entries in self.by_card.items()
            },
        }


def _pick(entries: dict[str, LedgerEntry], currency: str | None) -> LedgerEntry:
    if currency is not None:
        return entries.get(currency, LedgerEntry(currency))
    if len(entries) > 1:
        raise ValueError(f"several currencies ({', '.join(entries)}): name one")
    return next(iter(entries.values()), LedgerEntry(""))


_SQL = """
SELECT p.{key} AS k, p.currency AS currency,
       COUNT(*) AS payments,
       SUM(CASE WHEN p.paid_us IS NOT NULL THEN p.amount ELSE 0 END) AS authorised,
       SUM(CASE WHEN p.paid_us IS NOT NULL AND p.cancelled_us IS NOT NULL
                THEN p.amount ELSE 0 END) AS cancelled,
       SUM(CASE WHEN p.released_us IS NOT NULL THEN p.amount ELSE 0 END) AS released,
       SUM(COALESCE((SELECT SUM(c.amount) FROM captures c
                     WHERE c.payment_id = p.payment_id AND c.status = 'SUCCESS'), 0)) AS captured,
       SUM(COALESCE((SELECT SUM(c.amount) FROM captures c
                     WHERE c.payment_id = p.payment_id AND c.status = 'PROCESSING'), 0))
           AS capturing,
       SUM(COALESCE((SELECT SUM(r.amount) FROM refunds r
                     WHERE r.payment_id = p.payment_id AND r.status = 'SUCCESS'), 0)) AS refunded,
       SUM(COALESCE((SELECT SUM(r.amount) FROM refunds r
                     WHERE r.payment_id = p.payment_id AND r.status = 'PROCESSING'), 0))
           AS refunding
FROM payments p GROUP BY p.{key}, p.currency
"""


def build(store: Store, fingerprint_key: bytes) -> Ledger:
    by_order: dict[str, dict[str, LedgerEntry]] = {}
    by_card: dict[str, dict[str, LedgerEntry]] = {}
    with store.tx() as db:
        for column, target in (("reference_order_id", by_order), ("card_fingerprint", by_card)):
            for row in db.execute(_SQL.format(key=column)).fetchall():
                target.setdefault(row["k"], {})[row["currency"]] = LedgerEntry(
                    currency=row["currency"],
                    payments=int(row["payments"]),
                    authorised=int(row["authorised"]),
                    captured=int(row["captured"]),
                    cancelled=int(row["cancelled"]),
                    released=int(row["released"]),
                    refunded=int(row["refunded"]),
                    capturing=int(row["capturing"]),
                    refunding=int(row["refunding"]),
                )
        masked = {
            r[0]: r[1]
            for r in db.execute(
                "SELECT card_fingerprint, card_masked FROM payments GROUP BY card_fingerprint"
            ).fetchall()
        }
    return Ledger(by_order, by_card, masked, fingerprint_key)
