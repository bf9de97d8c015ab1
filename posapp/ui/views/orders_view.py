"""The back office: the order list (all orders, or the Held authorisations), its filters, the
details pane, and the manager actions (capture, cancel, refund, batches, receipts, CSV export).

The list is an OrderTableModel over the journal; every query and every service call runs
through the TaskRunner. Rows follow the till's change feed (this process's services and, through
the feed's audit-log follower, other processes), so they change as payments settle and new
payments appear without reloading the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
    QStaticText,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from posapp.core.domain import Payment, PaymentStatus
from posapp.core.services.backoffice import OperationResult
from posapp.core.services.changes import Change
from posapp.core.services.duplicates import DuplicateOrder
from posapp.ui.changes import ChangeBridge
from posapp.ui.i18n import user_error_text
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.csv_export import export_csv
from posapp.ui.models.order_model import Column, OrderQuery, OrderTableModel
from posapp.ui.models.orders_backend import (
    OrdersBackend,
    can_cancel,
    can_capture,
    can_refund,
    can_undo_duplicate,
)
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.views import receipt as receipts
from posapp.ui.views.batch_dialog import BatchAction, BatchDialog
from posapp.ui.views.cancel_dialog import CancelDialog
from posapp.ui.views.capture_dialog import CaptureDialog
from posapp.ui.views.duplicate_dialog import DuplicateDialog
from posapp.ui.views.payment_details import PaymentDetails
from posapp.ui.views.pin_dialog import ApprovedActionDialog
from posapp.ui.views.refund_dialog import RefundDialog
from posapp.ui.widgets.status_pill import TONE_COLOURS, Tone
from posapp.ui.widgets.till_box import TillBox

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
D = TypeVar("D", bound=ApprovedActionDialog)


class OrderCellDelegate(QStyledItemDelegate):
    """Paints the plain text cells of the order table straight from the model's cache.

    The stock delegate asks the model for seven roles per cell on every repaint; with live
    updates repainting the list several times a second that is most of the GUI thread's
    work. This one makes one call per cell. Accessibility and tests still use ``data()``.
    """

    CACHE = 4000  # laid-out texts kept (a screenful is ~200; scrolling brings new ones)

    def __init__(self, model: OrderTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._static: dict[tuple[str, int, int], tuple[QStaticText, float, float]] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        col = index.column()
        text, tint = self._model.cell(index.row(), col)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.highlight())
            colour = palette.highlightedText().color()
        else:
            if option.features & QStyleOptionViewItem.ViewItemFeature.Alternate:
                painter.fillRect(option.rect, palette.alternateBase())
            if tint is not None:
                painter.fillRect(option.rect, tint)
            colour = palette.text().color()
        rect = option.rect.adjusted(4, 0, -4, 0)
        if col == Column.ORDER and self._model.is_duplicate_row(index.row()):
            badge = self._model.duplicate_badge(index.row())
            rect.setRight(rect.right() - _paint_badge(painter, option, badge) - 4)
        if not text:
            return
        # Elided and laid out once per text and width, then drawn as static text: the same
        # strings come back on every repaint.
        key = (text, rect.width(), option.font.key().__hash__())
        entry = self._static.get(key)
        if entry is None:
            metrics = option.fontMetrics
            if col == Column.CARD:
                elided = elide_card(text, metrics, rect.width())
            else:
                elided = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, rect.width())
            static = QStaticText(elided)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(font=option.font)
            size = static.size()
            if len(self._static) >= self.CACHE:
                self._static.clear()
            entry = self._static[key] = (static, size.width(), size.height())
        static, width, height = entry
        x = rect.right() - width + 1 if col == Column.AMOUNT else rect.left()
        y = rect.top() + (rect.height() - height) / 2
        painter.setPen(colour)
        painter.setFont(option.font)
        painter.drawStaticText(QPointF(x, y), static)


def elide_card(text: str, metrics: QFontMetrics, width: int) -> str:
    """A masked card squeezed into ``width``: the brand is elided, never the last 4 digits
    ("Master… •••• 4622", then "•••• 4622", then "…4622")."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    brand, dots, last4 = text.rpartition(" •••• ")
    if not dots:
        return metrics.elidedText(text, Qt.TextElideMode.ElideLeft, width)
    tail = f"{dots}{last4}"
    room = width - metrics.horizontalAdvance(tail)
    shown = metrics.elidedText(brand, Qt.TextElideMode.ElideRight, room) if room > 0 else ""
    if shown and shown != "…":
        return shown + tail
    for short in (tail.strip(), f"…{last4}"):
        if metrics.horizontalAdvance(short) <= width:
            return short
    return last4


class StatusPillDelegate(QStyledItemDelegate):
    """Paints the status column as a rounded, coloured pill with white text.

    Each pill is drawn once per (status, label, size) into a pixmap and reused: the column is
    repainted with every live change and must cost next to nothing.
    """

    def __init__(self, model: OrderTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._cache: dict[tuple[str, str, int, int, float], QPixmap] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        status, text = self._model.status_cell(index.row())
        if not status or not text:
            super().paint(painter, option, index)
            return
        # The cell background the style would paint: selection, else the alternate row tint.
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        elif option.features & QStyleOptionViewItem.ViewItemFeature.Alternate:
            painter.fillRect(option.rect, option.palette.alternateBase())
        pixmap = self._pill(status, text, option)
        ratio = pixmap.devicePixelRatio() or 1.0
        y = option.rect.y() + (option.rect.height() - pixmap.height() / ratio) / 2
        painter.drawPixmap(int(option.rect.x() + 4), int(y), pixmap)

    def _pill(self, status: str, text: str, option: QStyleOptionViewItem) -> QPixmap:
        font = QFont(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        width = max(8, min(metrics.horizontalAdvance(text) + 18, option.rect.width() - 6))
        height = max(8, min(metrics.height() + 4, option.rect.height() - 4))
        widget = option.widget
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        key = (status, text, width, height, ratio)
        pixmap = self._cache.get(key)
        if pixmap is not None:
            return pixmap
        pixmap = QPixmap(int(width * ratio), int(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        bg, fg = _pill_colours(status)
        pill = QPainter(pixmap)
        pill.setRenderHint(QPainter.RenderHint.Antialiasing)
        pill.setPen(Qt.PenStyle.NoPen)
        pill.setBrush(bg)
        rect = QRectF(0, 0, width, height)
        pill.drawRoundedRect(rect, height / 2, height / 2)
        pill.setPen(QPen(fg))
        pill.setFont(font)
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 10)
        pill.drawText(rect, Qt.AlignmentFlag.AlignCenter, elided)
        pill.end()
        if len(self._cache) > 200:
            self._cache.clear()
        self._cache[key] = pixmap
        return pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 24, hint.height())


_PILLS: dict[str, tuple[QColor, QColor]] = {}
DUPLICATE_BADGE = (QColor("#b45309"), QColor("#ffffff"))  # amber, like other warnings


def _paint_badge(painter: QPainter, option: QStyleOptionViewItem, text: str) -> int:
    """The duplicate badge ("×2") at the right end of an order cell; the width it took."""
    font = QFont(option.font)
    font.setBold(True)
    font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    metrics = QFontMetrics(font)
    width = metrics.horizontalAdvance(text) + 10
    height = min(metrics.height() + 2, option.rect.height() - 4)
    rect = QRectF(
        option.rect.right() - 4 - width,
        option.rect.top() + (option.rect.height() - height) / 2,
        width,
        height,
    )
    bg, fg = DUPLICATE_BADGE
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, 3, 3)
    painter.setPen(QPen(fg))
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
    return width


def _bold_metrics(widget: QWidget) -> QFontMetrics:
    font = widget.font()
    font.setBold(True)
    return QFontMetrics(font)


def _pill_colours(status: str) -> tuple[QColor, QColor]:
    colours = _PILLS.get(status)
    if colours is None:
        try:
            tone = Tone(pf.TONES.get(PaymentStatus(status), "neutral"))
        except ValueError:
            tone = Tone.NEUTRAL
        bg, fg = TONE_COLOURS[tone]
        colours = _PILLS[status] = (QColor(bg), QColor(fg))
    return colours


PERIODS = ("all", "today", "7d", "30d", "custom")
DUPLICATES_TAB = 2  # after All orders and Held


class OrdersView(QWidget):
    """The Orders work area: filters, the order table, the details pane, the actions.

    Signals: ``action_finished(object)`` after a capture / cancel / refund (the service's
    OperationResult; None for a batch row that could not be sent);
    ``exported(str, int)`` after a CSV export (path, rows); ``duplicates_changed(int)``.

    Live rows follow the till's change feed (``changes``, a ChangeBridge): each batch of
    changed payments is applied in place; the view reads nothing on a timer of its own.
    """

    action_finished = Signal(object)
    exported = Signal(str, int)
    duplicates_changed = Signal(int)  # orders with more than one successful payment

    filter_bar: QHBoxLayout  # built by _build_filters
    status_line: QLabel

    FILTER_DELAY_MS = 250
    APPLY_PAUSE_MS = 400  # after applying live changes, the next ones wait at least this long

    def __init__(
        self,
        runner: TaskRunner,
        backend: OrdersBackend,
        *,
        parent: QWidget | None = None,
        changes: ChangeBridge | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ordersView")
        self._runner = runner
        self.backend = backend
        self._duplicates_busy = False
        self._duplicates_again = False

        self.model = OrderTableModel(
            self.backend.source, submit=self._submit, now=self.backend.now, parent=self
        )
        self.model.count_changed.connect(self._on_count_changed)
        self.model.rows_loaded.connect(self._on_rows_loaded)
        self.model.load_failed.connect(self._on_load_failed)

        self._build_filters()
        self._build_table()
        self._build_actions()
        self.details = PaymentDetails(self._runner, self.backend.events, self)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(self.action_bar)
        left_layout.addWidget(self.table, 1)
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([640, 400])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.view_tabs)
        layout.addLayout(self.filter_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_line)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(self.FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filters)
        self._pending_changes: dict[int, Payment] = {}
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(self.APPLY_PAUSE_MS)
        self._apply_timer.timeout.connect(self._apply_pending)
        # a clock, not a poll: "time left" moves on its own; repainted, nothing read
        self._clock_timer = QTimer(self)
        self._clock_timer.setObjectName("ordersClockTimer")
        self._clock_timer.setInterval(30_000)
        self._clock_timer.timeout.connect(self.model.refresh_times)
        self._clock_timer.start()

        self.apply_filters()
        self.refresh_duplicates()
        self.refresh_terminals()
        # This process's changes and (through the feed's audit-log follower) other
        # processes' arrive as batches on the GUI thread.
        if changes is not None:
            changes.changed.connect(self._on_changes)
        self._update_actions()

    # -- building -----------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.view_tabs = QTabBar(self)
        self.view_tabs.setObjectName("ordersViewTabs")
        self.view_tabs.setExpanding(False)
        self.view_tabs.setDocumentMode(True)
        self.view_tabs.addTab(self.tr("All orders"))
        self.view_tabs.addTab(self.tr("Held"))
        self.view_tabs.setTabToolTip(
            1, self.tr("Authorised payments waiting for a capture, the least time left first")
        )
        self.view_tabs.addTab(self.tr("Duplicates"))
        self.view_tabs.setTabToolTip(
            DUPLICATES_TAB,
            self.tr(
                "Orders with more than one successful payment: give the extra one back "
                "(Undo duplicate)"
            ),
        )
        self.view_tabs.setAccessibleName(self.tr("Order list"))
        self.view_tabs.currentChanged.connect(lambda _i: self.apply_filters())

        self.search = QLineEdit(self)
        self.search.setObjectName("ordersSearch")
        self.search.setPlaceholderText(
            self.tr("Search: order reference, last 4 digits or payment ID")
        )
        self.search.setAccessibleName(self.tr("Search orders"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._filter_timer.start())
        # Enter or Down: into the results (Enter applies the search first)
        self.search.returnPressed.connect(self._search_entered)
        self.search.installEventFilter(self)
        self._into_results = False  # move into the results once the search has loaded

        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.setAccessibleName(self.tr("Status filter"))
        self.status_filter.addItem(self.tr("All statuses"), None)
        for status in PaymentStatus:
            self.status_filter.addItem(pf.label_for_status(status), status.value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())

        # Whose payments: every till's (a shared journal holds them all) or one terminal's
        self.terminal_filter = TillBox(self)
        self.terminal_filter.setObjectName("terminalFilter")
        self.terminal_filter.setAccessibleName(self.tr("Terminal filter"))
        self.terminal_filter.setToolTip(self.tr("Show the payments of every till or of one"))
        self.terminal_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())

        self.period = QComboBox(self)
        self.period.setObjectName("periodFilter")
        self.period.setAccessibleName(self.tr("Period"))
        for key, label in zip(
            PERIODS,
            (
                self.tr("Any time"),
                self.tr("Today"),
                self.tr("Last 7 days"),
                self.tr("Last 30 days"),
                self.tr("Dates…"),
            ),
            strict=True,
        ):
            self.period.addItem(label, key)
        self.period.currentIndexChanged.connect(self._on_period_changed)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7), self)
        self.date_to = QDateEdit(today, self)
        for edit, name in (
            (self.date_from, self.tr("From date")),
            (self.date_to, self.tr("To date")),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.setVisible(False)
            edit.dateChanged.connect(lambda _d: self._filter_timer.start())

        self.filter_bar = QHBoxLayout()
        self.filter_bar.addWidget(self.search, 3)
        self.filter_bar.addWidget(self.status_filter, 1)
        self.filter_bar.addWidget(self.terminal_filter, 1)
        self.filter_bar.addWidget(self.period, 1)
        self.filter_bar.addWidget(self.date_from)
        self.filter_bar.addWidget(self.date_to)

        self.status_line = QLabel(self)
        self.status_line.setObjectName("ordersStatus")
        # Its text changes with every live insert: a fixed line must not relayout the view.
        self.status_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.status_line.setFixedHeight(self.status_line.fontMetrics().height() + 6)

    def _build_table(self) -> None:
        table = QTableView(self)
        table.setObjectName("ordersTable")
        table.setAccessibleName(self.tr("Orders"))
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        # References and ids differ at their ends: keep both ends visible when squeezed.
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.setCornerButtonEnabled(False)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.verticalHeader().setVisible(False)
        # Fixed row heights: a million rows must not be measured one by one.
        vheader = table.verticalHeader()
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = table.fontMetrics()
        widths = {
            Column.TIME: metrics.horizontalAdvance("11-25 19:00") + 14,
            # checkout's references end in six random characters: wide letters stand in
            Column.ORDER: metrics.horizontalAdvance("ORD261125T192349-MWMWMW") + 14,
            Column.AMOUNT: metrics.horizontalAdvance("SGD 12,345.00") + 12,
            Column.CARD: metrics.horizontalAdvance("Mastercard •••• 0000") + 12,
            # Wide enough for the common labels; a rare long one is elided (full in the tooltip).
            Column.STATUS: _bold_metrics(table).horizontalAdvance(
                pf.label_for_status(PaymentStatus.PARTIALLY_REFUNDED)
            )
            + 30,
            Column.TIME_LEFT: max(
                metrics.horizontalAdvance(text)
                for text in (
                    # the model's words, in the language shown (Chinese ones are wider)
                    QCoreApplication.translate("OrderTableModel", "{0} d {1} h").format(6, 23),
                    QCoreApplication.translate("OrderTableModel", "{0} h {1} min").format(23, 59),
                    QCoreApplication.translate("OrderTableModel", "released"),
                )
            )
            + 16,
        }
        # a header's own words are never cut either ("Time left" is wider than "6 d 23 h")
        header_font = QFontMetrics(header.font())
        for column in widths:
            label = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            widths[column] = max(widths[column], header_font.horizontalAdvance(label) + 20)
        for column, width in widths.items():
            header.resizeSection(column, width)
        self._natural_widths = widths
        # The narrowest a squeezed column may get: a reference keeps both ends (elided in
        # the middle), a card its last four.
        self._min_widths = {
            Column.ORDER: metrics.horizontalAdvance("ORD26…-D3DC") + 14,
            Column.CARD: metrics.horizontalAdvance("Vi…0000") + 12,
            # its last digits (the whole id is in the details pane)
            Column.PAYMENT_ID: metrics.horizontalAdvance("2026…6672") + 12,
        }
        self._fitted_width = -1
        table.viewport().installEventFilter(self)
        table.setItemDelegate(OrderCellDelegate(self.model, table))
        table.setItemDelegateForColumn(Column.STATUS, StatusPillDelegate(self.model, table))
        table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        # Enter or a double click: capture a hold, or refund a paid payment.
        table.activated.connect(lambda _i: self.primary_action())
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_context_menu)
        self.table = table

    # -- column sizing ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self.fit_columns()
        elif (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self._filter_timer.stop()
            self.apply_filters()
            self.enter_results()
            return True
        return super().eventFilter(watched, event)

    def fit_columns(self, *, force: bool = False) -> None:
        """Fit the columns to the table's width: time, time left, amount and the status pill
        always whole; order reference and card shrink (elided in the middle) before anything
        is cut; the payment id (also in the details pane) goes first when space runs out."""
        width = self.table.viewport().width()
        if width <= 0 or (width == self._fitted_width and not force):
            return
        self._fitted_width = width
        header = self.table.horizontalHeader()
        natural = self._natural_widths
        fixed = sum(natural[c] for c in (Column.TIME, Column.TIME_LEFT, Column.AMOUNT))
        fixed += natural[Column.STATUS]
        room = width - fixed
        flexible = (Column.ORDER, Column.CARD)
        wanted = sum(natural[c] for c in flexible)
        show_id = room >= wanted + self._min_widths[Column.PAYMENT_ID]
        header.setSectionHidden(Column.PAYMENT_ID, not show_id)
        if show_id:
            # the last section stretches, but never below the size it was given
            header.resizeSection(Column.PAYMENT_ID, self._min_widths[Column.PAYMENT_ID])
        if room >= wanted:
            # no payment id: what it would have had goes to the reference and the card, not
            # to whichever column happens to be last
            extra = 0 if show_id else room - wanted
            sizes = {c: natural[c] + extra * natural[c] // wanted for c in flexible}
        else:
            # share what is left in proportion to the natural widths, never below the minimum
            spare = max(room - sum(self._min_widths[c] for c in flexible), 0)
            extra = sum(natural[c] - self._min_widths[c] for c in flexible)
            sizes = {
                c: self._min_widths[c]
                + (spare * (natural[c] - self._min_widths[c]) // extra if extra > 0 else 0)
                for c in flexible
            }
        for column, size in sizes.items():
            header.resizeSection(column, size)
        for column in (Column.TIME, Column.TIME_LEFT, Column.AMOUNT, Column.STATUS):
            if header.sectionSize(column) != natural[column]:
                header.resizeSection(column, natural[column])

    def _build_actions(self) -> None:
        def button(text: str, tip: str, slot: Callable[[], object], name: str) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setObjectName(name)
            b.setAccessibleName(text.replace("&", "").rstrip("…"))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.clicked.connect(slot)
            return b

        self.capture_button = button(
            self.tr("&Capture…"),
            self.tr("Capture the held amount (manager PIN)"),
            self.capture_selected,
            "captureButton",
        )
        self.cancel_button = button(
            self.tr("Ca&ncel…"),
            self.tr("Release the hold (manager PIN)"),
            self.cancel_selected,
            "cancelButton",
        )
        self.refund_button = button(
            self.tr("&Refund…"),
            self.tr("Give money back (manager PIN)"),
            self.refund_selected,
            "refundButton",
        )
        self.receipt_button = button(
            self.tr("Recei&pt"),
            self.tr("Print or save the receipt"),
            self.print_selected,
            "receiptButton",
        )
        menu = QMenu(self.receipt_button)
        self.action_print = QAction(self.tr("Print…"), self)
        self.action_print.triggered.connect(self.print_selected)
        self.action_pdf = QAction(self.tr("Save as PDF…"), self)
        self.action_pdf.triggered.connect(self.save_selected_pdf)
        menu.addAction(self.action_print)
        menu.addAction(self.action_pdf)
        self.receipt_button.setMenu(menu)
        self.receipt_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.export_button = button(
            self.tr("&Export CSV…"),
            self.tr("Export the rows of this view to a CSV file"),
            self.export_current_view,
            "exportButton",
        )
        # the list runs newest first (Held: least time left first); this goes to its end
        self.end_button = button(
            self.tr("Jump to oldest"),
            self.tr("Go to the oldest order, at the end of the list (Ctrl+End)"),
            self.jump_to_end,
            "endButton",
        )
        self.duplicate_button = button(
            self.tr("&Undo duplicate…"),
            self.tr("Give back the extra payment of an order paid twice (manager PIN)"),
            self.undo_duplicate_selected,
            "undoDuplicateButton",
        )
        self.action_bar = QHBoxLayout()
        for b in (self.capture_button, self.cancel_button, self.refund_button, self.receipt_button):
            self.action_bar.addWidget(b)
        self.action_bar.addWidget(self.duplicate_button)
        self.action_bar.addStretch(1)
        self.action_bar.addWidget(self.end_button)
        self.action_bar.addWidget(self.export_button)
        # Ctrl+F is the main window's (Till > Search orders): a second claim here made the
        # key ambiguous, and Qt then runs neither
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_selected)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)

    # -- queries ------------------------------------------------------------------------
    def _submit(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        # Reads run on their own lane: never behind a write or a call waiting on Antom.
        self._runner.run(
            fn, lane=Lane.READS, on_done=done, on_error=failed, owner=self, label="load orders"
        )

    @property
    def held_view(self) -> bool:
        return self.view_tabs.currentIndex() == 1

    @property
    def duplicates_view(self) -> bool:
        return self.view_tabs.currentIndex() == DUPLICATES_TAB

    def show_duplicates(self) -> None:
        """Switch to the Duplicates list (the status bar's notice links here)."""
        self.view_tabs.setCurrentIndex(DUPLICATES_TAB)

    def current_query(self) -> OrderQuery:
        status = self.status_filter.currentData()
        since = until = None
        period = self.period.currentData()
        now = datetime.now().astimezone()
        midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
        if period == "today":
            since = midnight
        elif period == "7d":
            since = midnight - timedelta(days=6)
        elif period == "30d":
            since = midnight - timedelta(days=29)
        elif period == "custom":
            start, end = self.date_from.date(), self.date_to.date()
            if end < start:
                start, end = end, start
            first = date(start.year(), start.month(), start.day())
            last = date(end.year(), end.month(), end.day())
            since = datetime.combine(first, time(), tzinfo=now.tzinfo)
            until = datetime.combine(last, time(), tzinfo=now.tzinfo) + timedelta(days=1)
        held = self.held_view
        duplicates = self.duplicates_view
        return OrderQuery(
            statuses=frozenset()
            if (status is None or held or duplicates)
            else frozenset({PaymentStatus(status)}),
            since=since.astimezone(UTC) if since else None,
            until=until.astimezone(UTC) if until else None,
            text=self.search.text().strip(),
            held=held,
            duplicates=duplicates,
            terminal=self.terminal_filter.terminal(),
        )

    def apply_filters(self) -> None:
        self._filter_timer.stop()
        self.status_filter.setEnabled(not self.held_view and not self.duplicates_view)
        self._label_end_button()
        # In the Held list the time left is what matters: show it next to the time.
        header = self.table.horizontalHeader()
        header.moveSection(
            header.visualIndex(Column.TIME_LEFT), 1 if self.held_view else Column.TIME_LEFT
        )
        query = self.current_query()
        if query == self.model.query and self.model.total:
            return
        self.status_line.setText(self.tr("Loading…"))
        self.details.clear()
        self.model.set_query(query)
        self._update_actions()

    def _label_end_button(self) -> None:
        if self.held_view:
            text = self.tr("Jump to end")
            tip = self.tr("Go to the hold with the most time left, at the end (Ctrl+End)")
        else:
            text = self.tr("Jump to oldest")
            tip = self.tr("Go to the oldest order, at the end of the list (Ctrl+End)")
        self.end_button.setText(text)
        self.end_button.setToolTip(tip)
        self.end_button.setAccessibleName(text)

    def reload(self) -> None:
        self.details.clear()
        self.model.reload()

    def _on_period_changed(self, _index: int) -> None:
        custom = self.period.currentData() == "custom"
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)
        self.apply_filters()

    def _on_count_changed(self, n: int) -> None:
        self.export_button.setEnabled(n > 0)
        if n == 0:
            self._into_results = False
        if self.duplicates_view:
            text = (
                self.tr("1 payment on orders paid more than once")
                if n == 1
                else self.tr("{0} payments on orders paid more than once").format(f"{n:,}")
            )
        elif self.held_view:
            text = (
                self.tr("1 held authorisation")
                if n == 1
                else self.tr("{0} held authorisations").format(f"{n:,}")
            )
        else:
            text = self.tr("1 order") if n == 1 else self.tr("{0} orders").format(f"{n:,}")
        self.status_line.setText(text)

    def _on_rows_loaded(self, first: int, count: int) -> None:
        self._move_into_results()
        # A payment shown in the details pane may just have been read again.
        current = self.details.payment
        if current is not None:
            row = self.model.row_of(current.id)
            if row is not None and first <= row < first + count:
                fresh = self.model.payment_at(row)
                if fresh is not None and fresh.version != current.version:
                    self.details.show_payment(fresh)

    def _on_load_failed(self, message: str) -> None:
        self.status_line.setText(message)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_entered(self) -> None:
        self.apply_filters()
        self.enter_results()

    def enter_results(self) -> None:
        """From the search box into the list: the first row selected and focused, now or, while
        the search is still loading, as soon as its first rows are in."""
        self._into_results = True
        self._move_into_results()

    def _move_into_results(self) -> None:
        if not self._into_results or self.model.rowCount() == 0 or not self.model.is_loaded(0):
            return  # still loading (nothing found: _on_count_changed drops the wish)
        self._into_results = False
        self.table.setFocus()
        if not self.table.selectionModel().hasSelection():
            self.select_rows([0])

    def jump_to_end(self) -> None:
        if self.model.rowCount() == 0:
            return
        last = self.model.index(self.model.rowCount() - 1, 0)
        self.table.scrollTo(last, QAbstractItemView.ScrollHint.PositionAtBottom)
        self.table.setCurrentIndex(last)

    # -- following the change feed ------------------------------------------------------
    @Slot(object)
    # -- the terminal filter ------------------------------------------------------------
    def refresh_terminals(self) -> None:
        """Read the terminals seen in the journal again (off the GUI thread)."""
        self._runner.run(
            self.backend.terminals,
            lane=Lane.READS,
            on_done=self._on_terminals,
            on_error=lambda exc: log.warning("terminals could not be read: %s", exc),
            owner=self,
            label="terminals",
        )

    def terminals(self) -> list[str]:
        """The terminal ids the filter offers (after "All tills")."""
        return self.terminal_filter.terminals()

    def _on_terminals(self, found: list[str]) -> None:
        self.terminal_filter.add_terminals(found)

    def set_terminal(self, terminal: str) -> None:
        """Show one terminal's payments ('' for every till's)."""
        self.terminal_filter.choose(terminal)

    def _on_changes(self, batch: tuple[Change, ...]) -> None:
        for change in batch:
            payment = change.payment
            if payment is None:
                continue
            self.terminal_filter.add_terminal(payment.terminal_id)
            known = self._pending_changes.get(payment.id)
            if known is None or known.version <= payment.version:
                self._pending_changes[payment.id] = payment
        if not self._apply_timer.isActive():
            self._apply_pending()  # quiet until now: at once; else when the pause ends

    def _apply_pending(self) -> None:
        payments = list(self._pending_changes.values())
        self._pending_changes.clear()
        if payments:
            self.apply_changes(payments)
            # a burst (the poller settling 200 payments) repaints the list a few times a
            # second, not once per batch
            self._apply_timer.start()

    def apply_changes(self, payments: list[Payment]) -> None:
        """Newer versions of payments (one batch of the feed): rows in place, new payments
        inserted, the details pane, the duplicates."""
        if not payments:
            return
        shown: dict[int, Payment] = {}
        fresh: dict[int, Payment] = {}
        for payment in payments:
            if self.model.row_of(payment.id) is not None:
                shown[payment.id] = payment
            else:
                fresh[payment.id] = payment
        self.model.update_payments(list(shown.values()))
        newest = self._newest_shown()
        self.model.insert_many([p for p in fresh.values() if p.created_at >= newest])
        current = self.details.payment
        if current is not None:
            for payment in payments:
                if payment.id == current.id and payment.version != current.version:
                    self.details.show_payment(payment)
        self._update_actions()
        self.refresh_duplicates()

    def _newest_shown(self) -> datetime:
        """Only payments newer than the top row are inserted live (older ones are off screen
        or filtered out, and come with the next reload)."""
        if self.held_view:
            return datetime.min.replace(tzinfo=UTC)
        top = self.model.payment_at(0)
        return top.created_at if top is not None else datetime.min.replace(tzinfo=UTC)

    # -- selection and actions ----------------------------------------------------------
    def selected_payments(self) -> list[Payment]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return self.model.loaded_payments(rows)

    def select_rows(self, rows: list[int]) -> None:
        selection = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        if rows:
            selection.setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        selection.clearSelection()
        for row in rows:
            selection.select(self.model.index(row, 0), flags)

    def _on_selection_changed(self) -> None:
        selected = self.selected_payments()
        if len(selected) == 1:
            self.details.show_payment(selected[0])
        elif not selected:
            self.details.clear()
        self._update_actions()

    def _update_actions(self) -> None:
        selected = self.selected_payments()
        now = self.backend.now()
        self.capture_button.setEnabled(
            bool(selected) and all(can_capture(p, now) for p in selected)
        )
        self.cancel_button.setEnabled(bool(selected) and all(can_cancel(p) for p in selected))
        self.refund_button.setEnabled(len(selected) == 1 and can_refund(selected[0]))
        self.receipt_button.setEnabled(len(selected) == 1 and bool(pf.payment_id(selected[0])))
        self.duplicate_button.setEnabled(
            len(selected) == 1 and can_undo_duplicate(selected[0], self.model.duplicate_orders)
        )
        self.export_button.setEnabled(self.model.rowCount() > 0)

    def primary_action(self) -> None:
        selected = self.selected_payments()
        if len(selected) != 1:
            return
        p = selected[0]
        if can_capture(p, self.backend.now()):
            self.capture_selected()
        elif can_refund(p):
            self.refund_selected()

    def _on_context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for b in (
            self.capture_button,
            self.cancel_button,
            self.refund_button,
            self.duplicate_button,
        ):
            action = menu.addAction(b.text().replace("&", ""), b.click)
            action.setEnabled(b.isEnabled())
        menu.addSeparator()
        for action in (self.action_print, self.action_pdf):
            action.setEnabled(self.receipt_button.isEnabled())
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _open(self, dialog: D) -> D:
        dialog.action_finished.connect(self._on_action_finished)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def capture_selected(self) -> BatchDialog | CaptureDialog | None:
        selected = self.selected_payments()
        if len(selected) > 1:
            return self.batch(BatchAction.CAPTURE, selected)
        if len(selected) != 1 or not can_capture(selected[0], self.backend.now()):
            return None
        return self._open(
            CaptureDialog(selected[0], self.backend, self._runner, self.backend.now(), self)
        )

    def cancel_selected(self) -> BatchDialog | CancelDialog | None:
        selected = self.selected_payments()
        if len(selected) > 1:
            return self.batch(BatchAction.CANCEL, selected)
        if len(selected) != 1 or not can_cancel(selected[0]):
            return None
        return self._open(CancelDialog(selected[0], self.backend, self._runner, self))

    def refund_selected(self) -> RefundDialog | None:
        selected = self.selected_payments()
        if len(selected) != 1 or not can_refund(selected[0]):
            return None
        return self._open(RefundDialog(selected[0], self.backend, self._runner, self))

    # -- duplicates (more than one successful payment for one order) ---------------------
    def refresh_duplicates(self) -> None:
        """Ask the worker which orders still have more than one successful payment."""
        if self._duplicates_busy:
            self._duplicates_again = True
            return
        self._duplicates_busy = True
        self._runner.run(
            self.backend.duplicate_orders,
            lane=Lane.READS,
            on_done=self._on_duplicates,
            on_error=self._on_duplicates_failed,
            owner=self,
            label="duplicate orders",
        )

    def _on_duplicates(self, references: dict[str, int]) -> None:
        self._duplicates_busy = False
        before = self.model.duplicate_counts
        self.model.set_duplicate_orders(references)
        count = len(references)
        self.view_tabs.setTabText(
            DUPLICATES_TAB,
            self.tr("Duplicates ({0})").format(count) if count else self.tr("Duplicates"),
        )
        if self.duplicates_view and references != before:
            self.reload()
        self._update_actions()
        self.duplicates_changed.emit(count)
        if self._duplicates_again:
            self._duplicates_again = False
            self.refresh_duplicates()

    def _on_duplicates_failed(self, exc: BaseException) -> None:
        self._duplicates_busy = False
        log.warning("reading the duplicate orders failed: %s", exc)

    def undo_duplicate_selected(self) -> bool:
        """Open the undo dialog for the selected row's order (its payments read first)."""
        selected = self.selected_payments()
        if len(selected) != 1 or not can_undo_duplicate(selected[0], self.model.duplicate_orders):
            return False
        self.duplicate_button.setEnabled(False)
        self._runner.run(
            self.backend.duplicate_order,
            selected[0].reference_order_id,
            lane=Lane.READS,
            on_done=self._on_duplicate_order,
            on_error=self._on_duplicate_order_failed,
            owner=self,
            label="duplicate order",
        )
        return True

    def _on_duplicate_order(self, order: DuplicateOrder | None) -> None:
        self._update_actions()
        if order is None:  # given back meanwhile (another window, another till)
            self.status_line.setText(self.tr("This order has only one successful payment now."))
            self.refresh_duplicates()
            return
        self.duplicate_dialog = self._open(DuplicateDialog(order, self.backend, self._runner, self))

    def _on_duplicate_order_failed(self, exc: BaseException) -> None:
        self._update_actions()
        self.status_line.setText(user_error_text(exc) or str(exc))

    def batch(self, action: BatchAction, payments: list[Payment]) -> BatchDialog:
        dialog = BatchDialog(action, payments, self.backend, self._runner, self)
        dialog.row_finished.connect(lambda _row, result: self._on_action_finished(result))
        dialog.setModal(True)
        dialog.show()
        return dialog

    def _on_action_finished(self, result: OperationResult | None) -> None:
        if result is not None:
            self.apply_changes([result.payment])  # the manager is looking at this row
        self.refresh_duplicates()
        self.action_finished.emit(result)

    # -- receipts and export ------------------------------------------------------------
    def _single(self) -> Payment | None:
        selected = self.selected_payments()
        return selected[0] if len(selected) == 1 else None

    def print_selected(self) -> bool:
        payment = self._single()
        if payment is None:
            return False
        return receipts.print_receipt(self.backend.receipt(payment), self)

    def save_selected_pdf(self, path: Path | None = None) -> Path | None:
        payment = self._single()
        if payment is None:
            return None
        data = self.backend.receipt(payment)
        if path is None:
            return receipts.ask_and_save_pdf(data, self)
        return receipts.save_pdf(data, path)

    def export_current_view(self, path: Path | None = None) -> None:
        if path is None:
            name, _f = QFileDialog.getSaveFileName(
                self,
                self.tr("Export orders"),
                f"orders-{datetime.now():%Y%m%d-%H%M}.csv",
                self.tr("CSV files (*.csv)"),
            )
            if not name:
                return
            path = Path(name)
        query, source = self.model.query, self.backend.source
        self.export_button.setEnabled(False)
        self.status_line.setText(self.tr("Exporting…"))
        self._runner.run(
            export_csv,
            source,
            query,
            path,
            lane=Lane.WRITES,  # slow local work (a file of every row): never holds up a read
            on_done=lambda n: self._on_exported(path, n),
            on_error=self._on_export_failed,
            on_progress=lambda n: self.status_line.setText(
                self.tr("Exporting… {0} rows").format(n)
            ),
            owner=self,
            label="export CSV",
        )

    def _on_exported(self, path: Path, rows: int) -> None:
        self.export_button.setEnabled(True)
        self.status_line.setText(
            self.tr("%n row(s) exported to %1", "", rows).replace("%1", str(path))
        )
        self.exported.emit(str(path), rows)

    def _on_export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        message = user_error_text(exc) or str(exc)
        self.status_line.setText(self.tr("The export failed: {0}").format(message))
        QMessageBox.warning(self, self.tr("Export orders"), self.status_line.text())
