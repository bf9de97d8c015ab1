"""Test cards and magic values: what the sandbox's "issuer" does with each card.

Antom's published sandbox cards behave as docs.antom.com/ac/ref/card describes; our own
magic cards all start with the BIN ``400002`` and carry the scenario number in digits 12-14
(``4000 0200 0000 0NNC``, C = Luhn check digit). Any other Luhn-valid card of a known brand
authorises. What belongs to a BIN rather than to one card (the brands of a co-badged card,
debit funding) is in ``BINS``: those test cards have BINs of their own (``497002``,
``400003``). The README's "Training sandbox and test cards" table lists the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """What the simulated issuer does with an authorisation request."""

    APPROVE = "APPROVE"
    DECLINE = "DECLINE"
    CHALLENGE = "CHALLENGE"  # 3DS challenge: U + OTP page
    FRICTIONLESS = "FRICTIONLESS"  # 3DS without a challenge: S with threeDSResult
    SLOW_APPROVE = "SLOW_APPROVE"  # PROCESSING for a while, then SUCCESS
    SLOW_DECLINE = "SLOW_DECLINE"  # PROCESSING for a while, then FAIL


@dataclass(frozen=True, slots=True)
class Scenario:
    """One row of the test-card table."""

    name: str
    outcome: Outcome
    result_code: str = "SUCCESS"
    result_message: str = "success"
    issuing_country: str = "US"
    avs: str | None = None  # forced avsResultRaw
    cvv: str | None = None  # forced cvvResultRaw
    challenge_even_without_3ds: bool = False  # issuer demands 3DS ("salvage")
    capture_in_process: bool = False
    refund_in_process: bool = False
    three_ds_exemption: bool = False
    # a merchant-initiated payment (17) with this card is declined so:
    # (resultCode, message, refusalCodeRaw, merchantAdviceCode); the card's CITs go through
    mit_decline: tuple[str, str, str, str] | None = None


SUCCESS = Scenario("Approved", Outcome.APPROVE)

# Published Antom sandbox cards (docs.antom.com/ac/ref/card).
PUBLISHED: dict[str, Scenario] = {
    "4054695723100768": Scenario("Antom: success, global Visa", Outcome.APPROVE),
    "5162774114974622": Scenario("Antom: success, global Mastercard", Outcome.APPROVE),
    "9490220011669217": Scenario(
        "Antom: success, South Korea Hyundai", Outcome.APPROVE, issuing_country="KR"
    ),
    "4294097400915107": Scenario(
        "Antom: success, Brazil Visa", Outcome.APPROVE, issuing_country="BR"
    ),
    "4006055482525268": Scenario(
        "Antom: success, Mexico Visa", Outcome.APPROVE, issuing_country="MX"
    ),
    "4600729331819383": Scenario(
        "Antom: success, Chile Visa", Outcome.APPROVE, issuing_country="CL"
    ),
    "4310377720003234": Scenario(
        "Antom: success, Peru Visa", Outcome.APPROVE, issuing_country="PE"
    ),
    "4054692760174822": Scenario(
        "Antom: decline, global Visa",
        Outcome.DECLINE,
        "ISSUER_REJECTS_TRANSACTION",
        "The issuer declined the payment.",
    ),
    "5162770472561357": Scenario(
        "Antom: decline, global Mastercard",
        Outcome.DECLINE,
        "ISSUER_REJECTS_TRANSACTION",
        "The issuer declined the payment.",
    ),
    "4035501000000008": Scenario(
        "Antom: 3DS exemption (frictionless, lowValue)",
        Outcome.FRICTIONLESS,
        three_ds_exemption=True,
    ),
}

# Our own magic cards: 4000 0200 0000 0NNC.
MAGIC: dict[str, Scenario] = {
    "4000020000000109": Scenario(
        "Insufficient funds",
        Outcome.DECLINE,
        "USER_BALANCE_NOT_ENOUGH",
        "The card has insufficient funds.",
    ),
    "4000020000000208": Scenario(
        "Do not honour", Outcome.DECLINE, "DO_NOT_HONOR", "The issuer declined: do not honour."
    ),
    "4000020000000307": Scenario(
        "Expired card (issuer says so)", Outcome.DECLINE, "CARD_EXPIRED", "The card has expired."
    ),
    "4000020000000406": Scenario(
        "CVV mismatch",
        Outcome.DECLINE,
        "INVALID_CVV",
        "The security code does not match.",
        cvv="N",
    ),
    "4000020000000505": Scenario(
        "AVS mismatch (approved, avsResultRaw N)", Outcome.APPROVE, avs="N"
    ),
    "4000020000000604": Scenario("3DS challenge (OTP page)", Outcome.CHALLENGE),
    "4000020000000703": Scenario("Frictionless 3DS", Outcome.FRICTIONLESS),
    "4000020000000802": Scenario(
        "Issuer demands 3DS (salvage: turns into a challenge)",
        Outcome.CHALLENGE,
        challenge_even_without_3ds=True,
    ),
    "4000020000000901": Scenario("Slow authorisation, then approved", Outcome.SLOW_APPROVE),
    "4000020000000919": Scenario(
        "Slow authorisation, then declined",
        Outcome.SLOW_DECLINE,
        "DO_NOT_HONOR",
        "The issuer declined: do not honour.",
    ),
    "4000020000001008": Scenario(
        "Capture in process (settles after 5 s)", Outcome.APPROVE, capture_in_process=True
    ),
    "4000020000001107": Scenario(
        "Risk reject", Outcome.DECLINE, "RISK_REJECT", "The payment was rejected by risk control."
    ),
    "4000020000001206": Scenario(
        "Refund in process (settles after 5 s)", Outcome.APPROVE, refund_in_process=True
    ),
    "340002000000005": Scenario("Approved, American Express (4-digit CID)", Outcome.APPROVE),
    "4000020000001305": Scenario(
        "Saved card: MIT declined, insufficient funds (merchant advice 02: retry later)",
        Outcome.APPROVE,
        mit_decline=("USER_BALANCE_NOT_ENOUGH", "The card has insufficient funds.", "51", "02"),
    ),
    "4000020000001404": Scenario(
        "Saved card: MIT declined, standing authorisation revoked (advice 21: do not retry)",
        Outcome.APPROVE,
        mit_decline=(
            "DO_NOT_HONOR",
            "The cardholder revoked the stored-credential agreement.",
            "R1",
            "21",
        ),
    ),
    "4000020000001503": Scenario("Installment-eligible credit card", Outcome.APPROVE),
    "4970020000000006": Scenario(
        "Co-badged Visa / Cartes Bancaires (France)", Outcome.APPROVE, issuing_country="FR"
    ),
    "4000030000000108": Scenario("Debit card (no installments)", Outcome.APPROVE),
}


@dataclass(frozen=True, slots=True)
class Bin:
    """What a BIN says about every card in it (``brands``: more than one when co-badged;
    the first is the international scheme the number's prefix names)."""

    brands: tuple[str, ...]
    funding: str = "CREDIT"
    issuing_country: str | None = None


BINS: dict[str, Bin] = {
    "497002": Bin(("VISA", "CARTES_BANCAIRES"), issuing_country="FR"),
    "400003": Bin(("VISA",), funding="DEBIT"),
}


def bin_of(digits: str) -> Bin | None:
    """The BIN entry for a card number or a BIN (6 to 8 digits)."""
    return BINS.get(digits[:6])


# paymentAmount.value "11" is Antom's published risk-control trigger (any card).
RISK_AMOUNT_VALUE = "11"
RISK_REJECT = Scenario(
    "Risk reject (amount 11)",
    Outcome.DECLINE,
    "RISK_REJECT",
    "The payment was rejected by risk control.",
)

# The one-time password the sandbox's 3DS page accepts.
OTP = "123456"
# How long slow authorisations stay PROCESSING when the CVV does not say otherwise.
SLOW_DEFAULT_SECONDS = 3
# How long capture / refund "in process" take to settle.
IN_PROCESS_SECONDS = 5


def scenario_for(pan: str, amount_value: str) -> Scenario:
    if amount_value == RISK_AMOUNT_VALUE:
        return RISK_REJECT
    return card_scenario(pan)


def card_scenario(pan: str) -> Scenario:
    """The card's own row (what a saved card keeps: the amount trigger applies per payment)."""
    return PUBLISHED.get(pan) or MAGIC.get(pan) or SUCCESS


def slow_seconds(cvv: str | None) -> int:
    """Slow cards stay PROCESSING for CVV seconds (``"007"`` -> 7 s); ``"000"``/none -> 3 s."""
    if cvv and cvv.isdigit() and int(cvv) > 0:
        return int(cvv)
    return SLOW_DEFAULT_SECONDS
