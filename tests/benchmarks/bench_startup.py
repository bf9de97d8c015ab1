"""Start-up time (process start -> main window painted) and the bundle's size on disk.

Run: ``python tests/benchmarks/bench_startup.py [--runs N]`` (after ``python packaging/build.py``
for the bundle figures). Goal on the 2-core build machine: under 1.0 s from source and from the
bundle, bundle under 200 MB.

"Shown" is the ``posapp-startup: shown`` line that ``POSAPP_STARTUP_PROBE=1`` makes the app print
right after the main window's first paint (posapp/ui/startup_probe.py); the clock runs in this
process from just before the child is spawned until that line arrives. Each configuration gets
one warm-up run (first run: data dirs, journal, sandbox keys created, bytecode cached) and then
N timed runs on the same data dir; the median is reported, with the machine's load average
(the build machine is shared: a loaded run says so). Peers measured in the same run, for the ratios:
a bare interpreter (``python -c pass``) and a bare PySide6 QMainWindow shown the same way -
the floor any PySide6 app on this machine pays.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "posapp-startup: shown"
GOAL_SECONDS = 1.0
GOAL_BUNDLE_MB = 200.0
TIMEOUT = 60.0

BARE_QT = f"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1200, 800)
class F(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, lambda: (print({MARKER!r}, flush=True), app.exit(0)))
        return False
f = F()
w.installEventFilter(f)
w.show()
sys.exit(app.exec())
"""


def bundle_executable() -> Path:
    name = "posapp.exe" if sys.platform == "win32" else "posapp"
    return ROOT / "dist" / "posapp" / name


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by reaped child processes."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_to_marker(
    cmd: list[str], env: dict[str, str], marker: str | None = MARKER
) -> tuple[float, float]:
    """(wall seconds from spawning ``cmd`` to the marker line, or to exit when marker is None;
    CPU seconds the whole child run used: less sensitive to a loaded machine than wall time)."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    elapsed: float | None = None
    if marker is None:
        proc.wait(timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
    else:
        for line in proc.stdout:
            if line.strip() == marker:
                elapsed = time.perf_counter() - started
                break
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if elapsed is None or proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {proc.returncode} without the marker: {err.strip()[-800:]}"
        )
    return elapsed, children_cpu() - cpu_before


def measure(label: str, cmd: list[str], runs: int, marker: str | None = MARKER) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", POSAPP_STARTUP_PROBE="1")
    # An installed app has its bytecode cached (pip compiles it; the warm-up run writes it):
    # with PYTHONDONTWRITEBYTECODE set, as in some sandboxes, every start would recompile
    # ~200 modules and measure the compiler instead of the app.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    first, _ = time_to_marker(cmd, env, marker)
    samples = [time_to_marker(cmd, env, marker) for _ in range(runs)]
    times = [wall for wall, _ in samples]
    median = statistics.median(times)
    cpu = statistics.median(c for _, c in samples)
    print(
        f"{label:<34} median {median:6.3f} s  (min {min(times):.3f}, max {max(times):.3f}, "
        f"first run {first:.3f}, n={runs}; CPU per run {cpu:.3f} s)"
    )
    return median


def disk_usage(path: Path) -> tuple[float, float, int]:
    """(apparent MB, allocated MB, files) for a folder tree."""
    apparent = allocated = 0
    files = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            apparent += st.st_size
            allocated += getattr(st, "st_blocks", (st.st_size + 511) // 512) * 512
            files += 1
    return apparent / 1e6, allocated / 1e6, files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per configuration")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"posapp start-up benchmark: {os.cpu_count()} cores, load average {load:.1f}, "
        f"Python {sys.version.split()[0]}"
    )

    with tempfile.TemporaryDirectory(prefix="posapp-bench-") as tmp:
        python = measure("peer: python -c pass", [sys.executable, "-c", "pass"], args.runs, None)
        bare = measure(
            "peer: bare PySide6 window shown", [sys.executable, "-c", BARE_QT], args.runs
        )
        source = measure(
            "posapp from source",
            [sys.executable, "-m", "posapp", "--data-dir", str(Path(tmp) / "source")],
            args.runs,
        )
        exe = bundle_executable()
        bundle: float | None = None
        if exe.is_file():
            bundle = measure(
                "posapp from the bundle",
                [str(exe), "--data-dir", str(Path(tmp) / "bundle")],
                args.runs,
            )
        else:
            print(f"posapp from the bundle: not built ({exe} missing; python packaging/build.py)")

    print()
    print(
        f"source: {source:.3f} s = {source / bare:.2f}x a bare PySide6 window "
        f"({source - bare:+.3f} s), {source / python:.1f}x a bare interpreter; "
        f"goal < {GOAL_SECONDS:.1f} s: {'met' if source < GOAL_SECONDS else 'MISSED'}"
    )
    if bundle is not None:
        print(
            f"bundle: {bundle:.3f} s = {bundle / bare:.2f}x a bare PySide6 window, "
            f"{bundle / source:.2f}x from source; "
            f"goal < {GOAL_SECONDS:.1f} s: {'met' if bundle < GOAL_SECONDS else 'MISSED'}"
        )
        apparent, allocated, files = disk_usage(exe.parent)
        import PySide6

        qt_wheel, _, _ = disk_usage(Path(PySide6.__file__).parent)
        print(
            f"bundle size: {apparent:.1f} MB in {files} files ({allocated:.1f} MB allocated) = "
            f"{apparent / qt_wheel:.2f}x the installed PySide6-Essentials wheel ({qt_wheel:.1f} MB); "
            f"goal < {GOAL_BUNDLE_MB:.0f} MB: {'met' if apparent < GOAL_BUNDLE_MB else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
