"""Reading an Antom request body strictly: every failure names the field at fault."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from posapp.core.money import EXPONENTS, MAX_VALUE_DIGITS, Money, MoneyError


class ApiError(Exception):
    """A request the sandbox refuses: answered as ``result`` with this code (status F)."""

    def __init__(self, code: str, message: str, status: str = "F") -> None:
        super().__init__(message)
        self.code = code
        self.message = message[:256]
        self.status = status


def illegal(path: str, problem: str) -> ApiError:
    return ApiError("PARAM_ILLEGAL", f"{path}: {problem}")


Json = dict[str, Any]


def obj(parent: Json, key: str, path: str, *, required: bool = True) -> Json | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise illegal(path, "is required")
        return None
    if not isinstance(value, dict):
        raise illegal(path, "must be an object")
    return value


def req_obj(parent: Json, key: str, path: str) -> Json:
    value = obj(parent, key, path, required=True)
    assert value is not None
    return value


def text(parent: Json, key: str, path: str, max_len: int, *, required: bool = True) -> str | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise illegal(path, "is required")
        return None
    if not isinstance(value, str):
        raise illegal(path, "must be a string")
    if required and not value.strip():
        raise illegal(path, "must not be empty")
    if len(value) > max_len:
        raise illegal(path, f"is longer than {max_len} characters")
    return value


def req_text(parent: Json, key: str, path: str, max_len: int) -> str:
    value = text(parent, key, path, max_len, required=True)
    assert value is not None
    return value


def flag(parent: Json, key: str, path: str) -> bool | None:
    """A Boolean: JSON true/false, or the strings "true"/"false" (the docs' all-strings form)."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise illegal(path, "must be true or false")


def amount(parent: Json, key: str, path: str, *, positive: bool = True) -> Money:
    raw = req_obj(parent, key, path)
    currency = raw.get("currency")
    if not isinstance(currency, str):
        raise illegal(f"{path}.currency", "is required (a string)")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise illegal(f"{path}.currency", "must be three capital letters (ISO 4217)")
    if currency not in EXPONENTS:
        raise ApiError("CURRENCY_NOT_SUPPORT", f"{path}.currency: {currency} is not supported")
    value = raw.get("value")
    if not isinstance(value, str):
        raise illegal(f"{path}.value", "is required (a string of digits)")
    if not value.isdigit() or not value.isascii():
        raise illegal(f"{path}.value", "must be digits only, in minor units")
    if len(value) > MAX_VALUE_DIGITS:
        raise illegal(f"{path}.value", f"has more than {MAX_VALUE_DIGITS} digits")
    try:
        money = Money(int(value), currency)
        money.check_antom()
    except MoneyError as exc:
        raise ApiError("INVALID_AMOUNT", f"{path}: {exc}") from None
    if positive and money.minor <= 0:
        raise ApiError("INVALID_AMOUNT", f"{path}.value must be greater than 0")
    return money


def url(parent: Json, key: str, path: str, max_len: int) -> str | None:
    value = text(parent, key, path, max_len, required=False)
    if value is None or value == "":
        return None
    if not re.match(r"https?://[^\s/]+", value):
        raise illegal(path, "must be an http(s) URL")
    return value


def moment(parent: Json, key: str, path: str) -> datetime | None:
    value = text(parent, key, path, 64, required=False)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise illegal(path, "must be an ISO 8601 date-time with an offset") from None
    if parsed.tzinfo is None:
        raise illegal(path, "must have a UTC offset")
    return parsed


def one_of(parent: Json, key: str, path: str, allowed: tuple[str, ...], default: str) -> str:
    value = text(parent, key, path, 64, required=False)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise illegal(path, f"must be one of {', '.join(allowed)}")
    return value
