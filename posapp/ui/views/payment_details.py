"""The details pane: the selected payment's facts and its timeline from the audit log.

The timeline lists, oldest first, every sanitised request sent to Antom, every answer and
notification, every state change and every manager approval, with who did it. Each entry
opens to show its (already sanitised) detail fields. Events are read on a worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.core.antom.messages import explain
from posapp.core.domain import Event, EventKind, Payment, PaymentStatus
from posapp.core.usertext import UserText, from_record
from posapp.ui.i18n import has_translation, service_text, user_error_text
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.card_options_text import options_text
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.widgets.result_panel import avs_words, cvv_words
from posapp.ui.widgets.status_pill import StatusPill, Tone

EventLoader = Callable[[Payment], list[Event]]


class PaymentDetails(QWidget):
    """Shows one payment: a summary, then its timeline. Empty until a row is selected."""

    def __init__(
        self, runner: TaskRunner, load_events: EventLoader, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("paymentDetails")
        self._runner = runner
        self._load_events = load_events
        self._payment: Payment | None = None
        self._generation = 0
        self.setMinimumWidth(340)

        self.placeholder = QLabel(self.tr("Select a payment to see its details"), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)

        self.amount = QLabel(self)
        self.amount.setObjectName("detailsAmount")
        font = self.amount.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.amount.setFont(font)
        self.pill = StatusPill("", Tone.NEUTRAL, self)
        self.pill.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

        self.summary = QFrame(self)
        self.form = QFormLayout(self.summary)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("card", self.tr("Card")),
            ("order", self.tr("Order")),
            ("time", self.tr("Time")),
            ("payment_id", self.tr("Payment ID")),
            ("request_id", self.tr("Request ID")),
            ("network_tx", self.tr("Network transaction")),
            ("auth_code", self.tr("Approval code")),
            ("avs", self.tr("Address check (AVS)")),
            ("cvv", self.tr("Security code check")),
            ("three_ds", self.tr("3-D Secure")),
            ("deadline", self.tr("Capture before")),
            ("captured", self.tr("Captured")),
            ("refunded", self.tr("Refunded")),
            ("result", self.tr("Last answer")),
            ("who", self.tr("Terminal / operator")),
        ):
            value = QLabel(self.summary)
            value.setObjectName(f"details_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            self.fields[key] = value
            self.form.addRow(label, value)

        self.timeline_title = QLabel(self.tr("Timeline"), self)
        bold = self.timeline_title.font()
        bold.setBold(True)
        self.timeline_title.setFont(bold)
        self.timeline = QTreeWidget(self)
        self.timeline.setObjectName("timeline")
        self.timeline.setColumnCount(3)
        self.timeline.setHeaderLabels([self.tr("Time"), self.tr("What"), self.tr("Who")])
        self.timeline.setAccessibleName(self.tr("Payment timeline"))
        self.timeline.setUniformRowHeights(True)
        self.timeline.setAlternatingRowColors(True)
        header = self.timeline.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, header.ResizeMode.Stretch)
        header.setSectionResizeMode(2, header.ResizeMode.ResizeToContents)

        layout = QVBoxLayout(self)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.amount)
        layout.addWidget(self.pill)
        layout.addWidget(self.summary)
        layout.addWidget(self.timeline_title)
        layout.addWidget(self.timeline, 1)
        self._set_visible(False)

    @property
    def payment(self) -> Payment | None:
        return self._payment

    def _set_visible(self, shown: bool) -> None:
        self.placeholder.setVisible(not shown)
        for w in (self.amount, self.pill, self.summary, self.timeline_title, self.timeline):
            w.setVisible(shown)

    def clear(self) -> None:
        self._payment = None
        self._generation += 1
        self.timeline.clear()
        self._set_visible(False)

    def show_payment(self, payment: Payment, *, reload_events: bool = True) -> None:
        """Fill the summary now and the timeline when the worker has read it."""
        same = self._payment is not None and pf.key(self._payment) == pf.key(payment)
        self._payment = payment
        self._set_visible(True)
        status = pf.status(payment)
        self.amount.setText(pf.amount_text(payment))
        tone = Tone(pf.TONES.get(status, "neutral")) if status else Tone.NEUTRAL
        self.pill.set_status(pf.status_label(payment), tone)
        deadline = pf.capture_deadline(payment)
        avs, cvv = pf.avs_result(payment), pf.cvv_result(payment)
        held = status in pf.HELD_STATUSES
        values = {
            "card": pf.card_text(payment),
            "order": pf.order_reference(payment),
            "time": pf.format_time(pf.created_at(payment)),
            "payment_id": pf.payment_id(payment) or self.tr("not known yet"),
            "request_id": pf.request_id(payment),
            "network_tx": pf.network_transaction_id(payment) or "—",
            "auth_code": pf.auth_code(payment) or "—",
            # in the words New payment's result panel uses (one table for both)
            "avs": avs_words(avs) if avs else "—",
            "cvv": cvv_words(cvv) if cvv else "—",
            "three_ds": self.fields["three_ds"].text() if same else "—",  # from the timeline
            "deadline": pf.format_time(deadline) if (deadline and held) else "—",
            "captured": str(payment.captured_amount) if payment.captured_amount else "—",
            "refunded": str(payment.refunded_amount) if payment.refunded_amount else "—",
            "result": pf.status_explained(payment),
            "who": f"{payment.terminal_id} / {payment.operator}",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        if reload_events or not same:
            self.reload_events()

    def reload_events(self) -> None:
        if self._payment is None:
            return
        self._generation += 1
        generation, payment = self._generation, self._payment
        if self.timeline.topLevelItemCount() == 0:
            self.timeline.addTopLevelItem(QTreeWidgetItem(["", self.tr("Loading…"), ""]))
        self._runner.run(
            self._load_events,
            payment,
            lane=Lane.READS,
            on_done=lambda events: self._on_events(generation, events),
            on_error=lambda exc: self._on_events_failed(generation, exc),
            owner=self,
            label="load timeline",
        )

    def _on_events(self, generation: int, events: list[Event]) -> None:
        if generation != self._generation:
            return
        self.timeline.clear()
        self.fields["three_ds"].setText(three_ds_text(events) or "—")
        for event in events:
            when = pf.format_time_seconds(event.at)
            item = QTreeWidgetItem([when, describe_event(event), event.operator])
            item.setData(0, Qt.ItemDataRole.UserRole, event)
            item.setToolTip(1, describe_event(event))
            for line in detail_lines(event.detail):
                child = QTreeWidgetItem(["", line, ""])
                child.setToolTip(1, line)
                item.addChild(child)
            self.timeline.addTopLevelItem(item)
        if not events:
            self.timeline.addTopLevelItem(QTreeWidgetItem(["", self.tr("No events yet"), ""]))

    def _on_events_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.timeline.clear()
        self.timeline.addTopLevelItem(
            QTreeWidgetItem(
                [
                    "",
                    self.tr("The timeline could not be read: {0}").format(
                        user_error_text(exc) or exc
                    ),
                    "",
                ]
            )
        )

    def timeline_texts(self) -> list[str]:
        items = (self.timeline.topLevelItem(i) for i in range(self.timeline.topLevelItemCount()))
        return [item.text(1) for item in items if item is not None]


def three_ds_text(events: list[Event]) -> str:
    """The latest threeDSResult Antom gave for the payment (from the journaled answers and
    notifications), in one line; empty when there is none."""
    for event in reversed(events):
        body = (event.detail or {}).get("body")
        info = body.get("paymentResultInfo") if isinstance(body, Mapping) else None
        tds = info.get("threeDSResult") if isinstance(info, Mapping) else None
        if isinstance(tds, Mapping) and tds:
            return _three_ds_words(tds)
    return ""


def _three_ds_words(tds: Mapping[str, object]) -> str:
    parts: list[str] = []
    if tds.get("threeDSOffered") is False:
        parts.append(QCoreApplication.translate("PaymentDetails", "not offered"))
    if tds.get("threeDSVersion"):
        parts.append(f"3DS {tds['threeDSVersion']}")
    if tds.get("eci"):
        parts.append(f"ECI {tds['eci']}")
    if tds.get("challenged") is True:
        parts.append(QCoreApplication.translate("PaymentDetails", "challenged"))
    elif tds.get("challenged") is False:
        parts.append(QCoreApplication.translate("PaymentDetails", "frictionless"))
    if tds.get("paResStatus"):
        parts.append(
            QCoreApplication.translate("PaymentDetails", "result %1").replace(
                "%1", str(tds["paResStatus"])
            )
        )
    shift = tds.get("liabilityShift")
    if shift is not None:
        parts.append(
            QCoreApplication.translate("PaymentDetails", "liability shift: yes")
            if shift == "1"
            else QCoreApplication.translate("PaymentDetails", "liability shift: no")
        )
    if tds.get("exemptionType"):
        parts.append(
            QCoreApplication.translate("PaymentDetails", "exemption %1").replace(
                "%1", str(tds["exemptionType"])
            )
        )
    if tds.get("cavvGiven"):
        parts.append(QCoreApplication.translate("PaymentDetails", "CAVV given"))
    if tds.get("threeDStransactionStatusReason"):
        reason = str(tds["threeDStransactionStatusReason"])
        parts.append(
            QCoreApplication.translate("PaymentDetails", "reason %1").replace("%1", reason)
        )
    if tds.get("challengeCancel"):
        parts.append(
            QCoreApplication.translate("PaymentDetails", "challenge cancelled (%1)").replace(
                "%1", str(tds["challengeCancel"])
            )
        )
    if tds.get("dsTransactionId"):
        parts.append(
            QCoreApplication.translate("PaymentDetails", "DS transaction %1").replace(
                "%1", str(tds["dsTransactionId"])
            )
        )
    if tds.get("xid"):
        parts.append(f"XID {tds['xid']}")
    return " · ".join(parts)


def _status_words(value: str | None) -> str:
    if not value:
        return "?"
    try:
        return pf.label_for_status(PaymentStatus(value))
    except ValueError:
        return value


def _json_object(value: object) -> Mapping[str, object]:
    """``value`` when it is a JSON object of the journaled detail, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def describe_event(event: Event) -> str:
    """One line for a timeline entry, in the user's language."""
    detail = event.detail or {}
    body = _json_object(detail.get("body"))
    api = event.api or ""
    result = _json_object(body.get("result"))
    code = result.get("resultCode") or ""
    status = result.get("resultStatus") or ""
    classification = body.get("classification")
    outcome = classification.get("outcome", "") if isinstance(classification, Mapping) else ""
    if event.kind is EventKind.REQUEST_SENT:
        sent = QCoreApplication.translate("PaymentDetails", "Sent {0} to Antom").format(
            api or QCoreApplication.translate("PaymentDetails", "a request")
        )
        options = options_text(body) if api == "pay" else ""
        return f"{sent} ({options})" if options else sent
    if event.kind is EventKind.RESPONSE_RECEIVED:
        if code:
            return QCoreApplication.translate(
                "PaymentDetails", "Antom answered {0}: {1} ({2})"
            ).format(api, code, status or "?")
        error = detail.get("error") or body.get("error")
        if outcome and not error:
            return QCoreApplication.translate("PaymentDetails", "Antom answered {0}: {1}").format(
                api, outcome
            )
        # no verified answer (refused connection, timeout, reset, bad signature...)
        error = error or QCoreApplication.translate("PaymentDetails", "no answer")
        return QCoreApplication.translate("PaymentDetails", "No clear answer to {0}: {1}").format(
            api, _error_words(error)
        )
    if event.kind is EventKind.NOTIFICATION:
        kind = (api.removeprefix("notify") or api).lower()
        kind = {
            "payment": QCoreApplication.translate("PaymentDetails", "payment"),
            "capture": QCoreApplication.translate("PaymentDetails", "capture"),
            "refund": QCoreApplication.translate("PaymentDetails", "refund"),
        }.get(kind, kind)
        return (
            QCoreApplication.translate("PaymentDetails", "Antom notified: {0} {1}")
            .format(kind, code or outcome)
            .strip()
        )
    if event.kind is EventKind.STATE_CHANGE:
        operation = detail.get("operation")
        if operation:
            words = {
                "INTENT": QCoreApplication.translate("PaymentDetails", "recorded"),
                "PENDING": QCoreApplication.translate(
                    "PaymentDetails", "sent, waiting for the answer"
                ),
                "SUCCEEDED": QCoreApplication.translate("PaymentDetails", "succeeded"),
                "FAILED": QCoreApplication.translate("PaymentDetails", "failed"),
                "NOT_SENT": QCoreApplication.translate("PaymentDetails", "never reached Antom"),
            }.get(event.to_status or "", event.to_status or "")
            operation = {
                "capture": QCoreApplication.translate("PaymentDetails", "capture"),
                "refund": QCoreApplication.translate("PaymentDetails", "refund"),
            }.get(str(operation), str(operation))
            return QCoreApplication.translate("PaymentDetails", "{0} {1}").format(
                operation.capitalize(), words
            )
        if not event.from_status:
            return QCoreApplication.translate("PaymentDetails", "Recorded: {0}").format(
                _status_words(event.to_status)
            )
        return QCoreApplication.translate("PaymentDetails", "{0} → {1}").format(
            _status_words(event.from_status), _status_words(event.to_status)
        )
    if event.kind is EventKind.APPROVAL:
        what = detail.get("action") or api or ""
        return (
            QCoreApplication.translate("PaymentDetails", "Manager approved: {0}")
            .format(what)
            .strip()
        )
    if event.kind is EventKind.SECURITY:
        return QCoreApplication.translate("PaymentDetails", "Refused: {0}").format(
            reason_words(detail.get("reason") or detail.get("message") or api)
        )
    if event.kind is EventKind.DUPLICATE_FOUND:
        payments = detail.get("payments")
        return QCoreApplication.translate(
            "PaymentDetails", "Order {0} now has {1} successful payments (duplicate)"
        ).format(
            detail.get("reference_order_id", ""),
            len(payments) if isinstance(payments, list) else "?",
        )
    if event.kind is EventKind.DUPLICATE_UNDO:
        return _undo_words(str(detail.get("action") or ""), str(detail.get("stage") or ""))
    return str(detail.get("message") or detail.get("note") or api or event.kind.value)


def _undo_words(action: str, stage: str) -> str:
    """One step of a manager's undo of a duplicate payment."""
    what = (
        QCoreApplication.translate("PaymentDetails", "release the hold")
        if action == "cancel"
        else QCoreApplication.translate("PaymentDetails", "refund in full")
    )
    words = {
        "requested": QCoreApplication.translate("PaymentDetails", "Duplicate given back: {0}"),
        "done": QCoreApplication.translate("PaymentDetails", "Duplicate given back: {0}, done"),
        "pending": QCoreApplication.translate(
            "PaymentDetails", "Duplicate given back: {0}, being confirmed"
        ),
        "refused": QCoreApplication.translate(
            "PaymentDetails", "Duplicate given back: {0}, refused"
        ),
    }.get(stage)
    return (words or "{0}").format(what)


def _error_words(error: object) -> str:
    """A journaled client error: the sentence for people of its kind in a translated UI
    (journaled as a message), the journal's "Class: detail" in the English UI and for
    rows journaled before errors were data."""
    message = from_record(error)
    return service_text(message) if message is not None else str(error)


# The reasons whose code a translated UI also explains ("capture refused: AUTH_EXPIRED
# (authorisation expired)").
_REFUSALS = ("reason.capture_refused", "reason.cancel_refused")


def reason_words(reason: object) -> str:
    """The reason journaled with a state change or a refusal, in the UI's language: a
    message (id + values, ``UserText`` as data) through the catalogue; plain text (rows
    journaled before reasons were data, words no one translates) as stored."""
    message = from_record(reason)
    if message is None:
        if isinstance(reason, UserText):  # straight from the services, not the journal
            message = reason
        else:
            return str(reason)
    words = service_text(message)
    code = message.values.get("code")
    if message.id in _REFUSALS and isinstance(code, str):
        code_words = explain(code)
        if code_words is not None and has_translation(code_words):
            return QCoreApplication.translate("PaymentDetails", "{0} ({1})").format(
                words, service_text(code_words)
            )
    return words


def detail_lines(detail: Mapping[str, object], prefix: str = "", limit: int = 40) -> list[str]:
    """The sanitised detail object flattened to ``key: value`` lines (bounded); a state
    change's ``reason`` in the UI's language (``reason_words``)."""
    lines: list[str] = []
    for key, value in (detail or {}).items():
        name = f"{prefix}{key}"
        if not prefix and key == "reason" and (isinstance(value, str) or from_record(value)):
            lines.append(
                QCoreApplication.translate("PaymentDetails", "reason: {0}").format(
                    reason_words(value)
                )
            )
        elif isinstance(value, Mapping):
            lines.extend(detail_lines(value, f"{name}.", limit))
        elif isinstance(value, list):
            lines.append(f"{name}: {json.dumps(value, ensure_ascii=False)[:200]}")
        else:
            lines.append(f"{name}: {value}")
        if len(lines) >= limit:
            return lines[:limit]
    return lines
