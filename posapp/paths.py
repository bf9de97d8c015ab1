"""Where posapp keeps its files, and where its bundled resources are.

Per-user dirs come from platformdirs; ``--data-dir DIR`` puts everything under DIR instead
(tests, and a second till on one machine). ``resource()`` works from a checkout, an
editable install and a PyInstaller bundle alike.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

APP_NAME = "posapp"
APP_AUTHOR = "posapp"


class DataDirError(Exception):
    """A data, config or log folder that cannot be created or written; one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.user_message = message


def folder_error(path: Path, exc: OSError) -> DataDirError:
    """Turn an OSError on ``path`` (or on a folder above it) into a sentence a user can act on."""
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        return DataDirError(f"cannot use the folder {path}: {blocker} is a file, not a folder")
    reason = exc.strerror or str(exc)
    return DataDirError(f"cannot create or write the folder {path}: {reason}")


def check_data_dir(path: Path, *, may_create: bool) -> Path:
    """A ``--data-dir`` as given, refused before anything is read or created there.

    It must be a folder; a missing one is accepted only when ``may_create`` and its parent
    folder exists (a typo must not grow a tree of new folders, or pass for "nothing set up").
    """
    root = path.expanduser()
    if root.is_dir():
        return root
    if root.exists():
        return _refuse(root, f"{root} is a file, not a folder")
    blocker = next((p for p in root.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        return _refuse(root, f"{blocker} is a file, not a folder")
    if not may_create:
        return _refuse(root, "there is no such folder")
    if not root.parent.is_dir():
        return _refuse(root, f"the folder {root.parent} does not exist")
    return root


def _refuse(path: Path, reason: str) -> Path:
    raise DataDirError(f"cannot use --data-dir {path}: {reason}")


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` if others may read it and it is ours (POSIX only)."""
    if os.name != "posix":
        return
    st = path.stat()
    if stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == os.getuid():
        os.chmod(path, mode)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) with the folder itself readable by its owner only; an
    existing folder of ours that others can read is tightened. Raises OSError."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _tighten(path, PRIVATE_DIR)


def make_private_file(path: Path) -> None:
    """Create ``path`` empty if missing, owner read/write only (0600); an existing file of
    ours that others can read is tightened. SQLite gives a database's -wal and -shm files
    the database file's mode, so this covers them too. Raises OSError."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        _tighten(path, PRIVATE_FILE)
    else:
        os.close(fd)


class UnsafeTarget(Exception):
    """A file to write that is a symbolic link or not a regular file: refused (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_target(target: Path) -> None:
    """UnsafeTarget unless ``target`` is missing or a regular file (never a symlink, a
    device node, a pipe or a folder): an export must not write through a link someone
    planted, nor replace /dev/something."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeTarget(f"{target} is a symbolic link; give the real file name")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeTarget(f"{target} is not a regular file; give another file name")


@contextmanager
def atomic_text_file(target: Path) -> Iterator[TextIO]:
    """Write ``target`` whole or not at all: a private temporary file beside it (created
    exclusively, so no planted link is followed), synced, then renamed over it. Raises
    UnsafeTarget (before writing anything) or OSError."""
    check_target(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        check_target(target)  # again, just before the rename
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class AppDirs:
    data: Path
    config: Path
    logs: Path

    @property
    def journal(self) -> Path:
        return self.data / "journal.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def sandbox_state(self) -> Path:
        """Training mode's embedded sandbox keeps its keys and payments here."""
        return self.data / "sandbox"

    def create(self) -> AppDirs:
        """Make the three folders; raises DataDirError (not a traceback) when one cannot be."""
        for path in (self.data, self.config, self.logs):
            try:
                make_private_dir(path)
            except OSError as exc:
                raise folder_error(path, exc) from None
        return self


def app_dirs(data_dir: Path | str | None = None) -> AppDirs:
    if data_dir is not None:
        root = Path(data_dir).expanduser().resolve()
        return AppDirs(data=root, config=root / "config", logs=root / "logs")
    import platformdirs

    return AppDirs(
        data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
    )


def resources_root() -> Path:
    """The ``resources/`` folder: inside the bundle when frozen, else beside the package."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_root().joinpath(*parts)
