"""Build the posapp bundle: ``python packaging/build.py [--self-test]``.

One command for every platform: compiles the translations (.ts -> .qm), renders the app icon
for Windows/macOS, writes build-info.json (version, commit), runs PyInstaller on
``packaging/posapp.spec`` into ``dist/posapp/`` and prints the bundle's size. ``--self-test``
then runs the built binary's ``--self-test`` offscreen in a fresh data dir and fails loudly
(non-zero exit, the failing step named) when it does not pass.

``--update-translations`` instead refreshes ``resources/translations/*.ts`` from the source
with pyside6-lupdate (keeping existing translations) and builds nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posapp import __version__  # noqa: E402

DIST = ROOT / "dist"
BUILD = ROOT / "build"
BUNDLE = DIST / "posapp"
TRANSLATIONS = ROOT / "resources" / "translations"
# English is the source language; its catalogue only carries plural forms ("%n order(s)").
LANGUAGES = ("en", "zh_CN")
SELF_TEST_TIMEOUT = 180  # seconds; a healthy run takes a few


class BuildError(Exception):
    """A build step failed: printed as one line, exit status 1."""


def step(message: str) -> None:
    print(f"build: {message}", flush=True)


def executable() -> Path:
    name = "posapp.exe" if sys.platform == "win32" else "posapp"
    if sys.platform == "darwin" and (DIST / "posapp.app").exists():
        return DIST / "posapp.app" / "Contents" / "MacOS" / "posapp"
    return BUNDLE / name


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def compile_translations() -> None:
    from posapp.ui.i18n import compile_catalogue

    for language in LANGUAGES:
        ts = TRANSLATIONS / f"posapp_{language}.ts"
        if not ts.is_file():
            raise BuildError(f"missing translation source {ts.relative_to(ROOT)}")
        try:
            compile_catalogue(ts, ts.with_suffix(".qm"))
        except RuntimeError as exc:
            raise BuildError(str(exc)) from None
    step(f"translations compiled: {', '.join(LANGUAGES)}")


def update_translations() -> None:
    """Refresh the .ts sources from posapp/ui with lupdate (keeps existing translations)."""
    import PySide6

    exe = "lupdate.exe" if sys.platform == "win32" else "lupdate"
    lupdate = Path(PySide6.__file__).parent / exe
    if not lupdate.is_file():
        raise BuildError(f"lupdate not found at {lupdate}")
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "posapp" / "ui").rglob("*.py"))
    for language in LANGUAGES:
        ts = TRANSLATIONS / f"posapp_{language}.ts"
        plural_only = ("-pluralonly",) if language == "en" else ()
        proc = subprocess.run(
            [
                str(lupdate),
                *("-no-obsolete", "-locations", "none", "-target-language", language),
                *plural_only,
                *sources,
                *("-ts", str(ts.relative_to(ROOT))),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BuildError(f"lupdate failed: {proc.stderr.strip() or proc.stdout.strip()}")
        step(f"{ts.relative_to(ROOT)}: {proc.stdout.strip().splitlines()[-1:]}")


def render_icons() -> None:
    """Windows wants an .ico and macOS an .icns: render them from the SVG with Qt itself."""
    svg = ROOT / "resources" / "icons" / "app.svg"
    if not svg.is_file():
        step("no resources/icons/app.svg: the executable gets PyInstaller's default icon")
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise BuildError(f"{svg.relative_to(ROOT)} is not a valid SVG")
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out = BUILD / "icons"
    out.mkdir(parents=True, exist_ok=True)
    wanted = {"win32": "ico", "darwin": "icns"}.get(sys.platform, "ico")
    writer = QImageWriter(str(out / f"posapp.{wanted}"), wanted.encode())
    if not writer.write(image):
        raise BuildError(f"cannot write the {wanted} icon: {writer.errorString()}")
    step(f"icon rendered: build/icons/posapp.{wanted}")


def check_version() -> None:
    """The one version: posapp.__version__ must match pyproject's, which pip records."""
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    if declared != __version__:
        raise BuildError(
            f"pyproject.toml says version {declared} but posapp/__init__.py says {__version__}"
        )


def write_build_info() -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    BUILD.mkdir(exist_ok=True)
    info = {
        "version": __version__,
        "commit": commit or "unknown",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": sys.platform,
    }
    (BUILD / "build-info.json").write_text(json.dumps(info, indent=2) + "\n")


def run_pyinstaller(clean: bool) -> None:
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD / "pyinstaller"),
        str(ROOT / "packaging" / "posapp.spec"),
    ]
    if clean:
        cmd.insert(3, "--clean")
    if subprocess.run(cmd, cwd=ROOT, check=False).returncode != 0:
        raise BuildError("PyInstaller failed (its output is above)")


def self_test() -> None:
    """Run the built binary the way a store's till would first run it, offscreen."""
    exe = executable()
    if not exe.is_file():
        raise BuildError(f"no built binary at {exe}")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env)
    if version.returncode != 0 or __version__ not in version.stdout:
        raise BuildError(
            f"self-test: `posapp --version` said {version.stdout.strip()!r} "
            f"(exit {version.returncode}), expected {__version__}: {version.stderr.strip()}"
        )
    with tempfile.TemporaryDirectory(prefix="posapp-selftest-") as data_dir:
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [str(exe), "--self-test", "--data-dir", data_dir],
                capture_output=True,
                text=True,
                env=env,
                timeout=SELF_TEST_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(
                f"self-test: the bundle did not finish within {SELF_TEST_TIMEOUT} s"
            ) from None
        elapsed = time.perf_counter() - started
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        print(output, file=sys.stderr)
        raise BuildError(f"self-test of the bundle FAILED (exit {proc.returncode})")
    last = output.splitlines()[-1] if output else "(no output)"
    step(f"bundle self-test passed in {elapsed:.1f} s: {last}")


def desktop_start() -> None:
    """Start the bundle on a real X server (Xvfb) through Qt's xcb plugin, as a desktop would.

    The offscreen self-test cannot notice a missing xcb library; this can. It needs xvfb-run
    (CI installs it); without it the step says it was skipped.
    """
    xvfb_run = shutil.which("xvfb-run")
    if not sys.platform.startswith("linux"):
        return
    if xvfb_run is None:
        step("desktop start skipped: xvfb-run is not installed (apt-get install xvfb xauth)")
        return
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", POSAPP_STARTUP_PROBE="1")
    with tempfile.TemporaryDirectory(prefix="posapp-xcb-") as data_dir:
        try:
            proc = subprocess.run(
                [xvfb_run, "-a", str(executable()), "--data-dir", data_dir],
                capture_output=True,
                text=True,
                env=env,
                timeout=SELF_TEST_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(
                "desktop start: no main window on Xvfb within the time limit"
            ) from None
    if proc.returncode != 0 or "posapp-startup: shown" not in proc.stdout:
        print((proc.stdout + proc.stderr).strip()[-3000:], file=sys.stderr)
        raise BuildError(f"desktop start on Xvfb (xcb) FAILED (exit {proc.returncode})")
    step("desktop start passed: main window shown on Xvfb through the xcb plugin")


def sandbox_processes() -> None:
    """The bundle's standalone sandbox from two processes: a frozen app starts its further
    processes as itself (multiprocessing's spawn), which only works when the build carries
    what that needs. Both must answer, and SIGTERM must end both."""
    import signal
    import urllib.request

    if sys.platform == "win32":
        return  # one process there
    with tempfile.TemporaryDirectory(prefix="posapp-sandbox-") as state:
        proc = subprocess.Popen(
            [str(executable()), "sandbox", "--state-dir", state, "--processes", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = proc.stdout.readline().strip() if proc.stdout else ""
            if not url.startswith("http://"):
                raise BuildError(f"sandbox --processes 2: printed {url!r}, not its URL")
            pids = set()
            direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            # the admin API needs the state dir's token (written before the URL is printed)
            token = (Path(state) / "admin_token").read_text(encoding="ascii").strip()
            ask = urllib.request.Request(
                url + "/sandbox-admin/process", headers={"Authorization": f"Bearer {token}"}
            )
            for _ in range(20):  # each request on a new connection, dealt round-robin
                with direct.open(ask, timeout=10) as r:
                    pids.add(json.loads(r.read())["pid"])
                if len(pids) == 2:
                    break
            if len(pids) != 2:
                raise BuildError(f"sandbox --processes 2: answered from {len(pids)} process(es)")
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
            if code != 0:
                raise BuildError(f"sandbox --processes 2: exit {code} after SIGTERM")
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise BuildError(f"sandbox --processes 2: {exc}") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    step("sandbox processes passed: the bundle's sandbox answered from 2 processes, stopped")


# Runs inside a private D-Bus session with a fresh, unlocked gnome-keyring (like tests/run.sh):
# the bundle stores a key set in the Secret Service, reads it back and deletes it.
_KEYRING_SCRIPT = r"""
set -u
printf posapp-build | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
"$EXE" --data-dir "$DATA" keys import --private-key "$KEYS/merchant.pem" \
  --antom-public-key "$KEYS/antom.pem" --client-id "$CLIENT_ID" || exit 10
"$EXE" --data-dir "$DATA" keys status | grep -q "$CLIENT_ID" || exit 11
"$EXE" --data-dir "$DATA" keys delete --environment sandbox || exit 12
"$EXE" --data-dir "$DATA" keys status | grep -q "$CLIENT_ID" && exit 13
exit 0
"""


def keyring_round_trip() -> None:
    """The bundled keyring backend against a real Secret Service (gnome-keyring over D-Bus).

    The offscreen self-test runs in training mode, which never touches the keyring; this is
    what proves the spec's hidden imports and keyring's entry-point metadata work frozen.
    """
    if not sys.platform.startswith("linux"):
        return
    tools = [shutil.which(t) for t in ("dbus-run-session", "gnome-keyring-daemon")]
    if None in tools:
        step("keyring round-trip skipped: dbus-run-session / gnome-keyring-daemon not installed")
        return
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    with tempfile.TemporaryDirectory(prefix="posapp-keyring-") as tmp:
        keys = Path(tmp, "keys")
        keys.mkdir()
        merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        antom = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        (keys / "merchant.pem").write_bytes(
            merchant.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        (keys / "antom.pem").write_bytes(
            antom.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            XDG_DATA_HOME=str(Path(tmp, "xdg")),  # a fresh keyring, never the user's own
            EXE=str(executable()),
            DATA=str(Path(tmp, "data")),
            KEYS=str(keys),
            CLIENT_ID="SANDBOX_POSAPPBUILDCHECK01",
        )
        proc = subprocess.run(
            ["dbus-run-session", "--", "bash", "-c", _KEYRING_SCRIPT],
            capture_output=True,
            text=True,
            env=env,
            timeout=SELF_TEST_TIMEOUT,
        )
    if proc.returncode != 0:
        print((proc.stdout + proc.stderr).strip()[-3000:], file=sys.stderr)
        stage = {10: "import", 11: "status after import", 12: "delete", 13: "status after delete"}
        raise BuildError(
            f"keyring round-trip FAILED at {stage.get(proc.returncode, 'start')} "
            f"(exit {proc.returncode})"
        )
    step("keyring round-trip passed: keys stored, read and deleted through the Secret Service")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--self-test", action="store_true", help="run the built binary's --self-test"
    )
    parser.add_argument(
        "--clean", action="store_true", help="ignore PyInstaller's cache (build/pyinstaller)"
    )
    parser.add_argument(
        "--no-excludes",
        action="store_true",
        help="keep every Qt module/plugin PyInstaller finds (to measure what the excludes save)",
    )
    parser.add_argument(
        "--update-translations",
        action="store_true",
        help="refresh resources/translations/*.ts from posapp/ui (lupdate) and stop",
    )
    args = parser.parse_args(argv)
    try:
        if args.update_translations:
            update_translations()
            return 0
        started = time.perf_counter()
        if args.no_excludes:
            os.environ["POSAPP_BUILD_NO_EXCLUDES"] = "1"
        check_version()
        compile_translations()
        render_icons()
        write_build_info()
        run_pyinstaller(clean=args.clean)
        size = tree_size(BUNDLE)
        step(
            f"built posapp {__version__} in {time.perf_counter() - started:.0f} s: "
            f"{BUNDLE.relative_to(ROOT)} is {size / 1e6:.1f} MB"
        )
        if args.self_test:
            self_test()
            sandbox_processes()
            desktop_start()
            keyring_round_trip()
    except BuildError as exc:
        print(f"build: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
