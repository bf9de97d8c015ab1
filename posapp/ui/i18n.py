"""Translations: pick the language, load posapp's and Qt's catalogues into the application.

English is the source language (the strings in the code; ``posapp_en.ts`` only carries the
plural forms of the ``%n`` strings); Simplified Chinese comes from
``resources/translations/posapp_zh_CN.ts``. Both are compiled to ``.qm`` by ``packaging/build.py`` for
the bundle and on first use in a checkout (``*.qm`` is not committed: a binary that must be
rebuilt whenever the ``.ts`` changes would go stale in review).

Every user-visible string in ``posapp/ui`` goes through ``self.tr("...")`` in a QObject
subclass or ``QCoreApplication.translate("Context", "...")`` elsewhere, so that
``python packaging/build.py --update-translations`` (pyside6-lupdate) finds it.

Messages from the Qt-free services (``posapp.core.usertext.UserText``: a stable id, its
values, English by default) are rendered here by ``service_text``: the id is looked up in the
``ServiceMessage`` context and the translated template filled with the message's values.
``SERVICE_MESSAGES`` lists every id so that lupdate keeps them (with the English as the
translator's comment); a test checks it against the ids the core uses. ``user_error_text``
gives the sentence an error carries for people (the Antom client's and the journal's
``user_message``); ``result_words`` the plain words for an Antom result code (Antom's own
resultMessage in the English UI, ours for the code in a translated one).

``Settings.language`` chooses: ``"system"`` follows the OS locale (any Chinese locale but
Traditional-script ones gets zh_CN), ``"en"`` or ``"zh_CN"`` force one. The choice applies when
the application starts.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

from posapp.core.usertext import UserText
from posapp.paths import resource

log = logging.getLogger(__name__)

SUPPORTED = ("en", "zh_CN")
CATALOGUE = "posapp"  # resources/translations/posapp_<lang>.ts / .qm
SERVICE_CONTEXT = "ServiceMessage"
KEY_NAME_CONTEXT = "KeyName"


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """The language to show for a ``Settings.language`` value: one of SUPPORTED."""
    if setting in SUPPORTED:
        return setting
    locale = system if system is not None else QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        traditional = locale.script() == QLocale.Script.TraditionalHanScript or (
            locale.script() == QLocale.Script.AnyScript
            and locale.territory()
            in (QLocale.Country.Taiwan, QLocale.Country.HongKong, QLocale.Country.Macao)
        )
        # Traditional-script readers get English rather than a script they did not choose.
        return "en" if traditional else "zh_CN"
    return "en"


def find_lrelease() -> Path | None:
    """Qt's lrelease as shipped in the PySide6(-Essentials) wheel, or on PATH."""
    import PySide6

    exe = "lrelease.exe" if sys.platform == "win32" else "lrelease"
    candidates = [Path(PySide6.__file__).parent / exe]
    on_path = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    if on_path:
        candidates.append(Path(on_path))
    return next((c for c in candidates if c.is_file()), None)


def compile_catalogue(ts: Path, qm: Path) -> None:
    """Compile one Qt Linguist source to a binary catalogue; raises RuntimeError on failure."""
    lrelease = find_lrelease()
    if lrelease is None:
        raise RuntimeError("Qt's lrelease was not found (it ships with PySide6-Essentials)")
    qm.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(  # noqa: S603 (Qt's own tool on our own files)
        [str(lrelease), "-silent", str(ts), "-qm", str(qm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not qm.is_file():
        raise RuntimeError(f"lrelease failed on {ts.name}: {proc.stderr.strip() or proc.stdout}")


def catalogue_path(language: str) -> Path | None:
    """The compiled catalogue for ``language``; compiles it from the .ts in a checkout.

    In the bundle the .qm files are already there. From source a missing or stale .qm is
    compiled next to the .ts when that folder is writable, else in the user's cache dir.
    """
    folder = resource("translations")
    qm = folder / f"{CATALOGUE}_{language}.qm"
    ts = folder / f"{CATALOGUE}_{language}.ts"
    if getattr(sys, "frozen", False) or not ts.is_file():
        return qm if qm.is_file() else None
    if qm.is_file() and qm.stat().st_mtime >= ts.stat().st_mtime:
        return qm
    if os.access(folder, os.W_OK):
        target = qm
    else:
        # the user's own cache, never a shared temp dir another account could plant a file in
        import platformdirs

        target = platformdirs.user_cache_path("posapp", "posapp") / "translations" / qm.name
        if target.is_file() and target.stat().st_mtime >= ts.stat().st_mtime:
            return target
    try:
        compile_catalogue(ts, target)
    except (RuntimeError, OSError) as exc:
        log.warning("translations for %s not available: %s", language, exc)
        return None
    return target


def install_translators(app: QCoreApplication, setting: str) -> str:
    """Load posapp's and Qt's catalogues for ``setting``; returns the language in effect.

    A missing catalogue falls back to English with a log line; it never stops the till.
    """
    remove_translators(app)
    language = resolve_language(setting)
    qm = catalogue_path(language)
    loaded = qm is not None and _install(app, str(qm.parent), qm.stem)
    if language == "en":
        # English is the source text; its small catalogue only adds plural forms.
        if not loaded:
            log.warning("no English plural catalogue found; plurals read '(s)'")
        return "en"
    # Qt's own strings (standard buttons, dialogs): from the bundle or the PySide6 wheel.
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    _install(app, qt_dir, f"qtbase_{language}")
    if not loaded:
        log.warning("no %s catalogue found; showing English", language)
        return "en"
    return language


# Words built once from the catalogue in use (status labels...): dropped when it changes.
_CACHES: list[Callable[[], None]] = []


def on_catalogue_change(forget: Callable[[], None]) -> None:
    """Call ``forget`` whenever the catalogues are taken out: a module that keeps words
    translated with them (built once, after the translator loads) drops them then."""
    _CACHES.append(forget)


def remove_translators(app: QCoreApplication) -> None:
    """Take out every catalogue ``install_translators`` put in (tests, a language switch)."""
    for old in app.findChildren(QTranslator, "posapp-translator"):
        app.removeTranslator(old)
        old.setParent(None)
        old.deleteLater()
    for forget in _CACHES:
        forget()


def _install(app: QCoreApplication, folder: str, name: str) -> bool:
    translator = QTranslator(app)  # parented: lives as long as the application
    translator.setObjectName("posapp-translator")
    if not translator.load(name, folder):
        translator.deleteLater()
        return False
    app.installTranslator(translator)
    return True


def service_text(text: str) -> str:
    """``text`` in the UI's language: a ``UserText`` through the ServiceMessage catalogue.

    Plain text (Antom's own words, a path) and an id without a translation (English, or a
    catalogue older than the code) show as they are: the English rendering.
    """
    if not isinstance(text, UserText):
        return text
    template = QCoreApplication.translate(SERVICE_CONTEXT, text.id)
    if not template or template == text.id:
        return str(text)
    values = {name: _value_text(name, value) for name, value in text.values.items()}
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError):
        # a translation naming a value the message does not have: never lose the message
        log.warning("translation of %s does not fit its values", text.id)
        return str(text)


def _value_text(name: str, value: object) -> object:
    """A message's value in the UI's language: another message through the catalogue; a
    key's ``source`` ("the merchant private key") through ``KeyName`` when it is one of
    the names in ``KEY_NAMES``, and so is the PEM ``label`` of a key given in the wrong
    place (a file path has no translation and shows as it is)."""
    if isinstance(value, UserText):
        return service_text(value)
    if name in ("source", "label") and isinstance(value, str) and value:
        return QCoreApplication.translate(KEY_NAME_CONTEXT, value)
    return value


def error_text(exc: BaseException) -> str:
    """The words of an error raised for people (CardError, MoneyError, the services' errors),
    in the UI's language."""
    message = getattr(exc, "message", None)
    if not isinstance(message, str) and exc.args and isinstance(exc.args[0], str):
        message = exc.args[0]
    return service_text(message) if isinstance(message, str) else str(exc)


def user_error_text(exc: BaseException) -> str:
    """The sentence for people an error carries (``user_message`` of the Antom client's and
    the journal's errors, else ``message``), in the UI's language; "" when it has none."""
    message = getattr(exc, "user_message", None) or getattr(exc, "message", None)
    return service_text(message) if isinstance(message, str) else ""


def has_translation(text: UserText) -> bool:
    """Whether the loaded catalogue translates ``text`` (never in the English UI)."""
    template = QCoreApplication.translate(SERVICE_CONTEXT, text.id)
    return bool(template) and template != text.id


def result_words(code: str, antom_message: str = "") -> str:
    """Plain words for an Antom result code: Antom's own ``antom_message`` in the English UI
    (as the journal has it), our words for the code in a translated one; our English words
    when Antom gave none. "" for a code we have no words for and no message."""
    from posapp.core.antom.messages import explain

    words = explain(code, antom_message) if code else None
    if words is None:
        return antom_message
    if antom_message and not has_translation(words):
        return antom_message
    return service_text(words)


# The names the key checks give a key when it is not a file (secrets.validate_credentials,
# posapp doctor, Settings > Test connection): the ``source`` of the key.* messages.
KEY_NAMES = (
    QT_TRANSLATE_NOOP("KeyName", "the key"),
    QT_TRANSLATE_NOOP("KeyName", "the merchant private key"),
    QT_TRANSLATE_NOOP("KeyName", "the Antom public key"),
    QT_TRANSLATE_NOOP("KeyName", "the stored private key"),
    QT_TRANSLATE_NOOP("KeyName", "the stored Antom public key"),
    QT_TRANSLATE_NOOP("KeyName", "the sandbox merchant key"),
    QT_TRANSLATE_NOOP("KeyName", "the sandbox Antom public key"),
    # PEM labels (lower case) of what was given instead of a private key
    QT_TRANSLATE_NOOP("KeyName", "public key"),
    QT_TRANSLATE_NOOP("KeyName", "rsa public key"),
    QT_TRANSLATE_NOOP("KeyName", "certificate"),
)

# Every id the services use, in the ServiceMessage context (the comment is the English).
SERVICE_MESSAGES = (
    #: Enter the card number
    QT_TRANSLATE_NOOP("ServiceMessage", "card.number_missing"),
    #: The card number may contain digits only
    QT_TRANSLATE_NOOP("ServiceMessage", "card.number_digits_only"),
    #: A card number has {min} to {max} digits
    QT_TRANSLATE_NOOP("ServiceMessage", "card.number_length"),
    #: A {brand} card number has {lengths} digits
    QT_TRANSLATE_NOOP("ServiceMessage", "card.number_length_for_brand"),
    #: This card number is not valid: check the digits
    QT_TRANSLATE_NOOP("ServiceMessage", "card.number_invalid"),
    #: The card brand does not match the number
    QT_TRANSLATE_NOOP("ServiceMessage", "card.brand_mismatch"),
    #: The card number has the wrong length
    QT_TRANSLATE_NOOP("ServiceMessage", "card.wrong_length"),
    #: Enter the expiry date (MM/YY)
    QT_TRANSLATE_NOOP("ServiceMessage", "card.expiry_missing"),
    #: Write the expiry date as MM/YY
    QT_TRANSLATE_NOOP("ServiceMessage", "card.expiry_format"),
    #: The expiry month must be 01 to 12
    QT_TRANSLATE_NOOP("ServiceMessage", "card.expiry_month"),
    #: This card has expired
    QT_TRANSLATE_NOOP("ServiceMessage", "card.expired"),
    #: The expiry year is too far in the future
    QT_TRANSLATE_NOOP("ServiceMessage", "card.expiry_too_far"),
    #: Enter the security code
    QT_TRANSLATE_NOOP("ServiceMessage", "card.cvv_missing"),
    #: The security code is digits only
    QT_TRANSLATE_NOOP("ServiceMessage", "card.cvv_digits_only"),
    #: The security code of {brand} has {digits} digits
    QT_TRANSLATE_NOOP("ServiceMessage", "card.cvv_length_for_brand"),
    #: The security code of this card has {digits} digits
    QT_TRANSLATE_NOOP("ServiceMessage", "card.cvv_length"),
    #: Enter an amount
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.missing"),
    #: {text!r} is not an amount
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.not_a_number"),
    #: {currency} has no decimals
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.no_decimals"),
    #: {currency} has at most {places} decimals
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.too_many_decimals"),
    #: The amount cannot be negative
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.negative"),
    #: The amount is too large
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.too_large"),
    #: {currency} amounts must be whole units (a multiple of {unit})
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.whole_units"),
    #: This till takes {till}, not {given}
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.wrong_currency"),
    #: The amount must be more than zero
    QT_TRANSLATE_NOOP("ServiceMessage", "amount.not_positive"),
    #: first name
    QT_TRANSLATE_NOOP("ServiceMessage", "field.first_name"),
    #: last name
    QT_TRANSLATE_NOOP("ServiceMessage", "field.last_name"),
    #: order reference
    QT_TRANSLATE_NOOP("ServiceMessage", "field.reference"),
    #: address
    QT_TRANSLATE_NOOP("ServiceMessage", "field.address"),
    #: city
    QT_TRANSLATE_NOOP("ServiceMessage", "field.city"),
    #: state
    QT_TRANSLATE_NOOP("ServiceMessage", "field.state"),
    #: postal code
    QT_TRANSLATE_NOOP("ServiceMessage", "field.postal_code"),
    #: Enter the {field}
    QT_TRANSLATE_NOOP("ServiceMessage", "input.missing"),
    #: The {field} has at most {limit} characters
    QT_TRANSLATE_NOOP("ServiceMessage", "input.too_long"),
    #: The {field} contains control characters
    QT_TRANSLATE_NOOP("ServiceMessage", "input.control_characters"),
    #: This field has Chinese or other non-Latin characters; card networks may refuse them or print them garbled. Latin letters are safer.
    QT_TRANSLATE_NOOP("ServiceMessage", "input.non_latin"),
    #: The order reference may hold letters, digits and - _ . : only
    QT_TRANSLATE_NOOP("ServiceMessage", "reference.characters"),
    #: The order reference looks like a card number: use another one
    QT_TRANSLATE_NOOP("ServiceMessage", "reference.card_number"),
    #: The postal code has up to 10 letters, digits, spaces or hyphens
    QT_TRANSLATE_NOOP("ServiceMessage", "billing.postal_code"),
    #: The country is a two-letter code such as SG
    QT_TRANSLATE_NOOP("ServiceMessage", "billing.country"),
    #: Enter what is being paid for
    QT_TRANSLATE_NOOP("ServiceMessage", "description.missing"),
    #: The description has at most {limit} characters
    QT_TRANSLATE_NOOP("ServiceMessage", "description.too_long"),
    #: Approved: {amount}.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.approved"),
    #: Approved: {amount} held.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.approved_held"),
    #: Approved: {amount} held until {deadline} UTC.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.approved_held_until"),
    #: the payment was refused
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.refused"),
    #: Declined: {reason}.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.declined"),
    #: Declined: {reason} ({code}).
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.declined_code"),
    #: The cardholder must confirm the payment with their bank (3-D Secure).
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.needs_3ds"),
    #: This payment never reached Antom; nothing was charged. Try again if needed.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.not_sent"),
    #: Checking the result with Antom. Do not charge the card again.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.pending"),
    #: Not sent: Settings has no page for the buyer to return to after 3-D Secure, and Antom refuses payments without it.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.redirect_url_missing"),
    #: This payment is {status}.
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.closed"),
    #: {card} was charged {amount} at {time} (order {order}, {status}). Charge it again?
    QT_TRANSLATE_NOOP("ServiceMessage", "checkout.duplicate"),
    #: This payment is not in the journal
    QT_TRANSLATE_NOOP("ServiceMessage", "payment.not_found"),
    #: This payment changed meanwhile (now {status}).
    QT_TRANSLATE_NOOP("ServiceMessage", "payment.changed"),
    #: Only a held payment can be captured; this one is {status}.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.not_held"),
    #: The 7-day window to capture this payment has passed (it ended {deadline} UTC); the hold is released. Take a new payment instead.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.window_passed"),
    #: This payment has no Antom payment id yet; try again shortly.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.no_payment_id"),
    #: Captured {amount}.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.done"),
    #: Antom refused the capture: {reason}.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.refused"),
    #: The capture is being confirmed with Antom.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.pending"),
    #: A captured payment cannot be cancelled: refund it instead.
    QT_TRANSLATE_NOOP("ServiceMessage", "cancel.captured"),
    #: This payment is {status}: nothing to cancel.
    QT_TRANSLATE_NOOP("ServiceMessage", "cancel.nothing_to_cancel"),
    #: Cancelled: the hold is released.
    QT_TRANSLATE_NOOP("ServiceMessage", "cancel.done"),
    #: The cancellation is being confirmed with Antom.
    QT_TRANSLATE_NOOP("ServiceMessage", "cancel.pending"),
    #: Antom refused the cancellation ({reason}).
    QT_TRANSLATE_NOOP("ServiceMessage", "cancel.refused"),
    #: no reason given
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.no_reason"),
    #: Only a paid (captured) payment can be refunded.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.not_captured"),
    #: Refund in {currency}.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.currency"),
    #: Enter a refund amount above zero.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.not_positive"),
    #: At most {amount} can be refunded.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.above_refundable"),
    #: At most {amount} can be refunded (other refunds are still being processed).
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.above_refundable_pending"),
    #: The refund reason has at most {limit} characters.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.reason_too_long"),
    #: Refunded {amount}.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.done"),
    #: Antom refused the refund: {reason}.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.refused"),
    #: The refund is being confirmed with Antom.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.pending"),
    #: Wrong PIN: 1 attempt left
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.wrong_last_attempt"),
    #: Wrong PIN: {left} attempts left
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.wrong_attempts_left"),
    #: Wrong PIN: approvals are locked for {minutes} minutes
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.wrong_now_locked"),
    #: Too many wrong PINs: approvals are locked for {wait}
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.locked"),
    #: The PIN is digits only
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.digits_only"),
    #: The PIN has {min} to {max} digits
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.length"),
    #: The manager PIN record is damaged: approvals are locked until the merchant resets the PIN with `posapp keys reset-pin`
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.record_damaged"),
    #: No manager PIN is stored for this till: approvals are locked until the merchant sets one with `posapp keys reset-pin`
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.not_set_locked"),
    #: The merchant credentials given do not match this till's: the PIN was not reset
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.reset_refused"),
    #: Resetting the manager PIN needs the merchant's credentials
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.reset_needs_merchant"),
    #: The PIN was changed meanwhile: enter the new one
    QT_TRANSLATE_NOOP("ServiceMessage", "pin.changed_meanwhile"),
    #: The {field} looks like card data (a card number or magnetic stripe track): remove it; if it is not a card number, split the digits with a letter or a slash
    QT_TRANSLATE_NOOP("ServiceMessage", "input.card_data"),
    #: store name
    QT_TRANSLATE_NOOP("ServiceMessage", "field.store_name"),
    #: terminal id
    QT_TRANSLATE_NOOP("ServiceMessage", "field.terminal_id"),
    #: return page
    QT_TRANSLATE_NOOP("ServiceMessage", "field.return_page"),
    #: description
    QT_TRANSLATE_NOOP("ServiceMessage", "field.description"),
    #: refund reason
    QT_TRANSLATE_NOOP("ServiceMessage", "field.refund_reason"),
    #: This approval is not valid: enter the manager PIN again
    QT_TRANSLATE_NOOP("ServiceMessage", "approval.invalid"),
    #: The approval has expired: enter the manager PIN again
    QT_TRANSLATE_NOOP("ServiceMessage", "approval.expired"),
    # issue 10: keyed approvals and journal (approvals branch)
    #: This journal is sealed with another install's journal key, so posapp cannot add to it: restore this install's key (keyring) or use a new data folder.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.key_mismatch"),
    #: This journal is sealed with this install's journal key, which is not available (is the system keyring unlocked?)
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.key_missing"),
    #: Manager approvals need this install's journal key, which is not available (is the system keyring unlocked?)
    QT_TRANSLATE_NOOP("ServiceMessage", "approval.no_key"),
    #: Refused: no valid approval. Nothing was sent to Antom; the attempt is journaled.
    QT_TRANSLATE_NOOP("ServiceMessage", "approval.refused_no_valid"),
    #: refused: no valid approval
    QT_TRANSLATE_NOOP("ServiceMessage", "approval.refused_line"),
    #: The journal key in {where} is damaged: posapp cannot check approvals or the journal without it. Restore it from a backup.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal_key.damaged"),
    #: The journal key cannot be read from the system keyring: {problem}
    QT_TRANSLATE_NOOP("ServiceMessage", "journal_key.keyring"),
    #: Cannot write the journal key {path}: {problem}
    QT_TRANSLATE_NOOP("ServiceMessage", "journal_key.cannot_write"),
    #: {minutes} min {seconds} s
    QT_TRANSLATE_NOOP("ServiceMessage", "time.minutes_seconds"),
    #: {seconds} s
    QT_TRANSLATE_NOOP("ServiceMessage", "time.seconds"),
    #: not sent yet
    QT_TRANSLATE_NOOP("ServiceMessage", "status.intent"),
    #: checking
    QT_TRANSLATE_NOOP("ServiceMessage", "status.pending"),
    #: waiting for 3-d secure
    QT_TRANSLATE_NOOP("ServiceMessage", "status.needs_3ds"),
    #: held
    QT_TRANSLATE_NOOP("ServiceMessage", "status.authorised"),
    #: capturing
    QT_TRANSLATE_NOOP("ServiceMessage", "status.capture_pending"),
    #: cancelling
    QT_TRANSLATE_NOOP("ServiceMessage", "status.cancel_pending"),
    #: paid
    QT_TRANSLATE_NOOP("ServiceMessage", "status.captured"),
    #: partly refunded
    QT_TRANSLATE_NOOP("ServiceMessage", "status.partially_refunded"),
    #: refunded
    QT_TRANSLATE_NOOP("ServiceMessage", "status.refunded"),
    #: declined
    QT_TRANSLATE_NOOP("ServiceMessage", "status.declined"),
    #: cancelled
    QT_TRANSLATE_NOOP("ServiceMessage", "status.cancelled"),
    #: hold expired
    QT_TRANSLATE_NOOP("ServiceMessage", "status.released"),
    #: never sent
    QT_TRANSLATE_NOOP("ServiceMessage", "status.not_sent"),
    #: The payment service could not be used.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.unusable"),
    #: A key could not be used: check the key files in Settings.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.key_unusable"),
    #: The payment details are not complete or not valid.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.request_invalid"),
    #: The answer from the payment service could not be verified. The payment is being checked again; do not charge the card a second time.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.signature"),
    #: The payment service sent an answer that could not be read.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.unreadable"),
    #: The payment service did not answer. The payment is being checked; do not charge the card a second time.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.no_answer"),
    #: The payment service cannot be reached: check the network connection.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.unreachable"),
    #: The payment service reported a technical problem.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.http_status"),
    #: This payment reference was already used with other details. Start a new payment; the earlier one is unchanged.
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.repeat_inconsistent"),
    #: a parameter is missing or invalid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.param_illegal"),
    #: the amount is not acceptable
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_amount"),
    #: the currency is not in the contract
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.currency_not_support"),
    #: access denied
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.access_denied"),
    #: Antom could not verify our signature (keys)
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_signature"),
    #: Antom has no key for this client id / key version
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.key_not_found"),
    #: the client id is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_client"),
    #: the API path is not known to the gateway
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.no_interface_def"),
    #: the API is not valid for this client
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_api"),
    #: the merchant account is not active
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_merchant_status"),
    #: the merchant is not KYB-qualified
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.merchant_kyb_not_qualified"),
    #: the merchant is not registered
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.merchant_not_registered"),
    #: the contract does not cover this operation
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_contract"),
    #: Antom could not process the request
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.process_fail"),
    #: Antom reported a system error
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.system_error"),
    #: the request id was used with other data
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.repeat_req_inconsistent"),
    #: no such payment
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.order_not_exist"),
    #: the payment is not in a state that allows this
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.order_status_invalid"),
    #: the payment was cancelled
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.order_is_canceled"),
    #: the payment is closed
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.order_is_closed"),
    #: the card data is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_payment_method_meta_data"),
    #: the card number is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_card_number"),
    #: the expiry date is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_expiration_date"),
    #: the expiry date is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_expiry_date_format"),
    #: the security code is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_cvv"),
    #: the card is not valid
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.invalid_card"),
    #: 3-D Secure authentication is required
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.authentication_required"),
    #: that card brand is not available
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.selected_card_brand_not_available"),
    #: the card is not supported
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.card_not_supported"),
    #: the card has expired
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.card_expired"),
    #: the card could not be identified
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.card_bin_query_error"),
    #: insufficient funds
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.user_balance_not_enough"),
    #: declined by the card issuer
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.do_not_honor"),
    #: declined by the card issuer
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.issuer_rejects_transaction"),
    #: declined by risk control
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.risk_reject"),
    #: declined as suspected fraud
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.fraud_reject"),
    #: declined: suspected card
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.suspected_card"),
    #: declined by risk control
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.suspected_risk"),
    #: cardholder verification failed
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.user_payment_verification_failed"),
    #: the amount is over a limit
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.payment_amount_exceed_limit"),
    #: too many payments
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.payment_count_exceed_limit"),
    #: the cardholder's limit is exceeded
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.user_amount_exceed_limit"),
    #: the payer is not qualified
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.user_kyc_not_qualified"),
    #: the payer's account is restricted
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.user_status_abnormal"),
    #: too many verification attempts
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.verify_times_exceed_limit"),
    #: verification did not match
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.verify_unmatched"),
    #: the payment expired
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.payment_timeout"),
    #: the settlement currency is not contracted
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.settle_contract_not_match"),
    #: no payment option is available
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.no_pay_options"),
    #: the merchant may not take this payment
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.payment_not_qualified"),
    #: the payment is prohibited
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.payment_prohibited"),
    #: only one capture is allowed
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.multi_capture_not_supported"),
    #: more than the authorised amount
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.capture_amount_exceed_auth_limit"),
    #: the authorisation has expired
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.auth_expired"),
    #: the authorisation was cancelled
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.auth_cancelled"),
    #: no such authorisation
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.auth_not_found"),
    #: too late to cancel; refund instead
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.cancel_window_exceed"),
    #: more than the refundable amount
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.refund_amount_exceed"),
    #: too late to refund
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.refund_window_exceed"),
    #: refunds are not supported for this payment
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.refund_not_supported"),
    #: only a full refund is possible
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.partial_refund_not_supported"),
    #: no such refund
    QT_TRANSLATE_NOOP("ServiceMessage", "antom.result.refund_not_exist"),
    #: The payment journal cannot be used.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.unusable"),
    #: The payment journal is busy in another window or program. Wait a moment and try again.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.locked"),
    #: The disk is full: the payment journal cannot record anything. Free some space.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.full"),
    #: The payment journal cannot be written (read-only file or folder). Check the permissions of the data folder.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.read_only"),
    #: The payment journal is damaged. Stop taking payments and restore it from a backup.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.corrupt"),
    #: The payment journal cannot be opened. Check that the data folder exists.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.unavailable"),
    #: This payment journal was written by a newer version of posapp. Install that version (or newer) to open it.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.too_new"),
    #: Enter an amount above zero
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.amount_not_positive"),
    #: This payment changed in another window; refresh and try again.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.changed_elsewhere"),
    #: Capture the full amount ({amount}).
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.capture_full"),
    #: The file in the data folder is not a posapp payment journal (another program's database?). Choose another data folder or move that file away.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.foreign"),
    #: This payment journal belongs to {journal} and cannot be opened in {till}. Use that environment's own data folder (--data-dir), or set the till back.
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.wrong_environment"),
    #: training mode
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.env.training"),
    #: the Antom sandbox (client id {client_id})
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.env.sandbox"),
    #: production (client id {client_id})
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.env.production"),
    #: an unknown environment ({name})
    QT_TRANSLATE_NOOP("ServiceMessage", "journal.env.other"),
    #: {source}: cannot read the file ({reason})
    QT_TRANSLATE_NOOP("ServiceMessage", "key.cannot_read"),
    #: {source}: larger than 64 KiB, not a key file
    QT_TRANSLATE_NOOP("ServiceMessage", "key.file_too_large"),
    #: {source}: not a text key (PEM or Base64 expected)
    QT_TRANSLATE_NOOP("ServiceMessage", "key.not_text"),
    #: {source}: the key is empty
    QT_TRANSLATE_NOOP("ServiceMessage", "key.empty"),
    #: {source}: the key is encrypted with a passphrase; export it unencrypted
    QT_TRANSLATE_NOOP("ServiceMessage", "key.encrypted_export"),
    #: {source}: the PEM key is truncated (no matching END line)
    QT_TRANSLATE_NOOP("ServiceMessage", "key.pem_truncated"),
    #: {source}: not valid PEM or Base64 key text
    QT_TRANSLATE_NOOP("ServiceMessage", "key.not_pem"),
    #: {source}: this is a {label}, not a private key
    QT_TRANSLATE_NOOP("ServiceMessage", "key.labelled_not_private"),
    #: {source}: the key is encrypted with a passphrase
    QT_TRANSLATE_NOOP("ServiceMessage", "key.encrypted"),
    #: {source}: not a usable RSA private key (truncated or damaged)
    QT_TRANSLATE_NOOP("ServiceMessage", "key.private_damaged"),
    #: {source}: not a usable RSA private key (too short to be a key)
    QT_TRANSLATE_NOOP("ServiceMessage", "key.private_too_short"),
    #: {source}: this is a public key, not a private key
    QT_TRANSLATE_NOOP("ServiceMessage", "key.public_not_private"),
    #: {source}: not an RSA key ({kind})
    QT_TRANSLATE_NOOP("ServiceMessage", "key.not_rsa"),
    #: {source}: the key has {bits} bits; Antom needs {needed}
    QT_TRANSLATE_NOOP("ServiceMessage", "key.too_small"),
    #: {source}: this is a private key; the Antom public key is expected
    QT_TRANSLATE_NOOP("ServiceMessage", "key.private_not_public"),
    #: {source}: the certificate is damaged
    QT_TRANSLATE_NOOP("ServiceMessage", "key.certificate_damaged"),
    #: {source}: not a usable RSA public key (truncated or damaged)
    QT_TRANSLATE_NOOP("ServiceMessage", "key.public_damaged"),
    #: unusable merchant private key: {reason}
    QT_TRANSLATE_NOOP("ServiceMessage", "doctor.private_key_unusable"),
    #: {source}: the key cannot sign
    QT_TRANSLATE_NOOP("ServiceMessage", "doctor.key_cannot_sign"),
    #: unusable Antom public key: {reason}
    QT_TRANSLATE_NOOP("ServiceMessage", "doctor.public_key_unusable"),
    #: {source} is the merchant's own public key, not Antom's: copy the Antom public key from the dashboard
    QT_TRANSLATE_NOOP("ServiceMessage", "doctor.own_public_key"),
    #: the gateway refused the request: {code} ({reason})
    QT_TRANSLATE_NOOP("ServiceMessage", "doctor.gateway_refused"),
    #: settings
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.settings"),
    #: merchant private key ({source})
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.private_key"),
    #: RSA {bits} bits, signs and verifies with its public half
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.private_key_ok"),
    #: Antom public key ({source})
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.public_key"),
    #: RSA {bits} bits, distinct from the merchant key
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.public_key_ok"),
    #: gateway
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.gateway"),
    #: signed inquiryPayment for {request_id} to {url}
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.request"),
    #: answered {status} {code}: {message}
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.answered"),
    #: answer signature verified with the Antom public key
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.signature"),
    #: answer
    QT_TRANSLATE_NOOP("ServiceMessage", "diagnostics.answer"),
    #: paymentRedirectUrl is not set: {environment} payments would be refused (Settings > Connection > Return page after 3-D Secure)
    QT_TRANSLATE_NOOP("ServiceMessage", "settings.redirect_url_missing"),
    #: no verified answer ({error})
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.no_answer"),
    #: no valid approval
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.no_valid_approval"),
    #: no verified answer: {reason}
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.no_verified_answer"),
    #: Antom does not know this paymentRequestId, past its expiry
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.unknown_request_id"),
    #: payment failed (inquiry)
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.inquiry_failed"),
    #: checked with Antom for report {file}, line {line}
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.reconciliation_checked"),
    #: Say how the difference was resolved
    QT_TRANSLATE_NOOP("ServiceMessage", "reconcile.resolve_needs_note"),
    #: Differences can be resolved only at the till, with the manager PIN
    QT_TRANSLATE_NOOP("ServiceMessage", "reconcile.resolve_unavailable"),
    #: This difference was resolved already
    QT_TRANSLATE_NOOP("ServiceMessage", "reconcile.already_resolved"),
    #: capture refused: {code}
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.capture_refused"),
    #: cancel refused: {code}
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.cancel_refused"),
    #: 7-day capture window passed
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.capture_window_passed"),
    #: notifyPayment: failed
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.notify_failed"),
    #: refused before sending
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.refused_before_sending"),
    #: not sent: {error}
    QT_TRANSLATE_NOOP("ServiceMessage", "reason.not_sent"),
    #: This payment is still being checked; capture it in a moment.
    QT_TRANSLATE_NOOP("ServiceMessage", "capture.still_checking"),
    #: This payment cannot be refunded yet.
    QT_TRANSLATE_NOOP("ServiceMessage", "refund.not_yet"),
    #: the client id is empty
    QT_TRANSLATE_NOOP("ServiceMessage", "credentials.client_id_empty"),
    #: the client id must be 1 to 64 characters without spaces
    QT_TRANSLATE_NOOP("ServiceMessage", "credentials.client_id_format"),
    #: the merchant private key cannot produce a valid signature
    QT_TRANSLATE_NOOP("ServiceMessage", "credentials.cannot_sign"),
    #: the Antom public key is the merchant's own public key; use the Antom public key shown in the Antom dashboard
    QT_TRANSLATE_NOOP("ServiceMessage", "credentials.own_public_key"),
    #: This payment no longer holds money (it is {status}): nothing to undo.
    QT_TRANSLATE_NOOP("ServiceMessage", "duplicate.nothing_to_undo"),
    #: This payment is already being given back.
    QT_TRANSLATE_NOOP("ServiceMessage", "duplicate.already_undoing"),
    #: Order {order} has no other successful payment: this one is not a duplicate.
    QT_TRANSLATE_NOOP("ServiceMessage", "duplicate.last_payment"),
    #: This payment is {status}: wait until it settles, then try again.
    QT_TRANSLATE_NOOP("ServiceMessage", "duplicate.wait"),
    # -- saved cards, merchant-initiated charges, instalments, brand choice, MPI (issue 13)
    #: This card does not carry {brand}: choose one of {brands}
    QT_TRANSLATE_NOOP("ServiceMessage", "card.brand_not_on_card"),
    #: Enter a card or choose a saved card
    QT_TRANSLATE_NOOP("ServiceMessage", "card.missing"),
    #: The {periods}-instalment plan no longer applies to this card and amount: choose again.
    QT_TRANSLATE_NOOP("ServiceMessage", "installments.no_longer"),
    #: Instalments are chosen by the customer: not for a charge without them
    QT_TRANSLATE_NOOP("ServiceMessage", "installments.not_mit"),
    #: Antom could not confirm the instalment plan ({error}): try again, or pay in full.
    QT_TRANSLATE_NOOP("ServiceMessage", "installments.unconfirmed"),
    #: A charge without the customer runs without 3-D Secure
    QT_TRANSLATE_NOOP("ServiceMessage", "mit.no_3ds"),
    #: Refused: no valid manager approval for this charge. Nothing was sent to Antom.
    QT_TRANSLATE_NOOP("ServiceMessage", "mit.no_valid_approval"),
    #: Enter why the customer is charged
    QT_TRANSLATE_NOOP("ServiceMessage", "mit.reason_missing"),
    #: The CAVV is 28 characters (base64) or 40 hexadecimal digits
    QT_TRANSLATE_NOOP("ServiceMessage", "mpi.cavv"),
    #: The DS transaction id is a UUID (8-4-4-4-12 hexadecimal digits), for 3-D Secure 2 only
    QT_TRANSLATE_NOOP("ServiceMessage", "mpi.ds_id"),
    #: The ECI is two digits, 00 to 07
    QT_TRANSLATE_NOOP("ServiceMessage", "mpi.eci"),
    #: ECI {eci} is not a {brand} value: the external 3-D Secure result is for another card
    QT_TRANSLATE_NOOP("ServiceMessage", "mpi.eci_brand"),
    #: Choose the 3-D Secure version: {versions}
    QT_TRANSLATE_NOOP("ServiceMessage", "mpi.version"),
    #: This card is already saved
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.already"),
    #: This saved card's stored token is damaged: remove it and save the card again.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.damaged"),
    #: This saved card expired at the end of {expiry}: ask the customer for a new card.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.expired"),
    #: The saved cards' key in {where} cannot be used: {problem}
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.key_unavailable"),
    #: Saved cards need this install's card key, which is not available: {why}
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.no_key"),
    #: This saved card has no network transaction id from its first payment: it can be charged only with the customer present.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.no_network_id"),
    #: This card is not saved yet: its first payment is still being checked.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.not_ready"),
    #: This saved card was stored under another key: remove it and save the card again.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.other_key"),
    #: This saved card was removed: ask the customer for a card.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.removed"),
    #: This saved card was removed already.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.removed_already"),
    #: Removed from this till. Antom could not confirm the token was unbound.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.removed_here"),
    #: The saved card was removed.
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.removed_ok"),
    #: Saved cards are not available
    QT_TRANSLATE_NOOP("ServiceMessage", "saved_card.unavailable"),
    # issue 14: closing the day
    #: {day} has not begun: it cannot be closed.
    QT_TRANSLATE_NOOP("ServiceMessage", "day.close_future"),
    #: {day} is closed already.
    QT_TRANSLATE_NOOP("ServiceMessage", "day.closed_already"),
    #: Close the day at the till (manager PIN).
    QT_TRANSLATE_NOOP("ServiceMessage", "day.close_needs_till"),
    #: the password cannot be stored: no usable system keyring ({detail})
    QT_TRANSLATE_NOOP("ServiceMessage", "journal_server.keyring"),
    #: {server} does not answer: {detail}
    QT_TRANSLATE_NOOP("ServiceMessage", "journal_server.unreachable"),
)
