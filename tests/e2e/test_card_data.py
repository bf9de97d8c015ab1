"""Card-data scan: run every flow that touches a card, then read every file it left.

The journal, its WAL, the logs (at DEBUG), the settings/config files and the sandbox's own
state must hold no card number (plain, grouped or dashed) and no CVV; and no file at all
holds a saved card's token in clear (saving a card, paying with it, a charge without the
customer, removing it). With the journal on PostgreSQL, a dump of its schema is scanned too.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from posapp.app import Backend
from posapp.cli import main
from posapp.config import save_settings
from posapp.core.antom.messages import RecurringType
from posapp.core.journal.location import parse_location
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.validation import Billing, read_card
from posapp.logs import setup_logging
from posapp.paths import app_dirs
from tests.journal_backends import PG_URL, fresh_schema, schema_url

from .cardscan import candidate_files, every_file, scan
from .pgcluster import server_bin
from .stack import approve, drain, make_backend

# Distinctive CVVs so that a leak cannot hide among ordinary numbers.
FLOWS = [
    ("4054695723100768", "842"),  # success
    ("5162774114974622", "842"),  # success, Mastercard
    ("4054692760174822", "842"),  # decline
    ("4000020000000604", "842"),  # 3DS challenge
    ("4000020000000505", "842"),  # AVS mismatch
    ("340002000000005", "4719"),  # Amex, 4-digit CID
    ("4000020000000901", "003"),  # slow, then approved (CVV = seconds)
]


def _card_flows(backend: Backend) -> list[str]:
    """Every flow that touches a card; the saved cards' tokens (for the scan)."""
    sandbox = backend.sandbox
    sandbox.faults.add("*/pay", "bad_signature", times=1)  # an ambiguous answer logged too
    for i, (pan, cvv) in enumerate(FLOWS):
        request = CheckoutRequest(
            amount=Money(1000 + i, "SGD"),
            reference_order_id=backend.checkout.new_reference(),
            description=f"scan {i}",
            card=read_card(pan, "12/40", cvv, date.today(), first_name="Scan"),
            hold=i % 2 == 0,
            three_ds=pan == "4000020000000604",
            billing=Billing("1 Main St", "Singapore", "", "018989", "SG"),
        )
        result = backend.checkout.pay(request, confirm_duplicate=True)
        if result.payment.three_ds_url:
            sandbox.answer_challenge(result.payment.three_ds_url)
    sandbox.clock.advance(timedelta(seconds=5))
    drain(backend)
    for p in backend.repo.held_authorisations():
        backend.backoffice.capture(p, approve(backend))
        p2 = backend.repo.get_payment(p.id)
        assert p2 is not None
        backend.backoffice.refund(p2, Money(100, "SGD"), approve(backend))
    tokens = _saved_card_flows(backend)
    backend.recover()
    sandbox.wait_notifications(5)
    return tokens


def test_no_card_number_or_cvv_anywhere_on_disk(data_dir: Path) -> None:
    dirs = app_dirs(data_dir).create()
    setup_logging(dirs.logs, logging.DEBUG)
    backend = make_backend(data_dir, listener=True)
    save_settings(dirs.settings_file, replace(backend.settings, merchant_name="Scan test"))
    try:
        tokens = _card_flows(backend)
        # while the journal is open its WAL holds the recent pages: scan it now
        wal = dirs.journal.with_name(dirs.journal.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        open_files = [dirs.journal, wal]
        assert not scan(open_files, [pan for pan, _ in FLOWS], [cvv for _, cvv in FLOWS], tokens)
    finally:
        backend.close()
    assert main(["--self-test", "--data-dir", str(data_dir)]) == 0
    logging.getLogger().handlers.clear()

    files = candidate_files(data_dir)
    names = {f.name for f in files}
    assert {"journal.sqlite3", "posapp.log", "settings.json"} <= names, names
    findings = scan(files, [pan for pan, _ in FLOWS], [cvv for _, cvv in FLOWS] + ["737"])
    assert not findings, "\n".join(findings)
    token_findings = scan(every_file(data_dir), (), (), tokens)
    assert not token_findings, "\n".join(token_findings)
    # and the scanner does find what it looks for
    leak = data_dir / "logs" / "leak.log"
    leak.write_text('{"cardNo":"4054695723100768","cvv":"842"}')
    assert len(scan([leak], ["4054695723100768"], ["842"])) == 3
    leak.write_text(f'{{"cardToken":"{tokens[0]}"}}')
    assert len(scan([leak], (), (), tokens)) == 1
    leak.unlink()


@pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server in this test run (tests/run.sh)")
def test_no_card_number_or_cvv_in_a_journal_on_postgresql(data_dir: Path, tmp_path: Path) -> None:
    """The same flows with the journal on the server: a dump of the journal's schema (every
    table, as a backup would hold it) and the till's own files hold no card number, no CVV
    and no saved card's token."""
    pg_bin = server_bin()
    assert pg_bin is not None  # tests/run.sh installed the server it started
    dirs = app_dirs(data_dir).create()
    setup_logging(dirs.logs, logging.DEBUG)
    with fresh_schema() as schema:
        backend = make_backend(data_dir, listener=True, journal=parse_location(schema_url(schema)))
        try:
            tokens = _card_flows(backend)
        finally:
            backend.close()
        logging.getLogger().handlers.clear()
        dump = tmp_path / "journal-dump.sql"
        subprocess.run(
            [str(pg_bin / "pg_dump"), "--schema", schema, "--file", str(dump), PG_URL],
            check=True,
        )
    assert "INSERT" in dump.read_text() or "COPY" in dump.read_text()
    pans = [pan for pan, _ in FLOWS]
    cvvs = [cvv for _, cvv in FLOWS] + ["737"]
    findings = scan([dump, *candidate_files(data_dir)], pans, cvvs, tokens)
    assert not findings, "\n".join(findings)
    assert "journal.sqlite3" not in {f.name for f in every_file(data_dir)}  # all on the server


def _saved_card_flows(backend: Backend) -> list[str]:
    """Save two cards, pay with one with and without the customer, remove the other; the
    tokens (opened in memory here, as a payment does) for the scan."""
    saved = backend.saved_cards
    assert saved is not None and saved.vault is not None
    tokens = []
    ids = []
    for i, pan in enumerate(("4054695723100768", "5162774114974622")):
        first = backend.checkout.pay(
            CheckoutRequest(
                amount=Money(2000 + i, "SGD"),
                reference_order_id=backend.checkout.new_reference(),
                description=f"save {i}",
                card=read_card(pan, "12/40", "842", date.today(), first_name="Scan"),
                hold=False,
                save_card=True,
            ),
            confirm_duplicate=True,
        )
        card = saved.store.by_first_request(first.payment_request_id)
        assert card is not None and card.sealed is not None, first.message
        tokens.append(saved.vault.open(card.sealed, card.first_request_id))
        ids.append(card.id)
    backend.checkout.pay(
        CheckoutRequest(
            amount=Money(900, "SGD"),
            reference_order_id=backend.checkout.new_reference(),
            description="with a saved card",
            card=None,
            saved=saved.use(ids[0]),
        ),
        confirm_duplicate=True,
    )
    mit = saved.charge(ids[0], Money(4000, "SGD"), reason="No-show",
                       recurring=RecurringType.UNSCHEDULED, approval=approve(backend),
                       confirm_duplicate=True)  # fmt: skip
    assert mit.payment.status.holds_money, mit.message
    assert saved.remove(ids[1], operator="manager").unbound is True
    return tokens
