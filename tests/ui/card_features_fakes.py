"""A scripted CardFeatures for view tests: saved cards, plans and charges set up by the test;
every call recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from posapp.core.antom.messages import InstallmentPlan, RecurringType
from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, Payment, PaymentStatus
from posapp.core.journal.saved_cards import PaymentOptions, SavedCard, SavedCardStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutOutcome, CheckoutResult
from posapp.core.services.pin import Approval, WrongPin
from posapp.core.services.saved_cards import RemoveResult
from posapp.core.services.validation import CheckoutInputError
from posapp.core.usertext import UserText
from posapp.ui.card_features import CardOptions, OrderInput

AT = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)


def saved(
    card_id: int,
    holder: str,
    brand: str = "VISA",
    last4: str = "0768",
    *,
    month: int = 12,
    year: int = 2030,
    status: SavedCardStatus = SavedCardStatus.ACTIVE,
    ntid: str | None = "MCC123",
) -> SavedCard:
    return SavedCard(
        id=card_id,
        holder_name=holder,
        brand=brand,
        last4=last4,
        expiry_month=month,
        expiry_year=year,
        status=status,
        consent_at=AT,
        consent_operator="cashier",
        consent_order=f"TILL-01-R260503K{card_id:05d}",
        first_request_id=f"PAY-{card_id}",
        network_transaction_id=ntid,
        sealed="v1:abc:x:y" if status is SavedCardStatus.ACTIVE else None,
    )


def answer(amount: Money, outcome: CheckoutOutcome = CheckoutOutcome.APPROVED) -> CheckoutResult:
    status = (
        PaymentStatus.CAPTURE_PENDING
        if outcome is CheckoutOutcome.APPROVED
        else (PaymentStatus.DECLINED)
    )
    payment = Payment(
        id=7,
        reference_order_id="TILL-01-R260601ABCDEF",
        payment_request_id="PAY-77",
        amount=amount,
        capture_mode=CaptureMode.AUTOMATIC,
        card=MaskedCard("VISA", "", "0768"),
        status=status,
        created_at=AT,
        updated_at=AT,
        operator="manager",
        terminal_id="TILL-01",
    )
    words = UserText("checkout.approved", "Approved: {amount}.", amount=str(amount))
    return CheckoutResult(payment, outcome, words)


@dataclass
class ScriptedFeatures:
    cards: list[SavedCard] = field(
        default_factory=lambda: [
            saved(1, "Ann Lee"),
            saved(2, "Wei Zhang", "MASTERCARD", "4622", month=3, year=2028),
            saved(3, "Omar Haddad", "VISA", "1107", month=1, year=2026),
        ]
    )
    plan_periods: tuple[int, ...] = (3, 6, 12)
    pin: str = "1234"
    paid: list[tuple[OrderInput, CardOptions]] = field(default_factory=list)
    charged: list[tuple[int, Money, str, RecurringType, bool]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    plan_requests: list[tuple[Money, str]] = field(default_factory=list)

    def search(
        self, text: str, include_removed: bool = False, complete: bool = False
    ) -> list[SavedCard]:
        needle = text.strip().lower()
        return [
            c
            for c in self.cards
            if (include_removed or c.status is not SavedCardStatus.REMOVED)
            and (not needle or needle in c.holder_name.lower() or needle == c.last4)
        ]

    def charges(self, card_id: int) -> int:
        return 2

    def plans(self, amount: Money, brand: str) -> tuple[InstallmentPlan, ...]:
        self.plan_requests.append((amount, brand))
        if brand != "VISA":
            return ()
        return tuple(
            InstallmentPlan(n, "MONTH", True, interest_rate="0" if n < 12 else "1.5")
            for n in self.plan_periods
        )

    def accepted_brands(self, amount: Money) -> tuple[str, ...]:
        return ("VISA", "MASTERCARD", "CARTES_BANCAIRES")

    def pay(self, order: OrderInput, options: CardOptions, progress=None) -> CheckoutResult:  # type: ignore[no-untyped-def]
        self.paid.append((order, options))
        return answer(order.amount)

    def approve(self, pin: str, manager: str) -> Approval:
        if pin != self.pin:
            raise WrongPin(4)
        return Approval("tok", AT, manager)

    def check_charge(self, card_id: int, amount: Money) -> SavedCard:
        card = next(c for c in self.cards if c.id == card_id)
        if card.expired(datetime(2026, 6, 1).date()):
            raise CheckoutInputError(
                "saved_card",
                UserText(
                    "saved_card.expired",
                    "This saved card expired at the end of {expiry}: ask the customer for a new card.",
                    expiry=card.expiry,
                ),
            )
        return card

    def charge(
        self,
        card_id: int,
        amount: Money,
        reason: str,
        recurring: RecurringType,
        approval: Approval,
        hold: bool,
    ) -> CheckoutResult:
        self.charged.append((card_id, amount, reason, recurring, hold))
        return answer(amount)

    def remove(self, card_id: int, operator: str) -> RemoveResult:
        self.removed.append(card_id)
        card = next(c for c in self.cards if c.id == card_id)
        self.cards = [c for c in self.cards if c.id != card_id]
        return RemoveResult(
            card, True, UserText("saved_card.removed_ok", "The saved card was removed.")
        )

    def options(self, payment_request_id: str) -> PaymentOptions | None:
        return None
