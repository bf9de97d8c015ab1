"""Manager approvals: a PIN kept as a slow salted scrypt hash, with a lockout.

Back-office actions (capture, cancel, refund) need an ``Approval`` that only ``PinManager``
grants, for the right PIN, while approvals are not locked. Five wrong PINs in a row lock
approvals for ``LOCK_MINUTES`` minutes (on the injected Clock); the count and the lock are
stored with the hash, so restarting the app does not reset them.

The file holds only the salt, the scrypt parameters, the hash and the lockout state: no PIN.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from posapp.core.clock import Clock, SystemClock
from posapp.core.usertext import UserText

MAX_ATTEMPTS = 5
LOCK_MINUTES = 5
APPROVAL_TTL = timedelta(minutes=5)
PIN_MIN, PIN_MAX = 4, 8
# scrypt cost: n=2**16, r=8 takes ~0.2 s and 64 MB per guess on a desktop CPU.
DEFAULT_N = 2**16
_R, _P, _LEN = 8, 1, 32
TRAINING_PIN = "1234"
PIN_FILE = "manager_pin.json"  # in the config dir


class PinError(Exception):
    """An approval was refused; ``message`` (a UserText) is fit for the manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PinNotSet(PinError):
    pass


class WrongPin(PinError):
    def __init__(self, attempts_left: int) -> None:
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
                minutes=LOCK_MINUTES,
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


@dataclass(frozen=True, slots=True)
class Approval:
    """Proof that a manager typed the right PIN; single use, valid for ``APPROVAL_TTL``."""

    token: str
    granted_at: datetime
    manager: str = "manager"


def _check_format(pin: str) -> str:
    if not isinstance(pin, str) or not pin.isdigit() or not pin.isascii():
        raise BadPinFormat(UserText("pin.digits_only", "The PIN is digits only"))
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise BadPinFormat(
            UserText("pin.length", "The PIN has {min} to {max} digits", min=PIN_MIN, max=PIN_MAX)
        )
    return pin


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PinManager:
    """Checks the manager PIN and hands out approvals; thread-safe.

    ``path`` None keeps everything in memory (tests). ``default_pin`` is used while no PIN has
    been set (training mode passes ``TRAINING_PIN``; production passes None, so approvals are
    refused until a manager sets a PIN).
    """

    def __init__(
        self,
        path: Path | None,
        *,
        clock: Clock | None = None,
        default_pin: str | None = None,
        n: int = DEFAULT_N,
    ) -> None:
        self._path = path
        self._clock = clock or SystemClock()
        self._n = n
        self._lock = threading.Lock()
        self._state: dict[str, Any] = self._read()
        self._issued: dict[str, list[Any]] = {}  # token -> [approval, uses left]
        if default_pin is not None and "hash" not in self._state:
            # The default PIN is public (documented, shown in the training banner): a slow
            # hash of it protects nothing and cost every start ~0.2 s. PINs a manager sets
            # (set_pin) keep the full cost; the default state is never written to disk.
            self._state.update(self._hash(_check_format(default_pin), n=2**4))
            self._state["default"] = True

    # -- storage ---------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        if self._path is None:
            return {}
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged PIN file must not unlock anything: start locked out of approvals
            # until a PIN is set again by someone who can edit the config folder.
            return {"damaged": True}
        return data if isinstance(data, dict) else {"damaged": True}

    def _write(self) -> None:
        if self._path is None or self._state.get("default"):
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".pin-", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._state, fh, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _hash(self, pin: str, salt: bytes | None = None, n: int | None = None) -> dict[str, Any]:
        salt = salt or secrets.token_bytes(16)
        n = n or self._n
        digest = Scrypt(salt=salt, length=_LEN, n=n, r=_R, p=_P).derive(pin.encode())
        return {"salt": _b64(salt), "n": n, "r": _R, "p": _P, "hash": _b64(digest)}

    def _matches(self, pin: str) -> bool:
        try:
            salt = base64.b64decode(self._state["salt"])
            expected = base64.b64decode(self._state["hash"])
            kdf = Scrypt(
                salt=salt,
                length=len(expected),
                n=int(self._state["n"]),
                r=int(self._state["r"]),
                p=int(self._state["p"]),
            )
        except (KeyError, ValueError, TypeError):
            return False
        try:
            kdf.verify(pin.encode(), expected)
        except InvalidKey:
            return False
        return True

    # -- public API ------------------------------------------------------------------------
    def is_set(self) -> bool:
        with self._lock:
            return "hash" in self._state and not self._state.get("damaged")

    def uses_default(self) -> bool:
        with self._lock:
            return bool(self._state.get("default"))

    def locked_until(self) -> datetime | None:
        with self._lock:
            return self._locked_until_unlocked()

    def _locked_until_unlocked(self) -> datetime | None:
        text = self._state.get("locked_until")
        if not text:
            return None
        until = datetime.fromisoformat(text)
        return until if until > self._clock.now() else None

    def set_pin(self, new_pin: str, current_pin: str | None = None) -> None:
        """Set or change the PIN; changing needs the current one (a real, not default, PIN)."""
        _check_format(new_pin)
        with self._lock:
            if "hash" in self._state and not self._state.get("default"):
                if current_pin is None:
                    raise WrongPin(self._attempts_left())
                self._verify_locked(current_pin)
            self._state = self._hash(new_pin)
            self._write()

    def approve(self, pin: str, manager: str = "manager", *, uses: int = 1) -> Approval:
        """An Approval for the right PIN, good for ``uses`` actions (a batch capture needs
        one PIN entry for all its rows); WrongPin / PinLocked / PinNotSet otherwise."""
        if uses < 1:
            raise ValueError("uses must be at least 1")
        with self._lock:
            self._verify_locked(pin)
            approval = Approval(uuid.uuid4().hex, self._clock.now(), manager)
            self._issued[approval.token] = [approval, uses]
            return approval

    def consume(self, approval: Approval) -> None:
        """Accept ``approval`` once; ApprovalInvalid when unknown, used or stale."""
        with self._lock:
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

    def _attempts_left(self) -> int:
        return max(0, MAX_ATTEMPTS - int(self._state.get("failures", 0)))

    def _verify_locked(self, pin: str) -> None:
        now = self._clock.now()
        until = self._locked_until_unlocked()
        if until is not None:
            raise PinLocked(until, now)
        if self._state.get("damaged"):
            raise PinNotSet(
                UserText("pin.file_damaged", "The manager PIN file is damaged: set the PIN again")
            )
        if "hash" not in self._state:
            raise PinNotSet(
                UserText("pin.not_set", "No manager PIN is set: set one in Settings first")
            )
        if isinstance(pin, str) and pin.isdigit() and self._matches(pin):
            if self._state.get("failures") or self._state.get("locked_until"):
                self._state.pop("failures", None)
                self._state.pop("locked_until", None)
                self._write()
            return
        failures = int(self._state.get("failures", 0)) + 1
        if failures >= MAX_ATTEMPTS:
            self._state["locked_until"] = (now + timedelta(minutes=LOCK_MINUTES)).isoformat()
            self._state["failures"] = 0
            self._write()
            raise WrongPin(0)
        self._state["failures"] = failures
        self._write()
        raise WrongPin(MAX_ATTEMPTS - failures)
