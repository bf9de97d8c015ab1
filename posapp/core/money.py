"""Money as integer minor units plus an ISO 4217 currency, with Antom's exponent table.

Floats never appear: amounts are parsed from text with exact decimal arithmetic and kept
as ``int`` minor units. The table is Antom's amount-currency rules (docs.antom.com/ac/ref/cc).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from posapp.core.usertext import UserText

# Minor-unit exponents Antom publishes; a currency not listed here is refused.
EXPONENTS: dict[str, int] = {
    **dict.fromkeys(("CLP", "JPY", "KRW", "VND"), 0),
    **dict.fromkeys(
        (
            "AUD",
            "BDT",
            "BRL",
            "CAD",
            "CNY",
            "EUR",
            "GBP",
            "HKD",
            "IDR",
            "MXN",
            "MYR",
            "NZD",
            "PEN",
            "PHP",
            "PKR",
            "PLN",
            "SGD",
            "THB",
            "TWD",
            "USD",
        ),
        2,
    ),
}
# Antom requires some values to be a multiple of N minor units (IDR: last two digits 00).
MINOR_MULTIPLE: dict[str, int] = {"IDR": 100}
MAX_VALUE_DIGITS = 16

_DIGITS = re.compile(r"[0-9]+")
_CURRENCY = re.compile(r"[A-Z]{3}")


class MoneyError(ValueError):
    """An amount or currency that Antom would refuse; the message is fit for a user."""


def exponent(currency: str) -> int:
    """The number of decimals of ``currency``; MoneyError if Antom does not support it."""
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise MoneyError(f"{currency!r} is not a currency code (three capital letters)")
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"Antom does not support the currency {currency}") from None


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (USD 1.00 is Money(100, "USD"))."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money.minor must be an int, not {type(self.minor).__name__}")
        exponent(self.currency)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal amount typed by a person ("12.50", "1,234.5", "500").

        Thousands separators (``,``, spaces, apostrophes, underscores) are ignored; the
        decimal separator is ``.``. More decimals than the currency has is an error, never
        a rounding.
        """
        places = exponent(currency)
        cleaned = re.sub(r"[,\s'_\u00a0\u202f]", "", text or "")
        if not cleaned:
            raise MoneyError(UserText("amount.missing", "Enter an amount"))
        not_amount = UserText("amount.not_a_number", "{text!r} is not an amount", text=text.strip())
        if not re.fullmatch(r"[0-9]*\.?[0-9]*", cleaned) or cleaned == ".":
            raise MoneyError(not_amount)
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise MoneyError(not_amount) from None
        scaled = value.scaleb(places)
        if scaled != scaled.to_integral_value():
            if places == 0:
                raise MoneyError(
                    UserText("amount.no_decimals", "{currency} has no decimals", currency=currency)
                )
            raise MoneyError(
                UserText(
                    "amount.too_many_decimals",
                    "{currency} has at most {places} decimals",
                    currency=currency,
                    places=places,
                )
            )
        money = cls(int(scaled), currency)
        money.check_antom()
        return money

    @classmethod
    def from_antom(cls, obj: Mapping[str, Any]) -> Money:
        """Read an Antom Amount object ``{"currency": "USD", "value": "100"}`` strictly."""
        if not isinstance(obj, Mapping):
            raise MoneyError("amount must be an object with currency and value")
        currency, value = obj.get("currency"), obj.get("value")
        if not isinstance(currency, str):
            raise MoneyError("amount.currency is missing or not a string")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # lenient: some integrations send a JSON number
        if not isinstance(value, str) or not _DIGITS.fullmatch(value):
            raise MoneyError("amount.value must be a string of digits")
        if len(value) > MAX_VALUE_DIGITS:
            raise MoneyError(f"amount.value has more than {MAX_VALUE_DIGITS} digits")
        return cls(int(value), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    # -- checks and output --------------------------------------------------------------
    def check_antom(self) -> None:
        """MoneyError unless Antom would accept this as a payment amount value."""
        if self.minor < 0:
            raise MoneyError(UserText("amount.negative", "The amount cannot be negative"))
        if len(str(self.minor)) > MAX_VALUE_DIGITS:
            raise MoneyError(UserText("amount.too_large", "The amount is too large"))
        multiple = MINOR_MULTIPLE.get(self.currency, 1)
        if self.minor % multiple:
            raise MoneyError(
                UserText(
                    "amount.whole_units",
                    "{currency} amounts must be whole units (a multiple of {unit})",
                    currency=self.currency,
                    unit=Money(multiple, self.currency).format(),
                )
            )

    def to_antom(self) -> dict[str, str]:
        """The Antom Amount object: value is a digit string in minor units."""
        self.check_antom()
        return {"currency": self.currency, "value": str(self.minor)}

    @property
    def exponent(self) -> int:
        return EXPONENTS[self.currency]

    def format(self, *, thousands: str = "") -> str:
        """Plain decimal text without the currency: ``12.50``; ``1,234.50`` with thousands=','."""
        places = self.exponent
        sign = "-" if self.minor < 0 else ""
        units, frac = divmod(abs(self.minor), 10**places)
        whole = f"{units:,}".replace(",", thousands) if thousands else str(units)
        return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"

    def __str__(self) -> str:
        return f"{self.currency} {self.format(thousands=',')}"

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor
