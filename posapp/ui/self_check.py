"""The GUI half of ``posapp --self-test``: bundled resources load, the main window opens.

``posapp/commands/selftest.py`` runs a training payment through the services and then calls
``check_gui(settings, backend)``; together they print one result line. Here each step either
passes quietly or raises ``GuiCheckFailed`` naming the step, so the line says what broke in
the bundle: a missing Qt plugin (SVG icons), a resource left out by the spec, a catalogue that
did not compile, a window that does not paint offscreen.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from posapp.config import Settings
from posapp.paths import resource

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from posapp.app import Backend


class GuiCheckFailed(Exception):
    """One GUI/resource step failed; ``step`` names it, the message says how."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


def run_gui_checks(data_dir: Path) -> str:
    """``check_gui`` against a training backend on ``data_dir`` (what --self-test calls)."""
    from dataclasses import replace

    from posapp.app import build_backend
    from posapp.config import ConfigError, Environment, load_settings
    from posapp.paths import app_dirs

    dirs = app_dirs(data_dir).create()
    try:
        settings = load_settings(dirs.settings_file)
    except ConfigError:
        settings = Settings()
    # like the services half: always training, never a real gateway
    settings = replace(settings, environment=Environment.TRAINING)
    try:
        backend = build_backend(dirs, settings)
    except Exception as exc:  # named as this step, like every other failure here
        raise GuiCheckFailed("gui backend", f"{type(exc).__name__}: {exc}") from exc
    try:
        return check_gui(settings, backend)
    finally:
        backend.close()


def check_gui(settings: Settings, backend: Backend | None = None, *, timeout: float = 10.0) -> str:
    """Run every check; returns a short summary for the result line.

    Forces the offscreen platform when no QApplication exists yet, so the self-test never
    flashes a window on a till and works on a build server without a display.
    """
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from posapp.ui.application import create_application

    app = create_application()
    parts = [
        _step("icons", _check_icons),
        _step("style sheet", _check_style_sheet),
        _step("translations", _check_translations),
        _step("sandbox pages", lambda: _check_sandbox_pages(backend)),
        _step("keyring backends", _check_keyring_backends),
        _step("main window", lambda: _check_main_window(app, settings, backend, timeout)),
    ]
    return ", ".join(p for p in parts if p)


def _step(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except GuiCheckFailed:
        raise
    except Exception as exc:  # any surprise is a failure of this step, named
        raise GuiCheckFailed(name, f"{type(exc).__name__}: {exc}") from exc


def _check_icons() -> str:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon
    from PySide6.QtSvg import QSvgRenderer

    folder = resource("icons")
    svgs = sorted(folder.rglob("*.svg"))
    if not svgs:
        raise GuiCheckFailed("icons", f"no SVG icons under {folder}")
    for svg in svgs:
        if not QSvgRenderer(str(svg)).isValid():
            raise GuiCheckFailed("icons", f"{svg.name} is not a valid SVG")
    # QIcon goes through the SVG icon-engine plugin: the part a bundle most easily loses.
    pixmap = QIcon(str(svgs[0])).pixmap(QSize(32, 32))
    if pixmap.isNull():
        raise GuiCheckFailed("icons", "SVG icons do not render (Qt's svg icon engine missing?)")
    return f"{len(svgs)} icons"


def _check_style_sheet() -> str:
    from posapp.ui.application import style_sheet

    qss = style_sheet()
    if not qss.strip():
        raise GuiCheckFailed("style sheet", f"{resource('styles', 'posapp.qss')} missing or empty")
    return "style sheet"


def _check_translations() -> str:
    from PySide6.QtCore import QLibraryInfo, QTranslator

    from posapp.ui.i18n import SUPPORTED, catalogue_path

    loaded = []
    for language in SUPPORTED:
        qm = catalogue_path(language)
        translator = QTranslator()
        if qm is None or not translator.load(str(qm)):
            raise GuiCheckFailed("translations", f"the {language} catalogue does not load")
        if translator.isEmpty():
            raise GuiCheckFailed("translations", f"the {language} catalogue is empty")
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if language != "en" and not QTranslator().load(f"qtbase_{language}", qt_dir):
            raise GuiCheckFailed("translations", f"Qt's own {language} catalogue is missing")
        loaded.append(language)
    return "translations " + "+".join(loaded)


def _check_sandbox_pages(backend: Backend | None) -> str:
    folder = resource("sandbox")
    if not folder.is_dir():
        raise GuiCheckFailed("sandbox pages", f"{folder} is missing")
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    for page in files:
        data = page.read_bytes()
        if not data:
            raise GuiCheckFailed("sandbox pages", f"{_rel(page)} is empty")
        if page.suffix in (".html", ".htm", ".css", ".js", ".svg", ".json", ".txt"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise GuiCheckFailed("sandbox pages", f"{_rel(page)} is not UTF-8") from None
    sandbox = backend.sandbox if backend is not None else None
    base_url = sandbox.base_url if sandbox is not None else None
    if not base_url:
        return f"{len(files)} sandbox files"
    # As a browser would get them from the running sandbox: a card logo and the 3DS page
    # (an unknown challenge still renders the page template).
    import httpx

    with httpx.Client(base_url=base_url, timeout=5.0) as http:
        logo = http.get("/sandbox/logos/VISA.svg")
        if logo.status_code != 200 or b"<svg" not in logo.content:
            raise GuiCheckFailed("sandbox pages", f"logo served as HTTP {logo.status_code}")
        challenge = http.get("/sandbox/3ds/selfTestNoSuchChallenge")
        if challenge.status_code != 404 or "<html" not in challenge.text.lower():
            raise GuiCheckFailed(
                "sandbox pages", f"3DS page served as HTTP {challenge.status_code}"
            )
    return f"{len(files)} sandbox files served"


def _check_keyring_backends() -> str:
    """keyring finds backends through entry points: the bundle must carry its metadata."""
    import importlib
    import sys
    from importlib.metadata import entry_points

    found = {ep.name for ep in entry_points(group="keyring.backends")}
    missing = {"SecretService", "Windows", "macOS"} - found
    if missing:
        raise GuiCheckFailed("keyring backends", f"not discoverable: {', '.join(sorted(missing))}")
    native = {"linux": "keyring.backends.SecretService", "win32": "keyring.backends.Windows"}
    module = native.get(sys.platform, "keyring.backends.macOS")
    importlib.import_module(module)
    if sys.platform == "linux":
        importlib.import_module("secretstorage")  # SecretService is unusable without it
    return "keyring backends"


def _check_main_window(
    app: QApplication, settings: Settings, backend: Backend | None, timeout: float
) -> str:
    from PySide6.QtCore import QEvent, QObject

    from posapp.ui.application import apply_style, build_main_window

    apply_style(app)
    window = build_main_window(settings, backend)

    painted: list[bool] = []

    class _Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(True)
            return False

    watcher = _Painted(window)
    window.installEventFilter(watcher)
    try:
        window.show()
        deadline = time.monotonic() + timeout
        while not painted and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        if not painted:
            raise GuiCheckFailed("main window", f"not painted within {timeout:.0f} s")
        # a little more event processing: timers the views start on show, first data loads
        settle = time.monotonic() + 0.3
        while time.monotonic() < settle:
            app.processEvents()
            time.sleep(0.01)
        if window.grab().isNull():
            raise GuiCheckFailed("main window", "grabbing the window gave an empty image")
        if not window.windowTitle():
            raise GuiCheckFailed("main window", "the window has no title")
    finally:
        window.removeEventFilter(watcher)
        window.close()
        runner = getattr(window, "runner", None)
        if runner is not None:
            runner.shutdown()
        window.deleteLater()
        app.processEvents()
    return "main window shown"


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(resource()))
    except ValueError:
        return str(path)
