"""The sandbox's end-of-day reports: written when its day ends, in Antom's layout, with the
documented fee rule; again on demand through the admin API, with a fault."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import httpx

from posapp.sandbox import Sandbox
from posapp.sandbox.reports import fee_minor
from tests.sandbox.helpers import RawClient, pay_body


def _rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "<END>"
    return list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))


def _admin(sandbox: Sandbox, token: str | None) -> httpx.Client:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.Client(
        base_url=sandbox.base_url + "/sandbox-admin", headers=headers, trust_env=False
    )


def test_an_ended_day_gets_its_reports_once(sandbox: Sandbox, raw: RawClient) -> None:
    assert raw.call("pay", pay_body("R-AUTO", capture="AUTOMATIC", value="1000")).code == "SUCCESS"
    assert raw.call("pay", pay_body("R-HOLD", value="2500")).code == "SUCCESS"
    day = sandbox.clock.now().date()
    folder = sandbox.state_dir / "reports"  # type: ignore[operator]
    assert not folder.exists()  # the day has not ended
    sandbox.clock.advance(timedelta(days=1))
    stamp = day.strftime("%Y%m%d")
    tx = _rows(folder / f"transactionItems_{stamp}_000.csv")
    assert {(r["transactionType"], r["transactionRequestId"]) for r in tx} >= {
        ("PAYMENT", "R-AUTO"),
        ("AUTHORIZATION", "R-HOLD"),
    }
    assert {r["customerId"] for r in tx} == {sandbox.client_id}
    settled = _rows(folder / f"settlementItems_USD_SB{stamp}USD_000.csv")
    [capture] = settled
    assert capture["transactionType"] == "CAPTURE"
    assert capture["originalTransactionRequestId"] == "R-AUTO"
    fee = fee_minor(1000, "USD")
    assert fee == 59  # 2.90 % of 10.00 is 0.29, plus 0.30
    assert capture["paymentMethodFeeAmountValue"] == "-0.59"
    assert capture["settlementAmountValue"] == "9.41"
    written = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    sandbox.clock.advance(timedelta(hours=1))  # nothing more ends: nothing is rewritten
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == written


def test_the_fee_rule_rounds_half_even_and_never_exceeds_the_amount() -> None:
    assert fee_minor(20, "USD") == 20  # 1 + 30 would be more than the amount
    assert fee_minor(500, "USD") == 14 + 30  # 14.5 rounds to the even 14
    assert fee_minor(1500, "USD") == 44 + 30  # 43.5 rounds to the even 44
    assert fee_minor(1750, "USD") == 51 + 30  # 50.75 rounds to 51


def test_reports_on_demand_need_the_token_and_a_finished_day(
    sandbox: Sandbox, raw: RawClient
) -> None:
    assert raw.call("pay", pay_body("R-1", value="1000")).code == "SUCCESS"
    day = sandbox.clock.now().date()
    with _admin(sandbox, None) as anonymous:
        assert anonymous.post("/reports", json={"date": day.isoformat()}).status_code == 401
    with _admin(sandbox, sandbox.admin_token) as admin:
        today = admin.post("/reports", json={"date": day.isoformat()})
        assert today.status_code == 400 and today.json()["field"] == "date"
        bad = admin.post("/reports", json={"date": "yesterday"})
        assert bad.status_code == 400
        sandbox.clock.advance(timedelta(days=1))
        wrong = admin.post("/reports", json={"date": day.isoformat(), "fault": "nonsense"})
        assert wrong.status_code == 400 and wrong.json()["field"] == "fault"
        answer = admin.post("/reports", json={"date": day.isoformat(), "fault": "wrong_status"})
        assert answer.status_code == 200
    tx = next(Path(p) for p in answer.json()["files"] if "transactionItems" in p)
    [line] = [r for r in _rows(tx) if r["transactionRequestId"] == "R-1"]
    assert line["status"] == "FAIL"  # the sandbox's own record says SUCCESS
