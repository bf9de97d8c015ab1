"""What the cashier and settings screens need from the services, as small protocols.

The protocols speak the core's own types (``CheckoutRequest`` in, ``CheckoutResult`` out,
the core's input errors raised as they are): nothing is copied or renamed on the way.
``posapp.ui.till.Till`` implements them over the typed services, wired in the one build
function (``posapp.ui.application.build_main_window``); view tests pass any object with
these methods. The few values here are what only the screens need (a brand to show, one
status-bar line, one row of "Test connection"). Every method may block (journal, network):
views call them only through the TaskRunner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from posapp.config import Settings
from posapp.core.cards import MaskedCard
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest, CheckoutResult


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """A payment that makes a new one look like a double charge, and what matched: the
    same order reference (``same_order``), else the same card and amount lately."""

    message: str  # the service's sentence about the earlier payment (UserText)
    same_order: bool


@dataclass(frozen=True, slots=True)
class BrandOption:
    """A card brand the merchant accepts, from consult, with its name for people."""

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
    """One row of "Test connection" (the core's ``check_connection`` steps, as shown)."""

    name: str
    ok: bool
    detail: str


class CashierPort(Protocol):
    def accepted_brands(self) -> Sequence[BrandOption]: ...

    def find_duplicate(
        self, card: MaskedCard, amount: Money, reference: str
    ) -> DuplicateMatch | None:
        """A payment for the same order still holding money (or being checked), else one with
        the same card and amount in the last 10 minutes, or None."""
        ...

    def pay(
        self, request: CheckoutRequest, progress: Callable[[str], None] | None = None
    ) -> CheckoutResult:
        """Send the payment (the view asked about duplicates first); ``progress`` hears the
        stages (checking, journaling, sending, recording, done). Raises the core's input
        errors (CheckoutInputError, CardError, MoneyError) for input refused before sending."""
        ...

    def refresh(self, payment_request_id: str) -> CheckoutResult:
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


class JournalServerPort(Protocol):
    """Settings' store-server journal: a test connection and the password in the keyring."""

    def test_journal(self, url: str, password: str) -> str:
        """Connect to the server ``url`` names (``password`` as typed, '' for the keyring's)
        and say what answered; raises with a sentence for people when it does not."""
        ...

    def store_journal_password(self, url: str, password: str) -> str:
        """Keep the password in the OS keyring entry the journal resolver reads (never in
        the settings); the entry's name back."""
        ...
