"""Capture every hold of a day in one run: one PIN, a progress bar, time left, cancel, resume.

The run itself is ``BatchCaptureService`` on a network worker; this dialog shows its progress
and can ask it to stop starting new holds. A run that a crash or a quit interrupted is found
in the journal and offered for resuming: the captures it journaled go out again under their
own captureRequestIds, the holds it never reached need the PIN again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from posapp.core.journal.day_close import CaptureBatch
from posapp.core.services.batch_capture import (
    BatchCaptureService,
    BatchProgress,
    BatchReport,
    ItemOutcome,
)
from posapp.core.services.pin import PinError
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.views.pin_dialog import PinEntry


def time_left_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole < 60:
        return QCoreApplication.translate("CaptureAllDialog", "About {0} s left").format(whole)
    return QCoreApplication.translate("CaptureAllDialog", "About {0} min {1} s left").format(
        whole // 60, whole % 60
    )


class CaptureAllDialog(QDialog):
    """Captures a list of holds (or resumes an interrupted run) with one approval.

    Signals: ``progressed(object)`` (BatchProgress) after each hold; ``run_finished(object)``
    (BatchReport) when a run ends, cancelled or not.
    """

    progressed = Signal(object)
    run_finished = Signal(object)

    def __init__(
        self,
        service: BatchCaptureService,
        runner: TaskRunner,
        holds: Sequence[int],
        unfinished: CaptureBatch | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.holds = list(holds)
        self.unfinished = unfinished
        self._cancel = threading.Event()
        self._running = False
        self.report: BatchReport | None = None
        self.setWindowTitle(self.tr("Capture all holds"))
        self.setMinimumWidth(480)

        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        if unfinished is not None:
            sent = sum(1 for i in unfinished.items if i.capture_request_id is not None)
            self.heading.setText(
                self.tr(
                    "An earlier run was interrupted: {0} of {1} holds were journaled for "
                    "capture. Resume it: those are sent again under their own request ids "
                    "(never captured twice); the others need the PIN."
                ).format(sent, len(unfinished.items))
            )
            total = len(unfinished.items)
        else:
            self.heading.setText(
                self.tr(
                    "Capture the {0} payments of this day that are still held? "
                    "Each is captured once, in full."
                ).format(len(self.holds))
            )
            total = len(self.holds)
        self.pin = PinEntry(self)
        self.pin.submitted.connect(self._on_go)
        form = QFormLayout()
        form.addRow(self.tr("Manager PIN"), self.pin)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("%v of %m"))
        self.time_left = QLabel(self)
        self.time_left.setObjectName("timeLeft")
        self.notice = QLabel(self)
        self.notice.setObjectName("rateLimitNotice")
        self.notice.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("captureSummary")
        self.summary.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        go = self.tr("Resume") if unfinished is not None else self.tr("Capture all")
        self.go_button = self.buttons.addButton(go, QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(
            self.tr("Stop after the current ones"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.go_button.clicked.connect(self._on_go)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.time_left)
        layout.addWidget(self.notice)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self._set_controls()
        self.pin.field.setFocus()

    @property
    def running(self) -> bool:
        return self._running

    def _on_go(self) -> None:
        if self._running or self.pin.locked:
            return
        unfinished = self.unfinished
        needs_pin = unfinished is None or any(
            i.capture_request_id is None for i in unfinished.items
        )
        pin: str | None = None
        if needs_pin or self.pin.pin():
            if not self.pin.check_format():
                return
            pin = self.pin.pin()
        self.pin.field.clear()
        self._cancel = threading.Event()
        self._running = True
        self.progress.setValue(0)
        self.summary.clear()
        self._set_controls()
        if self.unfinished is not None:
            self._runner.run(
                self._service.resume,
                self.unfinished.id,
                pin,
                cancel=self._cancel,
                lane=Lane.NETWORK,
                on_done=self._on_done,
                on_error=self._on_error,
                on_progress=self._on_progress,
                owner=self,
                label=self.windowTitle(),
            )
        else:
            assert pin is not None
            self._runner.run(
                self._service.start,
                self.holds,
                pin,
                cancel=self._cancel,
                lane=Lane.NETWORK,
                on_done=self._on_done,
                on_error=self._on_error,
                on_progress=self._on_progress,
                owner=self,
                label=self.windowTitle(),
            )

    def cancel(self) -> None:
        """Start no further holds; the ones being sent finish."""
        if self._running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.time_left.setText(self.tr("Stopping: the captures under way finish first…"))

    def _on_progress(self, value: object) -> None:
        if not isinstance(value, BatchProgress):
            return
        self.progress.setMaximum(value.total)
        self.progress.setValue(value.done)
        if not self._cancel.is_set():
            self.time_left.setText(time_left_text(value.seconds_left))
        if value.rate_limited:
            self.notice.setText(
                self.tr(
                    "Antom asked to slow down {0} times: the till waits and sends again "
                    "under the same request ids."
                ).format(value.rate_limited)
            )
        self.progressed.emit(value)

    def _on_done(self, report: BatchReport) -> None:
        self._running = False
        self.report = report
        self.unfinished = None
        parts = [self.tr("{0} captured").format(report.count(ItemOutcome.CAPTURED))]
        refused = report.count(ItemOutcome.REFUSED)
        pending = report.count(ItemOutcome.PENDING)
        skipped = report.count(ItemOutcome.SKIPPED)
        if refused:
            parts.append(self.tr("{0} refused or no longer held").format(refused))
        if pending:
            parts.append(self.tr("{0} still being confirmed").format(pending))
        if skipped:
            parts.append(self.tr("{0} not started (still held)").format(skipped))
        self.summary.setText(", ".join(parts))
        self.time_left.clear()
        self.holds = []
        self._set_controls()
        self.run_finished.emit(report)

    def _on_error(self, exc: BaseException) -> None:
        self._running = False
        if isinstance(exc, PinError):
            self.pin.show_pin_error(exc)
        else:
            self.pin.show_error(str(exc))
        self._set_controls()

    def _set_controls(self) -> None:
        nothing = self.unfinished is None and not self.holds
        self.go_button.setVisible(not nothing)
        self.go_button.setEnabled(not self._running and not self.pin.locked)
        self.cancel_button.setVisible(self._running)
        self.cancel_button.setEnabled(self._running)
        self.close_button.setEnabled(not self._running)
        self.pin.field.setEnabled(not self._running and not self.pin.locked and not nothing)

    def reject(self) -> None:
        if self._running:
            return  # Stop first: the window stays until the captures under way are done
        super().reject()
