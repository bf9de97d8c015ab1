"""A scripted CashierPort for view tests: records calls, answers what the test set up.

It speaks the port's own types (CheckoutRequest in, CheckoutResult out), so a view test sees
exactly what the real services hand the screen. The end-to-end flows against the real
sandbox and services live in test_cashier_flows.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, Payment, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.changes import ChangeFeed
from posapp.core.services.checkout import CheckoutOutcome, CheckoutRequest, CheckoutResult
from posapp.ui.ports import BrandOption, DuplicateMatch, TillStatus

# the payment's journal status behind each outcome a fake answer gives
_STATUSES = {
    CheckoutOutcome.APPROVED: PaymentStatus.AUTHORISED,
    CheckoutOutcome.DECLINED: PaymentStatus.DECLINED,
    CheckoutOutcome.PENDING: PaymentStatus.PENDING,
    CheckoutOutcome.NEEDS_3DS: PaymentStatus.NEEDS_3DS,
    CheckoutOutcome.NOT_SENT: PaymentStatus.NOT_SENT,
    CheckoutOutcome.CLOSED: PaymentStatus.CANCELLED,
}


class ScriptedCashier:
    def __init__(self) -> None:
        self.orders: list[CheckoutRequest] = []
        self.answer: Callable[[CheckoutRequest], CheckoutResult] = self.approve
        self.duplicate: DuplicateMatch | None = None
        self.duplicate_asked: list[tuple[MaskedCard, Money, str]] = []
        self.brands = [
            BrandOption("VISA", "Visa"),
            BrandOption("MASTERCARD", "Mastercard"),
            BrandOption("AMEX", "American Express"),
        ]
        self.stored: dict[str, CheckoutResult] = {}
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

    def pay(
        self, request: CheckoutRequest, progress: Callable[[str], None] | None = None
    ) -> CheckoutResult:
        if progress is not None:
            progress("sending")
        if self.gate is not None:
            self.gate.wait(10)
        self.orders.append(request)
        result = self.answer(request)
        self.stored[result.payment_request_id] = result
        return result

    def refresh(self, payment_request_id: str) -> CheckoutResult:
        self.refreshes += 1
        return self.stored[payment_request_id]

    def till_status(self) -> TillStatus:
        return self.status

    def settle(self, payment_request_id: str, outcome: CheckoutOutcome, **changes: object) -> None:
        """The payment as the poller would leave it: ``outcome``, and Payment fields changed."""
        before = self.stored[payment_request_id]
        payment = replace(
            before.payment,
            status=_STATUSES[outcome],
            version=before.payment.version + 1,
            **changes,  # type: ignore[arg-type]
        )
        self.stored[payment_request_id] = replace(before, payment=payment, outcome=outcome)
        self.announce(payment_request_id)

    def announce(self, payment_request_id: str) -> None:
        """Announce the payment on the feed as the Settler would after a change."""
        self.changes.announce(self.stored[payment_request_id].payment)

    # answers
    def _base(
        self, request: CheckoutRequest, outcome: CheckoutOutcome, **changes: object
    ) -> CheckoutResult:
        now = datetime.now(UTC)
        n = len(self.orders)
        payment = Payment(
            id=n,
            reference_order_id=request.reference_order_id,
            payment_request_id=f"req-{n}",
            amount=request.amount,
            capture_mode=CaptureMode.MANUAL if request.hold else CaptureMode.AUTOMATIC,
            card=request.card.masked(),
            status=_STATUSES[outcome],
            created_at=now,
            updated_at=now,
            operator=request.operator,
            terminal_id="T1",
            capture_deadline=now + timedelta(days=7) if request.hold else None,
        )
        payment = replace(payment, **changes)  # type: ignore[arg-type]
        return CheckoutResult(payment, outcome, "")

    def approve(self, request: CheckoutRequest) -> CheckoutResult:
        n = len(self.orders)
        return self._base(
            request,
            CheckoutOutcome.APPROVED,
            payment_id=f"pay-{n}",
            avs_result="Y",
            cvv_result="M",
        )

    def decline(self, request: CheckoutRequest) -> CheckoutResult:
        return self._base(request, CheckoutOutcome.DECLINED, result_code="DO_NOT_HONOR")

    def pending(self, request: CheckoutRequest) -> CheckoutResult:
        return self._base(request, CheckoutOutcome.PENDING)

    def three_ds(self, request: CheckoutRequest) -> CheckoutResult:
        return self._base(
            request,
            CheckoutOutcome.NEEDS_3DS,
            payment_id="pay-3ds",
            three_ds_url="http://127.0.0.1:9/3ds/challenge?id=pay-3ds",
        )
