"""Shared fixtures. Qt runs offscreen, and every test gets its own data, config and log dirs."""

from __future__ import annotations

import os

# Before anything can create a QApplication: without a display Qt would abort the run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-user dirs point into a temp folder, so no test touches the real home."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A ``--data-dir`` for one test: journal, settings and logs live under it."""
    path = tmp_path / "posapp-data"
    path.mkdir()
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In CI the real-keyring tests must run: a missing Secret Service fails, never skips."""
    if not os.environ.get("CI"):
        return
    if any(item.get_closest_marker("keyring") for item in items) and not os.environ.get(
        "DBUS_SESSION_BUS_ADDRESS"
    ):
        raise pytest.UsageError(
            "CI needs a D-Bus session with gnome-keyring for the keyring tests: run tests/run.sh"
        )
