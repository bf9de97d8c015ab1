"""H1's AntomClient against the sandbox over real loopback HTTP: every API, card and rule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import RepeatRequestInconsistentError
from posapp.core.antom.messages import (
    Action,
    AntomOutcome,
    CancelRequest,
    CaptureMode,
    CaptureRequest,
    ConsultRequest,
    PaymentStatus,
    PayRequest,
    RefundRequest,
    RefundStatus,
    ResultStatus,
    TransactionStatus,
    TransactionType,
)
from posapp.core.antom.retry import NO_RETRY
from posapp.core.cards import CardDetails
from posapp.core.money import Money
from posapp.sandbox import Sandbox

VISA = "4054695723100768"


def card(pan: str = VISA, cvv: str = "123", month: int = 12, year: int = 2030) -> CardDetails:
    return CardDetails(pan, month, year, cvv, first_name="Ada", last_name="Lovelace")


def pay(
    client: AntomClient,
    request_id: str,
    *,
    pan: str = VISA,
    minor: int = 1250,
    currency: str = "USD",
    mode: CaptureMode = CaptureMode.MANUAL,
    three_ds: bool = False,
    cvv: str = "123",
    order: str | None = None,
    notify_url: str | None = None,
):
    return client.pay(
        PayRequest(
            payment_request_id=request_id,
            amount=Money(minor, currency),
            card=card(pan, cvv=cvv),
            reference_order_id=order or f"order-{request_id}",
            order_description="Till sale",
            capture_mode=mode,
            three_ds=three_ds,
            notify_url=notify_url,
            redirect_url="https://shop.example/back",
        )
    )


# -- pay: published and magic cards ----------------------------------------------------------


@pytest.mark.parametrize(
    "pan",
    [
        "4054695723100768",
        "5162774114974622",
        "9490220011669217",
        "4294097400915107",
        "4006055482525268",
        "4600729331819383",
        "4310377720003234",
        "4000020000000505",
        "4000020000001008",
        "4000020000001206",
    ],
)
def test_success_cards_authorise(client: AntomClient, sandbox: Sandbox, pan: str) -> None:
    response = pay(client, f"ok-{pan}", pan=pan)
    assert response.outcome is AntomOutcome.SUCCEEDED
    assert response.payment_id
    assert response.card is not None
    assert response.card.card_no == f"{pan[:6]}******{pan[-4:]}"
    assert response.card.network_transaction_id
    assert response.auth_expiry_time is not None
    assert sandbox.ledger().order(f"order-ok-{pan}").authorised == 1250


def test_amex_with_four_digit_cid(client: AntomClient) -> None:
    response = pay(client, "amex", pan="340002000000005", cvv="1234")
    assert response.outcome is AntomOutcome.SUCCEEDED
    assert response.card is not None and response.card.brand == "AMEX"


@pytest.mark.parametrize(
    ("pan", "code"),
    [
        ("4054692760174822", "ISSUER_REJECTS_TRANSACTION"),
        ("5162770472561357", "ISSUER_REJECTS_TRANSACTION"),
        ("4000020000000109", "USER_BALANCE_NOT_ENOUGH"),
        ("4000020000000208", "DO_NOT_HONOR"),
        ("4000020000000307", "CARD_EXPIRED"),
        ("4000020000000406", "INVALID_CVV"),
        ("4000020000001107", "RISK_REJECT"),
        ("4000020000000604", "AUTHENTICATION_REQUIRED"),
    ],
)
def test_decline_cards(client: AntomClient, sandbox: Sandbox, pan: str, code: str) -> None:
    response = pay(client, f"no-{pan}", pan=pan)
    assert response.outcome is AntomOutcome.FAILED
    assert response.result is not None and response.result.code == code
    inquiry = client.inquiry_payment(f"no-{pan}")
    assert inquiry.payment_status is PaymentStatus.FAIL
    assert inquiry.payment_result_code == code
    assert sandbox.ledger().order(f"order-no-{pan}").authorised == 0


def test_cvv_mismatch_reports_cvv_result(client: AntomClient) -> None:
    response = pay(client, "cvv-n", pan="4000020000000406")
    assert response.card is not None and response.card.cvv_result == "N"


def test_avs_mismatch_is_approved_with_avs_result_n(client: AntomClient) -> None:
    response = pay(client, "avs-n", pan="4000020000000505")
    assert response.outcome is AntomOutcome.SUCCEEDED
    assert response.card is not None and response.card.avs_result == "N"
    assert response.card.cvv_result == "M"


def test_risk_amount_11_rejects_any_card(client: AntomClient) -> None:
    response = pay(client, "risk-11", minor=11)
    assert response.result is not None and response.result.code == "RISK_REJECT"


def test_automatic_capture_captures_at_once(client: AntomClient, sandbox: Sandbox) -> None:
    response = pay(client, "auto-1", mode=CaptureMode.AUTOMATIC)
    assert response.outcome is AntomOutcome.SUCCEEDED
    inquiry = client.inquiry_payment("auto-1")
    captures = inquiry.captures()
    assert len(captures) == 1
    assert captures[0].status is TransactionStatus.SUCCESS
    assert captures[0].amount == Money(1250, "USD")
    entry = sandbox.ledger().order("order-auto-1")
    assert (entry.authorised, entry.captured, entry.held) == (1250, 1250, 0)
    again = client.capture(
        CaptureRequest("cap-auto", response.payment_id or "", Money(1250, "USD"))
    )
    assert again.outcome is AntomOutcome.FAILED


def test_zero_decimal_currency(client: AntomClient) -> None:
    response = pay(client, "jpy", minor=500, currency="JPY")
    assert response.outcome is AntomOutcome.SUCCEEDED
    assert response.amount == Money(500, "JPY")


# -- 3DS ----------------------------------------------------------------------------------------


def _otp(url: str, otp: str | None) -> httpx.Response:
    page = httpx.get(url, trust_env=False)
    assert page.status_code == 200
    assert "one-time password" in page.text.lower()
    data = {"otp": otp or "", "action": "verify" if otp is not None else "cancel"}
    return httpx.post(url, data=data, trust_env=False)


def test_3ds_challenge_right_otp_succeeds(client: AntomClient, sandbox: Sandbox) -> None:
    response = pay(client, "3ds-ok", three_ds=True)
    assert response.outcome is AntomOutcome.UNKNOWN
    assert response.result is not None and response.result.code == "PAYMENT_IN_PROCESS"
    assert response.redirect_url and response.redirect_url.startswith(sandbox.base_url)
    processing = client.inquiry_payment("3ds-ok")
    assert processing.payment_status is PaymentStatus.PROCESSING
    answer = _otp(response.redirect_url, Sandbox.OTP)
    assert "verified" in answer.text.lower()
    done = client.inquiry_payment("3ds-ok")
    assert done.payment_status is PaymentStatus.SUCCESS
    assert done.card is not None and done.card.three_ds is not None
    assert done.card.three_ds.challenged is True
    assert done.card.three_ds.eci == "05"
    # the page is closed now
    assert httpx.get(response.redirect_url, trust_env=False).status_code == 404


def test_3ds_challenge_wrong_otp_fails(client: AntomClient) -> None:
    response = pay(client, "3ds-bad", three_ds=True)
    assert response.redirect_url
    _otp(response.redirect_url, "000000")
    done = client.inquiry_payment("3ds-bad")
    assert done.payment_status is PaymentStatus.FAIL
    assert done.payment_result_code == "USER_PAYMENT_VERIFICATION_FAILED"
    assert done.card is not None and done.card.three_ds is not None
    assert done.card.three_ds.liability_shift == "0"


def test_3ds_cancel_on_the_page_fails(client: AntomClient) -> None:
    response = pay(client, "3ds-cancel", three_ds=True)
    assert response.redirect_url
    _otp(response.redirect_url, None)
    assert client.inquiry_payment("3ds-cancel").payment_status is PaymentStatus.FAIL


def test_challenge_card_with_3ds_flag(client: AntomClient, sandbox: Sandbox) -> None:
    response = pay(client, "3ds-card", pan="4000020000000604", three_ds=True)
    assert response.redirect_url
    assert sandbox.answer_challenge(response.redirect_url)
    assert client.inquiry_payment("3ds-card").payment_status is PaymentStatus.SUCCESS


def test_salvage_turns_a_non_3ds_request_into_a_challenge(client: AntomClient) -> None:
    response = pay(client, "salvage", pan="4000020000000802", three_ds=False)
    assert response.outcome is AntomOutcome.UNKNOWN
    assert response.classification.action is Action.INQUIRE
    assert response.redirect_url
    _otp(response.redirect_url, Sandbox.OTP)
    assert client.inquiry_payment("salvage").payment_status is PaymentStatus.SUCCESS


@pytest.mark.parametrize("pan", ["4000020000000703", "4035501000000008"])
def test_frictionless_3ds(client: AntomClient, pan: str) -> None:
    response = pay(client, f"fl-{pan}", pan=pan, three_ds=True)
    assert response.outcome is AntomOutcome.SUCCEEDED
    assert response.card is not None and response.card.three_ds is not None
    assert response.card.three_ds.challenged is False


def test_unanswered_challenge_expires_after_14_minutes(
    client: AntomClient, sandbox: Sandbox
) -> None:
    response = pay(client, "3ds-late", three_ds=True)
    sandbox.clock.advance(timedelta(minutes=13, seconds=50))
    assert client.inquiry_payment("3ds-late").payment_status is PaymentStatus.PROCESSING
    sandbox.clock.advance(timedelta(seconds=20))
    late = client.inquiry_payment("3ds-late")
    assert late.payment_status is PaymentStatus.FAIL
    assert late.payment_result_code == "ORDER_IS_CLOSED"
    assert response.redirect_url
    assert not sandbox.answer_challenge(response.redirect_url)


# -- slow authorisation ---------------------------------------------------------------------------


def test_slow_authorisation_processing_then_success(client: AntomClient, sandbox: Sandbox) -> None:
    response = pay(client, "slow", pan="4000020000000901", cvv="030")  # 30 seconds
    assert response.outcome is AntomOutcome.UNKNOWN
    assert response.redirect_url is None
    assert client.inquiry_payment("slow").payment_status is PaymentStatus.PROCESSING
    sandbox.clock.advance(timedelta(seconds=29))
    assert client.inquiry_payment("slow").payment_status is PaymentStatus.PROCESSING
    sandbox.clock.advance(timedelta(seconds=2))
    assert client.inquiry_payment("slow").payment_status is PaymentStatus.SUCCESS
    # the same request again now answers with the settled result
    assert pay(client, "slow", pan="4000020000000901", cvv="030").outcome is AntomOutcome.SUCCEEDED


def test_slow_authorisation_then_decline(client: AntomClient, sandbox: Sandbox) -> None:
    pay(client, "slow-no", pan="4000020000000919", cvv="005")
    assert client.inquiry_payment("slow-no").payment_status is PaymentStatus.PROCESSING
    sandbox.clock.advance(timedelta(seconds=6))
    inquiry = client.inquiry_payment("slow-no")
    assert inquiry.payment_status is PaymentStatus.FAIL
    assert inquiry.payment_result_code == "DO_NOT_HONOR"


def test_slow_authorisation_settles_in_real_time(client: AntomClient) -> None:
    import time

    pay(client, "slow-real", pan="4000020000000901", cvv="001")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.inquiry_payment("slow-real").payment_status is PaymentStatus.SUCCESS:
            return
        time.sleep(0.1)
    pytest.fail("the slow authorisation never settled")


# -- capture --------------------------------------------------------------------------------------


def test_manual_capture_full_amount(client: AntomClient, sandbox: Sandbox) -> None:
    paid = pay(client, "cap-1")
    assert paid.payment_id
    assert sandbox.ledger().order("order-cap-1").held == 1250
    cap = client.capture(CaptureRequest("c-1", paid.payment_id, Money(1250, "USD")))
    assert cap.outcome is AntomOutcome.SUCCEEDED
    assert cap.capture_id and cap.capture_time
    inquiry = client.inquiry_payment(payment_id=paid.payment_id)
    assert [t.type for t in inquiry.transactions] == [TransactionType.CAPTURE]
    assert inquiry.transactions[0].request_id == "c-1"
    # the same capture again: same answer, no second capture
    again = client.capture(CaptureRequest("c-1", paid.payment_id, Money(1250, "USD")))
    assert again.capture_id == cap.capture_id
    entry = sandbox.ledger().order("order-cap-1")
    assert (entry.captured, entry.held) == (1250, 0)
    # another capture id: refused
    second = client.capture(CaptureRequest("c-2", paid.payment_id, Money(1250, "USD")))
    assert second.result is not None and second.result.code == "MULTI_CAPTURE_NOT_SUPPORTED"
    assert sandbox.ledger().order("order-cap-1").captured == 1250


def test_partial_and_over_capture_are_refused(client: AntomClient, sandbox: Sandbox) -> None:
    paid = pay(client, "cap-p")
    assert paid.payment_id
    part = client.capture(CaptureRequest("cp-1", paid.payment_id, Money(1000, "USD")))
    assert part.result is not None and part.result.code == "PARAM_ILLEGAL"
    over = client.capture(CaptureRequest("cp-2", paid.payment_id, Money(1251, "USD")))
    assert over.result is not None and over.result.code == "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
    assert sandbox.ledger().order("order-cap-p").captured == 0


def test_capture_with_a_changed_amount_is_inconsistent(client: AntomClient) -> None:
    paid = pay(client, "cap-r")
    assert paid.payment_id
    client.capture(CaptureRequest("cr-1", paid.payment_id, Money(1250, "USD")))
    with pytest.raises(RepeatRequestInconsistentError):
        client.capture(CaptureRequest("cr-1", paid.payment_id, Money(1249, "USD")))


def test_capture_within_7_days_and_release_after(client: AntomClient, sandbox: Sandbox) -> None:
    early = pay(client, "hold-early")
    late = pay(client, "hold-late")
    assert early.payment_id and late.payment_id
    sandbox.clock.advance(timedelta(days=6, hours=23))
    ok = client.capture(CaptureRequest("he", early.payment_id, Money(1250, "USD")))
    assert ok.outcome is AntomOutcome.SUCCEEDED
    sandbox.clock.advance(timedelta(hours=2))
    refused = client.capture(CaptureRequest("hl", late.payment_id, Money(1250, "USD")))
    assert refused.outcome is AntomOutcome.FAILED
    assert refused.result is not None and refused.result.code == "AUTH_EXPIRED"
    inquiry = client.inquiry_payment("hold-late")
    assert inquiry.payment_status is PaymentStatus.CANCELLED
    ledger = sandbox.ledger()
    assert ledger.order("order-hold-late").released == 1250
    assert ledger.order("order-hold-late").held == 0
    assert ledger.order("order-hold-early").captured == 1250
    assert ledger.order("order-hold-early").released == 0


def test_capture_in_process_card(client: AntomClient, sandbox: Sandbox) -> None:
    paid = pay(client, "cip", pan="4000020000001008")
    assert paid.payment_id
    cap = client.capture(CaptureRequest("cip-c", paid.payment_id, Money(1250, "USD")))
    assert cap.outcome is AntomOutcome.UNKNOWN
    assert cap.result is not None and cap.result.code == "CAPTURE_IN_PROCESS"
    inquiry = client.inquiry_payment("cip")
    assert inquiry.captures()[0].status is TransactionStatus.PROCESSING
    assert sandbox.ledger().order("order-cip").capturing == 1250
    sandbox.clock.advance(timedelta(seconds=6))
    assert client.inquiry_payment("cip").captures()[0].status is TransactionStatus.SUCCESS
    again = client.capture(CaptureRequest("cip-c", paid.payment_id, Money(1250, "USD")))
    assert again.outcome is AntomOutcome.SUCCEEDED
    assert sandbox.ledger().order("order-cip").captured == 1250


def test_capture_unknown_payment(client: AntomClient) -> None:
    response = client.capture(CaptureRequest("x", "no-such-payment", Money(1, "USD")))
    assert response.result is not None and response.result.code == "ORDER_NOT_EXIST"


# -- cancel ---------------------------------------------------------------------------------------


def test_cancel_by_payment_id_and_by_request_id(client: AntomClient, sandbox: Sandbox) -> None:
    one = pay(client, "cx-1")
    pay(client, "cx-2")
    assert one.payment_id
    first = client.cancel(CancelRequest(payment_id=one.payment_id))
    assert first.outcome is AntomOutcome.SUCCEEDED and first.cancel_time
    second = client.cancel(CancelRequest(payment_request_id="cx-2"))
    assert second.outcome is AntomOutcome.SUCCEEDED
    assert client.inquiry_payment("cx-1").payment_status is PaymentStatus.CANCELLED
    assert client.inquiry_payment("cx-2").payment_status is PaymentStatus.CANCELLED
    # cancelling twice is harmless and answers the same
    again = client.cancel(CancelRequest(payment_id=one.payment_id))
    assert again.outcome is AntomOutcome.SUCCEEDED and again.cancel_time == first.cancel_time
    entry = sandbox.ledger().order("order-cx-1")
    assert (entry.authorised, entry.cancelled, entry.held) == (1250, 1250, 0)
    capture = client.capture(CaptureRequest("cx-c", one.payment_id, Money(1250, "USD")))
    assert capture.outcome is AntomOutcome.FAILED


def test_cancel_is_refused_after_capture(client: AntomClient) -> None:
    paid = pay(client, "cx-cap", mode=CaptureMode.AUTOMATIC)
    assert paid.payment_id
    response = client.cancel(CancelRequest(payment_id=paid.payment_id))
    assert response.outcome is AntomOutcome.FAILED
    assert response.result is not None and response.result.code == "ORDER_STATUS_INVALID"
    assert client.inquiry_payment("cx-cap").payment_status is PaymentStatus.SUCCESS


def test_cancel_a_pending_challenge(client: AntomClient, sandbox: Sandbox) -> None:
    response = pay(client, "cx-3ds", three_ds=True)
    assert (
        client.cancel(CancelRequest(payment_request_id="cx-3ds")).outcome is AntomOutcome.SUCCEEDED
    )
    assert response.redirect_url
    assert not sandbox.answer_challenge(response.redirect_url)
    assert client.inquiry_payment("cx-3ds").payment_status is PaymentStatus.CANCELLED
    assert sandbox.ledger().order("order-cx-3ds").authorised == 0


def test_cancel_unknown_payment(client: AntomClient) -> None:
    response = client.cancel(CancelRequest(payment_request_id="never-paid"))
    assert response.result is not None and response.result.code == "ORDER_NOT_EXIST"


# -- refund ---------------------------------------------------------------------------------------


def test_partial_and_multiple_refunds_up_to_captured(client: AntomClient, sandbox: Sandbox) -> None:
    paid = pay(client, "rf", minor=1000, mode=CaptureMode.AUTOMATIC)
    assert paid.payment_id
    r1 = client.refund(RefundRequest("rf-1", paid.payment_id, Money(300, "USD"), reason="shirt"))
    assert r1.outcome is AntomOutcome.SUCCEEDED and r1.refund_id and r1.refund_time
    r2 = client.refund(RefundRequest("rf-2", paid.payment_id, Money(700, "USD")))
    assert r2.outcome is AntomOutcome.SUCCEEDED
    r3 = client.refund(RefundRequest("rf-3", paid.payment_id, Money(1, "USD")))
    assert r3.result is not None and r3.result.code == "REFUND_AMOUNT_EXCEED"
    # a repeat of rf-1 moves no money again
    again = client.refund(RefundRequest("rf-1", paid.payment_id, Money(300, "USD")))
    assert again.refund_id == r1.refund_id
    with pytest.raises(RepeatRequestInconsistentError):
        client.refund(RefundRequest("rf-1", paid.payment_id, Money(301, "USD")))
    entry = sandbox.ledger().order("order-rf")
    assert (entry.captured, entry.refunded, entry.net) == (1000, 1000, 0)
    refunds = client.inquiry_payment("rf").refunds()
    assert [t.request_id for t in refunds] == ["rf-1", "rf-2"]
    inquiry = client.inquiry_refund("rf-1")
    assert inquiry.refund_status is RefundStatus.SUCCESS
    assert inquiry.amount == Money(300, "USD")
    by_id = client.inquiry_refund(refund_id=r2.refund_id)
    assert by_id.refund_request_id == "rf-2"


def test_refund_before_capture_and_after_cancel(client: AntomClient) -> None:
    paid = pay(client, "rf-held")
    assert paid.payment_id
    held = client.refund(RefundRequest("rh-1", paid.payment_id, Money(100, "USD")))
    assert held.result is not None and held.result.code == "ORDER_STATUS_INVALID"
    client.cancel(CancelRequest(payment_id=paid.payment_id))
    cancelled = client.refund(RefundRequest("rh-2", paid.payment_id, Money(100, "USD")))
    assert cancelled.result is not None and cancelled.result.code == "ORDER_IS_CANCELED"


def test_refund_in_process_card(client: AntomClient, sandbox: Sandbox) -> None:
    paid = pay(client, "rip", pan="4000020000001206", mode=CaptureMode.AUTOMATIC)
    assert paid.payment_id
    refund = client.refund(RefundRequest("rip-1", paid.payment_id, Money(500, "USD")))
    assert refund.outcome is AntomOutcome.UNKNOWN
    assert refund.result is not None and refund.result.code == "REFUND_IN_PROCESS"
    assert client.inquiry_refund("rip-1").refund_status is RefundStatus.PROCESSING
    sandbox.clock.advance(timedelta(seconds=6))
    assert client.inquiry_refund("rip-1").refund_status is RefundStatus.SUCCESS
    assert sandbox.ledger().order("order-rip").refunded == 500


def test_inquiry_refund_unknown(client: AntomClient) -> None:
    response = client.inquiry_refund("no-such-refund")
    assert not response.found
    assert response.result.status is ResultStatus.FAIL


# -- consult --------------------------------------------------------------------------------------


def test_consult_lists_brands_with_logos_served_by_the_sandbox(
    client: AntomClient, sandbox: Sandbox
) -> None:
    response = client.consult(ConsultRequest(amount=Money(1000, "USD")))
    brands = {b.brand: b for b in response.card_brands()}
    assert {"VISA", "MASTERCARD", "AMEX"} <= set(brands)
    for info in brands.values():
        assert info.logo is not None and info.logo.url
        assert info.logo.url.startswith(sandbox.base_url)
        logo = httpx.get(info.logo.url, trust_env=False)
        assert logo.status_code == 200
        assert logo.headers["content-type"] == "image/svg+xml"
        assert logo.content.lstrip().startswith(b"<svg")


# -- idempotency ----------------------------------------------------------------------------------


def test_repeated_pay_returns_the_same_payment(client: AntomClient, sandbox: Sandbox) -> None:
    first = pay(client, "idem", order="idem-order")
    second = pay(client, "idem", order="idem-order")
    assert second.payment_id == first.payment_id
    assert second.outcome is AntomOutcome.SUCCEEDED
    entry = sandbox.ledger().order("idem-order")
    assert (entry.payments, entry.authorised) == (1, 1250)
    with pytest.raises(RepeatRequestInconsistentError):
        pay(client, "idem", order="idem-order", minor=1251)
    with pytest.raises(RepeatRequestInconsistentError):
        pay(client, "idem", order="idem-order", pan="5162774114974622")
    assert sandbox.ledger().order("idem-order").authorised == 1250


def test_repeated_declined_pay_replays_the_decline(client: AntomClient) -> None:
    first = pay(client, "idem-no", pan="4000020000000208")
    second = pay(client, "idem-no", pan="4000020000000208")
    assert first.payment_id == second.payment_id
    assert second.result is not None and second.result.code == "DO_NOT_HONOR"


# -- persistence ----------------------------------------------------------------------------------


def test_restart_with_the_same_dir_keeps_payments_and_clock(tmp_path: Path) -> None:
    state = tmp_path / "sb"
    with Sandbox(state) as first:
        with AntomClient(
            first.base_url,
            first.client_id,
            first.merchant_private_key_pem,
            first.antom_public_key_pem,
            retry=NO_RETRY,
        ) as antom:
            paid = pay(antom, "persist")
        first.clock.advance(timedelta(days=2))
        jumped = first.clock.now()
    with Sandbox(state) as second:
        assert second.clock.now() >= jumped
        assert second.clock.now() - jumped < timedelta(minutes=1)
        with AntomClient(
            second.base_url,
            second.client_id,
            second.merchant_private_key_pem,
            second.antom_public_key_pem,
            retry=NO_RETRY,
        ) as antom:
            inquiry = antom.inquiry_payment("persist")
            assert inquiry.payment_id == paid.payment_id
            assert inquiry.payment_status is PaymentStatus.SUCCESS
            assert inquiry.auth_expiry_time is not None
            second.clock.advance(timedelta(days=5, minutes=1))
            assert antom.inquiry_payment("persist").payment_status is PaymentStatus.CANCELLED


def test_time_rules_stay_cheap_after_captured_holds_pass(
    client: AntomClient, sandbox: Sandbox
) -> None:
    """A captured authorisation's 7-day mark must not keep the rule runner busy for ever."""
    paid = pay(client, "cheap")
    assert paid.payment_id
    client.capture(CaptureRequest("cheap-c", paid.payment_id, Money(1250, "USD")))
    sandbox.clock.advance(timedelta(days=8))
    client.inquiry_payment("cheap")
    assert sandbox.engine._next_due_us is None
    slow = pay(client, "cheap-slow", pan="4000020000000901", cvv="002")
    assert slow.outcome is AntomOutcome.UNKNOWN
    assert sandbox.engine._next_due_us is not None
