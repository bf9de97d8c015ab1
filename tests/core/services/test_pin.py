"""Manager PIN: slow salted hash, escalating lock-out, single-use approvals, the record's rules.

The attacks (a garbled or deleted record, parallel guessers, the reset without the merchant's
credentials) are in tests/security/test_pin_attacks.py against the real keyring.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from posapp.core.antom import signing
from posapp.core.clock import FakeClock
from posapp.core.services.pin import (
    APPROVAL_TTL,
    DEFAULT_N,
    LOCK_MINUTES,
    ApprovalInvalid,
    BadPinFormat,
    FilePinStore,
    MemoryPinStore,
    PinLocked,
    PinManager,
    PinNotSet,
    PinRecord,
    WrongPin,
    hash_pin,
    prove_merchant,
)

FAST = 2**10  # a cheap scrypt cost for tests; the default is DEFAULT_N


def _live(store: MemoryPinStore | None = None, clock: FakeClock | None = None) -> PinManager:
    return PinManager(store or MemoryPinStore(), clock=clock or FakeClock(), n=FAST)


def _with_pin(pin: str, clock: FakeClock | None = None) -> tuple[PinManager, MemoryPinStore]:
    store = MemoryPinStore(hash_pin(pin, FAST).to_text())
    return _live(store, clock), store


def test_no_pin_outside_training_refuses_approvals_and_set_pin() -> None:
    pins = _live()
    assert not pins.is_set() and not pins.uses_default()
    with pytest.raises(PinNotSet, match="reset-pin"):
        pins.approve("123456")
    with pytest.raises(PinNotSet, match="reset-pin"):
        pins.set_pin("123456")  # the first PIN outside training is the merchant's to set


def test_record_is_salted_and_holds_no_pin(tmp_path: Path) -> None:
    a = PinManager(FilePinStore(tmp_path / "a.json"), training=True, n=FAST)
    b = PinManager(FilePinStore(tmp_path / "b.json"), training=True, n=FAST)
    a.set_pin("482913")
    b.set_pin("482913")
    da = json.loads((tmp_path / "a.json").read_text())
    db = json.loads((tmp_path / "b.json").read_text())
    assert "482913" not in (tmp_path / "a.json").read_text()
    assert da["salt"] != db["salt"] and da["hash"] != db["hash"]
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o600
    again = PinManager(FilePinStore(tmp_path / "a.json"), training=True, n=FAST)
    assert again.approve("482913").token


def test_default_cost_is_slow_scrypt() -> None:
    store = MemoryPinStore()
    pins = PinManager(store, clock=FakeClock())  # default cost
    pins.reset("482913", _proof())
    data = json.loads(store.text or "")
    assert data["n"] == DEFAULT_N >= 2**17 and data["r"] == 8


def test_five_wrong_pins_lock_and_the_lock_escalates() -> None:
    clock = FakeClock()
    pins, store = _with_pin("246813", clock)
    for minutes in (LOCK_MINUTES, 15, 60, 240, 1440, 1440):
        for left in (4, 3, 2, 1):
            with pytest.raises(WrongPin) as info:
                pins.approve("111111")
            assert info.value.attempts_left == left
        with pytest.raises(WrongPin, match=f"locked for {minutes} minutes"):
            pins.approve("111111")
        # even the right PIN is refused while locked, and a new manager (a restart) too
        with pytest.raises(PinLocked):
            pins.approve("246813")
        restarted = _live(store, clock)
        with pytest.raises(PinLocked, match="locked for"):
            restarted.approve("246813")
        clock.advance(timedelta(minutes=minutes) - timedelta(seconds=1))
        with pytest.raises(PinLocked, match="1 s"):
            restarted.approve("246813")
        clock.advance(timedelta(seconds=1))
    # the right PIN ends the escalation: the next lock-out is short again
    assert pins.approve("246813")
    for _ in range(5):
        with pytest.raises(WrongPin):
            pins.approve("111111")
    assert pins.locked_until() == clock.now() + timedelta(minutes=LOCK_MINUTES)


def test_right_pin_resets_the_count() -> None:
    pins, _store = _with_pin("246813")
    for _ in range(4):
        with pytest.raises(WrongPin):
            pins.approve("000000")
    pins.approve("246813")
    for _ in range(4):
        with pytest.raises(WrongPin):
            pins.approve("000000")
    assert pins.approve("246813")


def test_approvals_are_single_use_and_expire() -> None:
    clock = FakeClock()
    pins = PinManager(MemoryPinStore(), clock=clock, n=FAST, training=True)
    approval = pins.approve("1234")
    pins.consume(approval)
    with pytest.raises(ApprovalInvalid):
        pins.consume(approval)
    stale = pins.approve("1234")
    clock.advance(APPROVAL_TTL + timedelta(seconds=1))
    with pytest.raises(ApprovalInvalid, match="expired"):
        pins.consume(stale)
    other = PinManager(MemoryPinStore(), clock=clock, n=FAST, training=True).approve("1234")
    with pytest.raises(ApprovalInvalid):
        pins.consume(other)


def test_training_default_then_changing_needs_the_current_one(tmp_path: Path) -> None:
    pins = PinManager(FilePinStore(tmp_path / "pin.json"), training=True, n=FAST)
    assert pins.uses_default() and pins.minimum_length == 4
    with pytest.raises(WrongPin):
        pins.approve("4321")  # a wrong guess against the default is counted...
    assert pins.uses_default()  # ...and it is still the default PIN
    pins.set_pin("9876")  # replacing the training default needs nothing
    assert not pins.uses_default()
    with pytest.raises(WrongPin):
        pins.set_pin("5555", "1234")
    with pytest.raises(WrongPin):
        pins.set_pin("5555")
    pins.set_pin("5555", "9876")
    assert pins.approve("5555")
    pins.clear_training_pin()
    assert pins.uses_default() and pins.approve("1234")


@pytest.mark.parametrize("bad", ["", "12345", "1234567890123", "12a456", "١٢٣٤٥٦"])
def test_new_pins_have_six_to_twelve_digits_outside_training(bad: str) -> None:
    pins, _store = _with_pin("246813")
    with pytest.raises(BadPinFormat):
        pins.set_pin(bad, "246813")
    with pytest.raises(BadPinFormat):
        pins.reset(bad, _proof())


@pytest.mark.parametrize("bad", ["", "12", "1234567890123", "12a4"])
def test_training_pins_have_four_to_twelve_digits(bad: str) -> None:
    with pytest.raises(BadPinFormat):
        PinManager(MemoryPinStore(), training=True, n=FAST).set_pin(bad)


def test_damaged_training_record_falls_back_to_the_public_default(tmp_path: Path) -> None:
    path = tmp_path / "pin.json"
    path.write_text("{not json")
    pins = PinManager(FilePinStore(path), clock=FakeClock(), n=FAST, training=True)
    assert pins.approve("1234")


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("failures"),
        lambda d: d.update(failures=-1),
        lambda d: d.update(n=2**30),  # a check that takes minutes and gigabytes
        lambda d: d.update(n=1000),
        lambda d: d.update(salt="!!"),
        lambda d: d.update(locked_until="soon"),
        lambda d: d.update(extra=1),
        lambda d: d.update(v=2),
    ],
)
def test_a_record_out_of_shape_is_damaged(change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(hash_pin("246813", FAST).to_text())
    assert PinRecord.from_text(json.dumps(data)) is not None
    change(data)
    assert PinRecord.from_text(json.dumps(data)) is None


def test_migrates_the_old_pin_file_once(tmp_path: Path) -> None:
    legacy = tmp_path / "manager_pin.json"
    old = json.loads(hash_pin("4321", FAST).to_text())  # the old file's shape: 4 digits
    legacy.write_text(json.dumps({k: old[k] for k in ("salt", "hash", "n", "r", "p")}))
    store = MemoryPinStore()
    pins = PinManager(store, clock=FakeClock(), n=FAST, legacy_file=legacy)
    assert pins.approve("4321")  # the manager's PIN keeps working
    assert not legacy.exists() and json.loads(store.text or "")["legacy"] is True
    # a file planted later is never read: the record is in the store
    planted = json.loads(hash_pin("999999", FAST).to_text())
    legacy.write_text(json.dumps({k: planted[k] for k in ("salt", "hash", "n", "r", "p")}))
    again = PinManager(store, clock=FakeClock(), n=FAST, legacy_file=legacy)
    with pytest.raises(WrongPin):
        again.approve("999999")


def test_a_damaged_old_pin_file_is_not_migrated(tmp_path: Path) -> None:
    legacy = tmp_path / "manager_pin.json"
    legacy.write_text('{"hash": "x"}')
    pins = PinManager(MemoryPinStore(), clock=FakeClock(), n=FAST, legacy_file=legacy)
    with pytest.raises(PinNotSet):
        pins.approve("1234")


def _proof():  # type: ignore[no-untyped-def]
    key = signing.private_key_pkcs1_pem(signing.generate_private_key())
    return prove_merchant("SANDBOX_1", key, "SANDBOX_1", key)
