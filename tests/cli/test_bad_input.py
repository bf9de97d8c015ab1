"""Every bad input on the command line: one clear line on stderr, no traceback, a set exit code."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Result

Posapp = Callable[..., Result]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "{f}"],  # the GUI
        ["--data-dir", "{f}", "keys", "set-pin"],
        ["keys", "set-pin", "--data-dir", "{f}"],
        ["--data-dir", "{f}/sub", "keys", "set-pin"],
        ["screenshot", "--out", "{t}/shots", "--data-dir", "{f}"],
    ],
)
def test_a_data_dir_that_is_a_file_is_one_line(
    posapp: Posapp, a_file: Path, tmp_path: Path, argv: list[str]
) -> None:
    result = posapp(*(a.format(f=a_file, t=tmp_path) for a in argv))
    assert result.code == 2
    assert f"{a_file} is a file, not a folder" in result.line


def test_self_test_names_an_unusable_data_dir(posapp: Posapp, a_file: Path) -> None:
    # bad input, not a failed test: one line on stderr, exit 2 (as the README promises)
    result = posapp("--self-test", "--data-dir", str(a_file))
    assert result.code == 2
    assert result.out == ""
    assert (
        result.line == f"posapp: cannot use --data-dir {a_file}: {a_file} is a file, not a folder"
    )


def test_screenshot_out_onto_a_file(posapp: Posapp, a_file: Path) -> None:
    result = posapp("screenshot", "--out", str(a_file))
    assert result.code == 2
    assert result.line.startswith("posapp: --out:") and "is a file, not a folder" in result.line


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", ""],
        ["journal", "verify", "--data-dir", ""],
        ["--data-dir", "", "doctor"],
    ],
)
def test_an_empty_data_dir_is_refused_not_taken_as_the_current_folder(
    posapp: Posapp, argv: list[str]
) -> None:
    result = posapp(*argv)
    assert result.code == 2
    assert "--data-dir: give a folder name" in result.line
    assert "--help" in result.line


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("-1", "not between 0.1 and 600"),
        ("0", "not between 0.1 and 600"),
        ("nan", "not between 0.1 and 600"),
        ("inf", "not between 0.1 and 600"),
        ("abc", "not a number of seconds"),
    ],
)
def test_doctor_timeout_out_of_range(posapp: Posapp, value: str, says: str) -> None:
    result = posapp(
        "doctor", "--gateway", "http://127.0.0.1:9", "--client-id", "SANDBOX_X", "--timeout", value
    )
    assert result.code == 2
    assert result.line.startswith("posapp doctor: argument --timeout:") and says in result.line


def test_usage_errors_are_one_line(posapp: Posapp) -> None:
    for argv, says in (
        (["journal"], "journal needs an action: verify, export or migrate"),
        (["journal", "export"], "required: --csv"),
        (["nosuch"], "invalid choice"),
        (["sandbox", "--in-memory", "--state-dir", "x"], "not allowed with"),
    ):
        result = posapp(*argv)
        assert result.code == 2, argv
        assert says in result.line


def test_self_test_does_not_swallow_a_command(posapp: Posapp) -> None:
    result = posapp("--self-test", "doctor")
    assert result.code == 2
    assert result.line == "posapp: --self-test runs on its own, not with `doctor`"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland check")
def test_gui_without_a_display_says_so(
    posapp: Posapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    result = posapp("--data-dir", str(tmp_path / "till"))
    assert result.code == 2
    assert result.line.startswith("posapp: no display to open the till on")


def test_set_pin_with_nothing_on_stdin(
    posapp: Posapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    result = posapp("--data-dir", str(tmp_path), "keys", "set-pin")
    assert result.code == 2
    assert result.line.startswith("posapp: no PIN on standard input")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\xff\xfe{", "is not UTF-8 text"),
        (b'{"notify_listener": "yes"}', "notify_listener: expected true, false or null"),
        (b'{"notify_listener": 1}', "notify_listener: expected true, false or null"),
        (b'{"extra": 5}', "extra: expected an object"),
    ],
)
def test_doctor_with_unusable_settings(
    posapp: Posapp, tmp_path: Path, content: bytes, says: str
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_bytes(content)
    result = posapp("--data-dir", str(tmp_path), "doctor")
    assert result.code == 2
    assert result.line.startswith("posapp doctor: FAILED: the settings cannot be used:")
    assert says in result.line


def _journal_without_payments_table(data: Path) -> Path:
    from posapp.core.journal.db import open_journal

    path = data / "journal.sqlite3"
    data.mkdir(parents=True, exist_ok=True)
    open_journal(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE payments")
    return path


def test_journal_that_lost_a_table(posapp: Posapp, tmp_path: Path) -> None:
    path = _journal_without_payments_table(tmp_path / "d")
    for argv in (
        ["journal", "verify", "--data-dir", str(tmp_path / "d")],
        ["--data-dir", str(tmp_path / "d"), "journal", "export", "--csv", str(tmp_path / "x.csv")],
    ):
        result = posapp(*argv)
        assert result.code == 1, argv
        assert result.line.startswith(f"posapp: the journal at {path} cannot be read")
    assert not (tmp_path / "x.csv").exists()


def test_journal_export_to_stdout(posapp: Posapp, tmp_path: Path) -> None:
    from posapp.core.journal.db import open_journal

    open_journal(tmp_path / "journal.sqlite3").close()
    result = posapp("journal", "export", "--data-dir", str(tmp_path), "--csv", "-")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].startswith("created_at,reference_order_id,")
    assert result.err.strip() == "exported 0 payments"
    assert not (tmp_path / "-").exists()


def test_journal_export_needs_a_file_name(posapp: Posapp, tmp_path: Path) -> None:
    result = posapp("journal", "export", "--data-dir", str(tmp_path), "--csv", "")
    assert result.code == 2
    assert "--csv: give a file name" in result.line


def test_console_script_prints_no_traceback(tmp_path: Path, a_file: Path) -> None:
    """The same through a real process (`python -m posapp`), as a shell user meets it."""
    proc = subprocess.run(
        [sys.executable, "-m", "posapp", "--data-dir", str(a_file), "keys", "set-pin"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"posapp: cannot use the folder {a_file}: {a_file} is a file, not a folder"
    )
