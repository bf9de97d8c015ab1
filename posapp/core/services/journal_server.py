"""The store server's journal seen from one station: its password in the OS keyring, a
test connection for Settings, and a cheap probe telling whether the server answers.

Nothing here opens the journal itself (``core.journal.location.open_store`` does): a
connection made here runs ``SELECT 1`` or asks the server's version, so a till can tell
"the server is away" from "the journal is fine" without touching the state rows. Every call
may wait on the network (at most ``connect_timeout`` seconds): callers run them off the GUI
thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from posapp.core.journal.errors import JournalUnavailable
from posapp.core.journal.location import (
    KEYRING_SERVICE,
    JournalLocation,
    LocationError,
    PasswordLookup,
    keyring_entry,
    keyring_password,
    parse_location,
)
from posapp.core.usertext import UserText

CONNECT_TIMEOUT_S = 5  # unless the URL sets its own connect_timeout


class JournalServerError(Exception):
    """The server or the keyring refused; ``message`` is a sentence for the user."""

    def __init__(self, message: UserText | str) -> None:
        super().__init__(str(message))
        self.message = message
        self.user_message = message


def server_location(url: str) -> JournalLocation:
    """The store server a URL names; JournalServerError when it names none (a file, a URL
    with a password: the resolver's own words)."""
    try:
        location = parse_location(url.strip())
    except LocationError as exc:
        raise JournalServerError(str(exc)) from None
    if not location.is_server:
        raise JournalServerError("enter a postgresql://user@host/database URL")
    return location


def _conninfo(location: JournalLocation, password: str | None) -> str:
    from psycopg.conninfo import make_conninfo

    url = location.url or ""
    extra: dict[str, Any] = {}
    if password:
        extra["password"] = password
    if "connect_timeout" not in parse_qs(urlsplit(url).query):
        extra["connect_timeout"] = CONNECT_TIMEOUT_S
    return make_conninfo(url, **extra)


def _password_for(location: JournalLocation, lookup: PasswordLookup | None) -> str | None:
    if lookup is None or not urlsplit(location.url or "").username:
        return None
    return lookup(keyring_entry(location))


def store_password(
    url: str,
    password: str,
    setter: Callable[[str, str, str], None] | None = None,
) -> str:
    """Keep the database password where the resolver reads it (service posapp/journal-db,
    entry user@host:port/database); the entry's name back. Never in the settings."""
    location = server_location(url)
    entry = keyring_entry(location)
    if setter is None:
        import keyring

        setter = keyring.set_password
    from keyring.errors import KeyringError

    try:
        setter(KEYRING_SERVICE, entry, password)
    except KeyringError as exc:
        raise JournalServerError(
            UserText(
                "journal_server.keyring",
                "the password cannot be stored: no usable system keyring ({detail})",
                detail=str(exc) or type(exc).__name__,
            )
        ) from None
    return entry


def test_connection(
    url: str, password: str | None = None, lookup: PasswordLookup | None = keyring_password
) -> str:
    """Connect to the server a URL names (``password`` as typed, else the keyring's) and
    return its version; JournalServerError with the server's reason when it refuses."""
    import psycopg

    location = server_location(url)
    secret = password or _password_for(location, lookup)
    try:
        with psycopg.connect(_conninfo(location, secret), autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JournalServerError(
            UserText(
                "journal_server.unreachable",
                "{server} does not answer: {detail}",
                server=location.describe(),
                detail=detail,
            )
        ) from None
    return f"PostgreSQL {row[0]}" if row else "PostgreSQL"


class ServerProbe:
    """Whether the store server answers now: ``SELECT 1`` on a connection of the probe's
    own (kept between calls, made again after a failure). JournalUnavailable when not.
    Thread-safe; one call at a time."""

    def __init__(
        self, location: JournalLocation, lookup: PasswordLookup | None = keyring_password
    ) -> None:
        self.location = location
        self._lookup = lookup
        self._lock = threading.Lock()
        self._conn: Any = None

    def __call__(self) -> None:
        import psycopg

        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    secret = _password_for(self.location, self._lookup)
                    self._conn = psycopg.connect(_conninfo(self.location, secret), autocommit=True)
                self._conn.execute("SELECT 1").fetchone()
            except psycopg.Error as exc:
                self._drop()
                raise JournalUnavailable(
                    f"the journal database {self.location.describe()} cannot be reached: {exc}"
                ) from exc

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close too
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()
