"""The GUI half of --self-test passes on a healthy checkout and names the step that breaks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from posapp import paths
from posapp.config import Settings
from posapp.ui import i18n
from posapp.ui.self_check import GuiCheckFailed, check_gui


@pytest.fixture
def resources_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of resources/ that a test may damage; paths.resource() points at it."""
    copy = tmp_path / "resources"
    shutil.copytree(paths.resources_root(), copy)
    monkeypatch.setattr(paths, "resources_root", lambda: copy)
    return copy


def test_healthy_checkout_passes_every_step(qapp: QCoreApplication) -> None:
    summary = check_gui(Settings())
    i18n.remove_translators(qapp)
    for part in ("icons", "style sheet", "translations en+zh_CN", "keyring", "main window shown"):
        assert part in summary


@pytest.mark.parametrize(
    ("damage", "step"),
    [
        (lambda r: [p.unlink() for p in r.rglob("*.svg")], "icons"),
        pytest.param(
            lambda r: (r / "icons" / "app.svg").write_text("<svg", encoding="utf-8"),
            "icons",
            marks=pytest.mark.qt_log_ignore("Cannot read file"),  # Qt says why, then we do
        ),
        (lambda r: (r / "styles" / "posapp.qss").unlink(), "style sheet"),
        (lambda r: [p.unlink() for p in (r / "translations").glob("*_zh_CN.*")], "translations"),
        (lambda r: shutil.rmtree(r / "sandbox"), "sandbox pages"),
        (lambda r: (r / "sandbox" / "otp.html").write_bytes(b""), "sandbox pages"),
    ],
    ids=[
        "no icons",
        "broken svg",
        "no style sheet",
        "no zh_CN catalogue",
        "no sandbox pages",
        "empty 3DS page",
    ],
)
def test_a_damaged_bundle_names_the_failing_step(
    qapp: QCoreApplication, resources_copy: Path, damage, step: str
) -> None:
    damage(resources_copy)
    with pytest.raises(GuiCheckFailed) as failed:
        check_gui(Settings())
    assert failed.value.step == step
    assert step in str(failed.value)


def test_the_running_sandbox_serves_its_pages_from_the_resources(
    qapp: QCoreApplication, tmp_path: Path
) -> None:
    from posapp.ui.self_check import run_gui_checks

    summary = run_gui_checks(tmp_path / "data")
    i18n.remove_translators(qapp)
    assert "sandbox files served" in summary
