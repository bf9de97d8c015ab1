"""The audit log's chain: canonical row content and the MAC (or hash) that links each row.

Each event row stores ``hash = HMAC-SHA256(key, prev_hash + "\\n" + canonical(row))`` where
``canonical`` is a compact JSON array of the row's columns in a fixed order, ``prev_hash`` is
the previous row's value (64 zeros for the first row) and ``key`` is the install's journal key
(``JournalKey``: the OS keyring, or a training data dir's own key file). Editing, deleting or
reordering rows breaks the chain at the first row touched; ``chain_head`` (last id, last
hash, row count) catches a deleted or replaced tail; without the key nobody can compute a
chain that verifies, so a chain recomputed after an edit is caught too.

Journals written before the key existed carry a plain ``sha256`` chain (same layout, no
key). ``JournalRepository.seal`` re-computes such a chain once under the key and records
that in ``chain_seal`` (migration 0002) and in an audit event; from then on every row is
keyed and a plain chain is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
# Column order of the canonical form; never reorder (old journals would stop verifying).
CHAINED_COLUMNS = (
    "id",
    "at_ms",
    "kind",
    "payment",
    "api",
    "request_id",
    "from_status",
    "to_status",
    "operator",
    "terminal_id",
    "detail",
)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


SCHEME_PLAIN = "sha256"
SCHEME_KEYED = "hmac-sha256"


@dataclass(frozen=True, slots=True)
class JournalKey:
    """The install's journal key: MACs the audit chain and the managers' approvals.

    ``created_ms``: when the key was made; a journal whose rows all predate it may be
    re-sealed under it (see ``JournalRepository.seal``). ``repr`` never shows the secret.
    """

    secret: bytes = field(repr=False)
    created_ms: int = 0
    # the keyed state after the key block, copied per MAC (a chain has millions of rows)
    _base: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError("a journal key has at least 32 bytes")
        object.__setattr__(self, "_base", hmac.new(self.secret, digestmod=hashlib.sha256))

    def mac(self, text: str) -> str:
        h = self._base.copy()
        h.update(text.encode())
        return str(h.hexdigest())

    @property
    def key_id(self) -> str:
        """A short public name for the key (not the key): which key sealed a journal."""
        return self.mac("posapp journal key id")[:16]


def _chained(prev_hash: str, row: Mapping[str, Any] | sqlite3.Row) -> str:
    return f"{prev_hash}\n{canonical_json([row[name] for name in CHAINED_COLUMNS])}"


def row_hash(
    prev_hash: str, row: Mapping[str, Any] | sqlite3.Row, key: JournalKey | None = None
) -> str:
    """The row's link: HMAC-SHA256 under ``key``, or plain SHA-256 (journals not sealed)."""
    text = _chained(prev_hash, row)
    if key is not None:
        return key.mac(text)
    return hashlib.sha256(text.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two MACs."""
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of checking the chain; ``bad_row`` is the first row that fails, if any."""

    ok: bool
    rows: int
    bad_row: int | None = None
    problem: str = ""
    # False when the chain could not be checked for authenticity (no key given): then
    # ``ok`` only means "consistent", never "genuine"
    authentic: bool = True
    state_rows: int = 0  # payments, captures and refunds checked against their events

    def summary(self) -> str:
        if self.ok and not self.authentic:
            return (
                f"journal NOT VERIFIED: {self.rows} audit rows are consistent, but without "
                "this install's journal key their authenticity cannot be checked"
            )
        if self.ok:
            return (
                f"journal ok: {self.rows} audit rows, keyed chain intact; "
                f"{self.state_rows} payment, capture and refund rows match their events"
            )
        if self.bad_row is not None:
            return f"journal verify FAILED at row {self.bad_row}: {self.problem}"
        return f"journal verify FAILED: {self.problem}"
