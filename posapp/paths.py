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
        for path in (self.data, self.config, self.logs):
            path.mkdir(parents=True, exist_ok=True)
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
