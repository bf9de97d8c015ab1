from __future__ import annotations

from datetime import date

import pytest

from posapp.core.cards import (
    CardBrand,
    CardDetails,
    CardError,
    cvv_length,
    detect_brand,
    fingerprint,
    group_pan,
    luhn_ok,
    mask,
    parse_expiry,
    validate_cvv,
    validate_pan,
)

VISA = "4054695723100768"
MC = "5162774114974622"
AMEX = "378282246310005"


def test_luhn() -> None:
    assert luhn_ok(VISA) and luhn_ok(MC) and luhn_ok(AMEX)
    assert not luhn_ok("4054695723100769")
    assert not luhn_ok("40546957231007a8")


@pytest.mark.parametrize(
    ("prefix", "brand"),
    [
        ("4", CardBrand.VISA),
        ("51", CardBrand.MASTERCARD),
        ("2221", CardBrand.MASTERCARD),
        ("34", CardBrand.AMEX),
        ("37", CardBrand.AMEX),
        ("3530", CardBrand.JCB),
        ("6011", CardBrand.DISCOVER),
        ("62", CardBrand.CUP),
        ("", None),
        ("3", None),
    ],
)
def test_brand_from_prefix(prefix: str, brand: CardBrand | None) -> None:
    assert detect_brand(prefix) == brand


def test_grouping() -> None:
    assert group_pan(VISA) == "4054 6957 2310 0768"
    assert group_pan(AMEX) == "3782 822463 10005"
    assert group_pan("40546") == "4054 6"


def test_validate_pan_messages() -> None:
    assert validate_pan("4054 6957 2310 0768") == (VISA, CardBrand.VISA)
    with pytest.raises(CardError, match="not valid") as err:
        validate_pan("4054695723100769")
    assert err.value.field == "card_number"
    with pytest.raises(CardError, match="digits only"):
        validate_pan("4054-6957-2310-07x8")
    with pytest.raises(CardError, match="15 digits"):
        validate_pan("3782822463100050")
    with pytest.raises(CardError, match="Enter"):
        validate_pan("  ")


def test_expiry() -> None:
    today = date(2026, 11, 25)
    assert parse_expiry("12/28", today) == (12, 2028)
    assert parse_expiry("1128", today) == (11, 2028)
    assert parse_expiry("11/26", today) == (11, 2026)  # valid through the end of the month
    with pytest.raises(CardError, match="expired"):
        parse_expiry("10/26", today)
    with pytest.raises(CardError, match="01 to 12"):
        parse_expiry("13/28", today)
    with pytest.raises(CardError, match="MM/YY"):
        parse_expiry("12-2028x", today)


def test_cvv_per_brand() -> None:
    assert cvv_length(CardBrand.AMEX) == 4 and cvv_length(CardBrand.VISA) == 3
    assert validate_cvv("1234", CardBrand.AMEX) == "1234"
    with pytest.raises(CardError, match="3 digits"):
        validate_cvv("99", CardBrand.VISA)
    with pytest.raises(CardError, match="digits only"):
        validate_cvv("12a", CardBrand.VISA)


def test_masking_and_fingerprint_never_expose_the_pan() -> None:
    masked = mask(VISA)
    assert (masked.brand, masked.bin6, masked.last4) == ("VISA", "405469", "0768")
    assert masked.display == "Visa •••• 0768"
    fp = fingerprint(VISA, b"k1")
    assert fp == fingerprint(VISA, b"k1") != fingerprint(VISA, b"k2")
    assert VISA not in fp
    details = CardDetails(VISA, 12, 2028, "123", "Ann", "Lee", CardBrand.VISA)
    for text in (repr(details), str(details), f"{details}"):
        assert VISA not in text and "123" not in text.replace("12/", "")
