"""The saved cards' key: card tokens are stored sealed with AES-GCM, never in clear.

A card token lets whoever holds the merchant keys charge the card, so the journal keeps
only ``seal(token)``. The 32-byte AES key lives where the install's journal key lives
(``install_key``): outside training in the OS keyring (``SecretStore``, service
``posapp/install``, entry ``card_token_key``), in training in a key file of the training data
dir (``card_tokens.key``, 0600), so a training key can never open a live journal's tokens.

Sealed form: ``v1:<key id>:<base64 nonce>:<base64 ciphertext+tag>``. The saved card's first
paymentRequestId is the associated data: a sealed token copied onto another row does not
open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from posapp.core.services.secrets import SecretStore, SecretStoreError
from posapp.core.usertext import UserText

KEY_NAME = "card_token_key"  # the keyring entry (service "posapp/install")
KEY_FILE = "card_tokens.key"  # in a training data dir
_PREFIX = "posapp-card-key-1"
_MAX_FILE = 4096
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class CardVaultError(Exception):
    """The key cannot be had, or a sealed token does not open; ``message`` is a UserText."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CardVault:
    """Seals and opens card tokens under one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the card token key has 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"posapp card key id" + key).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"CardVault({self.key_id})"

    def seal(self, token: str, bound_to: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, token.encode("utf-8"), bound_to.encode("utf-8"))
        b64 = base64.b64encode
        return f"v1:{self.key_id}:{b64(nonce).decode()}:{b64(sealed).decode()}"

    def open(self, sealed: str, bound_to: str) -> str:
        version, key_id, nonce_b64, body_b64 = [*sealed.split(":"), "", "", ""][:4]
        if version != "v1" or key_id != self.key_id:
            raise CardVaultError(
                UserText(
                    "saved_card.other_key",
                    "This saved card was stored under another key: remove it and save the "
                    "card again.",
                )
            )
        try:
            nonce = base64.b64decode(nonce_b64, validate=True)
            body = base64.b64decode(body_b64, validate=True)
            return self._aead.decrypt(nonce, body, bound_to.encode("utf-8")).decode("utf-8")
        except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
            raise CardVaultError(
                UserText(
                    "saved_card.damaged",
                    "This saved card's stored token is damaged: remove it and save the card again.",
                )
            ) from None


def _encode(key: bytes) -> str:
    return f"{_PREFIX}:{base64.b64encode(key).decode('ascii')}"


def _decode(text: str) -> bytes:
    prefix, _, b64 = text.strip().partition(":")
    if prefix != _PREFIX:
        raise ValueError("not a posapp card key")
    try:
        key = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not a posapp card key") from None
    if len(key) != 32:
        raise ValueError("not a posapp card key")
    return key


def _unavailable(where: str, problem: str) -> CardVaultError:
    return CardVaultError(
        UserText(
            "saved_card.key_unavailable",
            "The saved cards' key in {where} cannot be used: {problem}",
            where=where,
            problem=problem,
        )
    )


def load_card_vault(
    *, training: bool, data_dir: Path, store: SecretStore | None = None
) -> CardVault:
    """The install's card vault; its key is made and stored on first use."""
    if training:
        return CardVault(_file_key(Path(data_dir) / KEY_FILE))
    if store is None:
        from posapp.core.services.secrets import KeyringSecretStore

        store = KeyringSecretStore()
    try:
        text = store.load_install_secret(KEY_NAME)
        if text is None:
            store.save_install_secret(KEY_NAME, _encode(secrets.token_bytes(32)))
            text = store.load_install_secret(KEY_NAME)  # a racing process may have won
    except SecretStoreError as exc:
        raise _unavailable("the system keyring", str(exc)) from None
    if text is None:
        raise _unavailable("the system keyring", "it is missing")
    try:
        return CardVault(_decode(text))
    except ValueError:
        raise _unavailable("the system keyring", "it is damaged") from None


def _file_key(path: Path) -> bytes:
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    try:
        fd, tmp = tempfile.mkstemp(prefix=".card-key-", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise _unavailable(str(path), exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(_encode(secrets.token_bytes(32)) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # the first process to link wins; the others read its key
        except FileExistsError:
            pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _unavailable(str(path), exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(_MAX_FILE + 1)
    try:
        return _decode(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise _unavailable(str(path), "it is damaged") from None


__all__ = ["KEY_FILE", "KEY_NAME", "CardVault", "CardVaultError", "load_card_vault"]
