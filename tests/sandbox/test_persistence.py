"""The state dir: damaged databases, newer schemas, the clock across restarts."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.sandbox import Sandbox
from posapp.sandbox.store import NewerSchemaError
from tests.sandbox.helpers import RawClient, pay_body


def test_damaged_database_is_moved_aside(state_dir: Path) -> None:
    (state_dir / "sandbox.sqlite3").write_bytes(b"this is not a database" * 100)
    with Sandbox(state_dir) as sandbox:
        client = RawClient(sandbox)
        assert client.call("pay", pay_body("after-damage")).code == "SUCCESS"
        client.close()
    assert list(state_dir.glob("sandbox.sqlite3.damaged-*"))


def test_newer_schema_is_refused(state_dir: Path) -> None:
    with Sandbox(state_dir):
        pass
    db = sqlite3.connect(state_dir / "sandbox.sqlite3")
    db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    db.commit()
    db.close()
    with pytest.raises(NewerSchemaError):
        Sandbox(state_dir)


def test_clock_offset_survives_restart(state_dir: Path) -> None:
    with Sandbox(state_dir) as first:
        first.clock.advance(timedelta(days=3))
        offset = first.clock.offset
    with Sandbox(state_dir) as second:
        assert second.clock.offset == offset


def test_clock_never_goes_back() -> None:
    with Sandbox() as sandbox, pytest.raises(ValueError):
        sandbox.clock.advance(timedelta(seconds=-1))


def test_in_memory_sandboxes_are_independent() -> None:
    with Sandbox() as one, Sandbox() as two:
        assert one.client_id != two.client_id
        assert one.base_url != two.base_url
        a = RawClient(one)
        b = RawClient(two)
        assert a.call("pay", pay_body("same-id")).code == "SUCCESS"
        assert b.call("inquiryPayment", {"paymentRequestId": "same-id"}).code == "ORDER_NOT_EXIST"
        a.close()
        b.close()
