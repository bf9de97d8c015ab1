"""The install's journal key: where it lives, how it is made, how it is read back.

One 32-byte random key per install MACs the journal's audit chain and every manager
approval (HMAC-SHA256, see ``posapp.core.journal.audit``). Outside training it lives in the
OS keyring (``SecretStore.load_install_secret("journal_key")``, service
``posapp/install``), beside the Antom keys and never in a file. A training data dir keeps a
key file of its own (``journal.key``, 0600) so that training never needs a keyring, and a
training key can never seal or approve anything in a live journal.

Stored form (keyring value or file content): ``posapp-journal-key-1:<created ms>:<base64>``.
The creation time lets a journal written before the key existed be re-sealed once
(``JournalRepository.seal``).

API: ``load_or_create_journal_key(training=..., data_dir=..., store=...)``; with
``create=False`` (``journal verify``) a missing key is None, never made up.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tempfile
import time
from pathlib import Path

from posapp.core.journal.audit import JournalKey
from posapp.core.services.secrets import SecretStore, SecretStoreError
from posapp.core.usertext import UserText

KEY_NAME = "journal_key"  # the keyring entry (service "posapp/install")
KEY_FILE = "journal.key"  # in a training data dir
KEY_BYTES = 32
_PREFIX = "posapp-journal-key-1"
_MAX_FILE = 4096


class JournalKeyUnavailable(Exception):
    """The key cannot be read or stored; ``message`` (a UserText) is fit for a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_journal_key(now_ms: int | None = None) -> JournalKey:
    created = int(time.time() * 1000) if now_ms is None else now_ms
    return JournalKey(secrets.token_bytes(KEY_BYTES), created)


def encode_key(key: JournalKey) -> str:
    return f"{_PREFIX}:{key.created_ms}:{base64.b64encode(key.secret).decode('ascii')}"


def decode_key(text: str) -> JournalKey:
    """ValueError unless ``text`` is a stored journal key."""
    prefix, _, rest = text.strip().partition(":")
    created, _, b64 = rest.partition(":")
    if prefix != _PREFIX or not created.isdigit():
        raise ValueError("not a posapp journal key")
    try:
        secret = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not a posapp journal key") from None
    return JournalKey(secret, int(created))


def _damaged(where: str) -> JournalKeyUnavailable:
    return JournalKeyUnavailable(
        UserText(
            "journal_key.damaged",
            "The journal key in {where} is damaged: posapp cannot check approvals or the "
            "journal without it. Restore it from a backup.",
            where=where,
        )
    )


def load_or_create_journal_key(
    *,
    training: bool,
    data_dir: Path,
    store: SecretStore | None = None,
    create: bool = True,
) -> JournalKey | None:
    """The install's journal key; made and stored on first use when ``create``.

    Training: the file ``journal.key`` in ``data_dir``. Otherwise ``store`` (the OS
    keyring). None only when ``create`` is False and there is no key yet. Raises
    JournalKeyUnavailable when the key cannot be read or stored.
    """
    if training:
        return _file_key(Path(data_dir) / KEY_FILE, create)
    if store is None:
        from posapp.core.services.secrets import KeyringSecretStore

        store = KeyringSecretStore()
    try:
        text = store.load_install_secret(KEY_NAME)
        if text is None:
            if not create:
                return None
            store.save_install_secret(KEY_NAME, encode_key(new_journal_key()))
            # two processes may race to make it: whichever landed is the key
            text = store.load_install_secret(KEY_NAME)
    except SecretStoreError as exc:
        raise JournalKeyUnavailable(
            UserText(
                "journal_key.keyring",
                "The journal key cannot be read from the system keyring: {problem}",
                problem=str(exc),
            )
        ) from None
    if text is None:
        raise _damaged("the system keyring")
    try:
        return decode_key(text)
    except ValueError:
        raise _damaged("the system keyring") from None


def _file_key(path: Path, create: bool) -> JournalKey | None:
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        if not create:
            return None
    key = new_journal_key()
    try:
        # written whole beside the target, then linked into place: another process sees
        # either no key file or a complete one, and the first link wins
        fd, tmp = tempfile.mkstemp(prefix=".journal-key-", dir=path.parent)
    except OSError as exc:
        raise JournalKeyUnavailable(
            UserText(
                "journal_key.cannot_write",
                "Cannot write the journal key {path}: {problem}",
                path=str(path),
                problem=exc.strerror or str(exc),
            )
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:  # mkstemp: mode 0600
            fh.write(encode_key(key) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read_key_file(path)  # another process made it first
    finally:
        Path(tmp).unlink(missing_ok=True)
    return key


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_key_file(path: Path) -> JournalKey:
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError:
        raise _damaged(str(path)) from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(_MAX_FILE + 1)
    if len(data) > _MAX_FILE:
        raise _damaged(str(path))
    try:
        return decode_key(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise _damaged(str(path)) from None
