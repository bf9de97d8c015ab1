"""A scripted CashierPort for view tests: records calls, answers what the test set up.

The end-to-end flows against the real sandbox and services live in test_cashier_flows.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, Payment, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.changes import ChangeFeed
from posapp.ui.ports import (
    BrandOption,
    DuplicateMatch,
    Outcome,
    PaymentOrder,
    PaymentResult,
    TillStatus,
)


class ScriptedCashier:
    def __init__(self) -> None:
        self.orders: list[PaymentOrder] = []
        self.answer: Callable[[PaymentOrder], PaymentResult] = self.approve
        self.duplicate: DuplicateMatch | None = None
        self.duplicate_asked: list[tuple[MaskedCard, Money, str]] = []
        self.brands = [
            BrandOption("VISA", "Visa"),
            BrandOption("MASTERCARD", "Mastercard"),
            BrandOption("AMEX", "American Express"),
        ]
        self.stored: dict[str, PaymentResult] = {}
        self.gate: threading.Event | None = None  # when set, pay waits for it
        self.refreshes = 0
        self.status = TillStatus(True, "Connected to the training sandbox", 0)
        # what the services would announce: ``settle`` puts the payment on the feed
        self.changes = ChangeFeed()
        self._versions = 0

    def accepted_brands(self) -> list[BrandOption]:
        return list(self.brands)

    def find_duplicate(
        self, card: MaskedCard, amount: Money, reference: str
    ) -> DuplicateMatch | None:
        self.duplicate_asked.append((card, amount, reference))
        return self.duplicate

    def pay(self, order: PaymentOrder, progress=None) -> PaymentResult:  # type: ignore[no-untyped-def]
        if progress is not None:
            progress("sending")
        if self.gate is not None:
            self.gate.wait(10)
        self.orders.append(order)
        result = self.answer(order)
        self.stored[result.payment_request_id] = result
        return result

    def refresh(self, payment_request_id: str) -> PaymentResult:
        self.refreshes += 1
        return self.stored[payment_request_id]

    def till_status(self) -> TillStatus:
        return self.status

    def settle(self, payment_request_id: str, outcome: Outcome, **changes: object) -> None:
        self.stored[payment_request_id] = replace(
            self.stored[payment_request_id], outcome=outcome, **changes
        )
        self.announce(payment_request_id)

    def announce(self, payment_request_id: str) -> None:
        """Announce the payment on the feed as the Settler would after a change."""
        result = self.stored[payment_request_id]
        self._versions += 1
        now = datetime.now(UTC)
        self.changes.announce(
            Payment(
                id=1,
                reference_order_id=result.reference,
                payment_request_id=payment_request_id,
                amount=result.amount,
                capture_mode=CaptureMode.MANUAL if result.held else CaptureMode.AUTOMATIC,
                card=result.card or MaskedCard("VISA", "405469", "0768"),
                status=PaymentStatus.PENDING,
                created_at=now,
                updated_at=now,
                operator="cashier",
                terminal_id="TILL-01",
                version=self._versions,
            )
        )

    # answers
    def _base(self, order: PaymentOrder, outcome: Outcome, **kw: object) -> PaymentResult:
        return PaymentResult(
            outcome=outcome,
            payment_request_id=f"req-{len(self.orders)}",
            amount=order.amount,
            reference=order.reference,
            card=order.card.masked(),
            held=order.hold,
            **kw,  # type: ignore[arg-type]
        )

    def approve(self, order: PaymentOrder) -> PaymentResult:
        return self._base(
            order,
            Outcome.APPROVED,
            payment_id=f"pay-{len(self.orders)}",
            avs_result="Y",
            cvv_result="M",
        )

    def decline(self, order: PaymentOrder) -> PaymentResult:
        return self._base(order, Outcome.DECLINED, result_code="DO_NOT_HONOR")

    def pending(self, order: PaymentOrder) -> PaymentResult:
        return self._base(order, Outcome.PENDING)

    def three_ds(self, order: PaymentOrder) -> PaymentResult:
        return self._base(
            order,
            Outcome.NEEDS_3DS,
            payment_id="pay-3ds",
            redirect_url="http://127.0.0.1:9/3ds/challenge?id=pay-3ds",
        )
