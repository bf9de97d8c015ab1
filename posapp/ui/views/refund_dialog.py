"""Refund a captured payment: an amount up to what is still refundable, and a reason."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from posapp.core.domain import Payment
from posapp.core.money import Money, MoneyError
from posapp.core.services.backoffice import OperationResult
from posapp.core.services.validation import card_data_problem
from posapp.ui.i18n import error_text, service_text
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.orders_backend import OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.pin_dialog import ERROR_STYLE, ApprovedActionDialog, Progress

REASON_MAX = 256  # Antom's refundReason limit


class RefundDialog(ApprovedActionDialog):
    """Gives money back: full or partial, never more than captured minus refunded."""

    def __init__(
        self,
        payment: Payment,
        actions: OrdersBackend,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        self._actions = actions
        super().__init__(payment, runner, parent)
        self.setWindowTitle(self.tr("Refund payment"))
        self.setAccessibleName(self.windowTitle())

    def confirm_text(self) -> str:
        return self.tr("Refund")

    def refundable(self) -> Money:
        return self.payment.refundable

    def build(self) -> None:
        p = self.payment
        refundable = self.refundable()
        self.heading.setText(
            self.tr("Refund to {0} (order {1})").format(
                pf.card_text_unbroken(p), pf.order_reference(p)
            )
        )
        self.form.addRow(self.tr("Paid"), QLabel(str(p.captured), self))
        self.form.addRow(self.tr("Already refunded"), QLabel(str(p.refunded), self))
        self.refundable_label = QLabel(str(refundable), self)
        self.refundable_label.setObjectName("refundable")
        self.form.addRow(self.tr("Refundable"), self.refundable_label)
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.amount = QLineEdit(refundable.format(), box)
        self.amount.setObjectName("refundAmount")
        self.amount.setAccessibleName(self.tr("Refund amount in {0}").format(refundable.currency))
        self.amount.selectAll()
        self.amount_error = QLabel(box)
        self.amount_error.setObjectName("refundAmountError")
        self.amount_error.setStyleSheet(ERROR_STYLE)
        self.amount_error.setWordWrap(True)
        self.amount_error.hide()
        column.addWidget(self.amount)
        column.addWidget(self.amount_error)
        self.form.addRow(self.tr("Amount ({0})").format(refundable.currency), box)
        self.reason = QComboBox(self)
        self.reason.setObjectName("refundReason")
        self.reason.setEditable(True)
        self.reason.addItems(
            [
                self.tr("Returned goods"),
                self.tr("Customer request"),
                self.tr("Charged twice"),
                self.tr("Wrong amount"),
            ]
        )
        self.reason.setCurrentText("")
        reason_edit = self.reason.lineEdit()
        assert reason_edit is not None, "an editable combo box has its line edit"
        reason_edit.setMaxLength(REASON_MAX)
        reason_edit.setPlaceholderText(self.tr("Why is the money given back?"))
        self.reason.setAccessibleName(self.tr("Refund reason"))
        reason_box = QWidget(self)
        reason_column = QVBoxLayout(reason_box)
        reason_column.setContentsMargins(0, 0, 0, 0)
        reason_column.setSpacing(2)
        self.reason_error = QLabel(reason_box)
        self.reason_error.setObjectName("refundReasonError")
        self.reason_error.setStyleSheet(ERROR_STYLE)
        self.reason_error.setWordWrap(True)
        self.reason_error.hide()
        reason_column.addWidget(self.reason)
        reason_column.addWidget(self.reason_error)
        self.form.addRow(self.tr("Reason"), reason_box)
        self.amount.setFocus()

    def parsed_amount(self) -> Money:
        refundable = self.refundable()
        money = Money.parse(self.amount.text(), refundable.currency)
        if money.minor <= 0:
            raise MoneyError(self.tr("Enter an amount above zero"))
        if money > refundable:
            raise MoneyError(self.tr("At most {0} can be refunded").format(refundable))
        return money

    def validate(self) -> bool:
        ok = True
        # The reason goes to Antom and into the audit log: a refund always says why.
        card_data = card_data_problem("reason", self.reason.currentText())
        if not self.reason.currentText().strip() or card_data is not None:
            self.reason_error.setText(
                service_text(card_data)
                if card_data is not None
                else self.tr("Say why the money is given back")
            )
            self.reason_error.show()
            self.reason.setFocus()
            ok = False
        else:
            self.reason_error.hide()
        try:
            self.parsed_amount()
        except MoneyError as exc:
            self.amount_error.setText(error_text(exc))
            self.amount_error.show()
            self.amount.setFocus()
            self.amount.selectAll()
            return False
        self.amount_error.hide()
        return ok

    def work(self, pin: str) -> Callable[[Progress], OperationResult]:
        actions, payment = self._actions, self.payment
        money, reason = self.parsed_amount(), self.reason.currentText().strip()

        def run(progress: Progress) -> OperationResult:
            return actions.refund(payment, money, reason, pin, progress=progress)

        return run
