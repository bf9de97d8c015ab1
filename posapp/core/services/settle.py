"""What Antom says, applied to the journal: the one place that maps answers to local states.

Checkout (pay answers), the poller (inquiries), recovery (inquiries at start-up) and the
notification listener all go through ``Settler``, so one observation always means the same
thing whoever made it. Every observation is journaled (sanitised) before it changes a state;
a state change the domain's state machine does not allow (a late or stale observation) is
journaled as a note and otherwise ignored, never forced.

Re-sending: an operation whose request id Antom does not know is sent again under the SAME
id (captureRequestId, refundRequestId; a cancel has no id and is idempotent). Nothing is
ever re-sent under a new id here: a payment that never reached Antom becomes NOT_SENT and
waits for the cashier.

Approvals: ``send_capture``, ``send_refund`` and ``resend_cancel`` are the only places a
capture, refund or cancel leaves the till (the back office, the poller, recovery and the
re-sends above all come through them). Each sends only when a manager approval journaled
for it verifies under the install's journal key and names the same action, payment,
request id and amount (``JournalRepository.approval_problem``). Anything else (a row added
with a SQLite tool, an approval for another amount) is never sent: it is journaled as a
SECURITY event ("no valid approval"), and the operation fails with NO_VALID_APPROVAL (a
cancel: the payment goes back to AUTHORISED), which the Orders screen shows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, assert_never

from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import AntomError, journaled
from posapp.core.antom.fields import PAYMENT_EXPIRY_MINUTES
from posapp.core.antom.messages import (
    AntomOutcome,
    Api,
    CancelRequest,
    CancelResponse,
    CaptureRequest,
    CaptureResponse,
    CardResult,
    InquiryPaymentResponse,
    InquiryRefundResponse,
    PayResponse,
    RefundRequest,
    RefundResponse,
    RefundStatus,
    Result,
    ThreeDSResult,
    Transaction,
    TransactionStatus,
    TransactionType,
    drop_none,
)
from posapp.core.antom.messages import PaymentStatus as AntomStatus
from posapp.core.antom.notifications import (
    CaptureNotification,
    Notification,
    PaymentNotification,
)
from posapp.core.cards import MaskedCard
from posapp.core.clock import Clock
from posapp.core.domain import (
    Capture,
    CaptureMode,
    DomainError,
    EventKind,
    IllegalTransition,
    OperationStatus,
    OperationUpdate,
    Payment,
    PaymentStatus,
    PaymentUpdate,
    Refund,
)
from posapp.core.journal.repository import JournalRepository, StaleRecord
from posapp.core.money import Money
from posapp.core.services.duplicates import DuplicateWatch
from posapp.core.usertext import UserText, to_record

log = logging.getLogger(__name__)

SYSTEM = "system"
# The paymentExpiryTime the till sends (Antom's default would be ~14 min; a custom value
# must stay under 10): an unpaid payment closes then, and the journal expects it to.
PAYMENT_EXPIRY = timedelta(minutes=PAYMENT_EXPIRY_MINUTES)
# What Antom gives a payment sent without one (earlier posapp versions): about 14 minutes.
ANTOM_DEFAULT_EXPIRY = timedelta(minutes=14)
# "Antom does not know this paymentRequestId" proves nothing while the request may still be
# on its way (a slow network, a retry queued in a proxy, another window's request): only
# once the payment's expiry has passed, plus this margin for clocks and stragglers, can it
# no longer arrive and be charged.
NOT_SENT_MARGIN = timedelta(minutes=5)
NO_VALID_APPROVAL = "NO_VALID_APPROVAL"  # result code of an operation refused here
NO_VALID_APPROVAL_REASON = UserText("reason.no_valid_approval", "no valid approval")  # SECURITY
# what the Orders screen shows for it (result message of the payment and the operation)
REFUSED_NO_APPROVAL = UserText("approval.refused_line", "refused: no valid approval")
_WINDOW_PASSED = UserText("reason.capture_window_passed", "7-day capture window passed")

_Q = TypeVar("_Q", CaptureRequest, RefundRequest)
_R = TypeVar("_R", CaptureResponse, RefundResponse)
_P = PaymentStatus
_O = OperationStatus

ChangeCallback = Callable[[Payment], None]

# The parsed answers the settler journals; ``summarise`` reads each by its own fields.
Answer = (
    PayResponse
    | CaptureResponse
    | CancelResponse
    | RefundResponse
    | InquiryPaymentResponse
    | InquiryRefundResponse
)
# A capture or a refund: the settler tells them apart by type (``_op_update``).
Operation = Capture | Refund

# Local requests an answer about the authorisation must not undo (see Settler.move).
_REQUESTED = frozenset({_P.CAPTURE_PENDING, _P.CANCEL_PENDING})
_MOVE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Observation:
    """What one settlement step saw, for logs, recovery reports and tests."""

    payment: Payment
    before: PaymentStatus
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.payment.status is not self.before


def _result_json(result: Result | None) -> dict[str, str] | None:
    if result is None:
        return None
    return {
        "resultCode": result.code,
        "resultStatus": result.status.value,
        "resultMessage": result.message,
    }


def _money(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"currency": value.currency, "value": str(value.minor)}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _card_summary(card: CardResult | None) -> dict[str, Any] | None:
    if card is None:
        return None
    return drop_none(
        {
            "cardBrand": card.brand,
            "lastFour": card.last_four,
            "funding": card.funding,
            "issuingCountry": card.issuing_country,
            "avsResultRaw": card.avs_result,
            "cvvResultRaw": card.cvv_result,
            "authorizationCode": card.authorization_code,
            "threeDSResult": _three_ds_summary(card.three_ds),
        }
    )


def _three_ds_summary(tds: ThreeDSResult | None) -> dict[str, Any] | None:
    """Every threeDSResult field but the CAVV's value: a cryptogram is never journaled, only
    that one was given."""
    if tds is None:
        return None
    return (
        drop_none(
            {
                "threeDSVersion": tds.version,
                "eci": tds.eci,
                "cavvGiven": True if tds.cavv else None,
                "dsTransactionId": tds.ds_transaction_id,
                "xid": tds.xid,
                "threeDStransactionStatusReason": tds.status_reason,
                "challengeCancel": tds.challenge_cancel,
                "challenged": tds.challenged,
                "exemptionType": tds.exemption_type,
                "threeDSOffered": tds.offered,
                "paResStatus": tds.pa_res_status,
                "liabilityShift": tds.liability_shift,
            }
        )
        or None
    )


def summarise(response: Answer) -> dict[str, Any]:
    """A journal-safe summary of a parsed Antom answer (never card numbers: only what the
    parsers keep, which is already masked, plus ids, amounts, states and times)."""
    classification = response.classification
    out: dict[str, Any] = {
        "result": _result_json(response.result),
        **drop_none(_answer_fields(response)),
        "classification": {
            "outcome": classification.outcome.value,
            "action": classification.action.value,
        },
    }
    error = _answer_error(response)
    if error is not None:
        out["error"] = journaled(error)
    return out


def _answer_error(response: Answer) -> AntomError | None:
    """Why an answer was made up locally (no verified answer came); inquiries carry none."""
    if isinstance(response, InquiryPaymentResponse | InquiryRefundResponse):
        return None
    return response.error


def _answer_fields(response: Answer) -> dict[str, Any]:
    """What one kind of answer says, by journal key in journal order (None: not said)."""
    match response:
        case PayResponse():
            return {
                "paymentRequestId": response.payment_request_id,
                "paymentId": response.payment_id,
                "normalUrl": response.redirect_url,
                "amount": _money(response.amount),
                "payment_time": _iso(response.payment_time),
                "auth_expiry_time": _iso(response.auth_expiry_time),
                "paymentResultInfo": _card_summary(response.card) or None,
            }
        case CaptureResponse():
            return {
                "paymentId": response.payment_id,
                "captureRequestId": response.capture_request_id,
                "captureId": response.capture_id,
                "amount": _money(response.amount),
                "capture_time": _iso(response.capture_time),
            }
        case CancelResponse():
            return {
                "paymentRequestId": response.payment_request_id,
                "paymentId": response.payment_id,
            }
        case RefundResponse():
            return {
                "paymentId": response.payment_id,
                "refundRequestId": response.refund_request_id,
                "refundId": response.refund_id,
                "amount": _money(response.amount),
                "refund_time": _iso(response.refund_time),
            }
        case InquiryPaymentResponse():
            status = response.payment_status
            return {
                "paymentRequestId": response.payment_request_id,
                "paymentId": response.payment_id,
                "paymentResultCode": response.payment_result_code,
                "paymentResultMessage": response.payment_result_message,
                "paymentStatus": None if status is None else status.value,
                "amount": _money(response.amount),
                "payment_time": _iso(response.payment_time),
                "auth_expiry_time": _iso(response.auth_expiry_time),
                "paymentResultInfo": _card_summary(response.card) or None,
                "transactions": [_transaction_summary(t) for t in response.transactions] or None,
            }
        case InquiryRefundResponse():
            refund_status = response.refund_status
            return {
                "refundRequestId": response.refund_request_id,
                "refundId": response.refund_id,
                "refundStatus": None if refund_status is None else refund_status.value,
                "amount": _money(response.amount),
                "refund_time": _iso(response.refund_time),
            }
        case _:
            assert_never(response)


def _transaction_summary(t: Transaction) -> dict[str, Any]:
    return drop_none(
        {
            "type": t.type.value,
            "status": t.status.value,
            "requestId": t.request_id,
            "id": t.transaction_id,
            "amount": _money(t.amount),
            "resultCode": t.result.code if t.result else None,
        }
    )


def card_update(card: CardResult | None, ours: MaskedCard) -> dict[str, Any]:
    """PaymentUpdate fields from Antom's paymentResultInfo (masked data only)."""
    if card is None:
        return {}
    return {
        "avs_result": card.avs_result,
        "cvv_result": card.cvv_result,
        "network_transaction_id": card.network_transaction_id,
        "auth_code": card.authorization_code,
    }


class Settler:
    """Applies Antom's answers, inquiries and notifications to the journal; thread-safe.

    ``on_change`` is called (from the calling thread) with the payment after every change
    of its state or facts; the UI turns it into a signal.
    """

    def __init__(
        self,
        repo: JournalRepository,
        client: AntomClient,
        clock: Clock,
        terminal_id: str,
        *,
        on_change: ChangeCallback | None = None,
    ) -> None:
        self.repo = repo
        self.client = client
        self.clock = clock
        self.terminal_id = terminal_id
        self._listeners: list[ChangeCallback] = [on_change] if on_change else []
        self._listeners_lock = threading.Lock()
        self.duplicates = DuplicateWatch(repo, terminal_id)

    # -- change listeners ------------------------------------------------------------------
    def subscribe(self, callback: ChangeCallback) -> Callable[[], None]:
        with self._listeners_lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def notify(self, payment: Payment) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(payment)
            except Exception:
                log.exception("a payment-change listener failed")

    # -- journal helpers -------------------------------------------------------------------
    def journal_request(
        self,
        api: Api,
        body: Mapping[str, Any],
        *,
        payment: int,
        request_id: str | None,
        operator: str = SYSTEM,
    ) -> None:
        self.repo.record_request(
            api.value,
            body,
            operator=operator,
            terminal_id=self.terminal_id,
            request_id=request_id,
            payment=payment,
        )

    def journal_response(
        self,
        api: Api,
        response: Answer,
        *,
        payment: int,
        request_id: str | None,
        operator: str = SYSTEM,
    ) -> None:
        error = _answer_error(response)
        self.repo.record_response(
            api.value,
            summarise(response),
            operator=operator,
            terminal_id=self.terminal_id,
            request_id=request_id,
            payment=payment,
            outcome=response.classification.outcome.value,
            error=journaled(error) if error is not None else None,
        )

    def journal_error(
        self,
        api: Api,
        error: Exception,
        *,
        payment: int,
        request_id: str | None,
        operator: str = SYSTEM,
    ) -> None:
        self.repo.record_response(
            api.value,
            None,
            operator=operator,
            terminal_id=self.terminal_id,
            request_id=request_id,
            payment=payment,
            outcome="unknown",
            error=journaled(error),
        )

    def note(self, payment: int | None, text: str, *, operator: str = SYSTEM, **extra: Any) -> None:
        self.repo.record_event(
            EventKind.NOTE,
            operator=operator,
            terminal_id=self.terminal_id,
            payment=payment,
            detail={"note": text, **extra},
        )

    # -- state moves -----------------------------------------------------------------------
    def move(
        self,
        payment: Payment,
        target: PaymentStatus | None,
        update: PaymentUpdate | None = None,
        *,
        reason: str,
        operator: str = SYSTEM,
    ) -> Payment:
        """Move ``payment`` to ``target`` if the state machine allows it from where the
        payment is NOW; otherwise journal a note and keep it.

        ``payment`` is the snapshot the caller decided on. The write is guarded by the row
        version read here; if another thread, window or process moved the payment in between,
        the decision is taken again on what it is then (a few times at most).

        ``target=None`` records new facts and keeps whatever status the payment has now. A
        caller must not pass the status of a snapshot it read earlier: a capture requested
        in between would be undone (CAPTURE_PENDING -> AUTHORISED is a legal move). For the
        same reason an authorisation decided on a snapshot taken before a capture or cancel
        was requested (a notifyPayment or pay answer that raced the cashier) only adds facts.
        """
        current = payment
        for _ in range(_MOVE_ATTEMPTS):
            current = self.repo.get_payment(payment.id) or payment
            goal = target
            if (
                goal is _P.AUTHORISED
                and current.status in _REQUESTED
                and payment.status is not current.status
            ):
                self.note(
                    payment.id,
                    f"observed AUTHORISED while {current.status.value}: kept",
                    reason=reason,
                )
                goal = None
            if goal is None:
                goal = current.status
            if not current.status.can_become(goal):
                if current.status is not goal:
                    self.note(
                        payment.id,
                        f"observed {goal.value} while {current.status.value}: kept",
                        reason=reason,
                    )
                return current
            try:
                # one transaction with the duplicate check: a stop in between cannot lose it
                with self.repo.transaction():
                    moved = self.repo.transition(
                        payment.id,
                        goal,
                        operator=operator,
                        terminal_id=self.terminal_id,
                        update=update,
                        reason=reason,
                        expected_version=current.version,
                    )
                    doubled = self._check_duplicates(moved, current, reason)
            except StaleRecord:
                continue  # moved between our read and our write: decide again
            except IllegalTransition:
                return self.repo.get_payment(payment.id) or current
            if moved.version != current.version:
                self.notify(moved)
            for other in doubled:  # the order's other payments: marked on every screen
                self.notify(other)
            return moved
        log.warning("payment %s kept changing; %s not applied", payment.id, reason)
        return self.repo.get_payment(payment.id) or current

    def _check_duplicates(self, moved: Payment, before: Payment, reason: str) -> list[Payment]:
        """Journal (once) a second successful payment for ``moved``'s order when it just
        became successful; the order's other payments when it did, else nothing."""
        if moved.status is before.status or not moved.status.holds_money:
            return []
        try:
            if self.duplicates.check(moved, source=reason) is None:
                return []
            others = self.repo.successful_payments_for_order(moved.reference_order_id)
        except Exception:  # never let the check stop a settlement
            log.exception("the duplicate check for payment %s failed", moved.id)
            return []
        return [p for p in others if p.id != moved.id]

    def _op_update(
        self,
        op: Operation,
        status: OperationStatus,
        update: OperationUpdate,
        *,
        operator: str = SYSTEM,
    ) -> None:
        """Move a journaled capture or refund to ``status`` if it may go there from where it
        is NOW (``op`` names it; its own status may be older); otherwise journal a note."""
        before: Operation | None
        write: Callable[..., Operation]
        match op:
            case Capture(capture_request_id=request_id):
                before = self.repo.get_capture(request_id)
                write = self.repo.update_capture
            case Refund(refund_request_id=request_id):
                before = self.repo.get_refund(request_id)
                write = self.repo.update_refund
            case _:
                assert_never(op)
        if before is None:
            return
        if not before.status.can_become(status):
            if before.status is not status:
                self.note(
                    before.payment,
                    f"{_api(op).value} {request_id}: observed {status.value} "
                    f"while {before.status.value}",
                )
            return
        try:
            write(
                request_id,
                status,
                operator=operator,
                terminal_id=self.terminal_id,
                update=update,
            )
        except IllegalTransition:
            return
        after = self.repo.get_payment(before.payment)
        if after is not None:
            self.notify(after)

    # -- approvals -------------------------------------------------------------------------
    def approved(self, action: str, payment: Payment, request_id: str, amount: Money) -> bool:
        """Whether ``action`` may be sent: a journaled approval verifies for it. If not, a
        SECURITY event says so (the caller then refuses the operation)."""
        problem = self.repo.approval_problem(action, payment, request_id, amount)
        if problem is None:
            return True
        log.warning(
            "%s %s of payment %s refused: no valid approval (%s)",
            action,
            request_id,
            payment.id,
            problem,
        )
        self.repo.record_event(
            EventKind.SECURITY,
            operator=SYSTEM,
            terminal_id=self.terminal_id,
            payment=payment.id,
            api=action,
            request_id=request_id,
            detail={
                "reason": to_record(NO_VALID_APPROVAL_REASON),
                "action": action,
                "amount": amount.to_antom(),
                "problem": problem,
            },
        )
        return False

    def _refuse_operation(self, op: Operation, payment: Payment) -> None:
        """Close a refused capture / refund (never sent) and say so on its payment."""
        self._op_update(
            op,
            _O.FAILED,
            OperationUpdate(
                result_code=NO_VALID_APPROVAL,
                result_status="F",
                result_message=str(REFUSED_NO_APPROVAL),
            ),
        )
        current = self.repo.get_payment(payment.id) or payment
        self.move(
            current,
            None,
            PaymentUpdate(result_code=NO_VALID_APPROVAL, result_message=str(REFUSED_NO_APPROVAL)),
            reason=REFUSED_NO_APPROVAL,
        )

    # -- pay -------------------------------------------------------------------------------
    def apply_pay(self, payment: Payment, response: PayResponse, *, operator: str) -> Payment:
        """Apply the answer to our own pay request (or the lack of one)."""
        self.journal_response(
            Api.PAY,
            response,
            payment=payment.id,
            request_id=payment.payment_request_id,
            operator=operator,
        )
        result = response.result
        now = self.clock.now()
        facts: dict[str, Any] = {
            "payment_id": response.payment_id,
            "result_code": result.code if result else None,
            "result_status": result.status.value if result else None,
            "result_message": result.message if result else None,
            **card_update(response.card, payment.card),
        }
        if result is None:
            return self.move(
                payment,
                _P.PENDING,
                PaymentUpdate(**facts),
                reason=UserText(
                    "reason.no_verified_answer",
                    "no verified answer: {reason}",
                    reason=response.classification.reason,
                ),
                operator=operator,
            )
        outcome = response.outcome
        if outcome is AntomOutcome.SUCCEEDED:
            authorised_at = response.payment_time or now
            update = PaymentUpdate(
                **facts, authorised_at=authorised_at, auth_expiry=response.auth_expiry_time
            )
            target = (
                _P.AUTHORISED if payment.capture_mode is CaptureMode.MANUAL else _P.CAPTURE_PENDING
            )
            return self.move(payment, target, update, reason="authorised", operator=operator)
        if outcome is AntomOutcome.UNKNOWN:
            if response.redirect_url:
                return self.move(
                    payment,
                    _P.NEEDS_3DS,
                    PaymentUpdate(**facts, three_ds_url=response.redirect_url),
                    reason="3-D Secure challenge",
                    operator=operator,
                )
            return self.move(
                payment,
                _P.PENDING,
                PaymentUpdate(**facts),
                reason=response.classification.reason,
                operator=operator,
            )
        return self.move(
            payment,
            _P.DECLINED,
            PaymentUpdate(**facts),
            reason=response.classification.reason,
            operator=operator,
        )

    # -- inquiry ---------------------------------------------------------------------------
    def inquire(self, payment: Payment) -> InquiryPaymentResponse | None:
        """inquiryPayment by paymentRequestId; journaled. None when there was no answer."""
        try:
            inq = self.client.inquiry_payment(payment.payment_request_id)
        except AntomError as exc:
            self.journal_error(
                Api.INQUIRY_PAYMENT, exc, payment=payment.id, request_id=payment.payment_request_id
            )
            return None
        self.journal_response(
            Api.INQUIRY_PAYMENT, inq, payment=payment.id, request_id=payment.payment_request_id
        )
        return inq

    def apply_inquiry(
        self, payment: Payment, inq: InquiryPaymentResponse, *, not_found_means_not_sent: bool
    ) -> Payment:
        """Apply an inquiryPayment answer: the payment's state, and its captures and refunds
        found in ``transactions[]``."""
        if inq.not_found:
            if (
                not_found_means_not_sent
                and payment.status in (_P.INTENT, _P.PENDING)
                and self.clock.now() >= not_sent_provable_at(payment)
            ):
                return self.move(
                    payment,
                    _P.NOT_SENT,
                    PaymentUpdate(result_code="ORDER_NOT_EXIST", result_status="F"),
                    reason=UserText(
                        "reason.unknown_request_id",
                        "Antom does not know this paymentRequestId, past its expiry",
                    ),
                )
            return payment
        status = inq.payment_status
        if status is None:
            return payment
        facts: dict[str, Any] = {
            "payment_id": inq.payment_id,
            "result_code": inq.payment_result_code,
            "result_message": inq.payment_result_message,
            **card_update(inq.card, payment.card),
        }
        self._apply_transactions(payment, inq.transactions)
        current = self.repo.get_payment(payment.id) or payment
        if status is AntomStatus.SUCCESS:
            authorised_at = inq.payment_time or current.authorised_at or self.clock.now()
            update = PaymentUpdate(
                **facts,
                result_status="S",
                authorised_at=current.authorised_at or authorised_at,
                auth_expiry=inq.auth_expiry_time,
            )
            captures = inq.captures()
            if any(t.status is TransactionStatus.SUCCESS for t in captures):
                return self.move(current, _P.CAPTURED, update, reason="captured (inquiry)")
            if any(t.status is TransactionStatus.PROCESSING for t in captures):
                return self.move(current, _P.CAPTURE_PENDING, update, reason="capture in process")
            if current.status in (_P.INTENT, _P.PENDING, _P.NEEDS_3DS, _P.NOT_SENT):
                target = (
                    _P.AUTHORISED
                    if current.capture_mode is CaptureMode.MANUAL
                    else _P.CAPTURE_PENDING
                )
                return self.move(current, target, update, reason="authorised (inquiry)")
            # Same state with new facts (payment id, auth expiry) is still worth keeping.
            return self.move(current, None, update, reason="inquiry")
        if status is AntomStatus.FAIL:
            return self.move(
                current,
                _P.DECLINED,
                PaymentUpdate(**facts, result_status="F"),
                reason=UserText("reason.inquiry_failed", "payment failed (inquiry)"),
            )
        if status is AntomStatus.CANCELLED:
            lapsed = (
                current.status in (_P.AUTHORISED, _P.CAPTURE_PENDING)
                and current.capture_deadline is not None
                and self.clock.now() >= current.capture_deadline
            )
            target = _P.RELEASED if lapsed else _P.CANCELLED
            return self.move(current, target, PaymentUpdate(**facts), reason="cancelled (inquiry)")
        # PROCESSING / PENDING: sent and known, outcome not yet
        if current.status in (_P.INTENT, _P.NOT_SENT):
            return self.move(current, _P.PENDING, PaymentUpdate(**facts), reason="processing")
        return self.move(current, None, PaymentUpdate(**facts), reason="processing")

    def _apply_transactions(self, payment: Payment, transactions: tuple[Transaction, ...]) -> None:
        for t in transactions:
            if not t.request_id:
                continue
            op: Operation | None = None
            if t.type is TransactionType.CAPTURE:
                op = self.repo.get_capture(t.request_id)
            elif t.type is TransactionType.REFUND:
                op = self.repo.get_refund(t.request_id)
            if op is not None:
                self._op_update(op, *_op_from_transaction(t))

    # -- settling one payment (poller and recovery) ----------------------------------------
    def settle_payment(self, payment: Payment, *, not_found_means_not_sent: bool) -> Observation:
        """One settlement step for a payment whose outcome is not known."""
        before = payment.status
        inq = self.inquire(payment)
        if inq is None:
            return Observation(payment, before, "no answer")
        after = self.apply_inquiry(payment, inq, not_found_means_not_sent=not_found_means_not_sent)
        if after.status is _P.CANCEL_PENDING and inq.payment_status is AntomStatus.SUCCESS:
            after = self.resend_cancel(after)
        elif after.status is _P.CAPTURE_PENDING and after.capture_mode is CaptureMode.MANUAL:
            for capture in self.repo.captures_for(after.id):
                if capture.status in (_O.INTENT, _O.PENDING, _O.NOT_SENT):
                    self.settle_capture(capture, inq)
            after = self.repo.get_payment(after.id) or after
        return Observation(after, before, inq.result.code)

    # -- captures --------------------------------------------------------------------------
    def send_capture(self, capture: Capture, payment: Payment, *, operator: str) -> Capture:
        """Send (or re-send, same id) a capture that is journaled; apply the answer."""
        if not payment.payment_id:
            raise DomainError(
                f"payment {payment.id} has no Antom paymentId yet",
                user_message=UserText(
                    "capture.still_checking",
                    "This payment is still being checked; capture it in a moment.",
                ),
            )
        if not self.approved("capture", payment, capture.capture_request_id, capture.amount):
            self._refuse_operation(capture, payment)
            return self.repo.get_capture(capture.capture_request_id) or capture
        request = CaptureRequest(capture.capture_request_id, payment.payment_id, capture.amount)
        response = self._send_operation(capture, request, self.client.capture, payment, operator)
        if response is not None:
            self.apply_capture(capture, response, operator=operator)
        return self.repo.get_capture(capture.capture_request_id) or capture

    def _send_operation(
        self,
        op: Operation,
        request: _Q,
        call: Callable[[_Q], _R],
        payment: Payment,
        operator: str,
    ) -> _R | None:
        """Journal a capture or refund request, mark it PENDING and send it; the answer, or
        None when none came (the error is journaled; the poller's inquiry settles it)."""
        api = _api(op)
        request_id = request.request_id
        self.journal_request(
            api, request.to_body(), payment=payment.id, request_id=request_id, operator=operator
        )
        if op.status in (_O.INTENT, _O.NOT_SENT):
            self._op_update(op, _O.PENDING, OperationUpdate())
        try:
            return call(request)
        except AntomError as exc:
            self.journal_error(api, exc, payment=payment.id, request_id=request_id)
            return None

    def apply_capture(self, capture: Capture, response: CaptureResponse, *, operator: str) -> None:
        self.journal_response(
            Api.CAPTURE,
            response,
            payment=capture.payment,
            request_id=capture.capture_request_id,
            operator=operator,
        )
        result = response.result
        update = _op_update_from(result, response.capture_id, response.capture_time)
        if response.outcome is AntomOutcome.SUCCEEDED:
            self._op_update(capture, _O.SUCCEEDED, update, operator=operator)
        elif response.outcome is AntomOutcome.FAILED:
            self._op_update(capture, _O.FAILED, update, operator=operator)
            if result is not None and result.code in ("AUTH_EXPIRED", "AUTH_CANCELLED"):
                payment = self.repo.get_payment(capture.payment)
                if payment is not None:
                    target = _P.RELEASED if result.code == "AUTH_EXPIRED" else _P.CANCELLED
                    self.move(
                        payment,
                        target,
                        reason=UserText(
                            "reason.capture_refused", "capture refused: {code}", code=result.code
                        ),
                    )
        else:
            self._op_update(capture, _O.PENDING, update, operator=operator)

    def settle_capture(
        self, capture: Capture, inq: InquiryPaymentResponse | None = None
    ) -> Capture:
        """Find out what happened to a capture; re-send it (same id) if Antom never saw it."""
        payment = self.repo.get_payment(capture.payment)
        if payment is None:
            return capture
        if inq is None:
            inq = self.inquire(payment)
            if inq is None:
                return capture
            payment = self.apply_inquiry(payment, inq, not_found_means_not_sent=False)
        current = self.repo.get_capture(capture.capture_request_id) or capture
        if current.status.is_final and current.status is not _O.NOT_SENT:
            return current
        seen = any(t.request_id == capture.capture_request_id for t in inq.captures())
        if seen:
            return current
        if inq.payment_status is AntomStatus.SUCCESS and payment.payment_id:
            log.info("capture %s unknown to Antom: re-sending it", capture.capture_request_id)
            return self.send_capture(current, payment, operator=SYSTEM)
        contradicts = inq.not_found or inq.payment_status is AntomStatus.FAIL
        if contradicts and payment.payment_id and payment.authorised_at is not None:
            # Antom authorised this payment (we hold its paymentId) and now says it failed or
            # does not exist: do not conclude that the capture was never sent (the payment
            # would fall back to AUTHORISED and invite a second capture); ask again later.
            self.note(
                payment.id,
                "inquiry contradicts the authorisation: capture left pending",
                reason="capture",
            )
            return current
        if inq.payment_status in (AntomStatus.CANCELLED, AntomStatus.FAIL) or inq.not_found:
            self._op_update(
                current,
                _O.NOT_SENT if current.status is _O.INTENT else _O.FAILED,
                OperationUpdate(result_code="ORDER_STATUS_INVALID", result_status="F"),
            )
        return self.repo.get_capture(capture.capture_request_id) or current

    # -- cancel ----------------------------------------------------------------------------
    def resend_cancel(self, payment: Payment, *, operator: str = SYSTEM) -> Payment:
        if not self.approved("cancel", payment, payment.payment_request_id, payment.amount):
            current = self.repo.get_payment(payment.id) or payment
            update = PaymentUpdate(
                result_code=NO_VALID_APPROVAL, result_message=str(REFUSED_NO_APPROVAL)
            )
            target = _P.AUTHORISED if current.status is _P.CANCEL_PENDING else None
            return self.move(current, target, update, reason=REFUSED_NO_APPROVAL)
        request = CancelRequest(
            payment_id=payment.payment_id,
            payment_request_id=None if payment.payment_id else payment.payment_request_id,
        )
        self.journal_request(
            Api.CANCEL,
            request.to_body(),
            payment=payment.id,
            request_id=payment.payment_request_id,
            operator=operator,
        )
        try:
            response = self.client.cancel(request)
        except AntomError as exc:
            self.journal_error(
                Api.CANCEL, exc, payment=payment.id, request_id=payment.payment_request_id
            )
            return self.repo.get_payment(payment.id) or payment
        return self.apply_cancel(payment, response, operator=operator)

    def apply_cancel(self, payment: Payment, response: CancelResponse, *, operator: str) -> Payment:
        self.journal_response(
            Api.CANCEL,
            response,
            payment=payment.id,
            request_id=payment.payment_request_id,
            operator=operator,
        )
        result = response.result
        update = PaymentUpdate(
            result_code=result.code if result else None,
            result_message=result.message if result else None,
        )
        if response.outcome is AntomOutcome.SUCCEEDED:
            return self.move(payment, _P.CANCELLED, update, reason="cancelled", operator=operator)
        if response.outcome is AntomOutcome.FAILED:
            # Refused (captured meanwhile, window passed): the poller's next inquiry tells
            # where it really is; until then it is still held.
            current = self.repo.get_payment(payment.id) or payment
            if current.status is _P.CANCEL_PENDING:
                return self.move(
                    current,
                    _P.AUTHORISED,
                    update,
                    reason=UserText(
                        "reason.cancel_refused",
                        "cancel refused: {code}",
                        code=result.code if result else "?",
                    ),
                    operator=operator,
                )
            return current
        return self.repo.get_payment(payment.id) or payment

    # -- refunds ---------------------------------------------------------------------------
    def send_refund(self, refund: Refund, payment: Payment, *, operator: str) -> Refund:
        if not payment.payment_id:
            raise DomainError(
                f"payment {payment.id} has no Antom paymentId",
                user_message=UserText("refund.not_yet", "This payment cannot be refunded yet."),
            )
        if not self.approved("refund", payment, refund.refund_request_id, refund.amount):
            self._refuse_operation(refund, payment)
            return self.repo.get_refund(refund.refund_request_id) or refund
        request = RefundRequest(
            refund.refund_request_id,
            payment.payment_id,
            refund.amount,
            reason=refund.reason or None,
        )
        response = self._send_operation(refund, request, self.client.refund, payment, operator)
        if response is not None:
            self.apply_refund(refund, response, operator=operator)
        return self.repo.get_refund(refund.refund_request_id) or refund

    def apply_refund(self, refund: Refund, response: RefundResponse, *, operator: str) -> None:
        self.journal_response(
            Api.REFUND,
            response,
            payment=refund.payment,
            request_id=refund.refund_request_id,
            operator=operator,
        )
        update = _op_update_from(response.result, response.refund_id, response.refund_time)
        target = {
            AntomOutcome.SUCCEEDED: _O.SUCCEEDED,
            AntomOutcome.FAILED: _O.FAILED,
            AntomOutcome.UNKNOWN: _O.PENDING,
        }[response.outcome]
        self._op_update(refund, target, update, operator=operator)

    def settle_refund(self, refund: Refund) -> Refund:
        """inquiryRefund; re-send under the same refundRequestId if Antom never saw it."""
        try:
            inq = self.client.inquiry_refund(refund.refund_request_id)
        except AntomError as exc:
            self.journal_error(
                Api.INQUIRY_REFUND, exc, payment=refund.payment, request_id=refund.refund_request_id
            )
            return refund
        self.journal_response(
            Api.INQUIRY_REFUND, inq, payment=refund.payment, request_id=refund.refund_request_id
        )
        if inq.found:
            self.apply_refund_inquiry(refund, inq)
        elif inq.classification.outcome is AntomOutcome.FAILED:
            payment = self.repo.get_payment(refund.payment)
            if payment is not None and payment.payment_id:
                log.info("refund %s unknown to Antom: re-sending it", refund.refund_request_id)
                return self.send_refund(refund, payment, operator=SYSTEM)
        return self.repo.get_refund(refund.refund_request_id) or refund

    def apply_refund_inquiry(self, refund: Refund, inq: InquiryRefundResponse) -> None:
        status = {
            RefundStatus.SUCCESS: _O.SUCCEEDED,
            RefundStatus.FAIL: _O.FAILED,
            RefundStatus.PROCESSING: _O.PENDING,
        }[inq.refund_status or RefundStatus.PROCESSING]
        self._op_update(
            refund, status, OperationUpdate(antom_id=inq.refund_id, completed_at=inq.refund_time)
        )

    # -- holds -----------------------------------------------------------------------------
    def release_expired_holds(self) -> list[Payment]:
        """AUTHORISED payments past their capture deadline: ask Antom, then mark RELEASED."""
        released = []
        for payment in self.repo.expired_holds(self.clock.now()):
            inq = self.inquire(payment)
            if inq is not None:
                payment = self.apply_inquiry(payment, inq, not_found_means_not_sent=False)
            if payment.status is _P.AUTHORISED:
                payment = self.move(payment, _P.RELEASED, reason=_WINDOW_PASSED)
            released.append(payment)
        return released


def _api(op: Operation) -> Api:
    """The Antom API that sends ``op`` (and names it in the journal)."""
    return Api.CAPTURE if isinstance(op, Capture) else Api.REFUND


def _op_from_transaction(t: Transaction) -> tuple[OperationStatus, OperationUpdate]:
    status = {
        TransactionStatus.SUCCESS: _O.SUCCEEDED,
        TransactionStatus.FAIL: _O.FAILED,
        TransactionStatus.CANCELLED: _O.FAILED,
        TransactionStatus.PROCESSING: _O.PENDING,
        TransactionStatus.PENDING: _O.PENDING,
    }[t.status]
    return status, _op_update_from(t.result, t.transaction_id, t.time)


def _op_update_from(
    result: Result | None, antom_id: str | None, completed_at: datetime | None
) -> OperationUpdate:
    """What an answer, a transaction or a notification says about a capture or a refund."""
    return OperationUpdate(
        antom_id=antom_id,
        result_code=result.code if result else None,
        result_status=result.status.value if result else None,
        result_message=result.message if result else None,
        completed_at=completed_at,
    )


def not_sent_provable_at(payment: Payment) -> datetime:
    """From when Antom's ORDER_NOT_EXIST for this payment means it was never sent: its
    expiry as journaled (the paymentExpiryTime sent; Antom's default for a payment journaled
    without one), never earlier than the expiry the till sends, plus a margin. Before that
    the payment stays pending and is asked about again."""
    created = payment.created_at
    journaled = payment.expires_at or created + ANTOM_DEFAULT_EXPIRY
    return max(journaled, created + PAYMENT_EXPIRY) + NOT_SENT_MARGIN


def not_found_grace_passed(payment: Payment, now: datetime, grace: timedelta) -> bool:
    return now - payment.created_at >= grace


def apply_notification(settler: Settler, note: Notification) -> Payment | None:
    """Apply a VERIFIED notification; the payment it concerns (None if unknown here)."""
    repo = settler.repo
    if isinstance(note, PaymentNotification):
        payment = repo.payment_by_request_id(note.payment_request_id)
        if payment is None:
            return None
        result = note.result
        facts: dict[str, Any] = {
            "payment_id": note.payment_id,
            "result_code": result.code,
            "result_status": result.status.value,
            "result_message": result.message,
            **card_update(note.card, payment.card),
        }
        if not note.final:
            if payment.status in (_P.INTENT, _P.NOT_SENT):
                return settler.move(payment, _P.PENDING, PaymentUpdate(**facts), reason="notify")
            return payment
        if note.succeeded:
            update = PaymentUpdate(
                **facts,
                authorised_at=note.payment_time or settler.clock.now(),
                auth_expiry=note.auth_expiry_time,
            )
            if payment.status in (_P.INTENT, _P.PENDING, _P.NEEDS_3DS, _P.NOT_SENT):
                target = (
                    _P.AUTHORISED
                    if payment.capture_mode is CaptureMode.MANUAL
                    else _P.CAPTURE_PENDING
                )
                return settler.move(payment, target, update, reason="notifyPayment")
            return settler.move(payment, None, update, reason="notifyPayment")
        return settler.move(
            payment,
            _P.DECLINED,
            PaymentUpdate(**facts),
            reason=UserText("reason.notify_failed", "notifyPayment: failed"),
        )
    if isinstance(note, CaptureNotification):
        op_update = _op_update_from(note.result, note.capture_id, note.capture_time)
        status = _O.SUCCEEDED if note.succeeded else _O.FAILED
        capture = repo.get_capture(note.capture_request_id)
        if capture is not None:
            settler._op_update(capture, status, op_update)
            return repo.get_payment(capture.payment)
        payment = repo.payment_by_payment_id(note.payment_id)
        if payment is None:
            return None
        if note.succeeded and payment.capture_mode is CaptureMode.AUTOMATIC:
            return settler.move(payment, _P.CAPTURED, reason="notifyCapture (automatic)")
        return payment
    refund = repo.get_refund(note.refund_request_id)
    if refund is None:
        return None if note.payment_id is None else repo.payment_by_payment_id(note.payment_id)
    settler._op_update(
        refund,
        _O.SUCCEEDED if note.succeeded else _O.FAILED,
        _op_update_from(note.result, note.refund_id, note.refund_time),
    )
    return repo.get_payment(refund.payment)
