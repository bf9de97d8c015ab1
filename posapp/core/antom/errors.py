"""One error tree for everything the Antom protocol layer raises.

    AntomError                          root; carries result_code, http_status, request_id
    ├── KeyFormatError                  a key that cannot be used (names the source and the fault)
    │   └── KeyFileTooLargeError        a key file over 64 KiB: the wrong file (or /dev/zero)
    ├── InvalidRequestError             bad input caught before anything was sent (``field``)
    ├── SignatureError                  a response/notification signature missing or wrong:
    │                                   a security problem, never a decline
    ├── ProtocolError                   an answer we cannot read: bad JSON, missing or mistyped
    │   │                               fields, non-UTF-8, garbled headers
    │   ├── ResponseTooLargeError       the body is larger than the cap
    │   └── UnknownResultCodeError      a resultCode the classifier does not know for that API
    ├── TransportError                  no HTTP answer at all (the request may have been processed)
    │   ├── GatewayConnectError         the connection could not be opened (refused, DNS, TLS)
    │   └── GatewayTimeoutError         no answer within the timeout
    ├── HttpStatusError                 an HTTP status other than 200
    └── RepeatRequestInconsistentError  REPEAT_REQ_INCONSISTENT: the same request id was used
                                        with a different body; never retried, never a decline

Declines are not errors: an ``F`` answer is a normal response with a classification
(see ``messages.classify``). ``ambiguous`` tells whether the request may have changed
something at Antom without us knowing the outcome: callers must inquire, never assume failure.

Each error has ``user_message``: a sentence for a cashier or a manager, without internals
(a ``UserText``: English by default, translated by the UI through its message id).
"""

from __future__ import annotations

from typing import Any

from posapp.core.usertext import UserText, to_record


class AntomError(Exception):
    """Root of the protocol layer's errors."""

    user_message: str = UserText("antom.unusable", "The payment service could not be used.")
    ambiguous = False

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

    user_message = UserText(
        "antom.key_unusable", "A key could not be used: check the key files in Settings."
    )


class KeyFileTooLargeError(KeyFormatError):
    """A key file larger than any key (``signing.MAX_KEY_FILE_BYTES``): refused after one
    bounded read, so a device such as /dev/zero or a huge file costs nothing."""


class InvalidRequestError(AntomError):
    """A request that cannot be built from the given values; nothing was sent."""

    user_message = UserText(
        "antom.request_invalid", "The payment details are not complete or not valid."
    )

    def __init__(self, field: str, message: str, *, request_id: str | None = None) -> None:
        super().__init__(f"{field}: {message}", request_id=request_id)
        self.field = field


class SignatureError(AntomError):
    """A signature that is missing or does not verify. Treated as a security problem."""

    user_message = UserText(
        "antom.signature",
        "The answer from the payment service could not be verified. "
        "The payment is being checked again; do not charge the card a second time.",
    )
    ambiguous = True


class ProtocolError(AntomError):
    """An answer that does not follow the protocol (unreadable, incomplete, too large)."""

    user_message = UserText(
        "antom.unreadable", "The payment service sent an answer that could not be read."
    )
    ambiguous = True


class ResponseTooLargeError(ProtocolError):
    """A body over the size cap; it was not read to the end."""


class UnknownResultCodeError(ProtocolError):
    """A resultCode we have no rule for: treated as an unknown outcome, never as a decline."""


class TransportError(AntomError):
    """No HTTP answer: connection reset, timeout, refused. The request may have arrived."""

    user_message = UserText(
        "antom.no_answer",
        "The payment service did not answer. The payment is being checked; "
        "do not charge the card a second time.",
    )
    ambiguous = True


class GatewayConnectError(TransportError):
    """The connection could not be opened (refused, name not found, TLS failure)."""

    user_message = UserText(
        "antom.unreachable",
        "The payment service cannot be reached: check the network connection.",
    )


class GatewayTimeoutError(TransportError):
    """The gateway did not answer within the timeout."""


class HttpStatusError(AntomError):
    """An HTTP status other than 200 (the business answer is only ever sent with 200)."""

    user_message = UserText(
        "antom.http_status", "The payment service reported a technical problem."
    )
    ambiguous = True


class RepeatRequestInconsistentError(AntomError):
    """Antom saw this request id before with different key fields (amount, card...)."""

    user_message = UserText(
        "antom.repeat_inconsistent",
        "This payment reference was already used with other details. "
        "Start a new payment; the earlier one is unchanged.",
    )


def named(error: BaseException, english: str | None = None) -> str:
    """``english`` (by default the error's class name, as the journal has always shown it)
    carrying the sentence for people of the error's kind: a translated UI shows that
    sentence instead."""
    words = type(error).__name__ if english is None else english
    message = getattr(type(error), "user_message", None)
    return message.worded_as(words) if isinstance(message, UserText) else words


def journaled(error: BaseException) -> str | dict[str, Any]:
    """How the journal keeps a client error: "Class: detail" in English, as data (the
    sentence for people of its kind, ``to_record``) when it has one."""
    text = named(error, f"{type(error).__name__}: {error}")
    return to_record(text) if isinstance(text, UserText) else text
