"""Orders › Reconcile…: import Antom's reports, list what does not match, export the list,
and let a manager mark a difference resolved (PIN and a note).

The import runs on the writes lane (one journal writer at a time; progress by line; the few
inquiries it makes for lines that would settle something run there too), the list and the
exports on the reads lane: the GUI thread only shows results.
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
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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
from posapp.core.services.pin import PinError
from posapp.core.services.reconcile import ImportResult, Reconciler
from posapp.core.spreadsheet import spreadsheet_safe
from posapp.paths import atomic_text_file
from posapp.ui.i18n import error_text
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.views.pin_dialog import ERROR_STYLE, PinEntry

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
        _K.UNCONFIRMED: QCoreApplication.translate(
            "ReconciliationView", "File says settled, not confirmed by Antom"
        ),
    }
    return names[kind]


def _value(item: Discrepancy, text: str) -> str:
    """An amount in minor units shown in major units; a status or currency as it is."""
    if item.kind in (_K.CURRENCY, _K.STATUS, _K.UNCONFIRMED) or not text.lstrip("-").isdigit():
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
        QCoreApplication.translate("ReconciliationView", "Resolved"),
    ]


def _resolution(item: Discrepancy) -> str:
    """Who resolved it, when (UTC) and why; "" while it is open."""
    if item.resolved_at is None:
        return ""
    when = item.resolved_at.strftime("%Y-%m-%d %H:%M")
    return f"{item.resolved_by}, {when} UTC: {item.resolution}"


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
        _resolution(item),
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
    """Import reports, filter the differences, export them, resolve one.

    Signals: ``imported(ImportResult)`` after an import finished; ``loaded(int)`` with the
    number of differences the filter matches, each time the list was (re)loaded;
    ``resolved(int)`` with the id of a difference a manager just resolved.
    """

    imported = Signal(object)
    loaded = Signal(int)
    resolved = Signal(int)

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
                "Import Antom's transaction and settlement details files (CSV). A file is not "
                "signed: a line that would settle a payment makes posapp ask Antom, and "
                "Antom's answer decides. Importing a file again only asks Antom about the "
                "lines it could not confirm before."
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
        self.state_filter = QComboBox(self)
        self.state_filter.addItem(self.tr("Open"), False)
        self.state_filter.addItem(self.tr("Resolved"), True)
        self.state_filter.addItem(self.tr("Open and resolved"), None)
        self.file_filter = QComboBox(self)
        self.file_filter.addItem(self.tr("All files"), None)
        self.file_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Request id, order or payment id"))
        self.search.setClearButtonEnabled(True)
        for box in (self.kind_filter, self.state_filter, self.file_filter):
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
        for column, width in enumerate((170, 0, 45, 115, 0, 0, 95, 95, 150)):
            if width:
                self.table.setColumnWidth(column, width)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.count_label = QLabel("", self)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection())
        self.table.doubleClicked.connect(lambda _i: self.choose_resolve())

        self.resolve_button = QPushButton(self.tr("Resolve…"), self)
        self.resolve_button.setEnabled(False)
        self.resolve_button.clicked.connect(self.choose_resolve)

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
        filters.addWidget(self.state_filter)
        filters.addWidget(self.file_filter)
        filters.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.resolve_button)
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
            detail = self.tr("%1 lines, %2 matched, %3 settled by Antom's answer.")
            detail = (
                detail.replace("%1", f"{record.lines:,}")
                .replace("%2", f"{record.matched:,}")
                .replace("%3", f"{record.settled:,}")
            )
            lines.append(f"{text} {detail}")
            if file.rechecked:
                lines.append(
                    self.tr(
                        "%n line(s) not confirmed before were checked with Antom.",
                        "",
                        file.rechecked,
                    )
                )
            if file.unconfirmed:
                lines.append(
                    self.tr(
                        "%n line(s) say a payment was settled, but Antom did not confirm it: "
                        "nothing was changed. Import the file again when the till is online.",
                        "",
                        file.unconfirmed,
                    )
                )
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
        state = self.state_filter.currentData()
        return ItemFilter(
            kinds=frozenset({_K(kind)}) if kind else frozenset(),
            file=int(file) if file is not None else None,
            text=self.search.text().strip(),
            resolved=bool(state) if state is not None else None,
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
        self._selection()
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

    # -- resolving ------------------------------------------------------------------------
    def selected_item(self) -> Discrepancy | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if len(rows) == 1 else None

    def _selection(self) -> None:
        item = self.selected_item()
        self.resolve_button.setEnabled(item is not None and not item.resolved)

    def choose_resolve(self) -> None:
        item = self.selected_item()
        if item is None or item.resolved:
            return
        dialog = ResolveDialog(self._runner, self._reconciler, item, self)
        dialog.finished_resolving.connect(self._on_resolved)
        dialog.open()

    def _on_resolved(self, item_id: int) -> None:
        self.reload()
        self.resolved.emit(item_id)

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
                        "resolved_by",
                        "resolved_at",
                        "resolution",
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
                            spreadsheet_safe(item.resolved_by),
                            "" if item.resolved_at is None else item.resolved_at.isoformat(),
                            spreadsheet_safe(item.resolution),
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


class ResolveDialog(QDialog):
    """A manager marks one difference resolved: a note saying how, and the manager PIN. The
    PIN check (slow on purpose) and the journal write run on the writes lane.

    Signals: ``finished_resolving(int)`` with the difference's id once it is resolved.
    """

    finished_resolving = Signal(int)

    def __init__(
        self,
        runner: TaskRunner,
        reconciler: Reconciler,
        item: Discrepancy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Resolve a difference"))
        self.setMinimumWidth(460)
        self._runner = runner
        self._reconciler = reconciler
        self.item = item
        where = f"{item.file_name}:{item.line}" if item.line else item.file_name
        what = QLabel(f"{kind_name(item.kind)} — {where}\n{item.request_id or item.transaction_id}")
        what.setWordWrap(True)
        what.setTextFormat(Qt.TextFormat.PlainText)
        self.note = QLineEdit(self)
        self.note.setObjectName("resolutionNote")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("How it was resolved (who checked what)"))
        self.pin = PinEntry(self)
        self.pin.submitted.connect(self._on_confirm)
        self.error = QLabel(self)
        self.error.setObjectName("resolveError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.buttons = QDialogButtonBox(self)
        self.confirm_button = self.buttons.addButton(
            self.tr("Mark resolved"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm_button.setDefault(True)
        self.confirm_button.clicked.connect(self._on_confirm)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.tr("Manager PIN"), self.pin)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _on_confirm(self) -> None:
        if not self.confirm_button.isEnabled() or self.pin.locked:
            return
        note = self.note.text().strip()
        if not note:
            self._show_error(self.tr("Say how the difference was resolved."))
            self.note.setFocus()
            return
        if not self.pin.check_format():
            return
        self.error.hide()
        pin, item_id, reconciler = self.pin.pin(), self.item.id, self._reconciler
        self.confirm_button.setEnabled(False)
        self._runner.run(
            lambda: reconciler.resolve(item_id, pin, note),
            lane=Lane.WRITES,
            on_done=lambda _none: self._on_done(),
            on_error=self._on_error,
            owner=self,
            label="resolve difference",
        )

    def _on_done(self) -> None:
        self.finished_resolving.emit(self.item.id)
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self.confirm_button.setEnabled(not self.pin.locked)
        if isinstance(exc, PinError):
            self.pin.show_pin_error(exc)
            self.confirm_button.setEnabled(not self.pin.locked)
            return
        self._show_error(error_text(exc))

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
