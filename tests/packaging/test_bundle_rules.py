"""What the PyInstaller bundle leaves out (packaging/bundle_rules.py, used by the spec)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import bundle_rules

QT = "PySide6/Qt"


@pytest.mark.parametrize(
    "dest",
    [
        f"{QT}/plugins/platforms/libqxcb.so",
        f"{QT}/plugins/platforms/libqwayland.so",
        f"{QT}/plugins/platforms/libqoffscreen.so",  # the self-test runs offscreen
        f"{QT}/plugins/platforms/qwindows.dll",
        f"{QT}/plugins/platforms/libqcocoa.dylib",
        f"{QT}/plugins/iconengines/libqsvgicon.so",
        f"{QT}/plugins/imageformats/libqsvg.so",
        f"{QT}/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        f"{QT}/plugins/printsupport/libcupsprintersupport.so",
        f"{QT}/translations/qtbase_zh_CN.qm",
        f"{QT}/translations/qt_en.qm",
        "resources/translations/posapp_zh_CN.qm",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
    ],
)
def test_keeps_what_the_till_uses(dest: str) -> None:
    assert bundle_rules.keep(dest)


@pytest.mark.parametrize(
    "dest",
    [
        f"{QT}/plugins/imageformats/libqpdf.so",
        f"{QT}/plugins/platformthemes/libqgtk3.so",
        f"{QT}/plugins/platforms/libqeglfs.so",
        f"{QT}/plugins/platforms/libqvnc.so",
        f"{QT}/plugins/qmltooling/libqmldbg_debugger.so",
        f"{QT}/plugins/sqldrivers/libqsqlite.so",
        f"{QT}/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        f"{QT}/translations/qtbase_de.qm",
        f"{QT}/translations/qt_help_zh_CN.qm",
        f"{QT}/translations/qtdeclarative_zh_CN.qm",
        "PySide6\\Qt\\plugins\\imageformats\\qpdf.dll",
        "resources/translations/posapp_zh_CN.ts",
    ],
)
def test_leaves_out_what_it_does_not(dest: str) -> None:
    assert not bundle_rules.keep(dest)


def test_python_excludes_never_name_a_module_posapp_uses() -> None:
    used = {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg",
            "PySide6.QtSvgWidgets", "PySide6.QtPrintSupport"}  # fmt: skip
    assert not used & set(bundle_rules.PYTHON_EXCLUDES)
    assert "PySide6.QtWebEngineCore" in bundle_rules.PYTHON_EXCLUDES
