"""The Day report screen: a day's totals per currency and status, who took them, the charts,
the holds about to lapse, and the manager's end-of-day jobs (capture every hold, close the
day, print or save it).

Reports are read on the READS lane, closing and saving on WRITES, the batch capture on
NETWORK: the screen never waits. It follows the services' one change feed and reads an open
day again shortly after a payment changes; a closed day is its snapshot and never moves.

The Till box narrows the figures to one terminal's payments (its list is read on READS too).
Closing stays store-wide: while one till is shown the day cannot be closed, and a closed day,
whose snapshot keeps no payment lines, is shown whole with a line saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.core.services.batch_capture import BatchCaptureService
from posapp.core.services.day_report import (
    DayReport,
    DayReportError,
    DayReportService,
    GroupLine,
    Totals,
    report_csv,
)
from posapp.core.services.pin import PinError
from posapp.ui.changes import ChangeBridge
from posapp.ui.day_report_render import (
    STATUS_KEYS,
    closing_text,
    local_time,
    money_text,
    paint_hour_chart,
    paint_report,
    paint_status_chart,
    reconciliation_text,
    status_label,
    status_value,
    till_text,
    write_pdf,
)
from posapp.ui.i18n import service_text
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.views.capture_all_dialog import CaptureAllDialog
from posapp.ui.views.pin_dialog import PinEntry
from posapp.ui.widgets.till_box import TillBox

log = logging.getLogger(__name__)

REFRESH_DELAY_MS = 800  # payments change in bursts: read the day once the burst is over


class HourChart(QWidget):
    """Sales by local hour, drawn with QPainter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hourly: tuple[int, ...] = ()
        self.currency = ""
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, hourly: tuple[int, ...], currency: str) -> None:
        self.hourly, self.currency = hourly, currency
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        paint_hour_chart(p, rect, self.hourly, self.currency, self.palette().text().color())
        p.end()


class StatusChart(QWidget):
    """The day's authorised money by what became of it, drawn with QPainter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.totals: Totals | None = None
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_totals(self, totals: Totals | None) -> None:
        self.totals = totals
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        if self.totals is None:
            return
        p = QPainter(self)
        rect = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        paint_status_chart(p, rect, self.totals, self.palette().text().color())
        p.end()


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setMinimumHeight(120)
    return table


def _status_cell(key: str) -> Callable[[Totals], str]:
    """The text of one status row's cell for a currency's totals."""
    return lambda t: money_text(status_value(t, key), t.currency)


def _fit_height(table: QTableWidget) -> None:
    """As tall as its rows: no empty grid under a short table."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    frame = table.frameWidth() * 2
    table.setMinimumHeight(table.horizontalHeader().height() + rows + frame)
    table.setMaximumHeight(table.horizontalHeader().height() + rows + frame)


def _file_stem(report: DayReport) -> str:
    """The date, and the till when the figures are one till's."""
    if report.terminal is None:
        return report.day.isoformat()
    till = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.terminal)
    return f"{report.day.isoformat()}-{till}"


def _cell(text: str, *, number: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)  # a long order reference is cut in the middle on screen
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class CloseDayDialog(QDialog):
    """Asks for the manager PIN to close a day; closing runs on the WRITES lane.

    Signals: ``day_closed(object)`` (the closed DayReport).
    """

    day_closed = Signal(object)

    def __init__(
        self, service: DayReportService, runner: TaskRunner, day: date, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.day = day
        self.setWindowTitle(self.tr("Close the day"))
        text = QLabel(
            self.tr(
                "Close {0}? Its totals are kept as they stand now, signed into the journal "
                "with your name and the time, and print the same from then on."
            ).format(day.isoformat()),
            self,
        )
        text.setWordWrap(True)
        self.pin = PinEntry(self)
        self.pin.submitted.connect(self._on_go)
        form = QFormLayout()
        form.addRow(self.tr("Manager PIN"), self.pin)
        buttons = QDialogButtonBox(self)
        self.go_button = buttons.addButton(
            self.tr("Close the day"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.go_button.clicked.connect(self._on_go)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.pin.field.setFocus()

    def _on_go(self) -> None:
        if self.pin.locked or not self.pin.check_format() or not self.go_button.isEnabled():
            return
        pin = self.pin.pin()
        self.pin.field.clear()
        self.go_button.setEnabled(False)
        self._runner.run(
            self._service.close,
            self.day,
            pin,
            lane=Lane.WRITES,
            on_done=self._on_done,
            on_error=self._on_error,
            owner=self,
            label=self.windowTitle(),
        )

    def _on_done(self, report: DayReport) -> None:
        self.day_closed.emit(report)
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self.go_button.setEnabled(True)
        if isinstance(exc, PinError):
            self.pin.show_pin_error(exc)
        elif isinstance(exc, DayReportError):
            self.pin.show_error(service_text(exc.message))
        else:
            self.pin.show_error(str(exc))


class DayReportView(QWidget):
    """The Day report screen.

    Signals: ``report_loaded(object)`` (DayReport) each time a day is shown.
    """

    report_loaded = Signal(object)
    _payment_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        reports: DayReportService,
        capture: BatchCaptureService,
        *,
        changes: ChangeBridge | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._reports = reports
        self._capture = capture
        self.report: DayReport | None = None
        self._loading = False

        bar = QHBoxLayout()
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("reportDay")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        today = reports.window().day
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        day_label = QLabel(self.tr("&Day"), self)
        day_label.setBuddy(self.date_edit)
        bar.addWidget(day_label)
        bar.addWidget(self.date_edit)
        self.till_box = TillBox(self)
        self.till_box.setObjectName("reportTill")
        self.till_box.setToolTip(self.tr("Show the figures of one till, or of every till"))
        self.till_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.till_box.currentIndexChanged.connect(lambda _i: self.refresh())
        till_label = QLabel(self.tr("&Till"), self)
        till_label.setBuddy(self.till_box)
        bar.addWidget(till_label)
        bar.addWidget(self.till_box)
        self.currency_box = QComboBox(self)
        self.currency_box.setObjectName("reportCurrency")
        self.currency_box.setToolTip(self.tr("Currency of the charts"))
        self.currency_box.currentTextChanged.connect(self._show_charts)
        bar.addWidget(self.currency_box)
        bar.addStretch(1)
        self.capture_button = QPushButton(self.tr("Capture all holds…"), self)
        self.close_button = QPushButton(self.tr("Close the day…"), self)
        self.print_button = QPushButton(self.tr("Print…"), self)
        self.pdf_button = QPushButton(self.tr("Save PDF…"), self)
        self.csv_button = QPushButton(self.tr("Save CSV…"), self)
        for button, slot in (
            (self.capture_button, self.capture_all),
            (self.close_button, self.close_day),
            (self.print_button, self.print_report),
            (self.pdf_button, self.save_pdf),
            (self.csv_button, self.save_csv),
        ):
            button.clicked.connect(slot)
            bar.addWidget(button)

        self.till_label = QLabel(self)
        self.till_label.setObjectName("dayTill")
        self.till_label.setWordWrap(True)
        font = self.till_label.font()
        font.setBold(True)
        self.till_label.setFont(font)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("dayState")
        self.state_label.setWordWrap(True)
        self.recon_label = QLabel(self)
        self.recon_label.setObjectName("reconciliationState")
        self.recon_label.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setObjectName("dayMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.totals_table = _table(self, [""])
        self.totals_table.setObjectName("dayTotals")
        self.totals_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.totals_table.setMinimumWidth(260)
        self.status_chart = StatusChart(self)
        self.hour_chart = HourChart(self)
        totals_box = QGroupBox(self.tr("Totals"), self)
        totals_layout = QVBoxLayout(totals_box)
        totals_layout.addWidget(self.totals_table)
        totals_layout.addStretch(1)
        status_box = QGroupBox(self.tr("Where the money went"), self)
        QVBoxLayout(status_box).addWidget(self.status_chart)
        self.hour_box = QGroupBox(self.tr("Sales by hour"), self)
        QVBoxLayout(self.hour_box).addWidget(self.hour_chart)

        group_headers = [
            self.tr("Name"),
            self.tr("Currency"),
            self.tr("Payments"),
            status_label("authorised"),
            status_label("captured"),
            status_label("refunded"),
            status_label("net"),
        ]
        self.groups = QTabWidget(self)
        self.terminal_table = _table(self, group_headers)
        self.operator_table = _table(self, group_headers)
        self.brand_table = _table(self, group_headers)
        self.groups.addTab(self.terminal_table, self.tr("By terminal"))
        self.groups.addTab(self.operator_table, self.tr("By operator"))
        self.groups.addTab(self.brand_table, self.tr("By card brand"))
        self.lapsing_table = _table(
            self, [self.tr("Order"), self.tr("Amount"), self.tr("Lapses at"), self.tr("Till")]
        )
        self.lapsing_table.setObjectName("lapsingHolds")
        self.lapsing_table.setWordWrap(False)
        self.lapsing_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        lapsing_header = self.lapsing_table.horizontalHeader()
        for column in (1, 2, 3):
            lapsing_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        lapsing_box = QGroupBox(self.tr("Holds that lapse in the next 24 hours"), self)
        QVBoxLayout(lapsing_box).addWidget(self.lapsing_table)

        body = QWidget(self)
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(totals_box, 0, 0)
        grid.addWidget(status_box, 0, 1)
        grid.addWidget(self.hour_box, 0, 2)
        grid.addWidget(self.groups, 1, 0, 1, 2)
        grid.addWidget(lapsing_box, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 4)
        grid.setColumnStretch(2, 4)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        body.setMinimumHeight(540)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.till_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.recon_label)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._payment_changed.connect(self._on_payment_changed)
        if changes is not None:
            # the till's change feed, delivered on the GUI thread in batches
            changes.changed.connect(self._payment_changed)
        self._set_buttons()
        self.refresh()
        self.refresh_terminals()

    # -- loading ------------------------------------------------------------------------
    def day(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    def terminal(self) -> str | None:
        """The till chosen in the Till box; None for every till."""
        return self.till_box.terminal() or None

    def terminals(self) -> list[str]:
        """The tills the Till box offers after "All tills"."""
        return self.till_box.terminals()

    def set_terminal(self, terminal: str | None) -> None:
        """Show one till's figures (None: every till's)."""
        self.till_box.choose(terminal or "")

    def refresh_terminals(self) -> None:
        """Read the journal's tills again (off the GUI thread)."""
        self._runner.run(
            self._reports.terminals,
            lane=Lane.READS,
            on_done=self._on_terminals,
            on_error=lambda exc: log.warning("tills could not be read: %s", exc),
            owner=self,
            label="terminals",
        )

    def _on_terminals(self, found: list[str]) -> None:
        self.till_box.add_terminals(found)

    def refresh(self) -> None:
        self._loading = True
        self._set_buttons()
        self._runner.run(
            self._reports.report,
            self.day(),
            self.terminal(),
            lane=Lane.READS,
            on_done=self._on_loaded,
            on_error=self._on_failed,
            owner=self,
            label=self.tr("Day report"),
        )

    def _on_payment_changed(self) -> None:
        if self.report is None or not self.report.closed:
            self._refresh_timer.start()

    def _on_loaded(self, report: DayReport) -> None:
        asked = (
            report.terminal if report.store_wide_snapshot is None else report.store_wide_snapshot
        )
        if report.day != self.day() or asked != self.terminal():
            return  # an answer for a day or a till no longer shown
        self._loading = False
        self.show_report(report)

    def _on_failed(self, exc: BaseException) -> None:
        self._loading = False
        self._say(self.tr("The day report could not be read: {0}").format(exc))
        self._set_buttons()

    def show_report(self, report: DayReport) -> None:
        self.report = report
        self.till_label.setText(till_text(report))
        self.state_label.setText(closing_text(report))
        if not report.totals:
            self._say(QCoreApplication.translate("DayReport", "No payments on this day."))
        elif self.message.text() == QCoreApplication.translate(
            "DayReport", "No payments on this day."
        ):
            self._say("")
        self.recon_label.setText(reconciliation_text(report))
        currencies = [t.currency for t in report.totals]
        self.totals_table.clear()
        self.totals_table.setColumnCount(len(currencies) or 1)
        self.totals_table.setHorizontalHeaderLabels(currencies or [""])
        rows: list[tuple[str, Callable[[Totals], str]]] = [
            (self.tr("Payments"), lambda t: str(t.payments)),
            (self.tr("Declined"), lambda t: str(t.declined)),
        ] + [(status_label(k), _status_cell(k)) for k in STATUS_KEYS]
        self.totals_table.setRowCount(len(rows))
        self.totals_table.setVerticalHeaderLabels([name for name, _f in rows])
        self.totals_table.verticalHeader().setVisible(True)
        for r, (_name, value) in enumerate(rows):
            for c, totals in enumerate(report.totals):
                self.totals_table.setItem(r, c, _cell(value(totals), number=True))
        _fit_height(self.totals_table)
        chosen = self.currency_box.currentText()
        self.currency_box.blockSignals(True)
        self.currency_box.clear()
        self.currency_box.addItems(currencies)
        self.currency_box.setVisible(len(currencies) > 1)
        if chosen in currencies:
            self.currency_box.setCurrentText(chosen)
        self.currency_box.blockSignals(False)
        self._show_charts()
        for table, group in (
            (self.terminal_table, report.by_terminal),
            (self.operator_table, report.by_operator),
            (self.brand_table, report.by_brand),
        ):
            self._fill_group(table, group)
        self.lapsing_table.setRowCount(len(report.lapsing))
        for r, hold in enumerate(report.lapsing):
            deadline = local_time(report, hold.deadline)
            for c, text in enumerate(
                (
                    hold.reference_order_id,
                    f"{money_text(hold.amount.minor, hold.amount.currency)} {hold.amount.currency}",
                    deadline,
                    hold.terminal_id,
                )
            ):
                self.lapsing_table.setItem(r, c, _cell(text, number=c == 1))
        if not report.filtered:
            for line in report.by_terminal:  # a till that began since the list was read
                self.till_box.add_terminal(line.name)
        self._set_buttons()
        self.report_loaded.emit(report)

    def _show_charts(self) -> None:
        report = self.report
        if report is None:
            return
        currency = self.currency_box.currentText() or (
            report.totals[0].currency if report.totals else ""
        )
        self.status_chart.set_totals(report.totals_for(currency) if currency else None)
        self.hour_chart.set_data(report.hourly.get(currency, ()), currency)
        self.hour_box.setTitle(
            self.tr("Sales by hour ({0})").format(currency)
            if currency
            else self.tr("Sales by hour")
        )

    def _fill_group(self, table: QTableWidget, group: tuple[GroupLine, ...]) -> None:
        table.setRowCount(len(group))
        for r, line in enumerate(group):
            t = line.totals
            for c, text in enumerate(
                (
                    line.name,
                    t.currency,
                    str(t.payments),
                    money_text(t.authorised, t.currency),
                    money_text(t.captured, t.currency),
                    money_text(t.refunded, t.currency),
                    money_text(t.net, t.currency),
                )
            ):
                table.setItem(r, c, _cell(text, number=c >= 2))

    def _set_buttons(self) -> None:
        loaded = self.report is not None and not self._loading
        closed = self.report is not None and self.report.closed
        for b in (self.print_button, self.pdf_button, self.csv_button):
            b.setEnabled(loaded)
        filtered = self.terminal() is not None
        self.close_button.setEnabled(loaded and not closed and not filtered)
        self.close_button.setToolTip(
            self.tr("Closing the day covers every till: choose All tills to close it.")
            if filtered and not closed
            else ""
        )
        self.capture_button.setEnabled(loaded)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- the manager's jobs -------------------------------------------------------------
    def close_day(self) -> CloseDayDialog:
        # the button is off while one till is shown; a day always closes for every till
        dialog = CloseDayDialog(self._reports, self._runner, self.day(), self)
        dialog.day_closed.connect(self.show_report)
        dialog.open()
        return dialog

    def capture_all(self) -> None:
        """Find the day's holds (and an interrupted run) off the GUI thread, then ask."""
        day = self.day()
        reports, capture = self._reports, self._capture

        def find() -> tuple[list[int], object]:
            return reports.holds(day), capture.unfinished()

        self._runner.run(
            find, lane=Lane.READS, on_done=self._open_capture, owner=self, label="holds"
        )

    def _open_capture(self, found: tuple[list[int], object]) -> None:
        holds, unfinished = found
        from posapp.core.journal.day_close import CaptureBatch

        batch = unfinished if isinstance(unfinished, CaptureBatch) else None
        dialog = CaptureAllDialog(self._capture, self._runner, holds, batch, self)
        dialog.run_finished.connect(lambda _r: self.refresh())
        dialog.open()
        self.capture_dialog = dialog

    def print_report(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if self.report is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            paint_report(printer, self.report)

    def save_pdf(self, target: str | None = None) -> None:
        report = self.report
        if report is None:
            return
        name = (
            target
            or QFileDialog.getSaveFileName(
                self,
                self.tr("Save the day report as PDF"),
                f"day-report-{_file_stem(report)}.pdf",
                self.tr("PDF files (*.pdf)"),
            )[0]
        )
        if not name:
            return
        self._runner.run(
            write_pdf,
            report,
            Path(name),
            lane=Lane.WRITES,
            on_done=lambda _r: self._say(self.tr("Saved {0}").format(name)),
            on_error=lambda exc: self._say(self.tr("Could not save {0}: {1}").format(name, exc)),
            owner=self,
            label="pdf",
        )

    def save_csv(self, target: str | None = None) -> None:
        report = self.report
        if report is None:
            return
        name = (
            target
            or QFileDialog.getSaveFileName(
                self,
                self.tr("Save the day report as CSV"),
                f"day-report-{_file_stem(report)}.csv",
                self.tr("CSV files (*.csv)"),
            )[0]
        )
        if not name:
            return

        def write() -> None:
            from posapp.paths import atomic_text_file

            with atomic_text_file(Path(name)) as fh:
                fh.write(report_csv(report))

        self._runner.run(
            write,
            lane=Lane.WRITES,
            on_done=lambda _r: self._say(self.tr("Saved {0}").format(name)),
            on_error=lambda exc: self._say(self.tr("Could not save {0}: {1}").format(name, exc)),
            owner=self,
            label="csv",
        )


class DayReportDialog(QDialog):
    """The Day report screen in a window of its own (Till › Day report)."""

    def __init__(self, view_factory: Callable[[QWidget], DayReportView], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Day report"))
        self.view = view_factory(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        self.resize(1100, 720)
