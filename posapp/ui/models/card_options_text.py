"""The card options of a payment in words, read from its journaled pay request: instalments,
a charge without the customer (and its kind), a saved card, the chosen brand of a co-badged
card, an external 3-D Secure result, the consent to save the card.

The journal is the record (the request as sent, tokens and the CAVV already removed), so
Orders, the receipt and New payment's result read the same facts the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication

from posapp.core.domain import Event, EventKind


def pay_body(events: Iterable[Event]) -> Mapping[str, Any]:
    """The journaled body of the payment's (first) pay request; {} when none."""
    for event in events:
        if event.kind is EventKind.REQUEST_SENT and event.api == "pay":
            body = (event.detail or {}).get("body")
            if isinstance(body, Mapping):
                return body
    return {}


def installments_of(body: Mapping[str, Any]) -> int | None:
    plan = body.get("creditPayPlan")
    if isinstance(plan, Mapping):
        n = plan.get("installmentNum")
        if isinstance(n, int) and not isinstance(n, bool):
            return n
        if isinstance(n, str) and n.isdigit():
            return int(n)
    return None


def option_words(body: Mapping[str, Any]) -> list[str]:
    """Each card option of the request, in the UI's language (empty for a plain payment)."""
    method = body.get("paymentMethod")
    method = method if isinstance(method, Mapping) else {}
    meta = method.get("paymentMethodMetaData")
    meta = meta if isinstance(meta, Mapping) else {}
    words = []
    periods = installments_of(body)
    if periods:
        words.append(
            QCoreApplication.translate("CardOptions", "%1 monthly instalments").replace(
                "%1", str(periods)
            )
        )
    recurring = meta.get("recurringType")
    if recurring == "SCHEDULED":
        words.append(
            QCoreApplication.translate("CardOptions", "charged without the customer (scheduled)")
        )
    elif recurring == "UNSCHEDULED":
        words.append(
            QCoreApplication.translate("CardOptions", "charged without the customer (unscheduled)")
        )
    elif "paymentMethodId" in method:
        words.append(QCoreApplication.translate("CardOptions", "saved card"))
    if meta.get("tokenize") is True:
        words.append(QCoreApplication.translate("CardOptions", "card saved for later charges"))
    brand = meta.get("selectedCardBrand")
    if isinstance(brand, str) and brand:
        words.append(
            QCoreApplication.translate("CardOptions", "brand chosen: %1").replace(
                "%1", brand.replace("_", " ").title()
            )
        )
    if "mpiData" in meta:
        words.append(QCoreApplication.translate("CardOptions", "external 3-D Secure result"))
    return words


def options_text(body: Mapping[str, Any]) -> str:
    return " · ".join(option_words(body))


__all__ = ["installments_of", "option_words", "options_text", "pay_body"]
