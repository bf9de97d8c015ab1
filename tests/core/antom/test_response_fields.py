"""Client parsing: a capture in process under either reading of Antom's code, and the full
threeDSResult (every field the reference lists; the CAVV kept in memory, never journaled)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from posapp.core.antom.errors import GatewayTimeoutError, ProtocolError, journaled
from posapp.core.antom.messages import (
    CancelResponse,
    CaptureResponse,
    InquiryPaymentResponse,
    InquiryRefundResponse,
    PayResponse,
    RefundResponse,
    ThreeDSResult,
    TransactionStatus,
)
from posapp.core.domain import EventKind
from posapp.core.journal.sanitise import sanitise
from posapp.core.services.settle import summarise
from tests.core.services.conftest import make_backend, pay

FRICTIONLESS = "4000020000000703"
CAVV = "AAABBZlZiQAAAAAAAAAAAAAAAAA="


def _inquiry(transaction: dict[str, Any]) -> dict[str, Any]:
    return {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "paymentStatus": "SUCCESS",
        "paymentRequestId": "pay-1",
        "paymentId": "2026120211",
        "paymentAmount": {"currency": "USD", "value": "1250"},
        "transactions": [
            {
                "transactionType": "CAPTURE",
                "transactionRequestId": "cap-1",
                "transactionAmount": {"currency": "USD", "value": "1250"},
                **transaction,
            }
        ],
    }


IN_PROCESS = [
    # Antom's inquiryPayment sample
    {
        "transactionStatus": "PROCESSING",
        "transactionResult": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U"},
    },
    # the capture API's own code
    {
        "transactionStatus": "PROCESSING",
        "transactionResult": {"resultCode": "CAPTURE_IN_PROCESS", "resultStatus": "U"},
    },
    # no transactionStatus: the result says it, under either code
    {"transactionResult": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U"}},
    {"transactionResult": {"resultCode": "CAPTURE_IN_PROCESS", "resultStatus": "U"}},
]


@pytest.mark.parametrize("transaction", IN_PROCESS)
def test_a_capture_in_process_reads_as_in_process_under_both_codes(
    transaction: dict[str, Any],
) -> None:
    inq = InquiryPaymentResponse.parse(_inquiry(transaction), "pay-1")
    (capture,) = inq.captures()
    assert capture.status is TransactionStatus.PROCESSING and capture.in_process
    assert capture.result is not None and capture.result.code.endswith("_IN_PROCESS")
    # the journal keeps the code too (shown in the payment's timeline)
    (journaled,) = summarise(inq)["transactions"]
    assert journaled["status"] == "PROCESSING"
    assert journaled["resultCode"] == capture.result.code


def test_a_finished_capture_is_not_in_process() -> None:
    inq = InquiryPaymentResponse.parse(
        _inquiry(
            {
                "transactionStatus": "SUCCESS",
                "transactionResult": {"resultCode": "SUCCESS", "resultStatus": "S"},
            }
        )
    )
    (capture,) = inq.captures()
    assert capture.status is TransactionStatus.SUCCESS and not capture.in_process


def test_a_transaction_with_neither_status_nor_result_is_refused() -> None:
    with pytest.raises(ProtocolError, match="transactionStatus"):
        InquiryPaymentResponse.parse(_inquiry({}))


FULL_3DS = {
    "threeDSVersion": "2.2.0",
    "eci": "05",
    "cavv": CAVV,
    "dsTransactionId": "f38e6948-5388-41a6-bca4-b49723c19437",
    "xid": "MDAwMDAwMDAwMDAwMDAwMzIyNzY=",
    "threeDStransactionStatusReason": "01",
    "challengeCancel": "01",
    "challenged": True,
    "exemptionType": "lowValue",
    "threeDSOffered": True,
    "paResStatus": "Y",
    "liabilityShift": "1",
}


def _pay_answer(three_ds: dict[str, Any]) -> dict[str, Any]:
    return {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "paymentRequestId": "pay-1",
        "paymentId": "2026120211",
        "paymentAmount": {"currency": "USD", "value": "1250"},
        "paymentResultInfo": {"cardBrand": "VISA", "lastFour": "0768", "threeDSResult": three_ds},
    }


def test_every_three_ds_field_is_kept() -> None:
    answer = PayResponse.parse(_pay_answer(FULL_3DS), "pay-1")
    assert answer.card is not None
    assert answer.card.three_ds == ThreeDSResult(
        version="2.2.0",
        eci="05",
        cavv=CAVV,
        ds_transaction_id="f38e6948-5388-41a6-bca4-b49723c19437",
        xid="MDAwMDAwMDAwMDAwMDAwMzIyNzY=",
        status_reason="01",
        challenge_cancel="01",
        challenged=True,
        exemption_type="lowValue",
        offered=True,
        pa_res_status="Y",
        liability_shift="1",
    )
    assert CAVV not in repr(answer)


def test_the_journal_keeps_every_three_ds_field_but_the_cavv_value() -> None:
    answer = PayResponse.parse(_pay_answer(FULL_3DS), "pay-1")
    journaled = sanitise(summarise(answer))["paymentResultInfo"]["threeDSResult"]
    expected = {k: v for k, v in FULL_3DS.items() if k != "cavv"}
    assert journaled == {**expected, "cavvGiven": True}
    assert CAVV not in json.dumps(sanitise(summarise(answer)))


def test_a_real_3ds_payment_journals_the_ds_transaction_id(data_dir: Path) -> None:
    backend = make_backend(data_dir)
    try:
        result = pay(backend, FRICTIONLESS)
        answers = [
            e.detail["body"]
            for e in backend.repo.events_for_payment(result.payment.id)
            if e.kind is EventKind.RESPONSE_RECEIVED and e.api == "pay"
        ]
        (tds,) = [a["paymentResultInfo"]["threeDSResult"] for a in answers]
        assert tds["dsTransactionId"] and tds["challenged"] is False
        assert tds["cavvGiven"] is True and "cavv" not in tds
    finally:
        backend.close()


_OK = {"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}}
_AMOUNT = {"currency": "USD", "value": "1250"}
_TIME = "2026-12-02T10:00:00+08:00"

# Each answer kind, and what of it the journal keeps: summarise reads every kind by its own
# fields, so a field added to one kind and not to its summary shows here.
SUMMARIES = [
    (
        CaptureResponse.parse(
            {
                **_OK,
                "captureRequestId": "cap-1",
                "captureId": "2026120299",
                "paymentId": "2026120211",
                "captureAmount": _AMOUNT,
                "captureTime": _TIME,
            },
            "cap-1",
        ),
        {
            "paymentId": "2026120211",
            "captureRequestId": "cap-1",
            "captureId": "2026120299",
            "amount": {"currency": "USD", "value": "1250"},
            "capture_time": "2026-12-02T10:00:00+08:00",
        },
    ),
    (
        RefundResponse.parse(
            {
                **_OK,
                "refundRequestId": "rfd-1",
                "refundId": "2026120277",
                "paymentId": "2026120211",
                "refundAmount": _AMOUNT,
                "refundTime": _TIME,
            },
            "rfd-1",
        ),
        {
            "paymentId": "2026120211",
            "refundRequestId": "rfd-1",
            "refundId": "2026120277",
            "amount": {"currency": "USD", "value": "1250"},
            "refund_time": "2026-12-02T10:00:00+08:00",
        },
    ),
    (
        CancelResponse.parse(
            {**_OK, "paymentId": "2026120211", "paymentRequestId": "pay-1", "cancelTime": _TIME}
        ),
        {"paymentRequestId": "pay-1", "paymentId": "2026120211"},
    ),
    (
        InquiryRefundResponse.parse(
            {
                **_OK,
                "refundStatus": "SUCCESS",
                "refundRequestId": "rfd-1",
                "refundId": "2026120277",
                "refundAmount": _AMOUNT,
                "refundTime": _TIME,
            },
            "rfd-1",
        ),
        {
            "refundRequestId": "rfd-1",
            "refundId": "2026120277",
            "refundStatus": "SUCCESS",
            "amount": {"currency": "USD", "value": "1250"},
            "refund_time": "2026-12-02T10:00:00+08:00",
        },
    ),
]


@pytest.mark.parametrize(
    ("answer", "fields"), SUMMARIES, ids=[type(a).__name__ for a, _ in SUMMARIES]
)
def test_the_journal_keeps_each_answers_own_fields(answer: Any, fields: dict[str, Any]) -> None:
    assert summarise(answer) == {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        **fields,
        "classification": {"outcome": "succeeded", "action": "final"},
    }


def test_an_answer_that_never_came_journals_its_error_and_no_result() -> None:
    error = GatewayTimeoutError("read timed out")
    summary = summarise(CaptureResponse.unknown("cap-1", error))
    assert summary["result"] is None
    assert summary["captureRequestId"] == "cap-1"
    assert summary["classification"] == {"outcome": "unknown", "action": "inquire"}
    assert summary["error"] == journaled(error)
