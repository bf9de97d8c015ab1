"""What the gateway requires of every request, as one table; every refusal names the field.

``RULES`` holds, per API, every field the seed guide (``shared/antom-protocol.md``) documents:
its JSON shape, length limit (section 3.3), whether it is required (sections 4.1-4.5, 5-10 and
the mandatory-field list of 20.1) and the result code a missing or malformed value earns.
``check(api, body, now)`` walks the table and raises the first ``ApiError``; its message starts
with the field's path (``order.orderAmount.value: ...``). The engine then reads the body
knowing its shape, and keeps only the issuer's rules (Luhn, brand, expiry in the past, ...).

Written from the specification alone, not from the till's request builder, so that neither
can hide the other's mistake. Where the guide is unsure, the table takes one reading and says
so in a comment beside the row; the other reading is a change to that one row:

- ``settlementStrategy``: optional (the guide's simulator rule in 20.1; the PHP spec model
  requires it: make it ``REQUIRED``).
- ``paymentFactor``: required for a CARD pay ("specify when CARD", 20.1; other reading: ``OPTIONAL``).
- ``env.clientIp``: optional but must be an IP address when given (4.5; required: ``REQUIRED``).
- Missing card data: ``PARAM_ILLEGAL`` (20.2 "missing field"; other reading:
  ``_CARD_MISSING = "INVALID_PAYMENT_METHOD_META_DATA"``).
- A UserName sent (``cardholderName``, ``order.buyer.buyerName``, ``shippingName``) needs
  ``firstName`` and ``lastName`` (20.1, PHP spec); for a lone name make ``lastName`` ``OPTIONAL``
  in ``USER_NAME``.
- ``cvv``: optional, 3 digits, 4 for the 4-digit CID brands (3.3 says 3 and leaves Amex open).
- Card data (``cardNo``, ``expiryMonth``, ``expiryYear``) is required unless a stored card is
  given (``paymentMethod.paymentMethodId``, 16.3).
- ``mpiData`` (19.2, SDK models only): inside ``paymentMethodMetaData``; ``threeDSVersion`` and
  ``eci`` required, ``cavv`` with an authenticated/attempted ECI, ``dsTransactionId`` for 3DS2;
  malformed values are ``PARAM_ILLEGAL`` (the other reading: ``INVALID_PAYMENT_METHOD_META_DATA``,
  the ``bad`` code of those rows).
- ``recurringType``: ``SCHEDULED`` (Antom's example) and ``UNSCHEDULED`` (expected, 17.2).
- ``paymentExpiryTime``: its format only (the SDK docstring's "< 10 minutes" is marked sic;
  ``Moment(after_now=True, at_most=timedelta(minutes=10))`` would enforce a window).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from posapp.core.money import EXPONENTS, Money, MoneyError

PARAM_ILLEGAL = "PARAM_ILLEGAL"

Json = dict[str, Any]


class ApiError(Exception):
    """A request the sandbox refuses: answered as ``result`` with this code (status F)."""

    def __init__(self, code: str, message: str, status: str = "F") -> None:
        super().__init__(message)
        self.code = code
        self.message = message[:256]
        self.status = status


def illegal(path: str, problem: str) -> ApiError:
    return ApiError(PARAM_ILLEGAL, f"{path}: {problem}")


# -- when a field is required -----------------------------------------------------------------
class Need(Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"


REQUIRED = Need.REQUIRED
OPTIONAL = Need.OPTIONAL


@dataclass(frozen=True, slots=True)
class When:
    """Required when the field at ``path`` has one of ``values`` (flags compare as
    ``"true"``/``"false"``). ``path`` is relative to the object holding the field, or to the
    body when it starts with ``$.``."""

    path: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unless:
    """Required unless the sibling ``other`` is given (one of two ids); ``other`` starting
    with ``$.`` is a path from the body (card data unless a token is given)."""

    other: str


Requirement = Need | When | Unless


# -- what a value must look like -------------------------------------------------------------
class Kind:
    """The shape of one value. ``check`` raises ApiError (with ``bad`` for a format problem;
    type and length problems are always PARAM_ILLEGAL, as 20.2 says)."""

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Context:
    body: Json
    now: datetime


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise illegal(path, "must be a string")
    return value


def _limit(value: str, path: str, max_len: int) -> None:
    if len(value) > max_len:
        raise illegal(path, f"is longer than {max_len} characters")


@dataclass(frozen=True, slots=True)
class Text(Kind):
    """A string of at most ``max_len`` characters, matching ``pattern`` when one is given."""

    max_len: int
    pattern: str | None = None
    says: str = ""  # what the pattern means, for the message

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        text = _string(value, path)
        _limit(text, path, self.max_len)
        if self.pattern is not None and not re.fullmatch(self.pattern, text, re.ASCII):
            raise ApiError(bad, f"{path}: {self.says or 'has the wrong format'}")


@dataclass(frozen=True, slots=True)
class Choice(Kind):
    values: tuple[str, ...]

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        if _string(value, path) not in self.values:
            raise ApiError(bad, f"{path}: must be one of {', '.join(self.values)}")


@dataclass(frozen=True, slots=True)
class Flag(Kind):
    """A Boolean: JSON true/false, or the strings "true"/"false" (the docs' all-strings form)."""

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        if not (isinstance(value, bool) or value in ("true", "false")):
            raise illegal(path, "must be true or false")


@dataclass(frozen=True, slots=True)
class Integer(Kind):
    """A whole number, as a JSON number or a string of digits, within [lo, hi]."""

    lo: int
    hi: int

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,9}", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise illegal(path, "must be a whole number")
        if not self.lo <= value <= self.hi:
            raise ApiError(bad, f"{path}: must be from {self.lo} to {self.hi}")


@dataclass(frozen=True, slots=True)
class Url(Kind):
    max_len: int

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        text = _string(value, path)
        _limit(text, path, self.max_len)
        if not re.match(r"https?://[^\s/?#]+", text) or re.search(r"\s", text):
            raise ApiError(bad, f"{path}: must be an http(s) URL")


@dataclass(frozen=True, slots=True)
class Moment(Kind):
    """ISO 8601 with an offset (3.2); ``after_now``: later than the request."""

    after_now: bool = False
    at_most: timedelta | None = None  # how far ahead it may be (None: no limit)

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        text = _string(value, path)
        _limit(text, path, 64)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None or "T" not in text:
            raise ApiError(bad, f"{path}: must be an ISO 8601 date-time with an offset")
        if self.after_now and moment <= ctx.now:
            raise ApiError(bad, f"{path}: must be later than the request")
        if self.at_most is not None and moment > ctx.now + self.at_most:
            raise ApiError(bad, f"{path}: must be within {self.at_most} of the request")


@dataclass(frozen=True, slots=True)
class Day(Kind):
    """A calendar date, ``YYYY-MM-DD``."""

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        text = _string(value, path)
        _limit(text, path, 10)
        try:
            ok = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII) and date.fromisoformat(text)
        except ValueError:
            ok = None
        if not ok:
            raise ApiError(bad, f"{path}: must be a date, YYYY-MM-DD")


@dataclass(frozen=True, slots=True)
class IpAddress(Kind):
    max_len: int

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        text = _string(value, path)
        _limit(text, path, self.max_len)
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise ApiError(bad, f"{path}: must be an IPv4 or IPv6 address") from None


@dataclass(frozen=True, slots=True)
class Currency(Kind):
    """An ISO 4217 code (3 capital letters) that the sandbox's contract covers."""

    unknown: str  # the code for a well-formed currency outside the contract

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        text = _string(value, path)
        if not re.fullmatch(r"[A-Z]{3}", text):
            raise ApiError(bad, f"{path}: must be three capital letters (ISO 4217)")
        if text not in EXPONENTS:
            raise ApiError(self.unknown, f"{path}: {text} is not supported")


@dataclass(frozen=True, slots=True)
class Obj(Kind):
    """A JSON object whose own fields follow ``fields``."""

    fields: tuple[Field, ...]

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        if not isinstance(value, dict):
            raise illegal(path, "must be an object")
        check_fields(self.fields, value, path, ctx)


@dataclass(frozen=True, slots=True)
class Amount(Kind):
    """The Amount object of 3.1; ``positive``: zero is refused (INVALID_AMOUNT)."""

    positive: bool = True

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        Obj(AMOUNT_FIELDS).check(value, path, bad, ctx)
        try:
            Money(int(value["value"]), value["currency"]).check_antom()
        except MoneyError as exc:
            raise ApiError("INVALID_AMOUNT", f"{path}: {exc}") from None
        if self.positive and int(value["value"]) == 0:
            raise ApiError("INVALID_AMOUNT", f"{path}.value: must be greater than 0")


@dataclass(frozen=True, slots=True)
class Items(Kind):
    """A JSON array of up to ``max_items`` values of ``item``."""

    item: Kind
    max_items: int
    min_items: int = 0

    def check(self, value: Any, path: str, bad: str, ctx: Context) -> None:
        if not isinstance(value, list):
            raise illegal(path, "must be an array")
        if not self.min_items <= len(value) <= self.max_items:
            raise illegal(path, f"must hold {self.min_items} to {self.max_items} items")
        for i, item in enumerate(value):
            if item is None:
                raise illegal(f"{path}[{i}]", "is required")
            self.item.check(item, f"{path}[{i}]", bad, ctx)


@dataclass(frozen=True, slots=True)
class Field:
    """One row of the table."""

    key: str
    kind: Kind
    need: Requirement = OPTIONAL
    missing: str = PARAM_ILLEGAL  # the result code when it is absent but required
    bad: str = PARAM_ILLEGAL  # the result code when its format is wrong
    note: str = field(default="", compare=False)  # where the rule comes from, when not obvious


# -- walking the table ------------------------------------------------------------------------
def _lookup(start: Mapping[str, Any], dotted: str) -> Any:
    value: Any = start
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _flag_text(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def is_required(rule: Field, parent: Mapping[str, Any], ctx: Context) -> bool:
    need = rule.need
    if isinstance(need, Need):
        return need is REQUIRED
    if isinstance(need, Unless):
        if need.other.startswith("$."):
            return _absent(_lookup(ctx.body, need.other[2:]))
        return _absent(parent.get(need.other))
    start = ctx.body if need.path.startswith("$.") else parent
    return _flag_text(_lookup(start, need.path.removeprefix("$."))) in need.values


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_fields(
    rules: tuple[Field, ...], obj: Mapping[str, Any], prefix: str, ctx: Context
) -> None:
    for rule in rules:
        value = obj.get(rule.key)
        if value is None and rule.need is OPTIONAL:  # the common case: skip it cheaply
            continue
        path = f"{prefix}.{rule.key}" if prefix else rule.key
        if _absent(value) and is_required(rule, obj, ctx):
            if isinstance(rule.need, Unless):
                other = rule.need.other.removeprefix("$.")
                raise ApiError(rule.missing, f"{path}: {rule.key} or {other} is required")
            raise ApiError(rule.missing, f"{path}: is required")
        if value is not None:  # a blank optional string still has to fit its kind
            rule.kind.check(value, path, rule.bad, ctx)


def check(api: str, body: Json, now: datetime) -> None:
    """Raise the first ApiError the gateway would answer ``body`` of ``api`` with."""
    check_fields(RULES[api], body, "", Context(body, now))


def flag(value: Any) -> bool:
    """A Flag the table accepted, as a bool (absent: False)."""
    return value is True or value == "true"


# -- the table --------------------------------------------------------------------------------
_ID64 = Text(64)
_REGION = Text(2, r"[A-Z]{2}", "must be two capital letters (ISO 3166 alpha-2)")
_DIGITS = "must be digits only"

AMOUNT_FIELDS = (
    Field("currency", Currency(unknown="CURRENCY_NOT_SUPPORT"), REQUIRED),
    Field("value", Text(16, r"[0-9]+", "must be digits only, in minor units"), REQUIRED),
)
AMOUNT = Amount()

# UserName and Address: 3.3 lengths; 20.1 (PHP spec) makes firstName/lastName and region required
USER_NAME = Obj(
    (
        Field("firstName", Text(32), REQUIRED),
        Field("middleName", Text(32)),
        Field("lastName", Text(32), REQUIRED),
        Field("fullName", Text(128)),
    )
)
ADDRESS = Obj(
    (
        Field("region", _REGION, REQUIRED),
        Field("state", Text(8)),
        Field("city", Text(32)),
        Field("address1", Text(256)),
        Field("address2", Text(256)),
        Field("zipCode", Text(32)),
    )
)

TERMINAL_TYPES = ("WEB", "WAP", "APP", "MINI_APP")
ENV = Obj(
    (
        Field("terminalType", Choice(TERMINAL_TYPES), REQUIRED),
        Field("osType", Choice(("IOS", "ANDROID")), When("terminalType", ("WAP", "APP"))),
        # 4.5 "expected for CARD"; 20 leaves open whether its absence fails a card pay
        Field("clientIp", IpAddress(64)),
        Field("userAgent", Text(2048)),
        Field("deviceTokenId", Text(64)),
        Field("deviceId", Text(64)),
        Field("deviceLanguage", Text(32)),
        Field("deviceBrand", Text(64)),
        Field("deviceModel", Text(128)),
        Field("osVersion", Text(32)),
        Field(
            "browserInfo",
            Obj(
                (
                    Field("acceptHeader", Text(2048)),
                    Field("javaEnabled", Flag()),
                    Field("javaScriptEnabled", Flag()),
                    Field("language", Text(32)),
                    Field("userAgent", Text(2048)),
                )
            ),
        ),
        Field(
            "colorDepth",
            Choice(("1", "4", "8", "15", "16", "24", "30", "32", "48")),
        ),
        Field("screenHeight", Text(8, r"[0-9]+", _DIGITS)),
        Field("screenWidth", Text(8, r"[0-9]+", _DIGITS)),
        Field("timeZoneOffset", Integer(-720, 720)),
        Field("storeTerminalId", Text(64)),
        Field("storeTerminalRequestTime", Moment()),
        Field("extendInfo", Text(2048)),
    )
)

GOODS = Obj(
    (
        Field("referenceGoodsId", Text(64), REQUIRED),
        Field("goodsName", Text(256), REQUIRED),
        Field("goodsCategory", Text(64)),
        Field("goodsBrand", Text(128)),
        Field("goodsUnitAmount", Amount(positive=False)),
        Field("goodsQuantity", Text(16, r"[1-9][0-9]*", "must be a whole number of at least 1")),
        Field("goodsSkuName", Text(128)),
        Field("goodsUrl", Url(2048)),
        Field("deliveryMethodType", Choice(("PHYSICAL", "DIGITAL"))),
        Field("goodsImageUrl", Url(2048)),
        Field("priceId", Text(64)),
    )
)
SHIPPING = Obj(
    (
        Field("shippingName", USER_NAME),
        Field("shippingAddress", ADDRESS),
        Field("shippingCarrier", Text(128)),
        Field("shippingPhoneNo", Text(16)),
        Field("shipToEmail", Text(64)),
        Field("shippingFee", Amount(positive=False)),
    )
)
MERCHANT = Obj(  # sub-merchant data: every field required when sent (20.1, PHP spec)
    (
        Field("referenceMerchantId", Text(64), REQUIRED),
        Field("merchantMCC", Text(32), REQUIRED),
        Field("merchantName", Text(256), REQUIRED),
        Field("merchantDisplayName", Text(64), REQUIRED),
        Field("merchantAddress", ADDRESS, REQUIRED),
        Field("merchantRegisterDate", Moment(), REQUIRED),
        Field("store", Obj(()), REQUIRED),
        Field("merchantType", Text(32), REQUIRED),
    )
)
_STORE_FOR_BUYER = When("$.paymentFactor.storePaymentMethodForBuyer", ("true",))
BUYER = Obj(
    (
        # 4.3: storePaymentMethodForBuyer ties the card to a non-empty referenceBuyerId
        Field("referenceBuyerId", Text(64), _STORE_FOR_BUYER),
        Field("buyerName", USER_NAME),
        Field("buyerEmail", Text(64)),
        Field("buyerPhoneNo", Text(24)),
        Field("buyerRegistrationTime", Moment()),
    )
)
ORDER = Obj(
    (
        Field("referenceOrderId", Text(64), REQUIRED),
        Field("orderDescription", Text(256), REQUIRED),
        Field("orderAmount", AMOUNT, REQUIRED),
        Field("buyer", BUYER, _STORE_FOR_BUYER),
        Field("goods", Items(GOODS, 100)),
        Field("shipping", SHIPPING),
        Field("merchant", MERCHANT),
        Field("env", ENV),
    )
)

CARD_BRANDS = (
    "AMEX", "BC", "CARNET", "CARTES_BANCAIRES", "CITI", "CUP", "DINERS", "DISCOVER", "ELO",
    "GWANGJUBANK", "HIPERCARD", "HYUNDAI", "IBK_BC", "JCB", "JEJUBANK", "JEONBUKBANK",
    "KAKAOBANK", "KBANK", "KDBBANK", "KEBHANA", "KOOKMIN", "LOTTE", "MAESTRO", "MASTERCARD",
    "MIR", "NONGHYUP", "POST", "SAEMAUL", "SAMSUNG", "SAVINGBANK", "SHINHAN", "SHINHYEOP",
    "SUHYEOP", "TOSSBANK", "TROY", "VISA", "WOORI",
)  # fmt: skip
_EXPIRY = "INVALID_EXPIRATION_DATE"
# Missing card data: 20.2 lists PARAM_ILLEGAL for a missing field; the other reading is the
# card code INVALID_PAYMENT_METHOD_META_DATA (4.8) - change this one line.
_CARD_MISSING = PARAM_ILLEGAL
# paymentMethod.paymentMethodMetaData for the raw-card flow (4.2). Type and length problems are
# PARAM_ILLEGAL; bad card data earns the card codes of 20.2.
# 16.3: a stored card (paymentMethod.paymentMethodId = the cardToken) replaces the card data
_UNLESS_TOKEN = Unless("$.paymentMethod.paymentMethodId")
# 19.2 mpiData (a third party's 3-D Secure result). Only the SDK models document it; the
# formats are the schemes': ECI two digits, CAVV/AAV 20 bytes (Base64, or hex as some MPIs
# give it), 3DS2 directory-server id a UUID. A CAVV is required with an ECI that says
# "authenticated" or "attempted" (05/06 Visa-style, 02/01 Mastercard).
_THREE_DS_2 = ("2.1.0", "2.2.0", "2.3.0", "2.3.1")
_CAVV = r"[A-Za-z0-9+/]{27}=|[A-Za-z0-9+/]{28}|[0-9A-Fa-f]{40}"
MPI_DATA = Obj(
    (
        Field("threeDSVersion", Choice(("1.0.2", *_THREE_DS_2)), REQUIRED),
        Field("eci", Text(2, r"0[0-7]", "must be two digits, 00 to 07"), REQUIRED),
        Field("cavv", Text(40, _CAVV, "must be 20 bytes in Base64 (28 characters) or hex (40)"),
              When("eci", ("01", "02", "05", "06"))),
        Field("dsTransactionId", Text(36, r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
              "must be a UUID"), When("threeDSVersion", _THREE_DS_2)),
        Field("xid", Text(28, r"[A-Za-z0-9+/]{27}=|[A-Za-z0-9+/]{28}", "must be 20 bytes in Base64")),
        Field("credentialType", Choice(("PAN", "NETWORK_TOKEN"))),
    )
)  # fmt: skip
# 17.2: recurringType; SCHEDULED is in Antom's MIT example, UNSCHEDULED the expected other value
RECURRING_TYPES = ("SCHEDULED", "UNSCHEDULED")
CARD_META = Obj(
    (
        Field("cardNo", Text(32, r"[0-9]+", _DIGITS), _UNLESS_TOKEN, missing=_CARD_MISSING),
        Field("expiryMonth", Text(2, r"0[1-9]|1[0-2]", "must be two digits, 01 to 12"),
              _UNLESS_TOKEN, missing=_CARD_MISSING, bad=_EXPIRY),
        Field("expiryYear", Text(2, r"[0-9]{2}", "must be two digits"), _UNLESS_TOKEN,
              missing=_CARD_MISSING, bad=_EXPIRY),
        # 3.3 documents 3 characters; 4-digit CIDs (Amex) are let through here and the engine
        # holds each brand to its own length
        Field("cvv", Text(4, r"[0-9]{3,4}", "must be 3 digits (4 for a 4-digit CID)"),
              bad="INVALID_CVV"),
        Field("cardholderName", USER_NAME),
        Field("billingAddress", ADDRESS),
        Field("is3DSAuthentication", Flag()),
        Field("tokenize", Flag()),
        Field("isCardOnFile", Flag()),
        Field("networkTransactionId", Text(256)),
        Field("recurringType", Choice(RECURRING_TYPES)),
        Field("mpiData", MPI_DATA),
        Field("selectedCardBrand", Choice(CARD_BRANDS), bad="SELECTED_CARD_BRAND_NOT_AVAILABLE"),
        Field("cpf", Text(11, r"[0-9]{11}", "must be 11 digits")),
        Field("payerEmail", Text(64)),
        Field("dateOfBirth", Day()),
        Field("businessNo", Text(10, r"[0-9]{10}", "must be 10 digits")),
        Field("cardPasswordDigest", Text(2, r"[0-9]{2}", "must be two digits")),
        Field("paymentMethodRegion", Text(6)),
    )
)  # fmt: skip
_CARD = When("paymentMethodType", ("CARD",))
PAYMENT_METHOD = Obj(
    (
        # the sandbox simulates cards only: any other method is refused as unsupported here
        Field("paymentMethodType", Choice(("CARD",)), REQUIRED),
        Field("paymentMethodId", Text(128)),
        Field("paymentMethodMetaData", CARD_META, _CARD),
        Field("customerId", Text(64)),
        Field("extendInfo", Text(2048)),
        Field("requireIssuerAuthentication", Flag()),
    )
)
PAYMENT_FACTOR = Obj(
    (
        Field("isAuthorization", Flag()),
        Field("captureMode", Choice(("AUTOMATIC", "MANUAL"))),
        Field("storePaymentMethodForBuyer", Flag()),
    )
)
SETTLEMENT_STRATEGY = Obj(
    (Field("settlementCurrency", Currency(unknown="SETTLE_CONTRACT_NOT_MATCH")),)
)
CREDIT_PAY_PLAN = Obj(
    (
        Field("installmentNum", Integer(2, 36), REQUIRED),
        Field("interval", Choice(("MONTH",))),
        Field("creditPayFeeType", Choice(("PERCENTAGE",))),
        Field("feePercentage", Integer(0, 100)),
    )
)
_ONE_TIME = Choice(("CASHIER_PAYMENT",))  # the sandbox simulates One-time Payments only
_MERCHANT_ACCOUNT = Field("merchantAccountId", Text(32))

RULES: dict[str, tuple[Field, ...]] = {
    "pay": (
        Field("productCode", _ONE_TIME, REQUIRED),
        Field("paymentRequestId", _ID64, REQUIRED),
        Field("order", ORDER, REQUIRED),
        Field("paymentAmount", AMOUNT, REQUIRED),
        Field("paymentMethod", PAYMENT_METHOD, REQUIRED),
        Field("paymentRedirectUrl", Url(2048), REQUIRED, note="20.1: settles the 15 open point"),
        Field("paymentNotifyUrl", Url(2048)),
        # "specify when CARD" (20.1, APO pay page); the sandbox takes CARD only
        Field("paymentFactor", PAYMENT_FACTOR, When("paymentMethod.paymentMethodType", ("CARD",))),
        # required in the PHP spec model only; the guide's simulator rule keeps it optional
        Field("settlementStrategy", SETTLEMENT_STRATEGY),
        Field("env", ENV, REQUIRED),
        # 3.2 format only: the guide sets no lower bound (a past moment closes a pending payment
        # at once) and marks the SDK's "< 10 minutes" sic
        Field("paymentExpiryTime", Moment()),
        Field("merchantRegion", _REGION),
        Field("userRegion", _REGION),
        _MERCHANT_ACCOUNT,
        Field("creditPayPlan", CREDIT_PAY_PLAN),
        Field("appId", Text(32), When("env.terminalType", ("MINI_APP",))),
    ),
    "capture": (
        Field("captureRequestId", _ID64, REQUIRED),
        Field("paymentId", _ID64, REQUIRED),
        Field("captureAmount", AMOUNT, REQUIRED),
        Field("isLastCapture", Flag()),
        Field("captureType", Choice(("FINAL", "NON_FINAL"))),
    ),
    "cancel": (
        Field("paymentId", _ID64, Unless("paymentRequestId")),
        Field("paymentRequestId", _ID64, Unless("paymentId")),
        _MERCHANT_ACCOUNT,
    ),
    "refund": (
        Field("refundRequestId", _ID64, REQUIRED),
        Field("paymentId", _ID64, REQUIRED),
        Field("refundAmount", AMOUNT, REQUIRED),
        Field("referenceRefundId", _ID64),
        Field("refundReason", Text(256)),
        Field("refundNotifyUrl", Url(1024)),
        Field("captureId", _ID64),
        Field("isAsyncRefund", Flag()),
    ),
    "inquiryPayment": (
        Field("paymentId", _ID64, Unless("paymentRequestId")),
        Field("paymentRequestId", _ID64, Unless("paymentId")),
        _MERCHANT_ACCOUNT,
    ),
    "inquiryRefund": (
        # 9: "no special characters"
        Field("refundId", Text(64, r"[A-Za-z0-9_.:-]+", "must have no special characters"),
              Unless("refundRequestId")),
        Field("refundRequestId", Text(64, r"[A-Za-z0-9_.:-]+", "must have no special characters"),
              Unless("refundId")),
        _MERCHANT_ACCOUNT,
    ),
    # 16.4 token management (the /v1/vaults/ APIs)
    "inquireToken": (
        Field("merchantAccountId", Text(64), REQUIRED),
        Field("token", Text(255), REQUIRED),
    ),
    "deleteToken": (
        Field("merchantAccountId", Text(64), REQUIRED),
        Field("token", Text(255), REQUIRED),
    ),
    # 18.2 getCardInfo (Java SDK only): a card number or its BIN
    "getCardInfo": (
        Field("cardNo", Text(32, r"[0-9]{12,19}", "must be 12 to 19 digits"), Unless("cardBin"),
              bad="INVALID_CARD_NUMBER"),
        Field("cardBin", Text(8, r"[0-9]{6,8}", "must be 6 to 8 digits"), Unless("cardNo")),
        Field("paymentMethodRegion", Text(6)),
    ),
    "consult": (
        Field("productCode", _ONE_TIME, REQUIRED),
        Field("paymentAmount", Amount(positive=False), REQUIRED),
        Field("env", ENV, REQUIRED),
        Field("merchantRegion", _REGION),
        _MERCHANT_ACCOUNT,
        Field("userRegion", _REGION),
        Field("allowedPaymentMethodRegions", Items(Text(6, r"[A-Z]{2}|GLOBAL", "must be an "
              "ISO alpha-2 region or GLOBAL"), 300)),
        Field("allowedPaymentMethods", Items(Text(64), 300)),
        Field("blockedPaymentMethods", Items(Text(64), 300)),
        Field("settlementStrategy", SETTLEMENT_STRATEGY),
        Field("paymentFactor", PAYMENT_FACTOR),
        Field("buyer", BUYER),
    ),
}  # fmt: skip
