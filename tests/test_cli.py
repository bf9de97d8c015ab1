from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from posapp import __version__
from posapp.cli import main


def test_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("sandbox", "doctor", "journal", "keys", "screenshot", "--data-dir", "--self-test"):
        assert name in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"posapp {__version__}"


def test_python_dash_m_runs_the_same_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "posapp", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"posapp {__version__}"


def test_data_dir_holds_logs_and_settings(tmp_path: Path) -> None:
    """The GUI started with --data-dir creates its folders there (offscreen, quits at once)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", POSAPP_QUIT_AFTER_SHOW="1")
    data = tmp_path / "till2"
    code = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtCore import QTimer
        import posapp.ui.application as application

        original = application.create_application

        def quitting(*args, **kwargs):
            app = original(*args, **kwargs)
            QTimer.singleShot(500, app.quit)
            return app

        application.create_application = quitting
        from posapp.cli import main
        sys.exit(main(["--data-dir", {str(data)!r}]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert (data / "logs" / "posapp.log").exists()
    assert (data / "config").is_dir()


def test_data_dir_is_accepted_after_a_command_too(tmp_path: Path) -> None:
    from posapp.cli import build_parser

    parser = build_parser()
    for argv in (
        ["screenshot", "--out", str(tmp_path), "--data-dir", str(tmp_path / "d")],
        ["--data-dir", str(tmp_path / "d"), "screenshot", "--out", str(tmp_path)],
    ):
        assert parser.parse_args(argv).data_dir == tmp_path / "d"
    assert parser.parse_args(["screenshot", "--out", str(tmp_path)]).data_dir is None
    keys = parser.parse_args(["keys", "status", "--data-dir", str(tmp_path)])
    assert keys.data_dir == tmp_path
