"""The journal's schema, as numbered sqlite-utils migrations.

Rules: a step that has shipped is never edited; change the schema by appending a step.
Each step runs inside the caller's write transaction together with the record that it ran
(sqlite-utils' ``_sqlite_migrations`` table) and ``PRAGMA user_version`` = the step number,
so a crash mid-migration leaves the journal at the previous version, never half-way.

Times are integer milliseconds since the Unix epoch (UTC): they index and sort cheaply and
never depend on a time zone. Amounts are integer minor units plus a currency code.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from posapp.core.journal.dialect import SQLITE
from posapp.core.journal.saved_cards_schema import PG_SCHEMA as SAVED_CARDS_PG_SCHEMA
from posapp.core.journal.saved_cards_schema import SCHEMA as SAVED_CARDS_SCHEMA

MIGRATION_SET = "posapp.journal"

migrations = Migrations(MIGRATION_SET)

# Statuses whose outcome is still unknown. The partial indexes of step 0001 spell them out
# literally; repository queries use these same texts so that SQLite picks those indexes.
UNSETTLED_SQL = "('INTENT','PENDING','NEEDS_3DS','CAPTURE_PENDING','CANCEL_PENDING')"
UNSETTLED_OPERATION_SQL = "('INTENT','PENDING')"

_STEP_0001 = """
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    payment_request_id TEXT NOT NULL UNIQUE,
    reference_order_id TEXT NOT NULL,
    payment_id TEXT UNIQUE,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    capture_mode TEXT NOT NULL CHECK (capture_mode IN ('MANUAL', 'AUTOMATIC')),
    -- never a full card number: at most the first six and the last four digits
    card_brand TEXT NOT NULL,
    card_bin6 TEXT NOT NULL CHECK (length(card_bin6) <= 6),
    card_last4 TEXT NOT NULL CHECK (length(card_last4) <= 4),
    card_fingerprint TEXT,
    status TEXT NOT NULL,
    order_description TEXT NOT NULL DEFAULT '',
    result_code TEXT,
    result_status TEXT,
    result_message TEXT,
    avs_result TEXT,
    cvv_result TEXT,
    network_transaction_id TEXT,
    auth_code TEXT,
    three_ds_url TEXT,
    authorised_ms INTEGER,
    capture_deadline_ms INTEGER,
    expires_ms INTEGER,
    captured_minor INTEGER NOT NULL DEFAULT 0,
    refunded_minor INTEGER NOT NULL DEFAULT 0,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- order list, newest first; the rowid (= id) rides along as the keyset tie-breaker
CREATE INDEX ix_payments_created ON payments (created_ms);
CREATE INDEX ix_payments_status_created ON payments (status, created_ms);
CREATE INDEX ix_payments_last4_created ON payments (card_last4, created_ms);
CREATE INDEX ix_payments_order ON payments (reference_order_id COLLATE NOCASE, created_ms);
-- held authorisations by time left
CREATE INDEX ix_payments_held ON payments (capture_deadline_ms) WHERE status = 'AUTHORISED';
CREATE INDEX ix_payments_unsettled ON payments (status, id) WHERE status IN ('INTENT','PENDING','NEEDS_3DS','CAPTURE_PENDING','CANCEL_PENDING');

-- counts by status without scanning a million rows: kept by triggers, in the same
-- transaction as the change, so it can never drift
CREATE TABLE status_counts (
    status TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER payments_count_insert AFTER INSERT ON payments BEGIN
    INSERT INTO status_counts (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER payments_count_update AFTER UPDATE OF status ON payments
WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO status_counts (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER payments_count_delete AFTER DELETE ON payments BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
END;

CREATE TABLE captures (
    id INTEGER PRIMARY KEY,
    payment INTEGER NOT NULL REFERENCES payments (id),
    capture_request_id TEXT NOT NULL UNIQUE,
    capture_id TEXT,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    result_code TEXT,
    result_status TEXT,
    result_message TEXT,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    completed_ms INTEGER
);
CREATE INDEX ix_captures_payment ON captures (payment);
CREATE INDEX ix_captures_unsettled ON captures (status, id)
    WHERE status IN ('INTENT','PENDING');

CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    payment INTEGER NOT NULL REFERENCES payments (id),
    refund_request_id TEXT NOT NULL UNIQUE,
    refund_id TEXT,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    result_code TEXT,
    result_status TEXT,
    result_message TEXT,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    completed_ms INTEGER
);
CREATE INDEX ix_refunds_payment ON refunds (payment);
CREATE INDEX ix_refunds_unsettled ON refunds (status, id)
    WHERE status IN ('INTENT','PENDING');

-- the append-only audit log; each row carries sha256(prev_hash + canonical row)
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payment INTEGER REFERENCES payments (id),
    api TEXT,
    request_id TEXT,
    from_status TEXT,
    to_status TEXT,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX ix_events_payment ON events (payment, id);
CREATE INDEX ix_events_at ON events (at_ms);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- the chain's head: makes a deleted last row detectable
CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    count INTEGER NOT NULL
);
"""


# The append-only guard of step 0001, as re-created after a re-seal (chain.AuditChain.seal).
EVENTS_NO_UPDATE_TRIGGER = SQLITE.create_update_guard


def _run(db: Database, script: str) -> None:
    db.executescript(script)


@migrations(name="0001_initial")
def m0001_initial(db: Any) -> None:
    _run(db, _STEP_0001)


_STEP_0002 = """
-- the audit chain's key: one row once the chain is MAC'd under the install's journal key
-- (audit.py); a journal without it carries a plain SHA-256 chain
CREATE TABLE chain_seal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scheme TEXT NOT NULL,
    key_id TEXT NOT NULL,
    sealed_ms INTEGER NOT NULL,
    rows_sealed INTEGER NOT NULL
);
-- the manager approval behind every capture, cancel and refund, MAC'd under the same key
-- over (action, payment, paymentRequestId, request id, amount, manager, time); a sender
-- sends an operation only when one of these verifies for it
CREATE TABLE approvals (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL,
    payment INTEGER NOT NULL REFERENCES payments (id),
    request_id TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    manager TEXT NOT NULL,
    approved_ms INTEGER NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX ix_approvals_operation ON approvals (payment, action, request_id);
"""


@migrations(name="0002_keyed_chain_and_approvals")
def m0002_keyed_chain_and_approvals(db: Any) -> None:
    _run(db, _STEP_0002)


_STEP_0003 = """
-- the few audit rows that flag an order with more than one successful payment: the
-- status bar and the Duplicates filter list them without scanning the whole log
CREATE INDEX ix_events_duplicates ON events (payment, id) WHERE kind = 'DUPLICATE_FOUND';
"""


@migrations(name="0003_duplicate_index")
def m0003_duplicate_index(db: Any) -> None:
    _run(db, _STEP_0003)


_STEP_0004 = """
-- which environment (training / sandbox / production) and Antom client id this journal
-- belongs to: one row, written when the journal is first opened by a till (or adopted,
-- once, by the first till that opens a journal from before this step)
CREATE TABLE journal_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    environment TEXT NOT NULL,
    client_id TEXT NOT NULL,
    recorded_ms INTEGER NOT NULL,
    adopted INTEGER NOT NULL DEFAULT 0 CHECK (adopted IN (0, 1))
);
CREATE TRIGGER journal_identity_no_update BEFORE UPDATE ON journal_identity BEGIN
    SELECT RAISE(ABORT, 'the journal identity is written once');
END;
"""


@migrations(name="0004_journal_identity")
def m0004_journal_identity(db: Any) -> None:
    _run(db, _STEP_0004)


@migrations(name="0005_reconciliation")
def m0005_reconciliation(db: Any) -> None:
    # the schema lives beside the only code that uses it (reconciliation.py)
    from posapp.core.journal.reconciliation import SCHEMA

    _run(db, SCHEMA)


@migrations(name="0006_saved_cards")
def m0006_saved_cards(db: Any) -> None:
    # saved cards and card payment options (posapp.core.journal.saved_cards)
    _run(db, SAVED_CARDS_SCHEMA)


@migrations(name="0007_day_close_and_capture_batches")
def m0007_day_close_and_capture_batches(db: Any) -> None:
    from posapp.core.journal.day_close import STEP_0005

    _run(db, STEP_0005)


@migrations(name="0008_leases_and_change_notify")
def m0008_leases_and_change_notify(db: Any) -> None:
    # payment leases (posapp.core.journal.leases); SQLite has no server to announce commits
    # with, so the PostgreSQL step's change notification has no counterpart here
    from posapp.core.journal.leases import SQLITE_SCHEMA

    _run(db, SQLITE_SCHEMA)


@migrations(name="0009_reconciliation_resolved")
def m0009_reconciliation_resolved(db: Any) -> None:
    from posapp.core.journal.reconciliation import STEP_0009

    _run(db, STEP_0009)


@migrations(name="0010_terminal_index")
def m0010_terminal_index(db: Any) -> None:
    # one till's payments in the back office's terminal filter: its count and pages walk
    # this index, and the list of terminals is a skip over its first column
    _run(db, _TERMINAL_INDEX)


_TERMINAL_INDEX = (
    "CREATE INDEX ix_payments_terminal_created ON payments (terminal_id, created_ms, id);"
)

# Append new steps here, named "000N_what", and never edit the ones above.

STEP_NAMES: tuple[str, ...] = tuple(m.name for m in migrations._migrations)
SCHEMA_VERSION = len(STEP_NAMES)


# -- the same steps for PostgreSQL ---------------------------------------------------------
# Same names, same tables, columns, constraints and indexes; PostgreSQL's spelling: 64-bit
# integers (times in ms overflow 32 bits), identity columns for the ids SQLite's rowid
# gives, plpgsql trigger functions, and the "C" collation on the searched text columns so
# that ranges and order compare code points as SQLite does. A step is applied together with
# its row in ``journal_migrations`` in one transaction (pg.PgJournal.migrate). A new step is
# appended to both lists under one name.
_PG_0001 = """
CREATE FUNCTION posapp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TABLE payments (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    payment_request_id TEXT COLLATE "C" NOT NULL UNIQUE,
    reference_order_id TEXT COLLATE "C" NOT NULL,
    payment_id TEXT COLLATE "C" UNIQUE,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    capture_mode TEXT NOT NULL CHECK (capture_mode IN ('MANUAL', 'AUTOMATIC')),
    card_brand TEXT NOT NULL,
    card_bin6 TEXT NOT NULL CHECK (length(card_bin6) <= 6),
    card_last4 TEXT COLLATE "C" NOT NULL CHECK (length(card_last4) <= 4),
    card_fingerprint TEXT,
    status TEXT NOT NULL,
    order_description TEXT NOT NULL DEFAULT '',
    result_code TEXT,
    result_status TEXT,
    result_message TEXT,
    avs_result TEXT,
    cvv_result TEXT,
    network_transaction_id TEXT,
    auth_code TEXT,
    three_ds_url TEXT,
    authorised_ms BIGINT,
    capture_deadline_ms BIGINT,
    expires_ms BIGINT,
    captured_minor BIGINT NOT NULL DEFAULT 0,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX ix_payments_created ON payments (created_ms, id);
CREATE INDEX ix_payments_status_created ON payments (status, created_ms, id);
CREATE INDEX ix_payments_last4_created ON payments (card_last4, created_ms, id);
CREATE INDEX ix_payments_order ON payments (lower(reference_order_id), created_ms);
CREATE INDEX ix_payments_payment_id ON payments (payment_id);
CREATE INDEX ix_payments_held ON payments (capture_deadline_ms, id) WHERE status = 'AUTHORISED';
CREATE INDEX ix_payments_unsettled ON payments (status, id)
    WHERE status IN ('INTENT','PENDING','NEEDS_3DS','CAPTURE_PENDING','CANCEL_PENDING');

CREATE TABLE status_counts (status TEXT PRIMARY KEY, n BIGINT NOT NULL);
CREATE FUNCTION posapp_count_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET n = status_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payments_count_insert AFTER INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION posapp_count_statuses();
CREATE TRIGGER payments_count_update AFTER UPDATE OF status ON payments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION posapp_count_statuses();
CREATE TRIGGER payments_count_delete AFTER DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION posapp_count_statuses();

CREATE TABLE captures (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    payment BIGINT NOT NULL REFERENCES payments (id),
    capture_request_id TEXT NOT NULL UNIQUE,
    capture_id TEXT,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    result_code TEXT,
    result_status TEXT,
    result_message TEXT,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    completed_ms BIGINT
);
CREATE INDEX ix_captures_payment ON captures (payment);
CREATE INDEX ix_captures_unsettled ON captures (status, id) WHERE status IN ('INTENT','PENDING');

CREATE TABLE refunds (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    payment BIGINT NOT NULL REFERENCES payments (id),
    refund_request_id TEXT NOT NULL UNIQUE,
    refund_id TEXT,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    result_code TEXT,
    result_status TEXT,
    result_message TEXT,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    completed_ms BIGINT
);
CREATE INDEX ix_refunds_payment ON refunds (payment);
CREATE INDEX ix_refunds_unsettled ON refunds (status, id) WHERE status IN ('INTENT','PENDING');

CREATE TABLE events (
    id BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payment BIGINT REFERENCES payments (id),
    api TEXT,
    request_id TEXT,
    from_status TEXT,
    to_status TEXT,
    operator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX ix_events_payment ON events (payment, id);
CREATE INDEX ix_events_at ON events (at_ms);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION posapp_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION posapp_append_only();
CREATE TABLE chain_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    count BIGINT NOT NULL
);
"""

_PG_0002 = """
CREATE TABLE chain_seal (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    scheme TEXT NOT NULL,
    key_id TEXT NOT NULL,
    sealed_ms BIGINT NOT NULL,
    rows_sealed BIGINT NOT NULL
);
CREATE TABLE approvals (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    action TEXT NOT NULL,
    payment BIGINT NOT NULL REFERENCES payments (id),
    request_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    manager TEXT NOT NULL,
    approved_ms BIGINT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX ix_approvals_operation ON approvals (payment, action, request_id);
"""

_PG_0003 = """
CREATE INDEX ix_events_duplicates ON events (payment, id) WHERE kind = 'DUPLICATE_FOUND';
"""

_PG_0004 = """
CREATE TABLE journal_identity (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    environment TEXT NOT NULL,
    client_id TEXT NOT NULL,
    recorded_ms BIGINT NOT NULL,
    adopted INTEGER NOT NULL DEFAULT 0 CHECK (adopted IN (0, 1))
);
CREATE FUNCTION posapp_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal identity is written once'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER journal_identity_no_update BEFORE UPDATE ON journal_identity
    FOR EACH ROW EXECUTE FUNCTION posapp_written_once();
"""


def _pg_0005() -> str:
    from posapp.core.journal.reconciliation import PG_SCHEMA

    return PG_SCHEMA


_PG_0005 = _pg_0005()
from posapp.core.journal.day_close import STEP_0005_POSTGRES  # noqa: E402 - after the steps
from posapp.core.journal.leases import PG_SCHEMA as _PG_0008  # noqa: E402 - after the steps
from posapp.core.journal.reconciliation import (  # noqa: E402 - after the steps
    STEP_0009_POSTGRES as _PG_0009,
)

POSTGRES_STEPS: tuple[tuple[str, str], ...] = (
    ("0001_initial", _PG_0001),
    ("0002_keyed_chain_and_approvals", _PG_0002),
    ("0003_duplicate_index", _PG_0003),
    ("0004_journal_identity", _PG_0004),
    ("0005_reconciliation", _PG_0005),
    ("0006_saved_cards", SAVED_CARDS_PG_SCHEMA),
    ("0007_day_close_and_capture_batches", STEP_0005_POSTGRES),
    ("0008_leases_and_change_notify", _PG_0008),
    ("0009_reconciliation_resolved", _PG_0009),
    ("0010_terminal_index", _TERMINAL_INDEX),
)
# A step written for SQLite only is a bug that tests/core/journal/test_postgresql.py names;
# a PostgreSQL journal refuses to open until the step exists for it (pg.PgJournal.migrate).
