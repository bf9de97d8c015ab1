"""The sandbox keeps no PAN and no CVV: not in SQLite (WAL included), not in its logs."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from posapp.core import cards
from posapp.sandbox import Sandbox
from posapp.sandbox.store import DB_NAME
from tests.sandbox.helpers import RawClient, pay_body

PANS = ["4054695723100768", "5162774114974622", "4000020000000208", "340002000000005"]
CVV = "987"


def _cells(db: Path) -> set[str]:
    """Every text value the sandbox's database holds, table by table."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found: set[str] = set()
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                found.update(str(v) for v in row if isinstance(v, str))
        return found
    finally:
        conn.close()


def _every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_no_pan_or_cvv_on_disk_or_in_logs(
    state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Sandbox(state_dir) as sandbox:
        client = RawClient(sandbox)
        for i, pan in enumerate(PANS):
            cvv = "9876" if pan.startswith("34") else CVV
            client.call("pay", pay_body(f"cd-{i}", card=pan, cvv=cvv, three_ds=i == 0))
            client.call("pay", pay_body(f"cd-bad-{i}", card=pan, cvv="1"))  # refused input
        client.call("inquiryPayment", {"paymentRequestId": "cd-1"})
        # the card features read PANs too: getCardInfo, a stored card and its MIT
        assert client.call("getCardInfo", {"cardNo": PANS[0]}).code == "SUCCESS"
        stored = pay_body("cd-tok", card=PANS[0], cvv=CVV)
        stored["paymentMethod"]["paymentMethodMetaData"]["tokenize"] = True
        info = client.call("pay", stored).body["paymentResultInfo"]
        mit = pay_body("cd-mit", cvv=None)
        mit["paymentMethod"] = {
            "paymentMethodType": "CARD",
            "paymentMethodId": info["cardToken"],
            "paymentMethodMetaData": {
                "isCardOnFile": True,
                "recurringType": "SCHEDULED",
                "networkTransactionId": info["networkTransactionId"],
            },
        }
        assert client.call("pay", mit).code == "SUCCESS"
        client.close()
        ledger = sandbox.ledger()
        # the ledger finds a card by its number without storing it
        assert ledger.card(PANS[1]).authorised == 1000
        assert ledger.card("4111111111111111").payments == 0
        data = _every_byte(state_dir)  # while running: the WAL file holds recent pages
    data += _every_byte(state_dir)
    logs = caplog.text.encode()
    for pan in PANS:
        for blob in (data, logs):
            assert pan.encode() not in blob
            # nor the number without its last four or without its first six digits (the
            # masked form only ever holds the first six and the last four)
            assert pan[:-4].encode() not in blob
            assert pan[6:].encode() not in blob
    # a CVV is a short run of digits that may turn up by chance inside a key, a timestamp or a
    # page of SQLite; what would be a leak is the value as a JSON string or as a cell of its own
    cells = _cells(state_dir / DB_NAME)
    assert any("405469******0768" in cell for cell in cells)  # the cells are the real ones
    for cvv in (CVV, "9876"):
        assert b'"' + cvv.encode() + b'"' not in data
        assert b'"' + cvv.encode() + b'"' not in logs
        assert cvv not in cells
    # what is kept: the masked number and a keyed fingerprint
    assert b"405469******0768" in data
    secret = (state_dir / "fingerprint.key").read_text().strip()
    assert cards.fingerprint(PANS[0], bytes.fromhex(secret)).encode() in data
    # the fingerprint is keyed: without the secret it is not the plain hash
    import hashlib

    assert hashlib.sha256(PANS[0].encode()).hexdigest().encode() not in data


def test_fingerprints_differ_between_sandboxes(tmp_path: Path) -> None:
    with Sandbox() as one, Sandbox() as two:
        a = cards.fingerprint(PANS[0], one.keys.fingerprint_key)
        b = cards.fingerprint(PANS[0], two.keys.fingerprint_key)
    assert a != b
