"""New payment: the cashier keys in an amount and a card and reads one clear result.

Keyboard first: Tab walks the fields in reading order, Enter sends, Esc clears. Errors appear
under the field that caused them. Everything that touches the journal or the network goes
through the TaskRunner; the card fields are emptied as soon as a payment is handed over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from itertools import pairwise

from PySide6.QtCore import QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from posapp.config import Settings
from posapp.core.cards import CardBrand, CardDetails, CardError
from posapp.core.journal.errors import JournalError
from posapp.core.money import Money, MoneyError
from posapp.core.services.changes import Change
from posapp.core.services.checkout import (
    CheckoutOutcome,
    CheckoutRequest,
    CheckoutResult,
    new_order_reference,
)
from posapp.core.services.validation import Billing, CheckoutInputError, card_data_problem
from posapp.ui.card_features import CardFeatures, CardOptions, OrderInput
from posapp.ui.changes import ChangeBridge
from posapp.ui.i18n import error_text, service_text, user_error_text
from posapp.ui.journal_health import JournalHealth, ServerState
from posapp.ui.models.card_options_text import options_text
from posapp.ui.ports import BrandOption, CashierPort, DuplicateMatch
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.widgets.amount_field import AmountField, format_money_with_currency
from posapp.ui.widgets.brand_icon import BrandIcon
from posapp.ui.widgets.card_extras import CardExtras
from posapp.ui.widgets.card_fields import CardNumberEdit, CvvEdit, ExpiryEdit
from posapp.ui.widgets.field_error import FieldError
from posapp.ui.widgets.icons import brand_icon
from posapp.ui.widgets.result_panel import PaymentResult, ResultPanel

log = logging.getLogger(__name__)

# fields that share a row with another: their errors show under that row
_ERROR_ROWS = {"region": "zip_code", "state": "city", "reference_order_id": "reference"}
FINAL = (
    CheckoutOutcome.APPROVED,
    CheckoutOutcome.DECLINED,
    CheckoutOutcome.NOT_SENT,
    CheckoutOutcome.CLOSED,
)
Confirm = Callable[[str, str], bool]


class NewPaymentView(QWidget):
    """The cashier's card-entry form and result panel.

    Signals: ``payment_finished(object)`` with each PaymentResult shown (first answer and each
    update); ``busy_changed(bool)`` while a payment is being sent.

    A payment left pending (3-D Secure, no answer yet) is followed through the till's change
    feed (``changes``): when the feed announces it, the panel reads it again.
    """

    payment_finished = Signal(object)
    busy_changed = Signal(bool)

    def __init__(
        self,
        runner: TaskRunner,
        cashier: CashierPort,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
        confirm: Confirm | None = None,
        changes: ChangeBridge | None = None,
        features: CardFeatures | None = None,
        health: JournalHealth | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newPaymentView")
        self._health = health
        self._features = features
        self._runner = runner
        self._cashier = cashier
        self._settings = settings
        self._today = today
        self._open_url = open_url
        self._confirm = confirm or self._ask
        self._in_flight = False
        self._pay_stage = ""  # the last progress stage of the pay under way
        self._accepted: list[BrandOption] | None = None
        self._watching: str = ""  # paymentRequestId the panel follows until it settles
        self._no_browser: set[str] = set()  # 3DS pages no browser could open (by request id)
        self._refreshing = False
        self._refresh_again = False  # the feed announced it again while it was being read
        if changes is not None:
            changes.changed.connect(self._on_changes)
        self._build()
        self.reset_form()
        self._load_brands()
        if health is not None:
            health.state_changed.connect(self._on_server_state)
            self._on_server_state(health.state.value)

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.errors: dict[str, FieldError] = {}

        # Order
        self.amount = AmountField(self._settings.currency, self)
        self.currency_label = QLabel(self._settings.currency, self)
        self.currency_label.setObjectName("currencyLabel")
        self.reference = QLineEdit(self)
        self.reference.setMaxLength(64)
        self.description = QLineEdit(self)
        self.description.setMaxLength(256)
        self.description.setPlaceholderText(self.tr("What is being paid for"))

        order_box = QGroupBox(self.tr("Order"), self)
        order_form = QGridLayout(order_box)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.currency_label)
        self._add_row(order_form, 0, self.tr("&Amount"), amount_row, self.amount, "amount")
        self._add_row(
            order_form, 2, self.tr("Order &reference"), self.reference, self.reference, "reference"
        )
        self._add_row(
            order_form,
            4,
            self.tr("&Description"),
            self.description,
            self.description,
            "description",
        )

        # Card
        self.card_number = CardNumberEdit(self)
        self.brand = BrandIcon(self)
        self.expiry = ExpiryEdit(self)
        self.cvv = CvvEdit(self)
        self.first_name = QLineEdit(self)
        self.first_name.setMaxLength(32)
        self.last_name = QLineEdit(self)
        self.last_name.setMaxLength(32)
        self.card_number.brand_changed.connect(self._on_card_brand_changed)

        card_box = QGroupBox(self.tr("Card"), self)
        card_form = QGridLayout(card_box)
        number_row = QHBoxLayout()
        number_row.addWidget(self.card_number, 1)
        number_row.addWidget(self.brand)
        self._add_row(
            card_form, 0, self.tr("Card &number"), number_row, self.card_number, "card_number"
        )
        dates = QHBoxLayout()
        dates.addWidget(self.expiry)
        cvv_label = QLabel(self.tr("C&VV"), self)
        cvv_label.setBuddy(self.cvv)
        dates.addSpacing(12)
        dates.addWidget(cvv_label)
        dates.addWidget(self.cvv)
        dates.addStretch(1)
        self.expiry.setMaximumWidth(90)
        self.cvv.setMaximumWidth(80)
        self._add_row(card_form, 2, self.tr("E&xpiry"), dates, self.expiry, "expiry")
        cvv_error = FieldError(self)
        self.errors["cvv"] = cvv_error
        self.cvv.setProperty("field", "cvv")
        # expiry and CVV share a row: their errors stack under it (one, the other or both;
        # in one grid cell they were drawn over each other)
        date_errors = QVBoxLayout()
        date_errors.setContentsMargins(0, 0, 0, 0)
        date_errors.setSpacing(0)
        card_form.removeWidget(self.errors["expiry"])
        date_errors.addWidget(self.errors["expiry"])
        date_errors.addWidget(cvv_error)
        card_form.addLayout(date_errors, 3, 1)
        names = QHBoxLayout()
        names.addWidget(self.first_name, 1)
        names.addWidget(self.last_name, 1)
        self.first_name.setPlaceholderText(self.tr("First name"))
        self.last_name.setPlaceholderText(self.tr("Last name"))
        self._add_row(card_form, 4, self.tr("Card&holder"), names, self.first_name, "first_name")
        last_error = FieldError(self)
        self.errors["last_name"] = last_error
        self.last_name.setProperty("field", "last_name")
        card_form.addWidget(last_error, 6, 1)

        # Saved cards, instalments, brand choice, external 3-D Secure (with the services)
        self.extras: CardExtras | None = None
        if self._features is not None:
            self.extras = CardExtras(
                self._runner,
                self._features,
                self,
                external_3ds=self._settings.external_3ds,
                today=self._today,
            )
            self.extras.saved_selected.connect(self._on_saved_selected)
            self.extras.plan_selected.connect(self._on_plan_selected)
            self.card_number.textEdited.connect(lambda _t: self._extras_context())
            self.amount.editingFinished.connect(self._extras_context)

        # Billing address (optional, sent for AVS)
        self.billing_check = QCheckBox(
            self.tr("Add a &billing address (for the address check)"), self
        )
        self.billing_box = QGroupBox(self.tr("Billing address"), self)
        self.address1 = QLineEdit(self)
        self.city = QLineEdit(self)
        self.state = QLineEdit(self)
        self.state.setMaxLength(8)
        self.zip_code = QLineEdit(self)
        self.zip_code.setMaxLength(10)
        self.region = QLineEdit(self)
        self.region.setMaxLength(2)
        self.region.setPlaceholderText(self.tr("SG"))
        self.state.setProperty("field", "state")
        self.region.setProperty("field", "region")
        billing_form = QGridLayout(self.billing_box)
        self._add_row(billing_form, 0, self.tr("Street"), self.address1, self.address1, "address1")
        place = QHBoxLayout()
        place.addWidget(self.city, 2)
        place.addWidget(self.state, 1)
        self.city.setPlaceholderText(self.tr("City"))
        self.state.setPlaceholderText(self.tr("State"))
        self._add_row(billing_form, 2, self.tr("City / state"), place, self.city, "city")
        post = QHBoxLayout()
        post.addWidget(self.zip_code, 2)
        post.addWidget(self.region, 1)
        self.zip_code.setPlaceholderText(self.tr("Postcode"))
        self._add_row(
            billing_form, 4, self.tr("Postcode / country"), post, self.zip_code, "zip_code"
        )
        self.billing_check.toggled.connect(self._on_billing_toggled)
        self._on_billing_toggled(False)

        # Options
        self.capture_mode = QComboBox(self)
        self.capture_mode.addItem(self.tr("Authorise and capture"), False)
        self.capture_mode.addItem(self.tr("Authorise only (hold, capture later)"), True)
        self.capture_mode.setAccessibleName(self.tr("Capture mode"))
        self.three_ds = QCheckBox(self.tr("Ask for &3-D Secure"), self)
        options = QFormLayout()
        options.addRow(self.tr("Capture &mode"), self.capture_mode)
        options.addRow("", self.three_ds)
        mode_label = options.labelForField(self.capture_mode)
        if isinstance(mode_label, QLabel):
            mode_label.setBuddy(self.capture_mode)

        # Actions
        self.submit_button = QPushButton(self.tr("Charge card"), self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setToolTip(self.tr("Send the payment (Enter)"))
        self.submit_button.clicked.connect(self.submit)
        self.clear_button = QPushButton(self.tr("Clear"), self)
        self.clear_button.setToolTip(self.tr("Clear the form (Esc)"))
        self.clear_button.clicked.connect(self.reset_form)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.setAccessibleName(self.tr("Sending the payment"))
        self.progress.hide()
        self.form_error = FieldError(self)
        self.errors["form"] = self.form_error
        actions = QHBoxLayout()
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        actions.addWidget(self.submit_button)

        form = QWidget(self)
        form_layout = QVBoxLayout(form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addWidget(order_box)
        form_layout.addWidget(card_box)
        if self.extras is not None:
            form_layout.addWidget(self.extras)
        form_layout.addWidget(self.billing_check)
        form_layout.addWidget(self.billing_box)
        form_layout.addLayout(options)
        form_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        left = QVBoxLayout()
        left.addWidget(scroll, 1)
        left.addWidget(self.form_error)
        left.addWidget(self.progress)
        left.addLayout(actions)

        # Right: result and accepted brands
        self.result_panel = ResultPanel(self)
        self.result_panel.link_opened.connect(self._open_link)
        self.brands_label = QLabel(self.tr("Accepted cards"), self)
        self.brands_label.setObjectName("detailCaption")
        self.brands_row = QHBoxLayout()
        self.brands_row.setSpacing(4)
        self.brands_note = QLabel(self.tr("Loading…"), self)
        self.brands_row.addWidget(self.brands_note)
        self.brands_row.addStretch(1)
        # the card options the shown payment carried (instalments, saved card, brand...)
        self.options_note = QLabel(self)
        self.options_note.setObjectName("cardOptionsNote")
        self.options_note.setWordWrap(True)
        self.options_note.hide()
        self._options_note_for = ""
        right = QVBoxLayout()
        right.addWidget(self.result_panel, 1)
        right.addWidget(self.options_note)
        right.addWidget(self.brands_label)
        right.addLayout(self.brands_row)

        # The store server's state (a shared journal): sales pause while it is away
        self.server_banner = QLabel(self)
        self.server_banner.setObjectName("serverBanner")
        self.server_banner.setWordWrap(True)
        self.server_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.server_banner.setVisible(False)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.server_banner)
        outer = QHBoxLayout()
        page.addLayout(outer, 1)
        left_widget = QWidget(self)
        left_widget.setLayout(left)
        left_widget.setMinimumWidth(440)
        right_widget = QWidget(self)
        right_widget.setLayout(right)
        right_widget.setMinimumWidth(300)
        right_widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        outer.addWidget(left_widget, 3)
        outer.addWidget(right_widget, 2)

        for widget, name in (
            (self.amount, self.tr("Amount")),
            (self.reference, self.tr("Order reference")),
            (self.description, self.tr("Description")),
            (self.card_number, self.tr("Card number")),
            (self.expiry, self.tr("Expiry date, month and year")),
            (self.cvv, self.tr("Security code")),
            (self.first_name, self.tr("Cardholder first name")),
            (self.last_name, self.tr("Cardholder last name")),
            (self.address1, self.tr("Billing street")),
            (self.city, self.tr("Billing city")),
            (self.state, self.tr("Billing state")),
            (self.zip_code, self.tr("Billing postcode")),
            (self.region, self.tr("Billing country code")),
            (self.three_ds, self.tr("Ask for 3-D Secure")),
            (self.billing_check, self.tr("Add a billing address")),
            (self.submit_button, self.tr("Charge card")),
            (self.clear_button, self.tr("Clear the form")),
        ):
            widget.setAccessibleName(name)

        # Reading order; the brand icon and labels take no focus.
        chain = [
            self.amount,
            self.reference,
            self.description,
            self.card_number,
            self.expiry,
            self.cvv,
            self.first_name,
            self.last_name,
            self.billing_check,
            self.address1,
            self.city,
            self.state,
            self.zip_code,
            self.region,
            self.capture_mode,
            self.three_ds,
            self.submit_button,
            self.clear_button,
        ]
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

        # Typing into a text field clears its message, and the last sale's final result:
        # the panel must not show it beside the next sale being keyed.
        for edit in chain:
            if isinstance(edit, QLineEdit):
                edit.textEdited.connect(lambda _t, e=edit: self._clear_error_for(e))
                edit.textEdited.connect(lambda _t: self._on_keying())

    def _add_row(
        self,
        grid: QGridLayout,
        row: int,
        caption: str,
        item: QWidget | QHBoxLayout,
        buddy: QWidget,
        field: str,
    ) -> None:
        label = QLabel(caption, self)
        label.setBuddy(buddy)
        grid.addWidget(label, row, 0)
        if isinstance(item, QWidget):
            grid.addWidget(item, row, 1)
        else:
            grid.addLayout(item, row, 1)
        error = FieldError(self)
        grid.addWidget(error, row + 1, 1)
        grid.setColumnStretch(1, 1)
        self.errors[field] = error
        buddy.setProperty("field", field)

    # -- state ----------------------------------------------------------------------------
    @property
    def in_flight(self) -> bool:
        return self._in_flight

    def reset_form(self) -> None:
        """Esc: a fresh order with a new reference; the card fields are emptied."""
        self.amount.clear()
        self.reference.setText(new_order_reference(self._settings.terminal_id, datetime.now()))
        self.description.clear()
        self.clear_card()
        for edit in (self.address1, self.city, self.state, self.zip_code, self.region):
            edit.clear()
        self.billing_check.setChecked(False)
        self._default_options()
        if self.extras is not None:
            self.extras.reset()
        self.clear_errors()
        self.amount.setFocus()

    def _default_options(self) -> None:
        """Each sale starts from the till's defaults: authorise and capture, no 3-D Secure."""
        self.capture_mode.setCurrentIndex(self.capture_mode.findData(False))
        self.three_ds.setChecked(False)

    def _on_keying(self) -> None:
        result = self.result_panel.result
        if not self._in_flight and result is not None and result.outcome in FINAL:
            self.result_panel.show_empty()

    def clear_card(self) -> None:
        for edit in (self.card_number, self.expiry, self.cvv, self.first_name, self.last_name):
            edit.clear()

    def clear_errors(self) -> None:
        for error in self.errors.values():
            error.clear_error()

    def show_field_error(self, field: str, message: str) -> None:
        if self.extras is not None and self.extras.show_error(field, message):
            return
        field = _ERROR_ROWS.get(field, field)
        target = self.errors.get(field) or self.form_error
        target.show_error(message)

    def _clear_error_for(self, edit: QWidget) -> None:
        field = edit.property("field")
        if isinstance(field, str):
            field = _ERROR_ROWS.get(field, field)
            if field in self.errors:
                self.errors[field].clear_error()

    def set_settings(self, settings: Settings) -> None:
        self._settings = settings
        if self.extras is not None:
            self.extras.set_external_3ds(settings.external_3ds)
        if settings.currency != self.amount.currency:
            self.amount.set_currency(settings.currency)
            self.currency_label.setText(settings.currency)

    # -- keyboard ---------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if not self._in_flight:
                self.reset_form()
            event.accept()
            return
        super().keyPressEvent(event)

    def _order_fields(
        self, problems: list[tuple[str, QWidget, str]]
    ) -> tuple[Money | None, str, str]:
        """Amount, order reference and description as typed; each problem is added to
        ``problems`` (field, widget, message). Shared by a keyed card and a saved card."""
        amount: Money | None = None
        try:
            amount = self.amount.money()
        except MoneyError as exc:
            problems.append(("amount", self.amount, error_text(exc)))

        reference = self.reference.text().strip()
        if not reference:
            problems.append(("reference", self.reference, self.tr("Enter an order reference")))
        elif not reference.isascii() or not reference.isprintable():
            problems.append(
                (
                    "reference",
                    self.reference,
                    self.tr("Use letters, digits and dashes only in the order reference"),
                )
            )
        # Sent to Antom and printed by card networks: never translated (a Chinese default
        # drew the non-Latin warning on every sale of a zh_CN till).
        description = (
            self.description.text().strip() or f"Purchase at {self._settings.merchant_name}"
        )
        return amount, reference, description

    # -- validation -------------------------------------------------------------------------
    def collect(self) -> CheckoutRequest | None:
        """The order as typed, or None after showing each problem next to its field."""
        self.clear_errors()
        problems: list[tuple[str, QWidget, str]] = []
        amount, reference, description = self._order_fields(problems)

        pan, brand = "", None
        try:
            pan, brand = self.card_number.validated()
        except CardError as exc:
            problems.append(("card_number", self.card_number, error_text(exc)))
        if pan and self._accepted and brand is not None:
            accepted = {b.brand for b in self._accepted}
            if brand.value not in accepted:
                problems.append(
                    (
                        "card_number",
                        self.card_number,
                        self.tr("%1 cards are not accepted here").replace("%1", brand.label),
                    )
                )
        month = year = 0
        try:
            month, year = self.expiry.validated(self._today())
        except CardError as exc:
            problems.append(("expiry", self.expiry, error_text(exc)))
        cvv = ""
        try:
            cvv = self.cvv.validated()
        except CardError as exc:
            problems.append(("cvv", self.cvv, error_text(exc)))
        first, last = self.first_name.text().strip(), self.last_name.text().strip()

        billing = None
        if self.billing_check.isChecked():
            billing = Billing(
                address1=self.address1.text().strip(),
                city=self.city.text().strip(),
                state=self.state.text().strip(),
                zip_code=self.zip_code.text().strip(),
                region=self.region.text().strip().upper(),
            )
            if not billing.zip_code:
                problems.append(
                    ("zip_code", self.zip_code, self.tr("Enter the postcode for the address check"))
                )
            if billing.region and (len(billing.region) != 2 or not billing.region.isalpha()):
                problems.append(
                    ("zip_code", self.region, self.tr("The country is a two-letter code, e.g. SG"))
                )
            if billing.is_empty():
                billing = None

        # Free text is journaled and sent in clear: a card number or swiped track data typed
        # (or scanned) into it is refused next to its field, as the services refuse it.
        free_text = [
            ("reference", self.reference),
            ("description", self.description),
            ("first_name", self.first_name),
            ("last_name", self.last_name),
        ]
        if self.billing_check.isChecked():
            free_text += [
                ("address1", self.address1),
                ("city", self.city),
                ("state", self.state),
                ("zip_code", self.zip_code),
            ]
        for field, edit in free_text:
            card_data = card_data_problem(field, edit.text())
            if card_data is not None:
                problems.append((field, edit, service_text(card_data)))

        if problems:
            seen: set[str] = set()
            for field, _widget, message in problems:
                if field not in seen:
                    self.show_field_error(field, message)
                    seen.add(field)
            problems[0][1].setFocus()
            return None
        assert amount is not None
        card = CardDetails(
            pan=pan,
            expiry_month=month,
            expiry_year=year,
            cvv=cvv,
            first_name=first,
            last_name=last,
            brand=brand,
        )
        return CheckoutRequest(
            amount=amount,
            reference_order_id=reference,
            description=description,
            card=card,
            hold=bool(self.capture_mode.currentData()),
            three_ds=self.three_ds.isChecked(),
            billing=billing,
        )

    # -- sending ----------------------------------------------------------------------------
    @property
    def sales_paused(self) -> bool:
        """The store server does not answer: no payment may start (its intent could not be
        journaled, and a payment is never sent without it)."""
        return self._health is not None and self._health.away

    def _on_server_state(self, state: str) -> None:
        banner = self.server_banner
        if state == ServerState.AWAY:
            text = self.tr(
                "Store server unreachable — sales are paused. Nothing already sent is lost: "
                "those payments are settled as soon as the server answers again."
            )
            banner.setProperty("state", "away")
        elif state == ServerState.BACK:
            text = self.tr("The store server answers again — sales can go on.")
            banner.setProperty("state", "back")
        else:
            text = ""
        banner.setText(text)
        banner.setAccessibleName(text)
        banner.setVisible(bool(text))
        banner.style().unpolish(banner)
        banner.style().polish(banner)
        self._update_submit()

    def _update_submit(self) -> None:
        paused = self.sales_paused
        self.submit_button.setEnabled(not self._in_flight and not paused)
        self.submit_button.setToolTip(
            self.tr("Sales are paused: the store server does not answer")
            if paused
            else self.tr("Send the payment (Enter)")
        )

    def submit(self) -> None:
        if self._in_flight or self.sales_paused:
            return  # one payment at a time, none while the server is away; the button says so
        if self.extras is not None and self._features is not None:
            options = self.extras.collect()
            if options is None:
                self.clear_errors_outside_extras()
                return
            if options.any:
                self._submit_with_options(options)
                return
        order = self.collect()
        if order is None or order.card is None:
            return
        card = order.card
        # From here on the card lives only in `order` (memory) until the service is done.
        self.clear_card()
        self._set_in_flight(True)
        self.result_panel.show_sending(format_money_with_currency(order.amount))
        self._runner.run(
            self._cashier.find_duplicate,
            card.masked(),
            order.amount,
            order.reference_order_id,
            lane=Lane.READS,  # a PIN change or a slow write must not hold up a sale
            on_done=lambda dup: self._on_duplicate_checked(order, dup),
            on_error=lambda exc: self._on_duplicate_checked(order, None),
            owner=self,
            label="duplicate check",
        )

    # -- card options (saved cards, instalments, brand, MPI) ---------------------------------
    def clear_errors_outside_extras(self) -> None:
        for error in self.errors.values():
            error.clear_error()

    def _extras_context(self) -> None:
        if self.extras is None:
            return
        try:
            amount: Money | None = self.amount.money()
        except MoneyError:
            amount = None
        self.extras.set_context(amount, self.card_number.text())

    def _on_plan_selected(self, chosen: bool) -> None:
        """Instalments are offered with automatic capture only (protocol reference §18.1)."""
        if chosen:
            self.capture_mode.setCurrentIndex(self.capture_mode.findData(False))
        self.capture_mode.setEnabled(not chosen)

    def _on_saved_selected(self, using: bool) -> None:
        for edit in (self.card_number, self.expiry, self.cvv, self.first_name, self.last_name):
            edit.setEnabled(not using)
            if using:
                edit.clear()
        for field in ("card_number", "expiry", "cvv", "first_name", "last_name"):
            self.errors[field].clear_error()

    def _collect_order(self, options: CardOptions) -> OrderInput | None:
        """The order for a payment with card options: the keyed card as ``collect`` reads
        it, or (a saved card) only the order fields."""
        if options.saved_card is None:
            order = self.collect()
            if order is None:
                return None
            return OrderInput(
                amount=order.amount,
                reference=order.reference_order_id,
                description=order.description,
                card=order.card,
                hold=order.hold,
                three_ds=order.three_ds,
                billing=order.billing,
            )
        self.clear_errors_outside_extras()
        problems: list[tuple[str, QWidget, str]] = []
        amount, reference, description = self._order_fields(problems)
        for field, edit in (("reference", self.reference), ("description", self.description)):
            card_data = card_data_problem(field, edit.text())
            if card_data is not None:
                problems.append((field, edit, service_text(card_data)))
        if problems:
            for field, _widget, message in problems:
                self.show_field_error(field, message)
            problems[0][1].setFocus()
            return None
        assert amount is not None
        return OrderInput(
            amount=amount,
            reference=reference,
            description=description,
            card=None,
            hold=bool(self.capture_mode.currentData()),
            three_ds=self.three_ds.isChecked(),
        )

    def _submit_with_options(self, options: CardOptions) -> None:
        assert self.extras is not None
        order = self._collect_order(options)
        if order is None:
            return
        masked = order.card.masked() if order.card is not None else self.extras.saved_masked()
        self.clear_card()
        self._set_in_flight(True)
        self.result_panel.show_sending(format_money_with_currency(order.amount))
        self._runner.run(
            self._cashier.find_duplicate,
            masked,
            order.amount,
            order.reference,
            lane=Lane.READS,
            on_done=lambda dup: self._pay_with_options(order, options, dup),
            on_error=lambda exc: self._pay_with_options(order, options, None),
            owner=self,
            label="duplicate check",
        )

    def _pay_with_options(
        self, order: OrderInput, options: CardOptions, duplicate: DuplicateMatch | None
    ) -> None:
        assert self._features is not None
        if duplicate and not self._confirm(
            self.tr("Possible duplicate payment"), service_text(duplicate.message)
        ):
            self._set_in_flight(False)
            self.result_panel.show_empty()
            self.form_error.show_error(self.tr("Not sent: the possible duplicate was not charged."))
            return
        self._pay_stage = ""
        self._runner.run(
            self._features.pay,
            order,
            options,
            on_progress=self._on_pay_progress,
            on_done=lambda answer: self._on_paid_with_options(answer, options),
            on_error=lambda exc: self._on_options_pay_failed(order, exc),
            owner=self,
            label="pay",
        )

    def _on_paid_with_options(self, answer: CheckoutResult, options: CardOptions) -> None:
        meta: dict[str, object] = {}
        method: dict[str, object] = {"paymentMethodMetaData": meta}
        if options.saved_card is not None:
            method["paymentMethodId"] = "[saved]"
        if options.save_card:
            meta["tokenize"] = True
        if options.selected_brand:
            meta["selectedCardBrand"] = options.selected_brand
        if options.mpi is not None:
            meta["mpiData"] = "[removed]"
        sent: dict[str, object] = {"paymentMethod": method}
        if options.installments:
            sent["creditPayPlan"] = {"installmentNum": options.installments}
        self._options_note_for = answer.payment.payment_request_id
        self.options_note.setText(options_text(sent))
        self._on_paid(answer)
        if self.extras is not None and (options.save_card or options.saved_card is not None):
            self.extras.load_saved_cards()  # a new card, or a card's state, to show

    def _on_options_pay_failed(self, order: OrderInput, exc: BaseException) -> None:
        if isinstance(exc, CheckoutInputError):
            self._set_in_flight(False)
            self.result_panel.show_empty()
            self.show_field_error(exc.field, error_text(exc))
            return
        if order.card is not None:
            keyed = CheckoutRequest(
                amount=order.amount,
                reference_order_id=order.reference,
                description=order.description,
                card=order.card,
                hold=order.hold,
                three_ds=order.three_ds,
                billing=order.billing,
            )
            self._on_pay_failed(keyed, exc)
            return
        self._set_in_flight(False)
        if self._health is not None:
            self._health.report(exc)
        log.error("pay with a saved card did not return a result", exc_info=exc)
        message = user_error_text(exc) or self.tr("The payment service did not answer.")
        self.result_panel.show_empty()
        self.form_error.show_error(
            self.tr("%1 Check the Orders list before charging again.").replace("%1", str(message))
        )

    def _on_duplicate_checked(
        self, order: CheckoutRequest, duplicate: DuplicateMatch | None
    ) -> None:
        if duplicate:
            # said by what matched; the service's sentence ends with the question
            # ("... Charge it again?")
            earlier = service_text(duplicate.message)
            if duplicate.same_order:
                question = (
                    self.tr(
                        "Order %1 already has a payment that holds money or is being checked "
                        "(one successful payment per order):\n%2"
                    )
                    .replace("%2", earlier)
                    .replace("%1", order.reference_order_id)
                )
            else:
                question = self.tr(
                    "The same card was charged the same amount less than 10 minutes ago:\n%1"
                ).replace("%1", earlier)
            if not self._confirm(self.tr("Possible duplicate payment"), question):
                self._set_in_flight(False)
                self.result_panel.show_empty()
                self.form_error.show_error(
                    self.tr("Not sent: the possible duplicate was not charged.")
                )
                self.card_number.setFocus()
                return
        self._pay_stage = ""
        self._runner.run(
            self._cashier.pay,
            order,
            on_progress=self._on_pay_progress,
            on_done=self._on_paid,
            on_error=lambda exc: self._on_pay_failed(order, exc),
            owner=self,
            label="pay",
        )

    def _on_pay_progress(self, stage: object) -> None:
        self._pay_stage = str(stage)  # in order with the result: same worker, same queue
        words = {
            "checking": self.tr("Checking the details…"),
            "journaling": self.tr("Recording the payment in the journal…"),
            "sending": self.tr("Waiting for Antom…"),
            "recording": self.tr("Recording the answer…"),
        }
        text = words.get(str(stage))
        if text and self._in_flight:
            self.result_panel.set_stage(text)

    def _on_paid(self, answer: CheckoutResult) -> None:
        self._set_in_flight(False)
        result = PaymentResult.of(answer)
        if result.outcome is CheckoutOutcome.NEEDS_3DS and result.redirect_url:
            # before the panel is drawn: it says whether the page opened
            self._open_3ds_page(result.payment_request_id, result.redirect_url)
        self._show(result)
        if result.warnings:
            self.form_error.show_error(" ".join(service_text(w) for w in result.warnings))
        if result.outcome is CheckoutOutcome.APPROVED:
            self._sale_done(result)
            self.amount.setFocus()
        else:
            self.card_number.setFocus()

    def _sale_done(self, result: PaymentResult) -> None:
        """The sale is final (approved at once, or later after 3-D Secure or settling): a fresh
        order for the next customer. What the cashier has already keyed for the next sale
        stays: only a form still holding this sale's order is reset."""
        if self.reference.text().strip() != result.reference:
            return
        self.reference.setText(new_order_reference(self._settings.terminal_id, datetime.now()))
        try:
            untouched = not self.amount.text().strip() or self.amount.money() == result.amount
        except MoneyError:
            untouched = False
        if untouched:
            self.amount.clear()
            self.description.clear()
        if bool(self.capture_mode.currentData()) == result.held:
            self._default_options()

    def _on_pay_failed(self, order: CheckoutRequest, exc: BaseException) -> None:
        self._set_in_flight(False)
        if self._health is not None:
            self._health.report(exc)  # the server went away under this payment
        if isinstance(exc, (CheckoutInputError, CardError)):
            self.result_panel.show_empty()
            self.show_field_error(exc.field, error_text(exc))
            return
        if isinstance(exc, MoneyError):
            self.result_panel.show_empty()
            self.show_field_error("amount", error_text(exc))
            return
        if isinstance(exc, JournalError) and self._pay_stage not in ("sending", "recording"):
            # the journal refused the payment before the request went out: nothing to settle
            self.result_panel.show_empty()
            reason = (
                self.tr("The store server does not answer.")
                if self.sales_paused
                else user_error_text(exc)
            )
            self.form_error.show_error(
                self.tr("%1 Nothing was sent to Antom: the card was not charged.").replace(
                    "%1", reason
                )
            )
            self.card_number.setFocus()
            return
        # Not a decline: we do not know whether Antom received it. Never say "failed".
        log.error("pay did not return a result", exc_info=exc)
        # the client's and the journal's errors carry a sentence for people (UserText)
        message = user_error_text(exc) or self.tr("The payment service did not answer.")
        self._show(
            PaymentResult(
                outcome=CheckoutOutcome.PENDING,
                payment_request_id="",
                amount=order.amount,
                reference=order.reference_order_id,
                card=order.card.masked() if order.card is not None else None,
                held=order.hold,
                result_message=str(message),
            )
        )
        self.form_error.show_error(
            self.tr("%1 Check the Orders list before charging again.").replace("%1", str(message))
        )

    def _show(self, result: PaymentResult) -> None:
        noted = bool(result.payment_request_id) and result.payment_request_id == (
            self._options_note_for
        )
        self.options_note.setVisible(noted and bool(self.options_note.text()))
        opened = result.payment_request_id not in self._no_browser
        self.result_panel.show_result(result, browser_opened=opened)
        self.payment_finished.emit(result)
        if result.outcome in FINAL or not result.payment_request_id:
            self._watching = ""
        elif self._watching != result.payment_request_id:
            self._watching = result.payment_request_id
            # it may have settled before the view heard of it: read it once now, then
            # again each time the feed announces it
            self._refresh_watched()

    def _set_in_flight(self, busy: bool) -> None:
        self._in_flight = busy
        self._update_submit()
        self.clear_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.busy_changed.emit(busy)

    def _open_3ds_page(self, payment_request_id: str, url: str) -> bool:
        """Open the 3-D Secure page in the system browser; False (remembered, so the panel
        says so and offers the link to copy) when no browser could open it."""
        opened = bool(self._open_url(QUrl(url)))
        if opened:
            self._no_browser.discard(payment_request_id)
        else:
            log.warning("no browser could open the 3-D Secure page for %s", payment_request_id)
            self._no_browser.add(payment_request_id)
        return opened

    def _open_link(self, url: str) -> None:
        """The panel's link, followed again by the cashier."""
        result = self.result_panel.result
        if result is None or result.redirect_url != url:
            self._open_url(QUrl(url))
            return
        was_open = result.payment_request_id not in self._no_browser
        if self._open_3ds_page(result.payment_request_id, url) != was_open:
            self._show(result)

    # -- following a pending payment until the poller settles it ---------------------------
    @Slot(object)
    def _on_changes(self, batch: tuple[Change, ...]) -> None:
        watching = self._watching
        if watching and any(
            c.payment is not None and c.payment.payment_request_id == watching for c in batch
        ):
            self._refresh_watched()

    def _refresh_watched(self) -> None:
        if not self._watching:
            return
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self._runner.run(
            self._cashier.refresh,
            self._watching,
            lane=Lane.READS,
            on_done=self._on_refreshed,
            on_error=self._on_refresh_failed,
            owner=self,
            label="refresh payment",
        )

    def _on_refreshed(self, answer: CheckoutResult) -> None:
        self._refreshing = False
        result = PaymentResult.of(answer)
        if result.payment_request_id == self._watching:  # else: the cashier moved on
            current = self.result_panel.result
            if current is None or current != result:
                self._show(result)
                if result.outcome is CheckoutOutcome.APPROVED and (
                    current is None or current.outcome is not CheckoutOutcome.APPROVED
                ):
                    self._sale_done(result)  # approved later (3-D Secure, by the poller)
            elif result.outcome in FINAL:
                self._watching = ""
        self._read_again()

    def _on_refresh_failed(self, exc: BaseException) -> None:
        self._refreshing = False
        log.warning("refreshing payment %s failed: %s", self._watching, exc)
        self._read_again()

    def _read_again(self) -> None:
        if self._refresh_again:
            self._refresh_again = False
            self._refresh_watched()

    # -- accepted brands from consult -------------------------------------------------------
    def _load_brands(self) -> None:
        self._runner.run(
            self._cashier.accepted_brands,
            on_done=self._on_brands,
            on_error=self._on_brands_failed,
            owner=self,
            label="consult",
        )

    def _on_brands(self, brands: Sequence[BrandOption]) -> None:
        self._accepted = list(brands)
        if self.extras is not None:
            self.extras.set_accepted([b.brand for b in brands])
        self._clear_brand_row()
        if not brands:
            self.brands_note.setText(self.tr("No card brands enabled"))
            self.brands_note.show()
            return
        self.brands_note.hide()
        for option in brands:
            label = QLabel(self)
            label.setPixmap(
                brand_icon(option.brand).pixmap(QSize(33, 22), self.devicePixelRatioF())
            )
            label.setToolTip(option.name)
            label.setAccessibleName(option.name)
            label.setProperty("brandBadge", option.brand)
            self.brands_row.insertWidget(self.brands_row.count() - 1, label)

    def _on_brands_failed(self, exc: BaseException) -> None:
        log.warning("consult failed: %s", exc)
        self._accepted = None  # unknown: do not refuse brands locally
        self.brands_note.setText(self.tr("Accepted cards could not be loaded; all brands tried."))
        self.brands_note.show()

    def _clear_brand_row(self) -> None:
        for i in reversed(range(self.brands_row.count())):
            item = self.brands_row.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None and widget.property("brandBadge"):
                self.brands_row.removeWidget(widget)
                widget.deleteLater()

    def accepted_brand_codes(self) -> list[str]:
        return [b.brand for b in self._accepted or []]

    # -- misc -------------------------------------------------------------------------------
    def _on_card_brand_changed(self, brand: CardBrand | None) -> None:
        self.brand.set_brand(brand)
        self.cvv.set_brand(brand)
        self._extras_context()

    def _on_billing_toggled(self, on: bool) -> None:
        self.billing_box.setVisible(on)
        for field in ("address1", "city", "zip_code"):
            self.errors[field].clear_error()

    def _ask(self, title: str, question: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, question, parent=self)
        yes = box.addButton(self.tr("Charge again"), QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("Do not charge"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.exec()
        return box.clickedButton() is yes
