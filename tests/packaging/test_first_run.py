"""First run: no configuration -> training mode, data dirs created, the default manager PIN shown
in the banner, and the banner's link leads to the settings where production is set up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from posapp.config import Environment, Settings, load_settings
from posapp.paths import app_dirs
from posapp.ui.startup_probe import MARKER

ROOT = Path(__file__).resolve().parents[2]


def test_first_start_on_an_empty_data_dir_opens_the_till(tmp_path: Path) -> None:
    data = tmp_path / "fresh till"  # a space, as in "C:\Users\Jane Doe\..."
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", POSAPP_STARTUP_PROBE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "posapp", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert MARKER in proc.stdout
    dirs = app_dirs(data)
    for folder in (dirs.data, dirs.config, dirs.logs):
        assert folder.is_dir()
    assert dirs.journal.is_file()
    assert (dirs.logs / "posapp.log").is_file()
    # no settings file yet: its absence is what "first run" means, and it reads as training
    assert not dirs.settings_file.exists()
    assert load_settings(dirs.settings_file).environment is Environment.TRAINING
    assert "Traceback" not in proc.stderr


def test_training_banner_shows_the_default_pin_and_links_to_the_settings(
    qtbot: QtBot, qapp: QCoreApplication, tmp_path: Path
) -> None:
    from posapp.app import build_backend
    from posapp.core.services.pin import TRAINING_PIN
    from posapp.ui.application import build_main_window

    backend = build_backend(app_dirs(tmp_path / "data").create(), Settings(), pin_cost=2)
    try:
        window = build_main_window(Settings(), backend)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        banner = window.banner.accessibleName()
        assert "TRAINING" in banner
        assert TRAINING_PIN in banner
        assert "Set up live payments" in banner
        window.banner.linkActivated.emit("settings")
        dialog = window.settings_dialog
        qtbot.waitUntil(dialog.isVisible)
        # the environment choice (training / Antom sandbox / production) is right there
        envs = [dialog.environment.itemData(i) for i in range(dialog.environment.count())]
        assert "production" in envs
        dialog.reject()
        window.close()
        window.runner.shutdown()
    finally:
        backend.close()
