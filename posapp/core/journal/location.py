"""Where the journal is: an SQLite file (the default, one per till) or a PostgreSQL
database shared by a store's tills, named by ``--journal`` or the settings. Resolved here
and nowhere else: ``parse_location`` reads the text, ``open_store`` opens what it names.

A PostgreSQL URL never carries its password in settings or on a command line kept in a
shell's history: the password lives in the OS keyring under service ``posapp/journal-db``,
entry ``user@host:port/database`` (``keyring_entry``), and is added to the connection
string only in memory. Everything else in the URL's query (``sslmode``, ``sslrootcert``,
``connect_timeout``, ``options``...) is handed to libpq as written, so TLS is configured
the way PostgreSQL documents it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from posapp.core.journal.access import Store
from posapp.core.journal.db import JournalOptions, open_journal

KEYRING_SERVICE = "posapp/journal-db"
_SCHEMES = ("postgresql", "postgres")

PasswordLookup = Callable[[str], str | None]


class LocationError(ValueError):
    """The text names no journal posapp can open (an unknown scheme, a URL without host)."""


@dataclass(frozen=True, slots=True)
class JournalLocation:
    """Exactly one of ``path`` (an SQLite file) and ``url`` (a PostgreSQL database)."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_server(self) -> bool:
        return self.url is not None

    def describe(self) -> str:
        """For messages: the file, or the URL without any password."""
        if self.url is None:
            return str(self.path)
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def parse_location(text: str | Path) -> JournalLocation:
    """``postgresql://user@host[:port]/db[?sslmode=...]`` or a path to an SQLite file."""
    if isinstance(text, Path):
        return JournalLocation(path=text)
    scheme, sep, _ = text.partition("://")
    if not sep:
        return JournalLocation(path=Path(text).expanduser())
    if scheme.lower() not in _SCHEMES:
        raise LocationError(
            f"{scheme}:// is not a journal posapp can use: give a postgresql:// URL or a "
            "path to an SQLite file"
        )
    parts = urlsplit(text)
    if not parts.path.strip("/"):
        raise LocationError("a postgresql:// journal URL names its database (…/DATABASE)")
    location = JournalLocation(url=text)
    if parts.password is not None:
        raise LocationError(
            "the journal URL carries a password: store it in the system keyring instead "
            f"(service {KEYRING_SERVICE}, entry {keyring_entry(location)})"
        )
    return location


def resolve(text: str | Path | None, default: Path) -> JournalLocation:
    """The journal a command works on: ``--journal`` when given, else the data folder's
    ``journal.sqlite3`` (``default``). LocationError for text naming no usable journal."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return JournalLocation(path=default)
    return parse_location(text)


def keyring_password(entry: str) -> str | None:
    """The password stored for ``entry`` (``keyring_entry``) in the OS keyring, if any."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, entry)
    except KeyringError:
        return None


def keyring_entry(location: JournalLocation) -> str:
    """The keyring entry holding this database's password: ``user@host:port/database``."""
    parts = urlsplit(location.url or "")
    host = parts.hostname or "localhost"
    return f"{unquote(parts.username or '')}@{host}:{parts.port or 5432}{parts.path}"


def _conninfo(location: JournalLocation, password: PasswordLookup | None) -> str:
    url = location.url or ""
    parts = urlsplit(url)
    secret = password(keyring_entry(location)) if password and parts.username else None
    if secret is None:
        return url  # peer or certificate authentication, or libpq's own password file
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, password=secret)


def conninfo(location: JournalLocation, password: PasswordLookup | None) -> str:
    """The libpq connection string for ``location`` (a URL), its password from the keyring
    added in memory: for tools that open the server themselves (``copy.open_target``)."""
    return _conninfo(location, password)


def open_store(
    location: JournalLocation,
    *,
    create: bool = True,
    migrate: bool = True,
    read_only: bool = False,
    options: JournalOptions | None = None,
    password: PasswordLookup | None = None,
) -> Store:
    """Open (and, where allowed, create and migrate) the journal ``location`` names."""
    if location.url is None:
        assert location.path is not None
        return open_journal(
            location.path, create=create, migrate=migrate, read_only=read_only, options=options
        )
    from posapp.core.journal.pg import open_pg_journal

    return open_pg_journal(
        _conninfo(location, password),
        shown_as=location.describe(),
        migrate=migrate,
        read_only=read_only,
    )
