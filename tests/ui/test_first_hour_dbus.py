"""A GUI start under X leaves nothing running once the till has quit.

Without a session bus in the environment, libdbus (through QtDBus: the menu bar asks for a
desktop-wide menu) used to autolaunch one with dbus-launch, and that dbus-daemon outlived the
till, one more per start. The till runs here as a desktop would start it: a real X server
(Xvfb), Qt's xcb plugin, no DBUS_SESSION_BUS_ADDRESS, a fresh data dir.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.ui.application import no_dbus_autolaunch
from posapp.ui.startup_probe import MARKER


def _processes_with(marker: str) -> dict[int, str]:
    """Running processes whose environment carries ``marker`` (children inherit it)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ.split(b"\0") and cmdline:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


@pytest.fixture
def x_display() -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: tests/run.sh installs it (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed (tests/run.sh installs it)")
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # written once the server accepts clients
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and /proc: Linux")
def test_a_gui_start_leaves_no_dbus_daemon_behind(x_display: str, tmp_path: Path) -> None:
    marker = f"POSAPP_TEST_RUN={secrets.token_hex(12)}"
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(
        DISPLAY=x_display,
        QT_QPA_PLATFORM="xcb",
        POSAPP_STARTUP_PROBE="1",  # exit 0 once the main window has painted
        XDG_RUNTIME_DIR=str(tmp_path / "runtime"),  # no user bus there to be found
    )
    name, value = marker.split("=", 1)
    env[name] = value
    (tmp_path / "runtime").mkdir(mode=0o700)
    proc = subprocess.run(
        [sys.executable, "-m", "posapp", "--data-dir", str(tmp_path / "till")],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    left = _processes_with(marker)
    for pid in left:  # ours (they carry this run's marker): never leave them running
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert MARKER in proc.stdout
    assert left == {}, f"still running after the till quit: {left}"


def test_no_bus_named_means_no_bus_autolaunched(tmp_path: Path) -> None:
    env: dict[str, str] = {"XDG_RUNTIME_DIR": str(tmp_path)}
    assert no_dbus_autolaunch(env) is sys.platform.startswith("linux")
    if sys.platform.startswith("linux"):
        assert env["DBUS_SESSION_BUS_ADDRESS"] == "disabled:"
    # a session bus named in the environment, or the user bus libdbus finds itself: untouched
    named = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
    assert no_dbus_autolaunch(named) is False
    assert named == {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
