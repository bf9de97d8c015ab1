"""What the cashier screens need from the services, as small protocols and plain values.

Views depend on these, not on the service classes: ``posapp.ui.backend_adapter`` maps the
Backend that ``posapp.app.build_backend`` wires onto them, and view tests can drive a view with
any object that has these methods. Every method here may block (journal, network): views call
them only through the TaskRunner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from posapp.config import Settings
from posapp.core.cards import CardDetails, MaskedCard
from posapp.core.money import Money
from posapp.core.services.validation import Billing as BillingAddress  # the one checkout sends


class Outcome(StrEnum):
    APPROVED = "approved"  # authorised (held) or authorised and captured
    DECLINED = "declined"  # final refusal; a new attempt needs a new card or new data
    PENDING = "pending"  # not known yet (network fault, processing): the poller settles it
    NEEDS_3DS = "needs_3ds"  # the cardholder must authenticate at the redirect URL
    CLOSED = "closed"  # cancelled, released or refunded since


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """One payment as the cashier keyed it in (the card exists in memory only)."""

    amount: Money
    reference: str
    description: str
    card: CardDetails
    hold: bool  # True: authorise only (capture later); False: authorise and capture
    three_ds: bool
    billing: BillingAddress | None = None


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """What the result panel shows; never holds a full card number."""

    outcome: Outcome
    payment_request_id: str
    amount: Money
    reference: str = ""
    payment_id: str = ""
    card: MaskedCard | None = None
    held: bool = False
    result_code: str = ""
    result_message: str = ""
    avs_result: str = ""
    cvv_result: str = ""
    redirect_url: str = ""
    warnings: tuple[str, ...] = ()  # e.g. non-Latin characters Antom may not show
    auth_expiry: datetime | None = None


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """A payment that makes a new one look like a double charge, and what matched: the
    same order reference (``same_order``), else the same card and amount lately."""

    message: str  # the service's sentence about the earlier payment (UserText)
    same_order: bool


@dataclass(frozen=True, slots=True)
class BrandOption:
    """A card brand the merchant accepts, from consult."""

    brand: str
    name: str
    logo_url: str = ""


@dataclass(frozen=True, slots=True)
class TillStatus:
    online: bool
    detail: str  # one line: "Connected to the training sandbox", "Gateway unreachable"...
    unsettled: int  # payments the poller is still settling
    duplicates: int = 0  # orders with more than one successful payment (Orders > Duplicates)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of "Test connection" (the same checks as ``posapp doctor``)."""

    name: str
    ok: bool
    detail: str


class InputError(ValueError):
    """The service refused the input before sending; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class CashierPort(Protocol):
    def accepted_brands(self) -> Sequence[BrandOption]: ...

    def find_duplicate(
        self, card: MaskedCard, amount: Money, reference: str
    ) -> DuplicateMatch | None:
        """A payment for the same order still holding money (or being checked), else one with
        the same card and amount in the last 10 minutes, or None."""
        ...

    def pay(
        self, order: PaymentOrder, progress: Callable[[str], None] | None = None
    ) -> PaymentResult:
        """Send the payment; ``progress`` hears the stages (checking, journaling, sending,
        recording, done)."""
        ...

    def refresh(self, payment_request_id: str) -> PaymentResult:
        """The payment as the journal knows it now (the poller keeps it current)."""
        ...

    def till_status(self) -> TillStatus: ...


class SettingsPort(Protocol):
    def current_settings(self) -> Settings: ...

    def save_settings(self, settings: Settings) -> None: ...

    def has_keys(self, environment: str) -> bool: ...

    def import_keys(
        self, environment: str, client_id: str, private_key_pem: str, antom_public_key_pem: str
    ) -> None:
        """Validate (sign + verify) and store in the keyring; ValueError with a user message."""
        ...

    def test_connection(self, settings: Settings) -> Sequence[CheckResult]: ...

    def change_pin(self, old_pin: str, new_pin: str) -> None: ...

    def training_pin_hint(self) -> str:
        """The first-run manager PIN to show on the training banner, or ''."""
        ...
