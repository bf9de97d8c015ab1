"""Orders › Reconcile… against the real backend (training: the embedded sandbox writes the
day's reports, the journal under tmp_path, the real TaskRunner): import, filters, exports,
a refused file, and the screens in English and Chinese at 1024x700 and 1440x900."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.config import Settings
from posapp.core.journal.reconciliation import DiscrepancyKind
from posapp.sandbox.reports import ReportFault
from posapp.ui import i18n
from posapp.ui.application import build_main_window
from posapp.ui.views.reconciliation_view import ReconciliationView, ResolveDialog
from tests.core.services.conftest import approval, make_backend, pay

SIZES = [(1024, 700), (1440, 900)]


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir)
    try:
        yield b
    finally:
        b.close()


def _reports(backend: Backend) -> tuple[list[Path], Path]:
    """A day with a captured hold and a held payment; its reports, and a copy of the
    transactions with an extra line and a wrong amount (two faults, two files)."""
    held = pay(backend).payment
    backend.backoffice.capture(held, approval(backend))
    pay(backend, minor=4500)
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.clock.advance(timedelta(days=1))
    out = sandbox.state_dir.parent / "faulty"
    out.mkdir()
    faulty = []
    for fault in (ReportFault.EXTRA_LINE, ReportFault.WRONG_AMOUNT):
        path = next(p for p in sandbox.write_reports(day, fault) if "transaction" in p.name)
        faulty.append(path.rename(out / f"{fault.value}_{path.name}"))
    clean = sandbox.write_reports(day)
    return faulty, next(p for p in clean if p.name.startswith("settlementItems_"))


def _window(qtbot: QtBot, backend: Backend, size: tuple[int, int] = (1440, 900)):  # type: ignore[no-untyped-def]
    window = build_main_window(Settings(), backend)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def _close(window) -> None:  # type: ignore[no-untyped-def]
    window.runner.shutdown()
    window.close()


def _open(qtbot: QtBot, window, size: tuple[int, int]) -> ReconciliationView:  # type: ignore[no-untyped-def]
    assert window.action_reconcile.isEnabled()
    window.action_reconcile.trigger()
    view = window.reconciliation
    assert isinstance(view, ReconciliationView)
    view.resize(*size)
    qtbot.waitExposed(view)
    return view


def _import(qtbot: QtBot, view: ReconciliationView, paths: list[Path]) -> object:
    with qtbot.waitSignal(view.imported, timeout=20_000) as blocker:
        view.import_paths(paths)
    qtbot.waitUntil(lambda: view.import_button.isEnabled())
    return blocker.args[0]


def test_import_filter_and_export(qtbot: QtBot, backend: Backend, tmp_path: Path) -> None:
    faulty, settlement = _reports(backend)
    window = _window(qtbot, backend)
    try:
        view = _open(qtbot, window, (1440, 900))
        result = _import(qtbot, view, [*faulty, settlement])
        assert result.discrepancies == 2  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: view.model.rowCount() == 2)
        kinds = {view.model.item(r).kind for r in range(2)}  # type: ignore[union-attr]
        assert kinds == {DiscrepancyKind.ONLY_AT_ANTOM, DiscrepancyKind.AMOUNT}
        # filter by kind, then by the file of the wrong amount
        with qtbot.waitSignal(view.loaded) as loaded:
            view.kind_filter.setCurrentIndex(view.kind_filter.findData("AMOUNT"))
        assert loaded.args == [1]
        assert view.model.item(0).kind is DiscrepancyKind.AMOUNT  # type: ignore[union-attr]
        view.kind_filter.setCurrentIndex(0)
        with qtbot.waitSignal(view.loaded) as loaded:
            view.search.setText("SBX-EXTRA-REQUEST")
            view.search.returnPressed.emit()
        assert loaded.args == [1]
        view.search.clear()
        qtbot.waitUntil(lambda: view.model.rowCount() == 2)
        # exports of the whole list
        target = tmp_path / "differences.csv"
        view.export_csv(target)
        qtbot.waitUntil(target.exists, timeout=10_000)
        rows = list(csv.reader(target.open(encoding="utf-8")))
        assert rows[0][0] == "difference" and len(rows) == 3
        pdf = tmp_path / "differences.pdf"
        view.export_pdf(pdf)
        qtbot.waitUntil(lambda: pdf.exists() and pdf.stat().st_size > 1000, timeout=10_000)
        assert pdf.read_bytes().startswith(b"%PDF")
        # the same files again: nothing changes
        again = _import(qtbot, view, [*faulty, settlement])
        assert all(f.already_imported for f in again.files)  # type: ignore[attr-defined]
        assert "imported before" in view.message.text()
    finally:
        _close(window)


def test_a_broken_file_is_refused_in_the_view(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    _faulty, settlement = _reports(backend)
    day = backend.sandbox.clock.now().date() - timedelta(days=1)
    broken = next(
        p
        for p in backend.sandbox.write_reports(day, ReportFault.TRUNCATED)
        if "transaction" in p.name
    )
    window = _window(qtbot, backend)
    try:
        view = _open(qtbot, window, (1024, 700))
        view.import_paths([settlement, broken])
        qtbot.waitUntil(lambda: bool(view.message.property("error")), timeout=20_000)
        assert "Nothing was imported" in view.message.text()
        assert "truncated" in view.message.text()
        assert view.import_button.isEnabled()
        assert backend_files(backend) == 0
    finally:
        _close(window)


def backend_files(backend: Backend) -> int:
    row = (
        backend.repo.journal.db()
        .conn.execute("SELECT count(*) FROM reconciliation_files")
        .fetchone()
    )
    return int(row[0])


@pytest.fixture
def translated_app(qapp: QCoreApplication) -> Iterator[QCoreApplication]:
    yield qapp
    i18n.remove_translators(qapp)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_view_fits_at_both_sizes(
    qtbot: QtBot,
    backend: Backend,
    translated_app: QCoreApplication,
    language: str,
    tmp_path: Path,
) -> None:
    faulty, settlement = _reports(backend)
    i18n.install_translators(translated_app, language)
    shots = Path(os.environ.get("POSAPP_RECONCILE_SHOTS", tmp_path))
    imported = False
    for width, height in SIZES:
        window = _window(qtbot, backend, (width, height))
        try:
            view = _open(qtbot, window, (width, height))
            if not imported:
                _import(qtbot, view, [*faulty, settlement])
                imported = True
            qtbot.waitUntil(lambda v=view: v.model.rowCount() == 2)
            if language == "zh_CN":
                assert view.windowTitle() == "对账"
                assert view.count_label.text() == "2 处差异"
            for button in (view.import_button, view.csv_button, view.pdf_button):
                assert button.width() >= button.sizeHint().width()
                assert button.mapTo(view, button.rect().topRight()).x() <= view.width()
            view.grab().save(str(shots / f"reconciliation_{language}_{width}x{height}.png"))
        finally:
            _close(window)


def test_a_manager_resolves_a_difference_and_the_filter_follows(
    qtbot: QtBot, backend: Backend
) -> None:
    faulty, settlement = _reports(backend)
    window = _window(qtbot, backend)
    try:
        view = _open(qtbot, window, (1440, 900))
        _import(qtbot, view, [*faulty, settlement])
        qtbot.waitUntil(lambda: view.model.rowCount() == 2)
        assert not view.resolve_button.isEnabled()  # nothing chosen yet
        view.table.selectRow(0)
        assert view.resolve_button.isEnabled()
        chosen = view.model.item(0)
        assert chosen is not None
        view.choose_resolve()
        dialog = view.findChild(ResolveDialog)
        assert dialog is not None
        qtbot.waitExposed(dialog)
        dialog.pin.field.setText("1234")
        dialog.confirm_button.click()  # no note: refused here, nothing sent
        assert dialog.error.isVisible() and dialog.isVisible()
        dialog.note.setText("extra line: Antom's test data, agreed by phone")
        dialog.pin.field.setText("999999")
        dialog.confirm_button.click()
        qtbot.waitUntil(lambda: dialog.pin.error.isVisible(), timeout=20_000)
        assert dialog.isVisible()
        dialog.pin.field.setText("1234")
        with qtbot.waitSignal(view.resolved, timeout=20_000) as done:
            dialog.confirm_button.click()
        assert done.args == [chosen.id]
        qtbot.waitUntil(lambda: view.model.rowCount() == 1)  # the Open filter
        with qtbot.waitSignal(view.loaded) as loaded:
            view.state_filter.setCurrentIndex(view.state_filter.findData(True))
        assert loaded.args == [1]
        item = view.model.item(0)
        assert item is not None and item.id == chosen.id and item.resolved_by == "manager"
        shown = view.model.data(view.model.index(0, view.model.columnCount() - 1))
        assert shown is not None and "agreed by phone" in shown
        view.table.selectRow(0)
        assert not view.resolve_button.isEnabled()  # resolved once
    finally:
        _close(window)
