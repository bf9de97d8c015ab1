"""One error tree for everything the Antom protocol layer raises.

    AntomError                      root; carries result_code, http_status, request_id
    ├── KeyFormatError              a key that cannot be used (names the source and the fault)
    ├── SignatureError              a response/notification signature missing or wrong:
    │                               a security problem, never a decline
    ├── ProtocolError               an answer we cannot read (bad JSON, missing fields,
    │                               non-UTF-8, oversized, garbled headers)
    └── (more are added by the client: see client.py)

Each error has ``user_message``: a sentence for a cashier or a manager, without internals.
"""

from __future__ import annotations


class AntomError(Exception):
    """Root of the protocol layer's errors."""

    user_message = "The payment service could not be used."

    def __init__(
        self,
        message: str,
        *,
        result_code: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
        user_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.result_code = result_code
        self.http_status = http_status
        self.request_id = request_id
        if user_message is not None:
            self.user_message = user_message

    def __str__(self) -> str:
        extra = [
            f"{k}={v}"
            for k, v in (
                ("code", self.result_code),
                ("http", self.http_status),
                ("request", self.request_id),
            )
            if v is not None
        ]
        return f"{self.message} ({', '.join(extra)})" if extra else self.message


class KeyFormatError(AntomError):
    """A key that cannot be loaded or used; the message says which key and what is wrong."""

    user_message = "A key could not be used: check the key files in Settings."


class SignatureError(AntomError):
    """A signature that is missing or does not verify. Treated as a security problem."""

    user_message = (
        "The answer from the payment service could not be verified. "
        "The payment is being checked again; do not charge the card a second time."
    )


class ProtocolError(AntomError):
    """An answer that does not follow the protocol (unreadable, incomplete, too large)."""

    user_message = "The payment service sent an answer that could not be read."
