"""The first things everyone relies on: start, keys, signatures, pay and inquiryPayment."""

from __future__ import annotations

from pathlib import Path

from posapp.core.antom import signing
from posapp.sandbox import Sandbox
from tests.sandbox.helpers import VISA_DECLINE, VISA_OK, RawClient, pay_body


def test_keys_are_created_in_the_state_dir_and_kept(tmp_path: Path) -> None:
    state = tmp_path / "sb"
    with Sandbox(state) as first:
        client_id = first.client_id
        merchant_pem = first.merchant_private_key_pem
    for name in (
        "merchant_private_key.pem",
        "merchant_public_key.pem",
        "antom_public_key.pem",
        "antom_private_key.pem",
        "client_id",
    ):
        assert (state / name).is_file(), name
    assert (
        (state / "merchant_private_key.pem")
        .read_text()
        .startswith("-----BEGIN RSA PRIVATE KEY-----")
    )
    assert (state / "client_id").read_text().strip() == client_id
    assert client_id.startswith("SANDBOX_")
    assert (state / "merchant_private_key.pem").stat().st_mode & 0o077 == 0
    with Sandbox(state) as second:
        assert second.client_id == client_id
        assert second.merchant_private_key_pem == merchant_pem
    # the public files are the halves of the private ones
    merchant = signing.load_private_key(state / "merchant_private_key.pem")
    assert signing.keys_match(merchant, signing.load_public_key(state / "merchant_public_key.pem"))
    antom = signing.load_private_key(state / "antom_private_key.pem")
    assert signing.keys_match(antom, signing.load_public_key(state / "antom_public_key.pem"))


def test_in_memory_sandbox_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Sandbox() as sb:
        assert sb.base_url.startswith("http://127.0.0.1:")
        client = RawClient(sb)
        assert client.call("pay", pay_body("m1")).code == "SUCCESS"
        client.close()
    assert list(tmp_path.iterdir()) == []


def test_pay_success_is_signed_and_inquiry_sees_it(raw: RawClient) -> None:
    answer = raw.call("pay", pay_body("p-1"))
    assert answer.verified
    assert answer.status == 200
    assert answer.result == {
        "resultCode": "SUCCESS",
        "resultStatus": "S",
        "resultMessage": "success",
    }
    assert set(answer.headers) >= {"signature", "response-time", "client-id"}
    info = answer.body["paymentResultInfo"]
    assert info["cardNo"] == "405469******0768"
    assert info["cardBrand"] == "VISA"
    assert info["networkTransactionId"]
    inquiry = raw.call("inquiryPayment", {"paymentId": answer.body["paymentId"]})
    assert inquiry.verified
    assert inquiry.body["paymentStatus"] == "SUCCESS"
    assert inquiry.body["paymentRequestId"] == "p-1"
    by_request = raw.call("inquiryPayment", {"paymentRequestId": "p-1"})
    assert by_request.body["paymentId"] == answer.body["paymentId"]


def test_pay_decline_card(raw: RawClient) -> None:
    answer = raw.call("pay", pay_body("p-2", card=VISA_DECLINE))
    assert answer.verified
    assert answer.result["resultStatus"] == "F"
    assert answer.code == "ISSUER_REJECTS_TRANSACTION"
    inquiry = raw.call("inquiryPayment", {"paymentRequestId": "p-2"})
    assert inquiry.body["paymentStatus"] == "FAIL"
    assert inquiry.body["paymentResultCode"] == "ISSUER_REJECTS_TRANSACTION"


def test_unknown_payment_is_order_not_exist(raw: RawClient) -> None:
    answer = raw.call("inquiryPayment", {"paymentRequestId": "nope"})
    assert answer.verified
    assert answer.code == "ORDER_NOT_EXIST"
    assert answer.result["resultStatus"] == "F"


def test_production_path_is_served_too(sandbox: Sandbox) -> None:
    client = RawClient(sandbox, prefix="/ams/api/v1/payments/")
    answer = client.call("pay", pay_body("p-3", card=VISA_OK))
    client.close()
    assert answer.verified
    assert answer.code == "SUCCESS"
