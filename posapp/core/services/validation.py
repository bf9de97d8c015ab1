"""Checking a payment before anything is journaled or sent.

Errors name the form field (``CheckoutInputError.field``) so the screen can show the message
next to it. Warnings do not stop the payment: the cashier sees them and goes on. The one
warning here is the seed's: Antom's card channels are Latin-script; Chinese (or any other
non-Latin) text in a field sent to Antom may be refused or garbled on the buyer's statement.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from posapp.core.cards import (
    CardDetails,
    CardError,
    has_card_data,
    luhn_ok,
    pan_lengths,
    parse_expiry,
    validate_cvv,
    validate_pan,
)
from posapp.core.money import Money, MoneyError
from posapp.core.usertext import UserText

# Antom field limits (protocol reference §3.3).
MAX_REFERENCE = 64
MAX_DESCRIPTION = 256
MAX_NAME = 32
MAX_ADDRESS = 256
MAX_CITY = 32
MAX_STATE = 8
MAX_ZIP = 32
_ID_CHARS = re.compile(r"[A-Za-z0-9_.:\-]+")


class CheckoutInputError(ValueError):
    """Input refused before sending; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message  # a UserText for every refusal made here


@dataclass(frozen=True, slots=True)
class InputWarning:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Billing:
    """Billing address sent as ``cardholder billingAddress`` (AVS); all optional."""

    address1: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    region: str = ""  # ISO 3166 alpha-2

    def is_empty(self) -> bool:
        return not any((self.address1, self.city, self.state, self.zip_code, self.region))


def read_card(
    number: str,
    expiry: str,
    cvv: str,
    today: date,
    *,
    first_name: str = "",
    last_name: str = "",
) -> CardDetails:
    """Build ``CardDetails`` from typed text; CardError (with the field) on bad input."""
    pan, brand = validate_pan(number)
    month, year = parse_expiry(expiry, today)
    code = validate_cvv(cvv, brand)
    return CardDetails(
        pan=pan,
        expiry_month=month,
        expiry_year=year,
        cvv=code,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        brand=brand,
    )


def non_latin(text: str) -> bool:
    """True if ``text`` has letters outside the Latin script (CJK, Cyrillic, Arabic...)."""
    for ch in text:
        if ch.isascii() or not ch.isalpha():
            continue
        try:
            name = unicodedata.name(ch)
        except ValueError:
            return True
        if "LATIN" not in name:
            return True
    return False


# What the field is called inside a sentence ("Enter the order reference").
_LABELS = {
    "first_name": UserText("field.first_name", "first name"),
    "last_name": UserText("field.last_name", "last name"),
    "reference": UserText("field.reference", "order reference"),
    "address1": UserText("field.address", "address"),
    "city": UserText("field.city", "city"),
    "state": UserText("field.state", "state"),
    "zip_code": UserText("field.postal_code", "postal code"),
    "description": UserText("field.description", "description"),
    "reason": UserText("field.refund_reason", "refund reason"),
    "merchant_name": UserText("field.store_name", "store name"),
    "terminal_id": UserText("field.terminal_id", "terminal id"),
    "payment_redirect_url": UserText("field.return_page", "return page"),
}


def _check_text(field: str, value: str, limit: int, *, required: bool = False) -> None:
    label = _LABELS[field]
    if required and not value.strip():
        raise CheckoutInputError(field, UserText("input.missing", "Enter the {field}", field=label))
    if len(value) > limit:
        raise CheckoutInputError(
            field,
            UserText(
                "input.too_long",
                "The {field} has at most {limit} characters",
                field=label,
                limit=limit,
            ),
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise CheckoutInputError(
            field,
            UserText(
                "input.control_characters", "The {field} contains control characters", field=label
            ),
        )
    check_no_card_data(field, value)


def card_data_problem(field: str, value: str) -> UserText | None:
    """The message for ``field`` (a key of the field labels: reference, description, names,
    address lines, refund reason) when ``value`` holds a card number or magnetic stripe track
    data, else None. The services refuse such text and the screens show this next to the field:
    free text is journaled and sent in clear, card data never is."""
    if not has_card_data(value):
        return None
    if field == "reference":
        return UserText(
            "reference.card_number",
            "The order reference looks like a card number: use another one",
        )
    return UserText(
        "input.card_data",
        "The {field} looks like card data (a card number or magnetic stripe track): remove it; "
        "if it is not a card number, split the digits with a letter or a slash",
        field=_LABELS[field],
    )


def check_no_card_data(field: str, value: str) -> None:
    """CheckoutInputError for ``field`` when ``value`` holds card data."""
    message = card_data_problem(field, value)
    if message is not None:
        raise CheckoutInputError(field, message)


def check_card(card: CardDetails, today: date) -> None:
    """Re-check a ``CardDetails`` built elsewhere (the UI builds it from its fields)."""
    if not card.pan.isdigit() or not luhn_ok(card.pan):
        raise CheckoutInputError(
            "card_number",
            UserText("card.number_invalid", "This card number is not valid: check the digits"),
        )
    try:
        _pan, brand = validate_pan(card.pan)
        if card.brand is not None and brand is not None and card.brand is not brand:
            raise CheckoutInputError(
                "card_number",
                UserText("card.brand_mismatch", "The card brand does not match the number"),
            )
        if brand is not None and len(card.pan) not in pan_lengths(brand):
            raise CheckoutInputError(
                "card_number", UserText("card.wrong_length", "The card number has the wrong length")
            )
        parse_expiry(f"{card.expiry_month:02d}/{card.expiry_year}", today)
        validate_cvv(card.cvv, brand)
    except CardError as exc:
        raise CheckoutInputError(exc.field, exc.message) from None
    _check_text("first_name", card.first_name, MAX_NAME)
    _check_text("last_name", card.last_name, MAX_NAME)


def check_amount(amount: Money, currency: str | None = None) -> None:
    if currency is not None and amount.currency != currency:
        raise CheckoutInputError(
            "amount",
            UserText(
                "amount.wrong_currency",
                "This till takes {till}, not {given}",
                till=currency,
                given=amount.currency,
            ),
        )
    if amount.minor <= 0:
        raise CheckoutInputError(
            "amount", UserText("amount.not_positive", "The amount must be more than zero")
        )
    try:
        amount.check_antom()
    except MoneyError as exc:
        raise CheckoutInputError("amount", exc.args[0]) from None


def check_reference(reference: str) -> None:
    _check_text("reference", reference, MAX_REFERENCE, required=True)
    if not _ID_CHARS.fullmatch(reference):
        raise CheckoutInputError(
            "reference",
            UserText(
                "reference.characters",
                "The order reference may hold letters, digits and - _ . : only",
            ),
        )
    # Card numbers never go into fields that are stored and sent in clear.
    check_no_card_data("reference", reference)


def check_billing(billing: Billing | None) -> None:
    if billing is None:
        return
    _check_text("address1", billing.address1, MAX_ADDRESS)
    _check_text("city", billing.city, MAX_CITY)
    _check_text("state", billing.state, MAX_STATE)
    _check_text("zip_code", billing.zip_code, MAX_ZIP)
    if billing.zip_code and not re.fullmatch(r"[A-Za-z0-9 \-]{1,10}", billing.zip_code):
        raise CheckoutInputError(
            "zip_code",
            UserText(
                "billing.postal_code",
                "The postal code has up to 10 letters, digits, spaces or hyphens",
            ),
        )
    if billing.region and not re.fullmatch(r"[A-Z]{2}", billing.region):
        raise CheckoutInputError(
            "region",
            UserText("billing.country", "The country is a two-letter code such as SG"),
        )


def latin_warnings(fields: dict[str, str]) -> list[InputWarning]:
    """A warning per field sent to Antom that holds non-Latin letters."""
    return [
        InputWarning(
            name,
            UserText(
                "input.non_latin",
                "This field has Chinese or other non-Latin characters; card networks may "
                "refuse them or print them garbled. Latin letters are safer.",
            ),
        )
        for name, value in fields.items()
        if value and non_latin(value)
    ]
