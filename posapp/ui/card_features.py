"""What the saved-card screens and New payment's card options need from the services.

``CardFeatures`` is the thin protocol the views take (a view test drives them with any object
that has these methods); ``ServiceCardFeatures`` is it over the core's ``SavedCardsService``
and ``CheckoutService``, built in the composition root. Every method may block (journal,
network): views call them only through the TaskRunner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from posapp.core.antom.messages import InstallmentChoice, InstallmentPlan, MpiData, RecurringType
from posapp.core.cards import CardDetails
from posapp.core.journal.saved_cards import PaymentOptions, SavedCard
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest, CheckoutResult, CheckoutService
from posapp.core.services.pin import Approval
from posapp.core.services.saved_cards import RemoveResult, SavedCardsService
from posapp.core.services.validation import Billing

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CardOptions:
    """New payment's card options as chosen on the form."""

    save_card: bool = False
    saved_card: int | None = None  # pay with this saved card instead of the keyed one
    installments: int | None = None
    selected_brand: str | None = None
    mpi: MpiData | None = None

    @property
    def any(self) -> bool:
        return bool(
            self.save_card
            or self.saved_card is not None
            or self.installments
            or self.selected_brand
            or self.mpi is not None
        )


@dataclass(frozen=True, slots=True)
class OrderInput:
    """The order part of New payment (the card, when keyed, in memory only)."""

    amount: Money
    reference: str
    description: str
    card: CardDetails | None
    hold: bool
    three_ds: bool
    billing: Billing | None = None


class CardFeatures(Protocol):
    def search(
        self, text: str, include_removed: bool = False, complete: bool = False
    ) -> list[SavedCard]: ...

    def charges(self, card_id: int) -> int: ...

    def plans(self, amount: Money, brand: str) -> tuple[InstallmentPlan, ...]: ...

    def accepted_brands(self, amount: Money) -> tuple[str, ...]: ...

    def pay(
        self, order: OrderInput, options: CardOptions, progress: Progress | None = None
    ) -> CheckoutResult: ...

    def approve(self, pin: str, manager: str) -> Approval: ...

    def check_charge(self, card_id: int, amount: Money) -> SavedCard: ...

    def charge(
        self,
        card_id: int,
        amount: Money,
        reason: str,
        recurring: RecurringType,
        approval: Approval,
        hold: bool,
    ) -> CheckoutResult: ...

    def remove(self, card_id: int, operator: str) -> RemoveResult: ...

    def options(self, payment_request_id: str) -> PaymentOptions | None: ...


class ApproveFn(Protocol):
    def __call__(self, pin: str, *, manager: str = "manager", uses: int = 1) -> Approval: ...


class ServiceCardFeatures:
    """``CardFeatures`` over the core services (``approve``: BackOfficeService.approve, so a
    PIN attempt is journaled the same way as for a capture)."""

    def __init__(
        self, saved: SavedCardsService, checkout: CheckoutService, approve: ApproveFn
    ) -> None:
        self._saved = saved
        self._checkout = checkout
        self._approve = approve

    def search(
        self, text: str, include_removed: bool = False, complete: bool = False
    ) -> list[SavedCard]:
        """``complete``: first finish consents whose first payment settled since (an
        inquiry each: only from the NETWORK lane)."""
        if complete:
            self._saved.complete_pending()
        return self._saved.search(text, include_removed=include_removed)

    def charges(self, card_id: int) -> int:
        return len(self._saved.charges(card_id))

    def plans(self, amount: Money, brand: str) -> tuple[InstallmentPlan, ...]:
        return self._saved.plans(amount, brand)

    def accepted_brands(self, amount: Money) -> tuple[str, ...]:
        return tuple(b.brand for b in self._saved.consult(amount).card_brands())

    def pay(
        self, order: OrderInput, options: CardOptions, progress: Progress | None = None
    ) -> CheckoutResult:
        saved = self._saved.use(options.saved_card) if options.saved_card is not None else None
        request = CheckoutRequest(
            amount=order.amount,
            reference_order_id=order.reference,
            description=order.description,
            card=None if saved is not None else order.card,
            hold=order.hold,
            three_ds=order.three_ds,
            billing=order.billing,
            save_card=options.save_card,
            saved=saved,
            installment=InstallmentChoice(options.installments) if options.installments else None,
            selected_brand=options.selected_brand,
            mpi=options.mpi,
        )
        # the view asked about duplicates before sending, as for any payment
        return self._checkout.pay(request, confirm_duplicate=True, progress=progress)

    def approve(self, pin: str, manager: str) -> Approval:
        return self._approve(pin, manager=manager)

    def check_charge(self, card_id: int, amount: Money) -> SavedCard:
        return self._saved.check_charge(card_id, amount)

    def charge(
        self,
        card_id: int,
        amount: Money,
        reason: str,
        recurring: RecurringType,
        approval: Approval,
        hold: bool,
    ) -> CheckoutResult:
        return self._saved.charge(
            card_id,
            amount,
            reason=reason,
            recurring=recurring,
            approval=approval,
            hold=hold,
            confirm_duplicate=True,
        )

    def remove(self, card_id: int, operator: str) -> RemoveResult:
        return self._saved.remove(card_id, operator=operator)

    def options(self, payment_request_id: str) -> PaymentOptions | None:
        return self._saved.options(payment_request_id)


__all__ = ["CardFeatures", "CardOptions", "OrderInput", "ServiceCardFeatures"]
