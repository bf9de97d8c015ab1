"""Installment plans the sandbox offers (protocol section 18), per market = currency.

The markets are the documented ones (18.1): US (Visa, Mastercard, Discover; automatic capture
only), JP (Visa, Mastercard, Amex, JCB), BR, MX, CL (local cards: here Visa and Mastercard),
KR (2-12 periods). Currencies per market were not retrieved; the sandbox takes each market's
own currency (USD, JPY, BRL, MXN, CLP, KRW). Only credit cards qualify (KR: "credit and some
debit cards"; the sandbox keeps it to credit).

consult shows one ``installment`` object per currency: ``supportCardBrands`` and ``plans``
(18.2 ``Plan``: ``installmentNum`` as a String, ``interval`` ``MONTH``, ``interestRate``,
``minInstallmentAmount`` / ``maxInstallmentAmount``, ``enabled``). Not confirmed is whether
min/max bound the purchase or each instalment; the sandbox reads them as bounds on the
purchase amount (``paymentAmount``) and sets ``enabled`` from the amount asked about, so a
client that trusts ``enabled`` is right under either reading. pay accepts a ``creditPayPlan``
only for a plan consult would show enabled for that currency, amount and card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posapp.core.money import Money


@dataclass(frozen=True, slots=True)
class Market:
    brands: tuple[str, ...]
    periods: tuple[int, ...]
    min_minor: int  # the smallest purchase a plan takes, in minor units
    max_minor: int
    interest: dict[int, str]  # installmentNum -> interestRate (percent); absent: "0"
    automatic_capture_only: bool = False


MARKETS: dict[str, Market] = {
    "USD": Market(
        ("VISA", "MASTERCARD", "DISCOVER"),
        (3, 6, 12),
        5_000,
        1_000_000,
        {12: "9.99"},
        automatic_capture_only=True,
    ),
    "JPY": Market(("VISA", "MASTERCARD", "AMEX", "JCB"), (3, 6, 10, 12), 10_000, 3_000_000, {}),
    "BRL": Market(("VISA", "MASTERCARD"), (2, 3, 6, 10, 12), 10_000, 5_000_000, {}),
    "MXN": Market(("VISA", "MASTERCARD", "AMEX"), (3, 6, 9, 12), 30_000, 10_000_000, {12: "12"}),
    "CLP": Market(("VISA", "MASTERCARD"), (3, 6, 12), 10_000, 5_000_000, {}),
    "KRW": Market(("VISA", "MASTERCARD", "HYUNDAI"), (2, 3, 6, 12), 50_000, 50_000_000, {}),
}


def interest_rate(market: Market, periods: int) -> str:
    return market.interest.get(periods, "0")


def offered(market: Market, amount: Money) -> bool:
    return market.min_minor <= amount.minor <= market.max_minor


def consult_installment(amount: Money, logo_url: Callable[[str], str]) -> dict[str, object] | None:
    """consult's ``installment`` object for ``amount`` (None: no plans in that currency)."""
    market = MARKETS.get(amount.currency)
    if market is None:
        return None
    enabled = offered(market, amount)

    def bound(minor: int) -> dict[str, str]:
        return {"currency": amount.currency, "value": str(minor)}

    return {
        "supportCardBrands": [
            {"cardBrand": b, "logo": {"logoName": b[:12], "logoUrl": logo_url(b)}}
            for b in market.brands
        ],
        "plans": [
            {
                "installmentNum": str(n),
                "interval": "MONTH",
                "interestRate": interest_rate(market, n),
                "minInstallmentAmount": bound(market.min_minor),
                "maxInstallmentAmount": bound(market.max_minor),
                "enabled": enabled,
            }
            for n in market.periods
        ],
    }
