"""Batch capture or cancel: several selected payments, one PIN, a result per row.

The batch runs on a worker, one payment after the other, and reports each row's result as it
comes. A row Antom refused (or that could not be sent) can be retried on its own: "Retry failed"
runs only those rows again. Rows whose outcome is still unknown are never retried from here:
they are being settled by inquiry and would otherwise risk a second request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.core.domain import Payment
from posapp.core.services.backoffice import OperationResult
from posapp.core.services.pin import PinError
from posapp.ui.i18n import service_text
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.orders_backend import OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.pin_dialog import Outcome, PinEntry, outcome_of


class BatchAction(StrEnum):
    CAPTURE = "capture"
    CANCEL = "cancel"


class RowState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"
    PENDING = "pending"
    ERROR = "error"  # could not be sent / unexpected failure: may be retried


# Translucent tints under the palette's own text colour: readable on light and dark themes.
_COLOURS = {
    RowState.DONE: QColor(21, 128, 61, 90),
    RowState.REFUSED: QColor(220, 38, 38, 100),
    RowState.ERROR: QColor(220, 38, 38, 100),
    RowState.PENDING: QColor(245, 158, 11, 110),
}
RESULT_COLUMN = 3


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row's answer, reported from the worker as it comes."""

    row: int
    result: OperationResult | Exception


class _PinRefused(Exception):
    """The PIN was refused on the first row: the batch stops before touching any payment."""

    def __init__(self, error: PinError) -> None:
        super().__init__(error.message)
        self.error = error


class BatchDialog(QDialog):
    """Captures or cancels several payments with one approval.

    Signals: ``row_finished(int, object)`` (row, OperationResult) as each payment gets its
    answer; ``batch_finished()`` when a run (first or retry) is over.
    """

    row_finished = Signal(int, object)
    batch_finished = Signal()

    def __init__(
        self,
        action: BatchAction,
        payments: Sequence[Payment],
        actions: OrdersBackend,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.action = action
        self.payments = list(payments)
        self._actions = actions
        self._runner = runner
        self.states = [RowState.WAITING] * len(self.payments)
        self.results: list[OperationResult | None] = [None] * len(self.payments)
        self._running = False
        n = len(self.payments)
        if action is BatchAction.CAPTURE:
            self.setWindowTitle(
                self.tr("Capture 1 payment")
                if n == 1
                else self.tr("Capture {0} payments").format(n)
            )
            heading = (
                self.tr("Capture the held amount of this payment?")
                if n == 1
                else self.tr("Capture the held amount of these {0} payments?").format(n)
            )
            go = self.tr("Capture all")
        else:
            self.setWindowTitle(
                self.tr("Cancel 1 payment") if n == 1 else self.tr("Cancel {0} payments").format(n)
            )
            heading = self.tr("Release the hold of these {0} payments? Nothing is charged.").format(
                n
            )
            go = self.tr("Cancel all")
        self.setMinimumSize(560, 380)

        self.heading = QLabel(heading, self)
        self.heading.setWordWrap(True)
        self.table = QTableWidget(n, 4, self)
        self.table.setObjectName("batchTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Order"), self.tr("Amount"), self.tr("Card"), self.tr("Result")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(RESULT_COLUMN, QHeaderView.ResizeMode.Stretch)
        for row, p in enumerate(self.payments):
            for col, text in enumerate(
                (pf.order_reference(p), pf.amount_text(p), pf.card_text(p), self.tr("Waiting"))
            ):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)

        self.pin = PinEntry(self)
        self.pin.submitted.connect(self._on_go)
        form = QFormLayout()
        form.addRow(self.tr("Manager PIN"), self.pin)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("%v of %m"))
        self.summary = QLabel(self)
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.go_button = self.buttons.addButton(go, QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setDefault(True)
        self.retry_button = QPushButton(self.tr("Retry failed"), self)
        self.retry_button.setObjectName("retryFailed")
        self.retry_button.hide()
        self.buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.go_button.clicked.connect(self._on_go)
        self.retry_button.clicked.connect(self._on_retry)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self._set_controls()
        self.pin.field.setFocus()

    # -- state --------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    def failed_rows(self) -> list[int]:
        return [i for i, s in enumerate(self.states) if s in (RowState.REFUSED, RowState.ERROR)]

    def result_text(self, row: int) -> str:
        return self._result_item(row).text()

    # -- running ------------------------------------------------------------------------
    def _on_go(self) -> None:
        rows = [i for i, s in enumerate(self.states) if s is RowState.WAITING]
        if self.failed_rows() and not rows:
            rows = self.failed_rows()
        self._start(rows)

    def _on_retry(self) -> None:
        self._start(self.failed_rows())

    def _start(self, rows: list[int]) -> None:
        if self._running or not rows or self.pin.locked or not self.pin.check_format():
            return
        pin = self.pin.pin()
        self.pin.field.clear()  # one run per PIN entry: a retry asks for it again
        self._running = True
        self._set_controls()
        for row in rows:
            self._set_row(row, RowState.RUNNING, self.tr("Working…"))
        self.progress.setRange(0, len(rows))
        self.progress.setValue(0)
        self._runner.run(
            self._work(rows, pin),
            on_done=self._on_batch_done,
            on_error=self._on_batch_error,
            on_progress=self._on_row_result,
            owner=self,
            label=self.windowTitle(),
        )

    def _work(self, rows: list[int], pin: str) -> Callable[[Callable[[object], None]], int]:
        actions = self._actions
        action = actions.capture if self.action is BatchAction.CAPTURE else actions.cancel
        payments = [self.payments[r] for r in rows]

        def run(progress: Callable[[object], None]) -> int:
            # One PIN check for the whole batch: an approval good for one use per row.
            try:
                approval = actions.approve(pin, uses=len(payments))
            except PinError as exc:
                raise _PinRefused(exc) from exc
            for row, payment in zip(rows, payments, strict=True):
                try:
                    result: OperationResult | Exception = action(payment, approval)
                except Exception as exc:  # noqa: BLE001 - shown on its row, the batch goes on
                    result = exc
                progress(RowResult(row, result))
            return len(rows)

        return run

    def _on_row_result(self, value: object) -> None:
        assert isinstance(value, RowResult)
        row, result = value.row, value.result
        if isinstance(result, OperationResult):
            state = {
                Outcome.DONE: RowState.DONE,
                Outcome.REFUSED: RowState.REFUSED,
                Outcome.PENDING: RowState.PENDING,
            }[outcome_of(result)]
            self.results[row] = result
            self._set_row(row, state, service_text(result.message))
        else:
            message = getattr(result, "user_message", None) or getattr(result, "message", None)
            text = service_text(message) if isinstance(message, str) and message else str(result)
            self._set_row(row, RowState.ERROR, text)
        self.progress.setValue(self.progress.value() + 1)
        self.row_finished.emit(row, self.results[row])

    def _on_batch_done(self, _count: int) -> None:
        self._finish()

    def _on_batch_error(self, exc: BaseException) -> None:
        # Only a refused PIN stops the batch before the first payment: every row is untouched.
        for row, state in enumerate(self.states):
            if state is RowState.RUNNING:
                self._set_row(row, RowState.WAITING, self.tr("Waiting"))
        if isinstance(exc, _PinRefused):
            self.pin.show_pin_error(exc.error)
        else:
            self.pin.show_error(str(exc))
        self._finish()

    def _finish(self) -> None:
        self._running = False
        done = self.states.count(RowState.DONE)
        failed = len(self.failed_rows())
        pending = self.states.count(RowState.PENDING)
        parts = [self.tr("{0} done").format(done)]
        if failed:
            parts.append(self.tr("{0} failed").format(failed))
        if pending:
            parts.append(self.tr("{0} still being checked").format(pending))
        self.summary.setText(", ".join(parts))
        self._set_controls()
        self.batch_finished.emit()

    def _set_controls(self) -> None:
        waiting = RowState.WAITING in self.states
        failed = len(self.failed_rows())
        self.go_button.setVisible(waiting)
        self.go_button.setEnabled(not self._running and not self.pin.locked)
        self.retry_button.setVisible(failed > 0 and not waiting)
        self.retry_button.setText(self.tr("Retry failed ({0})").format(failed))
        self.retry_button.setEnabled(not self._running and not self.pin.locked)
        self.close_button.setEnabled(not self._running)
        self.pin.field.setEnabled(not self._running and not self.pin.locked)
        if not self._running and failed and not waiting:
            self.pin.field.setFocus()

    def _set_row(self, row: int, state: RowState, text: str) -> None:
        self.states[row] = state
        item = self._result_item(row)
        item.setText(text)
        item.setToolTip(text)
        item.setData(Qt.ItemDataRole.UserRole, state.value)
        colour = _COLOURS.get(state)
        item.setBackground(QBrush(colour) if colour is not None else QBrush())
        font = item.font()
        font.setBold(colour is not None)
        item.setFont(font)

    def _result_item(self, row: int) -> QTableWidgetItem:
        item = self.table.item(row, RESULT_COLUMN)
        assert item is not None, "every row has its result cell from the start"
        return item
