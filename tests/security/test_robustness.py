"""Robustness (issue 10, item 8): what is on disk is never silently replaced, a sick disk is
one sentence, exports write only regular files, data is private, and read-only tools work
on a read-only copy of a journal."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from posapp.app import build_backend
from posapp.config import Settings, save_settings
from posapp.core.journal.db import open_journal
from posapp.core.journal.errors import JournalForeign
from posapp.logs import setup_logging
from posapp.paths import UnsafeTarget, app_dirs
from posapp.sandbox import Sandbox
from posapp.sandbox import store as sandbox_store
from posapp.ui.models.csv_export import export_csv
from tests.core.services.conftest import make_backend, pay, with_settings

from .cli_run import refuse_to_start_the_till, run_cli

# -- a zero-length or foreign file at the journal's path ------------------------------------

NOT_JOURNALS = {
    "zero-length": b"",
    "text": b"these are the shop's notes, not a database\n" * 40,
}


@pytest.mark.parametrize("kind", list(NOT_JOURNALS))
def test_a_file_that_is_not_a_journal_is_refused_never_replaced(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    dirs = app_dirs(tmp_path / "till").create()
    dirs.journal.write_bytes(NOT_JOURNALS[kind])
    shown = refuse_to_start_the_till(monkeypatch)
    result = run_cli(capsys, "--data-dir", str(dirs.data))
    assert result.code == 2
    assert "not a posapp" in result.line or "damaged" in result.line
    assert len(shown) == 1
    assert dirs.journal.read_bytes() == NOT_JOURNALS[kind]
    assert not (dirs.data / "sandbox").exists()  # refused before the sandbox started


def test_open_journal_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.touch()
    with pytest.raises(JournalForeign):
        open_journal(path)
    assert path.stat().st_size == 0


# -- a full or read-only disk: one sentence, nothing renamed -------------------------------

DISK_ERRORS = {
    "full": (13, "database or disk is full"),
    "read-only": (8, "attempt to write a readonly database"),
}


# The training till's sandbox runs in a child process (`posapp sandbox --with-parent`): the
# disk is made sick there, in the real command, before it opens its store.
SICK_CHILD = """
import sqlite3, sys
from posapp.sandbox import store
def sick_open(self, target):
    exc = sqlite3.OperationalError(sys.argv[2])
    exc.sqlite_errorcode = int(sys.argv[1])
    raise exc
store.Store._open = sick_open
from posapp.cli import main
sys.exit(main(["sandbox", "--state-dir", sys.argv[3], "--port", "0", "--with-parent"]))
"""


@pytest.mark.parametrize("kind", list(DISK_ERRORS))
def test_a_sick_disk_under_the_training_sandbox_is_one_line_and_renames_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    from posapp.sandbox import process

    dirs = app_dirs(tmp_path / "till").create()
    Sandbox(dirs.sandbox_state).start().stop()  # a training install that has run before
    before = sorted(p.name for p in dirs.sandbox_state.iterdir())
    code, text = DISK_ERRORS[kind]
    monkeypatch.setattr(
        process,
        "sandbox_command",
        lambda state: [sys.executable, "-c", SICK_CHILD, str(code), text, str(state)],
    )
    shown = refuse_to_start_the_till(monkeypatch)
    result = run_cli(capsys, "--data-dir", str(dirs.data))
    assert result.code == 2
    assert text in result.line and "sandbox" in result.line
    assert len(shown) == 1 and "\n" not in result.line
    after = sorted(p.name for p in dirs.sandbox_state.iterdir())
    assert after == before
    assert not [name for name in after if ".damaged-" in name]


def test_a_really_damaged_sandbox_database_is_still_moved_aside(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    Sandbox(state).start().stop()
    (state / sandbox_store.DB_NAME).write_bytes(b"garbage, not SQLite" * 100)
    Sandbox(state).start().stop()
    assert [p for p in state.iterdir() if ".damaged-" in p.name]


# -- out-of-range dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--to", "9999-12-31"),
        ("--from", "0001-01-01T00:00:00+14:00"),
        ("--to", "9999-12-31T23:59:59-12:00"),
    ],
)
def test_out_of_range_dates_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    dirs = app_dirs(tmp_path / "till").create()
    open_journal(dirs.journal).close()
    result = run_cli(
        capsys, "journal", "export", "--data-dir", str(dirs.data), "--csv", "-", option, value
    )
    assert result.code == 2
    assert "out of range" in result.line


# -- exports write regular files only -------------------------------------------------------


@pytest.fixture
def journal_dir(tmp_path: Path) -> Path:
    dirs = app_dirs(tmp_path / "till").create()
    open_journal(dirs.journal).close()
    return dirs.data


def test_export_refuses_a_symlink_at_the_target(
    tmp_path: Path, journal_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    link = tmp_path / "orders.csv"
    link.symlink_to(victim)
    result = run_cli(
        capsys, "journal", "export", "--data-dir", str(journal_dir), "--csv", str(link)
    )
    assert result.code == 2
    assert "symbolic link" in result.line
    assert link.is_symlink() and victim.read_text() == "someone else's file\n"


def test_export_refuses_a_device_or_pipe_at_the_target(
    tmp_path: Path, journal_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    result = run_cli(
        capsys, "journal", "export", "--data-dir", str(journal_dir), "--csv", str(fifo)
    )
    assert result.code == 2
    assert "not a regular file" in result.line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name != "till"] == ["orders.csv"]


class _NoRows:
    def window(self, *_args: object, **_kwargs: object) -> list[object]:
        return []

    def key_of(self, *_args: object) -> None:
        return None


def test_the_orders_csv_refuses_a_symlink_and_writes_atomically(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "orders.csv"
    link.symlink_to(victim)
    with pytest.raises(UnsafeTarget):
        export_csv(_NoRows(), None, link)  # type: ignore[arg-type]
    assert victim.read_text() == "keep me\n" and link.is_symlink()
    # a link planted at the old fixed temporary name is not followed either
    target = tmp_path / "real.csv"
    planted = tmp_path / ".real.csv.part"
    planted.symlink_to(victim)
    assert export_csv(_NoRows(), None, target) == 0  # type: ignore[arg-type]
    assert target.read_text().startswith("created_at,")
    assert victim.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".real.csv.part",
        "orders.csv",
        "real.csv",
        "victim.txt",
    ]


# -- private files and folders --------------------------------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask of a desktop session (022): what the code does must not rely on a
    stricter one."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_data_files_are_0600_and_folders_0700(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "till"
    backend = make_backend(data, with_settings(notify_listener=False))
    try:
        pay(backend)
        dirs = backend.dirs
        setup_logging(dirs.logs)
        save_settings(dirs.settings_file, replace(Settings(), terminal_id="TILL-09"))
        for folder in (dirs.data, dirs.config, dirs.logs):
            assert _mode(folder) == 0o700, folder
        files = [
            dirs.journal,
            Path(f"{dirs.journal}-wal"),
            Path(f"{dirs.journal}-shm"),
            dirs.logs / "posapp.log",
            dirs.settings_file,
        ]
        for file in files:
            assert file.exists(), file
            assert _mode(file) == 0o600, file
    finally:
        backend.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_existing_open_journal_is_made_private(tmp_path: Path, open_umask: None) -> None:
    dirs = app_dirs(tmp_path / "till")
    dirs.data.mkdir(mode=0o755)
    open_journal(dirs.journal).close()
    os.chmod(dirs.journal, 0o644)
    os.chmod(dirs.data, 0o755)
    backend = build_backend(dirs.create(), replace(Settings(), notify_listener=False))
    backend.close()
    assert _mode(dirs.journal) == 0o600
    assert _mode(dirs.data) == 0o700


# -- verify and export on a read-only copy --------------------------------------------------


def _drop_capabilities() -> None:
    """In the child before exec: empty the capability bounding set, so root's command runs
    without CAP_DAC_OVERRIDE & co. and file modes bind it like anyone else."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in range(64):
        libc.prctl(pr_capbset_drop, cap, 0, 0, 0)


def _as_unprivileged() -> dict[str, object]:
    """Root ignores file modes: without its capabilities read-only means read-only."""
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        return {"preexec_fn": _drop_capabilities}
    return {}


@pytest.fixture
def read_only_copy(tmp_path: Path) -> Iterator[Path]:
    backend = make_backend(tmp_path / "till", with_settings(notify_listener=False))
    try:
        pay(backend)
        pay(backend, minor=990)
    finally:
        backend.close()
    # a folder anyone may enter (tmp_path's parents are private to the test's user)
    copy = Path(tempfile.mkdtemp(prefix="posapp-ro-copy-"))
    # the journal and, in training, the key its chain is MAC'd under
    for name in ("journal.sqlite3", "journal.key"):
        if (backend.dirs.data / name).exists():
            shutil.copy(backend.dirs.data / name, copy / name)
            os.chmod(copy / name, 0o444)
    os.chmod(copy, 0o555)
    try:
        yield copy
    finally:
        os.chmod(copy, 0o755)
        shutil.rmtree(copy)


def _posapp(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posapp", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "HOME": str(cwd)},
        check=False,
        **_as_unprivileged(),  # type: ignore[arg-type]
    )


def test_verify_and_export_work_on_a_read_only_copy(read_only_copy: Path) -> None:
    verify = _posapp("journal", "verify", "--data-dir", str(read_only_copy), cwd=read_only_copy)
    assert verify.returncode == 0, verify.stderr
    assert "OK" in verify.stdout or "intact" in verify.stdout
    export = _posapp(
        "journal", "export", "--data-dir", str(read_only_copy), "--csv", "-", cwd=read_only_copy
    )
    assert export.returncode == 0, export.stderr
    assert len(export.stdout.strip().splitlines()) == 3  # the header and two payments
    # nothing was written there: no -wal, no -shm, no new key
    assert sorted(p.name for p in read_only_copy.iterdir()) == ["journal.key", "journal.sqlite3"]
