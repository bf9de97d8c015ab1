"""Translations: every UI string is extracted and translated, placeholders survive, the
catalogues compile, and switching the language really changes what the window shows."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from pytestqt.qtbot import QtBot

from posapp.config import Settings
from posapp.ui import i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
PLACEHOLDER = re.compile(r"\{\d+\}|%\d+|%n|%v|%m|%L\d+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def messages(ts: Path) -> Iterator[tuple[str | None, str, ET.Element, ET.Element]]:
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            translation = msg.find("translation")
            assert translation is not None
            yield name, msg.findtext("source") or "", msg, translation


def forms(translation: ET.Element) -> list[str]:
    numerus = translation.findall("numerusform")
    return [f.text or "" for f in numerus] if numerus else [translation.text or ""]


@pytest.fixture
def fresh_ts(tmp_path: Path) -> Path:
    """The committed zh_CN catalogue re-run through lupdate over today's posapp/ui."""
    import PySide6

    lupdate = Path(PySide6.__file__).parent / "lupdate"
    ts = tmp_path / "posapp_zh_CN.ts"
    shutil.copy(TRANSLATIONS / "posapp_zh_CN.ts", ts)
    sources = sorted(str(p) for p in (ROOT / "posapp" / "ui").rglob("*.py"))
    subprocess.run(
        [str(lupdate), "-no-obsolete", "-locations", "none", *sources, "-ts", str(ts)],
        check=True,
        capture_output=True,
    )
    return ts


def test_every_ui_string_is_extracted_with_its_context_and_translated(fresh_ts: Path) -> None:
    untranslated = []
    contextless = []
    for context, source, _msg, translation in messages(fresh_ts):
        if not context:
            # a call lupdate cannot read (e.g. through an alias of translate): never matched
            contextless.append(source)
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not all(
            forms(translation)
        ):
            untranslated.append(f"{context}: {source!r}")
    assert not contextless, f"strings without a context (use self.tr or translate): {contextless}"
    assert not untranslated, (
        f"{len(untranslated)} UI strings lack a zh_CN translation "
        f"(python packaging/build.py --update-translations, then translate): {untranslated[:20]}"
    )


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_translations_keep_placeholders_and_accelerators(language: str) -> None:
    problems = []
    for context, source, msg, translation in messages(TRANSLATIONS / f"posapp_{language}.ts"):
        wanted = sorted(PLACEHOLDER.findall(source))
        for text in forms(translation):
            got = sorted(PLACEHOLDER.findall(text))
            # an English singular may say "this payment" instead of "%n payments"
            if got != wanted and not (msg.get("numerus") and set(got) <= set(wanted)):
                problems.append(f"{context}: {source!r} -> {text!r}")
            if re.search(r"&\w", source) and not re.search(r"&\w", text):
                problems.append(f"{context}: {source!r} lost its keyboard accelerator")
    assert not problems, problems


def test_catalogues_compile_with_lrelease_and_translate(tmp_path: Path) -> None:
    qm = tmp_path / "posapp_zh_CN.qm"
    i18n.compile_catalogue(TRANSLATIONS / "posapp_zh_CN.ts", qm)
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("MainWindow", "New payment") == "新建付款"
    assert translator.translate("MainWindow", "no such string") == ""


def test_compile_reports_a_broken_source(tmp_path: Path) -> None:
    broken = tmp_path / "posapp_zh_CN.ts"
    broken.write_text("<TS><context><name>X</name><message>", encoding="utf-8")
    with pytest.raises(RuntimeError, match="lrelease failed"):
        i18n.compile_catalogue(broken, tmp_path / "out.qm")


@pytest.mark.parametrize(
    ("setting", "locale", "expected"),
    [
        ("system", "zh_CN", "zh_CN"),
        ("system", "zh_SG", "zh_CN"),
        ("system", "zh_TW", "en"),  # Traditional script: not Simplified Chinese
        ("system", "zh_HK", "en"),
        ("system", "en_GB", "en"),
        ("system", "de_DE", "en"),
        ("en", "zh_CN", "en"),  # the setting overrides the system
        ("zh_CN", "en_US", "zh_CN"),
    ],
)
def test_language_follows_the_system_unless_the_setting_overrides(
    setting: str, locale: str, expected: str
) -> None:
    assert i18n.resolve_language(setting, QLocale(locale)) == expected


@pytest.fixture
def translated_app(qapp: QCoreApplication) -> Iterator[QCoreApplication]:
    yield qapp
    i18n.remove_translators(qapp)  # other tests read the English source strings


def test_switching_to_zh_cn_shows_chinese_in_the_main_window(
    qtbot: QtBot, translated_app: QCoreApplication
) -> None:
    from posapp.ui.application import build_main_window

    assert i18n.install_translators(translated_app, "zh_CN") == "zh_CN"
    window = build_main_window(Settings(language="zh_CN"), None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["新建付款", "订单"]
    assert CJK.search(window.windowTitle())
    assert "培训模式" in window.banner.text()
    menus = [a.text() for a in window.menuBar().actions()]
    assert any(CJK.search(m) for m in menus), menus
    # Qt's own catalogue is in too: standard buttons speak Chinese
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    window.close()
    window.runner.shutdown()

    # and back: English again once the setting says so
    assert i18n.install_translators(translated_app, "en") == "en"
    window = build_main_window(Settings(language="en"), None)
    qtbot.addWidget(window)
    assert window.tabs.tabText(0) == "New payment"
    assert not CJK.search(window.banner.text())
    window.runner.shutdown()


def test_english_catalogue_gives_real_plurals(translated_app: QCoreApplication) -> None:
    numerus = [
        (context, source)
        for context, source, msg, _ in messages(TRANSLATIONS / "posapp_en.ts")
        if msg.get("numerus") == "yes"
    ]
    assert numerus, "posapp_en.ts carries the plural forms of the %n strings"
    context, source = numerus[0]
    assert "(s)" in source
    i18n.install_translators(translated_app, "en")
    one = QCoreApplication.translate(context, source, "", 1)
    many = QCoreApplication.translate(context, source, "", 3)
    assert "(s)" not in one and "(s)" not in many
    assert one != many and "3" in many


def _wrappers_and_aliases(tree: ast.AST) -> tuple[set[str], list[int]]:
    """Names of functions that pass a non-literal to translate(), and lines aliasing it."""
    wrappers: set[str] = set()
    aliases: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "translate"
                    and len(call.args) >= 2
                    and not isinstance(call.args[1], ast.Constant)
                ):
                    wrappers.add(node.name)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute):
            if node.value.attr in ("translate", "tr"):
                aliases.append(node.lineno)
    return wrappers, aliases


def test_no_string_is_hidden_from_lupdate_behind_a_wrapper_or_alias() -> None:
    """lupdate reads only literal self.tr(...) / QCoreApplication.translate(ctx, ...) calls:
    a literal passed to a home-made ``_tr(text)`` wrapper is never extracted, never translated."""
    hidden = []
    for path in sorted((ROOT / "posapp" / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wrappers, aliases = _wrappers_and_aliases(tree)
        rel = path.relative_to(ROOT)
        hidden += [f"{rel}:{line}: alias of translate" for line in aliases]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in wrappers
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                hidden.append(f"{rel}:{node.lineno}: {node.func.id}({node.args[0].value!r})")
    assert not hidden, hidden


def test_a_read_only_checkout_compiles_into_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from posapp import paths

    resources = tmp_path / "resources"
    (resources / "translations").mkdir(parents=True)
    shutil.copy(TRANSLATIONS / "posapp_zh_CN.ts", resources / "translations")
    monkeypatch.setattr(paths, "resources_root", lambda: resources)
    monkeypatch.setattr(i18n.os, "access", lambda path, mode: False)  # as a non-owner sees it
    qm = i18n.catalogue_path("zh_CN")
    assert qm is not None and qm.is_file()
    assert not (resources / "translations" / "posapp_zh_CN.qm").exists()
    assert str(qm).startswith(os.environ["XDG_CACHE_HOME"])  # per user, not a shared /tmp
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("MainWindow", "Orders") == "订单"
    assert i18n.catalogue_path("zh_CN") == qm  # compiled once, then reused
