"""A till's SQLite journal with a row in every table the migrations create, for the tests of
``posapp journal migrate`` (copy.py): payments through the repository (so the chain and the
state rows verify), approvals under the data folder's training key, the journal identity,
and the tables no chain covers (reconciliation, saved cards, day close, capture batches)
filled with plain rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

from posapp.core.clock import FakeClock
from posapp.core.domain import OperationStatus, PaymentStatus
from posapp.core.journal.identity import JournalIdentity
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.services.install_key import load_or_create_journal_key

from .conftest import OP, authorised, new_payment

IDENTITY = JournalIdentity("training", "")


def build_source(data_dir: Path, payments: int = 60) -> Path:
    """``data_dir/journal.sqlite3`` sealed under ``data_dir``'s training key."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key = load_or_create_journal_key(training=True, data_dir=data_dir)
    path = data_dir / "journal.sqlite3"
    clock = FakeClock()
    repo = JournalRepository.open(path, clock=clock, key=key)
    try:
        repo.bind_identity(IDENTITY, terminal_id=OP["terminal_id"])
        with repo.transaction():
            for i in range(payments):
                if i % 10 == 9:
                    p = repo.record_intent(new_payment())
                    repo.transition(p.id, PaymentStatus.DECLINED, **OP)
                    continue
                p = authorised(repo, clock, ref=f"ORD-'{i}\" ü %s ?")  # quoting and placeholders
                if i % 3 == 0:
                    request = f"CAP-{p.payment_request_id}"
                    repo.record_approval(
                        "capture",
                        p,
                        request,
                        p.amount,
                        manager="mia",
                        terminal_id="TILL-01",
                        approved_at=clock.now(),
                    )
                    repo.record_capture_intent(p.id, request, **OP)
                    repo.update_capture(request, OperationStatus.SUCCEEDED, **OP)
                    if i % 2 == 0:
                        refund = f"REF-{p.payment_request_id}"
                        repo.record_refund_intent(p.id, refund, Money(100, "USD"), **OP)
                        repo.update_refund(refund, OperationStatus.SUCCEEDED, **OP)
        _plain_rows(repo, payments)
    finally:
        repo.close()
    return path


def _plain_rows(repo: JournalRepository, payments: int) -> None:
    with repo.journal.write() as db:
        c = db.conn
        c.execute(
            "INSERT INTO reconciliation_files (sha256, name, kind, first_day, last_day, lines, "
            "matched, settled, discrepancies, operator, imported_ms) "
            "VALUES ('ab12', 'tx.csv', 'TRANSACTIONS', '2026-01-01', '2026-01-01', 2, 1, 0, 1, "
            "'mia', 1)"
        )
        c.execute(
            "INSERT INTO reconciliation_items (file, kind, line, payment, ours, antom) "
            "VALUES (1, 'AMOUNT', 2, 1, '1250', '1200')"
        )
        c.execute(
            "INSERT INTO saved_cards (holder_name, card_brand, card_last4, expiry_month, "
            "expiry_year, status, consent_ms, consent_operator, consent_order, "
            "first_request_id, created_ms, updated_ms) "
            "VALUES ('Zoë', 'VISA', '0768', 12, 2030, 'ACTIVE', 1, 'alice', 'ORD-1', 'PR-SC-1', "
            "1, 1)"
        )
        c.execute(
            "INSERT INTO card_payment_options (payment_request_id, saved_card, created_ms) "
            "VALUES ('PR-SC-1', 1, 1)"
        )
        snapshot = '{"day":"2026-01-01"}'
        c.execute(
            "INSERT INTO day_closes (day, time_zone, start_ms, end_ms, closed_ms, manager, "
            "terminal_id, snapshot, digest) VALUES ('2026-01-01', 'UTC', 0, 1, 2, 'mia', "
            "'TILL-01', ?, ?)",
            (snapshot, hashlib.sha256(snapshot.encode()).hexdigest()),
        )
        for batch in (1, 2):
            c.execute(
                "INSERT INTO capture_batches (created_ms, manager, terminal_id, state) "
                "VALUES (1, 'mia', 'TILL-01', 'FINISHED')"
            )
            for payment in range(1, min(3, payments) + 1):
                c.execute(
                    "INSERT INTO capture_batch_items (batch, payment) VALUES (?, ?)",
                    (batch, payment),
                )


def file_digest(path: Path) -> str:
    """The source file and its WAL, byte for byte: a copy must leave both as they were."""
    digest = hashlib.sha256()
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()
