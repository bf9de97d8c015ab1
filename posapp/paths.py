"""Where posapp keeps its files, and where its bundled resources are.

Per-user dirs come from platformdirs; ``--data-dir DIR`` puts everything under DIR instead
(tests, and a second till on one machine). ``resource()`` works from a checkout, an
editable install and a PyInstaller bundle alike.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

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
                path.mkdir(parents=True, exist_ok=True)
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
