"""`posapp screenshot` renders every main screen with training data, in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from posapp.commands.screenshot import SCREENS


def test_screenshot_writes_one_png_per_screen(tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "posapp",
            "--data-dir",
            str(data_dir),
            "screenshot",
            "--out",
            str(out),
            "--size",
            "1024x700",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert [Path(line).name for line in proc.stdout.split()] == [f"{s}.png" for s in SCREENS]
    for name in SCREENS:
        image = QImage(str(out / f"{name}.png"))
        assert not image.isNull(), name
    for name in ("new_payment_empty", "new_payment_result", "orders_held"):
        image = QImage(str(out / f"{name}.png"))
        assert (image.width(), image.height()) == (1024, 700), name
    # the sales keyed in for the screenshots went through the real journal
    assert (data_dir / "journal.sqlite3").exists()
    assert "Traceback" not in proc.stderr


def test_bad_size_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "posapp", "screenshot", "--out", str(tmp_path), "--size", "big"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--size" in proc.stderr
