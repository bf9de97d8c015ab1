"""QApplication set-up: names, style sheet, translations, excepthook; then the main window."""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from posapp import __version__
from posapp.config import Settings
from posapp.paths import AppDirs, resource
from posapp.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
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
        if not message:
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


def orders_factory(runner: TaskRunner, backend: Any) -> Any:
    """H6's Orders view when it is there; the main window shows a placeholder otherwise."""
    try:
        from posapp.ui.views.orders_view import OrdersView
    except ImportError:
        return None

    def build(parent: QWidget) -> QWidget:
        return OrdersView(runner, backend, parent=parent)

    return build


def build_main_window(
    settings: Settings, backend: Any | None, runner: TaskRunner | None = None
) -> Any:
    from posapp.ui.main_window import MainWindow

    runner = runner or TaskRunner()
    presenter = ErrorPresenter()
    runner.set_error_presenter(presenter)
    cashier = settings_port = None
    pin_hint = ""
    factory = None
    if backend is not None:
        from posapp.ui.backend_adapter import BackendAdapter

        adapter = BackendAdapter(backend, settings)
        cashier = settings_port = adapter
        pin_hint = adapter.training_pin_hint()
        factory = orders_factory(runner, backend)
    window = MainWindow(
        settings,
        runner=runner,
        cashier=cashier,
        settings_port=settings_port,
        orders_factory=factory,
        training_pin_hint=pin_hint,
    )
    runner.setParent(window)
    presenter.set_parent(window)
    return window


def run_application(dirs: AppDirs, settings: Settings, backend: Any | None = None) -> int:
    app = create_application()
    sys.excepthook = _excepthook
    apply_style(app)
    install_translations(app, settings)
    window = build_main_window(settings, backend)
    from posapp.ui.startup_probe import watch_first_show

    watch_first_show(window)  # POSAPP_STARTUP_PROBE=1: the start-up benchmark's marker (H7)
    window.show()
    try:
        return app.exec()
    finally:
        window.runner.shutdown()
