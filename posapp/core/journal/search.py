"""The order-list search, defined once: as SQL for the journal's pages and as a Python
predicate for rows judged in memory (live inserts, the Held and Duplicates lists).

A search text (trimmed) matches a payment when:

- it is four digits and equals the card's last 4, or
- it starts the order reference (ignoring the case of ASCII letters, as SQLite's NOCASE), or
- it starts Antom's paymentId or the paymentRequestId (case as typed).

Starts-with, not contains: each arm walks an index (a range scan, never a table scan).
"""

from __future__ import annotations

from typing import Any

from posapp.core.domain import Payment
from posapp.core.journal.dialect import SQLITE, Dialect

# (column, ignore ASCII case): the columns searched by prefix, in the order of the SQL arms
PREFIX_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("reference_order_id", True),
    ("payment_id", False),
    ("payment_request_id", False),
)
# U+10FFFF sorts after every character, so [text, text + U+10FFFF) is "starts with".
_AFTER_ALL = "\U0010ffff"
# SQLite's NOCASE folds the 26 ASCII letters only
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _is_last4(text: str) -> bool:
    return len(text) == 4 and text.isascii() and text.isdigit()


def text_arms(text: str, dialect: Dialect = SQLITE) -> list[tuple[str, list[Any]]]:
    """One indexed condition per searched column (combined with UNION, never OR)."""
    text = text.strip()
    if not text:
        return [("", [])]
    upper = text + _AFTER_ALL
    arms: list[tuple[str, list[Any]]] = [
        (
            f"{dialect.nocase(column, '>=')} AND {dialect.nocase(column, '<')}"
            if nocase
            else f"{column} >= ? AND {column} < ?",
            [text, upper],
        )
        for column, nocase in PREFIX_COLUMNS
    ]
    if _is_last4(text):
        arms.insert(0, ("card_last4 = ?", [text]))
    return arms


def text_matches(payment: Payment, text: str) -> bool:
    """The same search as ``text_arms``, for one payment in memory."""
    text = text.strip()
    if not text:
        return True
    if _is_last4(text) and payment.card.last4 == text:
        return True
    folded = text.translate(_ASCII_FOLD)
    for column, nocase in PREFIX_COLUMNS:
        value = getattr(payment, column) or ""
        if nocase and value.translate(_ASCII_FOLD).startswith(folded):
            return True
        if not nocase and value.startswith(text):
            return True
    return False
