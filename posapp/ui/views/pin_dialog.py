"""The manager PIN entry, and the base of every dialog that needs a manager's approval.

Checking a PIN is slow on purpose (scrypt), so the check itself always runs on a worker; these
widgets only collect the digits and show what the check said: a wrong PIN (with the attempts
left) or the lockout after five wrong ones.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from posapp.core.domain import Payment
from posapp.core.services.backoffice import OperationResult
from posapp.core.services.pin import (
    PIN_MAX,
    TRAINING_PIN_MIN,
    PinError,
    PinLocked,
    PinNotSet,
    WrongPin,
)
from posapp.ui.i18n import error_text, service_text
from posapp.ui.tasks import TaskRunner

Progress = Callable[[str], None]

ERROR_STYLE = "color: palette(text); background: rgba(220, 38, 38, 0.18); padding: 4px;"


class PinEntry(QWidget):
    """A masked PIN field with an error line under it.

    Signals: ``submitted()`` when Enter is pressed in the field.
    """

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = QLineEdit(self)
        self.field.setObjectName("managerPin")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMaxLength(PIN_MAX)
        self.field.setValidator(
            QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{PIN_MAX}}}"), self.field)
        )
        # Entry takes the shortest PIN any till may hold (training's); the length rule for a
        # new PIN is the Settings tab's and the service's.
        self.field.setPlaceholderText(
            self.tr("{0} to {1} digits").format(TRAINING_PIN_MIN, PIN_MAX)
        )
        self.field.setAccessibleName(self.tr("Manager PIN"))
        self.field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.field.returnPressed.connect(self.submitted)
        self.error = QLabel(self)
        self.error.setObjectName("pinError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.field)
        layout.addWidget(self.error)
        self.locked = False

    def pin(self) -> str:
        return self.field.text()

    def check_format(self) -> bool:
        """A PIN of the right length was typed; otherwise say so next to the field."""
        if not TRAINING_PIN_MIN <= len(self.pin()) <= PIN_MAX:
            self.show_error(
                self.tr("Enter the manager PIN ({0} to {1} digits)").format(
                    TRAINING_PIN_MIN, PIN_MAX
                )
            )
            self.field.setFocus()
            return False
        self.clear_error()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setAccessibleDescription(message)
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    def show_pin_error(self, exc: PinError) -> None:
        """Wrong PIN: clear the field and try again. Locked (the message says for how long),
        or no usable PIN record: nothing to type until it lifts."""
        self.field.clear()
        self.show_error(pin_message(exc))
        if isinstance(exc, PinLocked | PinNotSet) or (
            isinstance(exc, WrongPin) and exc.attempts_left == 0
        ):
            self.locked = True
            self.field.setEnabled(False)
        else:
            self.field.setFocus()


def pin_message(exc: PinError) -> str:
    """The user-facing text of a PIN refusal, through the translator."""
    return error_text(exc)


class Outcome(StrEnum):
    """How a back-office answer is shown (the result label's colour and style property)."""

    DONE = "done"  # Antom confirmed
    REFUSED = "refused"  # Antom said no (final); the payment is unchanged
    PENDING = "pending"  # no clear answer yet: being settled, never shown as failed


def outcome_of(result: OperationResult) -> Outcome:
    """The service's ``ok`` (True done, False refused, None still checking) as shown."""
    if result.ok is None:
        return Outcome.PENDING
    return Outcome.DONE if result.ok else Outcome.REFUSED


RESULT_STYLES = {
    Outcome.DONE: "background: #15803d; color: #ffffff; padding: 8px; border-radius: 6px;",
    Outcome.REFUSED: "background: #b91c1c; color: #ffffff; padding: 8px; border-radius: 6px;",
    Outcome.PENDING: "background: #b45309; color: #ffffff; padding: 8px; border-radius: 6px;",
}


class ApprovedActionDialog(QDialog):
    """Base of the Capture, Cancel and Refund dialogs: facts, inputs, the manager PIN, then
    the action on a worker with a busy bar and a clear result.

    Subclasses fill ``form`` in ``build()``, check their inputs in ``validate()`` and return the
    worker function in ``work(pin)``; it receives ``progress`` and returns the service's
    OperationResult.

    Signals: ``action_finished(object)`` with the OperationResult once the action has an answer.
    """

    action_finished = Signal(object)

    def __init__(self, payment: Payment, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payment = payment
        self._runner = runner
        self.answer: OperationResult | None = None
        self.setMinimumWidth(440)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.pin = PinEntry(self)
        self.pin.submitted.connect(self._on_confirm)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        self.stage = QLabel(self)
        self.stage.hide()
        self.result_label = QLabel(self)
        self.result_label.setObjectName("actionResult")
        self.result_label.setWordWrap(True)
        self.result_label.hide()
        self.buttons = QDialogButtonBox(self)
        self.confirm_button = self.buttons.addButton(
            self.confirm_text(), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm_button.setDefault(True)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button.clicked.connect(self._on_confirm)
        self.close_button.clicked.connect(self.reject)
        self.build()
        self.form.addRow(self.tr("Manager PIN"), self.pin)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    # -- for subclasses -----------------------------------------------------------------
    def confirm_text(self) -> str:
        return self.tr("Confirm")

    def build(self) -> None:
        raise NotImplementedError

    def validate(self) -> bool:
        return True

    def work(self, pin: str) -> Callable[[Progress], OperationResult]:
        raise NotImplementedError

    # -- flow ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.progress.isVisible()

    def _on_confirm(self) -> None:
        if self.busy or self.answer is not None or self.pin.locked:
            return
        if not self.validate() or not self.pin.check_format():
            self._fit()
            return
        fn = self.work(self.pin.pin())
        self._set_busy(True, self.tr("Checking the PIN…"))
        self._runner.run(
            fn,
            on_done=self._on_done,
            on_error=self._on_error,
            on_progress=self._on_progress,
            owner=self,
            label=self.windowTitle(),
        )

    def _set_busy(self, busy: bool, stage: str = "") -> None:
        self.progress.setVisible(busy)
        self.stage.setText(stage)
        self.stage.setVisible(busy and bool(stage))
        self.confirm_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)
        self.pin.field.setEnabled(not busy and not self.pin.locked)
        for i in range(self.form.rowCount()):
            item = self.form.itemAt(i, QFormLayout.ItemRole.FieldRole)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.pin and hasattr(widget, "setReadOnly"):
                widget.setReadOnly(busy)

    def _on_progress(self, value: object) -> None:
        stages = {
            "journaling": self.tr("Writing it to the journal…"),
            "sending": self.tr("Sending to Antom…"),
            "done": self.tr("Reading the answer…"),
        }
        self.stage.setText(stages.get(str(value), str(value)))
        self.stage.setVisible(True)

    def _on_done(self, result: OperationResult) -> None:
        self._set_busy(False)
        self.show_result(result)

    def show_result(self, result: OperationResult) -> None:
        self.answer = result
        outcome = outcome_of(result)
        message = service_text(result.message)
        self.result_label.setText(message)
        self.result_label.setAccessibleName(message)
        self.result_label.setStyleSheet(RESULT_STYLES[outcome])
        self.result_label.setProperty("outcome", outcome.value)
        self.result_label.show()
        self.confirm_button.hide()
        self.close_button.setText(self.tr("Close"))
        self.close_button.setEnabled(True)
        self.close_button.setFocus()
        self.pin.field.setEnabled(False)
        self._fit()
        self.action_finished.emit(result)

    def _on_error(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, PinError):
            self.pin.show_pin_error(exc)
            if self.pin.locked:
                self.confirm_button.setEnabled(False)
            self._fit()
            return
        # Anything else: a message for people, never a traceback.
        message = getattr(exc, "user_message", None) or getattr(exc, "message", None)
        if message:
            self.show_error(service_text(message) if isinstance(message, str) else str(message))
        else:
            self.show_error(self.tr("This did not work: {0}").format(exc))

    def _fit(self) -> None:
        """Grow to show a message that just appeared (never shrink under the user)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))

    def show_error(self, message: str) -> None:
        self.result_label.setText(message)
        self.result_label.setStyleSheet(RESULT_STYLES[Outcome.REFUSED])
        self.result_label.setProperty("outcome", "error")
        self.result_label.show()
        self._fit()
