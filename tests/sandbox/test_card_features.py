"""The card features of protocol sections 16-19 over the real loopback sandbox: saved cards
(tokens and their management), merchant-initiated payments, installments, co-badged cards
and brand choice, external 3-D Secure (MPI) data. Every feature and every refusal."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from posapp.sandbox import Sandbox, tokens
from posapp.sandbox.engine import TOKEN_REFUSED
from tests.sandbox.helpers import NotifyReceiver, RawClient, pay_body

META = "paymentMethod.paymentMethodMetaData"
CHALLENGE_CARD = "4000020000000604"
SALVAGE_CARD = "4000020000000802"
MIT_NO_FUNDS = "4000020000001305"
MIT_REVOKED = "4000020000001404"
INSTALLMENT_CARD = "4000020000001503"
CO_BADGED = "4970020000000006"
DEBIT = "4000030000000108"
MASTERCARD = "5162774114974622"
AMEX = "340002000000005"
CAVV = "AAECAwQFBgcICQoLDA0ODxAREhM="
DS_ID = "0b9c7c7e-2f57-4b6a-9d55-7a3c1f3e9b10"


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = body["paymentMethod"]["paymentMethodMetaData"]
    return meta


def _refused(answer: Any, code: str, path: str) -> None:
    assert answer.verified
    assert answer.result["resultStatus"] == "F", answer.result
    assert answer.code == code, answer.result
    assert answer.result["resultMessage"].startswith(path), answer.result


def save_card(
    raw: RawClient, request_id: str, card: str = "4054695723100768", **extra: Any
) -> dict[str, Any]:
    """A first CIT that stores the card: the SUCCESS answer."""
    body = pay_body(request_id, card=card, **extra)
    _meta(body)["tokenize"] = True
    answer = raw.call("pay", body)
    assert answer.code == "SUCCESS", answer.result
    return answer.body


def token_pay(
    request_id: str, token: str, *, on_file: bool | None = True, **meta: Any
) -> dict[str, Any]:
    body = pay_body(request_id)
    body["paymentMethod"] = {"paymentMethodType": "CARD", "paymentMethodId": token}
    card_meta: dict[str, Any] = {} if on_file is None else {"isCardOnFile": on_file}
    card_meta.update(meta)
    body["paymentMethod"]["paymentMethodMetaData"] = card_meta
    return body


def mit(request_id: str, token: str, nti: str | None, **meta: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"recurringType": "UNSCHEDULED", **meta}
    if nti is not None:
        extra["networkTransactionId"] = nti
    return token_pay(request_id, token, **extra)


# -- saved cards (16) ---------------------------------------------------------------------------
def test_tokenize_issues_a_token_in_pay_inquiry_and_notify_alike(
    raw: RawClient, sandbox: Sandbox, receiver: NotifyReceiver
) -> None:
    paid = save_card(raw, "tok-1", notify_url=receiver.url)
    info = paid["paymentResultInfo"]
    token = info["cardToken"]
    assert re.fullmatch(r"ALIPAY[A-Za-z0-9+/]{38}==", token)
    assert info["networkTransactionId"] and info["cardNo"] == "405469******0768"
    assert not any(k.startswith("_") for k in info)  # the state's markers never leave
    inquiry = raw.call("inquiryPayment", {"paymentRequestId": "tok-1"})
    assert inquiry.body["paymentResultInfo"]["cardToken"] == token
    sandbox.wait_notifications(timeout=10)
    notified = receiver.bodies("PAYMENT_RESULT")[0]["paymentResultInfo"]
    assert notified["cardToken"] == token
    assert not any(k.startswith("_") for k in notified)
    # the same card stored again by the same merchant: the same token
    assert save_card(raw, "tok-2")["paymentResultInfo"]["cardToken"] == token


def test_a_token_only_with_a_successful_payment(raw: RawClient, sandbox: Sandbox) -> None:
    declined = pay_body("tok-no", card="4000020000000208")
    _meta(declined)["tokenize"] = True
    answer = raw.call("pay", declined)
    assert answer.code == "DO_NOT_HONOR" and "cardToken" not in answer.body["paymentResultInfo"]
    # through a 3DS challenge: none while it waits, one once the buyer passed
    body = pay_body("tok-3ds", card=CHALLENGE_CARD, three_ds=True)
    _meta(body)["tokenize"] = True
    pending = raw.call("pay", body)
    assert pending.code == "PAYMENT_IN_PROCESS"
    assert "cardToken" not in pending.body["paymentResultInfo"]
    assert sandbox.answer_challenge(pending.body["normalUrl"])
    inquiry = raw.call("inquiryPayment", {"paymentRequestId": "tok-3ds"})
    token = inquiry.body["paymentResultInfo"]["cardToken"]
    # a later CIT with the saved card meets the issuer's 3DS demand again (16.3: 3DS may be
    # requested for CITs)
    again = raw.call("pay", token_pay("tok-3ds-again", token))
    assert again.code == "AUTHENTICATION_REQUIRED"
    with_3ds = raw.call("pay", token_pay("tok-3ds-2", token, is3DSAuthentication=True))
    assert with_3ds.code == "PAYMENT_IN_PROCESS"
    assert sandbox.answer_challenge(with_3ds.body["normalUrl"])


def test_paying_with_a_saved_card(raw: RawClient) -> None:
    first = save_card(raw, "cit-0")["paymentResultInfo"]
    token = first["cardToken"]
    answer = raw.call("pay", token_pay("cit-1", token))
    assert answer.code == "SUCCESS", answer.result
    info = answer.body["paymentResultInfo"]
    assert info["cardNo"] == first["cardNo"] and info["fingerprint"] == first["fingerprint"]
    assert info["cardToken"] == token and info["cardholderName"] == "Ada Lovelace"
    assert info["cvvResultRaw"] == "P"  # no CVV sent: not processed
    # a CVV is taken alongside a token (unconfirmed either way), at the brand's length
    assert raw.call("pay", token_pay("cit-2", token, cvv="123")).code == "SUCCESS"
    _refused(raw.call("pay", token_pay("cit-3", token, cvv="12")), "INVALID_CVV", f"{META}.cvv")
    _refused(raw.call("pay", token_pay("cit-4", token, cvv="1234")), "INVALID_CVV", f"{META}.cvv")
    # isCardOnFile may be left out, never false
    assert raw.call("pay", token_pay("cit-5", token, on_file=None)).code == "SUCCESS"
    _refused(
        raw.call("pay", token_pay("cit-6", token, on_file=False)),
        "PARAM_ILLEGAL",
        f"{META}.isCardOnFile",
    )
    # card data and a token at once
    both = token_pay("cit-7", token, cardNo="4054695723100768")
    _refused(raw.call("pay", both), "PARAM_ILLEGAL", f"{META}.cardNo")
    # the token is a key field: another card under the same request id is inconsistent
    again = pay_body("cit-1")
    assert raw.call("pay", again).code == "REPEAT_REQ_INCONSISTENT"
    assert raw.call("pay", token_pay("cit-1", token)).code == "SUCCESS"  # the replay


def test_unknown_and_other_merchants_tokens_are_refused(raw: RawClient) -> None:
    mine = save_card(raw, "own-1", merchantAccountId="SHOP-A")["paymentResultInfo"]["cardToken"]
    forged = tokens.PREFIX + "QUJD" * 10 + "=="
    for request_id, token, account in (
        ("unk-1", forged, "SHOP-A"),
        ("unk-2", "not-a-token", "SHOP-A"),
        ("unk-3", mine, "SHOP-B"),
        ("unk-4", mine, None),  # the client id's own account is another merchant account
    ):
        body = token_pay(request_id, token)
        if account:
            body["merchantAccountId"] = account
        answer = raw.call("pay", body)
        _refused(answer, TOKEN_REFUSED, "paymentMethod.paymentMethodId")
        assert "no such card token" in answer.result["resultMessage"]
    body = token_pay("own-2", mine)
    body["merchantAccountId"] = "SHOP-A"
    assert raw.call("pay", body).code == "SUCCESS"


def test_another_client_ids_token_is_unknown_here(raw: RawClient) -> None:
    """A token is bound to the client id that stored the card: another merchant's sandbox
    (its own client id and keys) does not know it, the card being the same."""
    theirs = save_card(raw, "cid-1")["paymentResultInfo"]["cardToken"]
    with Sandbox() as other:
        assert other.client_id != raw.sandbox.client_id
        client = RawClient(other)
        try:
            _refused(
                client.call("pay", token_pay("cid-2", theirs)),
                TOKEN_REFUSED,
                "paymentMethod.paymentMethodId",
            )
            ask = {"merchantAccountId": other.client_id, "token": theirs}
            _refused(client.call("vaults/deleteToken", ask), TOKEN_REFUSED, "token")
            # the same card stored there gets a token of its own
            own = save_card(client, "cid-3")["paymentResultInfo"]["cardToken"]
            assert own != theirs
        finally:
            client.close()
    assert raw.call("pay", token_pay("cid-4", theirs)).code == "SUCCESS"


def test_token_management_inquire_and_remove(raw: RawClient) -> None:
    token = save_card(raw, "mgmt-1", month="02", year="31")["paymentResultInfo"]["cardToken"]
    account = raw.sandbox.client_id  # no merchantAccountId on pay: the client id's account
    ask = {"merchantAccountId": account, "token": token}
    inquiry = raw.call("vaults/inquireToken", ask)
    assert inquiry.verified and inquiry.code == "SUCCESS", inquiry.result
    assert inquiry.body["token"] == token
    assert inquiry.body["tokenExpiryTime"] == "2031-02-28T23:59:59+00:00"
    assert inquiry.body["accountHolderName"] == {"fullName": "Ada Lovelace"}
    # another merchant can neither see nor remove it
    other = {"merchantAccountId": "SHOP-X", "token": token}
    _refused(raw.call("vaults/inquireToken", other), TOKEN_REFUSED, "token")
    _refused(raw.call("vaults/deleteToken", other), TOKEN_REFUSED, "token")
    assert raw.call("pay", token_pay("mgmt-2", token)).code == "SUCCESS"
    # removed: refused on pay and inquiry; removing again answers SUCCESS (a safe retry)
    removed = raw.call("vaults/deleteToken", ask)
    assert removed.verified and removed.body == {"result": removed.result}
    assert removed.code == "SUCCESS"
    answer = raw.call("pay", token_pay("mgmt-3", token))
    _refused(answer, TOKEN_REFUSED, "paymentMethod.paymentMethodId")
    assert "removed" in answer.result["resultMessage"]
    _refused(raw.call("vaults/inquireToken", ask), TOKEN_REFUSED, "token")
    assert raw.call("vaults/deleteToken", ask).code == "SUCCESS"
    # storing the card again gives a new token
    fresh = save_card(raw, "mgmt-4", month="02", year="31")["paymentResultInfo"]["cardToken"]
    assert fresh != token
    assert raw.call("pay", token_pay("mgmt-5", fresh)).code == "SUCCESS"


def test_an_expired_saved_card_is_refused(raw: RawClient, sandbox: Sandbox) -> None:
    today = sandbox.clock.now()
    month, year = f"{today.month:02d}", f"{today.year % 100:02d}"
    token = save_card(raw, "exp-1", month=month, year=year)["paymentResultInfo"]["cardToken"]
    assert raw.call("pay", token_pay("exp-2", token)).code == "SUCCESS"
    sandbox.clock.advance(timedelta(days=32))
    answer = raw.call("pay", token_pay("exp-3", token))
    _refused(answer, "INVALID_EXPIRATION_DATE", "paymentMethod.paymentMethodId")


# -- merchant-initiated payments (17) --------------------------------------------------------
def test_mit_with_a_saved_card_and_the_first_network_id(raw: RawClient, sandbox: Sandbox) -> None:
    # the first CIT through 3DS (as Antom recommends), then MITs run without any
    body = pay_body("mit-cit", card=CHALLENGE_CARD, three_ds=True)
    _meta(body)["tokenize"] = True
    assert sandbox.answer_challenge(raw.call("pay", body).body["normalUrl"])
    first = raw.call("inquiryPayment", {"paymentRequestId": "mit-cit"}).body["paymentResultInfo"]
    token, nti = first["cardToken"], first["networkTransactionId"]
    for request_id, kind in (("mit-1", "SCHEDULED"), ("mit-2", "UNSCHEDULED")):
        answer = raw.call("pay", mit(request_id, token, nti, recurringType=kind))
        assert answer.code == "SUCCESS", answer.result
        assert (
            "normalUrl" not in answer.body
            and "threeDSResult" not in answer.body["paymentResultInfo"]
        )
    # is3DSAuthentication on an MIT is ignored (rejected or ignored: unconfirmed)
    answer = raw.call("pay", mit("mit-3", token, nti, is3DSAuthentication=True))
    assert answer.code == "SUCCESS" and "normalUrl" not in answer.body
    # the network id alone marks an MIT too (recurringType left out: unconfirmed)
    body = token_pay("mit-4", token, networkTransactionId=nti)
    assert raw.call("pay", body).code == "SUCCESS"
    # with a token the network id may be left out (whether it must be sent is unconfirmed)
    assert raw.call("pay", mit("mit-5", token, None)).code == "SUCCESS"
    # merchant-stored card data with the first payment's network id, no CVV
    stored = pay_body("mit-6", card=CHALLENGE_CARD, cvv=None)
    _meta(stored).update(isCardOnFile=True, recurringType="SCHEDULED", networkTransactionId=nti)
    assert raw.call("pay", stored).code == "SUCCESS"


def test_mit_without_a_stored_credential_is_refused(raw: RawClient) -> None:
    paid = save_card(raw, "mr-0")["paymentResultInfo"]
    token, nti = paid["cardToken"], paid["networkTransactionId"]
    _refused(
        raw.call("pay", mit("mr-1", token, nti, isCardOnFile=False)),
        "PARAM_ILLEGAL",
        f"{META}.isCardOnFile",
    )
    no_flag = mit("mr-2", token, nti)
    del _meta(no_flag)["isCardOnFile"]
    _refused(raw.call("pay", no_flag), "PARAM_ILLEGAL", f"{META}.isCardOnFile")
    # card data with no network id: nothing shows the card was stored with consent
    raw_card = pay_body("mr-3", cvv=None)
    _meta(raw_card).update(isCardOnFile=True, recurringType="UNSCHEDULED")
    _refused(raw.call("pay", raw_card), "PARAM_ILLEGAL", f"{META}.networkTransactionId")
    # a network id no earlier payment of this card has
    _refused(
        raw.call("pay", mit("mr-4", token, "999999999999999")),
        "PARAM_ILLEGAL",
        f"{META}.networkTransactionId",
    )
    other_card = save_card(raw, "mr-5", card=MASTERCARD)["paymentResultInfo"]
    _refused(
        raw.call("pay", mit("mr-6", token, other_card["networkTransactionId"])),
        "PARAM_ILLEGAL",
        f"{META}.networkTransactionId",
    )
    # an MIT carries no CVV
    _refused(raw.call("pay", mit("mr-7", token, nti, cvv="123")), "PARAM_ILLEGAL", f"{META}.cvv")
    bad_kind = mit("mr-8", token, nti, recurringType="WHENEVER")
    _refused(raw.call("pay", bad_kind), "PARAM_ILLEGAL", f"{META}.recurringType")


@pytest.mark.parametrize(
    ("card", "code", "raw_code", "advice"),
    [
        (MIT_NO_FUNDS, "USER_BALANCE_NOT_ENOUGH", "51", "02"),
        (MIT_REVOKED, "DO_NOT_HONOR", "R1", "21"),
    ],
)
def test_mit_declining_cards(
    raw: RawClient, card: str, code: str, raw_code: str, advice: str
) -> None:
    paid = save_card(raw, f"md-{card}", card=card)["paymentResultInfo"]  # the CIT goes through
    answer = raw.call("pay", mit(f"md-mit-{card}", paid["cardToken"], paid["networkTransactionId"]))
    assert answer.code == code and answer.result["resultStatus"] == "F"
    info = answer.body["paymentResultInfo"]
    assert info["refusalCodeRaw"] == raw_code and info["merchantAdviceCode"] == advice
    assert "cardToken" not in info
    # a cardholder-present payment with the same saved card still goes through
    assert raw.call("pay", token_pay(f"md-cit-{card}", paid["cardToken"])).code == "SUCCESS"


# -- installments (18) -------------------------------------------------------------------------
def _consult(raw: RawClient, currency: str, value: str) -> dict[str, Any]:
    body = {
        "productCode": "CASHIER_PAYMENT",
        "paymentAmount": {"currency": currency, "value": value},
        "env": {"terminalType": "WEB"},
    }
    answer = raw.call("consult", body)
    assert answer.code == "SUCCESS"
    option: dict[str, Any] = answer.body["paymentOptions"][0]
    return option


def test_consult_serves_plans_per_currency_and_amount(raw: RawClient) -> None:
    usd = _consult(raw, "USD", "60000")["installment"]
    assert [b["cardBrand"] for b in usd["supportCardBrands"]] == ["VISA", "MASTERCARD", "DISCOVER"]
    assert [p["installmentNum"] for p in usd["plans"]] == ["3", "6", "12"]
    plan = usd["plans"][0]
    assert plan["interval"] == "MONTH" and plan["enabled"] is True
    assert plan["minInstallmentAmount"] == {"currency": "USD", "value": "5000"}
    assert {p["interestRate"] for p in usd["plans"]} == {"0", "9.99"}
    small = _consult(raw, "USD", "1000")["installment"]
    assert not any(p["enabled"] for p in small["plans"])
    krw = _consult(raw, "KRW", "100000")["installment"]
    assert "HYUNDAI" in [b["cardBrand"] for b in krw["supportCardBrands"]]
    assert "installment" not in _consult(raw, "SGD", "60000")


def _plan_pay(request_id: str, periods: str = "6", **changes: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "card": INSTALLMENT_CARD,
        "value": "60000",
        "capture": "AUTOMATIC",
        **changes,
    }
    body = pay_body(request_id, **options)
    body["creditPayPlan"] = {"installmentNum": periods, "interval": "MONTH"}
    return body


def test_pay_with_an_offered_plan_echoes_it(raw: RawClient) -> None:
    answer = raw.call("pay", _plan_pay("plan-1", "12"))
    assert answer.code == "SUCCESS", answer.result
    echoed = {"installmentNum": 12, "interval": "MONTH", "interestRate": "9.99"}
    assert answer.body["paymentResultInfo"]["creditPayPlan"] == echoed
    inquiry = raw.call("inquiryPayment", {"paymentRequestId": "plan-1"})
    assert inquiry.body["paymentResultInfo"]["creditPayPlan"] == echoed
    fee = _plan_pay("plan-2", "3")
    fee["creditPayPlan"].update(creditPayFeeType="PERCENTAGE", feePercentage=100)
    plan = raw.call("pay", fee).body["paymentResultInfo"]["creditPayPlan"]
    assert plan["creditPayFeeType"] == "PERCENTAGE" and plan["feePercentage"] == 100
    # JPY: manual capture allowed (only the US market is automatic-only)
    jpy = _plan_pay("plan-3", "10", currency="JPY", value="50000", capture="MANUAL", card=AMEX)
    _meta(jpy)["cvv"] = "1234"
    assert raw.call("pay", jpy).code == "SUCCESS"


def test_a_plan_consult_did_not_offer_is_refused(raw: RawClient) -> None:
    plan_path = "creditPayPlan.installmentNum"
    cases = [
        (_plan_pay("np-1", "5"), "PARAM_ILLEGAL", plan_path),  # not a period offered
        (_plan_pay("np-2", "6", value="1000"), "PARAM_ILLEGAL", plan_path),  # amount too small
        (_plan_pay("np-3", "6", currency="SGD"), "PARAM_ILLEGAL", plan_path),  # no plans there
        (_plan_pay("np-4", "6", card=DEBIT), "CARD_NOT_SUPPORTED", "creditPayPlan"),
        (_plan_pay("np-5", "6", card=AMEX, cvv="1234"), "CARD_NOT_SUPPORTED", "creditPayPlan"),
        (_plan_pay("np-6", "6", capture="MANUAL"), "PARAM_ILLEGAL", "paymentFactor.captureMode"),
        (_plan_pay("np-7", "40"), "PARAM_ILLEGAL", plan_path),  # beyond 2-36
    ]
    fee = _plan_pay("np-8", "6")
    fee["creditPayPlan"]["feePercentage"] = 50
    cases.append((fee, "PARAM_ILLEGAL", "creditPayPlan.creditPayFeeType"))
    for body, code, path in cases:
        _refused(raw.call("pay", body), code, path)
    # nothing was charged: none of them exists
    for i in range(1, 9):
        assert raw.call("inquiryPayment", {"paymentRequestId": f"np-{i}"}).code == "ORDER_NOT_EXIST"


# -- co-badged cards and brand choice (19.1) ---------------------------------------------------
def test_card_info_tells_the_brands_of_a_co_badged_card(raw: RawClient) -> None:
    for ask in ({"cardNo": CO_BADGED}, {"cardBin": "497002"}):
        info = raw.call("getCardInfo", ask)
        assert info.verified and info.code == "SUCCESS", info.result
        assert info.body["cardBrand"] == "VISA"
        assert info.body["localCardBrand"] == info.body["coBagedCardBrand"] == "CARTES_BANCAIRES"
        assert info.body["issuingRegion"] == "FR"
    plain = raw.call("getCardInfo", {"cardBin": "405469"}).body
    assert plain["cardBrand"] == "VISA" and "localCardBrand" not in plain
    assert plain["supportInstallment"] is True
    debit = raw.call("getCardInfo", {"cardNo": DEBIT}).body
    assert debit["funding"] == "DEBIT" and debit["supportInstallment"] is False
    _refused(
        raw.call("getCardInfo", {"cardNo": "4970020000000007"}), "INVALID_CARD_NUMBER", "cardNo"
    )
    _refused(raw.call("getCardInfo", {}), "PARAM_ILLEGAL", "cardNo")
    # consult lists the local brand with a logo the sandbox serves
    brands = _consult(raw, "EUR", "1000")["paymentOptionDetail"]["supportCardBrands"]
    cb = next(b for b in brands if b["cardBrand"] == "CARTES_BANCAIRES")
    assert raw.http.get(cb["logo"]["logoUrl"]).status_code == 200


def test_selected_brand_must_be_one_the_card_carries(raw: RawClient, sandbox: Sandbox) -> None:
    for request_id, selected, expected in (
        ("cb-1", "CARTES_BANCAIRES", "CARTES_BANCAIRES"),
        ("cb-2", "VISA", "VISA"),
        ("cb-3", None, "VISA"),
    ):
        body = pay_body(request_id, card=CO_BADGED, currency="EUR")
        if selected:
            _meta(body)["selectedCardBrand"] = selected
        answer = raw.call("pay", body)
        assert answer.code == "SUCCESS", answer.result
        assert answer.body["paymentResultInfo"]["cardBrand"] == expected
    for request_id, card, selected in (
        ("cb-4", CO_BADGED, "MASTERCARD"),
        ("cb-5", "4054695723100768", "CARTES_BANCAIRES"),
    ):
        body = pay_body(request_id, card=card)
        _meta(body)["selectedCardBrand"] = selected
        _refused(
            raw.call("pay", body), "SELECTED_CARD_BRAND_NOT_AVAILABLE", f"{META}.selectedCardBrand"
        )
    # a saved co-badged card keeps its brands; 3DS through the local brand
    token = save_card(raw, "cb-6", card=CO_BADGED)["paymentResultInfo"]["cardToken"]
    answer = raw.call("pay", token_pay("cb-7", token, selectedCardBrand="CARTES_BANCAIRES"))
    assert answer.body["paymentResultInfo"]["cardBrand"] == "CARTES_BANCAIRES"
    body = pay_body("cb-8", card=CO_BADGED, three_ds=True)
    _meta(body)["selectedCardBrand"] = "CARTES_BANCAIRES"
    assert sandbox.answer_challenge(raw.call("pay", body).body["normalUrl"])
    done = raw.call("inquiryPayment", {"paymentRequestId": "cb-8"}).body
    assert done["paymentStatus"] == "SUCCESS"
    assert done["paymentResultInfo"]["threeDSResult"]["eci"] == "05"


# -- external 3-D Secure (MPI, 19.2) -------------------------------------------------------------
def _mpi(eci: str, *, cavv: str | None = CAVV, version: str = "2.2.0") -> dict[str, Any]:
    data: dict[str, Any] = {"threeDSVersion": version, "eci": eci, "dsTransactionId": DS_ID}
    if cavv is not None:
        data["cavv"] = cavv
    return data


def _mpi_pay(request_id: str, mpi: dict[str, Any], **options: Any) -> dict[str, Any]:
    body = pay_body(request_id, **options)
    _meta(body)["mpiData"] = copy.deepcopy(mpi)
    return body


def test_authenticated_elsewhere_means_no_challenge(raw: RawClient) -> None:
    for request_id, card, eci in (
        ("mpi-1", CHALLENGE_CARD, "05"),
        ("mpi-2", SALVAGE_CARD, "05"),
        ("mpi-3", MASTERCARD, "02"),
    ):
        answer = raw.call("pay", _mpi_pay(request_id, _mpi(eci), card=card, three_ds=True))
        assert answer.code == "SUCCESS", answer.result
        assert "normalUrl" not in answer.body
        result = answer.body["paymentResultInfo"]["threeDSResult"]
        assert result["eci"] == eci and result["liabilityShift"] == "1"
        assert result["paResStatus"] == "Y" and result["threeDSOffered"] is False
        assert result["dsTransactionId"] == DS_ID and "cavv" not in result
    # attempted (ECI 06 with a CAVV) on an ordinary card: authorised, an attempt
    answer = raw.call("pay", _mpi_pay("mpi-4", _mpi("06")))
    assert answer.code == "SUCCESS"
    assert answer.body["paymentResultInfo"]["threeDSResult"]["paResStatus"] == "A"


def test_not_authenticated_elsewhere_is_declined_or_challenged(
    raw: RawClient, sandbox: Sandbox
) -> None:
    failed = raw.call("pay", _mpi_pay("mpn-1", _mpi("07", cavv=None)))
    assert failed.code == "USER_PAYMENT_VERIFICATION_FAILED"
    assert failed.body["paymentResultInfo"]["threeDSResult"]["liabilityShift"] == "0"
    # an authenticated ECI without a CAVV is no authentication either: refused by the table
    _refused(
        raw.call("pay", _mpi_pay("mpn-2", _mpi("05", cavv=None))),
        "PARAM_ILLEGAL",
        f"{META}.mpiData.cavv",
    )
    # with is3DSAuthentication=true Antom authenticates the buyer itself
    challenged = raw.call("pay", _mpi_pay("mpn-3", _mpi("07", cavv=None), three_ds=True))
    assert challenged.code == "PAYMENT_IN_PROCESS" and challenged.body["normalUrl"]
    assert sandbox.answer_challenge(challenged.body["normalUrl"])
    # an attempt on a card whose issuer demands 3DS: a challenge
    attempt = raw.call("pay", _mpi_pay("mpn-4", _mpi("06"), card=CHALLENGE_CARD, three_ds=True))
    assert attempt.code == "PAYMENT_IN_PROCESS" and attempt.body["normalUrl"]


@pytest.mark.parametrize(
    ("mpi", "path"),
    [
        (_mpi("02"), "mpiData.eci"),  # a Mastercard ECI on a Visa card
        (_mpi("5"), "mpiData.eci"),
        (_mpi("05", cavv="not base64!"), "mpiData.cavv"),
        (_mpi("05", version="3.0.0"), "mpiData.threeDSVersion"),
        ({**_mpi("05"), "dsTransactionId": "1234"}, "mpiData.dsTransactionId"),
        ({"eci": "05", "cavv": CAVV}, "mpiData.threeDSVersion"),
        ({"threeDSVersion": "2.2.0", "eci": "05", "cavv": CAVV}, "mpiData.dsTransactionId"),
        ({**_mpi("05"), "credentialType": "CARD"}, "mpiData.credentialType"),
    ],
)
def test_malformed_mpi_values_are_refused_by_path(
    raw: RawClient, mpi: dict[str, Any], path: str
) -> None:
    answer = raw.call("pay", _mpi_pay("mpi-bad", mpi))
    _refused(answer, "PARAM_ILLEGAL", f"{META}.{path}")
    assert raw.call("inquiryPayment", {"paymentRequestId": "mpi-bad"}).code == "ORDER_NOT_EXIST"


# -- what the state keeps ----------------------------------------------------------------------
def test_state_keeps_no_token_and_no_cavv(state_dir: Path, receiver: NotifyReceiver) -> None:
    with Sandbox(state_dir) as sandbox:
        client = RawClient(sandbox)
        paid = save_card(client, "st-1", notify_url=receiver.url)["paymentResultInfo"]
        token = paid["cardToken"]
        body = token_pay("st-2", token)
        body["paymentNotifyUrl"] = receiver.url
        assert client.call("pay", body).code == "SUCCESS"
        assert client.call("pay", _mpi_pay("st-3", _mpi("05"))).code == "SUCCESS"
        sandbox.wait_notifications(timeout=10)
        client.close()
        during = b"".join(p.read_bytes() for p in sorted(state_dir.rglob("*")) if p.is_file())
        key = sandbox.keys.fingerprint_key
    after = b"".join(p.read_bytes() for p in sorted(state_dir.rglob("*")) if p.is_file())
    assert receiver.bodies("PAYMENT_RESULT")[0]["paymentResultInfo"]["cardToken"] == token
    body_part = token.removeprefix(tokens.PREFIX).rstrip("=").encode()
    for blob in (during, after):
        assert token.encode() not in blob and body_part not in blob
        assert CAVV.encode() not in blob and CAVV.rstrip("=").encode() not in blob
    # what is kept instead: the keyed hash
    assert tokens.token_hash(key, token).encode() in after
