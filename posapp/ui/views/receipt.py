"""Receipts: one payment rendered as a small document, printed or saved as a PDF.

The receipt shows only what may be shown to a customer: the merchant, the time, the masked card
(brand and last four digits), the amount, the status, the paymentId, the scheme's network
transaction id and the AVS / CVV results. Rendering uses Qt print support (QTextDocument onto a
QPrinter or QPdfWriter), which works offscreen as well.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QPagedPaintDevice, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("Receipt", text)


@dataclass(frozen=True, slots=True)
class ReceiptData:
    """Everything a receipt prints, already formatted for people."""

    merchant: str
    time: str
    card: str  # "Visa •••• 0768": never more than brand and last four
    amount: str  # "SGD 12.50"
    status: str
    payment_id: str
    order_reference: str = ""
    terminal_id: str = ""
    network_transaction_id: str = ""
    avs_result: str = ""
    cvv_result: str = ""
    auth_code: str = ""


def receipt_html(data: ReceiptData) -> str:
    """The receipt as simple HTML (QTextDocument's subset), every value escaped."""
    rows = [
        (_tr("Time"), data.time),
        (_tr("Order"), data.order_reference),
        (_tr("Terminal"), data.terminal_id),
        (_tr("Card"), data.card),
        (_tr("Status"), data.status),
        (_tr("Payment ID"), data.payment_id),
        (_tr("Network transaction ID"), data.network_transaction_id or "—"),
        (_tr("Approval code"), data.auth_code),
        (_tr("AVS result"), data.avs_result or "—"),
        (_tr("CVV result"), data.cvv_result or "—"),
    ]
    # Label above value: long identifiers (a paymentId has up to 64 characters) get the
    # whole width of a slip instead of half a table column.
    body = "".join(
        f"<p style='margin-top:4px; margin-bottom:0'><span style='font-size:7pt'>"
        f"{html.escape(k)}</span><br/><b>{html.escape(v)}</b></p>"
        for k, v in rows
        if v
    )
    return (
        f"<h2 align='center'>{html.escape(data.merchant)}</h2>"
        f"<p align='center' style='font-size:18pt'><b>{html.escape(data.amount)}</b></p>"
        f"{body}"
        f"<p align='center' style='margin-top:10px'>{html.escape(_tr('Thank you'))}</p>"
    )


def _document(data: ReceiptData) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(receipt_html(data))
    return doc


def _setup_page(device: QPagedPaintDevice) -> None:
    # A6 is close to a till slip and keeps the whole receipt on one page.
    device.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A6),
            QPageLayout.Orientation.Portrait,
            QMarginsF(8, 8, 8, 8),
            QPageLayout.Unit.Millimeter,
        )
    )


def save_pdf(data: ReceiptData, path: Path) -> Path:
    """Write the receipt to ``path`` as a PDF (cheap: safe to call on the GUI thread)."""
    writer = QPdfWriter(str(path))
    writer.setTitle(_tr("Receipt {0}").format(data.payment_id))
    writer.setCreator("posapp")
    _setup_page(writer)
    _document(data).print_(writer)
    del writer  # the file is finished when the writer goes away
    return path


def print_receipt(data: ReceiptData, parent: QWidget | None = None) -> bool:
    """Show the system print dialog and print; False when the user cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _setup_page(printer)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_tr("Print receipt"))
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    _document(data).print_(printer)
    return True


def ask_and_save_pdf(data: ReceiptData, parent: QWidget | None = None) -> Path | None:
    """Ask where to save and write the PDF; None when the user cancelled."""
    suggested = f"receipt-{data.payment_id or 'payment'}.pdf"
    name, _filter = QFileDialog.getSaveFileName(
        parent, _tr("Save receipt as PDF"), suggested, _tr("PDF files (*.pdf)")
    )
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() != ".pdf":
        path = path.with_suffix(".pdf")
    return save_pdf(data, path)
