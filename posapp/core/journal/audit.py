"""The audit log's hash chain: canonical row content and the hash that links each row.

Each event row stores ``hash = sha256(prev_hash + "\\n" + canonical(row))`` where
``canonical`` is a compact JSON array of the row's columns in a fixed order, and
``prev_hash`` is the previous row's hash (64 zeros for the first row). Editing, deleting or
reordering rows breaks the chain at the first row touched; ``chain_head`` (last id, last
hash, row count) catches a deleted or replaced tail. A plain hash proves integrity against
accidents and casual edits, not against someone who recomputes the whole chain.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
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


def row_hash(prev_hash: str, row: Mapping[str, Any] | sqlite3.Row) -> str:
    content = canonical_json([row[name] for name in CHAINED_COLUMNS])
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of checking the chain; ``bad_row`` is the first row that fails, if any."""

    ok: bool
    rows: int
    bad_row: int | None = None
    problem: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"journal ok: {self.rows} audit rows, hash chain intact"
        where = f"row {self.bad_row}" if self.bad_row is not None else "the chain head"
        return f"journal verify FAILED at {where}: {self.problem}"
