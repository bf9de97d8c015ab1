"""The main window: composes the cashier and back-office views; no business logic."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.config import Environment, Settings
from posapp.ui.card_features import CardFeatures
from posapp.ui.changes import ChangeBridge
from posapp.ui.journal_health import JournalHealth
from posapp.ui.ports import CashierPort, JournalServerPort, SettingsPort, TillStatus
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.widgets.icons import icon

log = logging.getLogger(__name__)

OrdersFactory = Callable[[QWidget], QWidget]
DialogFactory = Callable[[QWidget], QDialog]
DayReportFactory = Callable[[QWidget], QWidget]


class MainWindow(QMainWindow):
    """Top-level window: environment banner, New payment and Orders a keystroke apart, and a
    status bar with the connection state and the payments still being settled.

    The status bar is read again when the till's change feed (``changes``) announces a change
    and after each payment the cashier sends; never on a timer."""

    STATUS_PAUSE_MS = 500  # after reading the status, the next read waits at least this long

    def __init__(
        self,
        settings: Settings,
        *,
        runner: TaskRunner | None = None,
        cashier: CashierPort | None = None,
        settings_port: SettingsPort | None = None,
        orders_factory: OrdersFactory | None = None,
        changes: ChangeBridge | None = None,
        reconciliation_factory: DialogFactory | None = None,
        day_report_factory: DayReportFactory | None = None,
        training_pin_hint: str = "",
        card_features: CardFeatures | None = None,
        health: JournalHealth | None = None,
        journal_port: JournalServerPort | None = None,
    ) -> None:
        super().__init__()
        # A back-office station keys no card: no New payment, no saved cards' charges
        self.back_office = settings.back_office
        self._card_features = None if self.back_office else card_features
        self.health = health
        self._journal_port = journal_port
        self.setWindowTitle(
            self.tr("posapp — back office")
            if self.back_office
            else self.tr("posapp — point of sale")
        )
        self.setWindowIcon(icon("app"))
        self.resize(1200, 800)
        self.setMinimumSize(1024, 700)
        self._settings = settings
        self._runner = runner or TaskRunner(self)
        self._cashier = cashier
        self._settings_port = settings_port
        self._pin_hint = training_pin_hint
        self._changes = changes
        self._reconciliation_factory = reconciliation_factory
        self.reconciliation: QDialog | None = None
        self._day_report_factory = day_report_factory
        self.day_report_window: QWidget | None = None
        self._status_busy = False
        self._status_again = False  # changes arrived while the status was being read
        # After a read, the next one waits a moment: a burst of changes (the poller settling
        # 200 payments) reads the status a few times, not once per batch.
        self._status_pause = QTimer(self)
        self._status_pause.setSingleShot(True)
        self._status_pause.setInterval(self.STATUS_PAUSE_MS)
        self._status_pause.timeout.connect(self._on_status_pause_over)
        self.pending_settings: Settings | None = None  # saved, applied at the next start

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = QLabel(self)
        self.banner.setObjectName("environmentBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # First run is training mode: the banner's link opens the settings to go live (H7).
        self.banner.linkActivated.connect(lambda _href: self.open_settings())
        layout.addWidget(self.banner)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setIconSize(QSize(20, 20))
        self.new_payment: QWidget | None = None
        if not self.back_office:
            self.new_payment = self._build_new_payment()
            index = self.tabs.addTab(self.new_payment, icon("new_payment"), self.tr("New payment"))
            self.tabs.setTabToolTip(index, self.tr("New payment (Ctrl+N)"))
        self.orders = self._build_orders(orders_factory)
        index = self.tabs.addTab(self.orders, icon("orders"), self.tr("Orders"))
        self.tabs.setTabToolTip(index, self.tr("Orders (Ctrl+O)"))
        self.customers: QWidget | None = None
        if self._card_features is not None:
            from posapp.ui.views.saved_cards_view import SavedCardsView

            self.customers = SavedCardsView(
                self._runner, self._card_features, settings.currency, self
            )
            index = self.tabs.addTab(self.customers, icon("orders"), self.tr("Customers"))
            self.tabs.setTabToolTip(index, self.tr("Saved cards and charges without the customer"))
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status_bar()
        self.apply_settings(settings)

        self._shutting_down = False  # close_for_shutdown: no questions asked
        if self._cashier is not None:
            if changes is not None:
                changes.changed.connect(self._on_changes)
            QTimer.singleShot(0, self.refresh_status)

    @property
    def runner(self) -> TaskRunner:
        return self._runner

    # -- composition ----------------------------------------------------------------------
    def _build_new_payment(self) -> QWidget:
        if self._cashier is None:
            return self._placeholder(self.tr("The payment service is not connected."))
        from posapp.ui.views.new_payment_view import NewPaymentView

        view = NewPaymentView(
            self._runner,
            self._cashier,
            self._settings,
            self,
            changes=self._changes,
            features=self._card_features,
            health=self.health,
        )
        view.payment_finished.connect(lambda _r: self.refresh_status())
        return view

    def _build_orders(self, factory: OrdersFactory | None) -> QWidget:
        if factory is not None:
            try:
                return factory(self)
            except Exception:  # an orders view that cannot open must not stop the till
                log.exception("the Orders view could not be built")
                return self._placeholder(self.tr("The order list could not be opened."))
        return self._placeholder(self.tr("The order list is not available in this build."))

    def _placeholder(self, text: str) -> QWidget:
        label = QLabel(text, self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setObjectName("placeholder")
        return label

    def _build_actions(self) -> None:
        menu = self.menuBar()
        till = menu.addMenu(self.tr("&Till"))
        self.action_new_payment = QAction(icon("new_payment"), self.tr("&New payment"), self)
        self.action_new_payment.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.action_new_payment.triggered.connect(self.show_new_payment)
        # a back-office station keys no payment: the menu item and Ctrl+N do nothing
        self.action_new_payment.setEnabled(self.new_payment is not None)
        self.action_new_payment.setVisible(self.new_payment is not None)
        self.action_orders = QAction(icon("orders"), self.tr("&Orders"), self)
        self.action_orders.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.action_orders.triggered.connect(self.show_orders)
        self.action_search = QAction(self.tr("&Search orders"), self)
        self.action_search.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.action_search.triggered.connect(self.search_orders)
        self.action_day_report = QAction(self.tr("&Day report…"), self)
        self.action_day_report.setShortcut(QKeySequence("Ctrl+D"))
        self.action_day_report.triggered.connect(self.show_day_report)
        self.action_day_report.setEnabled(self._day_report_factory is not None)
        self.action_settings = QAction(icon("settings"), self.tr("S&ettings…"), self)
        self.action_settings.setShortcut(QKeySequence("Ctrl+,"))
        self.action_settings.triggered.connect(self.open_settings)
        self.action_quit = QAction(self.tr("&Quit"), self)
        self.action_quit.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.action_quit.triggered.connect(self.close)
        for action in (
            self.action_new_payment,
            self.action_orders,
            self.action_search,
        ):
            till.addAction(action)
        till.addSeparator()
        till.addAction(self.action_day_report)
        till.addSeparator()
        till.addAction(self.action_settings)
        till.addSeparator()
        till.addAction(self.action_quit)
        orders = menu.addMenu(self.tr("&Orders"))
        self.action_reconcile = QAction(self.tr("&Reconcile with Antom…"), self)
        self.action_reconcile.triggered.connect(self.open_reconciliation)
        self.action_reconcile.setEnabled(self._reconciliation_factory is not None)
        orders.addAction(self.action_reconcile)
        for action in (self.action_new_payment, self.action_orders, self.action_search):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.connection_icon = QLabel(self)
        self.connection_label = QLabel(self.tr("Connecting…"), self)
        self.connection_label.setObjectName("connectionLabel")
        self.unsettled_label = QLabel("", self)
        self.unsettled_label.setObjectName("unsettledLabel")
        self.terminal_label = QLabel("", self)
        # the station's role, beside the terminal: "Back office" or "Till"
        self.role_label = QLabel(
            self.tr("Back office · every till") if self.back_office else self.tr("Till"), self
        )
        self.role_label.setObjectName("roleLabel")
        # orders paid more than once: a link to Orders > Duplicates, hidden when none
        self.duplicates_label = QLabel("", self)
        self.duplicates_label.setObjectName("duplicatesLabel")
        self.duplicates_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicates_label.linkActivated.connect(lambda _href: self.show_duplicates())
        self.duplicates_label.hide()
        bar.addWidget(self.connection_icon)
        bar.addWidget(self.connection_label)
        bar.addPermanentWidget(self.duplicates_label)
        bar.addPermanentWidget(self.unsettled_label)
        bar.addPermanentWidget(self.role_label)
        bar.addPermanentWidget(self.terminal_label)

    # -- environment ----------------------------------------------------------------------
    def apply_settings(self, settings: Settings) -> None:
        self._settings = settings
        env = settings.environment
        if env is Environment.TRAINING:
            text = self.tr(
                "TRAINING MODE — payments go to the embedded Antom sandbox; no real money moves"
            )
            if self._pin_hint:
                text += self.tr(" · manager PIN %1").replace("%1", self._pin_hint)
            link = self.tr("Set up live payments…")
        elif env is Environment.SANDBOX:
            text = self.tr("ANTOM SANDBOX — test cards only · client id %1").replace(
                "%1", settings.client_id
            )
        else:
            text = (
                self.tr("%1 — LIVE payments · client id %2")
                .replace("%1", settings.merchant_name)
                .replace("%2", settings.client_id)
            )
        if env is Environment.TRAINING:
            self.banner.setTextFormat(Qt.TextFormat.RichText)
            # white like the banner text (the palette's link blue is unreadable on amber)
            self.banner.setText(
                f"{html.escape(text)} · <a href='settings' style='color:#ffffff'>"
                f"{html.escape(link)}</a>"
            )
            text = f"{text} · {link}"
        else:
            self.banner.setTextFormat(Qt.TextFormat.PlainText)
            self.banner.setText(text)
        self.banner.setAccessibleName(text)
        self.banner.setProperty("environment", env.value)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.terminal_label.setText(
            self.tr("Terminal %1 · %2")
            .replace("%1", settings.terminal_id)
            .replace("%2", settings.currency)
        )
        view = self.new_payment
        if view is not None and hasattr(view, "set_settings"):
            view.set_settings(settings)

    # -- navigation -----------------------------------------------------------------------
    def show_new_payment(self) -> None:
        if self.new_payment is None:
            return  # a back-office station keys no payment
        self.tabs.setCurrentWidget(self.new_payment)
        amount = getattr(self.new_payment, "amount", None)
        if amount is not None:
            amount.setFocus()

    def show_orders(self) -> None:
        self.tabs.setCurrentWidget(self.orders)
        self.orders.setFocus()

    def show_duplicates(self) -> None:
        """Orders, on the list of orders paid more than once."""
        self.show_orders()
        show = getattr(self.orders, "show_duplicates", None)
        if callable(show):
            show()

    def show_day_report(self) -> QWidget | None:
        """The Day report in its own window (one at a time; raised when open already)."""
        if self._day_report_factory is None:
            return None
        if self.day_report_window is None:
            self.day_report_window = self._day_report_factory(self)
        self.day_report_window.show()
        self.day_report_window.activateWindow()  # brings an open one to the front
        return self.day_report_window

    def search_orders(self) -> None:
        self.show_orders()
        focus_search = getattr(self.orders, "focus_search", None)
        if callable(focus_search):
            focus_search()

    def open_reconciliation(self) -> None:
        """Orders › Reconcile…: one Reconciliation window, raised if already open."""
        if self._reconciliation_factory is None:
            return
        if self.reconciliation is None:
            self.reconciliation = self._reconciliation_factory(self)
            self.reconciliation.resize(1100, 720)
        if self.reconciliation.isVisible():  # already open: bring it to the front
            self.reconciliation.raise_()
            self.reconciliation.activateWindow()
        else:
            self.reconciliation.show()

    def open_settings(self) -> None:
        if self._settings_port is None:
            QMessageBox.information(
                self, self.tr("Settings"), self.tr("Settings are not available in this build.")
            )
            return
        from posapp.ui.views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self._runner,
            self._settings_port,
            self.pending_settings or self._settings,
            self,
            journal_port=self._journal_port,
        )
        dialog.settings_saved.connect(self._on_settings_saved)
        dialog.pin_changed.connect(self._on_pin_changed)
        dialog.open()
        self.settings_dialog = dialog

    def _on_pin_changed(self) -> None:
        # the first-run PIN on the training banner is no longer the PIN
        self._pin_hint = ""
        self.apply_settings(self._settings)

    def _on_settings_saved(self, settings: Settings) -> None:
        # The services were built from the settings at start-up (gateway, keys, currency,
        # terminal id...): only a restart applies those. The window keeps showing what the
        # running services really use until then.
        old = self._settings
        if settings == old:
            return
        if settings.language != old.language and settings == replace(
            old, language=settings.language
        ):
            message = self.tr("Restart posapp to show it in the new language.")
        elif settings.environment is not old.environment:
            message = self.tr("Restart posapp to switch to the new environment.")
        else:
            message = self.tr("Saved. Restart posapp to use the new settings.")
        self.pending_settings = settings
        self.statusBar().showMessage(message)
        QMessageBox.information(self, self.tr("Settings saved"), message)

    # -- status bar -----------------------------------------------------------------------
    def _on_changes(self, _batch: object) -> None:
        if self._status_pause.isActive():
            self._status_again = True
        else:
            self.refresh_status()

    def _on_status_pause_over(self) -> None:
        if self._status_again and not self._status_busy:
            self._status_again = False
            self.refresh_status()

    def refresh_status(self) -> None:
        if self._cashier is None:
            return
        if self._status_busy:
            self._status_again = True
            return
        self._status_busy = True
        self._runner.run(
            self._cashier.till_status,
            lane=Lane.READS,
            on_done=self._on_status,
            on_error=self._on_status_failed,
            owner=self,
            label="till status",
        )

    def _status_read(self) -> None:
        self._status_busy = False
        self._status_pause.start()  # what arrived meanwhile is read when the pause is over

    def _on_status(self, status: TillStatus) -> None:
        self._status_read()
        self.connection_icon.setPixmap(
            icon("online" if status.online else "offline").pixmap(
                QSize(14, 14), self.devicePixelRatioF()
            )
        )
        self.connection_label.setText(status.detail)
        if status.unsettled:
            self.unsettled_label.setText(
                self.tr("%n payment(s) being settled", "", status.unsettled)
            )
        else:
            self.unsettled_label.setText(self.tr("All payments settled"))
        self.show_duplicate_notice(status.duplicates)

    def show_duplicate_notice(self, orders: int) -> None:
        """The status bar's notice of orders with more than one successful payment."""
        if orders <= 0:
            self.duplicates_label.hide()
            self.duplicates_label.clear()
            return
        text = (
            self.tr("1 order has more than one successful payment")
            if orders == 1
            else self.tr("{0} orders have more than one successful payment").format(orders)
        )
        self.duplicates_label.setText(
            f"<a href='duplicates' style='color:#b45309; font-weight:600'>⚠ {html.escape(text)}</a>"
        )
        self.duplicates_label.setAccessibleName(text)
        self.duplicates_label.setToolTip(self.tr("Show them in Orders > Duplicates"))
        self.duplicates_label.show()

    def _on_status_failed(self, exc: BaseException) -> None:
        self._status_read()
        log.warning("till status failed: %s", exc)
        self.connection_label.setText(self.tr("Status unknown"))

    def close_for_shutdown(self) -> None:
        """Close without asking (the till is being shut down: SIGTERM, SIGINT). A payment
        on the wire is safe in the journal and settled on the next start."""
        self._shutting_down = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        view = self.new_payment
        if not self._shutting_down and getattr(view, "in_flight", False):
            answer = QMessageBox.question(
                self,
                self.tr("A payment is being sent"),
                self.tr(
                    "A payment is still being sent. It is safe in the journal and will be "
                    "settled on the next start. Quit anyway?"
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self._changes is not None:
            self._changes.close()
        if self.health is not None:
            self.health.stop()
        super().closeEvent(event)
