"""Storage errors that come from the environment, each with a message for the user.

    JournalError            root; ``user_message`` (a UserText) says what happened and what to do
    ├── JournalLocked       another program holds the journal longer than the busy timeout
    ├── JournalFull         the disk (or the journal's size limit) is full
    ├── JournalReadOnly     the file or its folder cannot be written
    ├── JournalCorrupt      not a database, or damaged
    ├── JournalUnavailable  cannot be opened or read (missing folder, I/O error)
    │   └── JournalForeign  a database that is not a posapp journal (another program's)
    └── JournalTooNew       written by a newer posapp: refused, never downgraded

Anything else that sqlite3 raises (constraint violations, misuse, bad SQL) is a bug in
posapp and propagates unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from posapp.core.usertext import UserText


class JournalError(Exception):
    """A journal problem caused by the machine, not by posapp's code."""

    user_message: str = UserText("journal.unusable", "The payment journal cannot be used.")

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} ({self.path})" if self.path else self.message


class JournalLocked(JournalError):
    user_message = UserText(
        "journal.locked",
        "The payment journal is busy in another window or program. Wait a moment and try again.",
    )


class JournalFull(JournalError):
    user_message = UserText(
        "journal.full",
        "The disk is full: the payment journal cannot record anything. Free some space.",
    )


class JournalReadOnly(JournalError):
    user_message = UserText(
        "journal.read_only",
        "The payment journal cannot be written (read-only file or folder). "
        "Check the permissions of the data folder.",
    )


class JournalCorrupt(JournalError):
    user_message = UserText(
        "journal.corrupt",
        "The payment journal is damaged. Stop taking payments and restore it from a backup.",
    )


class JournalUnavailable(JournalError):
    user_message = UserText(
        "journal.unavailable",
        "The payment journal cannot be opened. Check that the data folder exists.",
    )


class JournalForeign(JournalUnavailable):
    user_message = UserText(
        "journal.foreign",
        "The file in the data folder is not a posapp payment journal (another program's "
        "database?). Choose another data folder or move that file away.",
    )


class JournalTooNew(JournalError):
    user_message = UserText(
        "journal.too_new",
        "This payment journal was written by a newer version of posapp. "
        "Install that version (or newer) to open it.",
    )


# SQLite primary result codes (sqlite3.h); extended codes carry them in the low byte.
_BUSY, _LOCKED, _FULL, _READONLY, _CORRUPT, _NOTADB = 5, 6, 13, 8, 11, 26
_PERM, _IOERR, _CANTOPEN = 3, 10, 14


def classify(exc: sqlite3.Error, path: Path | None = None) -> JournalError | None:
    """The environment error behind ``exc``, or None when it is a bug of ours."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (_BUSY, _LOCKED) or "database is locked" in text:
        return JournalLocked(f"journal locked: {text}", path=path)
    if primary == _FULL or "database or disk is full" in text:
        return JournalFull(f"journal full: {text}", path=path)
    if primary in (_READONLY, _PERM) or "readonly database" in text:
        return JournalReadOnly(f"journal read-only: {text}", path=path)
    if primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return JournalCorrupt(f"journal corrupt: {text}", path=path)
    if primary in (_IOERR, _CANTOPEN) or "unable to open" in text:
        return JournalUnavailable(f"journal unavailable: {text}", path=path)
    return None


@contextmanager
def translating(path: Path | None = None) -> Iterator[None]:
    """Turn environment sqlite3 errors into JournalError; let bugs through unchanged."""
    try:
        yield
    except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise
        known = classify(exc, path)
        if known is None:
            raise
        raise known from exc
