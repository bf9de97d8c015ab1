"""Does the journal agree with the sandbox's ledger? The proof used by the e2e tests.

For every order (referenceOrderId) of a journal, the sandbox's ledger entry must equal what
the journal says happened:

- payments: the sandbox knows exactly the attempts the journal says reached it (every
  status but NOT_SENT): none lost, none invented;
- authorised / captured / cancelled / refunded amounts match;
- nothing is half-way at either end (no capture or refund still in process);
- no double charge: at most one attempt per order holds money, at both ends.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posapp.core.domain import Payment, PaymentStatus
from posapp.core.journal.repository import JournalRepository, PageRequest, PaymentFilter

_AUTHORISED_ONCE = {
    PaymentStatus.AUTHORISED,
    PaymentStatus.CAPTURE_PENDING,
    PaymentStatus.CANCEL_PENDING,
    PaymentStatus.CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
    PaymentStatus.CANCELLED,
    PaymentStatus.RELEASED,
}


@dataclass
class Agreement:
    orders: int = 0
    payments: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def all_payments(repo: JournalRepository) -> list[Payment]:
    found: list[Payment] = []
    request: PageRequest | None = PageRequest(size=1000)
    while request is not None:
        page = repo.list_payments(PaymentFilter(), request)
        found.extend(page.rows)
        request = page.older()
    return found


def integrity_ok(journal: Path) -> str:
    conn = sqlite3.connect(str(journal))
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def compare(repo: JournalRepository, ledger: Any, *, currency: str = "SGD") -> Agreement:
    result = Agreement()
    by_order: dict[str, list[Payment]] = defaultdict(list)
    for p in all_payments(repo):
        by_order[p.reference_order_id].append(p)
    result.orders = len(by_order)
    for ref, payments in sorted(by_order.items()):
        result.payments += len(payments)
        entry = ledger.order(ref, currency)
        reached = [p for p in payments if p.status is not PaymentStatus.NOT_SENT]
        unsettled = [p for p in payments if p.status.needs_settlement]
        expect = {
            "payments": len(reached),
            "authorised": sum(p.amount.minor for p in payments if p.status in _AUTHORISED_ONCE),
            "captured": sum(p.captured.minor for p in payments),
            "cancelled": sum(
                p.amount.minor for p in payments if p.status is PaymentStatus.CANCELLED
            ),
            "refunded": sum(p.refunded.minor for p in payments),
            "capturing": 0,
            "refunding": 0,
        }
        got = {name: getattr(entry, name) for name in expect}
        if unsettled:
            result.problems.append(
                f"{ref}: still unsettled in the journal: "
                + ", ".join(f"{p.payment_request_id}={p.status.value}" for p in unsettled)
            )
        if got != expect:
            states = ", ".join(f"{p.payment_request_id[-6:]}={p.status.value}" for p in payments)
            result.problems.append(f"{ref}: ledger {got} != journal {expect} [{states}]")
        holding = [p for p in payments if p.status.holds_money]
        if len(holding) > 1:
            result.problems.append(f"{ref}: {len(holding)} payments hold money (double charge)")
        at_antom = entry.authorised - entry.cancelled - entry.released
        if reached and at_antom > max(p.amount.minor for p in payments):
            result.problems.append(f"{ref}: the sandbox holds {at_antom} (double charge)")
    return result


def ledger_orders(ledger: Any, prefix: str) -> set[str]:
    return {ref for ref in ledger.by_order if ref.startswith(prefix)}
