"""`posapp reconcile` over files the real sandbox wrote for a day of real payments."""

from __future__ import annotations

import codecs
import resource
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.core.antom.reports import ReportError, ReportReader
from posapp.sandbox.reports import ReportFault
from tests.cli.conftest import Result
from tests.core.services.conftest import approval, drain, make_backend, pay, with_settings

Posapp = Callable[..., Result]


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A data dir with a day of payments, the sandbox's reports for it, and faulty copies."""
    data = tmp_path_factory.mktemp("recon") / "data"
    backend = make_backend(data)
    try:
        held = pay(backend).payment
        backend.backoffice.capture(held, approval(backend))
        pay(backend, hold=False, minor=3000)
        backend.sandbox.settle()
        drain(backend)
        sandbox = backend.sandbox
        today = sandbox.clock.now().date()
        sandbox.clock.advance(timedelta(days=1))
        files = {p.name.split("_")[0]: p for p in sandbox.write_reports(today)}
        out = data.parent / "faulty"
        out.mkdir()
        for fault in ReportFault:
            path = next(p for p in sandbox.write_reports(today, fault) if "transaction" in p.name)
            files[fault.value] = path.rename(out / f"{fault.value}.csv")
        sandbox.write_reports(today)  # the clean files back in place
    finally:
        backend.close()
    files["data"] = data
    return files


def _run(posapp: Posapp, day: dict[str, Path], *files: Path) -> Result:
    return posapp("reconcile", *map(str, files), "--data-dir", str(day["data"]))


def _copy(day: dict[str, Path], tmp_path: Path, name: str, data: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(data)
    return target


def test_clean_files_match_and_a_second_import_changes_nothing(
    posapp: Posapp, day: dict[str, Path], tmp_path: Path
) -> None:
    # a copy with a BOM: another file to the journal, the same lines
    tx = day["transactionItems"]
    bom = _copy(day, tmp_path, "bom.csv", codecs.BOM_UTF8 + tx.read_bytes())
    first = _run(posapp, day, tx, day["settlementItems"])
    assert (first.code, first.out) == (0, ""), first.err
    again = _run(posapp, day, tx)
    assert again.code == 0 and "imported before, unchanged" in again.err
    assert _run(posapp, day, bom).code == 0


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("missing_line", "in posapp, not at Antom"),
        ("extra_line", "at Antom, not in posapp"),
        ("wrong_amount", "amount differs"),
        ("wrong_status", "status differs"),
    ],
)
def test_a_discrepancy_is_one_line_and_exit_1(
    posapp: Posapp, day: dict[str, Path], fault: str, words: str
) -> None:
    result = _run(posapp, day, day[fault])
    assert result.code == 1, result.err
    lines = result.out.splitlines()
    assert len(lines) == 1 and words in lines[0]


@pytest.mark.parametrize(
    ("fault", "where", "words"),
    [("truncated", ":", "truncated"), ("malformed", ":2:", "is not an amount")],
)
def test_a_broken_file_is_exit_2_naming_line_and_column(
    posapp: Posapp, day: dict[str, Path], fault: str, where: str, words: str
) -> None:
    result = _run(posapp, day, day["settlementItems"], day[fault])
    assert result.code == 2
    assert words in result.line and "nothing was imported" in result.line
    assert f"{day[fault]}{where}" in result.line


def _bad_inputs(tx: bytes) -> dict[str, tuple[bytes, str]]:
    header, rest = tx.split(b"\n", 1)
    return {
        "empty": (b"", "empty"),
        "only-bom": (codecs.BOM_UTF8, "empty"),
        "utf16": (codecs.BOM_UTF16_LE + tx.decode().encode("utf-16-le"), "UTF-16"),
        "latin1": (header + b"\n" + rest.replace(b"CARD", b"CART\xe9", 1), "not UTF-8"),
        "xlsx": (b"PK\x03\x04" + b"\0" * 40, "XLSX"),
        "not-antom": (b"a,b,c\n1,2,3\n<END>\n", "no column"),
        "summary": (b"summaryType,count,settlementBatchId\nTOTAL,1,X\n<END>\n", "summary"),
    }


@pytest.mark.parametrize(
    "case", ["empty", "only-bom", "utf16", "latin1", "xlsx", "not-antom", "summary"]
)
def test_bad_input_is_one_clear_line_and_nothing_imported(
    posapp: Posapp, day: dict[str, Path], tmp_path: Path, case: str
) -> None:
    data, words = _bad_inputs(day["transactionItems"].read_bytes())[case]
    bad = _copy(day, tmp_path, f"{case}.csv", data)
    result = _run(posapp, day, bad)
    assert result.code == 2
    assert words in result.line
    if case == "latin1":
        assert ":2:" in result.line  # line 2, the column of the bad byte


def test_unknown_columns_are_named_not_refused(
    posapp: Posapp, day: dict[str, Path], tmp_path: Path
) -> None:
    lines = day["settlementItems"].read_text(encoding="utf-8").splitlines()
    widened = [lines[0] + ",someNewColumn"] + [line + ",x" for line in lines[1:-1]] + ["<END>"]
    path = _copy(day, tmp_path, "wider.csv", ("\n".join(widened) + "\n").encode())
    result = _run(posapp, day, path)
    assert result.code == 0
    assert "someNewColumn" in result.err


def test_no_journal_is_exit_2(posapp: Posapp, tmp_path: Path, day: dict[str, Path]) -> None:
    result = posapp("reconcile", str(day["settlementItems"]), "--data-dir", str(tmp_path))
    assert result.code == 2 and "no journal" in result.line


def test_a_100_mb_file_is_read_in_flat_memory(day: dict[str, Path], tmp_path: Path) -> None:
    lines = day["transactionItems"].read_bytes().split(b"\n")
    header, row = lines[0], lines[1]
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.write(header + b"\n")
        block = (row + b"\n") * 1000
        while out.tell() < 100 * 1024 * 1024:
            out.write(block)
        out.write(row.replace(b"CARD", b"CARD,extra") + b"\n<END>\n")  # one bad line at the end
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB, the peak so far
    with pytest.raises(ReportError) as caught:
        ReportReader(big).check()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert "fields where the header has" in caught.value.message
    assert caught.value.line is not None and caught.value.line > 400_000
    assert grown < 30 * 1024, f"the peak grew by {grown} KiB reading a 100 MB file"


def test_offline_a_line_that_would_settle_is_not_confirmed_and_nothing_moves(
    posapp: Posapp, tmp_path: Path
) -> None:
    """The command line has no Antom client and the file is not signed: a line saying a
    payment still pending here went through leaves it pending, is listed as not confirmed by
    Antom (exit 1), and the manager is told to import the file again online."""
    data = tmp_path / "data"
    backend = make_backend(data, with_settings(notify_listener=False))
    try:
        lost = pay(backend, minor=4200).payment  # authorised; our side lost the answer
        backend.repo.journal.db().conn.execute(
            "UPDATE payments SET status = 'PENDING' WHERE id = ?", (lost.id,)
        )
        sandbox = backend.sandbox
        today = sandbox.clock.now().date()
        sandbox.clock.advance(timedelta(days=1))
        tx = next(p for p in sandbox.write_reports(today) if "transaction" in p.name)
    finally:
        backend.close()
    result = posapp("reconcile", str(tx), "--data-dir", str(data))
    assert result.code == 1, result.err
    [line] = result.out.splitlines()
    assert "not confirmed by Antom" in line and "PENDING" in line
    assert lost.payment_request_id in line
    assert "Import the file again" in result.err and "online" in result.err
    again = posapp("reconcile", str(tx), "--data-dir", str(data))  # still offline: still open
    assert again.code == 1 and again.out == result.out
    export = posapp("journal", "export", "--csv", "-", "--data-dir", str(data))
    row = next(r for r in export.out.splitlines() if lost.payment_request_id in r)
    assert ",PENDING," in row  # the file moved nothing
