"""Customers: the cards customers agreed to keep. Search, details, remove (unbinding the
token at Antom where it can) and a manager's charge without the customer (``MitDialog``).

Every read and write goes through the TaskRunner; the view never holds a token (the list
carries brand, last 4, expiry and the consent only)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from functools import partial

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.core.antom.messages import RecurringType
from posapp.core.cards import CardBrand
from posapp.core.journal.saved_cards import SavedCard, SavedCardStatus
from posapp.core.money import Money, MoneyError
from posapp.core.services.checkout import CheckoutOutcome, CheckoutResult
from posapp.core.services.pin import PinError
from posapp.core.services.saved_cards import RemoveResult
from posapp.core.services.validation import CheckoutInputError
from posapp.ui.card_features import CardFeatures
from posapp.ui.i18n import error_text, service_text, user_error_text
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.views.pin_dialog import PinEntry, pin_message
from posapp.ui.widgets.amount_field import AmountField
from posapp.ui.widgets.field_error import FieldError

log = logging.getLogger(__name__)


def local_date(when: datetime) -> str:
    d = when.astimezone().date()
    return QLocale().toString(QDate(d.year, d.month, d.day), QLocale.FormatType.ShortFormat)


def local_time(when: datetime) -> str:
    stamp = QDateTime.fromMSecsSinceEpoch(int(when.timestamp() * 1000))
    return QLocale().toString(stamp, QLocale.FormatType.ShortFormat)


def brand_label(brand: str) -> str:
    return CardBrand(brand).label if brand in CardBrand.__members__ else brand


class SavedCardsView(QWidget):
    """The Customers tab."""

    def __init__(
        self,
        runner: TaskRunner,
        features: CardFeatures,
        currency: str,
        parent: QWidget | None = None,
        *,
        operator: str = "manager",
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("savedCardsView")
        self._today = today
        self._runner = runner
        self._features = features
        self._currency = currency
        self._operator = operator
        self._cards: list[SavedCard] = []
        self._loading = False

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by name, last 4 digits or order"))
        self.search.setAccessibleName(self.tr("Search saved cards"))
        self.search.setClearButtonEnabled(True)
        self.show_removed = QComboBox(self)
        self.show_removed.addItem(self.tr("Saved cards"), False)
        self.show_removed.addItem(self.tr("Saved and removed cards"), True)
        self.show_removed.setAccessibleName(self.tr("Which cards to list"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.show_removed.currentIndexChanged.connect(lambda _i: self.refresh())

        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("savedCardsTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Cardholder"),
                self.tr("Card"),
                self.tr("Expiry"),
                self.tr("Status"),
                self.tr("Saved on"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName(self.tr("Saved cards"))
        self.table.itemSelectionChanged.connect(self._on_selected)
        self.empty_note = QLabel(self)
        self.empty_note.setObjectName("detailCaption")
        self.empty_note.setWordWrap(True)

        # details
        self.details_title = QLabel(self.tr("Details"), self)
        self.details_title.setObjectName("detailCaption")
        self.detail_holder = QLabel(self)
        self.detail_card = QLabel(self)
        self.detail_expiry = QLabel(self)
        self.detail_status = QLabel(self)
        self.detail_consent = QLabel(self)
        self.detail_consent.setWordWrap(True)
        self.detail_network = QLabel(self)
        self.detail_network.setWordWrap(True)
        self.detail_charges = QLabel(self)
        details = QFormLayout()
        details.addRow(self.tr("Cardholder"), self.detail_holder)
        details.addRow(self.tr("Card"), self.detail_card)
        details.addRow(self.tr("Expiry"), self.detail_expiry)
        details.addRow(self.tr("Status"), self.detail_status)
        details.addRow(self.tr("Consent"), self.detail_consent)
        details.addRow(self.tr("Charges without the customer"), self.detail_network)
        details.addRow(self.tr("Payments with this card"), self.detail_charges)
        self.charge_button = QPushButton(self.tr("Charge without the customer…"), self)
        self.charge_button.setObjectName("chargeSavedCard")
        self.charge_button.clicked.connect(self.open_charge)
        self.remove_button = QPushButton(self.tr("Remove card…"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = FieldError(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.charge_button)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.show_removed)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.table, 1)
        left.addWidget(self.empty_note)
        right = QVBoxLayout()
        right.addWidget(self.details_title)
        right.addLayout(details)
        right.addStretch(1)
        right.addWidget(self.message)
        right.addLayout(buttons)
        right_widget = QWidget(self)
        right_widget.setLayout(right)
        right_widget.setMinimumWidth(320)
        outer = QHBoxLayout(self)
        outer.addLayout(left, 3)
        outer.addWidget(right_widget, 2)
        self._show_details(None)
        QTimer.singleShot(0, self.refresh)

    # -- loading --------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._loading:
            self._debounce.start()
            return
        self._loading = True
        self._runner.run(
            self._features.search,
            self.search.text(),
            bool(self.show_removed.currentData()),
            True,
            lane=Lane.NETWORK,  # a pending consent may be completed by an inquiry
            on_done=self._on_loaded,
            on_error=self._on_load_failed,
            owner=self,
            label="saved cards",
        )

    def _on_loaded(self, cards: list[SavedCard]) -> None:
        self._loading = False
        selected = self.selected()
        self._cards = list(cards)
        self.table.setRowCount(len(self._cards))
        for row, card in enumerate(self._cards):
            cells = [
                card.holder_name or self.tr("(no name)"),
                f"{brand_label(card.brand)} •••• {card.last4}",
                card.expiry,
                self.status_text(card),
                local_date(card.consent_at),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, card.id)
                self.table.setItem(row, col, item)
        if self._cards:
            self.empty_note.hide()
            keep = next(
                (i for i, c in enumerate(self._cards) if selected and c.id == selected.id), 0
            )
            self.table.selectRow(keep)
        else:
            self.empty_note.setText(
                self.tr(
                    "No saved cards. Tick “Save this card for later charges” in New payment "
                    "when a customer agrees."
                )
            )
            self.empty_note.show()
            self._show_details(None)

    def _on_load_failed(self, exc: BaseException) -> None:
        self._loading = False
        log.warning("saved cards could not be loaded: %s", exc)
        self.message.show_error(
            user_error_text(exc) or self.tr("The saved cards could not be loaded.")
        )

    def status_text(self, card: SavedCard) -> str:
        if card.status is SavedCardStatus.ACTIVE and card.expired(self._today()):
            return self.tr("Expired")
        return {
            SavedCardStatus.PENDING: self.tr("Waiting for the first payment"),
            SavedCardStatus.ACTIVE: self.tr("Saved"),
            SavedCardStatus.FAILED: self.tr("Not saved"),
            SavedCardStatus.REMOVED: self.tr("Removed"),
        }[card.status]

    # -- selection and details ------------------------------------------------------------
    def selected(self) -> SavedCard | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self._cards[row] if 0 <= row < len(self._cards) else None

    def _on_selected(self) -> None:
        self.message.clear_error()
        self._show_details(self.selected())

    def _show_details(self, card: SavedCard | None) -> None:
        labels = (
            self.detail_holder,
            self.detail_card,
            self.detail_expiry,
            self.detail_status,
            self.detail_consent,
            self.detail_network,
            self.detail_charges,
        )
        if card is None:
            for label in labels:
                label.setText("—")
            self.charge_button.setEnabled(False)
            self.remove_button.setEnabled(False)
            return
        self.detail_holder.setText(card.holder_name or self.tr("(no name)"))
        self.detail_card.setText(f"{brand_label(card.brand)} •••• {card.last4}")
        self.detail_expiry.setText(card.expiry)
        self.detail_status.setText(self.status_text(card))
        self.detail_consent.setText(
            self.tr("%1 by %2, order %3")
            .replace(
                "%1",
                local_time(card.consent_at),
            )
            .replace("%2", card.consent_operator)
            .replace("%3", card.consent_order)
        )
        self.detail_network.setText(
            self.tr("possible (first payment's network id kept)")
            if card.network_transaction_id
            else self.tr("not possible: no network id from the first payment")
        )
        self.detail_charges.setText("…")
        usable = card.usable and not card.expired(self._today())
        self.charge_button.setEnabled(usable and bool(card.network_transaction_id))
        self.remove_button.setEnabled(card.status is not SavedCardStatus.REMOVED)
        self._runner.run(
            self._features.charges,
            card.id,
            lane=Lane.READS,
            on_done=partial(self._on_charges, card.id),
            on_error=lambda _e: None,
            owner=self,
            label="saved card charges",
        )

    def _on_charges(self, card_id: int, count: int) -> None:
        current = self.selected()
        if current is not None and current.id == card_id:
            self.detail_charges.setText(str(count))

    # -- actions --------------------------------------------------------------------------
    def remove_selected(self) -> None:
        card = self.selected()
        if card is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Remove saved card"),
            self.tr(
                "Remove %1 •••• %2 of %3? It can no longer be charged; the customer must "
                "give the card again."
            )
            .replace("%1", brand_label(card.brand))
            .replace("%2", card.last4)
            .replace("%3", card.holder_name or self.tr("(no name)")),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.remove_card(card.id)

    def remove_card(self, card_id: int) -> None:
        self.remove_button.setEnabled(False)
        self._runner.run(
            self._features.remove,
            card_id,
            self._operator,
            on_done=self._on_removed,
            on_error=self._on_remove_failed,
            owner=self,
            label="remove saved card",
        )

    def _on_removed(self, result: RemoveResult) -> None:
        self.message.show_error(service_text(result.message))
        self.refresh()

    def _on_remove_failed(self, exc: BaseException) -> None:
        self.message.show_error(error_text(exc))
        self.refresh()

    def open_charge(self) -> MitDialog | None:
        card = self.selected()
        if card is None:
            return None
        dialog = MitDialog(card, self._features, self._runner, self._currency, self)
        dialog.charged.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog


class MitDialog(QDialog):
    """A merchant-initiated charge of a saved card: amount, kind, reason, manager PIN.

    Local checks (amount, reason, PIN format) show next to their field; the service's
    refusals (expired card, removed card, approval) in the dialog; nothing is charged then."""

    charged = Signal(object)

    def __init__(
        self,
        card: SavedCard,
        features: CardFeatures,
        runner: TaskRunner,
        currency: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mitDialog")
        self.setWindowTitle(self.tr("Charge without the customer"))
        self._card = card
        self._features = features
        self._runner = runner
        self._busy = False
        self.answer: CheckoutResult | None = None

        intro = QLabel(
            self.tr("%1 •••• %2 of %3, saved with the customer's consent on %4.")
            .replace("%1", brand_label(card.brand))
            .replace("%2", card.last4)
            .replace("%3", card.holder_name or self.tr("(no name)"))
            .replace(
                "%4",
                local_date(card.consent_at),
            ),
            self,
        )
        intro.setWordWrap(True)
        self.amount = AmountField(currency, self)
        self.amount.setAccessibleName(self.tr("Amount"))
        self.kind = QComboBox(self)
        self.kind.addItem(
            self.tr("Unscheduled (no-show, incidentals, a balance)"), RecurringType.UNSCHEDULED
        )
        self.kind.addItem(self.tr("Scheduled (an agreed plan)"), RecurringType.SCHEDULED)
        self.kind.setAccessibleName(self.tr("Kind of charge"))
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("e.g. No-show, room 12, 3 June"))
        self.reason.setAccessibleName(self.tr("Reason"))
        self.capture = QComboBox(self)
        self.capture.addItem(self.tr("Charge now (capture)"), False)
        self.capture.addItem(self.tr("Hold only (capture later)"), True)
        self.capture.setAccessibleName(self.tr("Capture mode"))
        self.pin = PinEntry(self)
        self.amount_error = FieldError(self)
        self.reason_error = FieldError(self)
        self.error = FieldError(self)
        self.outcome = QLabel(self)
        self.outcome.setObjectName("mitOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.hide()

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(QLabel(currency, self))
        form = QFormLayout()
        form.addRow(self.tr("&Amount"), amount_row)
        form.addRow("", self.amount_error)
        form.addRow(self.tr("&Kind"), self.kind)
        form.addRow(self.tr("&Reason"), self.reason)
        form.addRow("", self.reason_error)
        form.addRow(self.tr("Ca&pture"), self.capture)
        form.addRow(self.tr("Manager &PIN"), self.pin)
        for field, buddy in (
            (amount_row, self.amount),
            (self.kind, self.kind),
            (self.reason, self.reason),
            (self.capture, self.capture),
            (self.pin, self.pin.field),
        ):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(buddy)
        self.buttons = QDialogButtonBox(self)
        self.charge_button = self.buttons.addButton(
            self.tr("Charge card"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.charge_button.setObjectName("mitCharge")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.charge_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.reject)
        self.pin.submitted.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def submit(self) -> None:
        if self._busy:
            return
        for e in (self.amount_error, self.reason_error, self.error):
            e.clear_error()
        self.pin.clear_error()
        ok = True
        try:
            amount = self.amount.money()
            if amount.minor <= 0:
                raise MoneyError(self.tr("Enter an amount above zero"))
        except MoneyError as exc:
            self.amount_error.show_error(error_text(exc))
            ok = False
        if not self.reason.text().strip():
            self.reason_error.show_error(self.tr("Enter why the customer is charged"))
            ok = False
        if not self.pin.check_format():
            ok = False
        if not ok:
            return
        self._busy = True
        self.charge_button.setEnabled(False)
        self._runner.run(
            self._work,
            amount,
            self.reason.text().strip(),
            self.kind.currentData(),
            self.pin.pin(),
            bool(self.capture.currentData()),
            on_done=self._on_done,
            on_error=self._on_error,
            owner=self,
            label="charge saved card",
        )

    def _work(
        self, amount: Money, reason: str, kind: RecurringType, pin: str, hold: bool
    ) -> CheckoutResult:
        # the card's problems first: no PIN attempt is spent on a charge that cannot go
        self._features.check_charge(self._card.id, amount)
        approval = self._features.approve(pin, "manager")
        return self._features.charge(self._card.id, amount, reason, kind, approval, hold)

    def _on_done(self, result: CheckoutResult) -> None:
        self._busy = False
        self.answer = result
        text = service_text(result.message)
        self.outcome.setText(
            self.tr("%1 (order %2)")
            .replace("%1", text)
            .replace("%2", result.payment.reference_order_id)
        )
        self.outcome.show()
        approved = result.outcome is CheckoutOutcome.APPROVED
        self.outcome.setProperty("approved", approved)
        self.charge_button.setEnabled(
            not approved and result.outcome is not CheckoutOutcome.PENDING
        )
        self.close_button.setText(self.tr("Close"))
        self.charged.emit(result)

    def _on_error(self, exc: BaseException) -> None:
        self._busy = False
        self.charge_button.setEnabled(True)
        if isinstance(exc, PinError):
            self.pin.show_error(pin_message(exc))
            return
        if isinstance(exc, CheckoutInputError):
            if exc.field == "reason":
                self.reason_error.show_error(error_text(exc))
            elif exc.field == "amount":
                self.amount_error.show_error(error_text(exc))
            else:
                self.error.show_error(error_text(exc))
            return
        log.error("charging a saved card failed", exc_info=exc)
        self.error.show_error(
            user_error_text(exc)
            or self.tr("No answer: check the Orders list before charging again.")
        )
