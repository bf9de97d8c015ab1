"""Translations: pick the language, load posapp's and Qt's catalogues into the application.

English is the source language (the strings in the code; ``posapp_en.ts`` only carries the
plural forms of the ``%n`` strings); Simplified Chinese comes from
``resources/translations/posapp_zh_CN.ts``. Both are compiled to ``.qm`` by ``packaging/build.py`` for
the bundle and on first use in a checkout (``*.qm`` is not committed: a binary that must be
rebuilt whenever the ``.ts`` changes would go stale in review).

Every user-visible string in ``posapp/ui`` goes through ``self.tr("...")`` in a QObject
subclass or ``QCoreApplication.translate("Context", "...")`` elsewhere, so that
``python packaging/build.py --update-translations`` (pyside6-lupdate) finds it.

``Settings.language`` chooses: ``"system"`` follows the OS locale (any Chinese locale but
Traditional-script ones gets zh_CN), ``"en"`` or ``"zh_CN"`` force one. The choice applies when
the application starts.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from posapp.paths import resource

log = logging.getLogger(__name__)

SUPPORTED = ("en", "zh_CN")
CATALOGUE = "posapp"  # resources/translations/posapp_<lang>.ts / .qm


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """The language to show for a ``Settings.language`` value: one of SUPPORTED."""
    if setting in SUPPORTED:
        return setting
    locale = system if system is not None else QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        traditional = locale.script() == QLocale.Script.TraditionalHanScript or (
            locale.script() == QLocale.Script.AnyScript
            and locale.territory()
            in (QLocale.Territory.Taiwan, QLocale.Territory.HongKong, QLocale.Territory.Macao)
        )
        # Traditional-script readers get English rather than a script they did not choose.
        return "en" if traditional else "zh_CN"
    return "en"


def find_lrelease() -> Path | None:
    """Qt's lrelease as shipped in the PySide6(-Essentials) wheel, or on PATH."""
    import PySide6

    exe = "lrelease.exe" if sys.platform == "win32" else "lrelease"
    candidates = [Path(PySide6.__file__).parent / exe]
    on_path = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    if on_path:
        candidates.append(Path(on_path))
    return next((c for c in candidates if c.is_file()), None)


def compile_catalogue(ts: Path, qm: Path) -> None:
    """Compile one Qt Linguist source to a binary catalogue; raises RuntimeError on failure."""
    lrelease = find_lrelease()
    if lrelease is None:
        raise RuntimeError("Qt's lrelease was not found (it ships with PySide6-Essentials)")
    qm.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(  # noqa: S603 (Qt's own tool on our own files)
        [str(lrelease), "-silent", str(ts), "-qm", str(qm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not qm.is_file():
        raise RuntimeError(f"lrelease failed on {ts.name}: {proc.stderr.strip() or proc.stdout}")


def catalogue_path(language: str) -> Path | None:
    """The compiled catalogue for ``language``; compiles it from the .ts in a checkout.

    In the bundle the .qm files are already there. From source a missing or stale .qm is
    compiled next to the .ts when that folder is writable, else in the user's cache dir.
    """
    folder = resource("translations")
    qm = folder / f"{CATALOGUE}_{language}.qm"
    ts = folder / f"{CATALOGUE}_{language}.ts"
    if getattr(sys, "frozen", False) or not ts.is_file():
        return qm if qm.is_file() else None
    if qm.is_file() and qm.stat().st_mtime >= ts.stat().st_mtime:
        return qm
    if os.access(folder, os.W_OK):
        target = qm
    else:
        # the user's own cache, never a shared temp dir another account could plant a file in
        import platformdirs

        target = platformdirs.user_cache_path("posapp", "posapp") / "translations" / qm.name
        if target.is_file() and target.stat().st_mtime >= ts.stat().st_mtime:
            return target
    try:
        compile_catalogue(ts, target)
    except (RuntimeError, OSError) as exc:
        log.warning("translations for %s not available: %s", language, exc)
        return None
    return target


def install_translators(app: QCoreApplication, setting: str) -> str:
    """Load posapp's and Qt's catalogues for ``setting``; returns the language in effect.

    A missing catalogue falls back to English with a log line; it never stops the till.
    """
    remove_translators(app)
    language = resolve_language(setting)
    qm = catalogue_path(language)
    loaded = qm is not None and _install(app, str(qm.parent), qm.stem)
    if language == "en":
        # English is the source text; its small catalogue only adds plural forms.
        if not loaded:
            log.warning("no English plural catalogue found; plurals read '(s)'")
        return "en"
    # Qt's own strings (standard buttons, dialogs): from the bundle or the PySide6 wheel.
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    _install(app, qt_dir, f"qtbase_{language}")
    if not loaded:
        log.warning("no %s catalogue found; showing English", language)
        return "en"
    return language


def remove_translators(app: QCoreApplication) -> None:
    """Take out every catalogue ``install_translators`` put in (tests, a language switch)."""
    for old in app.findChildren(QTranslator, "posapp-translator"):
        app.removeTranslator(old)
        old.setParent(None)
        old.deleteLater()


def _install(app: QCoreApplication, folder: str, name: str) -> bool:
    translator = QTranslator(app)  # parented: lives as long as the application
    translator.setObjectName("posapp-translator")
    if not translator.load(name, folder):
        translator.deleteLater()
        return False
    app.installTranslator(translator)
    return True
