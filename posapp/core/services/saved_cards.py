"""Saved cards, merchant-initiated charges and the card options of a payment.

Saving a card (protocol reference §16). The cashier ticks "Save this card for later charges
(customer agreed)": the consent (when, who, which order) is journaled before the pay request
leaves with ``tokenize=true``; Antom's ``paymentResultInfo.cardToken`` is sealed (AES-GCM,
``card_vault``) into the saved card once the payment is authorised. The reference does not
say whether the synchronous pay answer carries the token, so when it does not, an
inquiryPayment fetches it (and ``complete_pending`` does so later for payments that went
through 3-D Secure or stayed in doubt).

Paying with a saved card, customer present (§16.3): ``paymentMethodId`` = the token,
``isCardOnFile=true``, no card number, expiry or CVV.

Merchant-initiated charges (§17): a manager's PIN approval is spent and journaled, MAC'd
under the install's journal key over (charge, card, amount, manager, time), before the intent;
the charge is sent only when that approval verifies. It carries ``isCardOnFile=true``,
``recurringType`` (SCHEDULED / UNSCHEDULED) and the first payment's
``networkTransactionId``, and no 3-D Secure. From there it is a payment like any other:
held or captured, polled, refunded.

Instalments (§18): a chosen plan is checked against a fresh consult answer right before the
payment; a plan that no longer applies is refused before anything is journaled or sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import AntomError, named
from posapp.core.antom.messages import (
    CardResult,
    ConsultRequest,
    ConsultResponse,
    DeleteTokenRequest,
    Env,
    InstallmentPlan,
    RecurringType,
    ResultStatus,
    StoredCredential,
    TerminalType,
)
from posapp.core.cards import MaskedCard, detect_brand
from posapp.core.clock import Clock
from posapp.core.domain import EventKind, Payment, PaymentStatus
from posapp.core.ids import new_request_id
from posapp.core.journal.saved_cards import (
    PaymentOptions,
    SavedCard,
    SavedCardStatus,
    SavedCardStore,
    mit_approval_text,
)
from posapp.core.money import Money
from posapp.core.services.card_vault import CardVault, CardVaultError
from posapp.core.services.changes import Change
from posapp.core.services.checkout import (
    CheckoutRequest,
    CheckoutResult,
    CheckoutService,
    SavedCardUse,
    check_saved_card_use,
)
from posapp.core.services.pin import Approval, PinError, PinManager
from posapp.core.services.settle import Settler
from posapp.core.services.validation import CheckoutInputError
from posapp.core.usertext import UserText

log = logging.getLogger(__name__)

_AUTHORISED = frozenset(
    {PaymentStatus.AUTHORISED, PaymentStatus.CAPTURE_PENDING, PaymentStatus.CAPTURED}
)
_NEVER_AUTHORISED = frozenset({PaymentStatus.DECLINED, PaymentStatus.NOT_SENT})

NO_APPROVAL = UserText(
    "mit.no_valid_approval",
    "Refused: no valid manager approval for this charge. Nothing was sent to Antom.",
)


@dataclass(frozen=True, slots=True)
class RemoveResult:
    card: SavedCard
    unbound: bool | None  # True: Antom unbound the token; False: it could not; None: no token
    message: str


class SavedCardsService:
    """Saved cards for the screens, and the hooks checkout calls around a payment."""

    def __init__(
        self,
        store: SavedCardStore,
        vault: CardVault | None,
        client: AntomClient,
        settler: Settler,
        clock: Clock,
        *,
        terminal_id: str,
        merchant_account_id: str,
        pins: PinManager | None = None,
        vault_problem: str | None = None,
    ) -> None:
        self.store = store
        self.repo = store.repo
        self.vault = vault
        self.vault_problem = vault_problem
        self.client = client
        self.settler = settler
        self.clock = clock
        self.terminal_id = terminal_id
        self.merchant_account_id = merchant_account_id
        self.pins = pins
        self.checkout: CheckoutService | None = None

    def attach(self, checkout: CheckoutService) -> None:
        """Wire the two together (each calls the other): done by the composition root."""
        self.checkout = checkout
        checkout.hooks = self

    # -- reading --------------------------------------------------------------------------
    def search(self, text: str = "", *, include_removed: bool = False) -> list[SavedCard]:
        return self.store.search(text, include_removed=include_removed)

    def get(self, card_id: int) -> SavedCard | None:
        return self.store.get(card_id)

    def charges(self, card_id: int) -> list[Payment]:
        found = []
        for rid in self.store.charges(card_id):
            payment = self.repo.payment_by_request_id(rid)
            if payment is not None:
                found.append(payment)
        return found

    def options(self, payment_request_id: str) -> PaymentOptions | None:
        return self.store.options(payment_request_id)

    # -- consult --------------------------------------------------------------------------
    def consult(self, amount: Money) -> ConsultResponse:
        """Antom's card options for ``amount`` (brands, instalment plans). AntomError."""
        return self.client.consult(ConsultRequest(amount, Env(terminal_type=TerminalType.WEB)))

    def plans(self, amount: Money, brand: str) -> tuple[InstallmentPlan, ...]:
        return self.consult(amount).installment_plans(brand, amount)

    # -- using a saved card ---------------------------------------------------------------
    def _vault(self, field: str) -> CardVault:
        if self.vault is None:
            raise CheckoutInputError(
                field,
                UserText(
                    "saved_card.no_key",
                    "Saved cards need this install's card key, which is not available: {why}",
                    why=self.vault_problem or "-",
                ),
            )
        return self.vault

    def _usable(self, card_id: int) -> SavedCard:
        card = self.store.get(card_id)
        if card is None or card.status is SavedCardStatus.REMOVED or card.sealed is None:
            raise CheckoutInputError(
                "saved_card",
                UserText(
                    "saved_card.removed",
                    "This saved card was removed: ask the customer for a card.",
                ),
            )
        if card.status is not SavedCardStatus.ACTIVE:
            raise CheckoutInputError(
                "saved_card",
                UserText(
                    "saved_card.not_ready",
                    "This card is not saved yet: its first payment is still being checked.",
                ),
            )
        return card

    def use(
        self,
        card_id: int,
        *,
        recurring: RecurringType | None = None,
        reason: str = "",
    ) -> SavedCardUse:
        """What a payment with this saved card sends (the token opened in memory)."""
        card = self._usable(card_id)
        assert card.sealed is not None
        try:
            token = self._vault("saved_card").open(card.sealed, card.first_request_id)
        except CardVaultError as exc:
            raise CheckoutInputError("saved_card", exc.message) from None
        return SavedCardUse(
            card_id=card.id,
            masked=MaskedCard(card.brand, "", card.last4),
            expiry_month=card.expiry_month,
            expiry_year=card.expiry_year,
            credential=StoredCredential(
                token,
                network_transaction_id=card.network_transaction_id if recurring else None,
                recurring_type=recurring,
            ),
            holder_name=card.holder_name,
            reason=reason.strip(),
        )

    def check_charge(self, card_id: int, amount: Money) -> SavedCard:
        """Why a merchant-initiated charge of this card cannot be made (CheckoutInputError),
        before the manager is asked for a PIN."""
        card = self._usable(card_id)
        if card.expired(self.clock.now().date()):
            raise CheckoutInputError(
                "saved_card",
                UserText(
                    "saved_card.expired",
                    "This saved card expired at the end of {expiry}: ask the customer for a "
                    "new card.",
                    expiry=card.expiry,
                ),
            )
        if not card.network_transaction_id:
            raise CheckoutInputError(
                "saved_card",
                UserText(
                    "saved_card.no_network_id",
                    "This saved card has no network transaction id from its first payment: "
                    "it can be charged only with the customer present.",
                ),
            )
        if amount.minor <= 0:
            raise CheckoutInputError(
                "amount", UserText("journal.amount_not_positive", "Enter an amount above zero")
            )
        return card

    def charge(
        self,
        card_id: int,
        amount: Money,
        *,
        reason: str,
        recurring: RecurringType,
        approval: Approval,
        description: str = "",
        hold: bool = False,
        confirm_duplicate: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> CheckoutResult:
        """A merchant-initiated charge, approved by a manager (PIN)."""
        checkout = self.checkout
        if checkout is None:
            raise RuntimeError("SavedCardsService.attach(checkout) was not called")
        card = self.check_charge(card_id, amount)
        if not reason.strip():
            raise CheckoutInputError(
                "reason", UserText("mit.reason_missing", "Enter why the customer is charged")
            )
        use = self.use(card_id, recurring=recurring, reason=reason)
        request = CheckoutRequest(
            amount=amount,
            reference_order_id=checkout.new_reference(),
            description=(description or reason).strip()[:256],
            card=None,
            hold=hold,
            operator=approval.manager,
            saved=use,
        )
        # everything that can be judged locally, before the approval is spent
        checkout.validate(request)
        if self.repo.key is None:
            raise CheckoutInputError(
                "approval",
                UserText(
                    "approval.no_key",
                    "Manager approvals need this install's journal key, which is not "
                    "available (is the system keyring unlocked?)",
                ),
            )
        if self.pins is not None:
            try:
                self.pins.consume(approval)
            except PinError as exc:
                raise CheckoutInputError("approval", exc.message) from None
        request_id = new_request_id("MIT")
        approved_ms = int(approval.granted_at.timestamp() * 1000)
        mac = self.repo.key.mac(
            mit_approval_text(request_id, card.id, amount, approval.manager, approved_ms)
        )
        self.store.record_options(
            PaymentOptions(
                payment_request_id=request_id,
                saved_card=card.id,
                merchant_initiated=True,
                recurring_type=recurring.value,
                reason=use.reason,
                manager=approval.manager,
                approved_ms=approved_ms,
                approval_mac=mac,
            ),
            operator=approval.manager,
            amount=amount,
        )
        return checkout.pay(
            request,
            confirm_duplicate=confirm_duplicate,
            progress=progress,
            payment_request_id=request_id,
        )

    def _approval_problem(self, request: CheckoutRequest, request_id: str) -> str | None:
        saved = request.saved
        assert saved is not None
        opts = self.store.options(request_id)
        if opts is None or not opts.merchant_initiated or not opts.approval_mac:
            return "no manager approval is journaled for it"
        if self.repo.key is None:
            return "this install's journal key is not available"
        if opts.saved_card != saved.card_id or opts.recurring_type != (
            saved.credential.recurring_type or ""
        ):
            return "its approval names another card or kind of charge"
        expected = self.repo.key.mac(
            mit_approval_text(
                request_id,
                saved.card_id,
                request.amount,
                opts.manager or "",
                opts.approved_ms or 0,
            )
        )
        import hmac

        if not hmac.compare_digest(expected, opts.approval_mac):
            return "its approval does not verify (forged, or for another card or amount)"
        return None

    # -- checkout hooks -------------------------------------------------------------------
    def before_intent(self, request: CheckoutRequest, payment_request_id: str) -> None:
        saved = request.saved
        if saved is not None:
            card = self._usable(saved.card_id)
            check_saved_card_use(request, self.clock.now().date())
            if saved.credential.merchant_initiated:
                problem = self._approval_problem(request, payment_request_id)
                if problem is not None:
                    self.repo.record_event(
                        EventKind.SECURITY,
                        operator="system",
                        terminal_id=self.terminal_id,
                        api="pay",
                        request_id=payment_request_id,
                        detail={
                            "reason": "no valid approval",
                            "saved_card": card.id,
                            "amount": request.amount.to_antom(),
                            "problem": problem,
                        },
                    )
                    raise CheckoutInputError("approval", NO_APPROVAL)
        if request.installment is not None:
            self._check_plan(request)
        if request.save_card:
            self._vault("save_card")
            card_details = request.card
            if card_details is None:
                raise CheckoutInputError(
                    "save_card", UserText("saved_card.already", "This card is already saved")
                )
            masked = card_details.masked()
            holder = " ".join(p for p in (card_details.first_name, card_details.last_name) if p)
            self.store.record_consent(
                first_request_id=payment_request_id,
                holder_name=holder,
                brand=masked.brand,
                last4=masked.last4,
                expiry_month=card_details.expiry_month,
                expiry_year=card_details.expiry_year,
                operator=request.operator,
                order=request.reference_order_id,
            )
        if saved is None or not saved.credential.merchant_initiated:
            self.store.record_options(
                PaymentOptions(
                    payment_request_id=payment_request_id,
                    saved_card=saved.card_id if saved is not None else None,
                    installments=request.installment.periods if request.installment else None,
                    installment_interval=(
                        request.installment.interval if request.installment else None
                    ),
                    selected_brand=request.selected_brand,
                    external_eci=request.mpi.eci if request.mpi is not None else None,
                ),
                operator=request.operator,
            )

    def _check_plan(self, request: CheckoutRequest) -> None:
        plan = request.installment
        assert plan is not None
        brand = request.selected_brand
        if brand is None and request.card is not None:
            detected = detect_brand(request.card.pan)
            brand = detected.value if detected else None
        if brand is None and request.saved is not None:
            brand = request.saved.masked.brand
        try:
            offered = self.plans(request.amount, brand or "")
        except AntomError as exc:
            raise CheckoutInputError(
                "installments",
                UserText(
                    "installments.unconfirmed",
                    "Antom could not confirm the instalment plan ({error}): try again, or "
                    "pay in full.",
                    error=named(exc),
                ),
            ) from None
        if plan.periods not in {p.periods for p in offered}:
            raise CheckoutInputError(
                "installments",
                UserText(
                    "installments.no_longer",
                    "The {periods}-instalment plan no longer applies to this card and amount: "
                    "choose again.",
                    periods=plan.periods,
                ),
            )

    def after_answer(self, payment: Payment, card: CardResult | None) -> None:
        saved = self.store.by_first_request(payment.payment_request_id)
        if saved is None or saved.status is not SavedCardStatus.PENDING:
            return
        self._settle_consent(saved, payment, card)

    def _settle_consent(
        self, saved: SavedCard, payment: Payment, card: CardResult | None
    ) -> SavedCard:
        if payment.status in _NEVER_AUTHORISED:
            self.store.fail(saved.id, f"first payment {payment.status.value.lower()}")
            return self.store.get(saved.id) or saved
        if payment.status not in _AUTHORISED:
            return saved  # 3-D Secure or in doubt: complete_pending finishes it
        token = card.card_token if card is not None else None
        ntid = card.network_transaction_id if card is not None else None
        holder = card.cardholder_name if card is not None else None
        if token is None:
            # the reference names notify and inquiry as where the token comes (§16.2)
            inq = self.settler.inquire(payment)
            if inq is not None and inq.card is not None:
                token = inq.card.card_token
                ntid = ntid or inq.card.network_transaction_id
                holder = holder or inq.card.cardholder_name
        if token is None:
            return saved
        vault = self.vault
        if vault is None:
            return saved
        sealed = vault.seal(token, saved.first_request_id)
        del token
        return self.store.activate(
            saved.id,
            sealed=sealed,
            network_transaction_id=ntid or payment.network_transaction_id,
            holder_name=holder,
        )

    def on_change(self, change: Change) -> None:
        """A change on the till's feed (``ChangeFeed.subscribe``)."""
        if change.payment is not None:
            self.on_payment_change(change.payment)

    def on_payment_change(self, payment: Payment) -> None:
        """Settler listener: a first payment settled later (3-D Secure passed, the poller or a
        notification) completes its consent. Checkout's own answer is left to
        ``after_answer`` (the payment is in flight then)."""
        checkout = self.checkout
        if payment.status not in _AUTHORISED and payment.status not in _NEVER_AUTHORISED:
            return
        if checkout is not None and checkout.in_flight.holds(payment):
            return
        saved = self.store.by_first_request(payment.payment_request_id)
        if saved is None or saved.status is not SavedCardStatus.PENDING:
            return
        try:
            self._settle_consent(saved, payment, None)
        except Exception:  # a listener must never break the settling that called it
            log.exception("saved card %s: completing its consent failed", saved.id)

    def complete_pending(self) -> list[SavedCard]:
        """Finish consents whose first payment was settled since (3-D Secure, in doubt):
        the token is fetched by inquiry. Returns the cards that changed."""
        changed = []
        for saved in self.store.pending():
            payment = self.repo.payment_by_request_id(saved.first_request_id)
            if payment is None:
                continue
            after = self._settle_consent(saved, payment, None)
            if after.status is not saved.status:
                changed.append(after)
        return changed

    # -- removing -------------------------------------------------------------------------
    def remove(self, card_id: int, *, operator: str) -> RemoveResult:
        """Forget a saved card here, and unbind its token at Antom where it can."""
        card = self.store.get(card_id)
        if card is None or card.status is SavedCardStatus.REMOVED:
            raise CheckoutInputError(
                "saved_card",
                UserText("saved_card.removed_already", "This saved card was removed already."),
            )
        unbound: bool | None = None
        if card.sealed is not None and self.vault is not None:
            try:
                token = self.vault.open(card.sealed, card.first_request_id)
                answer = self.client.delete_token(
                    DeleteTokenRequest(token, self.merchant_account_id)
                )
                del token
                unbound = answer.result.status is ResultStatus.SUCCESS
            except (AntomError, CardVaultError) as exc:
                log.info("saved card %s: token not unbound at Antom (%s)", card.id, exc)
                unbound = False
        self.store.remove(card.id, operator=operator, unbound=unbound)
        after = self.store.get(card.id) or card
        if unbound is False:
            message = UserText(
                "saved_card.removed_here",
                "Removed from this till. Antom could not confirm the token was unbound.",
            )
        else:
            message = UserText("saved_card.removed_ok", "The saved card was removed.")
        return RemoveResult(after, unbound, message)


__all__ = ["NO_APPROVAL", "RemoveResult", "SavedCardsService"]
