"""ResultPanel: the outcome of the last payment, impossible to misread.

Approved / Declined (reason in plain words and the code) / Pending (being settled, updates by
itself) / Needs 3DS (link to the authentication page). Also the masked card, the amount, the
paymentId and the AVS / CVV results.

Signals: ``link_opened(str)`` when the cashier follows the 3DS link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutOutcome, CheckoutResult
from posapp.ui.i18n import result_words, service_text
from posapp.ui.widgets.amount_field import format_money_with_currency
from posapp.ui.widgets.icons import icon
from posapp.ui.widgets.status_pill import StatusPill, Tone


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """What the panel shows of one payment: a ``CheckoutResult`` read for the screen
    (``of``), or a payment that got no answer at all (no journal row to read). Never holds
    a full card number."""

    outcome: CheckoutOutcome
    payment_request_id: str
    amount: Money
    reference: str = ""
    payment_id: str = ""
    card: MaskedCard | None = None
    held: bool = False
    result_code: str = ""
    result_message: str = ""
    avs_result: str = ""
    cvv_result: str = ""
    redirect_url: str = ""
    warnings: tuple[str, ...] = ()  # e.g. non-Latin characters Antom may not show
    auth_expiry: datetime | None = None

    @classmethod
    def of(cls, result: CheckoutResult) -> PaymentResult:
        payment = result.payment
        outcome = result.outcome
        not_charged = outcome in (CheckoutOutcome.DECLINED, CheckoutOutcome.NOT_SENT)
        return cls(
            outcome=outcome,
            payment_request_id=payment.payment_request_id,
            amount=payment.amount,
            reference=payment.reference_order_id,
            payment_id=payment.payment_id or "",
            card=payment.card,
            held=payment.capture_mode is CaptureMode.MANUAL,
            result_code="NOT_SENT"
            if outcome is CheckoutOutcome.NOT_SENT
            else payment.result_code or "",
            # a decline reads Antom's own words first; the service's sentence otherwise
            result_message=(payment.result_message or result.message)
            if not_charged
            else result.message,
            avs_result=payment.avs_result or "",
            cvv_result=payment.cvv_result or "",
            redirect_url=payment.three_ds_url or "",
            warnings=tuple(w.message for w in result.warnings),
            auth_expiry=payment.capture_deadline,
        )


# Decline codes in words a cashier can say to a customer (protocol reference §4.8).
def decline_reason(code: str, fallback: str = "") -> str:
    reasons = {
        "DO_NOT_HONOR": QCoreApplication.translate(
            "ResultPanel", "The card issuer declined the payment. Ask for another card."
        ),
        "USER_BALANCE_NOT_ENOUGH": QCoreApplication.translate(
            "ResultPanel", "Not enough funds on the card."
        ),
        "INVALID_CARD_NUMBER": QCoreApplication.translate(
            "ResultPanel", "The card number is not valid."
        ),
        "INVALID_CARD": QCoreApplication.translate("ResultPanel", "The card is not valid."),
        "INVALID_EXPIRATION_DATE": QCoreApplication.translate(
            "ResultPanel", "The expiry date is wrong or the card has expired."
        ),
        "CARD_EXPIRED": QCoreApplication.translate("ResultPanel", "The card has expired."),
        "INVALID_CVV": QCoreApplication.translate("ResultPanel", "The security code is wrong."),
        "CARD_NOT_SUPPORTED": QCoreApplication.translate(
            "ResultPanel", "This kind of card is not accepted here."
        ),
        "SELECTED_CARD_BRAND_NOT_AVAILABLE": QCoreApplication.translate(
            "ResultPanel", "This card brand is not accepted here."
        ),
        "AUTHENTICATION_REQUIRED": QCoreApplication.translate(
            "ResultPanel", "The issuer requires 3-D Secure: pay again with 3DS on."
        ),
        "USER_PAYMENT_VERIFICATION_FAILED": QCoreApplication.translate(
            "ResultPanel", "The cardholder could not be verified (3DS)."
        ),
        "RISK_REJECT": QCoreApplication.translate(
            "ResultPanel", "Refused by fraud screening. Do not retry with this card."
        ),
        "FRAUD_REJECT": QCoreApplication.translate(
            "ResultPanel", "Refused by fraud screening. Do not retry with this card."
        ),
        "SUSPECTED_CARD": QCoreApplication.translate(
            "ResultPanel", "Refused by fraud screening. Do not retry with this card."
        ),
        "SUSPECTED_RISK": QCoreApplication.translate(
            "ResultPanel", "Refused by fraud screening. Do not retry with this card."
        ),
        "ISSUER_REJECTS_TRANSACTION": QCoreApplication.translate(
            "ResultPanel", "The card issuer declined the payment."
        ),
        "INVALID_AMOUNT": QCoreApplication.translate(
            "ResultPanel", "The amount is not acceptable for this payment."
        ),
        "PAYMENT_AMOUNT_EXCEED_LIMIT": QCoreApplication.translate(
            "ResultPanel", "The amount is above the allowed limit."
        ),
        "USER_AMOUNT_EXCEED_LIMIT": QCoreApplication.translate(
            "ResultPanel", "The amount is above the card's limit."
        ),
        "PAYMENT_COUNT_EXCEED_LIMIT": QCoreApplication.translate(
            "ResultPanel", "Too many payments on this card; try later."
        ),
        "CURRENCY_NOT_SUPPORT": QCoreApplication.translate(
            "ResultPanel", "This currency is not enabled for the store."
        ),
        "PAYMENT_TIMEOUT": QCoreApplication.translate(
            "ResultPanel", "The payment timed out before the cardholder finished."
        ),
        "ORDER_IS_CLOSED": QCoreApplication.translate(
            "ResultPanel", "This payment was closed; start a new one."
        ),
        "ORDER_IS_CANCELED": QCoreApplication.translate(
            "ResultPanel", "This payment was cancelled."
        ),
        "NOT_SENT": QCoreApplication.translate(
            "ResultPanel", "The payment never reached Antom; nothing was charged."
        ),
    }
    if code in reasons:
        return reasons[code]
    # any other code: Antom's words in English, ours for the code in a translated UI
    return result_words(code, fallback) or QCoreApplication.translate(
        "ResultPanel", "The payment was declined."
    )


def avs_words(code: str) -> str:
    words = {
        "Y": QCoreApplication.translate("ResultPanel", "address and postcode match"),
        "A": QCoreApplication.translate("ResultPanel", "address matches, postcode does not"),
        "Z": QCoreApplication.translate("ResultPanel", "postcode matches, address does not"),
        "N": QCoreApplication.translate("ResultPanel", "neither address nor postcode match"),
        "U": QCoreApplication.translate("ResultPanel", "not available"),
        "R": QCoreApplication.translate("ResultPanel", "issuer unavailable, retry"),
        "S": QCoreApplication.translate("ResultPanel", "not supported"),
    }
    return words.get(code.upper(), QCoreApplication.translate("ResultPanel", "code %1")).replace(
        "%1", code
    )


def cvv_words(code: str) -> str:
    words = {
        "M": QCoreApplication.translate("ResultPanel", "matches"),
        "N": QCoreApplication.translate("ResultPanel", "does not match"),
        "P": QCoreApplication.translate("ResultPanel", "not processed"),
        "U": QCoreApplication.translate("ResultPanel", "not available"),
        "S": QCoreApplication.translate("ResultPanel", "should be on the card"),
    }
    return words.get(code.upper(), QCoreApplication.translate("ResultPanel", "code %1")).replace(
        "%1", code
    )


class ResultPanel(QFrame):
    link_opened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._result: PaymentResult | None = None

        self.icon = QLabel(self)
        self.icon.setFixedSize(40, 40)
        self.title = QLabel(self)
        self.title.setObjectName("resultTitle")
        self.pill = StatusPill("", Tone.NEUTRAL, self)
        head = QHBoxLayout()
        head.addWidget(self.icon)
        head.addWidget(self.title, 1)
        pill_row = QHBoxLayout()  # its own row: never squeezed by a long title
        pill_row.addWidget(self.pill)
        pill_row.addStretch(1)

        self.summary = QLabel(self)
        self.summary.setObjectName("resultSummary")
        self.summary.setWordWrap(True)
        self.reason = QLabel(self)
        self.reason.setObjectName("resultReason")
        self.reason.setWordWrap(True)
        self.link = QLabel(self)
        self.link.setObjectName("resultLink")
        self.link.setWordWrap(True)
        self.link.setTextFormat(Qt.TextFormat.RichText)
        self.link.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.link.setOpenExternalLinks(False)
        self.link.linkActivated.connect(self.link_opened)
        self.copy_button = QPushButton(self.tr("Copy the link"), self)
        self.copy_button.setObjectName("copyLinkButton")
        self.copy_button.setAccessibleName(self.tr("Copy the 3-D Secure link"))
        self.copy_button.setToolTip(self.tr("Copy the 3-D Secure page's address"))
        self.copy_button.clicked.connect(self._copy_link)
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_button)
        copy_row.addStretch(1)

        self.details = QGridLayout()
        self.details.setColumnStretch(1, 1)
        self._detail_labels: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(
            (
                ("payment_id", self.tr("Payment ID")),
                ("reference", self.tr("Order reference")),
                ("avs", self.tr("Address check (AVS)")),
                ("cvv", self.tr("Security code check")),
                ("expiry", self.tr("Capture before")),
            )
        ):
            cap = QLabel(caption, self)
            cap.setObjectName("detailCaption")
            val = QLabel(self)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            val.setAccessibleName(caption)
            self.details.addWidget(cap, row, 0)
            self.details.addWidget(val, row, 1)
            self._detail_labels[key] = val
            self._detail_labels[key + ":caption"] = cap

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(pill_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.reason)
        layout.addWidget(self.link)
        layout.addLayout(copy_row)
        layout.addLayout(self.details)
        layout.addStretch(1)
        self.show_empty()

    @property
    def result(self) -> PaymentResult | None:
        return self._result

    def detail(self, key: str) -> str:
        return self._detail_labels[key].text()

    def show_empty(self) -> None:
        self._result = None
        self.icon.clear()
        self.icon.hide()
        self._set_title(self.tr("No payment yet"), "")
        self.pill.hide()
        self.summary.setText(
            self.tr("Key in the amount and the card, then press Enter to send the payment.")
        )
        self.reason.setText(
            self.tr(
                "Tab moves to the next field · Enter sends · Esc clears · "
                "Ctrl+O opens the orders · Ctrl+F searches them"
            )
        )
        self.reason.show()
        self.link.hide()
        self.copy_button.hide()
        self._set_details({})

    def show_sending(self, amount_text: str) -> None:
        self._result = None
        self.icon.setPixmap(icon("pending").pixmap(QSize(40, 40), self.devicePixelRatioF()))
        self.icon.show()
        self._set_title(self.tr("Sending…"), Tone.INFO.value)
        self.pill.set_status(self.tr("In progress"), Tone.INFO)
        self.pill.show()
        self.summary.setText(
            self.tr("Sending %1 to Antom. Keep the card ready.").replace("%1", amount_text)
        )
        self.reason.hide()
        self.link.hide()
        self.copy_button.hide()
        self._set_details({})

    def set_stage(self, text: str) -> None:
        """While sending: what is happening now (journaling, waiting for Antom...)."""
        self.reason.setText(text)
        self.reason.show()

    def show_result(self, result: PaymentResult, *, browser_opened: bool = True) -> None:
        """``browser_opened``: whether the system browser took the 3-D Secure page."""
        self._result = result
        titles = {
            CheckoutOutcome.APPROVED: (self.tr("Approved"), Tone.GOOD, "approved"),
            CheckoutOutcome.DECLINED: (self.tr("Declined"), Tone.BAD, "declined"),
            CheckoutOutcome.NOT_SENT: (self.tr("Declined"), Tone.BAD, "declined"),
            CheckoutOutcome.PENDING: (self.tr("Pending"), Tone.WARN, "pending"),
            CheckoutOutcome.NEEDS_3DS: (self.tr("Needs 3DS"), Tone.INFO, "needs_3ds"),
            CheckoutOutcome.CLOSED: (self.tr("Closed"), Tone.NEUTRAL, "declined"),
        }
        title, tone, icon_name = titles[result.outcome]
        self.icon.setPixmap(icon(icon_name).pixmap(QSize(40, 40), self.devicePixelRatioF()))
        self.icon.show()
        self._set_title(title, tone.value)
        if result.outcome is CheckoutOutcome.APPROVED:
            pill = self.tr("Held — capture later") if result.held else self.tr("Captured")
        elif result.outcome is CheckoutOutcome.PENDING:
            pill = self.tr("Being settled")
        elif result.outcome is CheckoutOutcome.NEEDS_3DS:
            pill = self.tr("Waiting for cardholder")
        elif result.outcome is CheckoutOutcome.CLOSED:
            pill = self.tr("No money held")
        else:
            pill = self.tr("Not charged")
        self.pill.set_status(pill, tone)
        self.pill.show()

        amount = format_money_with_currency(result.amount)
        card = result.card.display if result.card else ""
        self.summary.setText(f"{amount} · {card}" if card else amount)

        self.reason.hide()
        self.link.hide()
        self.copy_button.hide()
        if result.outcome in (CheckoutOutcome.DECLINED, CheckoutOutcome.NOT_SENT):
            words = decline_reason(result.result_code, result.result_message)
            code = f" ({escape(result.result_code)})" if result.result_code else ""
            self.reason.setText(f"{words}{code}")
            self.reason.show()
        elif result.outcome is CheckoutOutcome.CLOSED:
            self.reason.setText(service_text(result.result_message))
            self.reason.show()
        elif result.outcome is CheckoutOutcome.PENDING:
            self.reason.setText(
                self.tr(
                    "Not known yet. Do not charge the card again: this updates by itself "
                    "as soon as Antom confirms the result."
                )
            )
            self.reason.show()
        elif result.outcome is CheckoutOutcome.NEEDS_3DS:
            if browser_opened or not result.redirect_url:
                self.reason.setText(
                    self.tr(
                        "The cardholder must confirm the payment on the 3-D Secure page that "
                        "has opened in the browser. This panel updates when they are done."
                    )
                )
            else:
                self.reason.setText(
                    self.tr(
                        "No browser could be opened on this till. Open the 3-D Secure page "
                        "below on a device the cardholder can use (copy the link), and they "
                        "confirm the payment there. This panel updates when they are done."
                    )
                )
            self.reason.show()
            if result.redirect_url:
                url = escape(result.redirect_url, quote=True)
                caption = (
                    self.tr("Open the 3DS page again: %1")
                    if browser_opened
                    else self.tr("3DS page: %1")
                )
                self.link.setText(
                    caption.replace("%1", f'<a href="{url}">{escape(result.redirect_url)}</a>')
                )
                self.link.show()
                self.copy_button.show()
        expiry = ""
        if result.held and result.auth_expiry is not None:
            expiry = result.auth_expiry.astimezone().strftime("%Y-%m-%d %H:%M")
        self._set_details(
            {
                "payment_id": result.payment_id
                or (
                    self.tr("(not assigned yet)")
                    if result.outcome is CheckoutOutcome.PENDING
                    else ""
                ),
                "reference": result.reference,
                "avs": avs_words(result.avs_result) if result.avs_result else "",
                "cvv": cvv_words(result.cvv_result) if result.cvv_result else "",
                "expiry": expiry,
            }
        )

    def _copy_link(self) -> None:
        if self._result is not None and self._result.redirect_url:
            QGuiApplication.clipboard().setText(self._result.redirect_url)

    def _set_title(self, text: str, tone: str) -> None:
        self.title.setText(text)
        self.title.setAccessibleName(text)
        self.title.setProperty("tone", tone)
        # a dynamic property only restyles after a re-polish
        self.title.style().unpolish(self.title)
        self.title.style().polish(self.title)

    def _set_details(self, values: dict[str, str]) -> None:
        for key in ("payment_id", "reference", "avs", "cvv", "expiry"):
            text = values.get(key, "")
            self._detail_labels[key].setText(text)
            self._detail_labels[key].setVisible(bool(text))
            self._detail_labels[key + ":caption"].setVisible(bool(text))
