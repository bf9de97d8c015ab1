"""End of day over the real stack: the day report against the sandbox's ledger, closing a day
(journaled, reprinted identically) and batch capture under Antom's rate limit."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from posapp.app import Backend
from posapp.core.domain import PaymentStatus
from posapp.core.journal.day_close import DayRow, EndOfDayStore, to_ms
from posapp.core.money import Money
from posapp.core.services.batch_capture import BatchCaptureService, BatchProgress, ItemOutcome
from posapp.core.services.day_report import (
    DayReport,
    DayReportError,
    DayWindow,
    ReconciliationStatus,
    report_csv,
    summarise,
)
from posapp.core.services.pin import TRAINING_PIN, PinError
from posapp.core.services.reconcile import Reconciler
from posapp.sandbox.faults import FaultKind
from posapp.sandbox.reports import ReportFault
from tests.core.services.conftest import VISA_DECLINE, approval, drain, fresh, pay

UTC_ZONE = ZoneInfo("UTC")


def _mixed_day(backend: Backend) -> list[str]:
    """Sales, holds, a decline, a capture, a cancel, refunds: the orders it made."""
    refs = []
    sale = pay(backend, minor=2000, hold=False)  # captured at once
    refs.append(sale.payment.reference_order_id)
    for minor in (1250, 990, 4000, 310):
        refs.append(pay(backend, minor=minor).payment.reference_order_id)
    declined = pay(backend, VISA_DECLINE, minor=700)
    refs.append(declined.payment.reference_order_id)
    held = [p for p in backend.repo.held_authorisations(limit=10)]
    assert len(held) == 4
    backend.backoffice.capture(held[0], approval(backend))
    backend.backoffice.cancel(held[1], approval(backend))
    backend.backoffice.refund(
        fresh(backend, sale.payment), Money(500, backend.settings.currency), approval(backend)
    )
    captured = fresh(backend, held[0])
    backend.backoffice.refund(captured, captured.amount, approval(backend))
    assert drain(backend) == []
    return refs


def _day_of(backend: Backend) -> date:
    return backend.clock.now().astimezone(UTC_ZONE).date()


def test_day_report_totals_match_the_sandbox_ledger(backend: Backend) -> None:
    backend.day_report.zone = UTC_ZONE
    refs = _mixed_day(backend)
    report = backend.day_report.report(_day_of(backend))
    ledger = backend.sandbox.ledger()
    cur = backend.settings.currency
    entries = [ledger.order(ref, cur) for ref in refs]
    ours = report.totals_for(cur)
    assert ours.payments == 6 and ours.declined == 1
    for name in ("authorised", "captured", "refunded", "cancelled", "released"):
        assert getattr(ours, name) == sum(getattr(e, name) for e in entries), name
    assert ours.held == sum(e.held for e in entries) == 4000 + 310
    assert ours.net == sum(e.net for e in entries) == 2000 - 500
    # the same payments, cut three ways, add up to the totals
    for group in (report.by_terminal, report.by_operator, report.by_brand):
        assert sum(g.totals.authorised for g in group) == ours.authorised
        assert sum(g.totals.net for g in group) == ours.net
    assert sum(report.hourly[cur]) == ours.authorised
    assert report.reconciliation.status.value == "not_reconciled"


def test_holds_lapsing_in_the_next_24_hours_are_listed(backend: Backend) -> None:
    backend.day_report.zone = UTC_ZONE
    hold = pay(backend, minor=1500).payment
    assert backend.day_report.report().lapsing == ()
    backend.clock.advance(timedelta(days=6, hours=1))  # type: ignore[attr-defined]
    lapsing = backend.day_report.report().lapsing
    assert [h.payment for h in lapsing] == [hold.id]
    assert lapsing[0].amount == Money(1500, backend.settings.currency)


def test_closing_a_day_is_journaled_and_reprints_identically(backend: Backend) -> None:
    service = backend.day_report
    service.zone = UTC_ZONE
    pay(backend, minor=2000, hold=False)
    hold = pay(backend, minor=800).payment
    day = _day_of(backend)
    with pytest.raises(PinError):
        service.close(day, "0000")  # wrong PIN: nothing closed
    assert EndOfDayStore(backend.repo).closed(day.isoformat()) is None
    closed = service.close(day, TRAINING_PIN, manager="ann")
    cur = backend.settings.currency
    assert closed.closed and closed.closing is not None and closed.closing.manager == "ann"
    printed = report_csv(closed)
    # the day moves on: a hold is captured after the close
    backend.backoffice.capture(hold, approval(backend))
    again = service.report(day)
    assert again.intact and report_csv(again) == printed
    live = service.live(service.window(day))
    assert live.totals_for(cur).captured == 2800 != again.totals_for(cur).captured
    with pytest.raises(DayReportError):
        service.close(day, TRAINING_PIN)
    events = [
        json.loads(e.detail) if isinstance(e.detail, str) else e.detail
        for e in backend.repo.events(limit=10000)
    ]
    notes = [d for d in events if d.get("note") == "day closed"]
    assert len(notes) == 1 and notes[0]["day"] == day.isoformat()
    # who, when and the totals are in the audit chain itself
    assert notes[0]["totals"][0]["net"] == closed.totals_for(cur).net
    stored = EndOfDayStore(backend.repo).closed(day.isoformat())
    assert stored is not None and notes[0]["digest"] == stored.digest
    assert backend.repo.verify().ok


def _at_till(backend: Backend, terminal: str) -> None:
    """From now on the till keys payments in as ``terminal`` (a second till on one journal)."""
    backend.checkout.config = replace(backend.checkout.config, terminal_id=terminal)


def test_one_till_s_report_is_its_line_of_the_by_terminal_table(backend: Backend) -> None:
    service = backend.day_report
    service.zone = UTC_ZONE
    _mixed_day(backend)  # at TILL-01
    _at_till(backend, "TILL-02")
    pay(backend, minor=1500, hold=False)
    pay(backend, minor=650)
    pay(backend, VISA_DECLINE, minor=300)
    assert drain(backend) == []
    day = _day_of(backend)
    assert service.terminals() == ["TILL-01", "TILL-02"]
    whole = service.report(day)
    assert whole.terminal is None and {g.name for g in whole.by_terminal} == {
        "TILL-01",
        "TILL-02",
    }
    for till in ("TILL-01", "TILL-02"):
        one = service.report(day, till)
        assert one.terminal == till and not one.closed
        row = [g for g in whole.by_terminal if g.name == till]
        # the filtered report's totals are exactly that till's row of the store-wide table
        assert [t.to_json() for t in one.totals] == [g.totals.to_json() for g in row]
        assert [g.name for g in one.by_terminal] == [till]
        assert all(h.terminal_id == till for h in one.lapsing)
        assert f"till,{till}" in report_csv(one).splitlines()
    cur = backend.settings.currency
    two = service.report(day, "TILL-02").totals_for(cur)
    assert (two.payments, two.declined, two.authorised, two.captured) == (3, 1, 2150, 1500)
    parts = [service.report(day, t).totals_for(cur).net for t in service.terminals()]
    assert sum(parts) == whole.totals_for(cur).net
    assert service.report(day, "NO-SUCH-TILL").totals == ()


def test_a_closed_day_asked_for_one_till_is_its_store_wide_snapshot(backend: Backend) -> None:
    service = backend.day_report
    service.zone = UTC_ZONE
    pay(backend, minor=2000, hold=False)
    _at_till(backend, "TILL-02")
    pay(backend, minor=900, hold=False)
    assert drain(backend) == []
    day = _day_of(backend)
    closed = service.close(day, TRAINING_PIN, manager="ann")
    # closing is store-wide whatever was on screen: both tills are in the snapshot
    assert {g.name for g in closed.by_terminal} == {"TILL-01", "TILL-02"}
    asked = service.report(day, "TILL-02")
    assert asked.closed and asked.terminal is None and asked.store_wide_snapshot == "TILL-02"
    assert asked.totals == closed.totals
    assert "till,all,requested,TILL-02" in report_csv(asked).splitlines()
    assert service.report(day).store_wide_snapshot is None


def test_a_tampered_closed_day_is_flagged(backend: Backend) -> None:
    service = backend.day_report
    service.zone = UTC_ZONE
    pay(backend, minor=2000, hold=False)
    day = _day_of(backend)
    service.close(day, TRAINING_PIN)
    with backend.repo.journal.write() as db:
        with pytest.raises(Exception, match="never changed"):
            db.conn.execute("UPDATE day_closes SET snapshot = '{}'")


def _reconciled_day_with(backend: Backend, fault: ReportFault) -> date:
    """Two sales, the sandbox's day ends, its transactions file (with ``fault``) imported."""
    pay(backend, minor=2000, hold=False)
    pay(backend, minor=1250, hold=False)
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.settle()
    drain(backend)
    sandbox.clock.advance(timedelta(days=1))
    paths = sandbox.write_reports(day, fault)
    transactions = next(p for p in paths if p.name.startswith("transactionItems_"))
    result = Reconciler(backend.repo, backend.settler, backend.clock).import_files([transactions])
    assert result.discrepancies == 1
    return day


def test_a_reconciled_day_shows_its_discrepancy_and_a_day_without_a_file_does_not(
    backend: Backend,
) -> None:
    service = backend.day_report
    service.zone = UTC_ZONE
    day = _reconciled_day_with(backend, ReportFault.WRONG_AMOUNT)
    state = service.report(day).reconciliation
    assert state.status is ReconciliationStatus.DISCREPANCIES
    assert (state.files, state.discrepancies, state.kinds) == (1, 1, (("AMOUNT", 1),))
    assert state.matched >= 1  # the other sale's line(s) matched
    # the day after has no file of Antom's yet; the day before neither
    for other in (day + timedelta(days=1), day - timedelta(days=1)):
        assert service.report(other).reconciliation.status is ReconciliationStatus.NOT_RECONCILED
    assert "discrepancies,1,AMOUNT,1" in report_csv(service.report(day))


def test_a_closed_day_keeps_the_reconciliation_it_was_closed_with(backend: Backend) -> None:
    service = backend.day_report
    service.zone = UTC_ZONE
    day = _reconciled_day_with(backend, ReportFault.EXTRA_LINE)
    closed = service.close(day, TRAINING_PIN)
    assert closed.reconciliation.kinds == (("ONLY_AT_ANTOM", 1),)
    printed = report_csv(closed)
    # a later import for the same day changes the live state, not the closed day's report
    missing = backend.sandbox.write_reports(day, ReportFault.MISSING_LINE)
    later = next(p for p in missing if p.name.startswith("transactionItems_"))
    Reconciler(backend.repo, backend.settler, backend.clock).import_files([later])
    assert service.live(service.window(day)).reconciliation.files == 2
    again = service.report(day)
    assert again.intact and again.reconciliation == closed.reconciliation
    assert report_csv(again) == printed


def _row(created: datetime, minor: int, status: str = "CAPTURED", currency: str = "USD") -> DayRow:
    return DayRow(
        id=1,
        reference_order_id="r",
        amount_minor=minor,
        currency=currency,
        capture_mode="AUTOMATIC",
        card_brand="VISA",
        status=status,
        authorised_ms=to_ms(created),
        capture_deadline_ms=None,
        captured_minor=minor if status == "CAPTURED" else 0,
        refunded_minor=0,
        operator="cashier",
        terminal_id="TILL-01",
        created_ms=to_ms(created),
    )


def test_days_are_local_midnight_to_midnight_dst_included() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    spring = DayWindow.of(date(2026, 3, 29), berlin)  # clocks go forward: 23 hours
    assert spring.end - spring.start == timedelta(hours=23)
    assert spring.start == datetime(2026, 3, 28, 23, 0, tzinfo=ZoneInfo("UTC"))
    shanghai = DayWindow.of(date(2026, 1, 5), ZoneInfo("Asia/Shanghai"))
    assert shanghai.start.hour == 16 and shanghai.end - shanghai.start == timedelta(days=1)
    # a sale at 00:30 local lands in hour 0 of its local day, whatever UTC says
    sale = datetime(2026, 1, 5, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    report = summarise(
        [_row(sale, 1000), _row(sale, 500, currency="JPY")],
        shanghai,
        ZoneInfo("Asia/Shanghai"),
        drawn_at=sale,
    )
    assert report.hourly["USD"][0] == 1000
    # currencies never mix
    assert [t.currency for t in report.totals] == ["JPY", "USD"]
    assert report.totals_for("JPY").net == 500 and report.totals_for("USD").net == 1000
    assert DayReport.from_json(report.to_json()) == report


def test_today_is_the_till_zone_s_date_on_the_injected_clock() -> None:
    from posapp.core.clock import FakeClock
    from posapp.core.services.day_report import today

    clock = FakeClock(datetime(2026, 1, 5, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert today(clock, ZoneInfo("UTC")) == date(2026, 1, 5)
    assert today(clock, ZoneInfo("Asia/Shanghai")) == date(2026, 1, 6)  # 07:30 there
    assert today(clock, ZoneInfo("America/New_York")) == date(2026, 1, 5)


# -- batch capture -------------------------------------------------------------------------
def _holds(backend: Backend, n: int) -> list[int]:
    ids = [pay(backend, minor=100 + i).payment.id for i in range(n)]
    assert all(fresh_status(backend, p) is PaymentStatus.AUTHORISED for p in ids)
    return ids


def fresh_status(backend: Backend, payment: int) -> PaymentStatus:
    found = backend.repo.get_payment(payment)
    assert found is not None
    return found.status


def _service(backend: Backend, waits: list[float], **kw: object) -> BatchCaptureService:
    svc = backend.batch_capture
    svc.seed = 7
    svc.sleep = waits.append
    for k, v in kw.items():
        setattr(svc, k, v)
    return svc


def _captured_once(backend: Backend, ids: list[int]) -> None:
    ledger = backend.sandbox.ledger()
    for p in ids:
        payment = fresh(backend, backend.repo.get_payment(p))  # type: ignore[arg-type]
        assert payment.status is PaymentStatus.CAPTURED
        entry = ledger.order(payment.reference_order_id, payment.amount.currency)
        assert entry.captured == payment.amount.minor == entry.authorised
        assert len(backend.repo.captures_for(p)) == 1


def test_batch_capture_under_rate_limits_captures_every_hold_exactly_once(
    backend: Backend,
) -> None:
    ids = _holds(backend, 12)
    backend.sandbox.faults.add("*/capture", FaultKind.TRAFFIC_LIMIT, times=10)
    waits: list[float] = []
    seen: list[BatchProgress] = []
    report = _service(backend, waits, concurrency=4, max_sends=20).start(
        ids, TRAINING_PIN, progress=seen.append
    )
    assert report.count(ItemOutcome.CAPTURED) == 12 and not report.cancelled
    assert report.rate_limited == 10
    assert [p.done for p in seen] == list(range(1, 13))
    assert seen[-1].seconds_left == 0
    # every back-off is between half and all of its exponential step, never above the cap
    assert waits and all(0 < w <= 5.0 for w in waits)
    _captured_once(backend, ids)
    assert EndOfDayStore(backend.repo).unfinished_batch() is None


def test_batch_backoff_is_seeded() -> None:
    import random

    from posapp.core.services.batch_capture import Backoff

    def run() -> list[float]:
        gate = Backoff(random.Random(3), 0.2, 5.0, lambda: 0.0)
        return [gate.limited() for _ in range(8)]

    first = run()
    assert first == run()
    assert first[0] <= 0.2 and first[-1] <= 5.0 and first[-1] >= 2.5


def test_batch_cancelled_midway_then_resumed(backend: Backend) -> None:
    ids = _holds(backend, 6)
    cancel = threading.Event()

    def stop_after_two(p: BatchProgress) -> None:
        if p.done == 2:
            cancel.set()

    svc = _service(backend, [], concurrency=1)
    first = svc.start(ids, TRAINING_PIN, cancel=cancel, progress=stop_after_two)
    # what was journaled before the cancel came (one request on the wire, one more
    # journaled behind it) is finished; nothing else is started
    done = first.count(ItemOutcome.CAPTURED)
    assert first.cancelled and 2 <= done <= 4
    assert first.count(ItemOutcome.SKIPPED) == 6 - done
    skipped = [r.payment for r in first.results if r.outcome is ItemOutcome.SKIPPED]
    assert all(fresh_status(backend, p) is PaymentStatus.AUTHORISED for p in skipped)
    again = svc.resume(first.batch, TRAINING_PIN)
    assert again.count(ItemOutcome.CAPTURED) == 6 and not again.cancelled
    _captured_once(backend, ids)


def test_batch_resumes_cleanly_after_a_crash(polled_backend: Backend) -> None:
    # no notification listener: only what this till sends and asks tells it the outcome
    backend = polled_backend
    ids = _holds(backend, 5)
    svc = _service(backend, [])
    store = EndOfDayStore(backend.repo)
    batch = store.create_batch(ids, manager="m", terminal_id="TILL-01", at=backend.clock.now())
    grant = backend.pins.approve(TRAINING_PIN, "m", uses=3)
    # the till died: two captures journaled and never sent, one sent and performed by Antom
    # but its answer lost (the connection dropped after the sandbox committed it)
    journaled = [svc._journal_intent(batch, p, grant, "m") for p in ids[:3]]
    assert all(c is not None for c in journaled)
    backend.sandbox.faults.add("*/capture", FaultKind.RESET_AFTER, times=1)
    sent = journaled[2]
    assert sent is not None
    payment = backend.repo.get_payment(sent.payment)
    assert payment is not None
    after = backend.batch_capture.settler.send_capture(sent, payment, operator="m")
    assert after.status.value == "PENDING"
    ledger = backend.sandbox.ledger()
    assert ledger.order(payment.reference_order_id, payment.amount.currency).captured > 0
    # a new till process: resume from the journal alone
    unfinished = store.unfinished_batch()
    assert unfinished is not None and unfinished.id == batch
    reborn = BatchCaptureService(
        backend.repo,
        backend.batch_capture.settler,
        backend.pins,
        backend.clock,
        "TILL-01",
        seed=1,
        sleep=lambda _s: None,
    )
    without_pin = reborn.resume(batch, None)
    assert without_pin.count(ItemOutcome.CAPTURED) == 3
    assert without_pin.count(ItemOutcome.SKIPPED) == 2
    with_pin = reborn.resume(batch, TRAINING_PIN)
    assert with_pin.count(ItemOutcome.CAPTURED) == 5
    _captured_once(backend, ids)
    ids_sent = {c.capture_request_id for c in journaled if c is not None}
    stored = store.batch(batch)
    assert stored is not None and ids_sent <= {i.capture_request_id for i in stored.items}
    assert store.unfinished_batch() is None


def test_batch_skips_what_is_no_longer_held(backend: Backend) -> None:
    ids = _holds(backend, 3)
    backend.backoffice.cancel(ids[0], approval(backend))
    report = _service(backend, []).start(ids, TRAINING_PIN)
    assert report.count(ItemOutcome.CAPTURED) == 2
    assert report.count(ItemOutcome.REFUSED) == 1
    assert fresh_status(backend, ids[0]) is PaymentStatus.CANCELLED
