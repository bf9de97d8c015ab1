"""Drawing a day report with QPainter: the two charts (on screen and on paper) and the pages
that Print and Save PDF produce. Everything here draws from a ``DayReport`` alone, so a closed
day printed again from its snapshot comes out the same."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
)

from posapp.core.journal.reconciliation import DiscrepancyKind
from posapp.core.money import Money
from posapp.core.services.day_report import DayReport, GroupLine, ReconciliationStatus, Totals
from posapp.ui.views.reconciliation_view import kind_name

# The statuses of the breakdown, in the order people read a day: what came in, where it went.
STATUS_KEYS = ("authorised", "captured", "refunded", "cancelled", "released", "held", "net")
STATUS_COLOURS = {
    "authorised": QColor(37, 99, 235),
    "captured": QColor(22, 163, 74),
    "refunded": QColor(147, 51, 234),
    "cancelled": QColor(100, 116, 139),
    "released": QColor(234, 88, 12),
    "held": QColor(217, 119, 6),
    "net": QColor(13, 148, 136),
}


def status_label(key: str) -> str:
    """A status word of the report in the UI's language."""
    words = {
        "authorised": QCoreApplication.translate("DayReport", "Authorised"),
        "captured": QCoreApplication.translate("DayReport", "Captured"),
        "refunded": QCoreApplication.translate("DayReport", "Refunded"),
        "cancelled": QCoreApplication.translate("DayReport", "Cancelled"),
        "released": QCoreApplication.translate("DayReport", "Released"),
        "held": QCoreApplication.translate("DayReport", "Still held"),
        "net": QCoreApplication.translate("DayReport", "Net"),
    }
    return words[key]


def status_value(totals: Totals, key: str) -> int:
    return totals.net if key == "net" else int(getattr(totals, key))


def money_text(minor: int, currency: str) -> str:
    return Money(minor, currency).format(thousands=",")


def reconciliation_text(report: DayReport) -> str:
    state = report.reconciliation
    if state.status is ReconciliationStatus.MATCHED:
        return QCoreApplication.translate(
            "DayReport", "Reconciled: {0} lines match Antom's files ({1} imported)"
        ).format(state.matched, state.files)
    if state.status is ReconciliationStatus.DISCREPANCIES:
        kinds = "; ".join(
            f"{kind_name(DiscrepancyKind(k))}: {n}"
            for k, n in state.kinds
            if k in DiscrepancyKind.__members__
        )
        if not kinds:  # a snapshot from before the kinds were kept
            return QCoreApplication.translate(
                "DayReport", "Reconciled with {0} discrepancies to look at"
            ).format(state.discrepancies)
        return QCoreApplication.translate(
            "DayReport",
            "Reconciled: {0} lines match Antom's files ({1} imported); "
            "{2} discrepancies to look at ({3})",
        ).format(state.matched, state.files, state.discrepancies, kinds)
    return QCoreApplication.translate(
        "DayReport", "Not reconciled: no settlement file from Antom covers this day yet"
    )


def till_text(report: DayReport) -> str:
    """Which tills the figures cover: the heading of the screen, the PDF and the print."""
    if report.terminal is not None:
        return QCoreApplication.translate("DayReport", "Till {0} only").format(report.terminal)
    if report.store_wide_snapshot is not None:
        return QCoreApplication.translate(
            "DayReport",
            "All tills: the day is closed and its frozen report is store-wide, "
            "so it cannot be shown for till {0} alone",
        ).format(report.store_wide_snapshot)
    return QCoreApplication.translate("DayReport", "All tills")


def closing_text(report: DayReport) -> str:
    if report.closing is None:
        return QCoreApplication.translate(
            "DayReport", "Open: figures as of {0}; they change until the day is closed"
        ).format(local_time(report, report.drawn_at))
    text = QCoreApplication.translate("DayReport", "Closed {0} by {1} (till {2})").format(
        local_time(report, report.closing.closed_at),
        report.closing.manager,
        report.closing.terminal_id,
    )
    if not report.intact:
        text += " — " + QCoreApplication.translate(
            "DayReport", "WARNING: the stored report no longer matches its journaled digest"
        )
    return text


def local_time(report: DayReport, moment: object) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    assert isinstance(moment, datetime)
    try:
        zone = ZoneInfo(report.zone)
    except (ZoneInfoNotFoundError, ValueError):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


# -- the charts ----------------------------------------------------------------------------------
def paint_hour_chart(
    p: QPainter,
    rect: QRectF,
    hourly: Sequence[int],
    currency: str,
    text_colour: QColor,
    bar_colour: QColor = STATUS_COLOURS["authorised"],
) -> None:
    """Sales by local hour: 24 bars, hours under them every three, the peak written on top."""
    p.save()
    fm = QFontMetricsF(p.font())
    line = fm.height()
    plot = rect.adjusted(fm.horizontalAdvance("00") * 0.2, line * 1.3, 0, -line * 1.3)
    grid = QColor(text_colour)
    grid.setAlpha(60)
    p.setPen(QPen(grid, 0))
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    peak = max(hourly) if hourly else 0
    slot = plot.width() / 24
    p.setPen(QPen(text_colour))
    if peak <= 0:
        p.drawText(
            plot, Qt.AlignmentFlag.AlignCenter, QCoreApplication.translate("DayReport", "No sales")
        )
    for hour in range(24):
        value = hourly[hour] if hour < len(hourly) else 0
        if peak > 0 and value > 0:
            height = max(1.0, plot.height() * value / peak)
            bar = QRectF(
                plot.left() + hour * slot + slot * 0.15,
                plot.bottom() - height,
                slot * 0.7,
                height,
            )
            p.fillRect(bar, bar_colour)
            if value == peak:
                label = money_text(value, currency)
                width = fm.horizontalAdvance(label)
                x = min(max(plot.left(), bar.center().x() - width / 2), plot.right() - width)
                p.drawText(QPointF(x, bar.top() - fm.descent() - 2), label)
        if hour % 3 == 0:
            p.drawText(
                QRectF(plot.left() + hour * slot - slot, plot.bottom() + 2, slot * 3, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                f"{hour:02d}",
            )
    p.restore()


def paint_status_chart(p: QPainter, rect: QRectF, totals: Totals, text_colour: QColor) -> None:
    """Where the day's authorised money went: one bar per status, against what was authorised."""
    p.save()
    fm = QFontMetricsF(p.font())
    labels = [status_label(k) for k in STATUS_KEYS]
    amounts = [money_text(status_value(totals, k), totals.currency) for k in STATUS_KEYS]
    label_w = max(fm.horizontalAdvance(t) for t in labels) + fm.height() * 0.6
    amount_w = max(fm.horizontalAdvance(t) for t in amounts) + fm.height() * 0.6
    # rows never taller than a comfortable bar: a tall chart keeps its bars, centred
    row_h = min(rect.height() / len(STATUS_KEYS), fm.height() * 2.2)
    rect = QRectF(
        rect.left(),
        rect.top() + (rect.height() - row_h * len(STATUS_KEYS)) / 2,
        rect.width(),
        row_h * len(STATUS_KEYS),
    )
    scale = max([totals.authorised] + [abs(status_value(totals, k)) for k in STATUS_KEYS] + [1])
    bar_area = max(1.0, rect.width() - label_w - amount_w)
    for i, key in enumerate(STATUS_KEYS):
        y = rect.top() + i * row_h
        row = QRectF(rect.left(), y, rect.width(), row_h)
        p.setPen(QPen(text_colour))
        p.drawText(
            QRectF(row.left(), y, label_w, row_h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            labels[i],
        )
        value = status_value(totals, key)
        width = bar_area * abs(value) / scale
        bar = QRectF(
            rect.left() + label_w, y + row_h * 0.2, max(width, 1.0 if value else 0), row_h * 0.6
        )
        p.fillRect(bar, STATUS_COLOURS[key])
        p.drawText(
            QRectF(rect.right() - amount_w, y, amount_w, row_h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            amounts[i],
        )
    p.restore()


# -- paper ---------------------------------------------------------------------------------------
class _Pages:
    """A cursor down A4 pages: text lines, table rows and charts, a new page when full."""

    def __init__(
        self, device: QPaintDevice, painter: QPainter, new_page: Callable[[], QPainter]
    ) -> None:
        self.device = device
        self.p = painter
        self._new_page = new_page
        self.width = float(device.width())
        self.height = float(device.height())
        self.y = 0.0
        self.base = QFont(painter.font())
        self.base.setPointSizeF(9.5)
        painter.setFont(self.base)
        self.line = QFontMetricsF(self.base, device).height()

    def need(self, height: float) -> None:
        if self.y + height > self.height:
            self.p = self._new_page()
            self.p.setFont(self.base)
            self.y = 0.0

    def text(self, text: str, *, size: float = 9.5, bold: bool = False, gap: float = 0.3) -> None:
        font = QFont(self.base)
        font.setPointSizeF(size)
        font.setBold(bold)
        self.p.setFont(font)
        h = QFontMetricsF(font, self.device).height()
        rect = QRectF(0, self.y, self.width, h * 3)
        bound = self.p.boundingRect(rect, int(Qt.TextFlag.TextWordWrap), text)
        self.need(bound.height())
        rect = QRectF(0, self.y, self.width, bound.height())
        self.p.drawText(rect, int(Qt.TextFlag.TextWordWrap), text)
        self.y += bound.height() + h * gap
        self.p.setFont(self.base)

    def row(self, cells: Sequence[str], *, bold: bool = False) -> None:
        self.need(self.line * 1.25)
        font = QFont(self.base)
        font.setBold(bold)
        self.p.setFont(font)
        first = self.width * 0.22
        rest = (self.width - first) / max(1, len(cells) - 1)
        for i, cell in enumerate(cells):
            x = 0.0 if i == 0 else first + (i - 1) * rest
            w = first if i == 0 else rest
            align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
            self.p.drawText(
                QRectF(x, self.y, w - self.line * 0.3, self.line * 1.2),
                align | Qt.AlignmentFlag.AlignVCenter,
                cell,
            )
        self.y += self.line * 1.25
        self.p.setFont(self.base)

    def rule(self) -> None:
        self.p.setPen(QPen(QColor(150, 150, 150), 0))
        self.p.drawLine(QPointF(0, self.y), QPointF(self.width, self.y))
        self.p.setPen(QPen(Qt.GlobalColor.black))
        self.y += self.line * 0.3


def paint_report(device: QPagedPaintDevice, report: DayReport) -> None:
    """Draw ``report`` on pages of ``device`` (a QPdfWriter or a QPrinter)."""
    p = QPainter(device)

    def next_page() -> QPainter:
        device.newPage()
        return p

    try:
        _paint(_Pages(device, p, next_page), report)
    finally:
        p.end()


def page_images(report: DayReport, dpi: int = 100) -> list[QImage]:
    """The pages as images (A4 inside 15 mm margins): a preview, and the proof in the tests
    that a closed day prints the same every time."""
    dots_per_metre = round(dpi / 0.0254)
    size = (round(180 / 25.4 * dpi), round(267 / 25.4 * dpi))
    images: list[QImage] = []
    painters: list[QPainter] = []

    def new_page() -> QPainter:
        if painters:
            painters[-1].end()
        image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
        image.fill(Qt.GlobalColor.white)
        images.append(image)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painters.append(painter)
        return painter

    first = new_page()
    try:
        _paint(_Pages(images[0], first, new_page), report)
    finally:
        painters[-1].end()
    return images


def _paint(pages: _Pages, report: DayReport) -> None:
    black = QColor(Qt.GlobalColor.black)
    pages.p.setPen(black)
    pages.text(
        QCoreApplication.translate("DayReport", "Day report {0}").format(report.day.isoformat()),
        size=16,
        bold=True,
    )
    pages.text(
        QCoreApplication.translate("DayReport", "Time zone {0}, {1} to {2}").format(
            report.zone, local_time(report, report.start), local_time(report, report.end)
        )
    )
    pages.text(till_text(report), bold=True)
    pages.text(closing_text(report))
    pages.text(reconciliation_text(report), gap=1.0)
    if not report.totals:
        pages.text(QCoreApplication.translate("DayReport", "No payments on this day."))
    for totals in report.totals:
        pages.text(
            QCoreApplication.translate("DayReport", "{0}: {1} payments, {2} declined").format(
                totals.currency, totals.payments, totals.declined
            ),
            size=12,
            bold=True,
        )
        chart_h = pages.line * 10
        pages.need(chart_h + pages.line * 1.3)
        half = pages.width / 2
        for x, caption in (
            (0.0, QCoreApplication.translate("DayReport", "Where the money went")),
            (
                half + pages.line,
                QCoreApplication.translate("DayReport", "Sales by hour ({0})").format(
                    totals.currency
                ),
            ),
        ):
            pages.p.drawText(
                QRectF(x, pages.y, half - pages.line, pages.line * 1.2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                caption,
            )
        pages.y += pages.line * 1.3
        paint_status_chart(pages.p, QRectF(0, pages.y, half - pages.line, chart_h), totals, black)
        paint_hour_chart(
            pages.p,
            QRectF(half + pages.line, pages.y, half - pages.line, chart_h),
            report.hourly.get(totals.currency, ()),
            totals.currency,
            black,
        )
        pages.y += chart_h + pages.line
    for title, group in (
        (QCoreApplication.translate("DayReport", "By terminal"), report.by_terminal),
        (QCoreApplication.translate("DayReport", "By operator"), report.by_operator),
        (QCoreApplication.translate("DayReport", "By card brand"), report.by_brand),
    ):
        _group_table(pages, title, group)
    pages.text(
        QCoreApplication.translate("DayReport", "Holds that lapse in the next 24 hours"),
        size=12,
        bold=True,
    )
    if not report.lapsing:
        pages.text(QCoreApplication.translate("DayReport", "None."))
    for hold in report.lapsing:
        pages.row(
            [
                hold.reference_order_id,
                money_text(hold.amount.minor, hold.amount.currency) + " " + hold.amount.currency,
                local_time(report, hold.deadline),
                hold.terminal_id,
            ]
        )


def _group_table(pages: _Pages, title: str, group: Sequence[GroupLine]) -> None:
    pages.text(title, size=12, bold=True)
    pages.row(
        [
            "",
            QCoreApplication.translate("DayReport", "Payments"),
            status_label("authorised"),
            status_label("captured"),
            status_label("refunded"),
            status_label("net"),
        ],
        bold=True,
    )
    pages.rule()
    for line in group:
        t = line.totals
        pages.row(
            [
                f"{line.name} ({t.currency})",
                str(t.payments),
                money_text(t.authorised, t.currency),
                money_text(t.captured, t.currency),
                money_text(t.refunded, t.currency),
                money_text(t.net, t.currency),
            ]
        )
    pages.y += pages.line * 0.6


def write_pdf(report: DayReport, target: Path) -> None:
    """The report as an A4 PDF at ``target`` (written beside it, then renamed over it)."""
    partial = target.with_name(f".{target.name}.partial")
    writer = QPdfWriter(str(partial))
    writer.setResolution(300)
    writer.setTitle(
        QCoreApplication.translate("DayReport", "Day report {0}").format(report.day.isoformat())
    )
    writer.setCreator("posapp")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    try:
        paint_report(writer, report)
        del writer  # flushes and closes the file
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
