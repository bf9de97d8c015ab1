"""The Orders view over a real journal file: loading, filters, the Held view, live updates,
receipts and CSV export. Actions against the real backend are in test_dialogs_flows.py."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from posapp.core.cards import MaskedCard
from posapp.core.clock import FakeClock
from posapp.core.domain import CaptureMode, NewPayment, PaymentStatus, PaymentUpdate
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.ui.models.order_model import AMBER, RED, Column, OrderQuery, OrderTableModel, Role
from posapp.ui.models.orders_backend import JournalOrderSource, OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.orders_view import OrdersView

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Journal:
    """A real journal file with a fake clock, and helpers that write what checkout would."""

    def __init__(self, path: Path) -> None:
        self.clock = FakeClock(START)
        self.repo = JournalRepository.open(path, clock=self.clock)
        self.n = 0

    def pay(
        self,
        status: PaymentStatus = PaymentStatus.CAPTURED,
        *,
        last4: str = "0768",
        amount: int = 1250,
        authorised_ago: timedelta | None = None,
        step: timedelta = timedelta(minutes=1),
    ):
        self.n += 1
        self.clock.advance(step)
        p = self.repo.record_intent(
            NewPayment(
                reference_order_id=f"ORD-{self.n:05d}",
                payment_request_id=f"REQ-{self.n:05d}",
                amount=Money(amount, "SGD"),
                capture_mode=CaptureMode.MANUAL,
                card=MaskedCard("VISA", "405469", last4),
                operator="cashier",
                terminal_id="TILL-01",
            )
        )
        if status is PaymentStatus.INTENT:
            return p
        who = {"operator": "cashier", "terminal_id": "TILL-01"}
        now = self.clock.now()
        update = PaymentUpdate(
            payment_id=f"2026PID{self.n:06d}",
            authorised_at=now - (authorised_ago or timedelta()),
            network_transaction_id=f"NTX{self.n:06d}",
            avs_result="Y",
            cvv_result="M",
            result_code="SUCCESS",
            result_status="S",
        )
        if status is PaymentStatus.DECLINED:
            return self.repo.transition(
                p.id, status, update=PaymentUpdate(result_code="CARD_DECLINED"), **who
            )
        if status is PaymentStatus.PENDING:
            return self.repo.transition(p.id, status, **who)
        p = self.repo.transition(p.id, PaymentStatus.AUTHORISED, update=update, **who)
        if status is PaymentStatus.CAPTURED:
            p = self.repo.transition(p.id, PaymentStatus.CAPTURED, **who)
        return p


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.repo.close()


_BOT: list[QtBot] = []


@pytest.fixture
def runner(qtbot: QtBot):
    _BOT[:] = [qtbot]
    r = TaskRunner()
    yield r
    r.shutdown()


def open_view(qtbot: QtBot, runner: TaskRunner, journal: Journal, **kw) -> OrdersView:
    backend = OrdersBackend(journal.repo, None, merchant="Test Store", now=journal.clock.now)
    view = OrdersView(runner, backend, **kw)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and view.model.is_loaded(0))
    return view


def col(view: OrdersView, column: Column, role=None) -> list:
    """A column's values once every row is loaded (the count can come before the rows)."""
    m = view.model
    for r in range(m.rowCount()):
        m.data(m.index(r, 0))
    QtBot.waitUntil(_BOT[0], lambda: all(m.is_loaded(r) for r in range(m.rowCount())))
    return [
        m.data(m.index(r, column), *(r_ for r_ in [role] if r_ is not None))
        for r in range(m.rowCount())
    ]


def test_model_over_the_journal_passes_the_model_tester(
    qtbot, qtmodeltester, journal, runner
) -> None:
    for i in range(130):
        journal.pay(PaymentStatus.CAPTURED if i % 3 else PaymentStatus.AUTHORISED)
    source = JournalOrderSource(journal.repo)
    model = OrderTableModel(
        source, submit=lambda fn, done, failed: runner.run(fn, on_done=done, on_error=failed)
    )
    with qtbot.waitSignal(model.count_changed):
        model.set_query(OrderQuery())
    qtmodeltester.check(model, force_py=True)
    model.data(model.index(129, 0))
    qtbot.waitUntil(lambda: model.is_loaded(129))
    assert model.data(model.index(129, Column.ORDER)) == "ORD-00001"  # oldest at the end
    # The tester stays connected: the reset, inserts and block loads below are checked too.
    with qtbot.waitSignal(model.count_changed):
        model.set_query(OrderQuery(held=True))
    assert model.rowCount() == 44
    journal.pay(PaymentStatus.AUTHORISED)
    assert model.insert_new(journal.repo.get_payment(131))
    assert model.rowCount() == 45


def test_orders_newest_first_with_columns(qtbot, journal, runner) -> None:
    journal.pay(PaymentStatus.CAPTURED, last4="1111", amount=500)
    journal.pay(PaymentStatus.DECLINED, last4="2222")
    view = open_view(qtbot, runner, journal)
    assert col(view, Column.ORDER) == ["ORD-00002", "ORD-00001"]
    assert col(view, Column.CARD) == ["Visa •••• 2222", "Visa •••• 1111"]
    assert col(view, Column.AMOUNT)[1] == "SGD 5.00"
    assert col(view, Column.STATUS) == ["Declined", "Paid"]
    assert col(view, Column.PAYMENT_ID) == ["", "2026PID000001"]
    assert "2 orders" in view.status_line.text()


def test_filters_status_text_and_dates(qtbot, journal, runner) -> None:
    journal.pay(PaymentStatus.CAPTURED, last4="1111")
    journal.pay(PaymentStatus.DECLINED, last4="2222")
    journal.pay(PaymentStatus.AUTHORISED, last4="3333", step=timedelta(days=3))
    view = open_view(qtbot, runner, journal)
    assert view.model.rowCount() == 3

    declined = view.status_filter.findData("DECLINED")
    with qtbot.waitSignal(view.model.count_changed):
        view.status_filter.setCurrentIndex(declined)
    assert col(view, Column.ORDER) == ["ORD-00002"]
    with qtbot.waitSignal(view.model.count_changed):
        view.status_filter.setCurrentIndex(0)

    with qtbot.waitSignal(view.model.count_changed, timeout=3000):
        qtbot.keyClicks(view.search, "3333")  # last 4
    assert col(view, Column.ORDER) == ["ORD-00003"]
    with qtbot.waitSignal(view.model.count_changed, timeout=3000):
        view.search.clear()
    with qtbot.waitSignal(view.model.count_changed, timeout=3000):
        qtbot.keyClicks(view.search, "2026PID000001")  # paymentId
    assert col(view, Column.ORDER) == ["ORD-00001"]
    view.search.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)

    # Dates: only the first day (the third payment came three days later).
    first_day = START.astimezone().date()
    day = QDate(first_day.year, first_day.month, first_day.day)
    view.date_from.setDate(day)
    view.date_to.setDate(day)
    with qtbot.waitSignal(view.model.count_changed, timeout=3000):
        view.period.setCurrentIndex(view.period.findData("custom"))
    assert col(view, Column.ORDER) == ["ORD-00002", "ORD-00001"]


def test_held_view_sorted_by_time_left_with_colours(qtbot, journal, runner) -> None:
    journal.pay(PaymentStatus.AUTHORISED, authorised_ago=timedelta(days=6, hours=20))  # 4 h left
    journal.pay(PaymentStatus.CAPTURED)
    journal.pay(PaymentStatus.AUTHORISED)  # 7 days left
    journal.pay(PaymentStatus.AUTHORISED, authorised_ago=timedelta(days=7, hours=1))  # lapsed
    view = open_view(qtbot, runner, journal)
    with qtbot.waitSignal(view.model.count_changed):
        view.view_tabs.setCurrentIndex(1)
    assert not view.status_filter.isEnabled()
    assert col(view, Column.ORDER) == ["ORD-00004", "ORD-00001", "ORD-00003"]
    backgrounds = col(view, Column.TIME_LEFT, Qt.ItemDataRole.BackgroundRole)
    assert backgrounds == [RED, AMBER, None]
    texts = col(view, Column.TIME_LEFT)
    assert texts[0] == "released" and texts[1].startswith("3 h") and texts[2].startswith("6 d")
    assert "3 held" in view.status_line.text()


def test_held_view_keeps_holds_that_lapsed_today_on_top_in_red(qtbot, journal, runner) -> None:
    who = {"operator": "poller", "terminal_id": "TILL-01"}
    lapsed = journal.pay(PaymentStatus.AUTHORISED, authorised_ago=timedelta(days=7, hours=2))
    journal.repo.transition(lapsed.id, PaymentStatus.RELEASED, **who)
    old = journal.pay(PaymentStatus.AUTHORISED, authorised_ago=timedelta(days=9))
    journal.repo.transition(old.id, PaymentStatus.RELEASED, **who)
    journal.pay(PaymentStatus.AUTHORISED)  # 7 days left
    journal.pay(PaymentStatus.AUTHORISED, authorised_ago=timedelta(days=6, hours=22))  # 2 h
    view = open_view(qtbot, runner, journal)
    with qtbot.waitSignal(view.model.count_changed):
        view.view_tabs.setCurrentIndex(1)
    # The hold released two hours ago is on top in red; the one from two days ago is gone.
    assert col(view, Column.ORDER) == ["ORD-00001", "ORD-00004", "ORD-00003"]
    assert col(view, Column.STATUS) == ["Hold expired", "Held", "Held"]
    assert col(view, Column.TIME_LEFT, Qt.ItemDataRole.BackgroundRole) == [RED, AMBER, None]


def test_rows_update_live_when_a_payment_settles(qtbot, journal, runner) -> None:
    pending = journal.pay(PaymentStatus.PENDING)
    journal.pay(PaymentStatus.CAPTURED)
    view = open_view(qtbot, runner, journal)
    qtbot.waitUntil(lambda: view._last_event_id is not None)
    row = view.model.row_of(pending.id)
    assert view.model.data(view.model.index(row, Column.STATUS)) == "Checking"
    view.select_rows([row])
    assert view.details.payment.id == pending.id

    # The poller settles it (another thread, another connection): the row follows.
    journal.repo.transition(
        pending.id,
        PaymentStatus.AUTHORISED,
        operator="poller",
        terminal_id="TILL-01",
        update=PaymentUpdate(payment_id="2026PIDLATE", authorised_at=journal.clock.now()),
    )
    with qtbot.waitSignal(view.model.dataChanged, timeout=5000) as changed:
        pass
    assert changed.args[0].row() == changed.args[1].row() == row
    assert view.model.data(view.model.index(row, Column.STATUS)) == "Held"
    assert view.details.fields["payment_id"].text() == "2026PIDLATE"

    # A new payment appears at the top without a reload.
    journal.pay(PaymentStatus.CAPTURED)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=5000)
    assert view.model.data(view.model.index(0, Column.ORDER)) == "ORD-00003"


def test_details_pane_shows_the_timeline(qtbot, journal, runner) -> None:
    p = journal.pay(PaymentStatus.CAPTURED)
    view = open_view(qtbot, runner, journal)
    view.select_rows([0])
    qtbot.waitUntil(lambda: any("→" in t for t in view.details.timeline_texts()))
    texts = view.details.timeline_texts()
    assert texts[0] == "Recorded: Not sent yet"  # the intent, first
    assert any("Held → Paid" in t for t in texts)
    assert view.details.fields["network_tx"].text() == "NTX000001"
    # New payment's words, from the same table (not the raw codes "Y / M")
    assert view.details.fields["avs"].text() == "address and postcode match"
    assert view.details.fields["cvv"].text() == "matches"
    assert view.details.payment.id == p.id


def test_receipt_pdf_has_the_facts(qtbot, journal, runner, tmp_path: Path) -> None:
    journal.pay(PaymentStatus.CAPTURED, last4="0768", amount=1250)
    view = open_view(qtbot, runner, journal)
    view.select_rows([0])
    assert view.receipt_button.isEnabled()
    path = view.save_selected_pdf(tmp_path / "receipt.pdf")
    assert path is not None and path.read_bytes().startswith(b"%PDF")
    text = " ".join(pypdf.PdfReader(str(path)).pages[0].extract_text().split())
    for expected in (
        "Test Store",
        "SGD 12.50",
        "Visa •••• 0768",
        "2026PID000001",
        "NTX000001",
        "Paid",
    ):
        assert expected in text
    assert "405469" not in text  # never more than the last four digits


def test_receipt_goes_through_qt_print_support(qtbot, journal, runner, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from posapp.ui.views.receipt import print_receipt

    journal.pay(PaymentStatus.AUTHORISED, last4="4242")
    view = open_view(qtbot, runner, journal)
    view.select_rows([0])
    # Reprint from the list, on a printer that writes a file (no print server here).
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_receipt(
        view.backend.receipt(view.selected_payments()[0]), view, printer, ask=False
    )
    del printer
    text = " ".join(pypdf.PdfReader(str(tmp_path / "printed.pdf")).pages[0].extract_text().split())
    assert "Visa •••• 4242" in text and "Held" in text and "AVS result Y" in text


def test_csv_export_of_the_current_view(qtbot, journal, runner, tmp_path: Path) -> None:
    journal.pay(PaymentStatus.CAPTURED, last4="1111")
    journal.pay(PaymentStatus.AUTHORISED, last4="2222")
    journal.pay(PaymentStatus.DECLINED, last4="3333")
    view = open_view(qtbot, runner, journal)
    with qtbot.waitSignal(view.model.count_changed):
        view.view_tabs.setCurrentIndex(1)  # Held: one row
    out = tmp_path / "held.csv"
    with qtbot.waitSignal(view.exported, timeout=5000):
        view.export_current_view(out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][:3] == ["created_at", "reference_order_id", "amount"]
    assert len(rows) == 2 and rows[1][1] == "ORD-00002" and rows[1][5] == "2222"
    assert "405469" not in out.read_text(encoding="utf-8")

    with qtbot.waitSignal(view.model.count_changed):
        view.view_tabs.setCurrentIndex(0)
    with qtbot.waitSignal(view.exported, timeout=5000):
        view.export_current_view(out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [r[1] for r in rows[1:]] == ["ORD-00003", "ORD-00002", "ORD-00001"]


def test_jump_to_end_loads_the_oldest_rows(qtbot, journal, runner) -> None:
    for _ in range(450):
        journal.pay(PaymentStatus.CAPTURED, step=timedelta(seconds=1))
    view = open_view(qtbot, runner, journal)
    qtbot.waitUntil(lambda: view.model.rowCount() == 450)
    view.jump_to_end()
    qtbot.waitUntil(lambda: view.model.is_loaded(449))
    assert view.model.data(view.model.index(449, Column.ORDER)) == "ORD-00001"
    assert view.model.data(view.model.index(449, 0), Role.LOADED)


def test_the_end_button_says_where_it_goes(qtbot, journal, runner) -> None:
    for _ in range(3):
        journal.pay(PaymentStatus.AUTHORISED)
    view = open_view(qtbot, runner, journal)
    # not a sort toggle ("Oldest ↓"): the list runs newest first, the button goes to its end
    assert view.end_button.text() == "Jump to oldest"
    assert "↓" not in view.end_button.text()
    view.end_button.click()
    assert view.table.currentIndex().row() == view.model.rowCount() - 1
    view.view_tabs.setCurrentIndex(1)  # Held: least time left first
    assert view.end_button.text() == "Jump to end"  # whole at 1024x700; the tip says what is there


def test_down_from_the_search_box_moves_into_the_results(qtbot, journal, runner) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    journal.pay(PaymentStatus.CAPTURED, last4="1111")
    journal.pay(PaymentStatus.CAPTURED, last4="2222")
    view = open_view(qtbot, runner, journal)
    view.focus_search()
    qtbot.keyClicks(view.search, "2222")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.table)
    assert [p.card.last4 for p in view.selected_payments()] == ["2222"]


def test_enter_in_the_search_box_searches_and_moves_into_the_results(
    qtbot, journal, runner
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    journal.pay(PaymentStatus.CAPTURED, last4="1111")
    journal.pay(PaymentStatus.CAPTURED, last4="2222")
    view = open_view(qtbot, runner, journal)
    view.focus_search()
    qtbot.keyClicks(view.search, "1111")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.table)
    assert [p.card.last4 for p in view.selected_payments()] == ["1111"]
    # nothing found: the cashier stays in the search box to type again
    view.focus_search()
    qtbot.keyClicks(view.search, "9999")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.rowCount() == 0 and "0" in view.status_line.text())
    assert QApplication.focusWidget() is view.search
