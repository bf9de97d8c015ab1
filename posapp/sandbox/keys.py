"""The sandbox's credentials: a merchant key pair, an "Antom" key pair and a client id.

With a state dir they are created on first start and kept there (private keys 0600):
``merchant_private_key.pem`` (PKCS#1, what the official Python SDK loads),
``merchant_public_key.pem``, ``antom_public_key.pem``, ``antom_private_key.pem``, ``client_id``,
and ``fingerprint.key`` (the secret behind the keyed card fingerprints).
"""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from posapp.core.antom import signing

MERCHANT_PRIVATE = "merchant_private_key.pem"
MERCHANT_PUBLIC = "merchant_public_key.pem"
ANTOM_PUBLIC = "antom_public_key.pem"
ANTOM_PRIVATE = "antom_private_key.pem"
CLIENT_ID = "client_id"
FINGERPRINT_KEY = "fingerprint.key"


@dataclass(frozen=True, slots=True)
class SandboxKeys:
    client_id: str
    merchant_private: rsa.RSAPrivateKey
    merchant_public: rsa.RSAPublicKey
    antom_private: rsa.RSAPrivateKey
    antom_public: rsa.RSAPublicKey
    fingerprint_key: bytes

    @property
    def merchant_private_key_pem(self) -> str:
        return signing.private_key_pkcs1_pem(self.merchant_private)

    @property
    def merchant_public_key_pem(self) -> str:
        return signing.public_key_spki_pem(self.merchant_public)

    @property
    def antom_private_key_pem(self) -> str:
        return signing.private_key_pkcs1_pem(self.antom_private)

    @property
    def antom_public_key_pem(self) -> str:
        return signing.public_key_spki_pem(self.antom_public)


def new_client_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "SANDBOX_" + "".join(secrets.choice(alphabet) for _ in range(16))


def generate() -> SandboxKeys:
    merchant = signing.generate_private_key()
    antom = signing.generate_private_key()
    return SandboxKeys(
        client_id=new_client_id(),
        merchant_private=merchant,
        merchant_public=merchant.public_key(),
        antom_private=antom,
        antom_public=antom.public_key(),
        fingerprint_key=secrets.token_bytes(32),
    )


def _write(path: Path, text: str | bytes, *, private: bool) -> None:
    data = text.encode("ascii") if isinstance(text, str) else text
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_or_create(state_dir: Path) -> SandboxKeys:
    """Load the credentials from ``state_dir``; create the missing ones on first start."""
    state_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        name: state_dir / name
        for name in (MERCHANT_PRIVATE, ANTOM_PRIVATE, CLIENT_ID, FINGERPRINT_KEY)
    }
    if not all(p.exists() for p in paths.values()):
        keys = generate()
        # Keep whatever already exists (a half-written first start is completed, not replaced).
        if paths[MERCHANT_PRIVATE].exists():
            merchant = signing.load_private_key(paths[MERCHANT_PRIVATE])
        else:
            merchant = keys.merchant_private
            _write(paths[MERCHANT_PRIVATE], signing.private_key_pkcs1_pem(merchant), private=True)
        if paths[ANTOM_PRIVATE].exists():
            antom = signing.load_private_key(paths[ANTOM_PRIVATE])
        else:
            antom = keys.antom_private
            _write(paths[ANTOM_PRIVATE], signing.private_key_pkcs1_pem(antom), private=True)
        if not paths[CLIENT_ID].exists():
            _write(paths[CLIENT_ID], keys.client_id + "\n", private=False)
        if not paths[FINGERPRINT_KEY].exists():
            _write(paths[FINGERPRINT_KEY], keys.fingerprint_key.hex() + "\n", private=True)
        _write(
            state_dir / MERCHANT_PUBLIC,
            signing.public_key_spki_pem(merchant.public_key()),
            private=False,
        )
        _write(
            state_dir / ANTOM_PUBLIC, signing.public_key_spki_pem(antom.public_key()), private=False
        )
    merchant = signing.load_private_key(paths[MERCHANT_PRIVATE])
    antom = signing.load_private_key(paths[ANTOM_PRIVATE])
    client_id = signing.read_key_file(paths[CLIENT_ID]).decode("ascii").strip()
    if not client_id.startswith("SANDBOX_"):
        raise ValueError(f"{paths[CLIENT_ID]}: a sandbox client id starts with SANDBOX_")
    fingerprint_key = bytes.fromhex(
        signing.read_key_file(paths[FINGERPRINT_KEY]).decode("ascii").strip()
    )
    for name, key in ((MERCHANT_PUBLIC, merchant), (ANTOM_PUBLIC, antom)):
        if not (state_dir / name).exists():
            _write(state_dir / name, signing.public_key_spki_pem(key.public_key()), private=False)
    return SandboxKeys(
        client_id=client_id,
        merchant_private=merchant,
        merchant_public=merchant.public_key(),
        antom_private=antom,
        antom_public=antom.public_key(),
        fingerprint_key=fingerprint_key,
    )
