"""Antom request/response signing as pure functions.

Content to sign: ``<METHOD> <path>\\n<client-id>.<time>.<body>``; RSA PKCS#1 v1.5 with
SHA-256 over those bytes; the signature is standard Base64, then form-URL-encoded, and sent
as ``algorithm=RSA256,keyVersion=<n>,signature=<encoded>``.

Keys: private keys load from PKCS#1 or PKCS#8, PEM or bare Base64; public keys from X.509
SubjectPublicKeyInfo or PKCS#1, PEM or bare Base64. Load each key once: loading validates
the key and costs tens of milliseconds.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from posapp.core.antom.errors import KeyFileTooLargeError, KeyFormatError, SignatureError
from posapp.core.usertext import UserText

ALGORITHM = "RSA256"
DEFAULT_KEY_VERSION = "1"
MIN_KEY_BITS = 2048
# A 4096-bit private key in PEM is about 3.3 KB; anything much larger is not a key file.
MAX_KEY_FILE_BYTES = 64 * 1024


def content_to_sign(
    method: str, path: str, client_id: str, time_value: str, body: bytes | str
) -> bytes:
    """The exact bytes that are signed. ``body`` is the raw body, never re-serialised."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    head = f"{method.upper()} {path}\n{client_id}.{time_value}.".encode()
    return head + raw


def sign(private_key: rsa.RSAPrivateKey, content: bytes) -> str:
    """Standard Base64 of the RSA-SHA256 PKCS#1 v1.5 signature (not URL-encoded)."""
    raw = private_key.sign(content, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, content: bytes, signature_b64: str) -> bool:
    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(raw, content, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def build_signature_header(signature_b64: str, key_version: str = DEFAULT_KEY_VERSION) -> str:
    return f"algorithm={ALGORITHM},keyVersion={key_version},signature={quote_plus(signature_b64)}"


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    algorithm: str
    key_version: str
    signature: str  # standard Base64, already URL-decoded


def parse_signature_header(value: str | None) -> SignatureHeader:
    """Parse ``algorithm=RSA256,keyVersion=1,signature=...`` with or without spaces.

    Like the official SDKs, everything after the first ``signature=`` is the value.
    """
    if not value or not isinstance(value, str):
        raise SignatureError("the signature header is missing")
    marker = value.find("signature=")
    if marker < 0:
        raise SignatureError("the signature header has no signature= part")
    encoded = value[marker + len("signature=") :].strip()
    head = value[:marker]
    fields: dict[str, str] = {}
    for part in head.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, val = part.partition("=")
        if not sep:
            raise SignatureError(f"the signature header part {part[:40]!r} is not key=value")
        fields[key.strip()] = val.strip()
    algorithm = fields.get("algorithm", ALGORITHM)
    if algorithm.upper() != ALGORITHM:
        raise SignatureError(f"unsupported signature algorithm {algorithm[:20]!r}")
    if not encoded:
        raise SignatureError("the signature header has an empty signature")
    decoded = unquote_plus(encoded)
    if not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", decoded):
        raise SignatureError("the signature is not Base64")
    return SignatureHeader(
        algorithm.upper(), fields.get("keyVersion", DEFAULT_KEY_VERSION), decoded
    )


def request_time_now(now_ms: int | None = None) -> str:
    """``Request-Time`` as the Java SDK writes it: epoch milliseconds."""
    return str(now_ms if now_ms is not None else time.time_ns() // 1_000_000)


def parse_time_header(value: str | None) -> datetime:
    """Accept epoch milliseconds and ISO 8601 with an offset (both SDK forms)."""
    if not value or not isinstance(value, str):
        raise SignatureError("the time header is missing")
    text = value.strip()
    if text.isascii() and text.isdigit() and 10 <= len(text) <= 14:
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SignatureError(f"the time header {text[:40]!r} is not a time") from None
    if parsed.tzinfo is None:
        raise SignatureError("the time header has no UTC offset")
    return parsed


# -- keys --------------------------------------------------------------------------------

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


def read_key_file(path: Path, source: str | None = None) -> bytes:
    """The bytes of a key file the user named, read with ONE bounded read.

    Every reader of a user-given key path goes through here: at most
    ``MAX_KEY_FILE_BYTES`` + 1 bytes are read, and more than the cap is refused
    (KeyFileTooLargeError), so ``/dev/zero``, a named pipe that never ends or a
    multi-gigabyte file costs one small read instead of the process's memory.
    OSError (missing file, a folder, no permission) is left to the caller's own message.
    """
    with path.expanduser().open("rb") as fh:
        data = fh.read(MAX_KEY_FILE_BYTES + 1)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileTooLargeError(
            UserText(
                "key.file_too_large",
                "{source}: larger than 64 KiB, not a key file",
                source=source or str(path),
            )
        )
    return data


def _read(material: str | bytes | Path, source: str | None) -> tuple[str, str]:
    if isinstance(material, Path):
        src = source or str(material)
        try:
            data = read_key_file(material, src)
        except OSError as exc:
            raise KeyFormatError(
                UserText(
                    "key.cannot_read",
                    "{source}: cannot read the file ({reason})",
                    source=src,
                    reason=str(exc.strerror),
                )
            ) from None
    else:
        src = source or "the key"
        data = material.encode() if isinstance(material, str) else material
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise KeyFormatError(
            UserText(
                "key.not_text",
                "{source}: not a text key (PEM or Base64 expected)",
                source=src,
            )
        ) from None
    if not text:
        raise KeyFormatError(UserText("key.empty", "{source}: the key is empty", source=src))
    return text, src


def _der_from(text: str, src: str) -> tuple[str | None, bytes]:
    match = _PEM.search(text)
    if match:
        label, body = match.group(1), match.group(2)
        if "ENCRYPTED" in label or "Proc-Type: 4,ENCRYPTED" in body:
            raise KeyFormatError(
                UserText(
                    "key.encrypted_export",
                    "{source}: the key is encrypted with a passphrase; export it unencrypted",
                    source=src,
                )
            )
    elif "-----BEGIN" in text:
        raise KeyFormatError(
            UserText(
                "key.pem_truncated",
                "{source}: the PEM key is truncated (no matching END line)",
                source=src,
            )
        )
    else:
        label, body = None, text
    b64 = re.sub(r"\s+", "", body)
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(
            UserText("key.not_pem", "{source}: not valid PEM or Base64 key text", source=src)
        ) from None
    if not der:
        raise KeyFormatError(UserText("key.empty", "{source}: the key is empty", source=src))
    return label, der


def load_private_key(material: str | bytes | Path, source: str | None = None) -> rsa.RSAPrivateKey:
    """Load a merchant private key (PKCS#1 or PKCS#8; PEM or bare Base64)."""
    text, src = _read(material, source)
    label, der = _der_from(text, src)
    if label is not None and "PRIVATE KEY" not in label:
        raise KeyFormatError(
            UserText(
                "key.labelled_not_private",
                "{source}: this is a {label}, not a private key",
                source=src,
                label=label.lower(),
            )
        )
    key = None
    try:
        key = serialization.load_der_private_key(der, password=None)
    except TypeError:
        raise KeyFormatError(
            UserText(
                "key.encrypted", "{source}: the key is encrypted with a passphrase", source=src
            )
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        pass
    if key is None:
        # cryptography reads PKCS#8 and traditional (PKCS#1) DER; try the public forms to
        # tell the user what they gave us instead.
        try:
            _load_public_der(der)
        except KeyFormatError:
            if len(der) > 64:
                raise KeyFormatError(
                    UserText(
                        "key.private_damaged",
                        "{source}: not a usable RSA private key (truncated or damaged)",
                        source=src,
                    )
                ) from None
            raise KeyFormatError(
                UserText(
                    "key.private_too_short",
                    "{source}: not a usable RSA private key (too short to be a key)",
                    source=src,
                )
            ) from None
        raise KeyFormatError(
            UserText(
                "key.public_not_private",
                "{source}: this is a public key, not a private key",
                source=src,
            )
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError(
            UserText(
                "key.not_rsa",
                "{source}: not an RSA key ({kind})",
                source=src,
                kind=type(key).__name__.lstrip("_"),
            )
        )
    if key.key_size < MIN_KEY_BITS:
        raise KeyFormatError(
            UserText(
                "key.too_small",
                "{source}: the key has {bits} bits; Antom needs {needed}",
                source=src,
                bits=key.key_size,
                needed=MIN_KEY_BITS,
            )
        )
    return key


def _load_public_der(der: bytes) -> rsa.RSAPublicKey:
    for loader in (
        serialization.load_der_public_key,
        lambda d: serialization.load_pem_public_key(
            b"-----BEGIN RSA PUBLIC KEY-----\n"
            + base64.encodebytes(d)
            + b"-----END RSA PUBLIC KEY-----\n"
        ),
    ):
        try:
            key = loader(der)
        except (ValueError, UnsupportedAlgorithm):
            continue
        if not isinstance(key, rsa.RSAPublicKey):
            raise KeyFormatError(f"not an RSA key ({type(key).__name__.lstrip('_')})")
        return key
    raise KeyFormatError("not a public key")


def load_public_key(material: str | bytes | Path, source: str | None = None) -> rsa.RSAPublicKey:
    """Load an Antom public key (X.509 SubjectPublicKeyInfo or PKCS#1; PEM or bare Base64)."""
    text, src = _read(material, source)
    label, der = _der_from(text, src)
    if label is not None and "PRIVATE" in label:
        raise KeyFormatError(
            UserText(
                "key.private_not_public",
                "{source}: this is a private key; the Antom public key is expected",
                source=src,
            )
        )
    if label == "CERTIFICATE":
        # Some dashboards hand out the key inside an X.509 certificate: use the key in it.
        try:
            der = (
                x509.load_der_x509_certificate(der)
                .public_key()
                .public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        except ValueError:
            raise KeyFormatError(
                UserText(
                    "key.certificate_damaged", "{source}: the certificate is damaged", source=src
                )
            ) from None
    try:
        key = _load_public_der(der)
    except KeyFormatError as exc:
        if "not an RSA key" in exc.message:
            raise KeyFormatError(
                UserText(
                    "key.not_rsa",
                    "{source}: not an RSA key ({kind})",
                    source=src,
                    kind=exc.message.partition("(")[2].removesuffix(")"),
                )
            ) from None
        try:
            serialization.load_der_private_key(der, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise KeyFormatError(
                UserText(
                    "key.public_damaged",
                    "{source}: not a usable RSA public key (truncated or damaged)",
                    source=src,
                )
            ) from None
        raise KeyFormatError(
            UserText(
                "key.private_not_public",
                "{source}: this is a private key; the Antom public key is expected",
                source=src,
            )
        ) from None
    if key.key_size < MIN_KEY_BITS:
        raise KeyFormatError(
            UserText(
                "key.too_small",
                "{source}: the key has {bits} bits; Antom needs {needed}",
                source=src,
                bits=key.key_size,
                needed=MIN_KEY_BITS,
            )
        )
    return key


def generate_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pkcs1_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#1 PEM (``BEGIN RSA PRIVATE KEY``), the form the official Python SDK loads."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_spki_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_bare_base64(key: rsa.RSAPublicKey) -> str:
    """SubjectPublicKeyInfo DER as one Base64 line: what Antom's dashboard shows."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def keys_match(private_key: rsa.RSAPrivateKey, public_key: rsa.RSAPublicKey) -> bool:
    """Whether ``public_key`` is the public half of ``private_key``."""
    return private_key.public_key().public_numbers() == public_key.public_numbers()


# -- paths and whole-message verification --------------------------------------------------

SANDBOX_PREFIX = "SANDBOX_"


def is_sandbox_client(client_id: str) -> bool:
    return client_id.startswith(SANDBOX_PREFIX)


def sandbox_path(client_id: str, path: str) -> str:
    """The path the official SDKs sign and send: for a SANDBOX_ client id the first
    ``/ams/api`` becomes ``/ams/sandbox/api``; any other client id keeps the path."""
    if is_sandbox_client(client_id) and "/ams/sandbox/api" not in path:
        return path.replace("/ams/api", "/ams/sandbox/api", 1)
    return path


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup over any mapping (httpx headers, dicts, WSGI...)."""
    try:
        value = headers.get(name)
        if value is None:
            for key, val in headers.items():
                if isinstance(key, str) and key.lower() == name:
                    value = val
                    break
    except (TypeError, AttributeError):
        raise SignatureError("the headers cannot be read") from None
    if value is not None and not isinstance(value, str):
        raise SignatureError(f"the {name} header is not text")
    return value


@dataclass(frozen=True, slots=True)
class VerifiedMessage:
    client_id: str
    time_value: str
    key_version: str


def verify_message(
    public_key: rsa.RSAPublicKey,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    time_header: str,
    expected_client_id: str | None = None,
) -> VerifiedMessage:
    """Verify a signed response (``time_header="response-time"``) or notification
    (``"request-time"``) over its raw body; SignatureError if anything is missing or wrong.

    Header names are matched case-insensitively. ``client-id`` defaults to the expected one
    when the sender leaves it out; a different one is refused.
    """
    signature = parse_signature_header(_header(headers, "signature"))
    time_value = _header(headers, time_header)
    if not time_value or not time_value.strip():
        raise SignatureError(f"the {time_header} header is missing")
    parse_time_header(time_value)  # garbled times are refused, but signed verbatim
    client_id = _header(headers, "client-id") or expected_client_id
    if not client_id:
        raise SignatureError("the client-id header is missing")
    if expected_client_id is not None and client_id != expected_client_id:
        raise SignatureError(f"the answer is for another client id ({client_id[:40]!r})")
    content = content_to_sign(method, path, client_id, time_value, body)
    if not verify(public_key, content, signature.signature):
        raise SignatureError("the signature does not verify with the Antom public key")
    return VerifiedMessage(client_id, time_value, signature.key_version)
