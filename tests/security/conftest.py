"""Attacks from issue 10 replayed against a real till: the training backend (embedded
sandbox on loopback, a real journal file) and the journal edited the way a cashier with the
sqlite3 shell would (its own connection, no foreign keys, triggers dropped)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from posapp.app import Backend
from tests.core.services.conftest import make_backend

# the sandbox suite's fixtures (one set of keys per session, a fresh state dir per test)
from tests.sandbox.conftest import key_files, sandbox, state_dir  # noqa: F401


@contextmanager
def till(data: Path) -> Iterator[Backend]:
    """The till as started from ``data`` (the same journal, key file and sandbox state)."""
    backend = make_backend(data)
    try:
        yield backend
    finally:
        backend.close()


def shell(data: Path, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Run statements on the journal like `sqlite3 journal.sqlite3` would."""
    conn = sqlite3.connect(data / "journal.sqlite3")
    try:
        conn.execute("DROP TRIGGER IF EXISTS events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for statement in statements:
            if isinstance(statement, tuple):
                conn.execute(*statement)
            else:
                conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def query(data: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data / "journal.sqlite3")
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def verify(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posapp", "journal", "verify", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
