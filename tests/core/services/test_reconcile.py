"""Reconciliation over the real sandbox: it writes the day's Antom reports, the Reconciler
imports them into the journal the payments were made with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.app import Backend
from posapp.core.antom.reports import ReportError
from posapp.core.domain import PaymentStatus
from posapp.core.journal.reconciliation import DiscrepancyKind, ItemFilter
from posapp.core.money import Money
from posapp.core.services.reconcile import ImportResult, Reconciler
from posapp.sandbox.reports import ReportFault, fee_minor
from tests.core.services.conftest import approval, drain, make_backend, pay

K = DiscrepancyKind


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir)
    try:
        yield b
    finally:
        b.close()


def _day(backend: Backend) -> list[Path]:
    """A day of trading: a captured hold, an automatic sale refunded in part, a cancelled
    hold, a declined card; then the sandbox's day ends and it writes its reports."""
    held = pay(backend).payment
    backend.backoffice.capture(held, approval(backend))
    sold = pay(backend, hold=False, minor=2000).payment
    backend.sandbox.settle()
    drain(backend)
    backend.backoffice.refund(sold, Money(500, sold.amount.currency), approval(backend))
    cancelled = pay(backend, minor=990).payment
    backend.backoffice.cancel(cancelled, approval(backend))
    pay(backend, "4054692760174822", minor=700)  # declined
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.settle()
    sandbox.clock.advance(timedelta(days=1))
    folder = sandbox.state_dir / "reports"
    return sorted(p for p in folder.iterdir() if day.strftime("%Y%m%d") in p.name)


def _reconciler(backend: Backend) -> Reconciler:
    return Reconciler(backend.repo, backend.settler, backend.clock)


def _kinds(result: ImportResult, backend: Backend) -> list[K]:
    store = _reconciler(backend).store
    return sorted(d.kind for f in result.files for d in store.items(ItemFilter(file=f.record.id)))


def _ours(backend: Backend) -> int:
    """Journal events written by reconciliation (the till's own poller and listener may
    journal meanwhile: those are not counted)."""
    return sum(
        1
        for e in backend.repo.events(limit=100_000)
        if "Antom report" in str(e.detail) or "reason.reconciliation" in str(e.detail)
    )


def _fault(backend: Backend, fault: ReportFault) -> Path:
    day = backend.sandbox.clock.now().date() - timedelta(days=1)
    paths = backend.sandbox.write_reports(day, fault)
    return next(p for p in paths if p.name.startswith("transactionItems_"))


def test_the_sandbox_writes_both_reports_when_its_day_ends(backend: Backend) -> None:
    files = _day(backend)
    names = [p.name for p in files]
    assert any(n.startswith("transactionItems_") for n in names)
    assert any(n.startswith("settlementItems_") for n in names)
    settlement = next(p for p in files if p.name.startswith("settlementItems_"))
    text = settlement.read_text(encoding="utf-8").splitlines()
    assert text[-1] == "<END>"
    header = text[0].split(",")
    capture = dict(zip(header, next(t for t in text if ",CAPTURE," in t).split(","), strict=True))
    fee = fee_minor(1250, capture["transactionCurrency"])
    assert capture["paymentMethodFeeAmountValue"] == f"-{fee // 100}.{fee % 100:02d}"
    net = 1250 - fee
    assert capture["settlementAmountValue"] == f"{net // 100}.{net % 100:02d}"


def test_a_clean_day_matches_and_importing_twice_changes_nothing(backend: Backend) -> None:
    files = _day(backend)
    result = _reconciler(backend).import_files(files)
    assert result.discrepancies == 0, _kinds(result, backend)
    assert all(f.record.lines == f.record.matched for f in result.files)
    events = _ours(backend)
    assert events == 2  # one NOTE per file
    again = _reconciler(backend).import_files(files)
    assert all(f.already_imported for f in again.files)
    assert [f.record.id for f in again.files] == [f.record.id for f in result.files]
    assert _ours(backend) == events  # nothing journaled the second time


@pytest.mark.parametrize(
    ("fault", "kinds"),
    [
        (ReportFault.MISSING_LINE, [K.ONLY_IN_POSAPP]),
        (ReportFault.EXTRA_LINE, [K.ONLY_AT_ANTOM]),
        (ReportFault.WRONG_AMOUNT, [K.AMOUNT]),
        (ReportFault.WRONG_STATUS, [K.STATUS]),
    ],
)
def test_each_line_fault_is_one_discrepancy(
    backend: Backend, fault: ReportFault, kinds: list[K]
) -> None:
    _day(backend)
    result = _reconciler(backend).import_files([_fault(backend, fault)])
    assert _kinds(result, backend) == kinds


@pytest.mark.parametrize(
    ("fault", "words"),
    [(ReportFault.TRUNCATED, "truncated"), (ReportFault.MALFORMED, "not an amount")],
)
def test_a_broken_file_is_refused_with_its_place_and_nothing_applied(
    backend: Backend, fault: ReportFault, words: str
) -> None:
    files = _day(backend)
    good = [p for p in files if p.name.startswith("settlementItems_")]
    bad = _fault(backend, fault)
    with pytest.raises(ReportError) as caught:
        _reconciler(backend).import_files([*good, bad])
    assert words in caught.value.message
    assert caught.value.line is not None and caught.value.line >= 2
    if fault is ReportFault.MALFORMED:
        assert caught.value.column is not None and caught.value.column > 1
    assert _reconciler(backend).store.files() == []  # the good file was not applied either
    assert _ours(backend) == 0


def test_a_pending_payment_is_settled_from_the_file(polled_backend: Backend) -> None:
    backend = polled_backend  # no listener: nothing but the file settles the payment
    pending = pay(backend, minor=4200).payment  # authorised, but our side lost the answer
    backend.repo.journal.db().conn.execute(
        "UPDATE payments SET status = 'PENDING' WHERE id = ?", (pending.id,)
    )
    # Antom's report for the payment's day says it was captured
    day = backend.sandbox.clock.now().date()
    sandbox = backend.sandbox
    sandbox.clock.advance(timedelta(days=1))
    report = sandbox.write_reports(day)
    result = _reconciler(backend).import_files(report)
    after = backend.repo.get_payment(pending.id)
    assert after is not None
    assert after.status is PaymentStatus.AUTHORISED
    assert result.files[0].record.settled == 1
    assert result.discrepancies == 0
    assert any(
        "reconciliation" in str(e.detail) or "report" in str(e.detail)
        for e in backend.repo.events_for_payment(pending.id)
    )


def test_a_second_payment_for_one_order_is_a_duplicate(backend: Backend) -> None:
    first = pay(backend, reference="ORDER-TWICE").payment
    pay(backend, reference="ORDER-TWICE", confirm=True)
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.clock.advance(timedelta(days=1))
    files = [p for p in sandbox.write_reports(day) if p.name.startswith("transactionItems_")]
    result = _reconciler(backend).import_files(files)
    dupes = [
        d for d in _reconciler(backend).store.items(ItemFilter(kinds=frozenset({K.DUPLICATE})))
    ]
    assert {d.reference_order_id for d in dupes} == {"ORDER-TWICE"}
    assert len(dupes) == 2 and first.id in {d.payment for d in dupes}
    assert result.discrepancies == 2


def test_a_currency_that_differs_is_named(backend: Backend) -> None:
    files = _day(backend)
    tx = next(p for p in files if p.name.startswith("transactionItems_"))
    currency = backend.settings.currency
    other = "EUR" if currency != "EUR" else "GBP"
    lines = tx.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = header.index("transactionCurrency")
    row = lines[1].split(",")
    row[at] = other
    lines[1] = ",".join(row)
    tx.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _reconciler(backend).import_files([tx])
    assert _kinds(result, backend) == [K.CURRENCY]


def test_files_for_another_merchant_currency_or_day_are_refused(
    backend: Backend, tmp_path: Path
) -> None:
    files = _day(backend)
    tx = next(p for p in files if p.name.startswith("transactionItems_"))
    settlement = next(p for p in files if p.name.startswith("settlementItems_"))
    with pytest.raises(ReportError, match="merchant"):
        Reconciler(backend.repo, backend.settler, backend.clock, merchant="SOMEONE_ELSE").check(
            [tx]
        )
    with pytest.raises(ReportError, match="settled in"):
        Reconciler(
            backend.repo, backend.settler, backend.clock, currencies=frozenset({"JPY"})
        ).check([settlement])
    text = tx.read_text(encoding="utf-8")
    future = tmp_path / "future.csv"
    year = backend.sandbox.clock.now().year
    future.write_text(text.replace(f"{year}-", f"{year + 3}-"), encoding="utf-8")
    with pytest.raises(ReportError, match="from the future"):
        _reconciler(backend).check([future])
    assert _reconciler(backend).store.files() == []


def test_a_capture_left_pending_is_settled_from_the_file(polled_backend: Backend) -> None:
    backend = polled_backend
    held = pay(backend, minor=3100).payment
    backend.backoffice.capture(held, approval(backend))
    [capture] = backend.repo.captures_for(held.id)
    conn = backend.repo.journal.db().conn  # our side lost the capture's answer
    conn.execute("UPDATE captures SET status = 'PENDING' WHERE id = ?", (capture.id,))
    conn.execute("UPDATE payments SET status = 'CAPTURE_PENDING' WHERE id = ?", (held.id,))
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.clock.advance(timedelta(days=1))
    report = [p for p in sandbox.write_reports(day) if p.name.startswith("transactionItems_")]
    result = _reconciler(backend).import_files(report)
    assert result.discrepancies == 0
    assert result.files[0].record.settled == 1
    after = backend.repo.get_capture(capture.capture_request_id)
    assert after is not None and after.status.value == "SUCCEEDED"
    payment = backend.repo.get_payment(held.id)
    assert payment is not None and payment.status is PaymentStatus.CAPTURED
