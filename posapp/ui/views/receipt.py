"""Receipts: one payment rendered as a small document, printed or saved as a PDF.

The receipt shows only what may be shown to a customer: the merchant, the time, the masked card
(brand and last four digits), the amount, the status, the paymentId, the scheme's network
transaction id and the AVS / CVV results. Rendering uses Qt print support (QTextDocument onto a
QPrinter or QPdfWriter), which works offscreen as well.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QPagedPaintDevice, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget

from posapp.ui.models.receipt_data import ReceiptData

if TYPE_CHECKING:  # print support loads only when a receipt is printed
    from PySide6.QtPrintSupport import QPrinter


def receipt_html(data: ReceiptData) -> str:
    """The receipt as simple HTML (QTextDocument's subset), every value escaped."""
    rows = [
        (QCoreApplication.translate("Receipt", "Time"), data.time),
        (QCoreApplication.translate("Receipt", "Order"), data.order_reference),
        (QCoreApplication.translate("Receipt", "Terminal"), data.terminal_id),
        (QCoreApplication.translate("Receipt", "Card"), data.card),
        (QCoreApplication.translate("Receipt", "Status"), data.status),
        (QCoreApplication.translate("Receipt", "Payment ID"), data.payment_id),
        (
            QCoreApplication.translate("Receipt", "Network transaction ID"),
            data.network_transaction_id or "—",
        ),
        (QCoreApplication.translate("Receipt", "Approval code"), data.auth_code),
        (QCoreApplication.translate("Receipt", "Payment terms"), data.card_options),
        (QCoreApplication.translate("Receipt", "AVS result"), data.avs_result or "—"),
        (QCoreApplication.translate("Receipt", "CVV result"), data.cvv_result or "—"),
    ]
    # Label above value: long identifiers (a paymentId has up to 64 characters) get the
    # whole width of a slip instead of half a table column.
    body = "".join(
        f"<p style='margin-top:4px; margin-bottom:0'><span style='font-size:7pt'>"
        f"{html.escape(k)}</span><br/><b>{html.escape(v)}</b></p>"
        for k, v in rows
        if v
    )
    thanks = QCoreApplication.translate("Receipt", "Thank you")
    return (
        f"<h2 align='center'>{html.escape(data.merchant)}</h2>"
        f"<p align='center' style='font-size:18pt'><b>{html.escape(data.amount)}</b></p>"
        f"{body}"
        f"<p align='center' style='margin-top:10px'>{html.escape(thanks)}</p>"
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
    writer.setTitle(QCoreApplication.translate("Receipt", "Receipt {0}").format(data.payment_id))
    writer.setCreator("posapp")
    _setup_page(writer)
    _document(data).print_(writer)
    del writer  # the file is finished when the writer goes away
    return path


def print_receipt(
    data: ReceiptData,
    parent: QWidget | None = None,
    printer: QPrinter | None = None,
    *,
    ask: bool = True,
) -> bool:
    """Print on ``printer`` (default: the system's), after the print dialog when ``ask``;
    False when the user cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    if printer is None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _setup_page(printer)
    if ask:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(QCoreApplication.translate("Receipt", "Print receipt"))
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
    _document(data).print_(printer)
    return True


def ask_and_save_pdf(data: ReceiptData, parent: QWidget | None = None) -> Path | None:
    """Ask where to save and write the PDF; None when the user cancelled."""
    suggested = f"receipt-{data.payment_id or 'payment'}.pdf"
    name, _filter = QFileDialog.getSaveFileName(
        parent,
        QCoreApplication.translate("Receipt", "Save receipt as PDF"),
        suggested,
        QCoreApplication.translate("Receipt", "PDF files (*.pdf)"),
    )
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() != ".pdf":
        path = path.with_suffix(".pdf")
    return save_pdf(data, path)
