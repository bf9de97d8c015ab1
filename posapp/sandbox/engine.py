"""The simulated Antom: pay, capture, cancel, refund, inquiries and consult, with their rules.

Every API takes the parsed request body and returns the response body (a dict); refusals are
``ApiError``s that the server turns into a signed ``result``. State lives in the ``Store``;
each call is one short transaction. Time-driven rules (slow authorisations, the 14-minute
payment expiry, the 7-day authorisation release, captures/refunds "in process") are applied
by ``tick``, which runs before every call, from a background ticker and after a clock jump.

The card features of the guide's sections 16-19, and the reading taken where it marks a fact
unconfirmed (a client built for either reading works against this one):

- Saved cards (16). ``tokenize=true`` on a pay that *succeeds* stores the card for the merchant
  account (``merchantAccountId``, else the client id's own account) and answers
  ``paymentResultInfo.cardToken`` in the pay answer as well as in inquiryPayment and
  notifyPayment (whether the synchronous answer carries it is unconfirmed: it does here, and a
  client that reads it from inquiry/notify only is right too). A token is paid with as
  ``paymentMethod.paymentMethodId`` and no card data; ``isCardOnFile`` true or absent (false is
  refused); a CVV is accepted at the brand's length, never required (unconfirmed). Unknown,
  removed and another merchant account's tokens answer ``TOKEN_REFUSED``
  (``INVALID_PAYMENT_METHOD_META_DATA``; no code is documented: a client should treat
  ``PARAM_ILLEGAL`` the same); another merchant's token is not told apart from an unknown one.
  ``vaults/inquireToken`` and ``vaults/deleteToken`` need ``merchantAccountId`` (M in 16.4): a
  token stored without one belongs to the account named by the client id. Deleting twice
  answers SUCCESS (a retry after a lost answer). inquireToken gives ``accountHolderName`` as a
  UserName with ``fullName`` (updateToken's type; the answer's is not documented) and
  ``tokenExpiryTime`` the card's last day. See tokens.py for how the state keeps tokens.
- MIT (17). A pay is merchant-initiated when it names ``recurringType`` (``SCHEDULED``,
  ``UNSCHEDULED``) or a ``networkTransactionId`` (an MIT without recurringType is accepted:
  unconfirmed). It needs ``isCardOnFile=true``, a stored credential (a token; or card data with
  the network id of an earlier successful payment of that card: "presumably allowed") and no
  CVV; a network id, when sent, must be one of that card's earlier successful payments (with a
  token it may be left out: whether it is mandatory is unconfirmed). Refusals are
  ``PARAM_ILLEGAL`` naming the field. MITs run without 3DS: ``is3DSAuthentication`` and
  ``mpiData`` are ignored on them (rejected or ignored: unconfirmed). Results are the ordinary
  codes with ``refusalCodeRaw``/``merchantAdviceCode`` (17.3); two test cards decline MITs.
- Installments (18): installments.py. A plan consult did not offer: ``PARAM_ILLEGAL`` on
  ``creditPayPlan.installmentNum`` (no instalment code is documented); a card outside the
  market's brands or not a credit card: ``CARD_NOT_SUPPORTED``. The plan is echoed in
  ``paymentResultInfo.creditPayPlan`` (``installmentNum`` as a number, the pay model's type;
  consult's plans give it as a String, their model's type).
- Brands (19.1): a co-badged card's brands come from its BIN (scenarios.BINS); without
  ``selectedCardBrand`` the payment goes through the first (Antom's routing); one the card does
  not carry is ``SELECTED_CARD_BRAND_NOT_AVAILABLE``. ``getCardInfo`` (Java SDK only) tells
  ``cardBrand``, ``localCardBrand`` and ``coBagedCardBrand`` (a single brand name: its type is
  not documented).
- MPI (19.2): ``paymentMethodMetaData.mpiData`` (the SDK's card model; whether pay takes it
  there is unconfirmed). Authenticated (ECI 05/02 with a CAVV): no 3DS of Antom's, whatever
  ``is3DSAuthentication`` says. Attempted (06/01): approved, but a card whose issuer demands
  3DS is challenged. Not authenticated: ``USER_PAYMENT_VERIFICATION_FAILED``, or with
  ``is3DSAuthentication=true`` Antom's own challenge. The CAVV is neither echoed nor kept.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import logging
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from posapp.core import cards
from posapp.core.money import EXPONENTS, Money
from posapp.sandbox import installments, scenarios, tokens, validation
from posapp.sandbox.clock import SandboxClock, iso, to_us
from posapp.sandbox.keys import SandboxKeys
from posapp.sandbox.scenarios import Outcome, Scenario
from posapp.sandbox.shared import NEXT_DUE_US, SharedPage
from posapp.sandbox.store import Store
from posapp.sandbox.validation import ApiError, Json

log = logging.getLogger("posapp.sandbox")

US_PER_S = 1_000_000
PAYMENT_EXPIRY = timedelta(minutes=14)
AUTH_HOLD = timedelta(days=7)
AUTH_HOLD_US = AUTH_HOLD // timedelta(microseconds=1)
PAYMENT_EXPIRY_US = PAYMENT_EXPIRY // timedelta(microseconds=1)
NOTIFY_SCHEDULE = (
    timedelta(0),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),
)
SUPPORTED_BRANDS = (
    cards.CardBrand.VISA,
    cards.CardBrand.MASTERCARD,
    cards.CardBrand.AMEX,
    cards.CardBrand.JCB,
    cards.CardBrand.DISCOVER,
    cards.CardBrand.DINERS,
    cards.CardBrand.CUP,
    cards.CardBrand.MAESTRO,
    cards.CardBrand.HYUNDAI,
)
# consult's supportCardBrands: the brands above and the local brand of co-badged cards
CONSULT_BRANDS = (*(b.value for b in SUPPORTED_BRANDS), "CARTES_BANCAIRES")
_META = "paymentMethod.paymentMethodMetaData"
# An unknown, removed or other merchant's card token (16.2: the code is not documented; the
# sandbox takes the card-metadata code of 4.8, the other reading being PARAM_ILLEGAL).
TOKEN_REFUSED = "INVALID_PAYMENT_METHOD_META_DATA"  # noqa: S105 - a result code


def result(code: str = "SUCCESS", status: str = "S", message: str = "success") -> Json:
    return {"resultCode": code, "resultStatus": status, "resultMessage": message}


def _redirect_form(link: str) -> Json:
    return {"method": "GET", "redirectUrl": link, "actionFormType": "RedirectActionForm"}


def _money(amount: Json) -> Money:
    """An Amount object the table has already checked."""
    return Money(int(amount["value"]), amount["currency"])


def _amount_json(currency: str, minor: int) -> Json:
    return {"currency": currency, "value": str(minor)}


def _new_id(now_us: int, prefix: str = "") -> str:
    # Antom ids are long digit strings that start with the date.
    stamp = iso(now_us)[:10].replace("-", "")
    return f"{prefix}{stamp}{secrets.randbits(64) % 10**19:019d}"


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _PayRequest:
    """What pay reads from a request the table has accepted."""

    request_id: str
    amount: Money
    reference_order_id: str
    meta: Json  # paymentMethod.paymentMethodMetaData
    holder_name: str
    zip_code: str | None
    wants_3ds: bool
    tokenize: bool
    capture_mode: str
    notify_url: str | None
    redirect_url: str | None
    expiry_at: datetime | None
    token: str | None  # paymentMethod.paymentMethodId: a stored card (16.3)
    account: str  # merchantAccountId, else the client id's own account
    card_on_file: bool | None  # isCardOnFile (None: not sent)
    recurring_type: str | None
    network_transaction_id: str | None
    plan: Json | None  # creditPayPlan
    mpi: Json | None  # mpiData: a third party's 3DS result (19.2)

    @property
    def merchant_initiated(self) -> bool:
        """17.2: an MIT names its kind (recurringType) or the first CIT's network id; a
        networkTransactionId without recurringType counts too (what Antom does then is
        unconfirmed: the sandbox accepts it as an MIT)."""
        return self.recurring_type is not None or self.network_transaction_id is not None


@dataclass(frozen=True, slots=True)
class _PayCard:
    """The card of a pay request, once checked: nothing here is the PAN or the CVV."""

    brand: cards.CardBrand  # the scheme the number's prefix names
    brands: tuple[str, ...]  # every brand it carries (more than one: co-badged, 19.1)
    funding: str
    fingerprint: str
    masked: cards.MaskedCard
    month: str
    year: str
    has_cvv: bool
    slow_seconds: int  # how long a slow authorisation stays PROCESSING (from the CVV)
    scenario: Scenario
    token_id: str | None = None  # paid with this stored card
    token_hash: str | None = None
    holder_name: str | None = None  # the stored card's holder


class Engine:
    """The sandbox's business rules over the store. Thread-safe (the store serialises)."""

    def __init__(
        self,
        store: Store,
        clock: SandboxClock,
        keys: SandboxKeys,
        *,
        page: SharedPage | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.keys = keys
        self.base_url = "http://127.0.0.1"
        self.on_notification: Callable[[], None] = lambda: None
        self._next_due_us: int | None = 0  # 0: unknown, look at the store
        self._due_lock = threading.Lock()
        # several processes on one state dir keep the next due time in the shared page
        # (every change to it happens under the store's cross-process lock)
        self._page = page
        self.apis: dict[str, Callable[[Json], Json]] = {
            "pay": self.pay,
            "inquiryPayment": self.inquiry_payment,
            "capture": self.capture,
            "cancel": self.cancel,
            "refund": self.refund,
            "inquiryRefund": self.inquiry_refund,
            "consult": self.consult,
            "getCardInfo": self.get_card_info,
            "vaults/inquireToken": self.inquire_token,
            "vaults/deleteToken": self.delete_token,
        }

    # -- time-driven rules ------------------------------------------------------------------
    def _get_due(self) -> int | None:
        if self._page is None:
            return self._next_due_us
        value = self._page.get(NEXT_DUE_US)
        return None if value < 0 else value

    def _set_due(self, when_us: int | None) -> None:
        if self._page is None:
            self._next_due_us = when_us
        else:
            self._page.set(NEXT_DUE_US, -1 if when_us is None else when_us)

    def _due(self, when_us: int | None) -> None:
        if when_us is None:
            return
        with self._due_lock:
            due = self._get_due()
            if due is None or when_us < due:
                self._set_due(when_us)

    def tick(self, *, force: bool = False) -> None:
        """Apply every time-driven rule that is due on the sandbox clock."""
        now = self.clock.now_us()
        due = self._get_due()  # one read (atomic): the common "nothing due" exit
        if not force and (due is None or due > now):
            return
        notified = False
        with self.store.tx() as db:
            for row in db.execute(
                "SELECT * FROM payments WHERE status='PROCESSING' AND settle_us <= ?", (now,)
            ).fetchall():
                p = dict(row)
                info = json.loads(p["result_info"])
                if p["settle_outcome"] == "SUCCESS":
                    self._set_approved(p, int(p["settle_us"]), info)
                    self._issue_token(db, p, info)
                else:
                    scenario = _scenario_named(p["scenario"])
                    self._set_declined(p, scenario.result_code, scenario.result_message, info)
                _save(db, p)
                notified |= self._after_final(db, p, now)
            for row in db.execute(
                "SELECT * FROM payments WHERE status='PROCESSING' AND expires_us <= ?", (now,)
            ).fetchall():
                p = dict(row)
                message = f"The payment expired at {iso(int(p['expires_us']))} without a result."
                self._set_declined(p, "ORDER_IS_CLOSED", message, json.loads(p["result_info"]))
                _save(db, p)
                notified |= self._after_final(db, p, now)
            db.execute(
                "UPDATE payments SET status='CANCELLED', released_us=auth_expiry_us "
                "WHERE status='SUCCESS' AND capture_mode='MANUAL' AND auth_expiry_us <= ? "
                "AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.payment_id=payments.payment_id)",
                (now,),
            )
            for row in db.execute(
                "SELECT c.*, p.notify_url FROM captures c JOIN payments p USING (payment_id)"
                " WHERE c.status='PROCESSING' AND c.settle_us <= ?",
                (now,),
            ).fetchall():
                cap = dict(row)
                cap.update(status="SUCCESS", capture_us=cap["settle_us"], settle_us=None)
                db.execute(
                    "UPDATE captures SET status='SUCCESS', capture_us=?, settle_us=NULL "
                    "WHERE capture_id=?",
                    (cap["capture_us"], cap["capture_id"]),
                )
                notified |= self._notify_capture(db, cap, cap["notify_url"], now)
            for row in db.execute(
                "SELECT r.*, p.notify_url AS payment_notify_url FROM refunds r"
                " JOIN payments p USING (payment_id)"
                " WHERE r.status='PROCESSING' AND r.settle_us <= ?",
                (now,),
            ).fetchall():
                ref = dict(row)
                ref.update(status="SUCCESS", refund_us=ref["settle_us"], settle_us=None)
                db.execute(
                    "UPDATE refunds SET status='SUCCESS', refund_us=?, settle_us=NULL "
                    "WHERE refund_id=?",
                    (ref["refund_us"], ref["refund_id"]),
                )
                notified |= self._notify_refund(db, ref, ref["payment_notify_url"], now)
            nxt = db.execute(
                "SELECT MIN(t) FROM ("
                " SELECT MIN(settle_us) AS t FROM payments WHERE status='PROCESSING'"
                " UNION ALL SELECT MIN(expires_us) FROM payments WHERE status='PROCESSING'"
                " UNION ALL SELECT MIN(auth_expiry_us) FROM payments"
                "   WHERE status='SUCCESS' AND capture_mode='MANUAL' AND NOT EXISTS"
                "   (SELECT 1 FROM captures c WHERE c.payment_id = payments.payment_id)"
                " UNION ALL SELECT MIN(settle_us) FROM captures WHERE status='PROCESSING'"
                " UNION ALL SELECT MIN(settle_us) FROM refunds WHERE status='PROCESSING')"
            ).fetchone()[0]
            # still under the store lock: a write that adds a due time cannot slip in between
            with self._due_lock:
                self._set_due(None if nxt is None else int(nxt))
        if notified:
            self.on_notification()

    # -- state changes (on a payment dict; callers write it with _save or an INSERT) -----------
    def _set_approved(self, p: Json, at: int, info: Json) -> None:
        info.setdefault("networkTransactionId", f"{secrets.randbelow(10**15):015d}")
        info.setdefault("authorizationCode", f"{secrets.randbelow(10**6):06d}")
        info.setdefault("rrn", f"{secrets.randbelow(10**12):012d}")
        # 4.7: Booleans returned on a successful authorisation (what the sandbox supports)
        info.update(
            incrementalAuthorizationAvailable=False,
            extendedAuthorizationAvailable=False,
            refundOnAuthorizationAvailable=False,
        )
        p.update(
            status="SUCCESS",
            result_code="SUCCESS",
            result_message="success",
            paid_us=at,
            auth_expiry_us=at + AUTH_HOLD_US,
            settle_us=None,
            settle_outcome=None,
            challenge_token=None,
            result_info=json.dumps(info),
        )

    @staticmethod
    def _set_declined(p: Json, code: str, message: str, info: Json) -> None:
        # no token without a successful payment (16.1)
        for key in ("cardToken", tokens.REF, tokens.ASKED):
            info.pop(key, None)
        # 4.7: the raw decline data "when the channel provides it" (the issuer's own answer)
        if code in _ISSUER_REFUSALS:
            raw_code, merchant_advice = _ISSUER_REFUSALS[code]
            # (a decline that already carries the issuer's own codes keeps them: MIT refusals)
            info.setdefault("refusalCodeRaw", raw_code)
            info.setdefault("refusalReasonRaw", message)
            if merchant_advice:
                info.setdefault("merchantAdviceCode", merchant_advice)
        p.update(
            status="FAIL",
            result_code=code,
            result_message=message,
            settle_us=None,
            settle_outcome=None,
            challenge_token=None,
            result_info=json.dumps(info),
        )

    def _issue_token(self, db: sqlite3.Connection, p: Json, info: Json) -> None:
        """16.1: a payment that asked for a token and succeeded stores the card for the
        merchant account that asked (the same token again while one is active)."""
        account = info.pop(tokens.ASKED, None)
        if not account or p["status"] != "SUCCESS":
            return
        row = db.execute(
            "SELECT token_id FROM card_tokens WHERE card_fingerprint=? AND merchant_account=?"
            " AND deleted_us IS NULL",
            (p["card_fingerprint"], account),
        ).fetchone()
        if row is not None:
            token_id = row[0]
        else:
            token_id = tokens.new_id()
            token = tokens.token_for(self.keys.fingerprint_key, token_id)
            primary = cards.detect_brand(p["card_masked"][:6])
            _insert(
                db,
                "card_tokens",
                {
                    "token_hash": tokens.token_hash(self.keys.fingerprint_key, token),
                    "token_id": token_id,
                    "client_id": self.keys.client_id,
                    "merchant_account": account,
                    "card_fingerprint": p["card_fingerprint"],
                    "card_masked": p["card_masked"],
                    "card_brand": primary.value if primary else p["card_brand"],
                    "expiry_month": info["expiryMonth"],
                    "expiry_year": info["expiryYear"],
                    "holder_name": info.get("cardholderName"),
                    "issuing_country": info["issuingCountry"],
                    "scenario": p["scenario"],
                    "payment_id": p["payment_id"],
                    "created_us": p["paid_us"],
                    "deleted_us": None,
                },
            )
            del token  # the state keeps its keyed hash only
        info[tokens.REF] = token_id
        p["result_info"] = json.dumps(info)

    def _after_final(self, db: sqlite3.Connection, p: Json, at: int) -> bool:
        """What follows a final pay outcome (already written): notifyPayment and, with
        AUTOMATIC capture, the capture. True if a notification was queued."""
        notified = self._notify_payment(db, p, at)
        if p["status"] == "SUCCESS" and p["capture_mode"] == "MANUAL":
            self._due(p["auth_expiry_us"])  # the 7-day release
        if p["status"] != "SUCCESS" or p["capture_mode"] != "AUTOMATIC":
            return notified
        scenario = _scenario_named(p["scenario"])
        settle = at + scenarios.IN_PROCESS_SECONDS * US_PER_S
        cap: Json = {
            "capture_id": _new_id(at, "C"),
            "capture_request_id": "AUTO-" + p["payment_id"],
            "payment_id": p["payment_id"],
            "currency": p["currency"],
            "amount": p["amount"],
            "status": "PROCESSING" if scenario.capture_in_process else "SUCCESS",
            "created_us": at,
            "capture_us": None if scenario.capture_in_process else at,
            "settle_us": settle if scenario.capture_in_process else None,
            "request_hash": "",
        }
        _insert(db, "captures", cap)
        if scenario.capture_in_process:
            self._due(settle)
            return notified
        return self._notify_capture(db, cap, p["notify_url"], at) or notified

    # -- notifications ------------------------------------------------------------------------
    @staticmethod
    def _enqueue(db: sqlite3.Connection, kind: str, url: str | None, body: Json, at: int) -> bool:
        if not url:
            return False
        db.execute(
            "INSERT INTO notifications(kind, url, body, created_us, next_us) VALUES (?, ?, ?, ?, ?)",
            (kind, url, json.dumps(body, separators=(",", ":")), at, at),
        )
        return True

    def _notify_payment(self, db: sqlite3.Connection, p: Json, at: int) -> bool:
        if not p["notify_url"]:
            return False
        status = "S" if p["status"] == "SUCCESS" else "F"
        body: Json = {
            "notifyType": "PAYMENT_RESULT",
            "result": result(p["result_code"], status, p["result_message"]),
            "paymentRequestId": p["payment_request_id"],
            "paymentId": p["payment_id"],
            "paymentAmount": _amount_json(p["currency"], p["amount"]),
            "paymentCreateTime": iso(p["created_us"]),
            "paymentMethodType": "CARD",
            "paymentResultInfo": json.loads(p["result_info"]),
        }
        if p["status"] == "SUCCESS":
            body["paymentTime"] = iso(p["paid_us"])
            if p["capture_mode"] == "MANUAL":
                body["authExpiryTime"] = iso(p["auth_expiry_us"])
        return self._enqueue(db, "notifyPayment", p["notify_url"], body, at)

    def _notify_capture(
        self, db: sqlite3.Connection, cap: Json, notify_url: str | None, at: int
    ) -> bool:
        body: Json = {
            "notifyType": "CAPTURE_RESULT",
            "result": result(),
            "captureRequestId": cap["capture_request_id"],
            "paymentId": cap["payment_id"],
            "captureId": cap["capture_id"],
            "captureAmount": _amount_json(cap["currency"], cap["amount"]),
            "captureTime": iso(cap["capture_us"]),
        }
        return self._enqueue(db, "notifyCapture", notify_url, body, at)

    def _notify_refund(
        self, db: sqlite3.Connection, ref: Json, payment_notify_url: str | None, at: int
    ) -> bool:
        body: Json = {
            "notifyType": "REFUND_RESULT",
            "result": result(),
            "refundStatus": "SUCCESS",
            "refundRequestId": ref["refund_request_id"],
            "refundId": ref["refund_id"],
            "paymentId": ref["payment_id"],
            "refundAmount": _amount_json(ref["currency"], ref["amount"]),
            "refundTime": iso(ref["refund_us"]),
        }
        # refundNotifyUrl wins; without one the payment's notify URL is used
        url = ref["notify_url"] or payment_notify_url
        return self._enqueue(db, "notifyRefund", url, body, at)

    # -- pay ----------------------------------------------------------------------------------
    # pay reads as its steps: the request (validated) -> the card (raw data or a stored card)
    # -> stored-credential rules (MIT) -> the brand -> the installment plan -> the payment row
    # -> the issuer's decision (risk, 3DS/MPI, authorisation) -> recorded once (idempotency,
    # capture mode, token) -> the answer.
    def pay(self, req: Json) -> Json:
        ask = self._pay_request(req)
        card = self._pay_card(ask)
        self._check_stored_credential(ask, card)
        brand = self._check_brand(ask, card)
        plan = self._check_plan(ask, card, brand)
        p, info = self._new_payment(ask, card, brand, plan)
        self._decide(ask, card, brand, p, info)
        return self._record_payment(ask, p, info)

    def _pay_request(self, req: Json) -> _PayRequest:
        """Validate: the table vouches for every shape; what pay reads from the body."""
        validation.check("pay", req, self.clock.now())
        method: Json = req["paymentMethod"]
        meta: Json = method["paymentMethodMetaData"]
        holder = meta.get("cardholderName") or {}
        holder_name = (holder.get("fullName") or "").strip() or " ".join(
            holder[k].strip() for k in ("firstName", "middleName", "lastName") if holder.get(k)
        )
        billing = meta.get("billingAddress") or {}
        factor: Json = req.get("paymentFactor") or {}
        expiry_text = req.get("paymentExpiryTime")
        on_file = meta.get("isCardOnFile")
        return _PayRequest(
            request_id=req["paymentRequestId"],
            amount=_money(req["paymentAmount"]),
            reference_order_id=req["order"]["referenceOrderId"],
            meta=meta,
            holder_name=holder_name,
            zip_code=billing.get("zipCode") or None,
            wants_3ds=validation.flag(meta.get("is3DSAuthentication")),
            tokenize=validation.flag(meta.get("tokenize")),
            capture_mode=factor.get("captureMode") or "AUTOMATIC",
            notify_url=req.get("paymentNotifyUrl") or None,
            redirect_url=req.get("paymentRedirectUrl") or None,
            expiry_at=datetime.fromisoformat(expiry_text) if expiry_text else None,
            token=method.get("paymentMethodId") or None,
            account=req.get("merchantAccountId") or self.keys.client_id,
            card_on_file=None if on_file is None else validation.flag(on_file),
            recurring_type=meta.get("recurringType") or None,
            network_transaction_id=meta.get("networkTransactionId") or None,
            plan=req.get("creditPayPlan"),
            mpi=meta.get("mpiData"),
        )

    def _pay_card(self, ask: _PayRequest) -> _PayCard:
        """The issuer's rules on the card data (Luhn, brand, length, expiry, CVV length).
        The PAN and CVV go no further than this method: the card is kept as masked number,
        keyed fingerprint and scenario."""
        if ask.token is not None:
            return self._stored_card(ask)
        meta = ask.meta
        card_no: str = meta["cardNo"]
        brand = cards.detect_brand(card_no)
        if not cards.PAN_MIN <= len(card_no) <= cards.PAN_MAX or not cards.luhn_ok(card_no):
            raise ApiError("INVALID_CARD_NUMBER", f"{_META}.cardNo: not a valid card number")
        if brand is None or brand not in SUPPORTED_BRANDS:
            raise ApiError(
                "CARD_NOT_SUPPORTED", f"{_META}.cardNo: this card brand is not supported"
            )
        if len(card_no) not in cards.pan_lengths(brand):
            raise ApiError(
                "INVALID_CARD_NUMBER", f"{_META}.cardNo: wrong length for a {brand.label} card"
            )
        month: str = meta["expiryMonth"]
        year: str = meta["expiryYear"]
        today = self.clock.now()
        if (2000 + int(year), int(month)) < (today.year, today.month):
            raise ApiError("INVALID_EXPIRATION_DATE", f"{_META}.expiryYear: the card has expired")
        cvv: str | None = meta.get("cvv") or None
        if cvv is not None:
            need = cards.cvv_length(brand)
            if len(cvv) != need:
                raise ApiError("INVALID_CVV", f"{_META}.cvv: must be {need} digits")
        bin_ = scenarios.bin_of(card_no)
        return _PayCard(
            brand=brand,
            brands=bin_.brands if bin_ else (brand.value,),
            funding=bin_.funding if bin_ else "CREDIT",
            fingerprint=cards.fingerprint(card_no, self.keys.fingerprint_key),
            masked=cards.mask(card_no, brand),
            month=month,
            year=year,
            has_cvv=cvv is not None,
            slow_seconds=scenarios.slow_seconds(cvv),
            scenario=scenarios.scenario_for(card_no, str(ask.amount.minor)),
        )

    def _stored_card(self, ask: _PayRequest) -> _PayCard:
        """16.3: the card behind ``paymentMethodId``, if it is this merchant's live token."""
        assert ask.token is not None
        meta = ask.meta
        if meta.get("cardNo"):
            raise validation.illegal(
                f"{_META}.cardNo", "send either card data or a stored card (paymentMethodId)"
            )
        with self.store.locked() as db:
            row = self._token_row(db, ask.token, ask.account, "paymentMethod.paymentMethodId")
        if row["deleted_us"] is not None:
            raise ApiError(
                TOKEN_REFUSED,
                "paymentMethod.paymentMethodId: the card token was removed at "
                + iso(int(row["deleted_us"])),
            )
        month, year = row["expiry_month"], row["expiry_year"]
        today = self.clock.now()
        if (2000 + int(year), int(month)) < (today.year, today.month):
            raise ApiError(
                "INVALID_EXPIRATION_DATE",
                f"paymentMethod.paymentMethodId: the stored card expired in {month}/{year}",
            )
        brand = cards.CardBrand(row["card_brand"])
        # 16.3: Antom's token samples send no CVV; whether one is accepted is unconfirmed, so
        # one is taken (never kept) when it has the brand's length
        cvv: str | None = meta.get("cvv") or None
        if cvv is not None and len(cvv) != cards.cvv_length(brand):
            raise ApiError("INVALID_CVV", f"{_META}.cvv: must be {cards.cvv_length(brand)} digits")
        masked: str = row["card_masked"]
        bin_ = scenarios.bin_of(masked)
        scenario = (
            scenarios.RISK_REJECT
            if str(ask.amount.minor) == scenarios.RISK_AMOUNT_VALUE
            else _scenario_named(row["scenario"])
        )
        return _PayCard(
            brand=brand,
            brands=bin_.brands if bin_ else (brand.value,),
            funding=bin_.funding if bin_ else "CREDIT",
            fingerprint=row["card_fingerprint"],
            masked=cards.MaskedCard(brand.value, masked[:6], masked[-4:]),
            month=month,
            year=year,
            has_cvv=cvv is not None,
            slow_seconds=scenarios.slow_seconds(cvv),
            scenario=scenario,
            token_id=row["token_id"],
            token_hash=row["token_hash"],
            holder_name=row["holder_name"],
        )

    def _token_row(
        self, db: sqlite3.Connection, token: str, account: str, path: str
    ) -> sqlite3.Row:
        """The token's row if this merchant account owns it (removed ones included). Another
        merchant's token is answered like an unknown one: its existence is not told."""
        key = self.keys.fingerprint_key
        row = None
        if tokens.well_formed(key, token):
            row = db.execute(
                "SELECT * FROM card_tokens WHERE token_hash=?", (tokens.token_hash(key, token),)
            ).fetchone()
        if row is None or row["merchant_account"] != account:
            raise ApiError(TOKEN_REFUSED, f"{path}: no such card token for this merchant")
        return row  # type: ignore[no-any-return]

    def _check_stored_credential(self, ask: _PayRequest, card: _PayCard) -> None:
        """16.3 and 17.2: a stored card is a card on file; a merchant-initiated payment needs
        a stored credential (a token, or card data with the first CIT's
        networkTransactionId), isCardOnFile=true and no CVV."""
        if ask.token is not None and ask.card_on_file is False:
            raise validation.illegal(
                f"{_META}.isCardOnFile", "must be true when paying with a stored card"
            )
        if not ask.merchant_initiated:
            return
        if ask.card_on_file is not True:
            raise validation.illegal(
                f"{_META}.isCardOnFile",
                "must be true for a merchant-initiated payment (a stored credential)",
            )
        if ask.token is None and ask.network_transaction_id is None:
            raise validation.illegal(
                f"{_META}.networkTransactionId",
                "is required for a merchant-initiated payment with card data "
                "(the first payment's id: without it there is no stored credential)",
            )
        if card.has_cvv:
            raise validation.illegal(
                f"{_META}.cvv", "a merchant-initiated payment carries no CVV (it is never stored)"
            )
        if ask.network_transaction_id is not None:
            with self.store.locked() as db:
                found = db.execute(
                    "SELECT 1 FROM payments WHERE card_fingerprint=? AND paid_us IS NOT NULL"
                    " AND json_extract(result_info, '$.networkTransactionId')=? LIMIT 1",
                    (card.fingerprint, ask.network_transaction_id),
                ).fetchone()
            if found is None:
                raise validation.illegal(
                    f"{_META}.networkTransactionId",
                    "no earlier successful payment with this card has this id",
                )

    @staticmethod
    def _check_brand(ask: _PayRequest, card: _PayCard) -> str:
        """19.1: a selected brand must be one the card carries; the brand the payment goes
        through (without a choice: the first, the scheme the number's prefix names)."""
        selected: str | None = ask.meta.get("selectedCardBrand") or None
        if selected is None:
            return card.brands[0]
        if selected not in card.brands:
            raise ApiError(
                "SELECTED_CARD_BRAND_NOT_AVAILABLE",
                f"{_META}.selectedCardBrand: the card is not a {selected} card"
                f" (it carries {', '.join(card.brands)})",
            )
        return selected

    @staticmethod
    def _check_plan(ask: _PayRequest, card: _PayCard, brand: str) -> Json | None:
        """18.3: a creditPayPlan must be one consult offers for the currency, the amount and
        this card; the plan as paymentResultInfo echoes it."""
        plan = ask.plan
        if plan is None:
            return None
        currency = ask.amount.currency
        market = installments.MARKETS.get(currency)
        periods = int(plan["installmentNum"])
        if market is None:
            raise validation.illegal(
                "creditPayPlan.installmentNum", f"no installment plans are offered in {currency}"
            )
        if brand not in market.brands or card.funding != "CREDIT":
            raise ApiError(
                "CARD_NOT_SUPPORTED",
                f"creditPayPlan: installments in {currency} take a credit card of "
                f"{', '.join(market.brands)}; this is a {card.funding.lower()} {brand} card",
            )
        if periods not in market.periods or not installments.offered(market, ask.amount):
            raise validation.illegal(
                "creditPayPlan.installmentNum",
                f"{periods} installments are not offered for {ask.amount}",
            )
        if market.automatic_capture_only and ask.capture_mode != "AUTOMATIC":
            raise validation.illegal(
                "paymentFactor.captureMode",
                f"installments in {currency} are captured automatically only",
            )
        echo: Json = {
            "installmentNum": periods,
            "interval": plan.get("interval") or "MONTH",
            "interestRate": installments.interest_rate(market, periods),
        }
        if plan.get("feePercentage") is not None:
            if plan.get("creditPayFeeType") != "PERCENTAGE":
                raise validation.illegal(
                    "creditPayPlan.creditPayFeeType", "must be PERCENTAGE with feePercentage"
                )
            echo["creditPayFeeType"] = "PERCENTAGE"
            echo["feePercentage"] = int(plan["feePercentage"])
        return echo

    def _new_payment(
        self, ask: _PayRequest, card: _PayCard, brand: str, plan: Json | None
    ) -> tuple[Json, Json]:
        """The payment row as first written (PROCESSING) and its paymentResultInfo."""
        scenario = card.scenario
        masked = card.masked
        country = scenario.issuing_country
        info: Json = {
            "cardNo": masked.masked,
            "cardBrand": brand,
            "cardBin": masked.bin6,
            "lastFour": masked.last4,
            "expiryMonth": card.month,
            "expiryYear": card.year,
            "funding": card.funding,
            "issuingCountry": country,
            "paymentMethodRegion": country,
            "cardCategory": "CONSUMER",
            "fingerprint": card.fingerprint,
            "avsResultRaw": scenario.avs or ("Y" if ask.zip_code else "U"),
            "cvvResultRaw": scenario.cvv or ("M" if card.has_cvv else "P"),
            "issuerName": f"Sandbox Bank {country}",
            "credentialTypeUsed": "PAN",
        }
        holder_name = ask.holder_name or card.holder_name
        if holder_name:
            info["cardholderName"] = holder_name[:64]
        if card.token_id is not None:
            info[tokens.REF] = card.token_id  # the stored card paid: shown as cardToken
        elif ask.tokenize:  # 16.1: a token once the payment succeeds (_issue_token)
            info[tokens.ASKED] = ask.account
        if plan is not None:
            info["creditPayPlan"] = plan
        if scenario.three_ds_exemption and not ask.merchant_initiated:
            info["exemptionRequested"] = "lowValue"
        now = self.clock.now_us()
        amount = ask.amount
        p: Json = {
            "payment_id": _new_id(now),
            "payment_request_id": ask.request_id,
            "reference_order_id": ask.reference_order_id,
            "currency": amount.currency,
            "amount": amount.minor,
            "status": "PROCESSING",
            "result_code": "PAYMENT_IN_PROCESS",
            "result_message": "payment in process",
            "capture_mode": ask.capture_mode,
            "scenario": scenario.name,
            "created_us": now,
            "paid_us": None,
            "auth_expiry_us": None,
            "expires_us": to_us(ask.expiry_at) if ask.expiry_at else now + PAYMENT_EXPIRY_US,
            "settle_us": None,
            "settle_outcome": None,
            "challenge_token": None,
            "cancelled_us": None,
            "released_us": None,
            "card_fingerprint": card.fingerprint,
            "card_masked": masked.masked,
            "card_brand": brand,
            # 14: the key fields (paymentMethodId among them: a stored card is its token)
            "request_hash": _hash(
                amount.currency,
                amount.minor,
                card.fingerprint,
                card.month,
                card.year,
                ask.reference_order_id,
                ask.capture_mode,
                *(() if card.token_hash is None else (card.token_hash,)),
            ),
            "notify_url": ask.notify_url,
            "redirect_url": ask.redirect_url,
            "result_info": None,  # written once the outcome is known (one dumps)
        }
        return p, info

    def _decide(self, ask: _PayRequest, card: _PayCard, brand: str, p: Json, info: Json) -> None:
        """Risk, 3-D Secure (Antom's or an external MPI's) and the authorisation: the
        outcome, decided before anything is written (then saved in one INSERT)."""
        scenario = card.scenario
        outcome = scenario.outcome
        wants_3ds = ask.wants_3ds
        now = p["created_us"]
        if ask.merchant_initiated:
            # 17.1: MITs run without 3DS (is3DSAuthentication and mpiData are ignored: whether
            # Antom rejects them is unconfirmed); the issuer may refuse the stored credential
            if scenario.mit_decline is not None and outcome is not Outcome.DECLINE:
                code, message, raw_code, advice = scenario.mit_decline
                info.update(
                    refusalCodeRaw=raw_code, refusalReasonRaw=message, merchantAdviceCode=advice
                )
                self._set_declined(p, code, message, info)
                return
            if outcome in (Outcome.CHALLENGE, Outcome.FRICTIONLESS):
                outcome = Outcome.APPROVE
            wants_3ds = False
        elif ask.mpi is not None:
            state = _mpi_state(ask.mpi, brand)
            if state is not _Mpi.FAILED:
                info["threeDSResult"] = _external_three_ds(ask.mpi, state)
            if state is _Mpi.AUTHENTICATED or (
                state is _Mpi.ATTEMPTED and outcome is not Outcome.CHALLENGE
            ):
                # authenticated elsewhere: Antom runs no 3DS of its own
                if outcome in (Outcome.CHALLENGE, Outcome.FRICTIONLESS):
                    outcome = Outcome.APPROVE
                wants_3ds = False
            elif state is _Mpi.FAILED and not wants_3ds:
                info["threeDSResult"] = _external_three_ds(ask.mpi, state)
                self._set_declined(
                    p,
                    "USER_PAYMENT_VERIFICATION_FAILED",
                    "The external 3-D Secure result is not an authentication "
                    f"(ECI {ask.mpi['eci']}).",
                    info,
                )
                return
            # not authenticated, is3DSAuthentication=true: Antom's own 3DS decides below
        if (
            outcome is Outcome.CHALLENGE
            and not wants_3ds
            and not scenario.challenge_even_without_3ds
        ):
            self._set_declined(
                p,
                "AUTHENTICATION_REQUIRED",
                "The issuer requires 3D Secure: send is3DSAuthentication=true.",
                {**info, "threeDSResult": {"threeDSOffered": False}},
            )
        elif outcome is Outcome.CHALLENGE or (outcome is Outcome.APPROVE and wants_3ds):
            info.pop("threeDSResult", None)  # the challenge writes Antom's own result
            p["challenge_token"] = secrets.token_urlsafe(18)
        elif outcome in (Outcome.APPROVE, Outcome.FRICTIONLESS):
            if outcome is Outcome.FRICTIONLESS:
                info["threeDSResult"] = _three_ds(
                    brand, challenged=False, ok=True, exemption=scenario.three_ds_exemption
                )
            self._set_approved(p, now, info)
        elif outcome is Outcome.DECLINE:
            self._set_declined(p, scenario.result_code, scenario.result_message, info)
        else:  # slow authorisation
            p["settle_us"] = now + card.slow_seconds * US_PER_S
            p["settle_outcome"] = "SUCCESS" if outcome is Outcome.SLOW_APPROVE else "FAIL"
        if p["result_info"] is None:  # still in process (3DS challenge, slow authorisation)
            p["result_info"] = json.dumps(info)

    def _record_payment(self, ask: _PayRequest, p: Json, info: Json) -> Json:
        """Write the payment once (idempotency: a repeat of the request id replays the first
        answer, or is REPEAT_REQ_INCONSISTENT), then what follows it (the card token, due
        times, notifyPayment, the automatic capture), and answer."""
        notified = False
        issue = p["status"] == "SUCCESS" and tokens.ASKED in info
        # One INSERT and nothing else (the common till case: manual capture, no notify URL)
        # needs no explicit transaction: autocommit saves two round trips to SQLite.
        single = p["status"] == "PROCESSING" or (
            not ask.notify_url
            and not issue
            and not (p["status"] == "SUCCESS" and ask.capture_mode == "AUTOMATIC")
        )
        with self.store.locked() if single else self.store.tx() as db:
            if not _insert(db, "payments", p, ignore_conflict=True):
                existing = db.execute(
                    "SELECT * FROM payments WHERE payment_request_id=?", (ask.request_id,)
                ).fetchone()
                if existing["request_hash"] != p["request_hash"]:
                    raise ApiError(
                        "REPEAT_REQ_INCONSISTENT",
                        "paymentRequestId was used before with a different amount, card or order",
                    )
                return self._pay_response(existing)
            if issue:
                self._issue_token(db, p, info)
                _save(db, p)
            if p["status"] == "PROCESSING":
                self._due(p["settle_us"] or p["expires_us"])
                self._due(p["expires_us"])
            else:
                notified = self._after_final(db, p, p["created_us"])
        if notified:
            self.on_notification()
        return self._pay_response(p, info)

    def challenge_url(self, token: str) -> str:
        return f"{self.base_url}/sandbox/3ds/{token}"

    def _pay_response(self, row: Mapping[str, Any], info: Json | None = None) -> Json:
        status = row["status"]
        body: Json = {}
        if status == "PROCESSING":
            body["result"] = result("PAYMENT_IN_PROCESS", "U", "payment in process")
        elif status == "FAIL":
            body["result"] = result(row["result_code"], "F", row["result_message"])
        elif status == "CANCELLED" and row["paid_us"] is None:
            body["result"] = result("ORDER_IS_CANCELED", "F", "the payment was cancelled")
        else:
            body["result"] = result()
        body.update(
            paymentRequestId=row["payment_request_id"],
            paymentId=row["payment_id"],
            paymentAmount=_amount_json(row["currency"], row["amount"]),
            paymentCreateTime=iso(row["created_us"]),
            paymentMethodType="CARD",
        )
        if row["paid_us"] is not None:
            body["paymentTime"] = iso(row["paid_us"])
            if row["capture_mode"] == "MANUAL":
                body["authExpiryTime"] = iso(row["auth_expiry_us"])
        if status == "PROCESSING" and row["challenge_token"]:
            link = self.challenge_url(row["challenge_token"])
            body["normalUrl"] = link
            form = _redirect_form(link)
            body["redirectActionForm"] = form
            # 4.6: the same form as a JSON string (what newer SDKs read)
            body["paymentActionForm"] = json.dumps(form, separators=(",", ":"))
        body["paymentResultInfo"] = tokens.reveal(
            info if info is not None else json.loads(row["result_info"]), self.keys.fingerprint_key
        )
        return body

    # -- 3DS page ------------------------------------------------------------------------------
    def challenge(self, token: str) -> Json | None:
        self.tick()
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM payments WHERE challenge_token=?", (token,)).fetchone()
        return None if row is None else dict(row)

    def answer_challenge(self, token: str, otp: str | None) -> tuple[bool, Json | None]:
        """The buyer typed ``otp`` (None: cancelled). (succeeded, payment) or (False, None)."""
        self.tick()
        with self.store.tx() as db:
            row = db.execute(
                "SELECT * FROM payments WHERE challenge_token=? AND status='PROCESSING'", (token,)
            ).fetchone()
            if row is None:
                return False, None
            p = dict(row)
            info = json.loads(p["result_info"])
            brand = p["card_brand"]
            now = self.clock.now_us()
            ok = otp is not None and secrets.compare_digest(otp.strip(), scenarios.OTP)
            info["threeDSResult"] = _three_ds(brand, challenged=True, ok=ok, cancelled=otp is None)
            if ok:
                self._set_approved(p, now, info)
                self._issue_token(db, p, info)
            else:
                message = (
                    "3D Secure verification failed."
                    if otp is not None
                    else "The cardholder cancelled 3D Secure."
                )
                self._set_declined(p, "USER_PAYMENT_VERIFICATION_FAILED", message, info)
            _save(db, p)
            notified = self._after_final(db, p, now)
        if notified:
            self.on_notification()
        return ok, p

    # -- inquiryPayment -----------------------------------------------------------------------
    def _find_payment(self, db: sqlite3.Connection, req: Json, *, paths: str = "") -> sqlite3.Row:
        # the API's table row has checked that one of the two ids is there
        pid = req.get("paymentId")
        prid = req.get("paymentRequestId")
        if pid:
            row = db.execute("SELECT * FROM payments WHERE payment_id=?", (pid,)).fetchone()
        else:
            row = db.execute(
                "SELECT * FROM payments WHERE payment_request_id=?", (prid,)
            ).fetchone()
        if row is None:
            raise ApiError("ORDER_NOT_EXIST", "no payment with this id")
        return row  # type: ignore[no-any-return]

    def inquiry_payment(self, req: Json) -> Json:
        validation.check("inquiryPayment", req, self.clock.now())
        transactions_rows: list[sqlite3.Row] = []
        with self.store.locked() as db:
            row = self._find_payment(db, req)
            # captures and refunds only ever exist on a payment that succeeded
            if row["status"] == "SUCCESS":
                transactions_rows = db.execute(
                    "SELECT 'CAPTURE' AS kind, capture_id AS id, capture_request_id AS request_id,"
                    " currency, amount, status, created_us, capture_us AS done_us"
                    " FROM captures WHERE payment_id=:p"
                    " UNION ALL SELECT 'REFUND', refund_id, refund_request_id, currency, amount,"
                    " status, created_us, refund_us FROM refunds WHERE payment_id=:p"
                    " ORDER BY 1, 7",
                    {"p": row["payment_id"]},
                ).fetchall()
        body: Json = {
            "result": result(),
            "paymentStatus": row["status"],
            "paymentResultCode": row["result_code"],
            "paymentResultMessage": row["result_message"],
            "paymentRequestId": row["payment_request_id"],
            "paymentId": row["payment_id"],
            "paymentAmount": _amount_json(row["currency"], row["amount"]),
            "paymentCreateTime": iso(row["created_us"]),
            "paymentMethodType": "CARD",
            "paymentResultInfo": tokens.reveal(
                json.loads(row["result_info"]), self.keys.fingerprint_key
            ),
        }
        if row["status"] == "CANCELLED":
            body["paymentResultCode"] = "ORDER_IS_CANCELED"
            body["paymentResultMessage"] = (
                "the authorisation expired and was released"
                if row["released_us"] is not None
                else "the payment was cancelled"
            )
        if row["paid_us"] is not None:
            body["paymentTime"] = iso(row["paid_us"])
            if row["capture_mode"] == "MANUAL":
                body["authExpiryTime"] = iso(row["auth_expiry_us"])
        if row["status"] == "PROCESSING" and row["challenge_token"]:
            link = self.challenge_url(row["challenge_token"])
            body["normalUrl"] = link
            body["redirectActionForm"] = _redirect_form(link)  # 5.2
        transactions: list[Json] = [_transaction(t) for t in transactions_rows]
        if row["cancelled_us"] is not None or row["released_us"] is not None:
            at = row["cancelled_us"] if row["cancelled_us"] is not None else row["released_us"]
            transactions.append(
                {
                    "transactionType": "CANCEL",
                    "transactionStatus": "SUCCESS",
                    "transactionResult": result()
                    if row["released_us"] is None
                    else result("SUCCESS", "S", "authorisation released after 7 days"),
                    "transactionId": row["payment_id"],
                    "transactionAmount": _amount_json(row["currency"], row["amount"]),
                    "transactionTime": iso(at),
                }
            )
        if transactions:
            body["transactions"] = transactions
        return body

    # -- capture ------------------------------------------------------------------------------
    def capture(self, req: Json) -> Json:
        validation.check("capture", req, self.clock.now())
        crid: str = req["captureRequestId"]
        pid: str = req["paymentId"]
        amount = _money(req["captureAmount"])
        request_hash = _hash(pid, amount.currency, amount.minor)
        notified = False
        with self.store.tx() as db:
            existing = db.execute(
                "SELECT * FROM captures WHERE capture_request_id=?", (crid,)
            ).fetchone()
            if existing is not None:
                if existing["request_hash"] != request_hash:
                    raise ApiError(
                        "REPEAT_REQ_INCONSISTENT",
                        "captureRequestId was used before with a different payment or amount",
                    )
                return self._capture_response(existing)
            pay = db.execute("SELECT * FROM payments WHERE payment_id=?", (pid,)).fetchone()
            if pay is None:
                raise ApiError("ORDER_NOT_EXIST", "paymentId: no such payment")
            if pay["released_us"] is not None:
                raise ApiError(
                    "AUTH_EXPIRED",
                    f"the authorisation expired at {iso(pay['released_us'])} and was released",
                )
            if pay["status"] == "CANCELLED":
                raise ApiError("ORDER_IS_CANCELED", "the payment was cancelled")
            if pay["status"] != "SUCCESS":
                raise ApiError("ORDER_STATUS_INVALID", "the payment is not authorised")
            if db.execute("SELECT 1 FROM captures WHERE payment_id=?", (pid,)).fetchone():
                if pay["capture_mode"] == "AUTOMATIC":
                    raise ApiError("ORDER_STATUS_INVALID", "the payment is captured automatically")
                raise ApiError("MULTI_CAPTURE_NOT_SUPPORTED", "the payment is already captured")
            if amount.currency != pay["currency"]:
                raise validation.illegal("captureAmount.currency", "must be the payment's currency")
            if amount.minor > pay["amount"]:
                raise ApiError(
                    "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT",
                    "captureAmount is more than the authorised amount",
                )
            if amount.minor != pay["amount"]:
                raise validation.illegal(
                    "captureAmount.value", "must be the full authorised amount (no partial capture)"
                )
            now = self.clock.now_us()
            scenario = _scenario_named(pay["scenario"])
            settle = now + scenarios.IN_PROCESS_SECONDS * US_PER_S
            cap: Json = {
                "capture_id": _new_id(now, "C"),
                "capture_request_id": crid,
                "payment_id": pid,
                "currency": amount.currency,
                "amount": amount.minor,
                "status": "PROCESSING" if scenario.capture_in_process else "SUCCESS",
                "created_us": now,
                "capture_us": None if scenario.capture_in_process else now,
                "settle_us": settle if scenario.capture_in_process else None,
                "request_hash": request_hash,
            }
            _insert(db, "captures", cap)
            if scenario.capture_in_process:
                self._due(settle)
            else:
                notified = self._notify_capture(db, cap, pay["notify_url"], now)
            response = self._capture_response(cap)
        if notified:
            self.on_notification()
        return response

    def _capture_response(self, cap: Mapping[str, Any]) -> Json:
        body: Json = {
            "result": result()
            if cap["status"] == "SUCCESS"
            else result("CAPTURE_IN_PROCESS", "U", "capture in process"),
            "captureRequestId": cap["capture_request_id"],
            "captureId": cap["capture_id"],
            "paymentId": cap["payment_id"],
            "captureAmount": _amount_json(cap["currency"], cap["amount"]),
        }
        if cap["capture_us"] is not None:
            body["captureTime"] = iso(cap["capture_us"])
        return body

    # -- cancel -------------------------------------------------------------------------------
    def cancel(self, req: Json) -> Json:
        validation.check("cancel", req, self.clock.now())
        with self.store.tx() as db:
            pay = self._find_payment(db, req)
            pid = pay["payment_id"]
            if pay["status"] == "FAIL":
                raise ApiError("ORDER_STATUS_INVALID", "the payment failed; nothing to cancel")
            if pay["status"] in ("SUCCESS", "PROCESSING"):
                if db.execute("SELECT 1 FROM captures WHERE payment_id=?", (pid,)).fetchone():
                    raise ApiError(
                        "ORDER_STATUS_INVALID", "the payment is captured: refund it instead"
                    )
                now = self.clock.now_us()
                db.execute(
                    "UPDATE payments SET status='CANCELLED', cancelled_us=?, challenge_token=NULL,"
                    " settle_us=NULL, settle_outcome=NULL WHERE payment_id=?",
                    (now, pid),
                )
                pay = db.execute("SELECT * FROM payments WHERE payment_id=?", (pid,)).fetchone()
        at = pay["cancelled_us"] if pay["cancelled_us"] is not None else pay["released_us"]
        return {
            "result": result(),
            "paymentId": pay["payment_id"],
            "paymentRequestId": pay["payment_request_id"],
            "cancelTime": iso(at),
        }

    # -- refund -------------------------------------------------------------------------------
    def refund(self, req: Json) -> Json:
        validation.check("refund", req, self.clock.now())
        rrid: str = req["refundRequestId"]
        pid: str = req["paymentId"]
        amount = _money(req["refundAmount"])
        reason: str | None = req.get("refundReason") or None
        notify_url: str | None = req.get("refundNotifyUrl") or None
        request_hash = _hash(pid, amount.currency, amount.minor)
        notified = False
        with self.store.tx() as db:
            existing = db.execute(
                "SELECT * FROM refunds WHERE refund_request_id=?", (rrid,)
            ).fetchone()
            if existing is not None:
                if existing["request_hash"] != request_hash:
                    raise ApiError(
                        "REPEAT_REQ_INCONSISTENT",
                        "refundRequestId was used before with a different payment or amount",
                    )
                return self._refund_response(existing)
            pay = db.execute("SELECT * FROM payments WHERE payment_id=?", (pid,)).fetchone()
            if pay is None:
                raise ApiError("ORDER_NOT_EXIST", "paymentId: no such payment")
            if pay["status"] == "CANCELLED":
                raise ApiError("ORDER_IS_CANCELED", "the payment was cancelled")
            if pay["status"] != "SUCCESS":
                raise ApiError("ORDER_STATUS_INVALID", "the payment did not succeed")
            captured = db.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM captures WHERE payment_id=? AND status='SUCCESS'",
                (pid,),
            ).fetchone()[0]
            if not captured:
                raise ApiError(
                    "ORDER_STATUS_INVALID", "the payment is not captured yet: cancel it instead"
                )
            if amount.currency != pay["currency"]:
                raise validation.illegal("refundAmount.currency", "must be the payment's currency")
            refunded = db.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE payment_id=?", (pid,)
            ).fetchone()[0]
            if refunded + amount.minor > captured:
                left = Money(captured - refunded, pay["currency"])
                raise ApiError(
                    "REFUND_AMOUNT_EXCEED",
                    f"refundAmount is more than what is left to refund ({left})",
                )
            now = self.clock.now_us()
            scenario = _scenario_named(pay["scenario"])
            settle = now + scenarios.IN_PROCESS_SECONDS * US_PER_S
            ref: Json = {
                "refund_id": _new_id(now, "R"),
                "refund_request_id": rrid,
                "payment_id": pid,
                "currency": amount.currency,
                "amount": amount.minor,
                "status": "PROCESSING" if scenario.refund_in_process else "SUCCESS",
                "created_us": now,
                "refund_us": None if scenario.refund_in_process else now,
                "settle_us": settle if scenario.refund_in_process else None,
                "request_hash": request_hash,
                "notify_url": notify_url,
                "reason": reason,
            }
            _insert(db, "refunds", ref)
            if scenario.refund_in_process:
                self._due(settle)
            else:
                notified = self._notify_refund(db, ref, pay["notify_url"], now)
            response = self._refund_response(ref)
        if notified:
            self.on_notification()
        return response

    def _refund_response(self, ref: Mapping[str, Any]) -> Json:
        body: Json = {
            "result": result()
            if ref["status"] == "SUCCESS"
            else result("REFUND_IN_PROCESS", "U", "refund in process"),
            "refundRequestId": ref["refund_request_id"],
            "refundId": ref["refund_id"],
            "paymentId": ref["payment_id"],
            "refundAmount": _amount_json(ref["currency"], ref["amount"]),
        }
        if ref["refund_us"] is not None:
            body["refundTime"] = iso(ref["refund_us"])
        return body

    def inquiry_refund(self, req: Json) -> Json:
        validation.check("inquiryRefund", req, self.clock.now())
        refund_id = req.get("refundId")
        rrid = req.get("refundRequestId")
        with self.store.tx() as db:
            if refund_id:
                ref = db.execute("SELECT * FROM refunds WHERE refund_id=?", (refund_id,)).fetchone()
            else:
                ref = db.execute(
                    "SELECT * FROM refunds WHERE refund_request_id=?", (rrid,)
                ).fetchone()
        if ref is None:
            raise ApiError("ORDER_NOT_EXIST", "no refund with this id")
        body = self._refund_response(ref)
        body["result"] = result()
        body["refundStatus"] = ref["status"]
        return body

    # -- card tokens (16.4) -------------------------------------------------------------------
    def inquire_token(self, req: Json) -> Json:
        validation.check("inquireToken", req, self.clock.now())
        with self.store.locked() as db:
            row = self._token_row(db, req["token"], req["merchantAccountId"], "token")
        if row["deleted_us"] is not None:
            raise ApiError(TOKEN_REFUSED, "token: the card token was removed")
        body: Json = {
            "result": result(),
            "token": req["token"],
            "issuerName": f"Sandbox Bank {row['issuing_country']}",
            "issuingCountry": row["issuing_country"],
            "tokenExpiryTime": _token_expiry(row["expiry_month"], row["expiry_year"]),
        }
        if row["holder_name"]:
            body["accountHolderName"] = {"fullName": row["holder_name"]}
        return body

    def delete_token(self, req: Json) -> Json:
        """Unbind a token. Removing a removed token answers SUCCESS again: a till that lost
        the first answer retries and must not be told it failed."""
        validation.check("deleteToken", req, self.clock.now())
        with self.store.tx() as db:
            row = self._token_row(db, req["token"], req["merchantAccountId"], "token")
            if row["deleted_us"] is None:
                db.execute(
                    "UPDATE card_tokens SET deleted_us=? WHERE token_hash=?",
                    (self.clock.now_us(), row["token_hash"]),
                )
        return {"result": result()}

    # -- getCardInfo (18.2, 19.1) -------------------------------------------------------------
    def get_card_info(self, req: Json) -> Json:
        """What a card number or BIN tells: its brands (co-badged: the local brand too),
        funding, issuing region and whether it takes installments. The number is read and
        forgotten."""
        validation.check("getCardInfo", req, self.clock.now())
        card_no: str | None = req.get("cardNo") or None
        digits = card_no or req["cardBin"]
        if card_no is not None and not cards.luhn_ok(card_no):
            raise ApiError("INVALID_CARD_NUMBER", "cardNo: not a valid card number")
        brand = cards.detect_brand(digits)
        if brand is None or brand not in SUPPORTED_BRANDS:
            field = "cardNo" if card_no else "cardBin"
            raise ApiError("CARD_NOT_SUPPORTED", f"{field}: this card brand is not supported")
        bin_ = scenarios.bin_of(digits)
        brands = bin_.brands if bin_ else (brand.value,)
        funding = bin_.funding if bin_ else "CREDIT"
        country = (bin_.issuing_country if bin_ else None) or (
            scenarios.card_scenario(card_no).issuing_country if card_no else "US"
        )
        del card_no, digits
        body: Json = {
            "result": result(),
            "cardBrand": brands[0],
            "issuingRegion": country,
            "funding": funding,
            "cardCategory": "CONSUMER",
            "supportInstallment": funding == "CREDIT"
            and any(brands[0] in m.brands for m in installments.MARKETS.values()),
        }
        if len(brands) > 1:
            body["localCardBrand"] = brands[1]
            body["coBagedCardBrand"] = brands[1]  # (sic) the SDK's spelling
        return body

    # -- consult ------------------------------------------------------------------------------
    def consult(self, req: Json) -> Json:
        validation.check("consult", req, self.clock.now())
        amount = _money(req["paymentAmount"])
        brands = [
            {"cardBrand": b, "logo": {"logoName": b[:12], "logoUrl": self.logo_url(b)}}
            for b in CONSULT_BRANDS
        ]
        option: Json = {
            "paymentMethodType": "CARD",
            "paymentMethodCategory": "CARD",
            "paymentMethodRegion": ["GLOBAL"],
            "enabled": True,
            "preferred": True,
            "logo": {"logoName": "CARD", "logoUrl": self.logo_url("CARD")},
            "paymentOptionDetail": {
                "supportCardBrands": brands,
                "funding": ["CREDIT", "DEBIT"],
            },
            "supportedCurrencies": sorted(EXPONENTS),
        }
        plans = installments.consult_installment(amount, self.logo_url)
        if plans is not None:  # 18.2: the plans for this currency and amount
            option["installment"] = plans
        return {
            "result": result(),
            "paymentOptions": [option],
            "paymentAmount": amount.to_antom(),
        }

    def logo_url(self, name: str) -> str:
        return f"{self.base_url}/sandbox/logos/{name}.svg"


# Result code -> (the scheme's raw refusal code, Mastercard-style merchant advice code) for the
# declines an issuer gives; refusals by Antom itself (risk, input) carry no raw data.
_ISSUER_REFUSALS: dict[str, tuple[str, str]] = {
    "ISSUER_REJECTS_TRANSACTION": ("05", ""),
    "DO_NOT_HONOR": ("05", ""),
    "USER_BALANCE_NOT_ENOUGH": ("51", "01"),
    "CARD_EXPIRED": ("54", "03"),
    "INVALID_CVV": ("N7", ""),
    "AUTHENTICATION_REQUIRED": ("1A", ""),
}


def _token_expiry(month: str, year: str) -> str:
    """16.2: a card token lasts to the last day of the card's expiry month."""
    y, m = 2000 + int(year), int(month)
    last = calendar.monthrange(y, m)[1]
    return f"{y:04d}-{m:02d}-{last:02d}T23:59:59+00:00"


def _scenario_named(name: str) -> Scenario:
    for table in (scenarios.PUBLISHED, scenarios.MAGIC):
        for scenario in table.values():
            if scenario.name == name:
                return scenario
    if name == scenarios.RISK_REJECT.name:
        return scenarios.RISK_REJECT
    return scenarios.SUCCESS


def _three_ds(
    brand: str,
    *,
    challenged: bool,
    ok: bool,
    cancelled: bool = False,
    exemption: bool = False,
) -> Json:
    """threeDSResult as 4.7 lists it, for a 3-D Secure 2 authentication.

    ECI per scheme: Visa-style 05 / Mastercard 02 authenticated, 07 / 00 not authenticated.
    A CAVV exists only after a successful authentication; an exemption is granted without one.
    """
    mastercard = brand == cards.CardBrand.MASTERCARD
    out: Json = {
        "threeDSVersion": "2.2.0",
        "threeDSOffered": True,
        "challenged": challenged,
        "dsTransactionId": str(uuid.uuid4()),
    }
    if ok and exemption:
        out.update(
            eci="00" if mastercard else "07",
            exemptionType="lowValue",
            paResStatus="I",
            liabilityShift="0",
        )
    elif ok:
        out.update(
            eci="02" if mastercard else "05",
            cavv=base64.b64encode(secrets.token_bytes(20)).decode("ascii"),
            paResStatus="Y",
            liabilityShift="1",
        )
    else:
        out.update(
            eci="00" if mastercard else "07",
            paResStatus="N",
            liabilityShift="0",
            threeDStransactionStatusReason="01",
        )
        if cancelled:
            out["challengeCancel"] = "01"
    return out


class _Mpi(Enum):
    """What an external MPI's result says (19.2, by the schemes' ECI conventions)."""

    AUTHENTICATED = "Y"  # ECI 05 (02 Mastercard) with a CAVV
    ATTEMPTED = "A"  # ECI 06 (01 Mastercard) with a CAVV
    FAILED = "N"  # anything else: not authenticated


_MASTERCARD_ECI = {
    "02": _Mpi.AUTHENTICATED,
    "01": _Mpi.ATTEMPTED,
    "00": _Mpi.FAILED,
    "04": _Mpi.FAILED,
}
_OTHER_ECI = {"05": _Mpi.AUTHENTICATED, "06": _Mpi.ATTEMPTED, "07": _Mpi.FAILED}


def _mpi_state(mpi: Json, brand: str) -> _Mpi:
    """The table checked the formats; an ECI of the other scheme family is refused here."""
    mastercard = brand in (cards.CardBrand.MASTERCARD, cards.CardBrand.MAESTRO)
    table = _MASTERCARD_ECI if mastercard else _OTHER_ECI
    eci: str = mpi["eci"]
    if eci not in table:
        raise validation.illegal(
            f"{_META}.mpiData.eci",
            f"{eci} is not a {brand} ECI (expected one of {', '.join(sorted(table))})",
        )
    return table[eci] if mpi.get("cavv") else _Mpi.FAILED


def _external_three_ds(mpi: Json, state: _Mpi) -> Json:
    """threeDSResult for a payment authenticated by the merchant's MPI: Antom offered no 3DS
    of its own. The CAVV is not echoed (nor kept): it is the merchant's already."""
    out: Json = {
        "threeDSVersion": mpi["threeDSVersion"],
        "eci": mpi["eci"],
        "threeDSOffered": False,
        "challenged": False,
        "paResStatus": state.value,
        "liabilityShift": "0" if state is _Mpi.FAILED else "1",
    }
    if mpi.get("dsTransactionId"):
        out["dsTransactionId"] = mpi["dsTransactionId"]
    return out


def _insert(
    db: sqlite3.Connection, table: str, row: Mapping[str, Any], *, ignore_conflict: bool = False
) -> bool:
    """INSERT ``row`` (column -> value); False if ignore_conflict and the key already exists."""
    shape = (table, tuple(row), ignore_conflict)
    sql = _INSERT_SQL.get(shape)
    if sql is None:
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        tail = " ON CONFLICT DO NOTHING" if ignore_conflict else ""
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}){tail}"  # noqa: S608 - our columns
        _INSERT_SQL[shape] = sql
    cursor = db.execute(sql, tuple(row.values()))
    return cursor.rowcount == 1


# The INSERT text per (table, columns, ignore_conflict): a few shapes, built once each.
_INSERT_SQL: dict[tuple[str, tuple[str, ...], bool], str] = {}


_MUTABLE = (
    "status",
    "result_code",
    "result_message",
    "paid_us",
    "auth_expiry_us",
    "settle_us",
    "settle_outcome",
    "challenge_token",
    "cancelled_us",
    "released_us",
    "result_info",
)
_SAVE_SQL = "UPDATE payments SET " + ", ".join(f"{c}=?" for c in _MUTABLE) + " WHERE payment_id=?"  # noqa: S608


def _save(db: sqlite3.Connection, p: Mapping[str, Any]) -> None:
    db.execute(_SAVE_SQL, (*(p[c] for c in _MUTABLE), p["payment_id"]))


# The result of a capture or refund still in process, as inquiryPayment's transactions[] shows
# it: Antom's sample gives a pending capture PAYMENT_IN_PROCESS (the capture API itself answers
# CAPTURE_IN_PROCESS).
_IN_PROCESS = {
    "CAPTURE": result("PAYMENT_IN_PROCESS", "U", "capture in process"),
    "REFUND": result("REFUND_IN_PROCESS", "U", "refund in process"),
}


def _transaction(t: sqlite3.Row) -> Json:
    """A capture or refund row as an inquiryPayment ``transactions[]`` entry."""
    done = t["status"] == "SUCCESS"
    return {
        "transactionType": t["kind"],
        "transactionStatus": t["status"],
        "transactionResult": result() if done else dict(_IN_PROCESS[t["kind"]]),
        "transactionId": t["id"],
        "transactionRequestId": t["request_id"],
        "transactionAmount": _amount_json(t["currency"], t["amount"]),
        "transactionTime": iso(t["done_us"] if done else t["created_us"]),
    }
