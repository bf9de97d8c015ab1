"""Card tokens (protocol sections 16.1-16.4): issued, recognised and shown without ever being
kept in clear in the sandbox's state.

A token is ``ALIPAY`` + Base64 of a random 12-byte id and a 16-byte MAC of that id (28 bytes,
so the text ends in ``==`` like the documentation's samples; clients must never parse it).
The state keeps only the id (``token_id``) and a keyed hash of the whole token
(``token_hash``, the lookup key): the SQLite file, its WAL and the queued notification bodies
hold neither the token nor anything it can be rebuilt from without the state dir's secret.
Wherever an answer must carry the token (pay, inquiryPayment, notifyPayment), the stored
``paymentResultInfo`` carries the marker ``_tokenRef`` (the id) and ``reveal`` turns it into
``cardToken`` on the way out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

PREFIX = "ALIPAY"
REF = "_tokenRef"  # paymentResultInfo marker: the id of the token to show as cardToken
ASKED = "_tokenize"  # paymentResultInfo marker: the payment asked for a token (on success)
_ID_BYTES = 12
_MAC_BYTES = 16


def _subkey(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, b"posapp-sandbox-card-token:" + purpose, hashlib.sha256).digest()


def new_id() -> str:
    return secrets.token_hex(_ID_BYTES)


def token_for(key: bytes, token_id: str) -> str:
    """The token text of ``token_id`` (the same every time: answers can be repeated)."""
    raw = bytes.fromhex(token_id)
    mac = hmac.new(_subkey(key, b"mac"), raw, hashlib.sha256).digest()[:_MAC_BYTES]
    return PREFIX + base64.b64encode(raw + mac).decode("ascii")


def token_hash(key: bytes, token: str) -> str:
    """The keyed hash the state keeps instead of the token."""
    return hmac.new(_subkey(key, b"hash"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def well_formed(key: bytes, token: str) -> bool:
    """Whether ``token`` is one this sandbox could have issued (its MAC checks)."""
    if not token.startswith(PREFIX):
        return False
    try:
        raw = base64.b64decode(token[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != _ID_BYTES + _MAC_BYTES:
        return False
    return hmac.compare_digest(token_for(key, raw[:_ID_BYTES].hex()), token)


def reveal(info: dict[str, Any], key: bytes) -> dict[str, Any]:
    """``paymentResultInfo`` as sent: markers removed, ``cardToken`` filled in."""
    if REF not in info and ASKED not in info:
        return info
    out = dict(info)
    out.pop(ASKED, None)
    token_id = out.pop(REF, None)
    if token_id:
        out["cardToken"] = token_for(key, token_id)
    return out


def reveal_body(text: str, key: bytes) -> str:
    """A queued notification body (JSON text) as sent."""
    if REF not in text and ASKED not in text:
        return text
    body = json.loads(text)
    info = body.get("paymentResultInfo")
    if isinstance(info, dict):
        body["paymentResultInfo"] = reveal(info, key)
    return json.dumps(body, separators=(",", ":"))
