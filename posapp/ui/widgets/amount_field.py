"""AmountField: an amount typed in the locale's format with exactly the currency's decimals."""

from __future__ import annotations

import re

from PySide6.QtCore import QLocale, QRegularExpression, Signal
from PySide6.QtGui import QFocusEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QWidget

from posapp.core.money import Money, MoneyError, exponent


class AmountField(QLineEdit):
    """Accepts digits, the locale's group separator and at most the currency's decimals.

    ``money()`` parses exactly (no floats). On focus-out the text is reformatted in the
    locale's style (``1,234.50`` in en_US, ``1.234,50`` in de_DE, ``1,235`` for JPY).

    Signals: ``amount_changed()`` whenever the text changes.
    """

    amount_changed = Signal()

    def __init__(
        self, currency: str = "SGD", parent: QWidget | None = None, locale: QLocale | None = None
    ) -> None:
        super().__init__(parent)
        self._locale = locale or QLocale()
        self._currency = currency
        self.setObjectName("amountField")
        self.textChanged.connect(self.amount_changed)
        self.set_currency(currency)

    @property
    def currency(self) -> str:
        return self._currency

    def set_currency(self, currency: str) -> None:
        places = exponent(currency)
        self._currency = currency
        dec = re.escape(self._locale.decimalPoint())
        group = re.escape(self._locale.groupSeparator())
        frac = f"({dec}[0-9]{{0,{places}}})?" if places else ""
        # Digits and group separators, then an optional decimal part of at most `places`.
        pattern = f"[0-9{group}]{{0,24}}{frac}"
        self.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self))
        zero = self._locale.toString(0.0, "f", places) if places else "0"
        self.setPlaceholderText(zero)
        self.setText("")

    def money(self) -> Money:
        """The amount; MoneyError (a message fit for the cashier) when empty, zero or bad."""
        text = self.text().strip()
        group = self._locale.groupSeparator()
        cleaned = text.replace(group, "").replace("\u00a0", "").replace("\u202f", "")
        cleaned = cleaned.replace(self._locale.decimalPoint(), ".")
        money = Money.parse(cleaned, self._currency)
        if money.minor <= 0:
            raise MoneyError(self.tr("Enter an amount above zero"))
        return money

    def set_money(self, money: Money) -> None:
        if money.currency != self._currency:
            self.set_currency(money.currency)
        self.setText(format_money(money, self._locale))

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        try:
            money = self.money()
        except MoneyError:
            return  # leave what was typed; the form shows the error on submit
        self.setText(format_money(money, self._locale))


def format_money(money: Money, locale: QLocale | None = None) -> str:
    """``money`` in the locale's number format, without the currency code."""
    loc = locale or QLocale()
    places = money.exponent
    units, frac = divmod(abs(money.minor), 10**places)
    whole = loc.toString(units)  # group separators the locale's way, from an int
    text = f"{whole}{loc.decimalPoint()}{frac:0{places}d}" if places else whole
    return f"-{text}" if money.minor < 0 else text


def format_money_with_currency(money: Money, locale: QLocale | None = None) -> str:
    return f"{money.currency} {format_money(money, locale)}"
