"""The payment domain: frozen records and the local payment state machine.

Everything the journal stores and the services and screens pass around is one of these
immutable values. The legal moves between payment states are written once, in
``PAYMENT_TRANSITIONS``; ``PaymentStatus.check_transition`` is the only gate, and an illegal
move raises ``IllegalTransition``.

Local payment states (what the till knows, not Antom's ``paymentStatus``):

    INTENT            journaled before the pay request leaves; it may never have been sent
    PENDING           sent, outcome not known yet (U, PROCESSING, timeout, reset, bad signature)
    NEEDS_3DS         Antom asked for a 3-D Secure challenge (normal_url)
    AUTHORISED        funds held (manual capture); capture within 7 days
    CAPTURE_PENDING   capture requested (or automatic capture running), result not known yet
    CANCEL_PENDING    cancel requested, result not known yet
    CAPTURED          money taken
    PARTIALLY_REFUNDED / REFUNDED   derived from the refunds that succeeded
    DECLINED          refused (final)
    CANCELLED         voided (final)
    RELEASED          the 7-day hold lapsed without a capture (final)
    NOT_SENT          recovery asked Antom, which never saw this paymentRequestId

Captures and refunds have their own, smaller machine (``OperationStatus``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from posapp.core.cards import MaskedCard
from posapp.core.money import Money

# Antom releases a card authorisation that is not captured within 7 days.
CAPTURE_WINDOW = timedelta(days=7)


class DomainError(Exception):
    """A rule of the payment domain was broken; ``user_message`` is fit for a cashier."""

    def __init__(self, message: str, *, user_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.user_message = user_message or message


class IllegalTransition(DomainError):
    """A state change the state machine does not allow (a bug or a stale screen)."""

    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(
            f"illegal {kind} transition {current} -> {target}",
            user_message="This payment changed in the meantime; refresh and try again.",
        )
        self.kind = kind
        self.current = current
        self.target = target


class CaptureMode(StrEnum):
    MANUAL = "MANUAL"  # authorise now, the back office captures later (a "hold")
    AUTOMATIC = "AUTOMATIC"  # Antom captures right after authorising


class PaymentStatus(StrEnum):
    INTENT = "INTENT"
    PENDING = "PENDING"
    NEEDS_3DS = "NEEDS_3DS"
    AUTHORISED = "AUTHORISED"
    CAPTURE_PENDING = "CAPTURE_PENDING"
    CANCEL_PENDING = "CANCEL_PENDING"
    CAPTURED = "CAPTURED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    RELEASED = "RELEASED"
    NOT_SENT = "NOT_SENT"

    @property
    def is_final(self) -> bool:
        """Nothing more is expected from Antom on its own.

        Refunds may still follow a capture, and a NOT_SENT request still in flight may
        surface later, but neither is waited for.
        """
        return not PAYMENT_TRANSITIONS[self] or self in _FINAL_WITH_EXITS

    @property
    def needs_settlement(self) -> bool:
        """The outcome is unknown: the poller and recovery must ask Antom."""
        return self in UNSETTLED_PAYMENT_STATUSES

    @property
    def holds_money(self) -> bool:
        """A successful payment whose money (or hold) has not been given back."""
        return self in SUCCESSFUL_PAYMENT_STATUSES

    @property
    def might_hold_money(self) -> bool:
        """Not known to hold money, but it may: still being settled, or judged never sent
        (that judgement rests on Antom's word and the clock). The cashier's duplicate
        check counts these as it counts payments that hold money."""
        return self.needs_settlement or self is PaymentStatus.NOT_SENT

    @property
    def shows_capture_deadline(self) -> bool:
        """The funds are on hold (or the hold just lapsed): the capture deadline matters."""
        return self in HELD_STATUSES or self is PaymentStatus.RELEASED

    @property
    def label(self) -> str:
        return _PAYMENT_LABELS[self]

    def can_become(self, target: PaymentStatus) -> bool:
        return target is self or target in PAYMENT_TRANSITIONS[self]

    def check_transition(self, target: PaymentStatus) -> None:
        """Raise IllegalTransition unless ``self -> target`` is allowed.

        Staying in the same state is always allowed: it records a new observation
        (a repeated PROCESSING answer, a new result message) without a change of state.
        """
        if not self.can_become(target):
            raise IllegalTransition("payment", self.value, target.value)


_P = PaymentStatus
# authorised, not captured or cancelled yet: the funds are on hold at the card's bank
HELD_STATUSES = frozenset({_P.AUTHORISED, _P.CAPTURE_PENDING, _P.CANCEL_PENDING})
# THE payment transition table: the only place that says which moves are legal.
PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = MappingProxyType(
    {
        _P.INTENT: frozenset(
            {
                _P.PENDING,
                _P.NEEDS_3DS,
                _P.AUTHORISED,
                _P.CAPTURE_PENDING,
                _P.CAPTURED,
                _P.DECLINED,
                _P.CANCELLED,
                _P.NOT_SENT,
            }
        ),
        _P.PENDING: frozenset(
            {
                _P.NEEDS_3DS,
                _P.AUTHORISED,
                _P.CAPTURE_PENDING,
                _P.CAPTURED,
                _P.DECLINED,
                _P.CANCEL_PENDING,
                _P.CANCELLED,
                _P.NOT_SENT,
            }
        ),
        _P.NEEDS_3DS: frozenset(
            {
                _P.PENDING,
                _P.AUTHORISED,
                _P.CAPTURE_PENDING,
                _P.CAPTURED,
                _P.DECLINED,
                _P.CANCEL_PENDING,
                _P.CANCELLED,
            }
        ),
        _P.AUTHORISED: frozenset(
            {_P.CAPTURE_PENDING, _P.CAPTURED, _P.CANCEL_PENDING, _P.CANCELLED, _P.RELEASED}
        ),
        # A capture that Antom refused (F) leaves the hold in place: back to AUTHORISED.
        _P.CAPTURE_PENDING: frozenset({_P.CAPTURED, _P.AUTHORISED, _P.CANCELLED, _P.RELEASED}),
        # A cancel refused because the payment was captured meanwhile lands on CAPTURED.
        _P.CANCEL_PENDING: frozenset({_P.CANCELLED, _P.AUTHORISED, _P.CAPTURED, _P.RELEASED}),
        _P.CAPTURED: frozenset({_P.PARTIALLY_REFUNDED, _P.REFUNDED}),
        _P.PARTIALLY_REFUNDED: frozenset({_P.REFUNDED}),
        _P.REFUNDED: frozenset(),
        _P.DECLINED: frozenset(),
        _P.CANCELLED: frozenset(),
        _P.RELEASED: frozenset(),
        # Recovery marks NOT_SENT when Antom does not know the id; a request still in
        # flight at that moment can surface later. The journal must then follow the truth.
        _P.NOT_SENT: frozenset(
            {_P.PENDING, _P.NEEDS_3DS, _P.AUTHORISED, _P.CAPTURE_PENDING, _P.CAPTURED, _P.DECLINED}
        ),
    }
)
_FINAL_WITH_EXITS = frozenset({_P.CAPTURED, _P.PARTIALLY_REFUNDED, _P.NOT_SENT})

UNSETTLED_PAYMENT_STATUSES: frozenset[PaymentStatus] = frozenset(
    {_P.INTENT, _P.PENDING, _P.NEEDS_3DS, _P.CAPTURE_PENDING, _P.CANCEL_PENDING}
)
SUCCESSFUL_PAYMENT_STATUSES: frozenset[PaymentStatus] = frozenset(
    {_P.AUTHORISED, _P.CAPTURE_PENDING, _P.CANCEL_PENDING, _P.CAPTURED, _P.PARTIALLY_REFUNDED}
)
FINAL_PAYMENT_STATUSES: frozenset[PaymentStatus] = frozenset(s for s in _P if s.is_final)

_PAYMENT_LABELS: dict[PaymentStatus, str] = {
    _P.INTENT: "Not sent yet",
    _P.PENDING: "Checking",
    _P.NEEDS_3DS: "Waiting for 3-D Secure",
    _P.AUTHORISED: "Held",
    _P.CAPTURE_PENDING: "Capturing",
    _P.CANCEL_PENDING: "Cancelling",
    _P.CAPTURED: "Paid",
    _P.PARTIALLY_REFUNDED: "Partly refunded",
    _P.REFUNDED: "Refunded",
    _P.DECLINED: "Declined",
    _P.CANCELLED: "Cancelled",
    _P.RELEASED: "Hold expired",
    _P.NOT_SENT: "Never sent",
}


class OperationStatus(StrEnum):
    """State of one capture or one refund."""

    INTENT = "INTENT"  # journaled with its request id, maybe not sent
    PENDING = "PENDING"  # sent; U, in process or no answer
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    NOT_SENT = "NOT_SENT"  # Antom does not know the request id

    @property
    def is_final(self) -> bool:
        return not OPERATION_TRANSITIONS[self]

    def can_become(self, target: OperationStatus) -> bool:
        return target is self or target in OPERATION_TRANSITIONS[self]

    def check_transition(self, target: OperationStatus) -> None:
        if not self.can_become(target):
            raise IllegalTransition("operation", self.value, target.value)


_O = OperationStatus
OPERATION_TRANSITIONS: Mapping[OperationStatus, frozenset[OperationStatus]] = MappingProxyType(
    {
        _O.INTENT: frozenset({_O.PENDING, _O.SUCCEEDED, _O.FAILED, _O.NOT_SENT}),
        _O.PENDING: frozenset({_O.SUCCEEDED, _O.FAILED, _O.NOT_SENT}),
        _O.SUCCEEDED: frozenset(),
        _O.FAILED: frozenset(),
        _O.NOT_SENT: frozenset({_O.PENDING, _O.SUCCEEDED, _O.FAILED}),
    }
)


class EventKind(StrEnum):
    """What an audit row records."""

    REQUEST_SENT = "REQUEST_SENT"  # a request to Antom (body sanitised)
    RESPONSE_RECEIVED = "RESPONSE_RECEIVED"  # an answer from Antom (or the lack of one)
    NOTIFICATION = "NOTIFICATION"  # a verified notifyPayment / notifyCapture / notifyRefund
    STATE_CHANGE = "STATE_CHANGE"  # a payment, capture or refund changed state
    APPROVAL = "APPROVAL"  # a manager approved (or refused) a back-office action
    SECURITY = "SECURITY"  # bad signature, locked-out PIN...
    NOTE = "NOTE"  # anything else worth keeping (recovery runs, settings changes)
    # A second successful payment for one referenceOrderId (Antom allows one), recorded once
    # on the payment that made it two, naming every successful payment of the order.
    DUPLICATE_FOUND = "DUPLICATE_FOUND"
    # A manager undoing one payment of such an order (cancel or full refund), per stage.
    DUPLICATE_UNDO = "DUPLICATE_UNDO"


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment attempt (one paymentRequestId) as the journal knows it."""

    id: int  # local id (journal row)
    reference_order_id: str
    payment_request_id: str
    amount: Money
    capture_mode: CaptureMode
    card: MaskedCard
    status: PaymentStatus
    created_at: datetime
    updated_at: datetime
    operator: str
    terminal_id: str
    payment_id: str | None = None  # Antom's id, once known
    order_description: str = ""
    card_fingerprint: str | None = None  # keyed HMAC of the PAN, never the PAN
    result_code: str | None = None
    result_status: str | None = None  # last S / F / U seen
    result_message: str | None = None
    avs_result: str | None = None
    cvv_result: str | None = None
    network_transaction_id: str | None = None
    auth_code: str | None = None
    three_ds_url: str | None = None  # normalUrl for the 3DS challenge
    authorised_at: datetime | None = None
    capture_deadline: datetime | None = None  # authorised_at + 7 days (or Antom's authExpiryTime)
    expires_at: datetime | None = None  # payment expiry (unpaid payments close ~14 min)
    captured_amount: Money | None = None
    refunded_amount: Money | None = None
    version: int = 1  # bumped on every change; lets a screen notice it is stale

    @property
    def refunded(self) -> Money:
        return self.refunded_amount or Money.zero(self.amount.currency)

    @property
    def captured(self) -> Money:
        return self.captured_amount or Money.zero(self.amount.currency)

    @property
    def refundable(self) -> Money:
        """What may still be refunded (captured minus refunded; pending refunds not counted)."""
        return self.captured - self.refunded

    def time_left_to_capture(self, now: datetime) -> timedelta | None:
        if self.capture_deadline is None:
            return None
        return self.capture_deadline - now


def capture_deadline(authorised_at: datetime) -> datetime:
    """When a hold lapses: authorisation time + 7 days."""
    return authorised_at + CAPTURE_WINDOW


@dataclass(frozen=True, slots=True)
class NewPayment:
    """What checkout knows before sending: journaled as INTENT, before the network."""

    reference_order_id: str
    payment_request_id: str
    amount: Money
    capture_mode: CaptureMode
    card: MaskedCard
    operator: str
    terminal_id: str
    order_description: str = ""
    card_fingerprint: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PaymentUpdate:
    """Facts learnt from Antom, applied together with a state change.

    ``None`` means "unchanged"; a field is never cleared by an update.
    """

    payment_id: str | None = None
    result_code: str | None = None
    result_status: str | None = None
    result_message: str | None = None
    avs_result: str | None = None
    cvv_result: str | None = None
    network_transaction_id: str | None = None
    auth_code: str | None = None
    three_ds_url: str | None = None
    authorised_at: datetime | None = None
    auth_expiry: datetime | None = None  # Antom's authExpiryTime; default authorised_at + 7 d
    expires_at: datetime | None = None
    card: MaskedCard | None = None  # Antom's masked card, if ours was incomplete


@dataclass(frozen=True, slots=True)
class Capture:
    """One capture request (one captureRequestId) against a payment."""

    id: int
    payment: int  # local payment id
    capture_request_id: str
    amount: Money
    status: OperationStatus
    created_at: datetime
    updated_at: datetime
    operator: str
    terminal_id: str
    capture_id: str | None = None
    result_code: str | None = None
    result_status: str | None = None
    result_message: str | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Refund:
    """One refund request (one refundRequestId) against a captured payment."""

    id: int
    payment: int  # local payment id
    refund_request_id: str
    amount: Money
    status: OperationStatus
    created_at: datetime
    updated_at: datetime
    operator: str
    terminal_id: str
    reason: str = ""
    refund_id: str | None = None
    result_code: str | None = None
    result_status: str | None = None
    result_message: str | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OperationUpdate:
    """Facts learnt from Antom about a capture or a refund (``None`` = unchanged)."""

    antom_id: str | None = None  # captureId / refundId
    result_code: str | None = None
    result_status: str | None = None
    result_message: str | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the append-only, hash-chained audit log."""

    id: int
    at: datetime
    kind: EventKind
    operator: str
    terminal_id: str
    payment: int | None = None  # local payment id
    api: str | None = None  # "pay", "capture", "inquiryPayment", "notifyPayment"...
    request_id: str | None = None  # paymentRequestId / captureRequestId / refundRequestId
    from_status: str | None = None
    to_status: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)  # sanitised JSON object
    hash: str = ""
