"""What the bundle leaves out: shared by posapp.spec and the Qt hook in packaging/hooks/.

``keep(dest)`` judges one collected file by its destination path inside the bundle.
``POSAPP_BUILD_NO_EXCLUDES=1`` turns every rule off (to measure what the rules save).
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath

TRIM = os.environ.get("POSAPP_BUILD_NO_EXCLUDES") != "1"

# posapp uses QtCore, QtGui, QtWidgets, QtSvg (+ QtSvgWidgets) and QtPrintSupport. PyInstaller
# only collects the PySide6 modules it sees imported, but naming the rest keeps an accidental
# import (a dependency's optional Qt support) from dragging in QML, WebEngine and friends.
QT_UNUSED = [
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDBus", "QtDesigner",
    "QtGraphs", "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLabsStyleKit", "QtLocation",
    "QtMultimedia", "QtMultimediaWidgets", "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL",
    "QtOpenGLWidgets", "QtPdf", "QtPdfWidgets", "QtPositioning", "QtQml", "QtQmlFeatures",
    "QtQuick", "QtQuick3D", "QtQuickControls2", "QtQuickTest", "QtQuickWidgets",
    "QtRemoteObjects", "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio",
    "QtSql", "QtStateMachine", "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel",
    "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView",
    "QtXml",
]  # fmt: skip
PYTHON_EXCLUDES = [f"PySide6.{name}" for name in QT_UNUSED] + [
    "tkinter",
    "_tkinter",
    "PyInstaller",
    "pytest",
    "_pytest",
    "IPython",
    # httpx imports its command-line tool (rich, pygments) when they are installed (the dev
    # venv has them through import-linter) and falls back cleanly when they are not: ~5 MB
    # and ~0.2 s of start-up the till never uses.
    "rich",
    "pygments",
    "markdown_it",
    "mdurl",
]

# Qt plugins the till never loads. Kept: the xcb, wayland and offscreen platforms (offscreen for
# the self-test), svg/ico/png/jpeg/gif images, the input contexts (ibus: Chinese input methods),
# the desktop-portal theme and CUPS printing. Dropped, among others: the pdf image plugin (it
# pulls in Qt Pdf) and the GTK 3 theme (it pulls in GTK, cairo and pango, ~20 MB).
UNUSED_PLUGINS = re.compile(
    r"plugins[/\\]("
    r"platforms[/\\]\w*(eglfs|linuxfb|vnc|vkkhrdisplay|minimalegl)"
    r"|imageformats[/\\]\w*(pdf|tiff|webp|tga|wbmp)"
    r"|platforminputcontexts[/\\]\w*virtualkeyboard"
    r"|platformthemes[/\\]\w*gtk3"
    r"|egldeviceintegrations|generic|qmltooling|designer|sqldrivers|networkinformation|tls"
    r"|vectorimageformats|wayland-graphics-integration-server"
    r")"
)
# Qt's own catalogues: only qt_/qtbase_ (standard buttons, dialogs) in the languages posapp ships.
SHIPPED_LANGUAGES = ("en", "zh_CN")
QT_CATALOGUES = ("qt", "qtbase")


def keep(dest: str) -> bool:
    if not TRIM:
        return True
    if UNUSED_PLUGINS.search(dest):
        return False
    path = PurePath(dest.replace("\\", "/"))
    if path.suffix == ".ts" and path.parent.name == "translations":
        return False  # Linguist sources: the bundle carries the compiled .qm
    if path.suffix == ".qm" and "PySide6" in path.parts and path.parent.name == "translations":
        return any(
            path.stem == f"{catalogue}_{language}"
            for catalogue in QT_CATALOGUES
            for language in SHIPPED_LANGUAGES
        )
    return True
