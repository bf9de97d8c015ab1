"""BackendAdapter: the Backend built by ``posapp.app.build_backend`` seen through the UI ports.

It translates between the services' types (CheckoutRequest / CheckoutResult / Payment) and the
plain values the cashier screens show, and nothing more: all rules live in the services. Every
method blocks (journal, network, keyring, scrypt): views call them through the TaskRunner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from posapp.config import Environment, Settings, save_settings
from posapp.core.cards import CardBrand, CardError, MaskedCard
from posapp.core.domain import CaptureMode, Payment
from posapp.core.money import Money, MoneyError
from posapp.core.services.diagnostics import Step, StepName
from posapp.ui.i18n import has_translation, service_text
from posapp.ui.ports import (
    BrandOption,
    CheckResult,
    DuplicateMatch,
    InputError,
    Outcome,
    PaymentOrder,
    PaymentResult,
    TillStatus,
)

log = logging.getLogger(__name__)

_OUTCOMES = {
    "approved": Outcome.APPROVED,
    "declined": Outcome.DECLINED,
    "pending": Outcome.PENDING,
    "needs_3ds": Outcome.NEEDS_3DS,
    "not_sent": Outcome.DECLINED,  # nothing was charged; shown with the NOT_SENT reason
    "closed": Outcome.CLOSED,
}


class BackendAdapter:
    """CashierPort and SettingsPort over one Backend (thread-safe: the services are)."""

    def __init__(self, backend: Any, settings: Settings | None = None) -> None:
        self.backend = backend
        self._settings = settings or backend.settings
        self._brands: list[BrandOption] | None = None
        self._brands_lock = threading.Lock()
        # What the last call that went to Antom tells about the connection: None (no call
        # yet), True (a verified answer came back) or False (no usable answer).
        self._reachable: bool | None = None

    # -- CashierPort ------------------------------------------------------------------------
    def accepted_brands(self) -> list[BrandOption]:
        """Card brands from consult (asked once per run: they change with the contract)."""
        with self._brands_lock:
            if self._brands is not None:
                return list(self._brands)
        from posapp.core.antom.messages import ConsultRequest

        currency = self._settings.currency
        # any amount Antom accepts; the brand list does not depend on it for cards
        amount = Money(100 if Money(1, currency).exponent else 1, currency)
        try:
            answer = self.backend.client.consult(ConsultRequest(amount=amount))
        except Exception:
            self._reachable = False
            raise
        self._reachable = True
        brands = []
        for info in answer.card_brands():
            label = (
                CardBrand(info.brand).label if info.brand in CardBrand.__members__ else info.brand
            )
            url = info.logo.url if info.logo is not None and info.logo.url else ""
            brands.append(BrandOption(info.brand, label, url or ""))
        if not brands and answer.result.status.value != "S":
            raise RuntimeError(f"consult answered {answer.result.code}")
        with self._brands_lock:
            self._brands = brands
        return list(brands)

    def find_duplicate(
        self, card: MaskedCard, amount: Money, reference: str
    ) -> DuplicateMatch | None:
        checkout = self.backend.checkout
        found = checkout.find_duplicates(card, amount, reference)
        if not found:
            return None
        # one successful payment per order: a match on the order is named first
        same_order = [p for p in found if reference and p.reference_order_id == reference]
        return DuplicateMatch(
            checkout.duplicate_message(same_order or found), same_order=bool(same_order)
        )

    def pay(
        self, order: PaymentOrder, progress: Callable[[str], None] | None = None
    ) -> PaymentResult:
        from posapp.core.services.checkout import CheckoutRequest
        from posapp.core.services.validation import CheckoutInputError

        billing = order.billing
        if billing is not None and billing.is_empty():
            billing = None
        request = CheckoutRequest(
            amount=order.amount,
            reference_order_id=order.reference,
            description=order.description,
            card=order.card,
            hold=order.hold,
            three_ds=order.three_ds,
            billing=billing,
        )
        try:
            # The view has already asked about duplicates (find_duplicate) before sending.
            result = self.backend.checkout.pay(request, confirm_duplicate=True, progress=progress)
        except CheckoutInputError as exc:
            raise InputError(exc.field, exc.message) from None
        except CardError as exc:
            raise InputError(exc.field, exc.message) from None
        except MoneyError as exc:
            # the message itself (a UserText the screen translates), not str(exc): plain English
            raise InputError("amount", exc.args[0] if exc.args else str(exc)) from None
        # a PENDING payment with no result status never got a verified answer
        self._reachable = not (
            result.outcome.value == "pending" and result.payment.result_status is None
        )
        warnings = tuple(getattr(w, "message", str(w)) for w in result.warnings)
        return self._result(result.payment, result.outcome.value, result.message, warnings)

    def refresh(self, payment_request_id: str) -> PaymentResult:
        result = self.backend.checkout.refresh(payment_request_id)
        if result.outcome.value != "pending" and self._reachable is False:
            self._reachable = True  # the poller got a verified answer since
        return self._result(result.payment, result.outcome.value, result.message)

    def till_status(self) -> TillStatus:
        backend = self.backend
        info = backend.info()
        poller = backend.poller
        running = bool(getattr(poller, "running", True))
        if info.training:
            detail = QCoreApplication.translate("BackendAdapter", "Training sandbox at %1").replace(
                "%1", info.gateway
            )
        elif info.environment is Environment.SANDBOX:
            detail = QCoreApplication.translate("BackendAdapter", "Antom sandbox · %1").replace(
                "%1", info.gateway
            )
        else:
            detail = QCoreApplication.translate("BackendAdapter", "Antom production · %1").replace(
                "%1", info.gateway
            )
        online = running and self._reachable is not False
        if self._reachable is False:
            detail = QCoreApplication.translate(
                "BackendAdapter", "No answer from %1 — payments are settled when it is back"
            ).replace("%1", info.gateway)
        if not running:
            detail += QCoreApplication.translate("BackendAdapter", " · settling paused")
        duplicates = getattr(backend, "duplicates", None)
        return TillStatus(
            online=online,
            detail=detail,
            unsettled=poller.unsettled(),
            duplicates=duplicates.count_open() if duplicates is not None else 0,
        )

    @staticmethod
    def _result(
        payment: Payment, outcome: str, message: str, warnings: tuple[str, ...] = ()
    ) -> PaymentResult:
        mapped = _OUTCOMES.get(outcome, Outcome.PENDING)
        code = payment.result_code or ""
        if outcome == "not_sent":
            code = "NOT_SENT"
        return PaymentResult(
            outcome=mapped,
            payment_request_id=payment.payment_request_id,
            amount=payment.amount,
            reference=payment.reference_order_id,
            payment_id=payment.payment_id or "",
            card=payment.card,
            held=payment.capture_mode is CaptureMode.MANUAL,
            result_code=code,
            result_message=message
            if mapped is not Outcome.DECLINED
            else (payment.result_message or message),
            avs_result=payment.avs_result or "",
            cvv_result=payment.cvv_result or "",
            redirect_url=payment.three_ds_url or "",
            auth_expiry=payment.capture_deadline,
            warnings=warnings,
        )

    # -- SettingsPort -----------------------------------------------------------------------
    def current_settings(self) -> Settings:
        return self._settings

    def save_settings(self, settings: Settings) -> None:
        save_settings(self.backend.dirs.settings_file, settings)
        self._settings = settings

    def has_keys(self, environment: str) -> bool:
        if environment == Environment.TRAINING.value:
            return True
        return self.backend.secrets.load(environment) is not None

    def import_keys(
        self, environment: str, client_id: str, private_key_pem: str, antom_public_key_pem: str
    ) -> None:
        from posapp.core.services.secrets import Credentials, CredentialsError

        creds = Credentials(client_id.strip(), private_key_pem, antom_public_key_pem)
        try:
            creds.check()
        except CredentialsError as exc:
            line = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
            raise ValueError(_led_by_cause(exc.__context__, line)) from None
        self.backend.secrets.save(environment, creds)

    def test_connection(self, settings: Settings) -> list[CheckResult]:
        """The core's connection checks for ``settings`` (keys from the keyring)."""
        from posapp.core.services.diagnostics import Target, check_connection

        if settings.environment is Environment.TRAINING:
            sandbox = self.backend.sandbox
            if sandbox is None:
                return [
                    CheckResult(
                        QCoreApplication.translate("BackendAdapter", "Training sandbox"),
                        False,
                        QCoreApplication.translate("BackendAdapter", "the sandbox is not running"),
                    )
                ]
            target = Target(
                source="embedded sandbox",
                gateway=sandbox.base_url,
                client_id=sandbox.client_id,
                private_key=sandbox.merchant_private_key_pem,
                public_key=sandbox.antom_public_key_pem,
                private_name="the sandbox merchant key",
                public_name="the sandbox Antom public key",
            )
        else:
            creds = self.backend.secrets.load(settings.environment.value)
            if creds is None:
                return [
                    *_missing_settings(settings),
                    CheckResult(
                        QCoreApplication.translate("BackendAdapter", "Keys"),
                        False,
                        QCoreApplication.translate(
                            "BackendAdapter", "no keys for %1 in the keyring: import them first"
                        ).replace("%1", settings.environment.value),
                    ),
                ]
            target = Target(
                source=f"settings ({settings.environment.value})",
                gateway=settings.gateway,
                client_id=settings.client_id or creds.client_id,
                private_key=creds.merchant_private_key_pem,
                public_key=creds.antom_public_key_pem,
                private_name="the stored private key",
                public_name="the stored Antom public key",
                missing=[problem.message for problem in settings.missing_for_payments()],
            )
        return [row for step in check_connection(target, 10.0) for row in _check_rows(step)]

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        from posapp.core.services.pin import PinError

        try:
            self.backend.pins.set_pin(new_pin, old_pin or None)
        except PinError as exc:
            raise ValueError(exc.message) from None

    def training_pin_hint(self) -> str:
        from posapp.core.services.pin import TRAINING_PIN

        if self._settings.environment is not Environment.TRAINING:
            return ""
        return TRAINING_PIN if self.backend.pins.uses_default() else ""


def _missing_settings(settings: Settings) -> list[CheckResult]:
    """A failed check for each setting Antom needs in every payment that is still empty."""
    return [
        CheckResult(_tr(_SETTINGS_ROW), False, service_text(problem.message))
        for problem in settings.missing_for_payments()
    ]


def _check_rows(step: Step) -> list[CheckResult]:
    """One step of the core's checks as the rows Settings shows: a tick or a cross by the
    step's name, and a "Failed" row with the reason after the step that ended the checks."""
    if step.name is StepName.SETTINGS:
        return [CheckResult(_tr(_SETTINGS_ROW), False, service_text(step.detail))]
    rows = []
    name = _STEP_NAMES.get(step.name)
    if name is not None:
        if step.ok and step.name is StepName.SIGNATURE:
            detail = QCoreApplication.translate(
                "BackendAdapter", "verified with the Antom public key"
            )
        else:
            detail = service_text(step.detail) if step.ok else ""
        rows.append(CheckResult(_tr(name), step.ok, detail))
    if step.failure is not None:
        words = _led_by_cause(step.error, step.detail)
        failed = QCoreApplication.translate("BackendAdapter", "Failed")
        rows.append(CheckResult(failed, False, words))
    return rows


def _led_by_cause(cause: BaseException | None, line: str) -> str:
    """``line`` (technical: which key, what is wrong; in the UI's language when it is a
    ``UserText``) led in a translated UI by the sentence for people of the Antom client
    error ``cause`` (or the one behind it)."""
    from posapp.core.antom.errors import AntomError
    from posapp.core.usertext import UserText

    while cause is not None and not isinstance(cause, AntomError):
        cause = cause.__context__
    message = getattr(cause, "user_message", None)
    words = service_text(line)
    if isinstance(message, UserText) and has_translation(message):
        return (
            QCoreApplication.translate("BackendAdapter", "%1 (%2)")
            .replace("%1", service_text(message))
            .replace("%2", words)
        )
    return words


def _tr(text: str) -> str:
    return QCoreApplication.translate("BackendAdapter", text)


_SETTINGS_ROW = QT_TRANSLATE_NOOP("BackendAdapter", "Settings")
_STEP_NAMES = {
    StepName.PRIVATE_KEY: QT_TRANSLATE_NOOP("BackendAdapter", "Merchant private key"),
    StepName.PUBLIC_KEY: QT_TRANSLATE_NOOP("BackendAdapter", "Antom public key"),
    StepName.REQUEST: QT_TRANSLATE_NOOP("BackendAdapter", "Signed request to the gateway"),
    StepName.SIGNATURE: QT_TRANSLATE_NOOP("BackendAdapter", "Answer signature"),
}
