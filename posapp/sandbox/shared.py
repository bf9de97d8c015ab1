"""What several sandbox processes on one state dir share, besides the SQLite file.

``Sandbox(state_dir, processes=N)`` serves one listening socket from N processes (RSA signing
is the cost of every call, and one Python process cannot keep more than one core busy with
the rest of a call). They share:

- the SQLite file (WAL), every access under one cross-process lock (``flock`` on
  ``sandbox.lock``), so SQLite itself never sees two writers and never sleeps in its busy
  handler; the lock is held for the few statements of one call, never across RSA;
- a page of integers (``sandbox.shared``, memory-mapped): the sandbox clock's offset and the
  next time a rule falls due (so a slow authorisation taken by one process settles when
  another is asked about it), and the number of active faults (so the common case — no
  faults — costs one memory read). The faults themselves live in the SQLite meta table.

An aligned 8-byte read or write of the mapped page is atomic on the platforms posapp runs on;
every read-modify-write happens under the lock.
"""

from __future__ import annotations

import mmap
import os
import threading
from pathlib import Path
from types import TracebackType

LOCK_NAME = "sandbox.lock"
SHARED_NAME = "sandbox.shared"

# slot numbers in the shared page (signed 64-bit integers)
CLOCK_OFFSET_US = 0
NEXT_DUE_US = 1  # -1: nothing due; 0: unknown (look at the store)
FAULT_COUNT = 2
_SLOTS = 8
_SIZE = mmap.PAGESIZE


def supported() -> bool:
    """Several processes need ``fcntl.flock`` (Linux, macOS); Windows runs one process."""
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return False
    return True


class ProcessLock:
    """A re-entrant lock that holds across threads of this process and across processes.

    The thread lock is taken first, so only one thread per process ever waits in ``flock``.
    """

    def __init__(self, path: Path) -> None:
        import fcntl

        self._fcntl = fcntl
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._thread_lock = threading.RLock()
        self._depth = 0

    def acquire(self) -> None:
        self._thread_lock.acquire()
        if self._depth == 0:
            try:
                self._fcntl.flock(self._fd, self._fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._fcntl.flock(self._fd, self._fcntl.LOCK_UN)
        self._thread_lock.release()

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def close(self) -> None:
        os.close(self._fd)


class SharedPage:
    """The memory-mapped page of integers (see the module docstring for the slots)."""

    def __init__(self, path: Path, *, create: bool) -> None:
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, 0)  # a fresh start: nothing from an earlier run counts
                os.ftruncate(fd, _SIZE)
            self._map = mmap.mmap(fd, _SIZE)
        finally:
            os.close(fd)
        self._view = memoryview(self._map).cast("q")
        self._slots = self._view[:_SLOTS]

    def get(self, slot: int) -> int:
        return int(self._slots[slot])

    def set(self, slot: int, value: int) -> None:
        self._slots[slot] = value

    def close(self) -> None:
        self._slots.release()
        self._view.release()
        self._map.close()


class Shared:
    """The lock and the page of one state dir, as one process sees them."""

    def __init__(self, state_dir: Path, *, create: bool) -> None:
        self.lock = ProcessLock(state_dir / LOCK_NAME)
        self.page = SharedPage(state_dir / SHARED_NAME, create=create)

    def close(self) -> None:
        self.page.close()
        self.lock.close()
