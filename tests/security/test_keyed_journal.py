"""Issue 10, item 2: the audit chain is keyed, and `journal verify` replays the state rows.

The journal is filled by a real till (payments, a capture, a refund on the embedded
sandbox), then edited the way a cashier with the sqlite3 shell could: the chain
recomputed with plain SHA-256, state rows changed, deleted or added. `journal verify`
must fail (exit 1) and name the row; without the key it must say it cannot check
authenticity (exit 3), never "ok". Each of these passed verify before the keyed chain.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from posapp.core.clock import FakeClock
from posapp.core.domain import EventKind
from posapp.core.journal.audit import CHAINED_COLUMNS, GENESIS, canonical_json
from posapp.core.journal.repository import JournalKeyError, JournalRepository
from posapp.core.money import Money
from posapp.core.services.install_key import KEY_FILE, load_or_create_journal_key
from tests.core.journal.conftest import authorised
from tests.core.services.conftest import approval, pay

from .conftest import query, shell, till, verify


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with two payments: one captured and partly refunded, one held."""
    data = tmp_path_factory.mktemp("keyed") / "data"
    data.mkdir()
    with till(data) as backend:
        p = pay(backend, minor=2500).payment
        assert backend.backoffice.capture(p, approval(backend)).ok
        assert backend.backoffice.refund(p, Money(700, "SGD"), approval(backend)).ok
        pay(backend, minor=1250)
    return data


@pytest.fixture
def data(template: Path, tmp_path: Path) -> Path:
    """A copy of the template's journal and key (the sandbox is not needed to verify)."""
    target = tmp_path / "data"
    target.mkdir()
    for name in ("journal.sqlite3", KEY_FILE):
        (target / name).write_bytes((template / name).read_bytes())
    return target


def _recompute_plain_chain(data: Path) -> None:
    """What the issue's ~25-line script did: re-link every row with plain SHA-256."""
    conn = sqlite3.connect(data / "journal.sqlite3")
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    prev = GENESIS
    rows = list(conn.execute("SELECT * FROM events ORDER BY id"))
    for row in rows:
        text = f"{prev}\n{canonical_json([row[c] for c in CHAINED_COLUMNS])}"
        value = hashlib.sha256(text.encode()).hexdigest()
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, value, row["id"])
        )
        prev = value
    conn.execute("UPDATE chain_head SET last_hash = ?", (prev,))
    conn.commit()
    conn.close()


def test_an_intact_journal_verifies_with_the_key(data: Path) -> None:
    result = verify(data)
    assert result.returncode == 0, result.stderr
    assert "keyed chain intact" in result.stdout
    assert "4 payment, capture and refund rows match" in result.stdout


def test_an_event_edited_and_the_chain_recomputed_with_sha256_is_caught(data: Path) -> None:
    shell(data, "UPDATE events SET operator = 'mallory' WHERE id = 3")
    _recompute_plain_chain(data)
    result = verify(data)
    assert result.returncode == 1
    assert "row 1" in result.stderr and "MAC" in result.stderr


def test_a_chain_recomputed_without_its_seal_is_caught_and_never_resealed(data: Path) -> None:
    """Downgrade: the seal row deleted and the whole chain made a plain SHA-256 one. The
    till does not bless it at its next start (its rows are newer than the key)."""
    shell(data, "DELETE FROM chain_seal", "UPDATE events SET operator = 'mallory' WHERE id = 3")
    _recompute_plain_chain(data)
    result = verify(data)
    assert result.returncode == 1 and "not sealed" in result.stderr
    key = load_or_create_journal_key(training=True, data_dir=data, create=False)
    repo = JournalRepository.open(data / "journal.sqlite3", key=key)
    try:
        assert not repo.is_sealed()
        assert repo.events()[-1].kind is EventKind.SECURITY
    finally:
        repo.close()
    assert verify(data).returncode == 1


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE payments SET captured_minor = 1 WHERE id = 1", "payment 1: captured_minor"),
        ("UPDATE payments SET card_last4 = '1111' WHERE id = 2", "payment 2: card_last4"),
        ("UPDATE payments SET operator = 'mallory' WHERE id = 1", "payment 1: operator"),
        ("UPDATE payments SET terminal_id = 'TILL-99' WHERE id = 2", "payment 2: terminal_id"),
        ("UPDATE payments SET card_bin6 = '999999' WHERE id = 1", "payment 1: card_bin6"),
        (
            "UPDATE payments SET order_description = 'x' WHERE id = 2",
            "payment 2: order_description",
        ),
        ("UPDATE captures SET amount_minor = 9 WHERE payment = 1", "of payment 1: amount_minor"),
        ("UPDATE refunds SET status = 'FAILED' WHERE payment = 1", "of payment 1: status"),
        ("DELETE FROM payments WHERE id = 2", "payment 2 is missing"),
        ("DELETE FROM captures WHERE payment = 1", "of payment 1 is missing"),
        ("DELETE FROM refunds WHERE payment = 1", "of payment 1 is missing"),
        (
            "INSERT INTO payments (payment_request_id, reference_order_id, amount_minor, "
            "currency, capture_mode, card_brand, card_bin6, card_last4, status, operator, "
            "terminal_id, created_ms, updated_ms) VALUES ('PAY-x', 'ORD-x', 100, 'SGD', "
            "'MANUAL', 'VISA', '405469', '0768', 'CAPTURED', 'm', 'TILL-01', 1, 1)",
            "payment 3 has no events",
        ),
        (
            "INSERT INTO refunds (payment, refund_request_id, amount_minor, currency, status, "
            "operator, terminal_id, created_ms, updated_ms) "
            "VALUES (2, 'RFD-x', 100, 'SGD', 'INTENT', 'm', 'TILL-01', 1, 1)",
            "refund RFD-x of payment 2 has no events",
        ),
    ],
    ids=[
        "captured_minor",
        "card_last4",
        "operator",
        "terminal_id",
        "card_bin6",
        "description",
        "capture amount",
        "refund status",
        "payment deleted",
        "capture deleted",
        "refund deleted",
        "payment added",
        "refund added",
    ],
)
def test_a_state_row_changed_deleted_or_added_is_caught_and_named(
    data: Path, sql: str, named: str
) -> None:
    shell(data, sql)
    result = verify(data)
    assert result.returncode == 1, result.stdout
    assert named in result.stderr, result.stderr


def test_without_the_key_verify_cannot_say_ok(data: Path) -> None:
    (data / KEY_FILE).unlink()
    result = verify(data)
    assert result.returncode == 3
    assert "authenticity cannot be checked" in result.stderr
    assert "ok" not in result.stdout.lower() and result.stdout == ""


def test_without_the_key_an_inconsistent_journal_still_fails(data: Path) -> None:
    (data / KEY_FILE).unlink()
    shell(data, "UPDATE payments SET card_last4 = '1111' WHERE id = 2")
    result = verify(data)
    assert result.returncode == 1 and "payment 2: card_last4" in result.stderr


def test_a_journal_from_before_the_key_is_resealed_once_and_journaled(data_dir: Path) -> None:
    path = data_dir / "journal.sqlite3"
    clock = FakeClock()
    repo = JournalRepository.open(path, clock=clock)  # an older posapp: no key, plain chain
    authorised(repo, clock)
    repo.close()
    key = load_or_create_journal_key(training=True, data_dir=data_dir)
    assert key is not None and key.created_ms > 0
    for _ in range(2):
        repo = JournalRepository.open(path, clock=clock, key=key)
        assert repo.is_sealed()
        repo.close()
    notes = [
        r
        for (r,) in query(data_dir, "SELECT detail FROM events WHERE kind = 'NOTE'")
        if "sealed" in r
    ]
    assert len(notes) == 1 and '"rows_resealed":2' in notes[0]
    result = verify(data_dir)
    assert result.returncode == 0, result.stderr
    # rows before the seal are now MAC'd too: editing one is caught
    shell(data_dir, "UPDATE events SET operator = 'mallory' WHERE id = 1")
    assert "row 1" in verify(data_dir).stderr


def test_the_key_file_is_private(data: Path, template: Path) -> None:
    assert (template / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_a_journal_opened_with_another_key_is_refused(data: Path, tmp_path: Path) -> None:
    other = load_or_create_journal_key(training=True, data_dir=tmp_path)
    with pytest.raises(JournalKeyError, match="another journal key"):
        JournalRepository.open(data / "journal.sqlite3", key=other)
