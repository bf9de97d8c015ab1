"""Random ids the till makes: request ids (idempotency keys) and approval ids."""

from __future__ import annotations

import secrets

_ID_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 28  # 26**28 is about 2**131: as unguessable as a random UUID


def new_request_id(prefix: str) -> str:
    """An idempotency key: prefix + 28 random lower-case letters (Antom allows 64 characters).

    Letters only, never hex: a hex id holds a run of 12+ decimal digits often enough (a few in a
    hundred) that the card-number guard in logs and the journal masked part of it, and a masked
    request id no longer finds its payment."""
    return f"{prefix}-{''.join(secrets.choice(_ID_LETTERS) for _ in range(_ID_LENGTH))}"
