"""Payment details: the threeDSResult Antom gave (every field, the CAVV only as "given")
shown in its own row, read from the journaled answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from posapp.core.antom.messages import PayResponse
from posapp.core.domain import PaymentStatus
from posapp.core.journal.sanitise import sanitise
from posapp.core.services.settle import summarise
from posapp.ui.tasks import TaskRunner

from .test_orders_view import Journal, open_view

CAVV = "AAABBZlZiQAAAAAAAAAAAAAAAAA="
DS_ID = "f38e6948-5388-41a6-bca4-b49723c19437"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.repo.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


def _answer(three_ds: dict[str, object]) -> PayResponse:
    return PayResponse.parse(
        {
            "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
            "paymentRequestId": "REQ-00001",
            "paymentId": "2026PID000001",
            "paymentResultInfo": {"cardBrand": "VISA", "threeDSResult": three_ds},
        },
        "REQ-00001",
    )


def test_the_details_show_every_three_ds_field(
    qtbot: QtBot, journal: Journal, runner: TaskRunner
) -> None:
    p = journal.pay(PaymentStatus.CAPTURED)
    answer = _answer(
        {
            "threeDSVersion": "2.2.0",
            "eci": "05",
            "cavv": CAVV,
            "dsTransactionId": DS_ID,
            "challenged": True,
            "threeDSOffered": True,
            "paResStatus": "Y",
            "liabilityShift": "1",
            "exemptionType": "lowValue",
        }
    )
    journal.repo.record_response(
        "pay",
        sanitise(summarise(answer)),
        operator="cashier",
        terminal_id="TILL-01",
        request_id=p.payment_request_id,
        payment=p.id,
    )
    view = open_view(qtbot, runner, journal)
    view.select_rows([0])
    row = view.details.fields["three_ds"]
    qtbot.waitUntil(lambda: "ECI" in row.text())
    text = row.text()
    for part in (
        "3DS 2.2.0",
        "ECI 05",
        "challenged",
        "result Y",
        "liability shift: yes",
        "exemption lowValue",
        "CAVV given",
        f"DS transaction {DS_ID}",
    ):
        assert part in text, text
    assert CAVV not in text
    # the timeline holds the same answer, field by field, without the CAVV
    lines = [
        view.details.timeline.topLevelItem(i).child(j).text(1)
        for i in range(view.details.timeline.topLevelItemCount())
        for j in range(view.details.timeline.topLevelItem(i).childCount())
    ]
    assert f"body.paymentResultInfo.threeDSResult.dsTransactionId: {DS_ID}" in lines
    assert not any(CAVV in line for line in lines)


def test_no_three_ds_is_a_dash(qtbot: QtBot, journal: Journal, runner: TaskRunner) -> None:
    journal.pay(PaymentStatus.CAPTURED)
    view = open_view(qtbot, runner, journal)
    view.select_rows([0])
    qtbot.waitUntil(lambda: any("→" in t for t in view.details.timeline_texts()))
    assert view.details.fields["three_ds"].text() == "—"
