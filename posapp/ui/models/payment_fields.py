"""How the back-office UI reads and formats a journal payment, in one place.

Every view, the order model, the CSV export and the receipt go through these functions, so
the display of a payment (its time, masked card, amount, status) is the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from posapp.core.cards import MaskedCard
from posapp.core.domain import HELD_STATUSES as HELD_STATUSES  # re-exported for the views
from posapp.core.domain import Payment, PaymentStatus
from posapp.core.journal.search import text_matches
from posapp.core.money import Money
from posapp.core.rules import status_text
from posapp.core.services.settle import NO_VALID_APPROVAL, REFUSED_NO_APPROVAL
from posapp.ui.i18n import on_catalogue_change, result_words, service_text

if TYPE_CHECKING:
    from posapp.ui.models.order_model import OrderQuery


def key(payment: Payment) -> int:
    """The local journal id: stable from the intent on (``payment_id`` comes later)."""
    return int(payment.id)


def payment_id(payment: Payment) -> str:
    return str(payment.payment_id or "")


def request_id(payment: Payment) -> str:
    return str(payment.payment_request_id or "")


def order_reference(payment: Payment) -> str:
    return str(payment.reference_order_id or "")


def created_at(payment: Payment) -> datetime | None:
    value = payment.created_at
    return value if isinstance(value, datetime) else None


def amount(payment: Payment) -> Money | None:
    value = payment.amount
    return value if isinstance(value, Money) else None


def amount_text(payment: Payment) -> str:
    money = amount(payment)
    return money_text(money) if money is not None else ""


def money_text(money: Money) -> str:
    return str(money)


def card(payment: Payment) -> MaskedCard | None:
    value = payment.card
    return value if isinstance(value, MaskedCard) else None


def card_text(payment: Payment) -> str:
    masked = card(payment)
    return masked.display if masked is not None else ""


def card_text_unbroken(payment: Payment) -> str:
    """The masked card with no-break spaces: a wrapped heading never splits "•••• 4622"."""
    return card_text(payment).replace(" ", "\u00a0")


def card_brand(payment: Payment) -> str:
    masked = card(payment)
    return masked.brand if masked is not None else ""


def card_last4(payment: Payment) -> str:
    masked = card(payment)
    return masked.last4 if masked is not None else ""


def status(payment: Payment) -> PaymentStatus | None:
    value = payment.status
    return value if isinstance(value, PaymentStatus) else None


def status_name(payment: Payment) -> str:
    value = status(payment)
    return value.value if value is not None else ""


def status_label(payment: Payment) -> str:
    value = status(payment)
    return label_for_status(value) if value is not None else ""


_LABELS: dict[PaymentStatus, str] = {}


def forget_translations() -> None:
    """Drop the status words built for the catalogue in use (the language changed)."""
    _LABELS.clear()


on_catalogue_change(forget_translations)


def label_for_status(value: PaymentStatus) -> str:
    """The status in the user's language: the domain's label (``PaymentStatus.label``, the
    one table of status words), translated through its in-sentence id (``status.*``,
    ``posapp.core.rules.status_text``); English keeps the label's capital."""
    label = _LABELS.get(value)
    if label is None:
        word = status_text(value)
        shown = service_text(word)
        label = _LABELS[value] = value.label if shown == str(word) else shown
    return label


# Pill tones (the names of posapp.ui.widgets.status_pill.Tone) per status.
TONES: dict[PaymentStatus, str] = {
    PaymentStatus.INTENT: "warn",
    PaymentStatus.PENDING: "warn",
    PaymentStatus.NEEDS_3DS: "warn",
    PaymentStatus.AUTHORISED: "info",
    PaymentStatus.CAPTURE_PENDING: "warn",
    PaymentStatus.CANCEL_PENDING: "warn",
    PaymentStatus.CAPTURED: "good",
    PaymentStatus.PARTIALLY_REFUNDED: "good",
    PaymentStatus.REFUNDED: "neutral",
    PaymentStatus.DECLINED: "bad",
    PaymentStatus.CANCELLED: "neutral",
    PaymentStatus.RELEASED: "bad",
    PaymentStatus.NOT_SENT: "neutral",
}


def status_explained(payment: Payment) -> str:
    label = status_label(payment)
    message, code = payment.result_message, payment.result_code
    if code == NO_VALID_APPROVAL:
        message = service_text(REFUSED_NO_APPROVAL)  # never sent: our words, not Antom's
    elif code and message:
        # Antom's words for the code in the English UI, ours in a translated one
        message = result_words(code, message)
    if message and code:
        return (
            QCoreApplication.translate("PaymentFields", "{0}: {1} ({2})")
            .replace("{0}", label)
            .replace("{2}", code)
            .replace("{1}", message)
        )
    if code:
        return f"{label} ({code})"
    return label


def is_held(payment: Payment) -> bool:
    """Authorised and not captured or cancelled yet: the funds are on hold (or just lapsed)."""
    value = status(payment)
    return value is not None and value.shows_capture_deadline


def capture_deadline(payment: Payment) -> datetime | None:
    value = payment.capture_deadline
    return value if isinstance(value, datetime) else None


def network_transaction_id(payment: Payment) -> str:
    return str(payment.network_transaction_id or "")


def avs_result(payment: Payment) -> str:
    return str(payment.avs_result or "")


def cvv_result(payment: Payment) -> str:
    return str(payment.cvv_result or "")


def auth_code(payment: Payment) -> str:
    return str(payment.auth_code or "")


def format_time(value: datetime | None) -> str:
    """Local time, minutes precision: what a person reads on a till."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def is_duplicate(payment: Payment, duplicate_orders: frozenset[str] | set[str]) -> bool:
    """A payment holding money for an order that has more than one successful payment."""
    value = status(payment)
    return value is not None and value.holds_money and order_reference(payment) in duplicate_orders


def matches(payment: Payment, query: OrderQuery) -> bool:
    """Whether a payment belongs in a list with this query (live inserts, the Held and
    Duplicates lists): the same rows the journal's query would give."""
    if query.held and not is_held(payment):
        return False
    if query.duplicates:
        return False  # the Duplicates list is read again when the set of duplicates changes
    if query.statuses and status(payment) not in query.statuses:
        return False
    if query.terminal and payment.terminal_id != query.terminal:
        return False
    created = created_at(payment)
    if created is not None:
        if query.since is not None and created < query.since:
            return False
        if query.until is not None and created >= query.until:
            return False
    # the journal's own search (its SQL and this predicate are one definition)
    return text_matches(payment, query.text)


def format_time_short(value: datetime | None) -> str:
    """Month, day and time: the order list's column (the tooltip has the year)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%m-%d %H:%M")


def format_time_seconds(value: datetime | None) -> str:
    """Local time with seconds, for timelines where the order of events matters."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%m-%d %H:%M:%S")
