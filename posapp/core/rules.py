"""What a manager may do to a payment: capture, cancel and refund refusals, written once.

Each rule answers "why not?": a ``UserText`` fit for the manager, or ``None`` when the action
may go ahead. The back-office service asks them before taking an approval, the journal asks
them again under its write lock (another till may have moved the payment meanwhile), and the
Orders screen enables its buttons with them, so a button is enabled exactly when the service
would accept the action.

Decisions recorded here (they used to differ between copies):

- Cancel (protocol section 7.2): closes a payment whose result never came (PENDING,
  NEEDS_3DS) or voids an authorisation (AUTHORISED). A captured payment is refunded instead.
- Refunds still "on their way" are the unsettled ones (INTENT, PENDING): the poller settles
  those. A NOT_SENT refund is one Antom said it never saw; nothing settles it, so reserving its
  amount would block the rest of the payment for good. Should it surface after all, Antom
  itself refuses refunds above the captured amount (REFUND_AMOUNT_EXCEED).
- Capture needs Antom's paymentId; a hold with no known deadline may be captured (Antom
  decides), one past its deadline may not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from posapp.core.domain import OperationStatus, Payment, PaymentStatus, Refund
from posapp.core.money import Money
from posapp.core.usertext import UserText

_P = PaymentStatus

CANCELLABLE: frozenset[PaymentStatus] = frozenset({_P.AUTHORISED, _P.PENDING, _P.NEEDS_3DS})
REFUNDABLE: frozenset[PaymentStatus] = frozenset({_P.CAPTURED, _P.PARTIALLY_REFUNDED})
# a refund on its way: the poller settles it, its amount is not available to another refund
UNSETTLED_OPERATIONS: frozenset[OperationStatus] = frozenset(
    {OperationStatus.INTENT, OperationStatus.PENDING}
)


def status_text(status: PaymentStatus) -> UserText:
    """A payment status inside a sentence ("this one is held")."""
    return UserText(f"status.{status.value.lower()}", status.label.lower())


def capture_refusal(payment: Payment, now: datetime) -> UserText | None:
    """Why ``payment`` cannot be captured (in full) at ``now``, or None."""
    if payment.status is not _P.AUTHORISED:
        return UserText(
            "capture.not_held",
            "Only a held payment can be captured; this one is {status}.",
            status=status_text(payment.status),
        )
    if payment.capture_deadline is not None and now >= payment.capture_deadline:
        return UserText(
            "capture.window_passed",
            "The 7-day window to capture this payment has passed (it ended "
            "{deadline} UTC); the hold is released. Take a new payment instead.",
            deadline=f"{payment.capture_deadline:%Y-%m-%d %H:%M}",
        )
    if not payment.payment_id:
        return UserText(
            "capture.no_payment_id",
            "This payment has no Antom payment id yet; try again shortly.",
        )
    return None


def cancel_refusal(payment: Payment) -> UserText | None:
    """Why ``payment`` cannot be cancelled, or None."""
    if payment.status in REFUNDABLE:
        return UserText(
            "cancel.captured", "A captured payment cannot be cancelled: refund it instead."
        )
    if payment.status not in CANCELLABLE:
        return UserText(
            "cancel.nothing_to_cancel",
            "This payment is {status}: nothing to cancel.",
            status=status_text(payment.status),
        )
    return None


def pending_refunds(refunds: Iterable[Refund]) -> int:
    """Minor units of the refunds still on their way (not yet settled)."""
    return sum(r.amount.minor for r in refunds if r.status in UNSETTLED_OPERATIONS)


def refund_refusal(
    payment: Payment, amount: Money | None = None, *, pending: int = 0
) -> UserText | None:
    """Why ``amount`` (or, with None, any refund at all) cannot be refunded, or None.

    ``pending``: minor units of refunds still on their way (``pending_refunds``).
    """
    if payment.status not in REFUNDABLE:
        return UserText("refund.not_captured", "Only a paid (captured) payment can be refunded.")
    currency = payment.amount.currency
    if amount is not None and amount.currency != currency:
        return UserText("refund.currency", "Refund in {currency}.", currency=currency)
    if amount is not None and amount.minor <= 0:
        return UserText("refund.not_positive", "Enter a refund amount above zero.")
    left = payment.refundable.minor - pending
    wanted = 1 if amount is None else amount.minor
    if wanted <= left:
        return None
    most = str(Money(max(left, 0), currency))
    if pending:
        return UserText(
            "refund.above_refundable_pending",
            "At most {amount} can be refunded (other refunds are still being processed).",
            amount=most,
        )
    return UserText("refund.above_refundable", "At most {amount} can be refunded.", amount=most)
