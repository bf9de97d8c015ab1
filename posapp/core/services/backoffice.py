"""Back office: capture, cancel and refund, each with a manager's approval.

Every action: check what can be checked locally (state, 7-day window, refundable amount)
with a clear message -> take the manager's approval (PIN) -> journal that approval, MAC'd
under the install's journal key and naming the action, payment, request id and amount ->
journal the operation with its request id (captureRequestId / refundRequestId) -> send
(the Settler checks the approval again) -> journal the answer. An answer that does not come leaves the operation PENDING; the poller settles it
and re-sends it under the same id if Antom never saw it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from posapp.core.antom.messages import explain
from posapp.core.clock import Clock
from posapp.core.domain import (
    Capture,
    DomainError,
    EventKind,
    OperationStatus,
    Payment,
    PaymentStatus,
    Refund,
)
from posapp.core.ids import new_request_id
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.rules import (
    cancel_refusal,
    capture_refusal,
    pending_refunds,
    refund_refusal,
    status_text,
)
from posapp.core.services.checkout import InFlight
from posapp.core.services.pin import Approval, PinError, PinManager
from posapp.core.services.refusal import BackOfficeError
from posapp.core.services.settle import NO_VALID_APPROVAL, Settler
from posapp.core.services.validation import card_data_problem
from posapp.core.usertext import UserText

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class OperationResult:
    """What happened: ``ok`` True (done), False (refused by Antom), None (still checking)."""

    payment: Payment
    ok: bool | None
    message: str  # a UserText
    request_id: str | None = None
    result_code: str | None = None


class BackOfficeService:
    """Capture / cancel / refund with manager approval. Synchronous (worker threads)."""

    def __init__(
        self,
        repo: JournalRepository,
        settler: Settler,
        pins: PinManager,
        clock: Clock,
        terminal_id: str,
        *,
        on_pending: Callable[[Payment], None] | None = None,
        in_flight: InFlight | None = None,
    ) -> None:
        self.repo = repo
        self.settler = settler
        self.pins = pins
        self.clock = clock
        self.terminal_id = terminal_id
        self._on_pending = on_pending
        # while our own request is on the wire the poller leaves the payment alone
        self.in_flight = in_flight or InFlight()

    # -- approvals ------------------------------------------------------------------------
    def approve(self, pin: str, *, manager: str = "manager", uses: int = 1) -> Approval:
        """Check the manager PIN; the attempt (granted or refused) is journaled."""
        try:
            approval = self.pins.approve(pin, manager, uses=uses)
        except PinError as exc:
            self.repo.record_event(
                EventKind.SECURITY,
                operator=manager,
                terminal_id=self.terminal_id,
                detail={"approval": "refused", "reason": exc.message},
            )
            raise
        self.repo.record_event(
            EventKind.APPROVAL,
            operator=manager,
            terminal_id=self.terminal_id,
            detail={"approval": "granted", "uses": uses},
        )
        return approval

    def _consume(
        self, approval: Approval, action: str, payment: Payment, request_id: str, amount: Money
    ) -> None:
        """Spend one use of ``approval`` and journal it for this one operation (MAC'd)."""
        if self.repo.key is None:  # say so before a use of the approval is spent
            raise BackOfficeError(
                UserText(
                    "approval.no_key",
                    "Manager approvals need this install's journal key, which is not "
                    "available (is the system keyring unlocked?)",
                )
            )
        try:
            self.pins.consume(approval)
        except PinError as exc:
            raise BackOfficeError(exc.message) from None
        try:
            self.repo.record_approval(
                action,
                payment,
                request_id,
                amount,
                manager=approval.manager,
                terminal_id=self.terminal_id,
                approved_at=approval.granted_at,
            )
        except DomainError as exc:
            raise BackOfficeError(exc.user_message) from None

    def _load(self, payment: Payment | int) -> Payment:
        pid = payment if isinstance(payment, int) else payment.id
        found = self.repo.get_payment(pid)
        if found is None:
            raise BackOfficeError(
                UserText("payment.not_found", "This payment is not in the journal")
            )
        return found

    def _pending(self, payment: Payment) -> None:
        if self._on_pending is not None:
            self._on_pending(payment)

    # -- capture --------------------------------------------------------------------------
    def check_capture(self, payment: Payment | int) -> Payment:
        """The payment, or BackOfficeError saying why it cannot be captured."""
        p = self._load(payment)
        refusal = capture_refusal(p, self.clock.now())
        if refusal is not None:
            raise BackOfficeError(refusal)
        return p

    def capture(
        self,
        payment: Payment | int,
        approval: Approval,
        *,
        operator: str = "manager",
        progress: Progress | None = None,
    ) -> OperationResult:
        """Capture the full authorised amount."""
        say = progress or (lambda _stage: None)
        p = self.check_capture(payment)
        request_id = new_request_id("CAP")
        self._consume(approval, "capture", p, request_id, p.amount)
        say("journaling")
        try:
            capture = self.repo.record_capture_intent(
                p.id, request_id, operator=operator, terminal_id=self.terminal_id
            )
        except DomainError as exc:
            raise BackOfficeError(exc.user_message) from None
        return self._send_operation(
            p, lambda: self.settler.send_capture(capture, p, operator=operator), request_id, say
        )

    # -- cancel ---------------------------------------------------------------------------
    def check_cancel(self, payment: Payment | int) -> Payment:
        """The payment, or BackOfficeError saying why it cannot be cancelled."""
        p = self._load(payment)
        refusal = cancel_refusal(p)
        if refusal is not None:
            raise BackOfficeError(refusal)
        return p

    def cancel(
        self,
        payment: Payment | int,
        approval: Approval,
        *,
        operator: str = "manager",
        progress: Progress | None = None,
    ) -> OperationResult:
        """Void a hold (or close a payment whose result never came)."""
        say = progress or (lambda _stage: None)
        p = self.check_cancel(payment)
        self._consume(approval, "cancel", p, p.payment_request_id, p.amount)
        say("journaling")
        self.in_flight.add(p.id)
        try:
            if p.status is PaymentStatus.AUTHORISED:
                p = self.settler.move(
                    p, PaymentStatus.CANCEL_PENDING, reason="cancel requested", operator=operator
                )
                if p.status is not PaymentStatus.CANCEL_PENDING:
                    raise BackOfficeError(
                        UserText(
                            "payment.changed",
                            "This payment changed meanwhile (now {status}).",
                            status=status_text(p.status),
                        )
                    )
            say("sending")
            after = self.settler.resend_cancel(p, operator=operator)
        finally:
            self.in_flight.discard(p.id)
        say("done")
        if after.status is PaymentStatus.CANCELLED:
            return OperationResult(
                after, True, UserText("cancel.done", "Cancelled: the hold is released.")
            )
        if after.result_code == NO_VALID_APPROVAL:
            return OperationResult(
                after, False, _refused_no_approval(), result_code=NO_VALID_APPROVAL
            )
        if after.status is PaymentStatus.CANCEL_PENDING:
            self._pending(after)
            return OperationResult(
                after,
                None,
                UserText("cancel.pending", "The cancellation is being confirmed with Antom."),
            )
        reason: str = after.result_code or UserText("antom.no_reason", "no reason given")
        return OperationResult(
            after,
            False,
            UserText("cancel.refused", "Antom refused the cancellation ({reason}).", reason=reason),
            result_code=after.result_code,
        )

    # -- refund ---------------------------------------------------------------------------
    def check_refund(self, payment: Payment | int, amount: Money) -> Payment:
        """The payment, or BackOfficeError saying why ``amount`` cannot be refunded."""
        p = self._load(payment)
        refusal = refund_refusal(p, amount, pending=pending_refunds(self.repo.refunds_for(p.id)))
        if refusal is not None:
            raise BackOfficeError(refusal)
        return p

    def refund(
        self,
        payment: Payment | int,
        amount: Money,
        approval: Approval,
        *,
        reason: str = "",
        operator: str = "manager",
        progress: Progress | None = None,
    ) -> OperationResult:
        """Refund part or all of what was captured (several refunds may follow)."""
        say = progress or (lambda _stage: None)
        if len(reason) > 256:
            raise BackOfficeError(
                UserText(
                    "refund.reason_too_long",
                    "The refund reason has at most {limit} characters.",
                    limit=256,
                )
            )
        card_data = card_data_problem("reason", reason)
        if card_data is not None:  # the reason is journaled and sent to Antom in clear
            raise BackOfficeError(card_data)
        p = self.check_refund(payment, amount)
        request_id = new_request_id("RFD")
        self._consume(approval, "refund", p, request_id, amount)
        say("journaling")
        try:
            refund = self.repo.record_refund_intent(
                p.id,
                request_id,
                amount,
                operator=operator,
                terminal_id=self.terminal_id,
                reason=reason,
            )
        except DomainError as exc:
            raise BackOfficeError(exc.user_message) from None
        return self._send_operation(
            p, lambda: self.settler.send_refund(refund, p, operator=operator), request_id, say
        )

    def _send_operation(
        self,
        p: Payment,
        send: Callable[[], Capture | Refund],
        request_id: str,
        say: Progress,
    ) -> OperationResult:
        """Send a journaled capture or refund and say how it went."""
        say("sending")
        self.in_flight.add(p.id)
        try:
            op = send()
        finally:
            self.in_flight.discard(p.id)
        after = self._load(p)
        say("done")
        capture = isinstance(op, Capture)
        if op.status is OperationStatus.SUCCEEDED:
            amount = str(op.amount)
            done = (
                UserText("capture.done", "Captured {amount}.", amount=amount)
                if capture
                else UserText("refund.done", "Refunded {amount}.", amount=amount)
            )
            return OperationResult(after, True, done, request_id)
        if op.status is OperationStatus.FAILED and op.result_code == NO_VALID_APPROVAL:
            return OperationResult(
                after, False, _refused_no_approval(), request_id, NO_VALID_APPROVAL
            )
        if op.status is OperationStatus.FAILED:
            # Antom's words (English), or the code; a translated UI shows ours for the code
            reason: str = op.result_code or ""
            if op.result_message:
                reason = explain(reason, op.result_message) or op.result_message
            refused = (
                UserText("capture.refused", "Antom refused the capture: {reason}.", reason=reason)
                if capture
                else UserText(
                    "refund.refused", "Antom refused the refund: {reason}.", reason=reason
                )
            )
            return OperationResult(after, False, refused, request_id, op.result_code)
        self._pending(after)
        pending = (
            UserText("capture.pending", "The capture is being confirmed with Antom.")
            if capture
            else UserText("refund.pending", "The refund is being confirmed with Antom.")
        )
        return OperationResult(after, None, pending, request_id)

    # -- queries --------------------------------------------------------------------------
    def held(self, limit: int = 50) -> list[Payment]:
        """Held authorisations, least time left to capture first."""
        return self.repo.held_authorisations(limit=limit)

    def duplicates_for(self, reference_order_id: str) -> list[Payment]:
        """Payments of one order that hold money: more than one is a double charge to cancel
        or refund."""
        return self.repo.successful_payments_for_order(reference_order_id)


def _refused_no_approval() -> str:
    return UserText(
        "approval.refused_no_valid",
        "Refused: no valid approval. Nothing was sent to Antom; the attempt is journaled.",
    )
