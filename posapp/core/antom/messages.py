"""Antom request builders and strict response parsers, as frozen dataclasses.

Requests are built from typed values (``Money``, ``CardDetails``) and checked before anything
is sent: a bad value raises ``InvalidRequestError`` naming the field. ``to_body()`` gives the
JSON object; it is the only place the full card number exists outside ``CardDetails``, and it
lives in memory only (the client never logs bodies).

Responses are parsed strictly from the decoded JSON object: a missing or mistyped field raises
``ProtocolError`` with the field's path. Every response carries its ``result`` and a
``Classification`` telling the caller what to do (final / retry with the same id / inquire /
fix input / fix configuration).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from posapp.core.antom import fields
from posapp.core.antom.errors import (
    AntomError,
    InvalidRequestError,
    ProtocolError,
    UnknownResultCodeError,
)
from posapp.core.cards import CardDetails
from posapp.core.money import Money, MoneyError
from posapp.core.usertext import UserText

API_PREFIX = "/ams/api/v1/payments/"

E = TypeVar("E", bound=StrEnum)
V = TypeVar("V")


class Api(StrEnum):
    """The Antom operations we use; the value is the last path segment."""

    PAY = "pay"
    CAPTURE = "capture"
    CANCEL = "cancel"
    REFUND = "refund"
    INQUIRY_PAYMENT = "inquiryPayment"
    INQUIRY_REFUND = "inquiryRefund"
    CONSULT = "consult"

    @property
    def path(self) -> str:
        """The production path; the client rewrites it for SANDBOX_ client ids."""
        return API_PREFIX + self.value

    @property
    def mutates(self) -> bool:
        return self in (Api.PAY, Api.CAPTURE, Api.CANCEL, Api.REFUND)


class ResultStatus(StrEnum):
    SUCCESS = "S"
    FAIL = "F"
    UNKNOWN = "U"


class AntomOutcome(StrEnum):
    """What Antom's answer says happened to the operation (for inquiries: to the query).

    Protocol level (resultStatus S/F/U, classified); what the till shows is another thing:
    ``posapp.core.services.checkout.CheckoutOutcome``, read from the journaled payment.
    """

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Action(StrEnum):
    """What the caller must do next."""

    FINAL = "final"  # nothing: the outcome is settled
    RETRY_SAME_ID = "retry_same_id"  # send the identical request again (same request id)
    INQUIRE = "inquire"  # wait for the notification or poll the inquiry API
    FIX_INPUT = "fix_input"  # the data was refused; correct it and use a NEW request id
    FIX_CONFIG = "fix_config"  # merchant setup, keys or contract: a manager must act


class CaptureMode(StrEnum):
    AUTOMATIC = "AUTOMATIC"
    MANUAL = "MANUAL"


class TerminalType(StrEnum):
    WEB = "WEB"
    WAP = "WAP"
    APP = "APP"
    MINI_APP = "MINI_APP"


class PaymentStatus(StrEnum):
    """``paymentStatus`` of inquiryPayment."""

    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    PROCESSING = "PROCESSING"
    CANCELLED = "CANCELLED"
    PENDING = "PENDING"


class RefundStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    PROCESSING = "PROCESSING"


class TransactionType(StrEnum):
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    CAPTURE = "CAPTURE"
    CANCEL = "CANCEL"
    AUTHORIZATION = "AUTHORIZATION"
    VOID = "VOID"
    INCREMENTAL = "INCREMENTAL"


class TransactionStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    PROCESSING = "PROCESSING"
    CANCELLED = "CANCELLED"
    PENDING = "PENDING"


class NotifyType(StrEnum):
    PAYMENT_RESULT = "PAYMENT_RESULT"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    CAPTURE_RESULT = "CAPTURE_RESULT"
    REFUND_RESULT = "REFUND_RESULT"


# -- result and classification -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    code: str
    status: ResultStatus
    message: str = ""


@dataclass(frozen=True, slots=True)
class Classification:
    outcome: AntomOutcome
    action: Action
    reason: str

    @property
    def final(self) -> bool:
        return self.outcome is not AntomOutcome.UNKNOWN


# (action, reason) per resultCode of an F answer. Sources: protocol reference §4.8, §6.3,
# §7.3, §8.4. The "reason" is plain words for logs and people: a UserText (English by
# default; the UI shows it in its language, see ``explain``).
_DECLINE = Action.FINAL
_COMMON_F: dict[str, tuple[Action, str]] = {
    "PARAM_ILLEGAL": (
        Action.FIX_INPUT,
        UserText("antom.result.param_illegal", "a parameter is missing or invalid"),
    ),
    "INVALID_AMOUNT": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_amount", "the amount is not acceptable"),
    ),
    "CURRENCY_NOT_SUPPORT": (
        Action.FIX_CONFIG,
        UserText("antom.result.currency_not_support", "the currency is not in the contract"),
    ),
    "ACCESS_DENIED": (Action.FIX_CONFIG, UserText("antom.result.access_denied", "access denied")),
    "INVALID_SIGNATURE": (
        Action.FIX_CONFIG,
        UserText("antom.result.invalid_signature", "Antom could not verify our signature (keys)"),
    ),
    "KEY_NOT_FOUND": (
        Action.FIX_CONFIG,
        UserText("antom.result.key_not_found", "Antom has no key for this client id / key version"),
    ),
    "INVALID_CLIENT": (
        Action.FIX_CONFIG,
        UserText("antom.result.invalid_client", "the client id is not valid"),
    ),
    "NO_INTERFACE_DEF": (
        Action.FIX_CONFIG,
        UserText("antom.result.no_interface_def", "the API path is not known to the gateway"),
    ),
    "INVALID_API": (
        Action.FIX_CONFIG,
        UserText("antom.result.invalid_api", "the API is not valid for this client"),
    ),
    "INVALID_MERCHANT_STATUS": (
        Action.FIX_CONFIG,
        UserText("antom.result.invalid_merchant_status", "the merchant account is not active"),
    ),
    "MERCHANT_KYB_NOT_QUALIFIED": (
        Action.FIX_CONFIG,
        UserText("antom.result.merchant_kyb_not_qualified", "the merchant is not KYB-qualified"),
    ),
    "MERCHANT_NOT_REGISTERED": (
        Action.FIX_CONFIG,
        UserText("antom.result.merchant_not_registered", "the merchant is not registered"),
    ),
    "INVALID_CONTRACT": (
        Action.FIX_CONFIG,
        UserText("antom.result.invalid_contract", "the contract does not cover this operation"),
    ),
    "PROCESS_FAIL": (
        Action.FINAL,
        UserText("antom.result.process_fail", "Antom could not process the request"),
    ),
    "SYSTEM_ERROR": (
        Action.FINAL,
        UserText("antom.result.system_error", "Antom reported a system error"),
    ),
    "REPEAT_REQ_INCONSISTENT": (
        Action.FIX_INPUT,
        UserText("antom.result.repeat_req_inconsistent", "the request id was used with other data"),
    ),
    "ORDER_NOT_EXIST": (Action.FINAL, UserText("antom.result.order_not_exist", "no such payment")),
    "ORDER_STATUS_INVALID": (
        Action.FINAL,
        UserText(
            "antom.result.order_status_invalid", "the payment is not in a state that allows this"
        ),
    ),
    "ORDER_IS_CANCELED": (
        Action.FINAL,
        UserText("antom.result.order_is_canceled", "the payment was cancelled"),
    ),
    "ORDER_IS_CLOSED": (
        Action.FINAL,
        UserText("antom.result.order_is_closed", "the payment is closed"),
    ),
}
_PAY_F: dict[str, tuple[Action, str]] = {
    "INVALID_PAYMENT_METHOD_META_DATA": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_payment_method_meta_data", "the card data is not valid"),
    ),
    "INVALID_CARD_NUMBER": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_card_number", "the card number is not valid"),
    ),
    "INVALID_EXPIRATION_DATE": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_expiration_date", "the expiry date is not valid"),
    ),
    "INVALID_EXPIRY_DATE_FORMAT": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_expiry_date_format", "the expiry date is not valid"),
    ),
    "INVALID_CVV": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_cvv", "the security code is not valid"),
    ),
    "INVALID_CARD": (
        Action.FIX_INPUT,
        UserText("antom.result.invalid_card", "the card is not valid"),
    ),
    "AUTHENTICATION_REQUIRED": (
        Action.FIX_INPUT,
        UserText("antom.result.authentication_required", "3-D Secure authentication is required"),
    ),
    "SELECTED_CARD_BRAND_NOT_AVAILABLE": (
        Action.FIX_INPUT,
        UserText(
            "antom.result.selected_card_brand_not_available", "that card brand is not available"
        ),
    ),
    "CARD_NOT_SUPPORTED": (
        _DECLINE,
        UserText("antom.result.card_not_supported", "the card is not supported"),
    ),
    "CARD_EXPIRED": (_DECLINE, UserText("antom.result.card_expired", "the card has expired")),
    "CARD_BIN_QUERY_ERROR": (
        _DECLINE,
        UserText("antom.result.card_bin_query_error", "the card could not be identified"),
    ),
    "USER_BALANCE_NOT_ENOUGH": (
        _DECLINE,
        UserText("antom.result.user_balance_not_enough", "insufficient funds"),
    ),
    "DO_NOT_HONOR": (
        _DECLINE,
        UserText("antom.result.do_not_honor", "declined by the card issuer"),
    ),
    "ISSUER_REJECTS_TRANSACTION": (
        _DECLINE,
        UserText("antom.result.issuer_rejects_transaction", "declined by the card issuer"),
    ),
    "RISK_REJECT": (_DECLINE, UserText("antom.result.risk_reject", "declined by risk control")),
    "FRAUD_REJECT": (
        _DECLINE,
        UserText("antom.result.fraud_reject", "declined as suspected fraud"),
    ),
    "SUSPECTED_CARD": (
        _DECLINE,
        UserText("antom.result.suspected_card", "declined: suspected card"),
    ),
    "SUSPECTED_RISK": (
        _DECLINE,
        UserText("antom.result.suspected_risk", "declined by risk control"),
    ),
    "USER_PAYMENT_VERIFICATION_FAILED": (
        _DECLINE,
        UserText("antom.result.user_payment_verification_failed", "cardholder verification failed"),
    ),
    "PAYMENT_AMOUNT_EXCEED_LIMIT": (
        _DECLINE,
        UserText("antom.result.payment_amount_exceed_limit", "the amount is over a limit"),
    ),
    "PAYMENT_COUNT_EXCEED_LIMIT": (
        _DECLINE,
        UserText("antom.result.payment_count_exceed_limit", "too many payments"),
    ),
    "USER_AMOUNT_EXCEED_LIMIT": (
        _DECLINE,
        UserText("antom.result.user_amount_exceed_limit", "the cardholder's limit is exceeded"),
    ),
    "USER_KYC_NOT_QUALIFIED": (
        _DECLINE,
        UserText("antom.result.user_kyc_not_qualified", "the payer is not qualified"),
    ),
    "USER_STATUS_ABNORMAL": (
        _DECLINE,
        UserText("antom.result.user_status_abnormal", "the payer's account is restricted"),
    ),
    "VERIFY_TIMES_EXCEED_LIMIT": (
        _DECLINE,
        UserText("antom.result.verify_times_exceed_limit", "too many verification attempts"),
    ),
    "VERIFY_UNMATCHED": (
        _DECLINE,
        UserText("antom.result.verify_unmatched", "verification did not match"),
    ),
    "PAYMENT_TIMEOUT": (_DECLINE, UserText("antom.result.payment_timeout", "the payment expired")),
    "SETTLE_CONTRACT_NOT_MATCH": (
        Action.FIX_CONFIG,
        UserText(
            "antom.result.settle_contract_not_match", "the settlement currency is not contracted"
        ),
    ),
    "NO_PAY_OPTIONS": (
        Action.FIX_CONFIG,
        UserText("antom.result.no_pay_options", "no payment option is available"),
    ),
    "PAYMENT_NOT_QUALIFIED": (
        Action.FIX_CONFIG,
        UserText("antom.result.payment_not_qualified", "the merchant may not take this payment"),
    ),
    "PAYMENT_PROHIBITED": (
        Action.FIX_CONFIG,
        UserText("antom.result.payment_prohibited", "the payment is prohibited"),
    ),
}
_CAPTURE_F: dict[str, tuple[Action, str]] = {
    "MULTI_CAPTURE_NOT_SUPPORTED": (
        Action.FINAL,
        UserText("antom.result.multi_capture_not_supported", "only one capture is allowed"),
    ),
    "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT": (
        Action.FIX_INPUT,
        UserText(
            "antom.result.capture_amount_exceed_auth_limit", "more than the authorised amount"
        ),
    ),
    "AUTH_EXPIRED": (
        Action.FINAL,
        UserText("antom.result.auth_expired", "the authorisation has expired"),
    ),
    "AUTH_CANCELLED": (
        Action.FINAL,
        UserText("antom.result.auth_cancelled", "the authorisation was cancelled"),
    ),
    "AUTH_NOT_FOUND": (
        Action.FINAL,
        UserText("antom.result.auth_not_found", "no such authorisation"),
    ),
}
_CANCEL_F: dict[str, tuple[Action, str]] = {
    "CANCEL_WINDOW_EXCEED": (
        Action.FINAL,
        UserText("antom.result.cancel_window_exceed", "too late to cancel; refund instead"),
    ),
}
_REFUND_F: dict[str, tuple[Action, str]] = {
    "REFUND_AMOUNT_EXCEED": (
        Action.FIX_INPUT,
        UserText("antom.result.refund_amount_exceed", "more than the refundable amount"),
    ),
    "REFUND_WINDOW_EXCEED": (
        Action.FINAL,
        UserText("antom.result.refund_window_exceed", "too late to refund"),
    ),
    "REFUND_NOT_SUPPORTED": (
        Action.FINAL,
        UserText("antom.result.refund_not_supported", "refunds are not supported for this payment"),
    ),
    "PARTIAL_REFUND_NOT_SUPPORTED": (
        Action.FIX_INPUT,
        UserText("antom.result.partial_refund_not_supported", "only a full refund is possible"),
    ),
}
_INQUIRY_REFUND_F: dict[str, tuple[Action, str]] = {
    "REFUND_NOT_EXIST": (Action.FINAL, UserText("antom.result.refund_not_exist", "no such refund")),
}
_F_BY_API: dict[Api, dict[str, tuple[Action, str]]] = {
    Api.PAY: {**_COMMON_F, **_PAY_F},
    Api.CAPTURE: {**_COMMON_F, **_CAPTURE_F},
    Api.CANCEL: {**_COMMON_F, **_CANCEL_F},
    Api.REFUND: {**_COMMON_F, **_REFUND_F},
    Api.INQUIRY_PAYMENT: dict(_COMMON_F),
    Api.INQUIRY_REFUND: {**_COMMON_F, **_INQUIRY_REFUND_F},
    Api.CONSULT: {**_COMMON_F, **_PAY_F},
}
# U answers: a retry of the identical request is safe for these; any other U means "in
# process": wait for the notification or inquire.
_U_RETRY = {"UNKNOWN_EXCEPTION", "REQUEST_TRAFFIC_EXCEED_LIMIT"}


def explain(code: str, said: str = "") -> UserText | None:
    """Plain words for the F result code ``code`` (of any API), None for a code we have no
    rule for. ``said`` is Antom's own resultMessage for it: the English rendering is then
    Antom's words (what the journal and the English screens have always shown), while a
    translated UI shows ours for the code."""
    for table in (_COMMON_F, _PAY_F, _CAPTURE_F, _CANCEL_F, _REFUND_F, _INQUIRY_REFUND_F):
        rule = table.get(code)
        if rule is not None:
            words = rule[1]
            assert isinstance(words, UserText)
            return words.worded_as(said) if said else words
    return None


def known_codes(api: Api) -> frozenset[str]:
    return frozenset(_F_BY_API[api]) | _U_RETRY | {"SUCCESS"}


def classify(api: Api, result: Result) -> Classification:
    """What ``result`` means for ``api`` and what the caller must do.

    For inquiryPayment / inquiryRefund the result only says whether the *query* worked.
    An F code without a rule raises ``UnknownResultCodeError``: an unrecognised refusal is
    never turned into a decline (callers treat it as an unknown outcome and inquire).
    """
    if result.status is ResultStatus.SUCCESS:
        return Classification(AntomOutcome.SUCCEEDED, Action.FINAL, "success")
    if result.status is ResultStatus.UNKNOWN:
        if result.code in _U_RETRY:
            return Classification(
                AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID, "temporary problem at Antom"
            )
        if api.mutates:
            return Classification(AntomOutcome.UNKNOWN, Action.INQUIRE, "in process")
        return Classification(AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID, "query result unknown")
    rule = _F_BY_API[api].get(result.code)
    if rule is None:
        raise UnknownResultCodeError(
            f"{api.value}: unknown result code {result.code!r} with status F",
            result_code=result.code,
        )
    action, reason = rule
    return Classification(AntomOutcome.FAILED, action, reason)


# -- strict reading ------------------------------------------------------------------------

_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class _Reader:
    """Typed access to one JSON object; every error names the field's path."""

    __slots__ = ("_obj", "_path")

    def __init__(self, obj: object, path: str = "") -> None:
        if not isinstance(obj, Mapping):
            raise ProtocolError(f"{path or 'the body'} must be a JSON object")
        self._obj: Mapping[str, Any] = obj
        self._path = path

    def _name(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def has(self, key: str) -> bool:
        return self._obj.get(key) is not None

    def str_opt(self, key: str, max_len: int = 2048) -> str | None:
        value = self._obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ProtocolError(f"{self._name(key)} must be a string")
        if len(value) > max_len:
            raise ProtocolError(f"{self._name(key)} is longer than {max_len} characters")
        return value

    def str_req(self, key: str, max_len: int = 2048) -> str:
        value = self.str_opt(key, max_len)
        if value is None:
            raise ProtocolError(f"{self._name(key)} is missing")
        return value

    def bool_opt(self, key: str) -> bool | None:
        value = self._obj.get(key)
        if value is None:
            return None
        # Antom's docs send every scalar as a string; SDKs send real booleans. Accept both.
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        raise ProtocolError(f"{self._name(key)} must be true or false")

    def money_opt(self, key: str) -> Money | None:
        value = self._obj.get(key)
        if value is None:
            return None
        try:
            return Money.from_antom(value)
        except MoneyError as exc:
            raise ProtocolError(f"{self._name(key)}: {exc}") from None

    def money_req(self, key: str) -> Money:
        value = self.money_opt(key)
        if value is None:
            raise ProtocolError(f"{self._name(key)} is missing")
        return value

    def time_opt(self, key: str) -> datetime | None:
        text = self.str_opt(key, 64)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ProtocolError(f"{self._name(key)} is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            raise ProtocolError(f"{self._name(key)} has no UTC offset")
        return parsed

    def enum_opt(self, key: str, enum: type[E]) -> E | None:
        text = self.str_opt(key, 64)
        if text is None:
            return None
        try:
            return enum(text)
        except ValueError:
            raise ProtocolError(f"{self._name(key)} has the unknown value {text[:40]!r}") from None

    def enum_req(self, key: str, enum: type[E]) -> E:
        value = self.enum_opt(key, enum)
        if value is None:
            raise ProtocolError(f"{self._name(key)} is missing")
        return value

    def obj_opt(self, key: str) -> _Reader | None:
        value = self._obj.get(key)
        if value is None:
            return None
        return _Reader(value, self._name(key))

    def obj_req(self, key: str) -> _Reader:
        value = self.obj_opt(key)
        if value is None:
            raise ProtocolError(f"{self._name(key)} is missing")
        return value

    def list_opt(self, key: str, max_items: int = 1000) -> list[_Reader]:
        value = self._obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ProtocolError(f"{self._name(key)} must be a list")
        if len(value) > max_items:
            raise ProtocolError(f"{self._name(key)} has more than {max_items} items")
        return [_Reader(item, f"{self._name(key)}[{i}]") for i, item in enumerate(value)]

    def result(self, key: str = "result") -> Result:
        r = self.obj_req(key)
        code = r.str_req("resultCode", 64)
        if not _CODE.fullmatch(code):
            raise ProtocolError(f"{r._name('resultCode')} is not a result code")
        status = r.enum_req("resultStatus", ResultStatus)
        message = r.str_opt("resultMessage", 1024) or ""
        return Result(code, status, message)


def _same_id(r: _Reader, key: str, sent: str | None) -> str | None:
    """An echoed request id must be the one we sent: a mismatch is someone else's answer."""
    value = r.str_opt(key, 64)
    if value is not None and sent is not None and value != sent:
        raise ProtocolError(f"{key} in the answer ({value[:64]!r}) is not the one sent")
    return value


# -- request building ----------------------------------------------------------------------

_ID = re.compile(r"[\x21-\x7e]{1,64}")


def _check_id(name: str, value: str, max_len: int = 64) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > max_len:
        raise InvalidRequestError(name, f"must be 1 to {max_len} printable ASCII characters")
    return value


def _check_text(name: str, value: str | None, max_len: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise InvalidRequestError(name, f"must be text of at most {max_len} characters")
    return value


def _check_url(name: str, value: str | None, max_len: int = 2048) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"https?://[^\s]+$", value):
        raise InvalidRequestError(name, "must be an http(s) URL")
    if len(value) > max_len:
        raise InvalidRequestError(name, f"must be at most {max_len} characters")
    return value


def _amount(name: str, money: Money) -> dict[str, str]:
    if not isinstance(money, Money):
        raise InvalidRequestError(name, "must be Money")
    try:
        return money.to_antom()
    except MoneyError as exc:
        raise InvalidRequestError(name, str(exc)) from None


def _time(name: str, value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidRequestError(name, "must carry a UTC offset")
    return value.isoformat(timespec="seconds")


def _one_of_ids(first: tuple[str, str | None], second: tuple[str, str | None]) -> dict[str, Any]:
    """The body of a request naming its target by either of two ids (at least one given)."""
    if not first[1] and not second[1]:
        raise InvalidRequestError(first[0], f"{first[0]} or {second[0]} is required")
    for name, value in (first, second):
        if value is not None:
            _check_id(name, value)
    return drop_none(dict((first, second)))


def _checked(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` once the field table (``fields``) finds nothing Antom would refuse in it."""
    fields.enforce(api, body)
    return body


def drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without its None values (Antom's bodies omit absent fields; so do summaries)."""
    return {k: v for k, v in obj.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Address:
    region: str  # ISO 3166 alpha-2
    state: str | None = None
    city: str | None = None
    address1: str | None = None
    address2: str | None = None
    zip_code: str | None = None

    def to_antom(self) -> dict[str, str]:
        if not isinstance(self.region, str) or not re.fullmatch(r"[A-Z]{2}", self.region):
            raise InvalidRequestError("billingAddress.region", "must be two capital letters")
        for name, value, limit in (
            ("state", self.state, 8),
            ("city", self.city, 32),
            ("address1", self.address1, 256),
            ("address2", self.address2, 256),
            ("zipCode", self.zip_code, 32),
        ):
            _check_text(f"billingAddress.{name}", value, limit)
        return drop_none(
            {
                "region": self.region,
                "state": self.state,
                "city": self.city,
                "address1": self.address1,
                "address2": self.address2,
                "zipCode": self.zip_code,
            }
        )


def user_name(first: str | None, last: str | None) -> dict[str, str] | None:
    """A UserName object, or None: Antom requires both ``firstName`` and ``lastName`` in any
    UserName that is sent (protocol reference §20.1), so a name keyed as one word ("Madonna")
    sends none rather than half of one."""
    if not first or not last:
        return None
    return {"firstName": first, "lastName": last}


@dataclass(frozen=True, slots=True)
class Buyer:
    reference_buyer_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None

    def to_antom(self) -> dict[str, Any]:
        _check_text("buyer.referenceBuyerId", self.reference_buyer_id, 64)
        _check_text("buyer.buyerEmail", self.email, 64)
        _check_text("buyer.buyerPhoneNo", self.phone, 24)
        _check_text("buyer.firstName", self.first_name, 32)
        _check_text("buyer.lastName", self.last_name, 32)
        return drop_none(
            {
                "referenceBuyerId": self.reference_buyer_id,
                "buyerName": user_name(self.first_name, self.last_name),
                "buyerEmail": self.email,
                "buyerPhoneNo": self.phone,
            }
        )


@dataclass(frozen=True, slots=True)
class Goods:
    """One line of ``order.goods`` (risk data): the till has no item list, so one line
    describing the sale."""

    reference_goods_id: str
    name: str
    unit_amount: Money | None = None
    quantity: int = 1

    def to_antom(self) -> dict[str, Any]:
        _check_id("order.goods.referenceGoodsId", self.reference_goods_id)
        if not self.name or len(self.name) > 256:
            raise InvalidRequestError("order.goods.goodsName", "must be 1 to 256 characters")
        if not isinstance(self.quantity, int) or self.quantity < 1:
            raise InvalidRequestError("order.goods.goodsQuantity", "must be 1 or more")
        return drop_none(
            {
                "referenceGoodsId": self.reference_goods_id,
                "goodsName": self.name,
                "goodsQuantity": str(self.quantity),
                "goodsUnitAmount": (
                    _amount("order.goods.goodsUnitAmount", self.unit_amount)
                    if self.unit_amount is not None
                    else None
                ),
            }
        )


@dataclass(frozen=True, slots=True)
class Env:
    terminal_type: TerminalType = TerminalType.WEB
    client_ip: str | None = None
    os_type: str | None = None
    user_agent: str | None = None
    device_id: str | None = None

    def to_antom(self) -> dict[str, Any]:
        _check_text("env.clientIp", self.client_ip, 64)
        _check_text("env.userAgent", self.user_agent, 1024)
        _check_text("env.deviceId", self.device_id, 64)
        if self.os_type is not None and self.os_type not in ("IOS", "ANDROID"):
            raise InvalidRequestError("env.osType", "must be IOS or ANDROID")
        return drop_none(
            {
                "terminalType": TerminalType(self.terminal_type).value,
                "clientIp": self.client_ip,
                "osType": self.os_type,
                "userAgent": self.user_agent,
                "deviceId": self.device_id,
            }
        )


@dataclass(frozen=True, slots=True)
class PayRequest:
    """A card authorisation (``MANUAL`` capture) or sale (``AUTOMATIC`` capture).

    ``card`` holds the PAN and CVV in memory; its repr is masked.
    """

    payment_request_id: str
    amount: Money
    card: CardDetails
    reference_order_id: str
    order_description: str
    capture_mode: CaptureMode = CaptureMode.AUTOMATIC
    is_authorization: bool = True
    three_ds: bool = False
    env: Env = field(default_factory=Env)
    buyer: Buyer | None = None
    billing_address: Address | None = None
    payment_expiry_time: datetime | None = None
    notify_url: str | None = None
    redirect_url: str | None = None  # required by Antom: to_body refuses a body without it
    settlement_currency: str | None = None  # None: the transaction currency
    merchant_region: str | None = None
    goods: tuple[Goods, ...] = ()
    product_code: str = "CASHIER_PAYMENT"

    api = Api.PAY

    @property
    def request_id(self) -> str:
        return self.payment_request_id

    def to_body(self) -> dict[str, Any]:
        _check_id("paymentRequestId", self.payment_request_id)
        _check_id("order.referenceOrderId", self.reference_order_id)
        if not self.order_description or len(self.order_description) > 256:
            raise InvalidRequestError("order.orderDescription", "must be 1 to 256 characters")
        amount = _amount("paymentAmount", self.amount)
        card = self.card
        if not isinstance(card, CardDetails):
            raise InvalidRequestError("paymentMethod", "a card is required")
        if not card.pan.isdigit() or not 12 <= len(card.pan) <= 19:
            raise InvalidRequestError("paymentMethodMetaData.cardNo", "must be 12 to 19 digits")
        if not card.cvv.isdigit() or len(card.cvv) not in (3, 4):
            raise InvalidRequestError("paymentMethodMetaData.cvv", "must be 3 or 4 digits")
        if not 1 <= card.expiry_month <= 12:
            raise InvalidRequestError("paymentMethodMetaData.expiryMonth", "must be 01 to 12")
        meta: dict[str, Any] = {
            "cardNo": card.pan,
            "cvv": card.cvv,
            "expiryMonth": card.expiry_mm,
            "expiryYear": card.expiry_yy,
            "is3DSAuthentication": bool(self.three_ds),
        }
        holder = user_name(card.first_name, card.last_name)
        if holder is not None:
            meta["cardholderName"] = holder
        if self.billing_address is not None:
            meta["billingAddress"] = self.billing_address.to_antom()
        # The API model requires settlementStrategy; its currency matters once several
        # settlement currencies are contracted: always say it (protocol reference §20.1).
        settlement = self.settlement_currency or self.amount.currency
        if not re.fullmatch(r"[A-Z]{3}", settlement):
            raise InvalidRequestError("settlementStrategy.settlementCurrency", "ISO code")
        if self.merchant_region is not None and not re.fullmatch(r"[A-Z]{2}", self.merchant_region):
            raise InvalidRequestError("merchantRegion", "must be two capital letters")
        order: dict[str, Any] = {
            "referenceOrderId": self.reference_order_id,
            "orderDescription": self.order_description,
            "orderAmount": amount,
        }
        if self.buyer is not None:
            buyer = self.buyer.to_antom()
            if buyer:
                order["buyer"] = buyer
        if self.goods:
            if len(self.goods) > 100:
                raise InvalidRequestError("order.goods", "at most 100 lines")
            order["goods"] = [g.to_antom() for g in self.goods]
        body = drop_none(
            {
                "productCode": self.product_code,
                "paymentRequestId": self.payment_request_id,
                "order": order,
                "paymentAmount": amount,
                "paymentMethod": {"paymentMethodType": "CARD", "paymentMethodMetaData": meta},
                "paymentFactor": {
                    "isAuthorization": bool(self.is_authorization),
                    "captureMode": CaptureMode(self.capture_mode).value,
                },
                "env": self.env.to_antom(),
                "paymentExpiryTime": _time("paymentExpiryTime", self.payment_expiry_time),
                "paymentNotifyUrl": _check_url("paymentNotifyUrl", self.notify_url),
                "paymentRedirectUrl": _check_url("paymentRedirectUrl", self.redirect_url),
                "settlementStrategy": {"settlementCurrency": settlement},
                "merchantRegion": self.merchant_region,
            }
        )
        fields.enforce(self.api, body)
        return body


@dataclass(frozen=True, slots=True)
class CaptureRequest:
    capture_request_id: str
    payment_id: str
    amount: Money
    is_last_capture: bool | None = None

    api = Api.CAPTURE

    @property
    def request_id(self) -> str:
        return self.capture_request_id

    def to_body(self) -> dict[str, Any]:
        _check_id("captureRequestId", self.capture_request_id)
        _check_id("paymentId", self.payment_id)
        return _checked(
            self.api,
            drop_none(
                {
                    "captureRequestId": self.capture_request_id,
                    "paymentId": self.payment_id,
                    "captureAmount": _amount("captureAmount", self.amount),
                    "isLastCapture": self.is_last_capture,
                }
            ),
        )


@dataclass(frozen=True, slots=True)
class CancelRequest:
    """Cancel by ``payment_id`` or ``payment_request_id`` (Antom uses paymentId if both)."""

    payment_id: str | None = None
    payment_request_id: str | None = None

    api = Api.CANCEL

    @property
    def request_id(self) -> str:
        return self.payment_request_id or self.payment_id or ""

    def to_body(self) -> dict[str, Any]:
        return _checked(
            self.api,
            _one_of_ids(
                ("paymentId", self.payment_id), ("paymentRequestId", self.payment_request_id)
            ),
        )


@dataclass(frozen=True, slots=True)
class RefundRequest:
    refund_request_id: str
    payment_id: str
    amount: Money
    reason: str | None = None
    reference_refund_id: str | None = None
    notify_url: str | None = None
    capture_id: str | None = None

    api = Api.REFUND

    @property
    def request_id(self) -> str:
        return self.refund_request_id

    def to_body(self) -> dict[str, Any]:
        _check_id("refundRequestId", self.refund_request_id)
        _check_id("paymentId", self.payment_id)
        if self.reference_refund_id is not None:
            _check_id("referenceRefundId", self.reference_refund_id)
        if self.capture_id is not None:
            _check_id("captureId", self.capture_id)
        return _checked(
            self.api,
            drop_none(
                {
                    "refundRequestId": self.refund_request_id,
                    "paymentId": self.payment_id,
                    "refundAmount": _amount("refundAmount", self.amount),
                    "referenceRefundId": self.reference_refund_id,
                    "refundReason": _check_text("refundReason", self.reason, 256),
                    "refundNotifyUrl": _check_url("refundNotifyUrl", self.notify_url, 1024),
                    "captureId": self.capture_id,
                }
            ),
        )


@dataclass(frozen=True, slots=True)
class InquiryPaymentRequest:
    payment_request_id: str | None = None
    payment_id: str | None = None

    api = Api.INQUIRY_PAYMENT

    @property
    def request_id(self) -> str:
        return self.payment_request_id or self.payment_id or ""

    def to_body(self) -> dict[str, Any]:
        return _checked(
            self.api,
            _one_of_ids(
                ("paymentRequestId", self.payment_request_id), ("paymentId", self.payment_id)
            ),
        )


@dataclass(frozen=True, slots=True)
class InquiryRefundRequest:
    refund_request_id: str | None = None
    refund_id: str | None = None

    api = Api.INQUIRY_REFUND

    @property
    def request_id(self) -> str:
        return self.refund_request_id or self.refund_id or ""

    def to_body(self) -> dict[str, Any]:
        return _checked(
            self.api,
            _one_of_ids(("refundRequestId", self.refund_request_id), ("refundId", self.refund_id)),
        )


@dataclass(frozen=True, slots=True)
class ConsultRequest:
    """Which card brands (and their logos) are available for this amount."""

    amount: Money
    env: Env = field(default_factory=Env)
    merchant_region: str | None = None
    allowed_regions: tuple[str, ...] = ()
    product_code: str = "CASHIER_PAYMENT"

    api = Api.CONSULT

    @property
    def request_id(self) -> str:
        return ""

    def to_body(self) -> dict[str, Any]:
        return _checked(
            self.api,
            drop_none(
                {
                    "productCode": self.product_code,
                    "paymentAmount": _amount("paymentAmount", self.amount),
                    "env": self.env.to_antom(),
                    "merchantRegion": self.merchant_region,
                    "allowedPaymentMethodRegions": list(self.allowed_regions) or None,
                    "paymentFactor": {"isAuthorization": True},
                }
            ),
        )


AnyRequest = (
    PayRequest
    | CaptureRequest
    | CancelRequest
    | RefundRequest
    | InquiryPaymentRequest
    | InquiryRefundRequest
    | ConsultRequest
)


# -- response parsing ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreeDSResult:
    """``paymentResultInfo.threeDSResult``, every field the reference lists (§4.7).

    ``cavv`` is the authentication cryptogram: kept in memory for whoever reads the answer,
    never journaled (``posapp.core.journal.sanitise`` removes it; the journal notes that one
    was given)."""

    version: str | None = None  # threeDSVersion: 1.0.2 / 2.1.0 / 2.2.0
    eci: str | None = None
    cavv: str | None = field(default=None, repr=False)
    ds_transaction_id: str | None = None  # 3DS2 directory-server transaction id
    xid: str | None = None  # 3DS1
    status_reason: str | None = None  # threeDStransactionStatusReason
    challenge_cancel: str | None = None  # 01 cardholder cancelled ... 08 SDK timeout
    challenged: bool | None = None
    exemption_type: str | None = None  # dataOnly / lowValue / transactionRiskAnalysis
    offered: bool | None = None  # threeDSOffered
    pa_res_status: str | None = None  # Y N U A C R D I
    liability_shift: str | None = None  # 1 yes, 0 no, -1 unknown

    @staticmethod
    def parse(r: _Reader | None) -> ThreeDSResult | None:
        if r is None:
            return None
        return ThreeDSResult(
            version=r.str_opt("threeDSVersion", 16),
            eci=r.str_opt("eci", 8),
            cavv=r.str_opt("cavv", 256),
            ds_transaction_id=r.str_opt("dsTransactionId", 64),
            xid=r.str_opt("xid", 64),
            status_reason=r.str_opt("threeDStransactionStatusReason", 64),
            challenge_cancel=r.str_opt("challengeCancel", 8),
            challenged=r.bool_opt("challenged"),
            exemption_type=r.str_opt("exemptionType", 64),
            offered=r.bool_opt("threeDSOffered"),
            pa_res_status=r.str_opt("paResStatus", 8),
            liability_shift=r.str_opt("liabilityShift", 8),
        )


@dataclass(frozen=True, slots=True)
class CardResult:
    """``paymentResultInfo`` of a card payment: only masked card data."""

    card_no: str | None = None  # masked by Antom
    brand: str | None = None
    funding: str | None = None
    issuing_country: str | None = None
    card_bin: str | None = None
    last_four: str | None = None
    authorization_code: str | None = None
    network_transaction_id: str | None = None
    avs_result: str | None = None
    cvv_result: str | None = None
    three_ds: ThreeDSResult | None = None

    @staticmethod
    def parse(r: _Reader | None) -> CardResult | None:
        if r is None:
            return None
        three_ds = ThreeDSResult.parse(r.obj_opt("threeDSResult"))
        return CardResult(
            card_no=r.str_opt("cardNo", 32),
            brand=r.str_opt("cardBrand", 64),
            funding=r.str_opt("funding", 32),
            issuing_country=r.str_opt("issuingCountry", 8),
            card_bin=r.str_opt("cardBin", 8),
            last_four=r.str_opt("lastFour", 4),
            authorization_code=r.str_opt("authorizationCode", 64),
            network_transaction_id=r.str_opt("networkTransactionId", 256),
            avs_result=r.str_opt("avsResultRaw", 64),
            cvv_result=r.str_opt("cvvResultRaw", 64),
            three_ds=three_ds,
        )


class _Answer:
    """What every answer to an action (pay, capture, cancel, refund) tells the caller."""

    __slots__ = ()
    classification: Classification

    @property
    def outcome(self) -> AntomOutcome:
        return self.classification.outcome

    @property
    def action(self) -> Action:
        return self.classification.action


def _required(result: Result, value: V | None, key: str, answer: str) -> V | None:
    """``key`` must be present in a successful ``answer``."""
    if result.status is ResultStatus.SUCCESS and value is None:
        raise ProtocolError(f"{key} is missing from a successful {answer} answer")
    return value


def _no_answer(api: Api, error: AntomError) -> Classification:
    from posapp.core.antom.errors import named

    reason = UserText("reason.no_answer", "no verified answer ({error})", error=named(error))
    return Classification(AntomOutcome.UNKNOWN, Action.INQUIRE, reason)


@dataclass(frozen=True, slots=True)
class PayResponse(_Answer):
    """The pay answer. ``result is None`` when no verified answer came (``error`` says why):
    the outcome is then UNKNOWN and the caller must inquire, never assume a failure."""

    result: Result | None
    classification: Classification
    payment_request_id: str | None = None
    payment_id: str | None = None
    amount: Money | None = None
    create_time: datetime | None = None
    payment_time: datetime | None = None
    auth_expiry_time: datetime | None = None
    redirect_url: str | None = None  # 3DS: send the buyer here
    card: CardResult | None = None
    error: AntomError | None = None

    @classmethod
    def unknown(cls, request_id: str, error: AntomError) -> PayResponse:
        return cls(None, _no_answer(Api.PAY, error), payment_request_id=request_id, error=error)

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> PayResponse:
        r = _Reader(data)
        result = r.result()
        classification = classify(Api.PAY, result)
        payment_id = _required(result, r.str_opt("paymentId", 64), "paymentId", "pay")
        redirect = r.str_opt("normalUrl", 2048)
        form = r.obj_opt("redirectActionForm")
        if redirect is None and form is not None:
            redirect = form.str_opt("redirectUrl", 2048)
        return cls(
            result=result,
            classification=classification,
            payment_request_id=_same_id(r, "paymentRequestId", sent_request_id),
            payment_id=payment_id,
            amount=r.money_opt("paymentAmount"),
            create_time=r.time_opt("paymentCreateTime"),
            payment_time=r.time_opt("paymentTime"),
            auth_expiry_time=r.time_opt("authExpiryTime"),
            redirect_url=redirect,
            card=CardResult.parse(r.obj_opt("paymentResultInfo")),
        )


@dataclass(frozen=True, slots=True)
class CaptureResponse(_Answer):
    result: Result | None
    classification: Classification
    capture_request_id: str | None = None
    capture_id: str | None = None
    payment_id: str | None = None
    amount: Money | None = None
    capture_time: datetime | None = None
    error: AntomError | None = None

    @classmethod
    def unknown(cls, request_id: str, error: AntomError) -> CaptureResponse:
        return cls(None, _no_answer(Api.CAPTURE, error), capture_request_id=request_id, error=error)

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> CaptureResponse:
        r = _Reader(data)
        result = r.result()
        classification = classify(Api.CAPTURE, result)
        capture_id = _required(result, r.str_opt("captureId", 64), "captureId", "capture")
        return cls(
            result=result,
            classification=classification,
            capture_request_id=_same_id(r, "captureRequestId", sent_request_id),
            capture_id=capture_id,
            payment_id=r.str_opt("paymentId", 64),
            amount=r.money_opt("captureAmount"),
            capture_time=r.time_opt("captureTime"),
        )


@dataclass(frozen=True, slots=True)
class CancelResponse(_Answer):
    result: Result | None
    classification: Classification
    payment_id: str | None = None
    payment_request_id: str | None = None
    cancel_time: datetime | None = None
    error: AntomError | None = None

    @classmethod
    def unknown(cls, request_id: str, error: AntomError) -> CancelResponse:
        return cls(None, _no_answer(Api.CANCEL, error), payment_request_id=request_id, error=error)

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> CancelResponse:
        r = _Reader(data)
        result = r.result()
        return cls(
            result=result,
            classification=classify(Api.CANCEL, result),
            payment_id=r.str_opt("paymentId", 64),
            payment_request_id=r.str_opt("paymentRequestId", 64),
            cancel_time=r.time_opt("cancelTime"),
        )


@dataclass(frozen=True, slots=True)
class RefundResponse(_Answer):
    result: Result | None
    classification: Classification
    refund_request_id: str | None = None
    refund_id: str | None = None
    payment_id: str | None = None
    amount: Money | None = None
    refund_time: datetime | None = None
    error: AntomError | None = None

    @classmethod
    def unknown(cls, request_id: str, error: AntomError) -> RefundResponse:
        return cls(None, _no_answer(Api.REFUND, error), refund_request_id=request_id, error=error)

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> RefundResponse:
        r = _Reader(data)
        result = r.result()
        classification = classify(Api.REFUND, result)
        refund_id = _required(result, r.str_opt("refundId", 64), "refundId", "refund")
        return cls(
            result=result,
            classification=classification,
            refund_request_id=_same_id(r, "refundRequestId", sent_request_id),
            refund_id=refund_id,
            payment_id=r.str_opt("paymentId", 64),
            amount=r.money_opt("refundAmount"),
            refund_time=r.time_opt("refundTime"),
        )


# Result codes of an operation still in process (U). In inquiryPayment's transactions[],
# Antom's sample shows a capture in process as PAYMENT_IN_PROCESS; the capture answer's own
# code is CAPTURE_IN_PROCESS; refunds use REFUND_IN_PROCESS.
IN_PROCESS_CODES = frozenset({"PAYMENT_IN_PROCESS", "CAPTURE_IN_PROCESS", "REFUND_IN_PROCESS"})
_STATUS_OF_RESULT = {
    ResultStatus.SUCCESS: TransactionStatus.SUCCESS,
    ResultStatus.FAIL: TransactionStatus.FAIL,
    ResultStatus.UNKNOWN: TransactionStatus.PROCESSING,
}


@dataclass(frozen=True, slots=True)
class Transaction:
    """One entry of inquiryPayment ``transactions[]`` (a capture, a refund...)."""

    type: TransactionType
    status: TransactionStatus
    transaction_id: str | None
    request_id: str | None
    amount: Money | None
    time: datetime | None
    result: Result | None

    @property
    def in_process(self) -> bool:
        """Not final yet (a capture or refund still being processed)."""
        return self.status in (TransactionStatus.PROCESSING, TransactionStatus.PENDING)

    @staticmethod
    def parse(r: _Reader) -> Transaction:
        result = r.result("transactionResult") if r.has("transactionResult") else None
        status = r.enum_opt("transactionStatus", TransactionStatus)
        if status is None and result is not None:
            # transactionStatus is what we go by; without it, the result tells. A capture in
            # process reads PAYMENT_IN_PROCESS in Antom's sample and CAPTURE_IN_PROCESS in the
            # capture API: either (any U) is "not final".
            in_process = result.code in IN_PROCESS_CODES
            status = (
                TransactionStatus.PROCESSING if in_process else _STATUS_OF_RESULT[result.status]
            )
        if status is None:
            raise ProtocolError(f"{r._name('transactionStatus')} is missing")
        return Transaction(
            type=r.enum_req("transactionType", TransactionType),
            status=status,
            transaction_id=r.str_opt("transactionId", 64),
            request_id=r.str_opt("transactionRequestId", 64),
            amount=r.money_opt("transactionAmount"),
            time=r.time_opt("transactionTime"),
            result=result,
        )


@dataclass(frozen=True, slots=True)
class InquiryPaymentResponse:
    """``result`` says whether the query worked; the payment's state is ``payment_status``."""

    result: Result
    classification: Classification
    payment_status: PaymentStatus | None = None
    payment_result_code: str | None = None
    payment_result_message: str | None = None
    payment_request_id: str | None = None
    payment_id: str | None = None
    amount: Money | None = None
    create_time: datetime | None = None
    payment_time: datetime | None = None
    auth_expiry_time: datetime | None = None
    card: CardResult | None = None
    transactions: tuple[Transaction, ...] = ()

    @property
    def found(self) -> bool:
        return self.payment_status is not None

    @property
    def not_found(self) -> bool:
        return self.result.code == "ORDER_NOT_EXIST"

    def captures(self) -> tuple[Transaction, ...]:
        return tuple(t for t in self.transactions if t.type is TransactionType.CAPTURE)

    def refunds(self) -> tuple[Transaction, ...]:
        return tuple(t for t in self.transactions if t.type is TransactionType.REFUND)

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> InquiryPaymentResponse:
        r = _Reader(data)
        result = r.result()
        classification = classify(Api.INQUIRY_PAYMENT, result)
        status = _required(
            result, r.enum_opt("paymentStatus", PaymentStatus), "paymentStatus", "inquiry"
        )
        return cls(
            result=result,
            classification=classification,
            payment_status=status,
            payment_result_code=r.str_opt("paymentResultCode", 64),
            payment_result_message=r.str_opt("paymentResultMessage", 1024),
            payment_request_id=_same_id(r, "paymentRequestId", sent_request_id),
            payment_id=r.str_opt("paymentId", 64),
            amount=r.money_opt("paymentAmount"),
            create_time=r.time_opt("paymentCreateTime"),
            payment_time=r.time_opt("paymentTime"),
            auth_expiry_time=r.time_opt("authExpiryTime"),
            card=CardResult.parse(r.obj_opt("paymentResultInfo") or r.obj_opt("cardInfo")),
            transactions=tuple(Transaction.parse(t) for t in r.list_opt("transactions")),
        )


@dataclass(frozen=True, slots=True)
class InquiryRefundResponse:
    result: Result
    classification: Classification
    refund_status: RefundStatus | None = None
    refund_id: str | None = None
    refund_request_id: str | None = None
    amount: Money | None = None
    refund_time: datetime | None = None

    @property
    def found(self) -> bool:
        return self.refund_status is not None

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> InquiryRefundResponse:
        r = _Reader(data)
        result = r.result()
        classification = classify(Api.INQUIRY_REFUND, result)
        status = _required(
            result, r.enum_opt("refundStatus", RefundStatus), "refundStatus", "inquiry"
        )
        return cls(
            result=result,
            classification=classification,
            refund_status=status,
            refund_id=r.str_opt("refundId", 64),
            refund_request_id=_same_id(r, "refundRequestId", sent_request_id),
            amount=r.money_opt("refundAmount"),
            refund_time=r.time_opt("refundTime"),
        )


@dataclass(frozen=True, slots=True)
class Logo:
    name: str | None
    url: str | None

    @staticmethod
    def parse(r: _Reader | None) -> Logo | None:
        if r is None:
            return None
        return Logo(r.str_opt("logoName", 64), r.str_opt("logoUrl", 2048))


@dataclass(frozen=True, slots=True)
class CardBrandInfo:
    brand: str
    logo: Logo | None


@dataclass(frozen=True, slots=True)
class PaymentOption:
    method_type: str
    category: str | None
    enabled: bool
    preferred: bool
    disable_reason: str | None
    logo: Logo | None
    card_brands: tuple[CardBrandInfo, ...]
    funding: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConsultResponse:
    result: Result
    classification: Classification
    options: tuple[PaymentOption, ...] = ()

    def card_brands(self) -> tuple[CardBrandInfo, ...]:
        """Brands of the enabled CARD options, in the order Antom gives them."""
        seen: dict[str, CardBrandInfo] = {}
        for option in self.options:
            if option.method_type == "CARD" and option.enabled:
                for brand in option.card_brands:
                    seen.setdefault(brand.brand, brand)
        return tuple(seen.values())

    @classmethod
    def parse(cls, data: object, sent_request_id: str | None = None) -> ConsultResponse:
        r = _Reader(data)
        result = r.result()
        classification = classify(Api.CONSULT, result)
        options = []
        for o in r.list_opt("paymentOptions"):
            detail = o.obj_opt("paymentOptionDetail")
            brands: list[CardBrandInfo] = []
            funding: list[str] = []
            if detail is not None:
                for b in detail.list_opt("supportCardBrands"):
                    brands.append(
                        CardBrandInfo(b.str_req("cardBrand", 64), Logo.parse(b.obj_opt("logo")))
                    )
                raw_funding = detail._obj.get("funding")
                if raw_funding is not None:
                    if not isinstance(raw_funding, list) or not all(
                        isinstance(f, str) for f in raw_funding
                    ):
                        raise ProtocolError(f"{detail._name('funding')} must be a list of strings")
                    funding = list(raw_funding)
            options.append(
                PaymentOption(
                    method_type=o.str_req("paymentMethodType", 64),
                    category=o.str_opt("paymentMethodCategory", 64),
                    enabled=bool(o.bool_opt("enabled")),
                    preferred=bool(o.bool_opt("preferred")),
                    disable_reason=o.str_opt("disableReason", 128),
                    logo=Logo.parse(o.obj_opt("logo")),
                    card_brands=tuple(brands),
                    funding=tuple(funding),
                )
            )
        return cls(result=result, classification=classification, options=tuple(options))


AnyResponse = (
    PayResponse
    | CaptureResponse
    | CancelResponse
    | RefundResponse
    | InquiryPaymentResponse
    | InquiryRefundResponse
    | ConsultResponse
)


def parsers() -> Mapping[Api, Any]:
    """The response parser of each API (``cls.parse(data, sent_request_id)``)."""
    return {
        Api.PAY: PayResponse,
        Api.CAPTURE: CaptureResponse,
        Api.CANCEL: CancelResponse,
        Api.REFUND: RefundResponse,
        Api.INQUIRY_PAYMENT: InquiryPaymentResponse,
        Api.INQUIRY_REFUND: InquiryRefundResponse,
        Api.CONSULT: ConsultResponse,
    }


__all__: Sequence[str] = (
    "IN_PROCESS_CODES",
    "Action",
    "Address",
    "AntomOutcome",
    "AnyRequest",
    "AnyResponse",
    "Api",
    "Buyer",
    "CancelRequest",
    "CancelResponse",
    "CaptureMode",
    "CaptureRequest",
    "CaptureResponse",
    "CardBrandInfo",
    "CardResult",
    "Classification",
    "ConsultRequest",
    "ConsultResponse",
    "Env",
    "Goods",
    "InquiryPaymentRequest",
    "InquiryPaymentResponse",
    "InquiryRefundRequest",
    "InquiryRefundResponse",
    "Logo",
    "NotifyType",
    "PayRequest",
    "PayResponse",
    "PaymentOption",
    "PaymentStatus",
    "RefundRequest",
    "RefundResponse",
    "RefundStatus",
    "Result",
    "ResultStatus",
    "TerminalType",
    "ThreeDSResult",
    "Transaction",
    "TransactionStatus",
    "TransactionType",
    "classify",
    "explain",
    "known_codes",
)
