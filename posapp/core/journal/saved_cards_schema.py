"""Schema step 0005: saved cards and card payment options (``saved_cards`` says what they
hold). Its own module so that the migrations import it without the repository."""

SCHEMA = """
CREATE TABLE saved_cards (
    id INTEGER PRIMARY KEY,
    holder_name TEXT NOT NULL DEFAULT '',
    card_brand TEXT NOT NULL,
    card_last4 TEXT NOT NULL CHECK (length(card_last4) <= 4),
    expiry_month INTEGER NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
    expiry_year INTEGER NOT NULL CHECK (expiry_year BETWEEN 2000 AND 2199),
    -- AES-GCM under the install's card key; NULL until Antom gives the token
    token_sealed TEXT,
    network_transaction_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'FAILED', 'REMOVED')),
    consent_ms INTEGER NOT NULL,
    consent_operator TEXT NOT NULL,
    consent_order TEXT NOT NULL,
    first_request_id TEXT NOT NULL UNIQUE,
    removed_ms INTEGER,
    removed_by TEXT,
    unbound INTEGER CHECK (unbound IN (0, 1)),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX ix_saved_cards_holder ON saved_cards (holder_name COLLATE NOCASE);
CREATE INDEX ix_saved_cards_last4 ON saved_cards (card_last4);

CREATE TABLE card_payment_options (
    payment_request_id TEXT PRIMARY KEY,
    saved_card INTEGER REFERENCES saved_cards (id),
    initiator TEXT NOT NULL DEFAULT 'CUSTOMER' CHECK (initiator IN ('CUSTOMER', 'MERCHANT')),
    recurring_type TEXT,
    reason TEXT NOT NULL DEFAULT '',
    installments INTEGER CHECK (installments IS NULL OR installments BETWEEN 2 AND 36),
    installment_interval TEXT,
    selected_brand TEXT,
    external_eci TEXT,
    manager TEXT,
    approved_ms INTEGER,
    approval_mac TEXT,
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ix_card_payment_options_card ON card_payment_options (saved_card);
"""

__all__ = ["SCHEMA"]
