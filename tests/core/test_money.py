from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.core.money import EXPONENTS, Money, MoneyError, exponent


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "SGD", 1250),
        ("12.5", "SGD", 1250),
        ("1,234.56", "USD", 123456),
        ("0.01", "EUR", 1),
        ("500", "JPY", 500),
        ("1 000", "KRW", 1000),
        (".5", "GBP", 50),
        ("1200.00", "IDR", 120000),
    ],
)
def test_parse_exact(text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "fragment"),
    [
        ("12.345", "SGD", "at most 2 decimals"),
        ("12.5", "JPY", "no decimals"),
        ("", "SGD", "Enter an amount"),
        ("abc", "SGD", "not an amount"),
        ("-5", "SGD", "not an amount"),
        ("1e5", "SGD", "not an amount"),
        ("12.34", "IDR", "whole units"),
        ("99999999999999999", "USD", "too large"),
    ],
)
def test_parse_refuses_with_a_clear_message(text: str, currency: str, fragment: str) -> None:
    with pytest.raises(MoneyError, match=fragment):
        Money.parse(text, currency)


def test_unknown_and_malformed_currencies() -> None:
    with pytest.raises(MoneyError, match="does not support"):
        exponent("XXX")
    with pytest.raises(MoneyError, match="three capital letters"):
        exponent("usd")


def test_antom_round_trip_and_strictness() -> None:
    m = Money(1050, "USD")
    assert m.to_antom() == {"currency": "USD", "value": "1050"}
    assert Money.from_antom(m.to_antom()) == m
    for bad in (
        {"currency": "USD", "value": "10.50"},
        {"currency": "USD", "value": True},
        {"value": "1"},
    ):
        with pytest.raises(MoneyError):
            Money.from_antom(bad)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(10.5, "USD")  # type: ignore[arg-type]


def test_arithmetic_keeps_currency() -> None:
    assert Money(100, "SGD") + Money(50, "SGD") == Money(150, "SGD")
    assert Money(100, "SGD") - Money(150, "SGD") == Money(-50, "SGD")
    with pytest.raises(MoneyError):
        Money(1, "SGD") + Money(1, "USD")
    assert Money(1, "SGD") < Money(2, "SGD")


def test_format() -> None:
    assert Money(123456, "USD").format(thousands=",") == "1,234.56"
    assert Money(5, "USD").format() == "0.05"
    assert Money(1500, "JPY").format() == "1500"
    assert str(Money(1500000, "KRW")) == "KRW 1,500,000"


@given(st.sampled_from(sorted(EXPONENTS)), st.integers(min_value=0, max_value=10**12))
def test_format_parse_round_trip(currency: str, minor: int) -> None:
    minor -= minor % 100 if currency == "IDR" else 0
    m = Money(minor, currency)
    assert Money.parse(m.format(thousands=","), currency) == m
