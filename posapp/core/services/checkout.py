"""Checkout: validate -> mint paymentRequestId -> journal the intent -> pay -> journal the answer.

The order of those steps is the whole point: the intent (with its paymentRequestId) is in
the journal before a byte leaves, so a crash at any moment leaves something recovery can ask
Antom about. The client re-sends the identical request under the same id when the answer is
lost; an outcome that stays ambiguous (timeout, reset, U, bad signature) becomes PENDING,
goes to the poller and is shown as "checking", never as failed.

A declined (or never sent) payment is tried again under the same referenceOrderId with a
NEW paymentRequestId: that is a new attempt, decided by the cashier.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import (
    AntomError,
    InvalidRequestError,
    RepeatRequestInconsistentError,
    named,
)
from posapp.core.antom.messages import Address, Api, Buyer, Env, Goods, PayRequest, TerminalType
from posapp.core.antom.messages import CaptureMode as AntomCaptureMode
from posapp.core.cards import CardDetails, MaskedCard, fingerprint
from posapp.core.clock import Clock
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus, PaymentUpdate
from posapp.core.ids import new_request_id
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.rules import status_text
from posapp.core.services.settle import PAYMENT_EXPIRY, Settler
from posapp.core.services.validation import (
    Billing,
    CheckoutInputError,
    InputWarning,
    check_amount,
    check_billing,
    check_card,
    check_no_card_data,
    check_reference,
    latin_warnings,
)
from posapp.core.usertext import UserText

log = logging.getLogger(__name__)

_REF_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud without doubt
_REF_CHARS = "23456789" + _REF_LETTERS
_NOT_ID_CHARS = re.compile(r"[^A-Za-z0-9_.:-]")
Progress = Callable[[str], None]


def new_order_reference(terminal_id: str, now: datetime) -> str:
    """THE order reference generator: one a person can read out, ``TILL-01-R261125K7F3A9``.

    The till's id, the day and six random characters (a letter first; about 8 x 10^8 values
    per till and day, so two references made in one second differ). Letters break every
    digit run (the "R" after the terminal, the first random character), so a reference can
    never look like a card number to the checks that keep PANs out of stored fields;
    characters Antom does not take in ids become dashes.
    """
    terminal = _NOT_ID_CHARS.sub("-", terminal_id.strip())[:32] or "TILL"
    rand = secrets.choice(_REF_LETTERS) + "".join(secrets.choice(_REF_CHARS) for _ in range(5))
    return f"{terminal}-R{now:%y%m%d}{rand}"


class CheckoutOutcome(StrEnum):
    """What the till shows for one payment attempt (``describe``), the one such enum.

    Read from the payment's journaled status, not from one answer: Antom's word on a single
    request is ``posapp.core.antom.messages.AntomOutcome`` (an "unknown" pay answer becomes
    PENDING or NEEDS_3DS here; a payment Antom never saw, NOT_SENT).
    """

    APPROVED = "approved"  # authorised (held) or authorised for automatic capture
    DECLINED = "declined"  # final refusal for this attempt; retry with a new attempt
    PENDING = "pending"  # not known yet: the poller settles it; never "failed"
    NEEDS_3DS = "needs_3ds"  # the cardholder must authenticate at ``payment.three_ds_url``
    NOT_SENT = "not_sent"  # never reached Antom; nothing was charged
    CLOSED = "closed"  # cancelled, released or refunded since


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One payment as the cashier keyed it in. The card exists in memory only."""

    amount: Money
    reference_order_id: str
    description: str
    card: CardDetails
    hold: bool = True  # True: authorise only (capture later); False: automatic capture
    three_ds: bool = False
    billing: Billing | None = None
    operator: str = "cashier"


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    payment: Payment
    outcome: CheckoutOutcome
    message: str  # one sentence for the cashier (a UserText)
    warnings: tuple[InputWarning, ...] = ()

    @property
    def payment_request_id(self) -> str:
        return self.payment.payment_request_id


class DuplicateSuspected(Exception):
    """The same card and amount (or the same order) was paid moments ago: ask the cashier,
    then call ``pay(..., confirm_duplicate=True)`` to go on."""

    def __init__(self, message: str, payments: Iterable[Payment]) -> None:
        super().__init__(message)
        self.message = message
        self.payments = tuple(payments)


@dataclass(slots=True)
class InFlight:
    """Payments whose pay request is on the wire in this process: the poller leaves them be."""

    _ids: set[int | str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: int | str) -> None:
        """A local payment id, or a paymentRequestId (known before the intent is written)."""
        with self._lock:
            self._ids.add(key)

    def discard(self, key: int | str) -> None:
        with self._lock:
            self._ids.discard(key)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._ids

    def holds(self, payment: Payment) -> bool:
        with self._lock:
            return payment.id in self._ids or payment.payment_request_id in self._ids


def describe(payment: Payment) -> tuple[CheckoutOutcome, UserText]:
    """The outcome and the cashier's sentence for a payment as the journal knows it."""
    s = payment.status
    amount = str(payment.amount)
    if s in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURE_PENDING, PaymentStatus.CAPTURED):
        if payment.capture_mode is CaptureMode.MANUAL and s is PaymentStatus.AUTHORISED:
            if payment.capture_deadline:
                return CheckoutOutcome.APPROVED, UserText(
                    "checkout.approved_held_until",
                    "Approved: {amount} held until {deadline} UTC.",
                    amount=amount,
                    deadline=f"{payment.capture_deadline:%Y-%m-%d %H:%M}",
                )
            return CheckoutOutcome.APPROVED, UserText(
                "checkout.approved_held", "Approved: {amount} held.", amount=amount
            )
        return CheckoutOutcome.APPROVED, UserText(
            "checkout.approved", "Approved: {amount}.", amount=amount
        )
    if s is PaymentStatus.DECLINED:
        # Antom's own words (English, from the network) or ours
        reason: str = payment.result_message or UserText(
            "checkout.refused", "the payment was refused"
        )
        if payment.result_code:
            return CheckoutOutcome.DECLINED, UserText(
                "checkout.declined_code",
                "Declined: {reason} ({code}).",
                reason=reason,
                code=payment.result_code,
            )
        return CheckoutOutcome.DECLINED, UserText(
            "checkout.declined", "Declined: {reason}.", reason=reason
        )
    if s is PaymentStatus.NEEDS_3DS:
        return CheckoutOutcome.NEEDS_3DS, UserText(
            "checkout.needs_3ds",
            "The cardholder must confirm the payment with their bank (3-D Secure).",
        )
    if s is PaymentStatus.NOT_SENT:
        return CheckoutOutcome.NOT_SENT, UserText(
            "checkout.not_sent",
            "This payment never reached Antom; nothing was charged. Try again if needed.",
        )
    if s in (PaymentStatus.INTENT, PaymentStatus.PENDING, PaymentStatus.CANCEL_PENDING):
        return CheckoutOutcome.PENDING, UserText(
            "checkout.pending", "Checking the result with Antom. Do not charge the card again."
        )
    return CheckoutOutcome.CLOSED, UserText(
        "checkout.closed", "This payment is {status}.", status=status_text(s)
    )


@dataclass(frozen=True, slots=True)
class CheckoutConfig:
    terminal_id: str
    currency: str
    fingerprint_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    notify_url: str | None = None
    # paymentRedirectUrl: Antom requires it; a pay without it is refused before sending
    redirect_url: str | None = None
    merchant_region: str | None = None
    settlement_currency: str | None = None  # None: the transaction currency
    client_ip: str | None = None  # env.clientIp: the till's own address, when known


class CheckoutService:
    """Takes card payments. Synchronous: the UI calls it from a worker thread."""

    def __init__(
        self,
        repo: JournalRepository,
        client: AntomClient,
        settler: Settler,
        clock: Clock,
        config: CheckoutConfig,
        *,
        in_flight: InFlight | None = None,
        on_pending: Callable[[Payment], None] | None = None,
    ) -> None:
        self.repo = repo
        self.client = client
        self.settler = settler
        self.clock = clock
        self.config = config
        self.in_flight = in_flight or InFlight()
        self._on_pending = on_pending

    # -- helpers for the screen -----------------------------------------------------------
    def new_reference(self) -> str:
        """An order reference for this till (``new_order_reference``)."""
        return new_order_reference(self.config.terminal_id, self.clock.now())

    def validate(self, request: CheckoutRequest) -> list[InputWarning]:
        """CheckoutInputError (naming the field) or the warnings to show."""
        check_amount(request.amount, self.config.currency)
        check_reference(request.reference_order_id)
        description = request.description.strip()
        if not description:
            raise CheckoutInputError(
                "description", UserText("description.missing", "Enter what is being paid for")
            )
        if len(description) > 256:
            raise CheckoutInputError(
                "description",
                UserText(
                    "description.too_long",
                    "The description has at most {limit} characters",
                    limit=256,
                ),
            )
        check_no_card_data("description", description)
        check_card(request.card, self.clock.now().date())
        check_billing(request.billing)
        billing = request.billing or Billing()
        return latin_warnings(
            {
                "description": request.description,
                "first_name": request.card.first_name,
                "last_name": request.card.last_name,
                "address1": billing.address1,
                "city": billing.city,
            }
        )

    def find_duplicates(
        self, card: MaskedCard, amount: Money, reference_order_id: str = ""
    ) -> list[Payment]:
        """Payments that make a new one look like a double charge: the same card and amount
        authorised (or still in doubt) in the last 10 minutes, or a payment for the same
        order that holds money, is still being checked or was judged never sent (a request
        judged so may still have been charged: the cashier decides, warned)."""
        found = {p.id: p for p in self.repo.recent_same_card(card, amount)}
        if reference_order_id:
            for p in self.repo.payments_for_order(reference_order_id):
                if p.status.holds_money or p.status.might_hold_money:
                    found[p.id] = p
        return sorted(found.values(), key=lambda p: p.id)

    def duplicate_message(self, payments: list[Payment]) -> UserText:
        first = payments[-1]
        return UserText(
            "checkout.duplicate",
            "{card} was charged {amount} at {time} (order {order}, {status}). Charge it again?",
            card=first.card.display,
            amount=str(first.amount),
            time=f"{first.created_at:%H:%M}",
            order=first.reference_order_id,
            status=status_text(first.status),
        )

    def refresh(self, payment_request_id: str) -> CheckoutResult:
        payment = self.repo.payment_by_request_id(payment_request_id)
        if payment is None:
            raise LookupError(f"no payment {payment_request_id}")
        outcome, message = describe(payment)
        return CheckoutResult(payment, outcome, message)

    # -- paying ---------------------------------------------------------------------------
    def pay(
        self,
        request: CheckoutRequest,
        *,
        confirm_duplicate: bool = False,
        progress: Progress | None = None,
    ) -> CheckoutResult:
        say = progress or (lambda _stage: None)
        say("checking")
        warnings = self.validate(request)
        masked = request.card.masked()
        if not confirm_duplicate:
            dups = self.find_duplicates(masked, request.amount, request.reference_order_id)
            if dups:
                raise DuplicateSuspected(self.duplicate_message(dups), dups)
        now = self.clock.now()
        mode = CaptureMode.MANUAL if request.hold else CaptureMode.AUTOMATIC
        payment_request_id = new_request_id("PAY")
        say("journaling")
        # on the wire from now on, for this till's poller and recovery
        self.in_flight.add(payment_request_id)
        try:
            payment = self._journal_and_send(request, payment_request_id, mode, masked, now, say)
        finally:
            self.in_flight.discard(payment_request_id)
        if payment.status.needs_settlement and self._on_pending is not None:
            self._on_pending(payment)
        outcome, message = describe(payment)
        say("done")
        return CheckoutResult(payment, outcome, message, tuple(warnings))

    def _journal_and_send(
        self,
        request: CheckoutRequest,
        payment_request_id: str,
        mode: CaptureMode,
        masked: MaskedCard,
        now: datetime,
        say: Progress,
    ) -> Payment:
        payment = self.repo.record_intent(
            NewPayment(
                reference_order_id=request.reference_order_id,
                payment_request_id=payment_request_id,
                amount=request.amount,
                capture_mode=mode,
                card=masked,
                operator=request.operator,
                terminal_id=self.config.terminal_id,
                order_description=request.description.strip(),
                card_fingerprint=fingerprint(request.card.pan, self.config.fingerprint_key),
                expires_at=now + PAYMENT_EXPIRY,
            )
        )
        return self._send(payment, request, mode, say)

    def _send(
        self, payment: Payment, request: CheckoutRequest, mode: CaptureMode, say: Progress
    ) -> Payment:
        billing = request.billing
        address = None
        if billing is not None and not billing.is_empty() and billing.region:
            address = Address(
                region=billing.region,
                state=billing.state or None,
                city=billing.city or None,
                address1=billing.address1 or None,
                zip_code=billing.zip_code or None,
            )
        description = request.description.strip()
        card = request.card
        buyer = None
        if card.first_name or card.last_name:
            buyer = Buyer(first_name=card.first_name or None, last_name=card.last_name or None)
        pay = PayRequest(
            payment_request_id=payment.payment_request_id,
            amount=request.amount,
            card=card,
            reference_order_id=request.reference_order_id,
            order_description=description,
            capture_mode=AntomCaptureMode(mode.value),
            is_authorization=True,
            three_ds=request.three_ds,
            # WEB: a desktop till; APP/WAP are mobile terminals that need an IOS/ANDROID osType
            env=Env(terminal_type=TerminalType.WEB, client_ip=self.config.client_ip),
            buyer=buyer,
            billing_address=address,
            # the expiry journaled with the intent: what Antom and the poller both go by
            payment_expiry_time=payment.expires_at,
            notify_url=self.config.notify_url,
            redirect_url=self.config.redirect_url,
            settlement_currency=self.config.settlement_currency or request.amount.currency,
            merchant_region=self.config.merchant_region,
            # risk data: the till keeps no item list, so one line that is the whole sale
            goods=(Goods(request.reference_order_id, description, unit_amount=request.amount),),
        )
        operator = request.operator
        try:
            body = pay.to_body()
        except InvalidRequestError as exc:
            self.settler.move(
                payment,
                PaymentStatus.NOT_SENT,
                PaymentUpdate(result_code="INVALID_INPUT", result_message=exc.message[:200]),
                reason=UserText("reason.refused_before_sending", "refused before sending"),
                operator=operator,
            )
            if exc.field == "paymentRedirectUrl":
                raise CheckoutInputError("settings", _NO_REDIRECT_URL) from None
            raise CheckoutInputError(_field_of(exc.field), exc.message) from None
        self.settler.journal_request(
            Api.PAY,
            body,
            payment=payment.id,
            request_id=payment.payment_request_id,
            operator=operator,
        )
        del body
        say("sending")
        try:
            response = self.client.pay(pay)
        except RepeatRequestInconsistentError as exc:
            # Our ids are random per attempt: this means Antom holds something else under
            # it. Never a decline: the poller finds out what Antom has.
            self.settler.journal_error(
                Api.PAY, exc, payment=payment.id, request_id=payment.payment_request_id
            )
            return self.settler.move(
                payment, PaymentStatus.PENDING, reason="REPEAT_REQ_INCONSISTENT", operator=operator
            )
        except AntomError as exc:
            self.settler.journal_error(
                Api.PAY, exc, payment=payment.id, request_id=payment.payment_request_id
            )
            if exc.ambiguous:
                return self.settler.move(
                    payment, PaymentStatus.PENDING, reason=str(exc), operator=operator
                )
            # Certain that nothing happened (unusable key, input refused by the client).
            self.settler.move(
                payment,
                PaymentStatus.NOT_SENT,
                PaymentUpdate(result_message=exc.user_message[:200]),
                reason=UserText("reason.not_sent", "not sent: {error}", error=named(exc)),
                operator=operator,
            )
            raise
        say("recording")
        return self.settler.apply_pay(payment, response, operator=operator)


_NO_REDIRECT_URL = UserText(
    "checkout.redirect_url_missing",
    "Not sent: Settings has no page for the buyer to return to after 3-D Secure, and Antom "
    "refuses payments without it.",
)


def _field_of(antom_field: str) -> str:
    lowered = antom_field.lower()
    if "cardno" in lowered:
        return "card_number"
    if "cvv" in lowered:
        return "cvv"
    if "expiry" in lowered:
        return "expiry"
    if "amount" in lowered:
        return "amount"
    if "referenceorderid" in lowered:
        return "reference"
    if "description" in lowered:
        return "description"
    return antom_field
