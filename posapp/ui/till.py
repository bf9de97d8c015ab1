"""Till: the cashier's and the settings screen's ports over the typed core services.

Built once by the application's build function (``posapp.ui.application.build_main_window``)
from the services ``posapp.app.build_backend`` wired. It renames nothing: payments go in as
``CheckoutRequest`` and come back as ``CheckoutResult``, and the core's errors pass through.
What it adds is what only the screens need: the accepted brands from consult (asked once per
run), whether the gateway answered lately (the status bar's line), and the connection checks
as rows. Every method blocks (journal, network, keyring, scrypt): views call them through the
TaskRunner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from posapp.config import Environment, Settings, save_settings
from posapp.core.antom.client import AntomClient
from posapp.core.antom.messages import ConsultRequest
from posapp.core.cards import CardBrand, MaskedCard
from posapp.core.money import Money
from posapp.core.services.changes import ChangeFeed
from posapp.core.services.checkout import (
    CheckoutOutcome,
    CheckoutRequest,
    CheckoutResult,
    CheckoutService,
)
from posapp.core.services.diagnostics import Step, StepName
from posapp.core.services.duplicates import DuplicateService
from posapp.core.services.pin import PinManager
from posapp.core.services.poller import Poller
from posapp.core.services.secrets import SecretStore
from posapp.ui.i18n import has_translation, service_text
from posapp.ui.ports import BrandOption, CheckResult, DuplicateMatch, TillStatus

if TYPE_CHECKING:
    from posapp.app import EnvironmentInfo

log = logging.getLogger(__name__)


class TrainingSandbox(Protocol):
    """The embedded sandbox as the connection check needs it (training mode only)."""

    @property
    def base_url(self) -> str: ...

    @property
    def client_id(self) -> str: ...

    @property
    def merchant_private_key_pem(self) -> str: ...

    @property
    def antom_public_key_pem(self) -> str: ...


class Till:
    """CashierPort and SettingsPort over the services (thread-safe: the services are)."""

    def __init__(
        self,
        *,
        settings: Settings,
        settings_file: Path,
        checkout: CheckoutService,
        client: AntomClient,
        poller: Poller,
        duplicates: DuplicateService | None,
        secrets: SecretStore,
        pins: PinManager,
        info: Callable[[], EnvironmentInfo],
        sandbox: TrainingSandbox | None = None,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._settings = settings
        self._settings_file = settings_file
        self._checkout = checkout
        self._client = client
        self._poller = poller
        self._duplicates = duplicates
        self._secrets = secrets
        self._pins = pins
        self._info = info
        self._sandbox = sandbox
        self._brands: list[BrandOption] | None = None
        self._brands_lock = threading.Lock()
        # What the last call that went to Antom tells about the connection: None (no call
        # yet), True (a verified answer came back) or False (no usable answer).
        self._reachable: bool | None = None
        # told when that changes, so the status bar reads it again (a status read that ran
        # just before the flip would otherwise leave the old word up until the next change)
        self._changes = changes

    # -- CashierPort ------------------------------------------------------------------------
    def accepted_brands(self) -> list[BrandOption]:
        """Card brands from consult (asked once per run: they change with the contract)."""
        with self._brands_lock:
            if self._brands is not None:
                return list(self._brands)
        currency = self._settings.currency
        # any amount Antom accepts; the brand list does not depend on it for cards
        amount = Money(100 if Money(1, currency).exponent else 1, currency)
        try:
            answer = self._client.consult(ConsultRequest(amount=amount))
        except Exception:
            self._set_reachable(False)
            raise
        self._set_reachable(True)
        brands: list[BrandOption] = []
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
        checkout = self._checkout
        found = checkout.find_duplicates(card, amount, reference)
        if not found:
            return None
        # one successful payment per order: a match on the order is named first
        same_order = [p for p in found if reference and p.reference_order_id == reference]
        return DuplicateMatch(
            checkout.duplicate_message(same_order or found), same_order=bool(same_order)
        )

    def pay(
        self, request: CheckoutRequest, progress: Callable[[str], None] | None = None
    ) -> CheckoutResult:
        # The view has already asked about duplicates (find_duplicate) before sending.
        result = self._checkout.pay(request, confirm_duplicate=True, progress=progress)
        # a PENDING payment with no result status never got a verified answer
        self._set_reachable(
            not (result.outcome is CheckoutOutcome.PENDING and result.payment.result_status is None)
        )
        return result

    def refresh(self, payment_request_id: str) -> CheckoutResult:
        result = self._checkout.refresh(payment_request_id)
        if result.outcome is not CheckoutOutcome.PENDING and self._reachable is False:
            self._set_reachable(True)  # the poller got a verified answer since
        return result

    def _set_reachable(self, reachable: bool) -> None:
        changed = self._reachable is not reachable
        self._reachable = reachable
        if changed and self._changes is not None:
            self._changes.announce_till()

    def till_status(self) -> TillStatus:
        info = self._info()
        poller = self._poller
        running = poller.running
        if info.training:
            detail = QCoreApplication.translate("Till", "Training sandbox at %1").replace(
                "%1", info.gateway
            )
        elif info.environment is Environment.SANDBOX:
            detail = QCoreApplication.translate("Till", "Antom sandbox · %1").replace(
                "%1", info.gateway
            )
        else:
            detail = QCoreApplication.translate("Till", "Antom production · %1").replace(
                "%1", info.gateway
            )
        online = running and self._reachable is not False
        if self._reachable is False:
            detail = QCoreApplication.translate(
                "Till", "No answer from %1 — payments are settled when it is back"
            ).replace("%1", info.gateway)
        if not running:
            detail += QCoreApplication.translate("Till", " · settling paused")
        duplicates = self._duplicates
        return TillStatus(
            online=online,
            detail=detail,
            unsettled=poller.unsettled(),
            duplicates=duplicates.count_open() if duplicates is not None else 0,
        )

    # -- SettingsPort -----------------------------------------------------------------------
    def current_settings(self) -> Settings:
        return self._settings

    def save_settings(self, settings: Settings) -> None:
        save_settings(self._settings_file, settings)
        self._settings = settings

    def has_keys(self, environment: str) -> bool:
        if environment == Environment.TRAINING.value:
            return True
        return self._secrets.load(environment) is not None

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
        self._secrets.save(environment, creds)

    def test_connection(self, settings: Settings) -> list[CheckResult]:
        """The core's connection checks for ``settings`` (keys from the keyring)."""
        from posapp.core.services.diagnostics import Target, check_connection

        if settings.environment is Environment.TRAINING:
            sandbox = self._sandbox
            if sandbox is None:
                return [
                    CheckResult(
                        QCoreApplication.translate("Till", "Training sandbox"),
                        False,
                        QCoreApplication.translate("Till", "the sandbox is not running"),
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
            creds = self._secrets.load(settings.environment.value)
            if creds is None:
                return [
                    *_missing_settings(settings),
                    CheckResult(
                        QCoreApplication.translate("Till", "Keys"),
                        False,
                        QCoreApplication.translate(
                            "Till", "no keys for %1 in the keyring: import them first"
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
            self._pins.set_pin(new_pin, old_pin or None)
        except PinError as exc:
            raise ValueError(exc.message) from None

    def training_pin_hint(self) -> str:
        from posapp.core.services.pin import TRAINING_PIN

        if self._settings.environment is not Environment.TRAINING:
            return ""
        return TRAINING_PIN if self._pins.uses_default() else ""


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
            detail = QCoreApplication.translate("Till", "verified with the Antom public key")
        else:
            detail = service_text(step.detail) if step.ok else ""
        rows.append(CheckResult(_tr(name), step.ok, detail))
    if step.failure is not None:
        words = _led_by_cause(step.error, step.detail)
        failed = QCoreApplication.translate("Till", "Failed")
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
    message = cause.user_message if isinstance(cause, AntomError) else None
    words = service_text(line)
    if isinstance(message, UserText) and has_translation(message):
        return (
            QCoreApplication.translate("Till", "%1 (%2)")
            .replace("%1", service_text(message))
            .replace("%2", words)
        )
    return words


def _tr(text: str) -> str:
    return QCoreApplication.translate("Till", text)


# QT_TRANSLATE_NOOP only marks the text for lupdate and gives it back (typed ``object``)
_SETTINGS_ROW = cast(str, QT_TRANSLATE_NOOP("Till", "Settings"))
_STEP_NAMES: dict[StepName, str] = {
    StepName.PRIVATE_KEY: cast(str, QT_TRANSLATE_NOOP("Till", "Merchant private key")),
    StepName.PUBLIC_KEY: cast(str, QT_TRANSLATE_NOOP("Till", "Antom public key")),
    StepName.REQUEST: cast(str, QT_TRANSLATE_NOOP("Till", "Signed request to the gateway")),
    StepName.SIGNATURE: cast(str, QT_TRANSLATE_NOOP("Till", "Answer signature")),
}
