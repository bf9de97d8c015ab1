"""How the back-office UI reads and formats a journal payment, in one place.

Every view, the order model, the CSV export and the receipt go through these functions, so
the display of a payment (its time, masked card, amount, status) is the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from posapp.core.cards import MaskedCard
from posapp.core.money import Money

if TYPE_CHECKING:
    from posapp.ui.models.order_model import OrderQuery


def _tr(text: str) -> str:
    return QCoreApplication.translate("PaymentFields", text)


def _get(payment: Any, *names: str) -> Any:
    for name in names:
        value = getattr(payment, name, None)
        if value is not None:
            return value
    return None


def payment_id(payment: Any) -> str:
    return str(_get(payment, "payment_id") or "")


def request_id(payment: Any) -> str:
    return str(_get(payment, "payment_request_id", "request_id") or "")


def order_reference(payment: Any) -> str:
    return str(_get(payment, "order_reference", "reference_order_id", "order_ref") or "")


def created_at(payment: Any) -> datetime | None:
    value = _get(payment, "created_at", "created")
    return value if isinstance(value, datetime) else None


def amount(payment: Any) -> Money | None:
    value = _get(payment, "amount")
    return value if isinstance(value, Money) else None


def amount_text(payment: Any) -> str:
    money = amount(payment)
    return str(money) if money is not None else ""


def card(payment: Any) -> MaskedCard | None:
    value = _get(payment, "card")
    return value if isinstance(value, MaskedCard) else None


def card_text(payment: Any) -> str:
    masked = card(payment)
    if masked is not None:
        return masked.display
    brand, last4 = _get(payment, "card_brand", "brand"), _get(payment, "card_last4", "last4")
    if last4:
        return f"{brand or ''} •••• {last4}".strip()
    return ""


def card_brand(payment: Any) -> str:
    masked = card(payment)
    if masked is not None:
        return masked.brand
    return str(_get(payment, "card_brand", "brand") or "")


def card_last4(payment: Any) -> str:
    masked = card(payment)
    if masked is not None:
        return masked.last4
    return str(_get(payment, "card_last4", "last4") or "")


def status_name(payment: Any) -> str:
    status = _get(payment, "status")
    if status is None:
        return ""
    return str(getattr(status, "name", status))


_STATUS_LABELS = {
    "AUTHORISED": "Held",
    "AUTHORIZED": "Held",
    "CAPTURED": "Captured",
    "CANCELLED": "Cancelled",
    "CANCELED": "Cancelled",
    "DECLINED": "Declined",
    "FAILED": "Failed",
    "PENDING": "Pending",
    "PROCESSING": "Pending",
    "UNKNOWN": "Pending",
    "CREATED": "Sending",
    "NEEDS_3DS": "Needs 3DS",
    "REFUNDED": "Refunded",
    "PARTIALLY_REFUNDED": "Part refunded",
    "EXPIRED": "Released",
}


def status_label(payment: Any) -> str:
    return label_for_status(status_name(payment))


def label_for_status(name: str) -> str:
    label = _STATUS_LABELS.get(name.upper())
    return _tr(label) if label else name.replace("_", " ").capitalize()


def status_explained(payment: Any) -> str:
    message = _get(payment, "result_message", "message")
    code = _get(payment, "result_code", "code")
    label = status_label(payment)
    if message and code:
        return f"{label}: {message} ({code})"
    return label


def is_held(payment: Any) -> bool:
    """Authorised and not yet captured or cancelled: the funds are on hold."""
    return status_name(payment).upper() in ("AUTHORISED", "AUTHORIZED")


def capture_deadline(payment: Any) -> datetime | None:
    value = _get(payment, "auth_expires_at", "auth_expiry_time", "capture_deadline")
    return value if isinstance(value, datetime) else None


def network_transaction_id(payment: Any) -> str:
    return str(_get(payment, "network_transaction_id") or "")


def avs_result(payment: Any) -> str:
    return str(_get(payment, "avs_result", "avs_result_raw") or "")


def cvv_result(payment: Any) -> str:
    return str(_get(payment, "cvv_result", "cvv_result_raw") or "")


def auth_code(payment: Any) -> str:
    return str(_get(payment, "authorization_code", "auth_code") or "")


def format_time(value: datetime | None) -> str:
    """Local time, minutes precision: what a person reads on a till."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def matches(payment: Any, query: OrderQuery) -> bool:
    """Whether a payment belongs in a list with this query (for live inserts)."""
    if query.held and not is_held(payment):
        return False
    if query.statuses and status_name(payment) not in query.statuses:
        return False
    created = created_at(payment)
    if created is not None:
        if query.since is not None and created < query.since:
            return False
        if query.until is not None and created >= query.until:
            return False
    text = query.text.strip().lower()
    if text:
        haystack = (order_reference(payment), card_last4(payment), payment_id(payment))
        if not any(text in h.lower() for h in haystack):
            return False
    return True
