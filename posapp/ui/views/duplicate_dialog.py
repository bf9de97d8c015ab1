"""Undo a duplicate: an order paid more than once gives the extra payment back in one step
(the hold released, or the capture refunded in full), behind the manager PIN."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget

from posapp.core.domain import Payment, PaymentStatus
from posapp.core.services.backoffice import OperationResult
from posapp.core.services.duplicates import DuplicateOrder
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.orders_backend import OrdersBackend
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.pin_dialog import ApprovedActionDialog, Progress


def _held(payment: Payment) -> bool:
    return pf.status(payment) is PaymentStatus.AUTHORISED


class DuplicateDialog(ApprovedActionDialog):
    """Shows every successful payment of one order (time, card, amount, status, operator);
    the manager picks the one to give back (the later one unless they choose otherwise)."""

    def __init__(
        self,
        order: DuplicateOrder,
        actions: OrdersBackend,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        self._actions = actions
        self.order = order
        self.choices: list[QRadioButton] = []
        super().__init__(order.extra, runner, parent)
        self.setWindowTitle(self.tr("Undo a duplicate payment"))
        self.setAccessibleName(self.windowTitle())
        self.close_button.setText(self.tr("Keep both"))
        self._on_choice()
        # every payment's line whole, never cut (the heading and notes wrap instead)
        layout = self.layout()
        assert layout is not None, "the base dialog lays itself out"
        margins = layout.contentsMargins()
        widest = max(b.sizeHint().width() for b in self.choices)
        self.setMinimumWidth(max(self.minimumWidth(), widest + margins.left() + margins.right()))

    def confirm_text(self) -> str:
        return self.tr("Give it back")

    def build(self) -> None:
        order = self.order
        self.heading.setText(
            self.tr("Order {0} was paid {1} times").format(
                order.reference_order_id, len(order.payments)
            )
        )
        intro = QLabel(
            self.tr(
                "Antom allows one successful payment per order. Choose the payment to give "
                "back; the other stays as it is."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.group = QButtonGroup(self)
        for i, p in enumerate(order.payments):
            button = QRadioButton(self._describe(p), box)
            button.setObjectName(f"duplicateChoice{i}")
            button.setAccessibleName(self._describe(p))
            self.group.addButton(button, i)
            column.addWidget(button)
            self.choices.append(button)
        self.choices[-1].setChecked(True)  # the later payment is the extra one by default
        self.group.idToggled.connect(self._on_toggled)
        self.form.addRow(box)  # the whole width: each line names a whole payment
        self.effect = QLabel(self)
        self.effect.setObjectName("duplicateEffect")
        self.effect.setWordWrap(True)
        self.form.addRow(self.effect)

    def _describe(self, p: Payment) -> str:
        return self.tr("{0} · {1} · {2} · {3} · by {4}").format(
            pf.format_time(pf.created_at(p)),
            pf.card_text_unbroken(p),
            pf.amount_text(p),
            pf.status_label(p),
            p.operator,
        )

    def chosen(self) -> Payment:
        return self.order.payments[max(0, self.group.checkedId())]

    def _on_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._on_choice()

    def _on_choice(self) -> None:
        p = self.chosen()
        self.payment = p
        if _held(p):
            self.effect.setText(
                self.tr("The hold of {0} on {1} is released; nothing is charged.").format(
                    pf.amount_text(p), pf.card_text_unbroken(p)
                )
            )
            self.confirm_button.setText(self.tr("Release this hold"))
        else:
            self.effect.setText(
                self.tr("{0} is refunded in full to {1}.").format(
                    str(p.refundable), pf.card_text_unbroken(p)
                )
            )
            self.confirm_button.setText(self.tr("Refund this payment"))

    def _set_busy(self, busy: bool, stage: str = "") -> None:
        super()._set_busy(busy, stage)
        for button in self.choices:
            button.setEnabled(not busy and self.answer is None)

    def show_result(self, result: OperationResult) -> None:
        super().show_result(result)
        for button in self.choices:  # done once: nothing left to pick
            button.setEnabled(False)

    def work(self, pin: str) -> Callable[[Progress], OperationResult]:
        actions, payment = self._actions, self.chosen()

        def run(progress: Progress) -> OperationResult:
            return actions.undo_duplicate(payment, pin, progress=progress)

        return run
