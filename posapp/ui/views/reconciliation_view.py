"""Orders › Reconcile…: import Antom's reports, list what does not match, export the list.

The import runs on the writes lane (one journal writer at a time; progress by line), the
list and the exports on the reads lane: the GUI thread only shows results.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QMarginsF,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.core.antom.reports import ReportError
from posapp.core.journal.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    ImportedFile,
    ItemFilter,
)
from posapp.core.money import EXPONENTS
from posapp.core.services.reconcile import ImportResult, Reconciler
from posapp.core.spreadsheet import spreadsheet_safe
from posapp.paths import atomic_text_file
from posapp.ui.tasks import Lane, TaskRunner

_K = DiscrepancyKind
PAGE = 500
PDF_ROWS = 5000  # a printed list longer than this is the CSV's job


def kind_name(kind: DiscrepancyKind) -> str:
    names = {
        _K.ONLY_AT_ANTOM: QCoreApplication.translate(
            "ReconciliationView", "At Antom, not in posapp"
        ),
        _K.ONLY_IN_POSAPP: QCoreApplication.translate(
            "ReconciliationView", "In posapp, not at Antom"
        ),
        _K.AMOUNT: QCoreApplication.translate("ReconciliationView", "Amount differs"),
        _K.CURRENCY: QCoreApplication.translate("ReconciliationView", "Currency differs"),
        _K.STATUS: QCoreApplication.translate("ReconciliationView", "Status differs"),
        _K.DUPLICATE: QCoreApplication.translate(
            "ReconciliationView", "Several payments for one order"
        ),
    }
    return names[kind]


def _value(item: Discrepancy, text: str) -> str:
    """An amount in minor units shown in major units; a status or currency as it is."""
    if item.kind in (_K.CURRENCY, _K.STATUS) or not text.lstrip("-").isdigit():
        return text
    exp = EXPONENTS.get(item.currency, 2)
    minor = int(text)
    whole, frac = divmod(abs(minor), 10**exp)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}" + (f".{frac:0{exp}d}" if exp else "") + f" {item.currency}"


def _headers() -> list[str]:
    return [
        QCoreApplication.translate("ReconciliationView", "Difference"),
        QCoreApplication.translate("ReconciliationView", "File"),
        QCoreApplication.translate("ReconciliationView", "Line"),
        QCoreApplication.translate("ReconciliationView", "Type"),
        QCoreApplication.translate("ReconciliationView", "Request id"),
        QCoreApplication.translate("ReconciliationView", "Order"),
        QCoreApplication.translate("ReconciliationView", "posapp"),
        QCoreApplication.translate("ReconciliationView", "Antom"),
    ]


def _cells(item: Discrepancy) -> list[str]:
    return [
        kind_name(item.kind),
        item.file_name,
        "" if item.line is None else str(item.line),
        item.transaction_type,
        item.request_id or item.transaction_id,
        item.reference_order_id,
        _value(item, item.ours),
        _value(item, item.antom),
    ]


class DiscrepancyModel(QAbstractTableModel):
    """The discrepancies of one filter, a page at a time (``fetchMore`` asks for the next)."""

    more_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Discrepancy] = []
        self._total = 0
        self._headers = _headers()

    def reset(self, rows: Sequence[Discrepancy], total: int) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._total = total
        self.endResetModel()

    def append(self, rows: Sequence[Discrepancy]) -> None:
        if not rows:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    @property
    def loaded(self) -> int:
        return len(self._rows)

    def item(self, row: int) -> Discrepancy | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        shown = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)  # tip: uncut text
        if not index.isValid() or role not in shown:
            return None
        item = self.item(index.row())
        if item is None or not 0 <= index.column() < len(self._headers):
            return None
        return _cells(item)[index.column()]

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if not parent.isValid():
            self.more_wanted.emit()


class ReconciliationView(QDialog):
    """Import reports, filter the differences, export them.

    Signals: ``imported(ImportResult)`` after an import finished; ``loaded(int)`` with the
    number of differences the filter matches, each time the list was (re)loaded.
    """

    imported = Signal(object)
    loaded = Signal(int)

    def __init__(
        self, runner: TaskRunner, reconciler: Reconciler, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Reconciliation"))
        self.setMinimumSize(900, 560)
        self._runner = runner
        self._reconciler = reconciler
        self._generation = 0
        self._fetching = False
        self._files: list[ImportedFile] = []

        self.import_button = QPushButton(self.tr("Import Antom reports…"), self)
        self.import_button.clicked.connect(self.choose_files)
        self.import_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.message = QLabel(
            self.tr(
                "Import Antom's transaction and settlement details files (CSV). Importing a "
                "file again changes nothing."
            ),
            self,
        )
        self.message.setObjectName("reconcileMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.kind_filter = QComboBox(self)
        self.kind_filter.addItem(self.tr("All differences"), None)
        for kind in _K:
            self.kind_filter.addItem(kind_name(kind), kind.value)
        self.file_filter = QComboBox(self)
        self.file_filter.addItem(self.tr("All files"), None)
        self.file_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Request id, order or payment id"))
        self.search.setClearButtonEnabled(True)
        for box in (self.kind_filter, self.file_filter):
            box.currentIndexChanged.connect(lambda _i: self.reload())
        self.search.returnPressed.connect(self.reload)
        self.search.textChanged.connect(lambda text: self.reload() if not text else None)

        self.model = DiscrepancyModel(self)
        self.model.more_wanted.connect(self._fetch_more)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # file, request id and order share what the window has left (long ids, elided in
        # the middle, whole in the tooltip); the others keep readable widths
        for column, width in enumerate((170, 0, 45, 115, 0, 0, 95, 95)):
            if width:
                self.table.setColumnWidth(column, width)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.count_label = QLabel("", self)

        self.csv_button = QPushButton(self.tr("Export CSV…"), self)
        self.csv_button.clicked.connect(self.choose_csv)
        self.pdf_button = QPushButton(self.tr("Export PDF…"), self)
        self.pdf_button.clicked.connect(self.choose_pdf)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.close)

        top = QHBoxLayout()
        top.addWidget(self.import_button)
        top.addWidget(self.progress, 1)
        top.addStretch(0)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Show:"), self))
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.file_filter)
        filters.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.csv_button)
        bottom.addWidget(self.pdf_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._load_files()
        self.reload()

    # -- importing ------------------------------------------------------------------------
    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("Import Antom reports"),
            "",
            self.tr("Antom reports (*.csv);;All files (*)"),
        )
        if names:
            self.import_paths([Path(n) for n in names])

    def import_paths(self, paths: Sequence[Path]) -> None:
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setProperty("error", False)
        self.message.setText(self.tr("Checking %n file(s)…", "", len(paths)))
        reconciler = self._reconciler

        def work(progress: Callable[[tuple[int, int]], None]) -> ImportResult:
            return reconciler.import_files(list(paths), lambda done, total: progress((done, total)))

        self._runner.run(
            work,
            lane=Lane.WRITES,
            on_done=self._on_imported,
            on_error=self._on_import_failed,
            on_progress=self._on_progress,
            owner=self,
            label="reconcile",
        )

    def _on_progress(self, value: object) -> None:
        if isinstance(value, tuple) and len(value) == 2:
            done, total = value
            self.progress.setRange(0, max(int(total), 1))
            self.progress.setValue(int(done))
            self.message.setText(
                self.tr("Matching line %1 of %2…")
                .replace("%1", f"{done:,}")
                .replace("%2", f"{total:,}")
            )

    def _on_imported(self, result: ImportResult) -> None:
        self.import_button.setEnabled(True)
        self.progress.hide()
        lines = []
        for file in result.files:
            record = file.record
            count = record.discrepancies
            if file.already_imported:
                text = self.tr(
                    "%1: imported before; nothing changed (%n difference(s)).", "", count
                )
            else:
                text = self.tr("%1: %n difference(s).", "", count)
            text = text.replace("%1", file.path.name)
            detail = self.tr("%1 lines, %2 matched, %3 payments settled from the file.")
            detail = (
                detail.replace("%1", f"{record.lines:,}")
                .replace("%2", f"{record.matched:,}")
                .replace("%3", f"{record.settled:,}")
            )
            lines.append(f"{text} {detail}")
            if file.unknown_columns:
                lines.append(
                    self.tr("Columns posapp does not know were ignored: %1").replace(
                        "%1", ", ".join(file.unknown_columns)
                    )
                )
        self._set_message("\n".join(lines), error=False)
        self._load_files()
        self.reload()
        self.imported.emit(result)

    def _on_import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.progress.hide()
        if isinstance(exc, ReportError):
            lead = self.tr("Nothing was imported: this file cannot be used.")
            self._set_message(f"{lead}\n{exc}", error=True)
            return
        lead = self.tr("Nothing was imported: the journal could not be written.")
        self._set_message(f"{lead}\n{exc}", error=True)

    def _set_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        self.message.setStyleSheet("color: #b91c1c;" if error else "")

    # -- the list -------------------------------------------------------------------------
    def current_filter(self) -> ItemFilter:
        kind = self.kind_filter.currentData()
        file = self.file_filter.currentData()
        return ItemFilter(
            kinds=frozenset({_K(kind)}) if kind else frozenset(),
            file=int(file) if file is not None else None,
            text=self.search.text().strip(),
        )

    def _load_files(self) -> None:
        self._runner.run(
            self._reconciler.store.files,
            lane=Lane.READS,
            on_done=self._on_files,
            owner=self,
            label="reconciliation files",
        )

    def _on_files(self, files: list[ImportedFile]) -> None:
        self._files = files
        chosen = self.file_filter.currentData()
        self.file_filter.blockSignals(True)
        self.file_filter.clear()
        self.file_filter.addItem(self.tr("All files"), None)
        for f in files:
            self.file_filter.addItem(f.name, f.id)
        at = self.file_filter.findData(chosen) if chosen is not None else 0
        self.file_filter.setCurrentIndex(max(at, 0))
        self.file_filter.blockSignals(False)

    def reload(self) -> None:
        self._generation += 1
        generation = self._generation
        where = self.current_filter()
        store = self._reconciler.store

        def load() -> tuple[list[Discrepancy], int]:
            return store.items(where, limit=PAGE), store.count_items(where)

        self._runner.run(
            load,
            lane=Lane.READS,
            on_done=lambda result: self._on_loaded(generation, result),
            owner=self,
            label="reconciliation list",
        )

    def _on_loaded(self, generation: int, result: tuple[list[Discrepancy], int]) -> None:
        if generation != self._generation:
            return  # a newer filter is on its way
        rows, total = result
        self._fetching = False
        self.model.reset(rows, total)
        if total:
            self.count_label.setText(self.tr("%n difference(s)", "", total))
        elif self._files:
            self.count_label.setText(self.tr("Everything matches."))
        else:
            self.count_label.setText(self.tr("No report imported yet."))
        self.loaded.emit(total)

    def _fetch_more(self) -> None:
        if self._fetching:
            return
        self._fetching = True
        generation = self._generation
        where = self.current_filter()
        offset = self.model.loaded
        store = self._reconciler.store
        self._runner.run(
            lambda: store.items(where, limit=PAGE, offset=offset),
            lane=Lane.READS,
            on_done=lambda rows: self._on_more(generation, rows),
            owner=self,
            label="reconciliation list",
        )

    def _on_more(self, generation: int, rows: list[Discrepancy]) -> None:
        self._fetching = False
        if generation == self._generation:
            self.model.append(rows)

    # -- exports --------------------------------------------------------------------------
    def choose_csv(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export differences as CSV"), "reconciliation.csv", "CSV (*.csv)"
        )
        if name:
            self.export_csv(Path(name))

    def export_csv(self, path: Path) -> None:
        where = self.current_filter()
        store = self._reconciler.store

        def write() -> int:
            count = 0
            with atomic_text_file(path) as fh:
                writer = csv.writer(fh)
                writer.writerow(
                    [
                        "difference",
                        "file",
                        "line",
                        "transaction_type",
                        "request_id",
                        "transaction_id",
                        "order_reference",
                        "currency",
                        "posapp",
                        "antom",
                    ]
                )
                for item in store.iter_items(where):
                    writer.writerow(
                        [
                            item.kind.value,
                            spreadsheet_safe(item.file_name),
                            "" if item.line is None else item.line,
                            item.transaction_type,
                            spreadsheet_safe(item.request_id),
                            spreadsheet_safe(item.transaction_id),
                            spreadsheet_safe(item.reference_order_id),
                            item.currency,
                            spreadsheet_safe(item.ours),
                            spreadsheet_safe(item.antom),
                        ]
                    )
                    count += 1
            return count

        self._runner.run(
            write,
            lane=Lane.READS,
            on_done=lambda n: self._exported(path, n),
            on_error=self._export_failed,
            owner=self,
            label="reconciliation CSV",
        )

    def choose_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export differences as PDF"), "reconciliation.pdf", "PDF (*.pdf)"
        )
        if name:
            path = Path(name)
            self.export_pdf(path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf"))

    def export_pdf(self, path: Path) -> None:
        where = self.current_filter()
        store = self._reconciler.store
        self._runner.run(
            lambda: (store.items(where, limit=PDF_ROWS), store.count_items(where)),
            lane=Lane.READS,
            on_done=lambda result: self._write_pdf(path, *result),
            on_error=self._export_failed,
            owner=self,
            label="reconciliation PDF",
        )

    def _write_pdf(self, path: Path, rows: list[Discrepancy], total: int) -> None:
        # QTextDocument and QPdfWriter on the GUI thread: at most PDF_ROWS rows of text
        title = self.tr("Reconciliation with Antom")
        head = "".join(f"<th align='left'>{html.escape(h)}</th>" for h in _headers())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(item)) + "</tr>"
            for item in rows
        )
        note = ""
        if total > len(rows):
            note = html.escape(
                self.tr("The first %1 of %2 differences; the CSV export has them all.")
                .replace("%1", str(len(rows)))
                .replace("%2", str(total))
            )
        summary = html.escape(
            self.tr("%n difference(s)", "", total) if total else self.tr("Everything matches.")
        )
        doc = QTextDocument()
        doc.setHtml(
            f"<h2>{html.escape(title)}</h2><p>{summary}</p><p>{note}</p>"
            "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
            f"<tr>{head}</tr>{body}</table>"
        )
        try:
            writer = QPdfWriter(str(path))
            writer.setTitle(title)
            writer.setCreator("posapp")
            writer.setPageLayout(
                QPageLayout(
                    QPageSize(QPageSize.PageSizeId.A4),
                    QPageLayout.Orientation.Landscape,
                    QMarginsF(10, 10, 10, 10),
                    QPageLayout.Unit.Millimeter,
                )
            )
            doc.print_(writer)
            del writer  # the file is complete once the writer is gone
        except OSError as exc:
            self._export_failed(exc)
            return
        self._exported(path, len(rows))

    def _exported(self, path: Path, rows: int) -> None:
        self._set_message(
            self.tr("Saved %1 (%2 rows).").replace("%1", str(path)).replace("%2", str(rows)),
            error=False,
        )

    def _export_failed(self, exc: BaseException) -> None:
        self._set_message(
            self.tr("The export could not be saved: %1").replace("%1", str(exc)), error=True
        )
