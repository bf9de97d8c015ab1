"""`posapp journal export --csv FILE [--from DATE] [--to DATE]`."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posapp.core.clock import FakeClock
from posapp.core.domain import PaymentStatus, PaymentUpdate
from posapp.core.journal.export import ACCOUNTS_COLUMNS as EXPORT_COLUMNS
from posapp.core.journal.repository import JournalRepository

from .conftest import OP, new_payment


@pytest.fixture
def three_days(data_dir: Path) -> Path:
    """Payments at 10:00 and 22:00 UTC on 2026-03-01, 03-02 and 03-03."""
    clock = FakeClock(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    repo = JournalRepository.open(data_dir / "journal.sqlite3", clock=clock)
    for day in range(3):
        for hour in (0, 12):
            p = repo.record_intent(new_payment(ref=f"D{day}-H{hour}", amount=1999))
            repo.transition(
                p.id,
                PaymentStatus.CAPTURED,
                update=PaymentUpdate(payment_id=f"P{day}{hour}", authorised_at=clock.now()),
                **OP,
            )
            clock.advance(timedelta(hours=12))
    repo.close()
    return data_dir


def _export(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posapp", "journal", "export", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_export_everything(three_days: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = _export(three_days, "--csv", str(out))
    assert result.returncode == 0, result.stderr
    assert "exported 6 payments" in result.stdout
    rows = _read(out)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [r["reference_order_id"] for r in rows] == [
        "D0-H0",
        "D0-H12",
        "D1-H0",
        "D1-H12",
        "D2-H0",
        "D2-H12",
    ]
    first = rows[0]
    assert (
        first["amount"] == "19.99" and first["captured"] == "19.99" and first["currency"] == "USD"
    )
    assert first["card_brand"] == "VISA" and first["card_last4"] == "0768"
    assert first["created_at"] == "2026-03-01T10:00:00Z"


def test_export_has_no_card_data_beyond_brand_and_last4(three_days: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert _export(three_days, "--csv", str(out)).returncode == 0
    text = out.read_text()
    assert "405469" not in text  # not even the BIN
    assert not any("bin" in c or "fingerprint" in c for c in EXPORT_COLUMNS)


def test_export_date_range_is_inclusive_days(three_days: Path, tmp_path: Path) -> None:
    out = tmp_path / "day.csv"
    result = _export(three_days, "--csv", str(out), "--from", "2026-03-02", "--to", "2026-03-02")
    assert result.returncode == 0, result.stderr
    assert [r["reference_order_id"] for r in _read(out)] == ["D1-H0", "D1-H12"]
    result = _export(three_days, "--csv", str(out), "--from", "2026-03-03")
    assert [r["reference_order_id"] for r in _read(out)] == ["D2-H0", "D2-H12"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "--from: '2026-13-01' is not a date"),
        (["--to", "yesterday"], "--to: 'yesterday' is not a date"),
        (["--from", "2026-03-03", "--to", "2026-03-01"], "--from must be on or before --to"),
    ],
)
def test_bad_dates_are_one_line(
    three_days: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = _export(three_days, "--csv", str(tmp_path / "x.csv"), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_bad_paths_are_one_line(three_days: Path, tmp_path: Path) -> None:
    result = _export(three_days, "--csv", str(tmp_path / "missing" / "x.csv"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = _export(three_days, "--csv", str(tmp_path))
    assert result.returncode == 2 and "is a folder" in result.stderr
    result = _export(tmp_path / "empty", "--csv", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "no journal" in result.stderr
    for r in (result,):
        assert len(r.stderr.strip().splitlines()) == 1


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(
    data_dir: Path, tmp_path: Path
) -> None:
    repo = JournalRepository.open(data_dir / "journal.sqlite3")
    repo.record_intent(new_payment(ref='=HYPERLINK("x")', amount=1999))
    repo.record_intent(new_payment(ref="+1-2", amount=500))
    repo.record_intent(new_payment(ref="ORD-9", amount=700))
    repo.close()
    out = tmp_path / "f.csv"
    result = _export(data_dir, "--csv", str(out))
    assert result.returncode == 0, result.stderr
    refs = sorted(r["reference_order_id"] for r in _read(out))
    assert refs == sorted(['\'=HYPERLINK("x")', "'+1-2", "ORD-9"])


def test_one_payment_is_one_payment(three_days: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.csv"
    window = ("--from", "2026-03-01T09:00:00+00:00", "--to", "2026-03-01T11:00:00+00:00")
    result = _export(three_days, "--csv", str(out), *window)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported 1 payment to {out}"
    assert len(_read(out)) == 1


def test_both_exports_read_a_shared_column_the_same_way(data_dir: Path) -> None:
    """The Orders CSV and `journal export` are two choices of columns from one definition:
    a column both carry has one header and one cell."""
    from posapp.core.journal.export import ORDERS_COLUMNS, cells, write_csv

    clock = FakeClock(datetime(2026, 3, 1, 10, 0, 0, 250_000, tzinfo=UTC))
    repo = JournalRepository.open(data_dir / "journal.sqlite3", clock=clock)
    p = repo.record_intent(new_payment(ref="=SUM(A1)", amount=1999))
    p = repo.transition(
        p.id,
        PaymentStatus.AUTHORISED,
        update=PaymentUpdate(payment_id="P1", authorised_at=clock.now()),
        **OP,
    )
    [exported] = list(repo.export_payments())
    repo.close()
    accounts = dict(zip(EXPORT_COLUMNS, cells(exported, EXPORT_COLUMNS), strict=True))
    orders = dict(zip(ORDERS_COLUMNS, cells(p, ORDERS_COLUMNS), strict=True))
    shared = set(EXPORT_COLUMNS) & set(ORDERS_COLUMNS)
    assert len(shared) == 8  # all the Orders columns but the held payment's deadline
    assert {name: accounts[name] for name in shared} == {name: orders[name] for name in shared}
    assert orders["reference_order_id"] == "'=SUM(A1)"  # a formula is defused in both
    assert orders["created_at"] == "2026-03-01T10:00:00.250Z"
    assert orders["capture_deadline"] == "2026-03-08T10:00:00.250Z"  # held: its deadline shows
    with pytest.raises(ValueError, match="unknown export columns: card_bin6"):
        write_csv(None, [], ("created_at", "card_bin6"))
