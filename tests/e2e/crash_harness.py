"""What the crash tests share: the fork server their tills start from, the test side's
client of it, cold starts, process-group checks, and the split of a kill budget over lanes.

Worker side: ``zygote(run, load)`` is the fork server a worker module runs with
``--zygote`` (the imports paid once, each till a fresh ``fork()``). Test side: ``Zygote``
talks to it; ``spawn_cold`` starts a new interpreter (a till killed while it imports);
``group_ends`` checks that what a killed till started ends with it.

Used by test_crash (one journal per lane, SQLite), test_crash_wiring (the app's wiring, SQLite)
and test_crash_pg (four tills and a back office on one PostgreSQL database).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    """The test's environment, with the repository importable (``tests.e2e.*``)."""
    found = dict(os.environ)
    found["PYTHONPATH"] = str(ROOT) + os.pathsep + found.get("PYTHONPATH", "")
    return found


def split(kills: int, lanes: int) -> list[int]:
    """``kills`` spread over ``lanes`` as evenly as can be (the first lanes get the rest)."""
    return [kills // lanes + (1 if i < kills % lanes else 0) for i in range(lanes)]


def spawn_cold(module: str, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A cold start: a new interpreter that imports everything itself, leading a process
    group of its own (as a zygote's child does)."""
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", module, *argv],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def group_ends(pgid: int, timeout: float = 20.0) -> bool:
    """SIGKILL reached the till alone: whatever it started (a sandbox in a child process)
    must end by itself. Waits for that (bounded); False (and the rest killed) if it did not."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for processes to end, not for correctness
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
        return False
    return True


class Zygote:
    """Client of a worker's ``--zygote`` fork server: forks tills without paying for the
    imports. One thread talks to one zygote (the line buffer is not shared)."""

    def __init__(self, log: Path, module: str) -> None:
        with log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", module, "--zygote"],
                cwd=ROOT,
                env=env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
            )
        self._buffer = b""
        self._lines: list[str] = []

    def _send(self, command: dict[str, object]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        self.proc.stdin.flush()

    def _next(self, prefix: str, timeout: float) -> str | None:
        """The first line starting with ``prefix`` (others are kept for later)."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        looked = False
        while True:
            for i, line in enumerate(self._lines):
                if line.startswith(prefix):
                    return self._lines.pop(i)
            left = max(0.0, deadline - time.monotonic())
            if left == 0 and looked:
                return None
            looked = True
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return None
            self._buffer += chunk
            *lines, self._buffer = self._buffer.split(b"\n")
            self._lines.extend(line.decode().strip() for line in lines if line.strip())

    def preload(self, conf: Path) -> None:
        self._send({"op": "preload", "conf": str(conf)})
        assert self._next("PRELOADED", 30) is not None, "the zygote did not preload"

    def fork(self, argv: list[str]) -> int:
        self._send({"op": "fork", "argv": argv})
        line = self._next("PID ", 60)
        assert line is not None, f"the zygote did not fork (exit status {self.proc.poll()})"
        return int(line.split()[1])

    def wait_ready(self, pid: int, timeout: float) -> bool:
        return self._next(f"READY {pid}", timeout) is not None

    def said(self, prefix: str) -> bool:
        """Has a child already printed a line starting with ``prefix`` (no waiting)?"""
        return self._next(prefix, 0) is not None

    def reap(self, pid: int) -> int:
        self._send({"op": "reap", "pid": pid})
        line = self._next(f"DEAD {pid} ", 30)
        assert line is not None, f"the zygote did not reap {pid}"
        # drop what may still be queued for this pid (READY, CHECK)
        self._lines = [x for x in self._lines if x.split()[1:2] != [str(pid)]]
        return int(line.split()[2])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def killed_by_sigkill(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def say(line: str) -> None:
    """One line to stdout in one write: the zygote and its children share that pipe, and
    print() may write a line's text and its newline apart (PYTHONUNBUFFERED), letting another
    process's line land in between ("PID 11925READY 11926")."""
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), (line + "\n").encode())


def zygote(run: Callable[[list[str]], int], load: Callable[[dict[str, str]], None]) -> int:
    """The worker side: a fork server; the imports are paid once, each till a ``fork()``.

    Commands on stdin, one JSON object per line: ``{"op": "preload", "conf": FILE}`` calls
    ``load`` with that file's JSON and answers ``PRELOADED``; ``{"op": "fork", "argv":
    [...]}`` answers ``PID <pid>`` (the child runs ``run(argv)`` and prints ``READY <pid>``
    once recovered); ``{"op": "reap", "pid": N}`` waits for that child and answers ``DEAD
    <pid> <status>``. The zygote has no threads and opens nothing, so a child starts as clean
    as a new interpreter would, minus the imports. Each child leads a process group of its
    own, so that killing the group ends whatever the till started too.
    """
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "preload":
            load(json.loads(Path(command["conf"]).read_text()))
            say("PRELOADED")
            continue
        if command["op"] == "fork":
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.setpgid(0, 0)
                    code = run(command["argv"])
                except BaseException:  # noqa: BLE001 - report and leave, never back into the loop
                    import traceback

                    traceback.print_exc()
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            say(f"PID {pid}")
        elif command["op"] == "reap":
            _, status = os.waitpid(int(command["pid"]), 0)
            say(f"DEAD {command['pid']} {status}")
    return 0
