"""Checkout input checks: card, amount, references, field lengths, the non-Latin warning."""

from __future__ import annotations

from datetime import date

import pytest

from posapp.core.cards import CardBrand, CardDetails, CardError
from posapp.core.money import Money
from posapp.core.services.validation import (
    Billing,
    CheckoutInputError,
    check_amount,
    check_billing,
    check_card,
    check_reference,
    latin_warnings,
    non_latin,
    read_card,
)

TODAY = date(2026, 11, 25)
VISA_OK = "4054695723100768"


def test_read_card_builds_details_with_brand() -> None:
    card = read_card("4054 6957 2310 0768", "12/28", "123", TODAY, first_name=" Ann ")
    assert card.brand is CardBrand.VISA and card.expiry_year == 2028
    assert card.first_name == "Ann"
    assert VISA_OK not in repr(card)


@pytest.mark.parametrize(
    ("number", "expiry", "cvv", "field"),
    [
        ("4054695723100769", "12/28", "123", "card_number"),  # Luhn
        ("4054 6957 2310", "12/28", "123", "card_number"),  # too short for Visa
        (VISA_OK, "13/28", "123", "expiry"),
        (VISA_OK, "10/26", "123", "expiry"),  # expired
        (VISA_OK, "12/28", "12", "cvv"),
        ("378282246310005", "12/28", "123", "cvv"),  # Amex needs 4
    ],
)
def test_read_card_errors_name_the_field(number: str, expiry: str, cvv: str, field: str) -> None:
    with pytest.raises(CardError) as info:
        read_card(number, expiry, cvv, TODAY)
    assert info.value.field == field


def test_check_card_rechecks_details_built_elsewhere() -> None:
    good = CardDetails(VISA_OK, 12, 2028, "123", brand=CardBrand.VISA)
    check_card(good, TODAY)
    amex = CardDetails("378282246310005", 12, 2028, "1234", brand=CardBrand.AMEX)
    check_card(amex, TODAY)
    for bad, field in [
        (CardDetails("4054695723100769", 12, 2028, "123"), "card_number"),
        (CardDetails(VISA_OK, 12, 2028, "1234", brand=CardBrand.VISA), "cvv"),
        (CardDetails(VISA_OK, 1, 2020, "123"), "expiry"),
        (CardDetails(VISA_OK, 12, 2028, "123", brand=CardBrand.AMEX), "card_number"),
        (CardDetails(VISA_OK, 12, 2028, "123", first_name="x" * 33), "first_name"),
    ]:
        with pytest.raises(CheckoutInputError) as info:
            check_card(bad, TODAY)
        assert info.value.field == field


@pytest.mark.parametrize(
    ("amount", "needle"),
    [
        (Money(0, "USD"), "more than zero"),
        (Money(150, "IDR"), "whole units"),
        (Money(10**17, "USD"), "too large"),
    ],
)
def test_amount_rules(amount: Money, needle: str) -> None:
    with pytest.raises(CheckoutInputError, match=needle) as info:
        check_amount(amount)
    assert info.value.field == "amount"


def test_amount_currency_must_be_the_tills() -> None:
    check_amount(Money(100, "SGD"), "SGD")
    with pytest.raises(CheckoutInputError, match="takes SGD"):
        check_amount(Money(100, "USD"), "SGD")


def test_decimals_come_from_money_parse() -> None:
    # the amount field parses with Money.parse; too many decimals never round
    from posapp.core.money import MoneyError

    with pytest.raises(MoneyError, match="no decimals"):
        Money.parse("100.5", "JPY")
    with pytest.raises(MoneyError, match="at most 2"):
        Money.parse("1.005", "USD")


@pytest.mark.parametrize("ref", ["", "x" * 65, "order 1", "订单1", "a\x00b"])
def test_bad_references(ref: str) -> None:
    with pytest.raises(CheckoutInputError) as info:
        check_reference(ref)
    assert info.value.field == "reference"


def test_billing_checks() -> None:
    check_billing(Billing("1 Main St", "Springfield", "IL", "62701", "US"))
    with pytest.raises(CheckoutInputError) as info:
        check_billing(Billing(zip_code="ABCDEFGHIJKL"))
    assert info.value.field == "zip_code"
    with pytest.raises(CheckoutInputError) as info:
        check_billing(Billing(region="usa"))
    assert info.value.field == "region"


def test_non_latin_detection() -> None:
    assert non_latin("咖啡 x2")
    assert non_latin("Кофе")
    assert not non_latin("Café crème, 2 × 3.50 €")
    warnings = latin_warnings({"description": "咖啡", "first_name": "Zoë", "last_name": ""})
    assert [w.field for w in warnings] == ["description"]
    assert "Chinese" in warnings[0].message


def test_a_reference_that_looks_like_a_card_number_is_refused() -> None:
    with pytest.raises(CheckoutInputError, match="looks like a card number"):
        check_reference("ORD-4054695723100768")
    with pytest.raises(CheckoutInputError, match="looks like a card number"):
        check_reference("4054-6957-2310-0768")
    check_reference("ORD-4054695723100769")  # not Luhn-valid: an ordinary number
    check_reference("ORD261125T191630-AB12")
