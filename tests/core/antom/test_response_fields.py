"""Client parsing: a capture in process under either reading of Antom's code, and the full
threeDSResult (every field the reference lists; the CAVV kept in memory, never journaled)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from posapp.core.antom.errors import ProtocolError
from posapp.core.antom.messages import (
    InquiryPaymentResponse,
    PayResponse,
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
