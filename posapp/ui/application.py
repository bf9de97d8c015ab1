"""QApplication set-up: names, style sheet, translations, excepthook; then the main window."""

from __future__ import annotations

import logging
import os
import signal
import socket
import stat
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from posapp import __version__
from posapp.config import Settings
from posapp.paths import AppDirs, resource
from posapp.ui.changes import ChangeBridge
from posapp.ui.journal_health import JournalHealth
from posapp.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from posapp.app import Backend
    from posapp.ui.card_features import CardFeatures
    from posapp.ui.main_window import MainWindow
    from posapp.ui.models.orders_backend import OrdersBackend
    from posapp.ui.till import Till
    from posapp.ui.views.orders_view import OrdersView

log = logging.getLogger(__name__)


def no_dbus_autolaunch(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Keep libdbus from starting a session bus of its own; True when the environment changed.

    Under X with no session bus in the environment (ssh -X, Xvfb, a bare window manager),
    QtDBus (the menu bar looks for a desktop-wide menu) lets libdbus "autolaunch" one with
    dbus-launch, and that dbus-daemon outlives the till: one more per start on a new display.
    A bus that libdbus finds by itself ($XDG_RUNTIME_DIR/bus) is left alone; with none,
    ``disabled:`` tells libdbus there is no session bus (the keyring needs one anyway: without
    it, training works and the other modes refuse to start, as before).
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    if environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        try:
            if stat.S_ISSOCK((Path(runtime) / "bus").stat().st_mode):
                return False
        except OSError:
            pass
    environ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
    return True


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    no_dbus_autolaunch()
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("posapp")
    app.setOrganizationName("posapp")
    app.setApplicationVersion(__version__)
    return app


def style_sheet() -> str:
    """The application style sheet (``resources/styles/posapp.qss``), or '' if missing."""
    try:
        return resource("styles", "posapp.qss").read_text(encoding="utf-8")
    except OSError:
        log.warning("style sheet not found; using the platform style")
        return ""


def apply_style(app: QApplication) -> None:
    app.setStyleSheet(style_sheet())


def install_translations(app: QApplication, settings: Settings) -> None:
    try:
        from posapp.ui.i18n import install_translators
    except ImportError:
        return
    try:
        install_translators(app, settings.language)
    except Exception:  # a missing catalogue falls back to English, never stops the till
        log.exception("translations could not be loaded")


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    # Never show a traceback to a cashier: log it (redacted) and say something useful.
    log.error("unhandled error", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is not None:
        QMessageBox.critical(
            None,
            "posapp",
            QCoreApplication.translate(
                "Application",
                "Something went wrong inside posapp. Payments already sent are safe in the "
                "journal; the details were written to the log.",
            ),
        )


class ErrorPresenter:
    """The one place background failures reach the user: a short, non-blocking message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._parent = parent
        self._box: QMessageBox | None = None

    def set_parent(self, parent: QWidget) -> None:
        self._parent = parent

    def __call__(self, exc: BaseException, label: str) -> None:
        message = getattr(exc, "user_message", None) or getattr(exc, "message", None)
        if isinstance(message, str) and message:
            from posapp.ui.i18n import service_text

            message = service_text(message)  # the services' words, in the UI's language
        elif not message:
            message = QCoreApplication.translate(
                "Application", "Something went wrong (%1). The details are in the log."
            ).replace("%1", label or type(exc).__name__)
        if self._box is not None and self._box.isVisible():
            self._box.setText(str(message))
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "posapp", str(message), parent=self._parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()  # window-modal, never blocks the event loop
        self._box = box


def till(backend: Backend, settings: Settings) -> Till:
    """The cashier's and the settings screen's ports over the backend's services."""
    from posapp.ui.till import Till

    return Till(
        settings=settings,
        settings_file=backend.dirs.settings_file,
        checkout=backend.checkout,
        client=backend.client,
        poller=backend.poller,
        duplicates=backend.duplicates,
        secrets=backend.secrets,
        pins=backend.pins,
        info=backend.info,
        sandbox=backend.sandbox,
        changes=backend.changes,
    )


def orders_backend(backend: Backend) -> OrdersBackend:
    """The Orders screen's journal reads and back-office actions."""
    from posapp.ui.models.orders_backend import OrdersBackend

    return OrdersBackend(
        backend.repo,
        backend.backoffice,
        merchant=backend.settings.merchant_name,
        now=backend.clock.now,
        duplicates=backend.duplicates,
    )


def orders_view(
    runner: TaskRunner,
    backend: Backend,
    parent: QWidget | None = None,
    *,
    changes: ChangeBridge | None = None,
) -> OrdersView:
    """The Orders screen over the backend, following the till's change feed (``changes``)."""
    from posapp.ui.views.orders_view import OrdersView

    return OrdersView(runner, orders_backend(backend), parent=parent, changes=changes)


def reconciliation_factory(
    runner: TaskRunner, backend: Backend, settings: Settings
) -> Callable[[QWidget], QDialog]:
    """Orders › Reconcile…: the Reconciliation view over the till's journal and Settler."""
    from posapp.core.services.reconcile import Reconciler
    from posapp.ui.views.reconciliation_view import ReconciliationView

    reconciler = Reconciler(
        backend.repo,
        backend.settler,
        backend.clock,
        currencies=frozenset({settings.settlement_currency or settings.currency}),
        operator="manager",
        terminal_id=settings.terminal_id,
        approve=lambda pin: backend.backoffice.approve(pin),
    )

    def build(parent: QWidget) -> QDialog:
        return ReconciliationView(runner, reconciler, parent)

    return build


def card_features(backend: Backend) -> CardFeatures | None:
    """Saved cards, instalments, brand choice and MPI for the views, over the services."""
    saved = backend.saved_cards
    if saved is None:
        return None
    from posapp.ui.card_features import ServiceCardFeatures

    return ServiceCardFeatures(saved, backend.checkout, backend.backoffice.approve)


def day_report_factory(
    runner: TaskRunner, backend: Backend, changes: ChangeBridge | None = None
) -> Callable[[QWidget], QWidget]:
    """The Day report window over the typed end-of-day services."""
    from posapp.ui.views.day_report_view import DayReportDialog, DayReportView

    def view(parent: QWidget) -> DayReportView:
        return DayReportView(
            runner,
            backend.day_report,
            backend.batch_capture,
            changes=changes,
            parent=parent,
        )

    def build(parent: QWidget) -> QWidget:
        return DayReportDialog(view, parent)

    return build


def journal_health(runner: TaskRunner, backend: Backend) -> JournalHealth | None:
    """The store server's state for New payment (a journal on PostgreSQL); None for a till
    on its own SQLite file."""
    location = backend.journal
    if location is None or not location.is_server:
        return None
    from posapp.core.services.journal_server import ServerProbe

    probe = ServerProbe(location)
    return JournalHealth(runner, probe, close_probe=probe.close)


def build_main_window(
    settings: Settings, backend: Backend | None, runner: TaskRunner | None = None
) -> MainWindow:
    """The application's one build function: every screen's dependencies are made here
    from the backend ``posapp.app.build_backend`` wired (None: screens without services)."""
    from posapp.ui.main_window import MainWindow

    runner = runner or TaskRunner()
    presenter = ErrorPresenter()
    runner.set_error_presenter(presenter)
    ports: Till | None = None
    factory: Callable[[QWidget], QWidget] | None = None
    changes: ChangeBridge | None = None
    reconcile: Callable[[QWidget], QDialog] | None = None
    features: CardFeatures | None = None
    day_factory: Callable[[QWidget], QWidget] | None = None
    health: JournalHealth | None = None
    if backend is not None:
        ports = till(backend, settings)
        # the one follower of the till's change feed on the GUI thread, shared by the screens
        bridge = changes = ChangeBridge(backend.changes)
        tasks, services = runner, backend

        def build_orders(parent: QWidget) -> QWidget:
            return orders_view(tasks, services, parent, changes=bridge)

        factory = build_orders

        reconcile = reconciliation_factory(runner, backend, settings)
        if not settings.back_office:  # a back-office station keys no card
            features = card_features(backend)
        day_factory = day_report_factory(runner, backend, bridge)
        health = journal_health(runner, backend)
    window = MainWindow(
        settings,
        runner=runner,
        cashier=ports,
        settings_port=ports,
        orders_factory=factory,
        changes=changes,
        training_pin_hint=ports.training_pin_hint() if ports is not None else "",
        reconciliation_factory=reconcile,
        card_features=features,
        day_report_factory=day_factory,
        health=health,
        journal_port=ports,
    )
    if changes is not None:
        changes.setParent(window)
    if health is not None:
        health.setParent(window)
        health.start()
    runner.setParent(window)
    presenter.set_parent(window)
    return window


SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# what signal.signal() gives back: a handler, SIG_DFL / SIG_IGN, or None (not set from Python)
Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None
READY_LOG = "main window is up"  # logged once the window shows and the signals are handled


class ShutdownSignals(QObject):
    """SIGTERM and SIGINT close the main window the ordinary way and leave the event loop.

    Python runs a signal handler only between bytecodes, and Qt's event loop runs none while
    it waits for events. So the C-level handler writes the signal number to a socket
    (``signal.set_wakeup_fd``) that a QSocketNotifier watches: the loop wakes at once and the
    window closes on the GUI thread, never inside the handler. The caller then stops the
    workers and the backend (poller threads, journal, embedded sandbox). A second signal
    while that runs gets the default action: a till that will not stop can still be stopped.
    """

    def __init__(self, window: MainWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._received: int | None = None
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous: dict[int, Handler] = {}
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for signum in SHUTDOWN_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._note)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)

    @property
    def received(self) -> int | None:
        """The signal that started the shutdown, if any."""
        return self._received

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        # Runs in Python's handler: nothing to do here, the wake-up byte carries the news.
        pass

    def _on_wakeup(self) -> None:
        try:
            data = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        for signum in data:
            if signum in SHUTDOWN_SIGNALS and self._received is None:
                self._shut_down(signum)

    def _shut_down(self, signum: int) -> None:
        self._received = signum
        log.info("%s received: closing the till", signal.Signals(signum).name)
        for other in SHUTDOWN_SIGNALS:
            signal.signal(other, signal.SIG_DFL)
        self._window.close_for_shutdown()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.closeAllWindows()  # an open dialog too
            app.quit()  # every event loop, a dialog's exec() included

    def uninstall(self) -> None:
        """Give the process its previous handlers back (the event loop has ended)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._reader.close()
        self._writer.close()


def startup_problem_box(settings: Settings, message: str) -> QMessageBox:
    """The one window of a till that cannot start (a journal written by a newer posapp,
    damaged, locked...): ``message`` (a UserText) in the language of the settings."""
    from posapp.ui.i18n import service_text

    app = create_application()
    install_translations(app, settings)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "posapp",
        QCoreApplication.translate("Application", "posapp cannot start"),
    )
    box.setInformativeText(service_text(message))
    return box


def can_show_windows() -> bool:
    """Whether a window could be shown and answered (not headless, not offscreen)."""
    import os

    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal")):
        return False
    if sys.platform.startswith("linux") and not platform:
        # without a display Qt aborts the process instead of raising
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def show_startup_problem(settings: Settings, message: str) -> None:
    """Tell someone who started the till from a desktop why nothing opens (the same line
    also went to stderr); nothing when no window could be answered."""
    if can_show_windows():
        startup_problem_box(settings, message).exec()


def run_application(dirs: AppDirs, settings: Settings, backend: Backend | None = None) -> int:
    app = create_application()
    sys.excepthook = _excepthook
    apply_style(app)
    install_translations(app, settings)
    window = build_main_window(settings, backend)
    from posapp.ui.startup_probe import watch_first_show

    watch_first_show(window)  # POSAPP_STARTUP_PROBE=1: the start-up benchmark's marker (H7)
    signals = ShutdownSignals(window)
    window.show()
    QTimer.singleShot(0, lambda: log.info(READY_LOG))
    try:
        code = app.exec()
    finally:
        signals.uninstall()
        window.runner.shutdown()
    if signals.received is not None:
        log.info("the till closed on %s", signal.Signals(signals.received).name)
        return 0
    return code
