"""One successful payment per order (Antom's rule), enforced after the fact.

The cashier is warned before sending a second payment for an order, but an order can still
end up with two: the cashier charged again, a payment that looked lost was approved later, a
3-D Secure page was finished after a retry. Whatever settles a payment (checkout's own
answer, the poller, a notification, recovery) goes through ``Settler.move``, which hands every
payment that reaches a money-holding state to ``DuplicateWatch.check``: a second successful
payment for one ``referenceOrderId`` is journaled once, as a DUPLICATE_FOUND audit row on the
payment that made it two, naming every successful payment of the order.

``DuplicateService`` serves the back office: the orders that still have more than one
successful payment (flagged rows, re-checked against the payments' states now) and the
manager's one-step undo of the extra payment: cancel a hold, refund a capture in full,
through the back-office service (PIN approval, journal, request ids) and journaled as
DUPLICATE_UNDO rows ("requested", then "done" / "pending" / "refused").

Nothing here trusts a flag: an undo is decided on the payments' states read in the same
write transaction that claims it, and never gives back the order's last successful payment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from posapp.core.clock import Clock
from posapp.core.domain import Event, EventKind, Payment, PaymentStatus
from posapp.core.journal.repository import JournalRepository
from posapp.core.rules import pending_refunds, status_text
from posapp.core.services.changes import ChangeKind
from posapp.core.services.refusal import BackOfficeError
from posapp.core.usertext import UserText

if TYPE_CHECKING:
    from posapp.core.services.backoffice import BackOfficeService, OperationResult
    from posapp.core.services.pin import Approval

log = logging.getLogger(__name__)

SYSTEM = "system"
# An undo journaled as "requested" whose outcome never followed (the till stopped between
# the claim and the back-office call) stops blocking another attempt after this long.
CLAIM_TIMEOUT = timedelta(minutes=2)

_P = PaymentStatus


def _summary(payment: Payment) -> dict[str, Any]:
    """What the audit row says about one payment (ids, state, amount; masked card only)."""
    return {
        "payment": payment.id,
        "paymentRequestId": payment.payment_request_id,
        "paymentId": payment.payment_id,
        "status": payment.status.value,
        "amount": {"currency": payment.amount.currency, "value": str(payment.amount.minor)},
        "card": payment.card.display,
    }


@dataclass(frozen=True, slots=True)
class DuplicateOrder:
    """An order with more than one successful payment, oldest payment first."""

    reference_order_id: str
    payments: tuple[Payment, ...]

    @property
    def extra(self) -> Payment:
        """The payment to undo unless the manager picks another: the later one."""
        return self.payments[-1]


class DuplicateWatch:
    """Journals, once, that an order has a second successful payment (thread-safe)."""

    def __init__(self, repo: JournalRepository, terminal_id: str) -> None:
        self.repo = repo
        self.terminal_id = terminal_id

    def check(self, payment: Payment, *, source: str = "") -> Event | None:
        """The DUPLICATE_FOUND row written for ``payment``'s order, or None (no duplicate,
        or already journaled). Read and write in one transaction: two threads (the poller
        and a notification) or two tills never record the same duplicate twice."""
        if not payment.status.holds_money:
            return None
        with self.repo.transaction():
            successful = self.repo.successful_payments_for_order(payment.reference_order_id)
            if len(successful) < 2:
                return None
            # the payment that made it two (or three...) carries the row
            newest = successful[-1]
            if self.repo.events_of_kind_for_payment(newest.id, EventKind.DUPLICATE_FOUND):
                return None
            event = self.repo.record_event(
                EventKind.DUPLICATE_FOUND,
                operator=SYSTEM,
                terminal_id=self.terminal_id,
                payment=newest.id,
                request_id=newest.payment_request_id,
                detail={
                    "reference_order_id": payment.reference_order_id,
                    "payments": [_summary(p) for p in successful],
                    "seen_by": source,
                },
            )
        log.warning(
            "order %s has %d successful payments (%s)",
            payment.reference_order_id,
            len(successful),
            ", ".join(p.payment_request_id for p in successful),
        )
        return event


class DuplicateService:
    """The orders with more than one successful payment, and the manager's undo of one."""

    def __init__(
        self,
        repo: JournalRepository,
        backoffice: BackOfficeService,
        clock: Clock,
        terminal_id: str,
    ) -> None:
        self.repo = repo
        self.backoffice = backoffice
        self.clock = clock
        self.terminal_id = terminal_id

    # -- reading ------------------------------------------------------------------------
    def open_orders(self) -> list[str]:
        """Orders flagged as duplicates that still have more than one successful payment,
        most recently flagged first."""
        flagged = self.repo.duplicate_flagged_orders()
        still = self.repo.duplicate_orders(flagged)
        return [ref for ref in flagged if ref in still]

    def count_open(self) -> int:
        return len(self.open_orders())

    def order(self, reference_order_id: str) -> DuplicateOrder | None:
        payments = self.repo.successful_payments_for_order(reference_order_id)
        if len(payments) < 2:
            return None
        return DuplicateOrder(reference_order_id, tuple(payments))

    def open_payments(self) -> list[Payment]:
        """Every successful payment of the open duplicate orders: the newest flagged order
        first, each order's payments together, oldest first."""
        rows: list[Payment] = []
        for ref in self.open_orders():
            rows.extend(self.repo.successful_payments_for_order(ref))
        return rows

    # -- undo ---------------------------------------------------------------------------
    def _undoing(self, payment: Payment) -> bool:
        """Being given back already: a cancel or a refund on its way, or a claim just made."""
        if payment.status is _P.CANCEL_PENDING:
            return True
        if pending_refunds(self.repo.refunds_for(payment.id)):
            return True
        stages = self.repo.events_of_kind_for_payment(payment.id, EventKind.DUPLICATE_UNDO)
        if stages and stages[-1].detail.get("stage") == "requested":
            return self.clock.now() - stages[-1].at < CLAIM_TIMEOUT
        return False

    def _claim(self, payment: Payment, operator: str) -> tuple[Payment, str]:
        """Decide (state read now, under the journal's write lock) and journal the undo."""
        with self.repo.transaction():
            current = self.repo.get_payment(payment.id)
            if current is None:
                raise BackOfficeError(
                    UserText("payment.not_found", "This payment is not in the journal")
                )
            ref = current.reference_order_id
            successful = self.repo.successful_payments_for_order(ref)
            if all(p.id != current.id for p in successful):
                raise BackOfficeError(
                    UserText(
                        "duplicate.nothing_to_undo",
                        "This payment no longer holds money (it is {status}): nothing to undo.",
                        status=status_text(current.status),
                    )
                )
            if self._undoing(current):
                raise BackOfficeError(
                    UserText(
                        "duplicate.already_undoing",
                        "This payment is already being given back.",
                    )
                )
            kept = [p for p in successful if p.id != current.id and not self._undoing(p)]
            if not kept:
                raise BackOfficeError(
                    UserText(
                        "duplicate.last_payment",
                        "Order {order} has no other successful payment: this one is not a "
                        "duplicate.",
                        order=ref,
                    )
                )
            if current.status is _P.AUTHORISED:
                action = "cancel"
            elif current.status in (_P.CAPTURED, _P.PARTIALLY_REFUNDED):
                action = "refund"
            else:
                raise BackOfficeError(
                    UserText(
                        "duplicate.wait",
                        "This payment is {status}: wait until it settles, then try again.",
                        status=status_text(current.status),
                    )
                )
            self._journal(current, "requested", operator, action=action, kept=kept)
        return current, action

    def _journal(self, payment: Payment, stage: str, operator: str, **extra: Any) -> None:
        kept = extra.pop("kept", None)
        detail: dict[str, Any] = {
            "stage": stage,
            "reference_order_id": payment.reference_order_id,
            "undone": _summary(payment),
            **extra,
        }
        if kept is not None:
            detail["kept"] = [_summary(p) for p in kept]
        self.repo.record_event(
            EventKind.DUPLICATE_UNDO,
            operator=operator,
            terminal_id=self.terminal_id,
            payment=payment.id,
            request_id=payment.payment_request_id,
            detail=detail,
        )

    def undo(
        self,
        payment: Payment | int,
        approval: Approval,
        *,
        operator: str = "manager",
        progress: Callable[[str], None] | None = None,
    ) -> OperationResult:
        """Give back one payment of a duplicate order in one step: cancel it if it is held,
        refund what is left of it if it was captured. BackOfficeError when refused before
        anything is sent (already undone, the order's last payment, not settled yet)."""
        pid = payment if isinstance(payment, int) else payment.id
        found = self.repo.get_payment(pid)
        if found is None:
            raise BackOfficeError(
                UserText("payment.not_found", "This payment is not in the journal")
            )
        current, action = self._claim(found, operator)
        self._announce(current)
        try:
            if action == "cancel":
                result = self.backoffice.cancel(
                    current, approval, operator=operator, progress=progress
                )
            else:
                result = self.backoffice.refund(
                    current,
                    current.refundable,
                    approval,
                    reason=f"Duplicate payment for order {current.reference_order_id}",
                    operator=operator,
                    progress=progress,
                )
        except Exception as exc:
            self._journal(current, "refused", operator, action=action, error=type(exc).__name__)
            self._announce(current)
            raise
        stage = {True: "done", False: "refused", None: "pending"}[result.ok]
        self._journal(
            result.payment,
            stage,
            operator,
            action=action,
            request_id=result.request_id,
            result_code=result.result_code,
        )
        self._announce(result.payment)
        return result

    def _announce(self, payment: Payment) -> None:
        """A step of an undo was journaled (committed): the Duplicates list shows it."""
        self.backoffice.settler.changes.announce(payment, ChangeKind.JOURNALED)
