"""Manager PIN: slow salted hash on disk, lockout after five wrong PINs, single-use approvals."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.core.clock import FakeClock
from posapp.core.services.pin import (
    APPROVAL_TTL,
    LOCK_MINUTES,
    ApprovalInvalid,
    BadPinFormat,
    PinLocked,
    PinManager,
    PinNotSet,
    WrongPin,
)

FAST = 2**10  # a cheap scrypt cost for tests; the default is 2**16


def test_no_pin_refuses_approvals(tmp_path: Path) -> None:
    pins = PinManager(tmp_path / "pin.json", clock=FakeClock(), n=FAST)
    assert not pins.is_set()
    with pytest.raises(PinNotSet):
        pins.approve("1234")


def test_hash_on_disk_is_salted_and_holds_no_pin(tmp_path: Path) -> None:
    a = PinManager(tmp_path / "a.json", clock=FakeClock(), n=FAST)
    b = PinManager(tmp_path / "b.json", clock=FakeClock(), n=FAST)
    a.set_pin("482913")
    b.set_pin("482913")
    da = json.loads((tmp_path / "a.json").read_text())
    db = json.loads((tmp_path / "b.json").read_text())
    assert "482913" not in (tmp_path / "a.json").read_text()
    assert da["salt"] != db["salt"] and da["hash"] != db["hash"]
    # a new manager object reads the file
    again = PinManager(tmp_path / "a.json", clock=FakeClock(), n=FAST)
    assert again.approve("482913").token


def test_default_cost_is_slow_scrypt(tmp_path: Path) -> None:
    pins = PinManager(tmp_path / "pin.json", clock=FakeClock())
    pins.set_pin("1234")
    data = json.loads((tmp_path / "pin.json").read_text())
    assert data["n"] >= 2**15 and data["r"] == 8


def test_five_wrong_pins_lock_for_a_few_minutes(tmp_path: Path) -> None:
    clock = FakeClock()
    pins = PinManager(tmp_path / "pin.json", clock=clock, n=FAST)
    pins.set_pin("2468")
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as info:
            pins.approve("1111")
        assert info.value.attempts_left == left
    with pytest.raises(WrongPin, match="locked"):
        pins.approve("1111")
    # even the right PIN is refused while locked, and a restart does not reset the lock
    with pytest.raises(PinLocked):
        pins.approve("2468")
    restarted = PinManager(tmp_path / "pin.json", clock=clock, n=FAST)
    with pytest.raises(PinLocked, match="locked for"):
        restarted.approve("2468")
    clock.advance(timedelta(minutes=LOCK_MINUTES) - timedelta(seconds=1))
    with pytest.raises(PinLocked):
        restarted.approve("2468")
    clock.advance(timedelta(seconds=2))
    assert restarted.approve("2468")


def test_right_pin_resets_the_count(tmp_path: Path) -> None:
    pins = PinManager(None, clock=FakeClock(), n=FAST)
    pins.set_pin("2468")
    for _ in range(4):
        with pytest.raises(WrongPin):
            pins.approve("0000")
    pins.approve("2468")
    for _ in range(4):
        with pytest.raises(WrongPin):
            pins.approve("0000")
    assert pins.approve("2468")


def test_approvals_are_single_use_and_expire() -> None:
    clock = FakeClock()
    pins = PinManager(None, clock=clock, n=FAST, default_pin="1234")
    approval = pins.approve("1234")
    pins.consume(approval)
    with pytest.raises(ApprovalInvalid):
        pins.consume(approval)
    stale = pins.approve("1234")
    clock.advance(APPROVAL_TTL + timedelta(seconds=1))
    with pytest.raises(ApprovalInvalid, match="expired"):
        pins.consume(stale)
    other = PinManager(None, clock=clock, n=FAST, default_pin="1234").approve("1234")
    with pytest.raises(ApprovalInvalid):
        pins.consume(other)


def test_changing_the_pin_needs_the_current_one(tmp_path: Path) -> None:
    pins = PinManager(tmp_path / "pin.json", clock=FakeClock(), n=FAST, default_pin="1234")
    assert pins.uses_default()
    pins.set_pin("9876")  # replacing the training default needs nothing
    with pytest.raises(WrongPin):
        pins.set_pin("5555", "1234")
    with pytest.raises(WrongPin):
        pins.set_pin("5555")
    pins.set_pin("5555", "9876")
    assert pins.approve("5555")


@pytest.mark.parametrize("bad", ["", "12", "123456789", "12a4", "١٢٣٤"])
def test_pin_format(bad: str) -> None:
    with pytest.raises(BadPinFormat):
        PinManager(None, n=FAST).set_pin(bad)


def test_damaged_file_unlocks_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pin.json"
    path.write_text("{not json")
    pins = PinManager(path, clock=FakeClock(), n=FAST, default_pin="1234")
    with pytest.raises(PinNotSet, match="damaged"):
        pins.approve("1234")
