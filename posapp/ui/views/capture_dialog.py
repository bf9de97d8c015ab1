"""Capture a held authorisation: the authorised amount, the deadline, the manager PIN."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel, QWidget

from posapp.core.domain import Payment
from posapp.core.services.backoffice import OperationResult
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.orders_backend import OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.pin_dialog import ApprovedActionDialog, Progress


class CaptureDialog(ApprovedActionDialog):
    """Takes the held money: a full capture of the authorised amount before the deadline."""

    def __init__(
        self,
        payment: Payment,
        actions: OrdersBackend,
        runner: TaskRunner,
        now: datetime | None = None,
        parent: QWidget | None = None,
    ) -> None:
        self._actions = actions
        self._now = now or datetime.now(UTC)
        super().__init__(payment, runner, parent)
        self.setWindowTitle(self.tr("Capture payment"))
        self.setAccessibleName(self.windowTitle())

    def confirm_text(self) -> str:
        return self.tr("Capture")

    def build(self) -> None:
        p = self.payment
        self.heading.setText(
            self.tr("Capture {0} from {1}?").format(pf.amount_text(p), pf.card_text_unbroken(p))
        )
        self.amount_label = QLabel(pf.amount_text(p), self)
        self.amount_label.setObjectName("authorisedAmount")
        self.form.addRow(self.tr("Authorised amount"), self.amount_label)
        self.form.addRow(self.tr("Order"), QLabel(pf.order_reference(p), self))
        self.form.addRow(self.tr("Payment ID"), QLabel(pf.payment_id(p), self))
        deadline = pf.capture_deadline(p)
        text = pf.format_time(deadline) if deadline else self.tr("unknown")
        if deadline is not None:
            left = deadline - self._now
            if left.total_seconds() <= 0:
                text = self.tr("{0} — passed: the hold has been released").format(text)
            elif left.total_seconds() < 24 * 3600:
                text = self.tr("{0} — less than a day left").format(text)
        self.deadline_label = QLabel(text, self)
        self.deadline_label.setObjectName("captureDeadline")
        self.form.addRow(self.tr("Capture before"), self.deadline_label)

    def work(self, pin: str) -> Callable[[Progress], OperationResult]:
        actions, payment = self._actions, self.payment

        def run(progress: Progress) -> OperationResult:
            return actions.capture(payment, pin, progress=progress)

        return run
