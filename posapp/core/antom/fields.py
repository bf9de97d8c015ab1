"""Every request field Antom requires (or recommends for cards), and where the till takes it.

One table, written from the protocol reference (§4, §5-§10, §20), read three ways:

- the request builders in ``messages`` call ``enforce`` on every body they build, so a body
  without a required field, or with a malformed one, never leaves the till
  (``InvalidRequestError`` naming the field);
- the tests hold the journaled pay body of a real checkout against ``till_gaps`` (every field
  the till says it always sends is there) and ``problems`` (every field well-formed);
- people read ``source``: where the value comes from on this till.

Paths are dotted; ``[]`` stands for every element of a list (``order.goods[].goodsName``). A
field inside an optional object is only checked when that object is sent.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from posapp.core.antom.errors import InvalidRequestError
from posapp.core.money import EXPONENTS


class Need(StrEnum):
    """What Antom asks of a field."""

    REQUIRED = "required"  # refused (PARAM_ILLEGAL) without it
    ONE_OF = "one of"  # one field of its ``group`` is required
    CONDITIONAL = "conditional"  # required in the case the note names
    RECOMMENDED = "recommended"  # asked for card payments (risk, 3-D Secure)
    OPTIONAL = "optional"


class Sent(StrEnum):
    """What the till does with it."""

    ALWAYS = "always"
    WHEN_KNOWN = "when known"  # sent when the value exists (keyed, found, configured)
    NEVER = "never"  # the note says why


class Kind(StrEnum):
    ID = "id"  # printable ASCII, no spaces
    TEXT = "text"
    DIGITS = "digits"
    AMOUNT = "amount"  # {currency, value}
    CURRENCY = "currency"  # an ISO 4217 code Antom supports
    URL = "url"
    DATETIME = "datetime"  # ISO 8601 with a UTC offset
    ENUM = "enum"
    BOOL = "bool"
    IP = "ip"
    REGION = "region"  # ISO 3166 alpha-2
    OBJECT = "object"
    LIST = "list"
    INTEGER = "integer"  # a JSON number, whole


@dataclass(frozen=True, slots=True)
class FieldRule:
    api: str  # the API's path segment: "pay", "capture", ... (messages.Api values)
    path: str
    need: Need
    kind: Kind
    sent: Sent
    source: str  # where the till takes the value from (or why it is not sent)
    max_len: int | None = None
    values: tuple[str, ...] = ()  # allowed values of an ENUM
    group: str = ""  # ONE_OF: the fields of one group, one of which is required
    secret: bool = False  # card data: removed or masked in the journal
    ref: str = ""  # protocol reference section


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# the SDK's CardBrand enum (protocol reference §4.2)
CARD_BRANDS: tuple[str, ...] = (
    "AMEX", "BC", "CARNET", "CARTES_BANCAIRES", "CITI", "CUP", "DINERS", "DISCOVER", "ELO",
    "GWANGJUBANK", "HIPERCARD", "HYUNDAI", "IBK_BC", "JCB", "JEJUBANK", "JEONBUKBANK",
    "KAKAOBANK", "KBANK", "KDBBANK", "KEBHANA", "KOOKMIN", "LOTTE", "MAESTRO", "MASTERCARD",
    "MIR", "NONGHYUP", "POST", "SAEMAUL", "SAMSUNG", "SAVINGBANK", "SHINHAN", "SHINHYEOP",
    "SUHYEOP", "TOSSBANK", "TROY", "VISA", "WOORI",
)  # fmt: skip

_R, _1, _C, _REC, _O = Need.REQUIRED, Need.ONE_OF, Need.CONDITIONAL, Need.RECOMMENDED, Need.OPTIONAL
_ALWAYS, _KNOWN, _NEVER = Sent.ALWAYS, Sent.WHEN_KNOWN, Sent.NEVER

# The payment expiry the till asks for: below the 10 minutes the SDK docstring allows for a
# custom value, and below the gateway's own default of about 14 (protocol reference §4.1).
PAYMENT_EXPIRY_MINUTES = 9

FIELDS: tuple[FieldRule, ...] = (
    # -- pay (§4, §20) ----------------------------------------------------------------------
    FieldRule("pay", "productCode", _R, Kind.ENUM, _ALWAYS, "constant CASHIER_PAYMENT",
              values=("CASHIER_PAYMENT",), ref="4.1"),
    FieldRule("pay", "paymentRequestId", _R, Kind.ID, _ALWAYS,
              "minted per attempt (PAY-<32 hex>), journaled with the intent before sending",
              64, ref="4.1"),
    FieldRule("pay", "order", _R, Kind.OBJECT, _ALWAYS, "the sale", ref="4.4"),
    FieldRule("pay", "order.referenceOrderId", _R, Kind.ID, _ALWAYS,
              "New payment: Reference (generated ORDyymmddThhmmss-XXXXXX unless typed)", 64,
              ref="4.4"),
    FieldRule("pay", "order.orderDescription", _R, Kind.TEXT, _ALWAYS,
              "New payment: Description", 256, ref="4.4"),
    FieldRule("pay", "order.orderAmount", _R, Kind.AMOUNT, _ALWAYS,
              "New payment: Amount, in the till's currency (Settings: Currency)", ref="4.4"),
    FieldRule("pay", "order.buyer", _O, Kind.OBJECT, _KNOWN,
              "sent when the cardholder's name was keyed", ref="4.4"),
    FieldRule("pay", "order.buyer.buyerName", _O, Kind.OBJECT, _KNOWN,
              "New payment: cardholder first and last name", ref="4.4"),
    FieldRule("pay", "order.buyer.buyerName.firstName", _C, Kind.TEXT, _KNOWN,
              "New payment: cardholder first name", 32, ref="20.1"),
    FieldRule("pay", "order.buyer.buyerName.lastName", _C, Kind.TEXT, _KNOWN,
              "New payment: cardholder last name", 32, ref="20.1"),
    FieldRule("pay", "order.buyer.buyerEmail", _REC, Kind.TEXT, _NEVER,
              "not sent: a counter sale asks for no e-mail address", 64, ref="4.4"),
    FieldRule("pay", "order.buyer.buyerPhoneNo", _REC, Kind.TEXT, _NEVER,
              "not sent: a counter sale asks for no phone number", 24, ref="4.4"),
    FieldRule("pay", "order.goods", _REC, Kind.LIST, _ALWAYS,
              "one line: the sale as described (risk data)", 100, ref="4.4"),
    FieldRule("pay", "order.goods[].referenceGoodsId", _C, Kind.ID, _ALWAYS,
              "the order reference (the till keeps no item list)", 64, ref="20.1"),
    FieldRule("pay", "order.goods[].goodsName", _C, Kind.TEXT, _ALWAYS,
              "New payment: Description", 256, ref="20.1"),
    FieldRule("pay", "order.goods[].goodsQuantity", _O, Kind.DIGITS, _ALWAYS, "1", 8,
              ref="4.4"),
    FieldRule("pay", "order.goods[].goodsUnitAmount", _O, Kind.AMOUNT, _ALWAYS,
              "New payment: Amount", ref="4.4"),
    FieldRule("pay", "paymentAmount", _R, Kind.AMOUNT, _ALWAYS, "New payment: Amount",
              ref="4.1"),
    FieldRule("pay", "paymentMethod", _R, Kind.OBJECT, _ALWAYS, "the keyed card", ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodType", _R, Kind.ENUM, _ALWAYS, "constant CARD",
              values=("CARD",), ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData", _R, Kind.OBJECT, _ALWAYS,
              "the keyed card", ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.cardNo", _1, Kind.DIGITS, _KNOWN,
              "New payment: Card number (memory only; masked in the journal); not with a "
              "saved card", 32, group="card", secret=True, ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodId", _1, Kind.TEXT, _KNOWN,
              "a saved card's token (decrypted in memory for the request; removed from the "
              "journal)", 128, group="card", secret=True, ref="16.3"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.cvv", _C, Kind.DIGITS, _KNOWN,
              "New payment: CVV (memory only; removed from the journal); not sent with a "
              "saved card (Antom's token examples carry none)", 4, secret=True, ref="16.3"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.expiryMonth", _C, Kind.DIGITS,
              _KNOWN, "New payment: Expiry (MM); required with cardNo", 2, ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.expiryYear", _C, Kind.DIGITS,
              _KNOWN, "New payment: Expiry (YY); required with cardNo", 2, ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.tokenize", _O, Kind.BOOL, _KNOWN,
              "New payment: Save this card for later charges (customer agreed); true only",
              ref="16.1"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.isCardOnFile", _C, Kind.BOOL,
              _KNOWN, "true with a saved card's token (customer present or not)", ref="16.3"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.recurringType", _C, Kind.ENUM,
              _KNOWN, "Charge saved card: Scheduled or Unscheduled (merchant-initiated only)",
              values=("SCHEDULED", "UNSCHEDULED"), ref="17.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.networkTransactionId", _C,
              Kind.TEXT, _KNOWN, "the saved card's first payment's networkTransactionId "
              "(merchant-initiated only)", 256, ref="17.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.selectedCardBrand", _O, Kind.ENUM,
              _KNOWN, "New payment: Brand, for a co-badged card", values=CARD_BRANDS,
              ref="19.1"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.mpiData", _O, Kind.OBJECT, _KNOWN,
              "New payment: External 3-D Secure result (Settings: enabled); removed from the "
              "journal", secret=True, ref="19.2"),
    FieldRule("pay", "creditPayPlan", _O, Kind.OBJECT, _KNOWN,
              "New payment: Instalments, a plan consult offered", ref="18.3"),
    FieldRule("pay", "creditPayPlan.installmentNum", _C, Kind.INTEGER, _KNOWN,
              "New payment: Instalments (number of periods, 2 to 36)", ref="18.3"),
    FieldRule("pay", "creditPayPlan.interval", _O, Kind.ENUM, _KNOWN, "constant MONTH",
              values=("MONTH",), ref="18.3"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.cardholderName", _REC, Kind.OBJECT,
              _KNOWN, "New payment: cardholder first and last name", ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.billingAddress", _C, Kind.OBJECT,
              _KNOWN, "New payment: billing address (AVS), when a country is chosen", ref="4.2"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.billingAddress.region", _C,
              Kind.REGION, _KNOWN, "New payment: billing country", 2, ref="20.1"),
    FieldRule("pay", "paymentMethod.paymentMethodMetaData.is3DSAuthentication", _O, Kind.BOOL,
              _ALWAYS, "New payment: Ask for 3-D Secure", ref="4.2"),
    FieldRule("pay", "paymentRedirectUrl", _R, Kind.URL, _ALWAYS,
              "Settings: page the buyer returns to after 3-D Secure (training: the embedded "
              "sandbox's /sandbox/return)", 2048, ref="20.1"),
    FieldRule("pay", "paymentNotifyUrl", _O, Kind.URL, _KNOWN,
              "the notification listener's URL (or extra.notify_public_url); else the "
              "Dashboard's", 2048, ref="4.1"),
    FieldRule("pay", "paymentFactor", _C, Kind.OBJECT, _ALWAYS, "specify when CARD", ref="4.3"),
    FieldRule("pay", "paymentFactor.isAuthorization", _C, Kind.BOOL, _ALWAYS, "constant true",
              ref="4.3"),
    FieldRule("pay", "paymentFactor.captureMode", _O, Kind.ENUM, _ALWAYS,
              "New payment: Authorise only (MANUAL) or Sale (AUTOMATIC)",
              values=("AUTOMATIC", "MANUAL"), ref="4.3"),
    FieldRule("pay", "settlementStrategy", _C, Kind.OBJECT, _ALWAYS,
              "required in the API model; sent always", ref="20.1"),
    FieldRule("pay", "settlementStrategy.settlementCurrency", _C, Kind.CURRENCY, _ALWAYS,
              "Settings: Settlement currency (default: the transaction currency)", 3,
              ref="4.1"),
    FieldRule("pay", "env", _R, Kind.OBJECT, _ALWAYS, "the till", ref="4.5"),
    FieldRule("pay", "env.terminalType", _R, Kind.ENUM, _ALWAYS,
              "WEB: a desktop till (APP and WAP are mobile and need an IOS/ANDROID osType)",
              values=("WEB", "WAP", "APP", "MINI_APP"), ref="4.5"),
    FieldRule("pay", "env.osType", _C, Kind.ENUM, _NEVER,
              "not sent: only IOS and ANDROID exist, needed for WAP/APP, not for WEB",
              values=("IOS", "ANDROID"), ref="4.5"),
    FieldRule("pay", "env.clientIp", _REC, Kind.IP, _KNOWN,
              "the till's own address, read from its network interfaces (no traffic); left "
              "out when none is found", 64, ref="4.5"),
    FieldRule("pay", "paymentExpiryTime", _O, Kind.DATETIME, _ALWAYS,
              f"the time of sending + {PAYMENT_EXPIRY_MINUTES} minutes", ref="4.1"),
    FieldRule("pay", "merchantRegion", _C, Kind.REGION, _NEVER,
              "not sent: for GAGW merchants only", 2, ref="4.1"),
    # -- capture (§6) -----------------------------------------------------------------------
    FieldRule("capture", "captureRequestId", _R, Kind.ID, _ALWAYS,
              "minted per capture (CAP-<32 hex>), journaled before sending", 64, ref="6.1"),
    FieldRule("capture", "paymentId", _R, Kind.ID, _ALWAYS,
              "the payment's paymentId from Antom's answer", 64, ref="6.1"),
    FieldRule("capture", "captureAmount", _R, Kind.AMOUNT, _ALWAYS,
              "Capture dialog: the authorised amount", ref="6.1"),
    # -- cancel (§7) ------------------------------------------------------------------------
    FieldRule("cancel", "paymentId", _1, Kind.ID, _KNOWN,
              "the payment's paymentId, when Antom gave one", 64, group="payment", ref="7.1"),
    FieldRule("cancel", "paymentRequestId", _1, Kind.ID, _KNOWN,
              "the attempt's paymentRequestId (journaled before the pay)", 64, group="payment",
              ref="7.1"),
    # -- refund (§8) ------------------------------------------------------------------------
    FieldRule("refund", "refundRequestId", _R, Kind.ID, _ALWAYS,
              "minted per refund (REF-<32 hex>), journaled before sending", 64, ref="8.1"),
    FieldRule("refund", "paymentId", _R, Kind.ID, _ALWAYS, "the payment's paymentId", 64,
              ref="8.1"),
    FieldRule("refund", "refundAmount", _R, Kind.AMOUNT, _ALWAYS, "Refund dialog: Amount",
              ref="8.1"),
    FieldRule("refund", "refundReason", _O, Kind.TEXT, _KNOWN, "Refund dialog: Reason", 256,
              ref="8.1"),
    FieldRule("refund", "refundNotifyUrl", _O, Kind.URL, _KNOWN,
              "the notification listener's URL", 1024, ref="8.1"),
    # -- inquiryPayment (§5) ----------------------------------------------------------------
    FieldRule("inquiryPayment", "paymentRequestId", _1, Kind.ID, _KNOWN,
              "the attempt's paymentRequestId", 64, group="payment", ref="5.1"),
    FieldRule("inquiryPayment", "paymentId", _1, Kind.ID, _KNOWN,
              "the payment's paymentId, when known", 64, group="payment", ref="5.1"),
    # -- inquiryRefund (§9) -----------------------------------------------------------------
    FieldRule("inquiryRefund", "refundRequestId", _1, Kind.ID, _KNOWN,
              "the refund's refundRequestId", 64, group="refund", ref="9"),
    FieldRule("inquiryRefund", "refundId", _1, Kind.ID, _KNOWN,
              "the refund's refundId, when known", 64, group="refund", ref="9"),
    # -- consult (§10) ----------------------------------------------------------------------
    FieldRule("consult", "productCode", _R, Kind.ENUM, _ALWAYS, "constant CASHIER_PAYMENT",
              values=("CASHIER_PAYMENT",), ref="10.1"),
    FieldRule("consult", "paymentAmount", _R, Kind.AMOUNT, _ALWAYS, "the amount to pay",
              ref="10.1"),
    FieldRule("consult", "env", _R, Kind.OBJECT, _ALWAYS, "the till", ref="10.1"),
    FieldRule("consult", "env.terminalType", _R, Kind.ENUM, _ALWAYS, "WEB: a desktop till",
              values=("WEB", "WAP", "APP", "MINI_APP"), ref="10.1"),
    FieldRule("consult", "paymentFactor.isAuthorization", _C, Kind.BOOL, _ALWAYS,
              "constant true (card authorisation)", ref="10.1"),
    # -- deleteToken (§16.4) ----------------------------------------------------------------
    FieldRule("deleteToken", "merchantAccountId", _R, Kind.ID, _ALWAYS,
              "Settings: merchant account id (default: the client id; not confirmed)", 64,
              ref="16.4"),
    FieldRule("deleteToken", "token", _R, Kind.TEXT, _ALWAYS,
              "the saved card's token (decrypted in memory for the request)", 255, secret=True,
              ref="16.4"),
)  # fmt: skip


def rules(api: str) -> tuple[FieldRule, ...]:
    return tuple(r for r in FIELDS if r.api == str(api))


# -- reading a body --------------------------------------------------------------------------

_MISSING = object()


def _split(path: str) -> list[str]:
    return path.split(".")


def _lookup(body: Any, parts: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """(concrete path, value) for every place ``parts`` names; _MISSING where the last step
    is absent. A missing container yields nothing: its own rule speaks for it."""

    def walk(node: Any, i: int, prefix: str) -> Iterator[tuple[str, Any]]:
        part = parts[i]
        is_list = part.endswith("[]")
        key = part[:-2] if is_list else part
        name = f"{prefix}.{key}" if prefix else key
        if not isinstance(node, Mapping):
            return
        value = node.get(key, _MISSING)
        if value is None:
            value = _MISSING
        last = i == len(parts) - 1
        if value is _MISSING:
            if last:
                yield name, _MISSING
            return
        if last:
            yield name, value
            return
        if is_list:
            if isinstance(value, list):
                for n, item in enumerate(value):
                    yield from walk(item, i + 1, f"{name}[{n}]")
            return
        yield from walk(value, i + 1, name)

    yield from walk(body, 0, "")


_ID = re.compile(r"[\x21-\x7e]+")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")


def _malformed(rule: FieldRule, value: Any, journaled: bool) -> str | None:
    """Why ``value`` is not well-formed for ``rule``, or None."""
    if rule.secret and journaled:
        return None if isinstance(value, str) and value else "is empty"
    kind = rule.kind
    if kind is Kind.OBJECT:
        return None if isinstance(value, Mapping) and value else "must be a non-empty object"
    if kind is Kind.LIST:
        if not isinstance(value, list) or not value:
            return "must be a non-empty list"
        if rule.max_len is not None and len(value) > rule.max_len:
            return f"has more than {rule.max_len} items"
        return None
    if kind is Kind.BOOL:
        ok = isinstance(value, bool) or value in ("true", "false")
        return None if ok else "must be true or false"
    if kind is Kind.AMOUNT:
        return _amount_problem(value)
    if kind is Kind.INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**8
        return None if ok else "must be a whole number"
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if rule.max_len is not None and len(value) > rule.max_len:
        return f"is longer than {rule.max_len} characters"
    if kind is Kind.ID and not _ID.fullmatch(value):
        return "must be printable ASCII without spaces"
    if kind is Kind.DIGITS and not value.isdigit():
        return "must be digits"
    if kind is Kind.ENUM and value not in rule.values:
        return f"must be one of {', '.join(rule.values)}"
    if kind is Kind.CURRENCY and value not in EXPONENTS:
        return "must be a currency Antom supports"
    if kind is Kind.REGION and not re.fullmatch(r"[A-Z]{2}", value):
        return "must be two capital letters"
    if kind is Kind.URL and not _URL.fullmatch(value):
        return "must be an http(s) URL"
    if kind is Kind.IP:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return "must be an IP address"
    if kind is Kind.DATETIME:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return "must be an ISO 8601 time"
        if parsed.tzinfo is None:
            return "must carry a UTC offset"
    return None


def _amount_problem(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be an amount object"
    currency, minor = value.get("currency"), value.get("value")
    if not isinstance(currency, str) or currency not in EXPONENTS:
        return "currency must be a currency Antom supports"
    if not isinstance(minor, str) or not minor.isdigit() or len(minor) > 16:
        return "value must be 1 to 16 digits"
    return None


def problems(api: str, body: Mapping[str, Any], *, journaled: bool = False) -> list[Problem]:
    """Every breach of Antom's rules in ``body``: a required field missing (one of each
    ONE_OF group), or any field of the table present but malformed. ``journaled``: the body
    as the journal keeps it (card number masked, CVV removed)."""
    found: list[Problem] = []
    groups: dict[str, bool] = {}
    for rule in rules(api):
        for name, value in _lookup(body, _split(rule.path)):
            if value is _MISSING:
                if rule.need is Need.REQUIRED:
                    found.append(Problem(name, "is required"))
                continue
            if rule.group:
                groups[rule.group] = True
            why = _malformed(rule, value, journaled)
            if why:
                found.append(Problem(name, why))
        if rule.group:
            groups.setdefault(rule.group, False)
    for group, present in groups.items():
        if not present:
            names = " or ".join(r.path for r in rules(api) if r.group == group)
            found.append(Problem(names, "one of them is required"))
    return found


def till_gaps(api: str, body: Mapping[str, Any]) -> list[Problem]:
    """Fields the till always sends that ``body`` lacks (inside the objects it has)."""
    return [
        Problem(name, "is always sent by the till")
        for rule in rules(api)
        if rule.sent is Sent.ALWAYS
        for name, value in _lookup(body, _split(rule.path))
        if value is _MISSING
    ]


def enforce(api: str, body: Mapping[str, Any]) -> None:
    """Raise ``InvalidRequestError`` naming the first field Antom would refuse."""
    for problem in problems(api, body):
        raise InvalidRequestError(problem.path, problem.message)


__all__ = [
    "CARD_BRANDS",
    "FIELDS",
    "PAYMENT_EXPIRY_MINUTES",
    "FieldRule",
    "Kind",
    "Need",
    "Problem",
    "Sent",
    "enforce",
    "problems",
    "rules",
    "till_gaps",
]
