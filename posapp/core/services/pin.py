"""Manager approvals: a PIN kept as a slow salted scrypt hash, with an escalating lock-out.

Back-office actions (capture, cancel, refund) need an ``Approval`` that only ``PinManager``
grants, for the right PIN, while approvals are not locked.

Where the PIN lives. The record (salt, scrypt parameters, hash, failed attempts, lock-outs and
the time the lock lifts; never the PIN) is one JSON value in a ``PinStore``. Outside training
that is one entry of the OS keyring (``SecretStore.load_pin_record``), which a cashier editing
files on the till cannot reach; a missing or damaged record there means *locked*: only the
merchant can set a PIN again (``reset`` with a ``MerchantProof``, see ``prove_merchant``).
Training keeps its record in a file of the training data dir (training moves no money) and
falls back to the documented ``TRAINING_PIN`` while none is set.

Across processes. Every read-check-write of the record runs under an exclusive lock
(``record_lock.RecordLock``: an flock, and on Linux a mutex that deleting files cannot break),
and an attempt is counted (written) *before* its scrypt check runs: however
many processes guess at once, at most ``MAX_ATTEMPTS`` guesses are checked before the lock-out.
Lock-outs escalate (``LOCK_STEPS``: 5, 15, 60, 240 minutes, then a day) until a right PIN.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import threading
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from posapp.core.clock import Clock, SystemClock
from posapp.core.ids import new_request_id
from posapp.core.services.record_lock import RecordLock
from posapp.core.usertext import UserText

MAX_ATTEMPTS = 5
# Minutes of each successive lock-out; the last step repeats until a right PIN.
LOCK_STEPS = (5, 15, 60, 240, 1440)
LOCK_MINUTES = LOCK_STEPS[0]
APPROVAL_TTL = timedelta(minutes=5)
PIN_MIN = 6  # outside training
TRAINING_PIN_MIN = 4
PIN_MAX = 12
# scrypt cost: n=2**17, r=8 takes 128 MiB and ~0.3-0.5 s per guess on one core of a desktop
# CPU (tests/benchmarks/bench_pin.py measures it): all 10**6 six-digit PINs cost days.
DEFAULT_N = 2**17
_DEFAULT_PIN_N = 2**4  # the public training default: its hash need not be slow
_R, _P, _LEN = 8, 1, 32
TRAINING_PIN = "1234"
LEGACY_PIN_FILE = "manager_pin.json"  # the old PIN file in the config dir (migrated once)
TRAINING_PIN_FILE = "training_pin.json"  # training's record, in the config dir
_VERSION = 1
_DEFAULT_SALT = b"posapp-training-default-pin"


class PinError(Exception):
    """An approval was refused; ``message`` (a UserText) is fit for the manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PinNotSet(PinError):
    """No usable PIN record: approvals are locked until a PIN is set (outside training: by
    the merchant, with ``posapp keys reset-pin``)."""


class WrongPin(PinError):
    def __init__(self, attempts_left: int, lock_minutes: int = LOCK_MINUTES) -> None:
        if attempts_left == 1:
            text = UserText("pin.wrong_last_attempt", "Wrong PIN: 1 attempt left")
        elif attempts_left > 0:
            text = UserText(
                "pin.wrong_attempts_left", "Wrong PIN: {left} attempts left", left=attempts_left
            )
        else:
            text = UserText(
                "pin.wrong_now_locked",
                "Wrong PIN: approvals are locked for {minutes} minutes",
                minutes=lock_minutes,
            )
        super().__init__(text)
        self.attempts_left = attempts_left


class PinLocked(PinError):
    def __init__(self, until: datetime, now: datetime) -> None:
        seconds = max(1, int((until - now).total_seconds()))
        minutes, secs = divmod(seconds, 60)
        if minutes:
            wait = UserText(
                "time.minutes_seconds",
                "{minutes} min {seconds} s",
                minutes=minutes,
                seconds=f"{secs:02d}",
            )
        else:
            wait = UserText("time.seconds", "{seconds} s", seconds=secs)
        super().__init__(
            UserText(
                "pin.locked", "Too many wrong PINs: approvals are locked for {wait}", wait=wait
            )
        )
        self.until = until


class BadPinFormat(PinError):
    pass


class ApprovalInvalid(PinError):
    pass


class MerchantProofError(PinError):
    """The merchant's credentials given for a PIN reset do not match the keyring's."""


@dataclass(frozen=True, slots=True)
class Approval:
    """Proof that a manager typed the right PIN; single use, valid for ``APPROVAL_TTL``."""

    token: str
    granted_at: datetime
    manager: str = "manager"


# -- the record -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PinRecord:
    """What is stored: no PIN, only its salted hash and the attempt state."""

    salt: str
    hash: str
    n: int
    r: int
    p: int
    failures: int = 0
    lockouts: int = 0
    locked_until: str | None = None  # ISO time
    legacy: bool = False  # migrated from the old file: may have fewer than 6 digits
    v: int = _VERSION

    def to_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> PinRecord | None:
        """The record, or None when it is damaged in any way (a missing field included:
        deleting ``locked_until`` or ``failures`` does not lift a lock, it locks)."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or set(data) != set(cls.__slots__):
            return None
        ints = ("n", "r", "p", "failures", "lockouts", "v")
        if not all(type(data[k]) is int and data[k] >= 0 for k in ints):
            return None
        if not isinstance(data["salt"], str) or not isinstance(data["hash"], str):
            return None
        if type(data["legacy"]) is not bool or data["v"] != _VERSION:
            return None
        until = data["locked_until"]
        if until is not None:
            if not isinstance(until, str):
                return None
            try:
                datetime.fromisoformat(until)
            except ValueError:
                return None
        if not _sane_cost(data["n"], data["r"], data["p"]):
            return None
        try:
            if len(_unb64(data["salt"])) < 16 or len(_unb64(data["hash"])) < 16:
                return None
        except ValueError:
            return None
        return cls(**data)

    def until(self) -> datetime | None:
        return datetime.fromisoformat(self.locked_until) if self.locked_until else None


def _sane_cost(n: int, r: int, p: int) -> bool:
    # bounded, so a record cannot make every check take minutes and gigabytes
    return 2 <= n <= 2**22 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 4


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def hash_pin(pin: str, n: int = DEFAULT_N, salt: bytes | None = None) -> PinRecord:
    """A fresh record for ``pin`` (no failures, not locked)."""
    salt = salt or secrets.token_bytes(16)
    digest = Scrypt(salt=salt, length=_LEN, n=n, r=_R, p=_P).derive(pin.encode())
    return PinRecord(salt=_b64(salt), hash=_b64(digest), n=n, r=_R, p=_P)


def pin_matches(record: PinRecord, pin: str) -> bool:
    """The scrypt check (slow on purpose)."""
    expected = _unb64(record.hash)
    kdf = Scrypt(salt=_unb64(record.salt), length=len(expected), n=record.n, r=record.r, p=record.p)
    try:
        kdf.verify(pin.encode(), expected)
    except InvalidKey:
        return False
    return True


def lock_minutes(lockouts: int) -> int:
    """How long the ``lockouts``-th lock-out lasts (1 = the first)."""
    return LOCK_STEPS[min(max(lockouts, 1), len(LOCK_STEPS)) - 1]


# -- where the record lives -------------------------------------------------------------------
class PinStore(Protocol):
    """One text value: the PIN record as JSON. ``None`` when there is none."""

    def read(self) -> str | None: ...

    def write(self, text: str) -> None: ...

    def delete(self) -> None: ...


class PinRecordHolder(Protocol):
    """What the secret stores offer for the PIN record (one keyring entry per name)."""

    def load_pin_record(self, name: str) -> str | None: ...

    def save_pin_record(self, name: str, text: str) -> None: ...

    def delete_pin_record(self, name: str) -> None: ...


class SecretPinStore:
    """The record in the OS keyring (through the app's SecretStore), under ``name``."""

    def __init__(self, secrets_store: PinRecordHolder, name: str) -> None:
        self._store = secrets_store
        self.name = name

    def read(self) -> str | None:
        return self._store.load_pin_record(self.name)

    def write(self, text: str) -> None:
        self._store.save_pin_record(self.name, text)

    def delete(self) -> None:
        self._store.delete_pin_record(self.name)


class FilePinStore:
    """The record in a file (training only: a cashier can edit it, and training moves no
    money). Written atomically, 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            return ""  # unreadable: damaged

    def write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


class MemoryPinStore:
    """The record in memory (tests, the self-test)."""

    def __init__(self, text: str | None = None) -> None:
        self.text = text

    def read(self) -> str | None:
        return self.text

    def write(self, text: str) -> None:
        self.text = text

    def delete(self) -> None:
        self.text = None


# -- the merchant's authority for a reset ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class MerchantProof:
    """Made only by ``prove_merchant``: the operator holds the merchant's credentials."""

    client_id: str
    challenge: str


def prove_merchant(
    stored_client_id: str,
    stored_private_key_pem: str,
    given_client_id: str,
    given_private_key_pem: str,
) -> MerchantProof:
    """Check that the operator holds the merchant's credentials: the client id they typed is
    the keyring's, and the merchant private key they bring (the file from the Antom
    dashboard, kept off the till) signs a fresh random challenge that the keyring's merchant
    key pair verifies. MerchantProofError otherwise."""
    from posapp.core.antom import signing
    from posapp.core.antom.errors import KeyFormatError

    refused = MerchantProofError(
        UserText(
            "pin.reset_refused",
            "The merchant credentials given do not match this till's: the PIN was not reset",
        )
    )
    if not secrets.compare_digest(given_client_id.strip().encode(), stored_client_id.encode()):
        raise refused
    try:
        given = signing.load_private_key(given_private_key_pem, "the merchant private key")
        stored = signing.load_private_key(stored_private_key_pem, "the stored private key")
    except KeyFormatError as exc:
        raise MerchantProofError(exc.message) from None
    challenge = f"posapp-pin-reset:{stored_client_id}:{secrets.token_hex(32)}"
    signature = signing.sign(given, challenge.encode())
    if not signing.verify(stored.public_key(), challenge.encode(), signature):
        raise refused
    return MerchantProof(stored_client_id, challenge)


# -- the manager ------------------------------------------------------------------------------
def check_format(pin: str, minimum: int = PIN_MIN) -> str:
    if not isinstance(pin, str) or not pin.isdigit() or not pin.isascii():
        raise BadPinFormat(UserText("pin.digits_only", "The PIN is digits only"))
    if not minimum <= len(pin) <= PIN_MAX:
        raise BadPinFormat(
            UserText("pin.length", "The PIN has {min} to {max} digits", min=minimum, max=PIN_MAX)
        )
    return pin


def _not_set() -> PinNotSet:
    return PinNotSet(
        UserText(
            "pin.not_set_locked",
            "No manager PIN is stored for this till: approvals are locked until the merchant "
            "sets one with `posapp keys reset-pin`",
        )
    )


def _damaged() -> PinNotSet:
    return PinNotSet(
        UserText(
            "pin.record_damaged",
            "The manager PIN record is damaged: approvals are locked until the merchant resets "
            "the PIN with `posapp keys reset-pin`",
        )
    )


class PinManager:
    """Checks the manager PIN and hands out approvals; safe across threads and processes.

    ``store`` holds the record, ``lock`` serialises every read-check-write on it. ``training``:
    4-digit PINs allowed, no record means ``TRAINING_PIN``, and no merchant proof is needed to
    reset. ``legacy_file``: the old ``config/manager_pin.json``, migrated once into ``store``
    when the store has no record and the file holds a valid one (outside training only).
    """

    def __init__(
        self,
        store: PinStore,
        *,
        lock: RecordLock | None = None,
        clock: Clock | None = None,
        training: bool = False,
        n: int = DEFAULT_N,
        legacy_file: Path | None = None,
    ) -> None:
        self._store = store
        self._lock = lock or RecordLock(None)
        self._clock = clock or SystemClock()
        self._training = training
        self._n = n
        self._issued: dict[str, list[Any]] = {}  # token -> [approval, uses left]
        self._issued_lock = threading.Lock()
        # The public default PIN: a slow hash of it protects nothing (it is in the banner);
        # a fixed salt makes its hash the same in every process, so "still the default" can
        # be told from the stored record.
        self._default = (
            hash_pin(TRAINING_PIN, n=_DEFAULT_PIN_N, salt=_DEFAULT_SALT) if training else None
        )
        if legacy_file is not None and not training:
            self._migrate(legacy_file)

    @property
    def minimum_length(self) -> int:
        """The fewest digits a new PIN may have here."""
        return TRAINING_PIN_MIN if self._training else PIN_MIN

    # -- storage ---------------------------------------------------------------------------
    def _load(self) -> tuple[PinRecord | None, bool]:
        """(record, damaged). A missing record in training is the default PIN's."""
        text = self._store.read()
        if text is None:
            return None, False
        record = PinRecord.from_text(text)
        return record, record is None

    def _usable(self) -> PinRecord:
        """The record to check against, under the lock; PinNotSet when there is none."""
        record, damaged = self._load()
        if record is not None:
            return record
        if self._training and self._default is not None:
            return self._default  # training: a damaged or missing record is the default PIN
        raise _damaged() if damaged else _not_set()

    def _migrate(self, legacy_file: Path) -> None:
        with self._lock.held():
            if self._store.read() is not None:
                return  # migrated already, or set since: the old file is never read again
            try:
                data = json.loads(legacy_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return
            if not isinstance(data, dict):
                return
            try:
                text = PinRecord(
                    salt=data["salt"],
                    hash=data["hash"],
                    n=data["n"],
                    r=data["r"],
                    p=data["p"],
                    legacy=True,
                ).to_text()
            except (KeyError, TypeError):
                return
            record = PinRecord.from_text(text)
            if record is None:
                return
            failures, until = data.get("failures", 0), data.get("locked_until")
            if type(failures) is int and 0 <= failures < MAX_ATTEMPTS:
                record = replace(record, failures=failures)
            if isinstance(until, str):
                probe = PinRecord.from_text(replace(record, locked_until=until).to_text())
                if probe is not None:
                    record = probe
            self._store.write(record.to_text())
            try:
                legacy_file.unlink()
            except OSError:
                pass  # the record is in the store: the file is ignored from now on

    # -- public API ------------------------------------------------------------------------
    def is_set(self) -> bool:
        with self._lock.held():
            return self._load()[0] is not None

    def uses_default(self) -> bool:
        """Training with no PIN of its own: the documented ``TRAINING_PIN`` approves."""
        if self._default is None:
            return False
        with self._lock.held():
            record = self._load()[0]
        return record is None or record.hash == self._default.hash

    def locked_until(self) -> datetime | None:
        with self._lock.held():
            record = self._load()[0]
        until = record.until() if record is not None else None
        return until if until is not None and until > self._clock.now() else None

    def set_pin(self, new_pin: str, current_pin: str | None = None) -> None:
        """Change the PIN; needs the current one (in training none while on the default).
        Outside training a missing or damaged record cannot be replaced here: see ``reset``."""
        check_format(new_pin, self.minimum_length)
        with self._lock.held():
            if self.uses_default():
                # training on its public default PIN: anyone may choose the till's own
                until = self._usable().until()
                if until is not None and until > self._clock.now():
                    raise PinLocked(until, self._clock.now())
                self._store.write(hash_pin(new_pin, self._n).to_text())
                return
        if current_pin is None:
            with self._lock.held():
                record = self._usable()
            raise WrongPin(max(0, MAX_ATTEMPTS - record.failures))
        checked = self._check(current_pin)
        with self._lock.held():
            record = self._usable()
            if record.hash != checked.hash:
                raise ApprovalInvalid(
                    UserText(
                        "pin.changed_meanwhile",
                        "The PIN was changed meanwhile: enter the new one",
                    )
                )
            self._store.write(hash_pin(new_pin, self._n).to_text())

    def reset(self, new_pin: str, proof: MerchantProof | None) -> None:
        """Set a new PIN whatever the record says (missing, damaged, locked): outside training
        only with the merchant's ``proof`` (``prove_merchant``)."""
        if not self._training and not isinstance(proof, MerchantProof):
            raise MerchantProofError(
                UserText(
                    "pin.reset_needs_merchant",
                    "Resetting the manager PIN needs the merchant's credentials",
                )
            )
        check_format(new_pin, self.minimum_length)
        record = hash_pin(new_pin, self._n)
        with self._lock.held():
            self._store.write(record.to_text())

    def clear_training_pin(self) -> None:
        """Training only: back to the default PIN."""
        if not self._training:
            raise MerchantProofError(
                UserText(
                    "pin.reset_needs_merchant",
                    "Resetting the manager PIN needs the merchant's credentials",
                )
            )
        with self._lock.held():
            self._store.delete()

    def approve(self, pin: str, manager: str = "manager", *, uses: int = 1) -> Approval:
        """An Approval for the right PIN, good for ``uses`` actions (a batch capture needs
        one PIN entry for all its rows); WrongPin / PinLocked / PinNotSet otherwise."""
        if uses < 1:
            raise ValueError("uses must be at least 1")
        self._check(pin)
        approval = Approval(new_request_id("APR"), self._clock.now(), manager)
        with self._issued_lock:
            self._issued[approval.token] = [approval, uses]
        return approval

    def consume(self, approval: Approval) -> None:
        """Accept ``approval`` once; ApprovalInvalid when unknown, used or stale."""
        with self._issued_lock:
            entry = self._issued.get(approval.token)
            if entry is None or entry[0] != approval:
                raise ApprovalInvalid(
                    UserText(
                        "approval.invalid",
                        "This approval is not valid: enter the manager PIN again",
                    )
                )
            if self._clock.now() - approval.granted_at > APPROVAL_TTL:
                del self._issued[approval.token]
                raise ApprovalInvalid(
                    UserText(
                        "approval.expired", "The approval has expired: enter the manager PIN again"
                    )
                )
            entry[1] -= 1
            if entry[1] <= 0:
                del self._issued[approval.token]

    def _check(self, pin: str) -> PinRecord:
        """Count the attempt, then check it; the record checked against when right.

        The attempt is written before the slow check starts, so parallel guesses (threads or
        processes) are all counted and at most MAX_ATTEMPTS of them are ever checked before
        the lock-out; a right PIN then clears the count."""
        if not isinstance(pin, str) or not pin.isdigit() or not pin.isascii():
            raise BadPinFormat(UserText("pin.digits_only", "The PIN is digits only"))
        with self._lock.held():
            record = self._usable()
            now = self._clock.now()
            until = record.until()
            if until is not None and until > now:
                raise PinLocked(until, now)
            failures = record.failures + 1
            lockouts = record.lockouts
            locked_until = None
            if failures >= MAX_ATTEMPTS:
                # the lock starts now, before the check: a right PIN lifts it again below
                lockouts += 1
                locked_until = (now + timedelta(minutes=lock_minutes(lockouts))).isoformat()
                failures = 0
            counted = replace(
                record, failures=failures, lockouts=lockouts, locked_until=locked_until
            )
            self._store.write(counted.to_text())
        if pin_matches(record, pin):
            with self._lock.held():
                latest = self._load()[0]
                if latest is not None and latest.hash == record.hash:
                    self._store.write(
                        replace(latest, failures=0, lockouts=0, locked_until=None).to_text()
                    )
            return record
        if locked_until is not None:
            raise WrongPin(0, lock_minutes(lockouts))
        raise WrongPin(MAX_ATTEMPTS - failures)
