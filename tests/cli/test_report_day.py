"""`posapp report day`: a day's totals on the command line, CSV and PDF, bad input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.reconcile import Reconciler
from posapp.sandbox.reports import ReportFault
from tests.cli.conftest import Result
from tests.core.services.conftest import drain, make_backend, pay


@pytest.fixture
def journal(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TZ", "UTC")
    backend = make_backend(data_dir)
    try:
        pay(backend, minor=2000, hold=False)
        pay(backend, minor=990)
        backend.poller.intent_grace = timedelta(0)
        assert drain(backend) == []  # the sale's capture confirmed before anything is read
    finally:
        backend.close()
    return data_dir


def test_report_day_prints_totals_and_writes_csv_and_pdf(
    posapp: Callable[..., Result], journal: Path, tmp_path: Path
) -> None:
    csv, pdf = tmp_path / "day.csv", tmp_path / "day.pdf"
    result = posapp(
        "report", "day", "--data-dir", str(journal), "--csv", str(csv), "--pdf", str(pdf)
    )
    assert result.code == 0, result.err
    assert "SGD: 2 payments, 0 declined" in result.out
    assert "authorised          29.90" in result.out
    assert "reconciliation: not reconciled" in result.out
    assert csv.read_text(encoding="utf-8").count("\n") >= 6
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_closed_day_prints_from_its_snapshot(
    posapp: Callable[..., Result], journal: Path
) -> None:
    backend = make_backend(journal)
    try:
        backend.day_report.zone = ZoneInfo("UTC")
        day = datetime.now(UTC).date()
        backend.day_report.close(day, TRAINING_PIN, manager="ann")
        held = backend.repo.held_authorisations()[0]
        backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN))
    finally:
        backend.close()
    first = posapp("report", "day", "--date", day.isoformat(), "--data-dir", str(journal))
    assert first.code == 0 and "by ann" in first.out
    assert "captured            20.00" in first.out  # as closed, before the later capture
    again = posapp("report", "day", "--date", day.isoformat(), "--data-dir", str(journal))
    assert again.out == first.out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--date", "2026-02-30"], "--date: '2026-02-30' is not a date"),
        (["--csv", "/no/such/folder/x.csv"], "--csv: the folder /no/such/folder does not exist"),
        (["--pdf", "."], "--pdf: . is a folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    posapp: Callable[..., Result], journal: Path, args: list[str], words: str
) -> None:
    result = posapp("report", "day", "--data-dir", str(journal), *args)
    assert result.code == 2 and words in result.line


def test_no_journal(posapp: Callable[..., Result], tmp_path: Path) -> None:
    result = posapp("report", "day", "--data-dir", str(tmp_path))
    assert result.code == 2 and "there is no journal" in result.line


def test_a_reconciled_day_prints_its_discrepancies(
    posapp: Callable[..., Result], journal: Path, tmp_path: Path
) -> None:
    backend = make_backend(journal)
    try:
        sandbox = backend.sandbox
        day = sandbox.clock.now().date()
        sandbox.settle()
        drain(backend)
        sandbox.clock.advance(timedelta(days=1))
        paths = sandbox.write_reports(day, ReportFault.WRONG_AMOUNT)
        transactions = next(p for p in paths if p.name.startswith("transactionItems_"))
        reconciler = Reconciler(backend.repo, backend.settler, backend.clock)
        assert reconciler.import_files([transactions]).discrepancies == 1
    finally:
        backend.close()
    csv = tmp_path / "day.csv"
    result = posapp(
        "report", "day", "--date", day.isoformat(), "--data-dir", str(journal), "--csv", str(csv)
    )
    assert result.code == 0, result.err
    assert "reconciliation: discrepancies (1 file(s), " in result.out
    assert "1 discrepancies: amount 1)" in result.out
    assert "discrepancies,1,AMOUNT,1" in csv.read_text(encoding="utf-8")


def _second_till(journal: Path) -> None:
    """A payment keyed at TILL-02 on the same journal (beside the fixture's two at TILL-01)."""
    backend = make_backend(journal)
    try:
        backend.checkout.config = replace(backend.checkout.config, terminal_id="TILL-02")
        pay(backend, minor=1500, hold=False)
        backend.poller.intent_grace = timedelta(0)
        assert drain(backend) == []
    finally:
        backend.close()


def test_report_day_for_one_till(
    posapp: Callable[..., Result], journal: Path, tmp_path: Path
) -> None:
    _second_till(journal)
    whole = posapp("report", "day", "--data-dir", str(journal))
    assert whole.code == 0, whole.err
    assert "all tills" in whole.out and "SGD: 3 payments, 0 declined" in whole.out
    csv = tmp_path / "till.csv"
    one = posapp(
        "report", "day", "--terminal", "TILL-02", "--data-dir", str(journal), "--csv", str(csv)
    )
    assert one.code == 0, one.err
    assert "till TILL-02 only" in one.out
    assert "SGD: 1 payments, 0 declined" in one.out
    assert "authorised          15.00" in one.out
    assert "terminal TILL-01" not in one.out and "terminal TILL-02: 1 payments" in one.out
    assert "till,TILL-02" in csv.read_text(encoding="utf-8").splitlines()
    first = posapp("report", "day", "--terminal", "TILL-01", "--data-dir", str(journal))
    assert first.code == 0 and "SGD: 2 payments, 0 declined" in first.out


def test_an_unknown_till_is_one_line_and_exit_2(
    posapp: Callable[..., Result], journal: Path
) -> None:
    _second_till(journal)
    result = posapp("report", "day", "--terminal", "TILL-9", "--data-dir", str(journal))
    assert result.code == 2
    assert "--terminal: no payments were keyed at till 'TILL-9'" in result.line
    assert "known: TILL-01, TILL-02" in result.line
    assert "Traceback" not in result.err


def test_a_closed_day_for_one_till_says_it_is_store_wide(
    posapp: Callable[..., Result], journal: Path
) -> None:
    _second_till(journal)
    backend = make_backend(journal)
    try:
        backend.day_report.zone = ZoneInfo("UTC")
        day = datetime.now(UTC).date()
        backend.day_report.close(day, TRAINING_PIN, manager="ann")
    finally:
        backend.close()
    result = posapp(
        "report",
        "day",
        "--date",
        day.isoformat(),
        "--terminal",
        "TILL-02",
        "--data-dir",
        str(journal),
    )
    assert result.code == 0, result.err
    assert "frozen report is store-wide" in result.out
    assert "SGD: 3 payments" in result.out
