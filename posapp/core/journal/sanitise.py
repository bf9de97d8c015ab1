"""Make request and response bodies safe to journal: no card number, no CVV, ever.

Known card fields are replaced (``cardNo`` by its masked form ``405469******0768``, the
security code and similar secrets by ``"[removed]"``); as a second line of defence every
string anywhere in the body is scanned for card-number-like digit runs, which are masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from posapp.core.cards import DIGIT_RUN, detect_brand, luhn_ok

# Keys (compared case-insensitively) whose values are removed outright.
SECRET_KEYS = frozenset(
    {
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "cid",
        "csc",
        "securitycode",
        "cardpassworddigest",
        "cavv",
        "mpidata",
        "privatekey",
        "merchantprivatekey",
        # a stored card's token charges the card for whoever holds the merchant keys
        "cardtoken",
        "paymentmethodid",
        "token",
    }
)
# Keys whose values are card numbers: kept as first six + last four.
PAN_KEYS = frozenset({"cardno", "cardnumber", "card_number", "pan", "accountnumber"})
REMOVED = "[removed]"


def mask_pan_text(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 10:
        return REMOVED
    return f"{digits[:6]}******{digits[-4:]}"


def _scrub_string(text: str) -> str:
    def sub(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if luhn_ok(digits) or (len(digits) >= 14 and detect_brand(digits) is not None):
            return f"{digits[:6]}******{digits[-4:]}"
        return match.group(0)

    return DIGIT_RUN.sub(sub, text)


def sanitise(value: Any) -> Any:
    """A deep copy of a JSON-like value with card numbers masked and secrets removed."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            lowered = name.lower()
            if lowered in SECRET_KEYS:
                out[name] = REMOVED
            elif lowered in PAN_KEYS:
                out[name] = mask_pan_text(str(item)) if item is not None else None
            else:
                out[name] = sanitise(item)
        return out
    if isinstance(value, list | tuple):
        return [sanitise(item) for item in value]
    if isinstance(value, str):
        return _scrub_string(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return _scrub_string(str(value))
