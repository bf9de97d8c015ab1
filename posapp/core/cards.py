"""Card numbers: normalising, Luhn, brand detection, CVV and expiry rules, masking.

The full card number (PAN) and the CVV exist only in memory, inside ``CardDetails``, whose
``repr`` hides them; everything that is stored uses ``MaskedCard`` (brand, first 6, last 4).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from posapp.core.usertext import UserText


class CardError(ValueError):
    """Bad card input; ``field`` names the input at fault, the message is fit for a user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class CardBrand(StrEnum):
    """Antom ``CardBrand`` values for the brands a till meets."""

    VISA = "VISA"
    MASTERCARD = "MASTERCARD"
    AMEX = "AMEX"
    JCB = "JCB"
    DISCOVER = "DISCOVER"
    DINERS = "DINERS"
    CUP = "CUP"
    MAESTRO = "MAESTRO"
    HYUNDAI = "HYUNDAI"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CardBrand.VISA: "Visa",
    CardBrand.MASTERCARD: "Mastercard",
    CardBrand.AMEX: "American Express",
    CardBrand.JCB: "JCB",
    CardBrand.DISCOVER: "Discover",
    CardBrand.DINERS: "Diners Club",
    CardBrand.CUP: "UnionPay",
    CardBrand.MAESTRO: "Maestro",
    CardBrand.HYUNDAI: "Hyundai",
}

# (brand, prefix ranges as (low, high) over the first len(low) digits, allowed lengths)
# Checked in order: the narrower ranges come first.
_RANGES: list[tuple[CardBrand, list[tuple[str, str]], tuple[int, ...]]] = [
    (CardBrand.AMEX, [("34", "34"), ("37", "37")], (15,)),
    (CardBrand.DINERS, [("300", "305"), ("36", "36"), ("38", "39")], (14, 15, 16, 17, 18, 19)),
    (CardBrand.JCB, [("3528", "3589")], (16, 17, 18, 19)),
    (CardBrand.DISCOVER, [("6011", "6011"), ("644", "649"), ("65", "65")], (16, 17, 18, 19)),
    (CardBrand.CUP, [("62", "62"), ("81", "81")], (16, 17, 18, 19)),
    (CardBrand.MASTERCARD, [("51", "55"), ("2221", "2720")], (16,)),
    (CardBrand.MAESTRO, [("50", "50"), ("56", "58"), ("6", "6")], (12, 13, 14, 15, 16, 17, 18, 19)),
    (CardBrand.VISA, [("4", "4")], (13, 16, 19)),
    # Antom's Korean Hyundai test card 9490 2200 ...: Korean domestic BINs start with 9.
    (CardBrand.HYUNDAI, [("9", "9")], (16,)),
]

PAN_MIN, PAN_MAX = 12, 19
_SEPARATORS = re.compile(r"[\s\-]")


def normalise_pan(text: str) -> str:
    """Digits only; spaces and dashes are dropped, anything else is an error."""
    digits = _SEPARATORS.sub("", text or "")
    if not digits:
        raise CardError("card_number", UserText("card.number_missing", "Enter the card number"))
    if not digits.isdigit() or not digits.isascii():
        raise CardError(
            "card_number",
            UserText("card.number_digits_only", "The card number may contain digits only"),
        )
    return digits


def luhn_ok(pan: str) -> bool:
    if not pan.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(pan)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# 12-19 digits, optionally grouped by single spaces or dashes. Only digits bound the run: a
# letter glued to a card number ("PAN4054...", "%3D4054...") must not let it through. Used by
# the free-text check below and by the log redactor (posapp.logs).
DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")
# Magnetic stripe data as a card reader types it. Track 1: ``%B<PAN>^<NAME>^<YYMM>...``
# (the start sentinel may be missing, the name may be empty); track 2: ``;<PAN>=<YYMM>...?``
# (either sentinel may be missing, but then the expiry digits after ``=`` must be there).
TRACK1 = re.compile(r"%?[Bb]\d{12,19}\^[^^\r\n]{0,26}\^")
TRACK2 = re.compile(r";\d{12,19}=\d*\??|\d{12,19}=\d{4}")


def card_number_runs(text: str) -> list[str]:
    """The Luhn-valid runs of 12-19 digits in ``text`` (spaces or dashes between digits
    allowed), as the digits only."""
    runs = []
    for match in DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group(0))
        if luhn_ok(digits):
            runs.append(digits)
    return runs


def has_card_data(text: str) -> bool:
    """True if ``text`` holds a card number (a Luhn-valid 12-19 digit run, spaced or dashed
    or not) or magnetic stripe track 1 / track 2 data. The one detector for free text."""
    if not text:
        return False
    return bool(TRACK1.search(text) or TRACK2.search(text) or card_number_runs(text))


def detect_brand(prefix: str) -> CardBrand | None:
    """The brand as soon as the typed prefix tells it, else None."""
    digits = _SEPARATORS.sub("", prefix or "")
    if not digits.isdigit():
        return None
    for brand, ranges, _lengths in _RANGES:
        for low, high in ranges:
            n = len(low)
            if len(digits) >= n and low <= digits[:n] <= high:
                return brand
    return None


def pan_lengths(brand: CardBrand | None) -> tuple[int, ...]:
    for b, _ranges, lengths in _RANGES:
        if b is brand:
            return lengths
    return tuple(range(PAN_MIN, PAN_MAX + 1))


def cvv_length(brand: CardBrand | None) -> int:
    """Amex prints a 4-digit CID on the front; every other brand a 3-digit CVV/CVC."""
    return 4 if brand is CardBrand.AMEX else 3


def group_pan(digits: str, brand: CardBrand | None = None) -> str:
    """Group digits the way the card prints them: 4-4-4-4, Amex 4-6-5."""
    brand = brand if brand is not None else detect_brand(digits)
    if brand is CardBrand.AMEX:
        parts = [digits[:4], digits[4:10], digits[10:15]]
    elif brand is CardBrand.DINERS and len(digits) == 14:
        parts = [digits[:4], digits[4:10], digits[10:14]]
    else:
        parts = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return " ".join(p for p in parts if p)


def validate_pan(text: str) -> tuple[str, CardBrand | None]:
    """Normalise and check a card number; return the digits and the brand."""
    pan = normalise_pan(text)
    brand = detect_brand(pan)
    if not PAN_MIN <= len(pan) <= PAN_MAX:
        raise CardError(
            "card_number",
            UserText(
                "card.number_length",
                "A card number has {min} to {max} digits",
                min=PAN_MIN,
                max=PAN_MAX,
            ),
        )
    if brand is not None and len(pan) not in pan_lengths(brand):
        allowed = "/".join(str(n) for n in pan_lengths(brand))  # "13/16/19": any language
        raise CardError(
            "card_number",
            UserText(
                "card.number_length_for_brand",
                "A {brand} card number has {lengths} digits",
                brand=brand.label,
                lengths=allowed,
            ),
        )
    if not luhn_ok(pan):
        raise CardError(
            "card_number",
            UserText("card.number_invalid", "This card number is not valid: check the digits"),
        )
    return pan, brand


def parse_expiry(text: str, today: date) -> tuple[int, int]:
    """'MM/YY' (also 'MMYY', 'MM/YYYY') -> (month, four-digit year); refuse past dates."""
    raw = (text or "").strip().replace(" ", "")
    m = re.fullmatch(r"(\d{1,2})/?(\d{2}|\d{4})", raw)
    if not raw:
        raise CardError("expiry", UserText("card.expiry_missing", "Enter the expiry date (MM/YY)"))
    if not m:
        raise CardError("expiry", UserText("card.expiry_format", "Write the expiry date as MM/YY"))
    month, year = int(m.group(1)), int(m.group(2))
    if len(m.group(2)) == 2:
        year += 2000
    if not 1 <= month <= 12:
        raise CardError(
            "expiry", UserText("card.expiry_month", "The expiry month must be 01 to 12")
        )
    if (year, month) < (today.year, today.month):
        raise CardError("expiry", UserText("card.expired", "This card has expired"))
    if year > today.year + 25:
        raise CardError(
            "expiry", UserText("card.expiry_too_far", "The expiry year is too far in the future")
        )
    return month, year


def validate_cvv(text: str, brand: CardBrand | None) -> str:
    cvv = (text or "").strip()
    need = cvv_length(brand)
    if not cvv:
        raise CardError("cvv", UserText("card.cvv_missing", "Enter the security code"))
    if not cvv.isdigit() or not cvv.isascii():
        raise CardError("cvv", UserText("card.cvv_digits_only", "The security code is digits only"))
    if len(cvv) != need:
        if brand is None:
            raise CardError(
                "cvv",
                UserText(
                    "card.cvv_length",
                    "The security code of this card has {digits} digits",
                    digits=need,
                ),
            )
        raise CardError(
            "cvv",
            UserText(
                "card.cvv_length_for_brand",
                "The security code of {brand} has {digits} digits",
                brand=brand.label,
                digits=need,
            ),
        )
    return cvv


@dataclass(frozen=True, slots=True)
class MaskedCard:
    """What may be stored about a card: brand, first six and last four digits."""

    brand: str
    bin6: str
    last4: str

    @property
    def display(self) -> str:
        label = CardBrand(self.brand).label if self.brand in CardBrand.__members__ else self.brand
        return f"{label} •••• {self.last4}"

    @property
    def masked(self) -> str:
        return f"{self.bin6}******{self.last4}"


def mask(pan: str, brand: CardBrand | None = None) -> MaskedCard:
    brand = brand if brand is not None else detect_brand(pan)
    return MaskedCard(brand.value if brand else "UNKNOWN", pan[:6], pan[-4:])


def fingerprint(pan: str, key: bytes) -> str:
    """A keyed fingerprint (HMAC-SHA256): same card -> same value, never reversible."""
    return hmac.new(key, pan.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class CardDetails:
    """A keyed-in card, in memory only. ``repr`` and ``str`` never show the PAN or CVV."""

    pan: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    cvv: str = field(repr=False)
    first_name: str = ""
    last_name: str = ""
    brand: CardBrand | None = None

    def __repr__(self) -> str:
        return f"CardDetails({self.masked().masked}, {self.expiry_month:02d}/{self.expiry_year})"

    __str__ = __repr__

    def masked(self) -> MaskedCard:
        return mask(self.pan, self.brand)

    @property
    def expiry_mm(self) -> str:
        return f"{self.expiry_month:02d}"

    @property
    def expiry_yy(self) -> str:
        return f"{self.expiry_year % 100:02d}"
