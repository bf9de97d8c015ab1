"""An exclusive lock across processes and threads that deleting files does not break.

Used around every read-check-write of the manager PIN record (posapp.core.services.pin). Two
layers, always taken in this order:

1. On Linux, a mutex no file operation can touch: a Unix socket bound in the abstract
   namespace under a name made of the user id and the lock's ``key`` (the PIN record's name,
   not a path: a second ``--data-dir`` or another ``XDG_STATE_HOME`` names the same lock).
   Only one socket can hold a name; the kernel frees it when the holder exits, so a crashed
   holder leaves no stale lock. A waiter connects to the holder's listening socket and
   blocks in ``recv`` until the holder closes it (no polling, no sleeps).
2. An ``flock`` on ``path`` (every platform; on Windows ``msvcrt.locking``). Alone, it is
   broken by deleting the lock file while it is held (the next process locks a new file);
   after locking, the holder checks that the path still names the file it locked.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


class LockBusy(Exception):
    """``held(wait=False)`` found the lock held by someone else."""


class RecordLock:
    """The lock for one record: ``key`` names it across processes, ``path`` is its lock file.
    ``path`` None: threads of this process only (tests, the self-test)."""

    def __init__(self, path: Path | None, key: str | None = None) -> None:
        self.path = path
        self.key = key if key is not None else (str(path) if path is not None else None)
        self._thread_lock = threading.RLock()
        self._depth = 0  # how often the thread holding _thread_lock holds this lock

    @contextmanager
    def held(self, *, wait: bool = True) -> Iterator[None]:
        if not self._thread_lock.acquire(blocking=wait):
            raise LockBusy(self.key)
        try:
            if self.path is None or self._depth:
                # nested in this thread: a second flock on a new descriptor would wait for itself
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with ExitStack() as stack:
                if sys.platform.startswith("linux") and self.key is not None:
                    stack.callback(_hold_abstract(self.key, wait).close)
                fd = _hold_file(self.path, wait)
                stack.callback(os.close, fd)  # closing the descriptor releases the flock
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
        finally:
            self._thread_lock.release()


def _abstract_name(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"\0posapp-lock-{os.getuid()}-{digest}"


def _hold_abstract(key: str, wait: bool) -> socket.socket:
    """The held mutex socket (close it to release)."""
    name = _abstract_name(key)
    while True:
        holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            holder.bind(name)
            holder.listen(128)
            return holder
        except OSError as exc:
            holder.close()
            if exc.errno != errno.EADDRINUSE:
                raise
        if not wait:
            raise LockBusy(key)
        waiter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            waiter.connect(name)
            waiter.recv(1)  # returns (or fails) when the holder closes its socket
        except OSError:
            pass  # the holder left meanwhile, or reset us on closing: try again
        finally:
            waiter.close()


def _hold_file(path: Path, wait: bool) -> int:
    """A descriptor of ``path`` holding an exclusive lock on the file the path names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_fd(fd, wait)
            mine = os.fstat(fd)
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
        except BaseException:
            os.close(fd)
            raise
        if now is not None and (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
            return fd
        os.close(fd)  # the file was replaced under us: lock the one the path names now


def _lock_fd(fd: int, wait: bool) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        # msvcrt's names exist only on Windows (mypy checks on Linux)
        mode = getattr(msvcrt, "LK_LOCK" if wait else "LK_NBLCK")
        getattr(msvcrt, "locking")(fd, mode, 1)  # noqa: B009
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise LockBusy(str(fd)) from None
