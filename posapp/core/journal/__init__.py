"""The local SQLite journal: every payment, capture, refund and audit event, durable first."""
