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


# -- a hung test ends the run with every thread's C and Python stacks -------------------------
# A test still running after HANG_SECONDS is a hang (the slowest proof test takes a few
# minutes on a busy machine). Rather than let CI run into its overall time limit with no
# report, the watchdog writes the Python stacks (faulthandler) and, where gdb is installed
# (tests/run.sh installs it), every thread's native stack, which shows a lock-order inversion
# between the GIL and a Qt or libpq lock that Python stacks alone cannot show; then it ends
# the run with exit status 3.
HANG_SECONDS = float(os.environ.get("POSAPP_TEST_HANG_SECONDS", "900"))


class _Watchdog:
    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._current: tuple[str, float] | None = None
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="posapp-test-watchdog", daemon=True).start()

    def started(self, nodeid: str) -> None:
        import time

        with self._lock:
            self._current = (nodeid, time.monotonic())

    def ended(self) -> None:
        with self._lock:
            self._current = None

    def _run(self) -> None:
        import time

        while not self._wake.wait(5.0):
            with self._lock:
                current = self._current
            if current is None or time.monotonic() - current[1] < HANG_SECONDS:
                continue
            self._report(current[0])

    @staticmethod
    def _report(nodeid: str) -> None:
        import faulthandler
        import shutil
        import subprocess
        import sys

        if _config is not None:  # give stderr back: pytest is capturing the test's output
            capman = _config.pluginmanager.getplugin("capturemanager")
            if capman is not None:
                try:
                    capman.suspend_global_capture(in_=True)
                except Exception:  # noqa: BLE001 - the report goes out regardless
                    pass
        sys.stderr.write(f"\n\n=== HANG: {nodeid} ran over {HANG_SECONDS:.0f} s ===\n")
        sys.stderr.flush()
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        gdb = shutil.which("gdb")
        if gdb:
            sys.stderr.write("=== native stacks (gdb) ===\n")
            sys.stderr.flush()
            try:
                out = subprocess.run(
                    [gdb, "-p", str(os.getpid()), "-batch", "-ex", "thread apply all bt 40"],
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                sys.stderr.write(out.stdout[-200_000:] + out.stderr[-5_000:])
            except (OSError, subprocess.SubprocessError) as exc:
                sys.stderr.write(f"gdb failed: {exc}\n")
        sys.stderr.flush()
        os._exit(3)


_watchdog: _Watchdog | None = None
_config: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _config
    _config = config


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    global _watchdog
    if _watchdog is None:
        _watchdog = _Watchdog()
    _watchdog.started(nodeid)


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    if _watchdog is not None:
        _watchdog.ended()
