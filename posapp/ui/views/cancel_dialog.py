"""Cancel a payment: release a hold (void the authorisation), behind the manager PIN."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget

from posapp.core.domain import Payment, PaymentStatus
from posapp.core.services.backoffice import OperationResult
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.orders_backend import OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.pin_dialog import ApprovedActionDialog, Progress


class CancelDialog(ApprovedActionDialog):
    """Voids an authorisation: the cardholder's held money is released, nothing is taken."""

    def __init__(
        self,
        payment: Payment,
        actions: OrdersBackend,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        self._actions = actions
        super().__init__(payment, runner, parent)
        self.setWindowTitle(self.tr("Cancel payment"))
        self.setAccessibleName(self.windowTitle())
        self.close_button.setText(self.tr("Keep the payment"))

    def _held(self) -> bool:
        return bool(self.payment.status is PaymentStatus.AUTHORISED)

    def confirm_text(self) -> str:
        return self.tr("Release the hold") if self._held() else self.tr("Cancel the payment")

    def build(self) -> None:
        p = self.payment
        heading = (
            self.tr("Release the hold of {0} on {1}?")
            if self._held()
            # a payment whose result never came (protocol: cancel closes it)
            else self.tr("Cancel the payment of {0} on {1}? Its result has not come yet.")
        )
        self.heading.setText(heading.format(pf.amount_text(p), pf.card_text_unbroken(p)))
        note = QLabel(
            self.tr(
                "Nothing is charged; the cardholder's bank frees the money. This cannot be undone."
            ),
            self,
        )
        note.setWordWrap(True)
        self.form.addRow(note)
        self.form.addRow(self.tr("Amount"), QLabel(pf.amount_text(p), self))
        self.form.addRow(self.tr("Order"), QLabel(pf.order_reference(p), self))
        self.form.addRow(self.tr("Payment ID"), QLabel(pf.payment_id(p), self))
        self.form.addRow(self.tr("Status"), QLabel(pf.status_label(p), self))

    def work(self, pin: str) -> Callable[[Progress], OperationResult]:
        actions, payment = self._actions, self.payment

        def run(progress: Progress) -> OperationResult:
            return actions.cancel(payment, pin, progress=progress)

        return run
