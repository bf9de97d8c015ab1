"""Scan files for card data: test card numbers (plain or grouped) and CVVs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from posapp.sandbox import scenarios

# Every card number the test suite types: Antom's published cards and the sandbox's magic
# ones, plus the few extra brand samples used by validation tests.
TEST_PANS: tuple[str, ...] = tuple(
    sorted({*scenarios.PUBLISHED, *scenarios.MAGIC, "378282246310005", "4111111111111111"})
)
# A CVV written next to its field name in JSON, a form or a log line.
_CVV_FIELD = re.compile(
    rb"""(?ix)(?:cvv2?|cvc2?|cid|security[ _-]?code)\\?["']?\s*[:=]\s*\\?["']?(\d{3,4})(?!\d)"""
)
SCANNED_SUFFIXES = (
    ".sqlite3",
    ".sqlite3-wal",
    ".sqlite3-shm",
    ".db",
    ".db-wal",
    ".log",
    ".json",
    ".ini",
    ".txt",
)


def _forms(pan: str) -> list[bytes]:
    grouped = " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))
    dashed = grouped.replace(" ", "-")
    return [pan.encode(), grouped.encode(), dashed.encode()]


def candidate_files(root: Path, *, include_sandbox: bool = True) -> list[Path]:
    """Journals and their WAL, logs, settings and other config files under ``root``.

    ``include_sandbox=False`` leaves out the sandbox's own state (a folder or database named
    sandbox*): the sandbox tests choose their own order ids and may put a card number in
    them on purpose; the sandbox's storage rules are tested by the sandbox's own tests and
    by test_card_data.py."""
    files = []
    for path in root.rglob("*"):
        name = path.name
        if not path.is_file():
            continue
        if not include_sandbox and any(
            part.startswith("sandbox") for part in path.relative_to(root).parts
        ):
            continue
        if (
            name.endswith(SCANNED_SUFFIXES)
            or re.search(r"\.log\.\d+$", name)
            or name.endswith("-wal")
        ):
            files.append(path)
    return sorted(files)


def every_file(root: Path) -> list[Path]:
    """Every file under ``root``, whatever its name: a card token may be nowhere on disk."""
    return sorted(p for p in root.rglob("*") if p.is_file())


def scan(
    files: Iterable[Path],
    pans: Iterable[str] = TEST_PANS,
    cvvs: Iterable[str] = (),
    tokens: Iterable[str] = (),
) -> list[str]:
    """Findings as ``"<file>: <what>"``; empty when clean. ``tokens``: saved-card tokens,
    found in clear (as they are, or JSON-escaped)."""
    needles = [(pan, form) for pan in pans for form in _forms(pan)]
    token_forms = [
        (t, form) for t in tokens for form in {t.encode(), t.replace("/", "\\/").encode()}
    ]
    quoted_cvvs = [(c, f'"{c}"'.encode()) for c in cvvs]
    findings: list[str] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for pan, form in needles:
            if form in data:
                findings.append(f"{path}: card number …{pan[-4:]} ({form.decode()})")
        for token, form in token_forms:
            if form in data:
                findings.append(f"{path}: a card token in clear (…{token[-6:]})")
        for cvv, quoted in quoted_cvvs:
            if quoted in data:
                findings.append(f"{path}: CVV {cvv} as a JSON string")
        for match in _CVV_FIELD.finditer(data):
            findings.append(f"{path}: a CVV next to its field name ({match.group(0)[:40]!r})")
    return findings
