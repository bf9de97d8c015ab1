"""What a card offers beyond paying once: the brands it carries (co-badged cards) and the
instalment plans Antom offers for it.

Brands. A co-badged card carries an international brand (the prefix tells it, ``cards``)
and a domestic one. Which cards are co-badged is known from two places (protocol reference
§19.1): the card's prefix (``CO_BADGED``: issuer ranges this till knows) and Antom's consult
answer (``supportCardBrands``: the brands this merchant may route to). The cashier may pick
only a brand that is on the card *and* that Antom offers; without a consult answer, the
prefix alone decides.

Instalments. consult's ``paymentOptions[].installment`` lists the brands and plans
(``ConsultResponse.installment_plans``); a plan chosen on the screen is checked again
against a fresh consult right before the payment is sent, so a plan that no longer applies
(amount changed, plan withdrawn) is refused before anything is charged.
"""

from __future__ import annotations

from collections.abc import Iterable

from posapp.core.cards import detect_brand

# (first digits, domestic brand): issuer ranges of co-badged cards. Cartes Bancaires cards
# are Visa or Mastercard cards of French issuers; the ranges here are the ones this till is
# told about (the training sandbox's co-badged test cards included).
CO_BADGED: tuple[tuple[str, str], ...] = (
    ("4970", "CARTES_BANCAIRES"),
    ("4973", "CARTES_BANCAIRES"),
    ("5132", "CARTES_BANCAIRES"),
    ("4035501", "CARTES_BANCAIRES"),
    ("621", "CUP"),
)


def card_brands_of(pan: str, offered: Iterable[str] | None = None) -> tuple[str, ...]:
    """The brands the card ``pan`` carries (international first), restricted to the brands
    Antom ``offered`` when a consult answer is known."""
    digits = "".join(ch for ch in pan if ch.isdigit())
    brands: list[str] = []
    international = detect_brand(digits)
    if international is not None:
        brands.append(international.value)
    for prefix, local in CO_BADGED:
        if digits.startswith(prefix) and local not in brands:
            brands.append(local)
    if offered is not None:
        allowed = set(offered)
        brands = [b for b in brands if b in allowed]
    return tuple(brands)


def is_co_badged(pan: str, offered: Iterable[str] | None = None) -> bool:
    return len(card_brands_of(pan, offered)) > 1


__all__ = ["CO_BADGED", "card_brands_of", "is_co_badged"]
