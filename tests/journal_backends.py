"""The journal back-ends a test can run on: an SQLite file always, and PostgreSQL where the
test run has a server (tests/run.sh starts a throw-away cluster and exports its URL as
POSAPP_TEST_POSTGRESQL_URL). Each test on the server gets a schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

PG_URL = os.environ.get("POSAPP_TEST_POSTGRESQL_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def schema_url(schema: str, user: str = "posapp") -> str:
    """The test server's URL as ``user``, with ``schema`` first on the search path."""
    glue = "&" if "?" in PG_URL else "?"
    url = PG_URL.replace("postgresql://posapp@", f"postgresql://{user}@", 1)
    return f"{url}{glue}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_schema(owner: str | None = None) -> Iterator[str]:
    """A new, empty schema on the test server, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    owned = f" AUTHORIZATION {owner}" if owner else ""
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}{owned}")
    try:
        yield name
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {name} CASCADE")
