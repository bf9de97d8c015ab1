"""The Day report screen and Capture all holds over the real services (training backend on
the embedded sandbox, journal under tmp_path, real widgets offscreen)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.core.domain import PaymentStatus
from posapp.core.journal.day_close import EndOfDayStore
from posapp.core.services.batch_capture import ItemOutcome
from posapp.core.services.day_report import report_csv
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.reconcile import Reconciler
from posapp.sandbox.faults import FaultKind
from posapp.sandbox.reports import ReportFault
from posapp.ui.application import build_main_window
from posapp.ui.changes import ChangeBridge
from posapp.ui.day_report_render import page_images
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.capture_all_dialog import CaptureAllDialog
from posapp.ui.views.day_report_view import DayReportDialog, DayReportView
from tests.ui.test_dialogs_flows import enter_pin, make_backend, pay


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir)
    b.day_report.zone = ZoneInfo("UTC")
    b.batch_capture.sleep = lambda _s: None  # back-offs counted, never slept
    b.batch_capture.seed = 5
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


def open_report(qtbot: QtBot, runner: TaskRunner, backend: Backend) -> DayReportView:
    view = DayReportView(
        runner, backend.day_report, backend.batch_capture, changes=ChangeBridge(backend.changes)
    )
    qtbot.addWidget(view)
    view.resize(1024, 700)
    view.show()
    qtbot.waitUntil(lambda: view.report is not None)
    return view


def cell(view: DayReportView, row: int) -> str:
    item = view.totals_table.item(row, 0)
    return item.text() if item is not None else ""


def test_the_screen_shows_the_day_and_follows_changes(qtbot, runner, backend) -> None:
    pay(backend, minor=2000, hold=False)
    held = pay(backend, minor=990)
    view = open_report(qtbot, runner, backend)
    # the sale's capture may still be on its way: the screen follows it when it lands
    qtbot.waitUntil(lambda: cell(view, 3) == "20.00", timeout=10000)
    assert cell(view, 0) == "2"  # payments
    assert cell(view, 2) == "29.90"  # authorised
    assert cell(view, 3) == "20.00"  # captured
    assert view.status_chart.totals is not None and view.status_chart.totals.held == 990
    assert sum(view.hour_chart.hourly) == 2990
    assert "Not reconciled" in view.recon_label.text()
    # a capture elsewhere reaches the screen through the change feed, no polling
    backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN))
    qtbot.waitUntil(lambda: cell(view, 3) == "29.90", timeout=5000)


def test_the_screen_shows_what_antom_s_file_said_about_the_day(qtbot, runner, backend) -> None:
    pay(backend, minor=2000, hold=False)
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.settle()
    sandbox.clock.advance(timedelta(days=1))
    paths = sandbox.write_reports(day, ReportFault.EXTRA_LINE)
    transactions = next(p for p in paths if p.name.startswith("transactionItems_"))
    reconciler = Reconciler(backend.repo, backend.settler, backend.clock)
    assert reconciler.import_files([transactions]).discrepancies == 1
    view = open_report(qtbot, runner, backend)
    view.date_edit.setDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: view.report is not None and view.report.day == day)
    text = view.recon_label.text()
    assert "1 discrepancies to look at" in text and "At Antom, not in posapp: 1" in text


def test_closing_the_day_with_the_pin(qtbot, runner, backend) -> None:
    pay(backend, minor=2000, hold=False)
    held = pay(backend, minor=500)
    view = open_report(qtbot, runner, backend)
    dialog = view.close_day()
    qtbot.addWidget(dialog)
    enter_pin(qtbot, dialog, "0000")
    dialog.go_button.click()
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
    assert EndOfDayStore(backend.repo).closed(view.day().isoformat()) is None
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.day_closed):
        dialog.go_button.click()
    assert view.report is not None and view.report.closed
    assert "Closed" in view.state_label.text()
    assert not view.close_button.isEnabled()
    frozen = view.report
    pages = [img.copy() for img in page_images(frozen)]
    # later changes do not move a closed day: the reprint is the same, pixel for pixel
    backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN))
    again = backend.day_report.report(view.day())
    assert report_csv(again) == report_csv(frozen)
    assert [img == old for img, old in zip(page_images(again), pages, strict=True)] == [True]


def test_save_pdf_and_csv(qtbot, runner, backend, tmp_path: Path) -> None:
    pay(backend, minor=1500, hold=False)
    view = open_report(qtbot, runner, backend)
    pdf, csv = tmp_path / "day.pdf", tmp_path / "day.csv"
    view.save_pdf(str(pdf))
    view.save_csv(str(csv))
    qtbot.waitUntil(lambda: pdf.is_file() and csv.is_file(), timeout=5000)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "\ntotal,,SGD,1,0,15.00," in csv.read_text(encoding="utf-8")


def test_capture_all_holds_under_rate_limits(qtbot, runner, backend) -> None:
    ids = [pay(backend, minor=300 + i).id for i in range(6)]
    backend.sandbox.faults.add("*/capture", FaultKind.TRAFFIC_LIMIT, times=4)
    view = open_report(qtbot, runner, backend)
    view.capture_all()
    qtbot.waitUntil(lambda: hasattr(view, "capture_dialog"))
    dialog: CaptureAllDialog = view.capture_dialog
    qtbot.addWidget(dialog)
    assert sorted(dialog.holds) == sorted(ids)
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.run_finished, timeout=20000) as finished:
        dialog.go_button.click()
    report = finished.args[0]
    assert report.count(ItemOutcome.CAPTURED) == 6 and report.rate_limited == 4
    assert dialog.progress.value() == dialog.progress.maximum() == 6
    assert "slow down 4 times" in dialog.notice.text()
    for pid in ids:
        p = backend.repo.get_payment(pid)
        assert p is not None and p.status is PaymentStatus.CAPTURED
        assert len(backend.repo.captures_for(pid)) == 1


def test_an_interrupted_run_is_offered_for_resuming(qtbot, runner, backend) -> None:
    ids = [pay(backend, minor=300 + i).id for i in range(3)]
    store = EndOfDayStore(backend.repo)
    store.create_batch(ids, manager="m", terminal_id="TILL-01", at=backend.clock.now())
    view = open_report(qtbot, runner, backend)
    view.capture_all()
    qtbot.waitUntil(lambda: hasattr(view, "capture_dialog"))
    dialog = view.capture_dialog
    qtbot.addWidget(dialog)
    assert dialog.unfinished is not None and dialog.go_button.text() == "Resume"
    enter_pin(qtbot, dialog, TRAINING_PIN)
    with qtbot.waitSignal(dialog.run_finished, timeout=20000):
        dialog.go_button.click()
    assert store.unfinished_batch() is None
    assert all(len(backend.repo.captures_for(p)) == 1 for p in ids)


def test_the_till_menu_opens_the_day_report(qtbot, backend) -> None:
    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    assert window.action_day_report.isEnabled()
    shown = window.show_day_report()
    assert isinstance(shown, DayReportDialog)
    qtbot.waitUntil(lambda: shown.view.report is not None)
    assert window.show_day_report() is shown  # one window, raised again
    window.runner.shutdown()


def _two_tills(backend: Backend) -> None:
    """Two payments at TILL-01, one at TILL-02, on one journal."""
    pay(backend, minor=2000, hold=False)
    pay(backend, minor=500)
    backend.checkout.config = replace(backend.checkout.config, terminal_id="TILL-02")
    pay(backend, minor=1500, hold=False)


def test_choosing_a_till_shows_its_figures_and_closing_waits_for_all_tills(
    qtbot, runner, backend, tmp_path: Path
) -> None:
    _two_tills(backend)
    view = open_report(qtbot, runner, backend)
    qtbot.waitUntil(lambda: view.terminals() == ["TILL-01", "TILL-02"])  # read on READS
    assert view.till_box.currentText() == "All tills" and view.terminal() is None
    assert cell(view, 0) == "3" and view.till_label.text() == "All tills"
    assert view.close_button.isEnabled()
    with qtbot.waitSignal(view.report_loaded):
        view.set_terminal("TILL-02")
    assert view.report is not None and view.report.terminal == "TILL-02"
    assert cell(view, 0) == "1"  # payments
    assert view.terminal_table.rowCount() == 1
    assert view.terminal_table.item(0, 0).text() == "TILL-02"
    assert "TILL-02" in view.till_label.text()
    # closing is store-wide: not from a one-till view, and the button says why
    assert not view.close_button.isEnabled()
    assert "every till" in view.close_button.toolTip()
    csv = tmp_path / "till.csv"
    view.save_csv(str(csv))
    qtbot.waitUntil(csv.is_file, timeout=5000)
    assert "till,TILL-02" in csv.read_text(encoding="utf-8").splitlines()
    with qtbot.waitSignal(view.report_loaded):
        view.set_terminal("TILL-01")
    assert cell(view, 0) == "2" and not view.close_button.isEnabled()
    with qtbot.waitSignal(view.report_loaded):
        view.set_terminal(None)
    assert cell(view, 0) == "3"
    assert view.close_button.isEnabled() and view.close_button.toolTip() == ""


def test_a_closed_day_for_one_till_says_its_frozen_report_is_store_wide(
    qtbot, runner, backend
) -> None:
    _two_tills(backend)
    view = open_report(qtbot, runner, backend)
    backend.day_report.close(view.day(), TRAINING_PIN, manager="ann")
    qtbot.waitUntil(lambda: view.terminals() == ["TILL-01", "TILL-02"])
    with qtbot.waitSignal(view.report_loaded):
        view.set_terminal("TILL-02")
    assert view.report is not None and view.report.closed
    assert view.report.store_wide_snapshot == "TILL-02"
    assert cell(view, 0) == "3"  # the whole store's frozen figures
    assert "store-wide" in view.till_label.text()
    assert not view.close_button.isEnabled()
