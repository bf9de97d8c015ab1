"""Check an Antom configuration end to end, as typed steps (``posapp doctor``, Settings › Test
connection).

``check_connection`` yields one ``Step`` per check as it finishes: a setting every payment
needs that is still empty (``SETTINGS``, not fatal: the connection checks still run), the
merchant private key loads and signs, the Antom public key loads (and is not the merchant's
own key), the gateway answers a signed inquiryPayment for a made-up paymentRequestId, and that
answer's signature verifies. The first failing check is the last step yielded: ``ok`` False
and ``failure`` saying what kind of fault it is (the command line's exit status). A gateway
that answers with a verified refusal fails after the signature step, in an ``ANSWER`` step.

Each step's ``text`` says what was checked and ``detail`` what came out, as ``UserText`` where
the UI has words for it (plain English otherwise: Antom's own message, a URL).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

from posapp.core.usertext import UserText


class StepName(Enum):
    SETTINGS = "settings"
    PRIVATE_KEY = "private_key"  # 1/4
    PUBLIC_KEY = "public_key"  # 2/4
    GATEWAY = "gateway"  # the gateway URL and client id, checked before the request
    REQUEST = "request"  # 3/4
    SIGNATURE = "signature"  # 4/4
    ANSWER = "answer"  # what the verified answer says

    @property
    def number(self) -> int | None:
        """The step's place among the four numbered checks (None for the others)."""
        return _NUMBERS.get(self)


_NUMBERS = {
    StepName.PRIVATE_KEY: 1,
    StepName.PUBLIC_KEY: 2,
    StepName.REQUEST: 3,
    StepName.SIGNATURE: 4,
}
STEPS = len(_NUMBERS)


class Failure(Enum):
    """What kind of fault ended the checks."""

    INPUT = "input"  # a missing or bad value (gateway URL, client id, a setting)
    KEY = "key"  # an unusable key
    CONNECT = "connect"  # no connection, no answer
    SIGNATURE = "signature"  # the answer's signature does not verify
    ANSWER = "answer"  # a verified answer that refuses or cannot be used


@dataclass(frozen=True)
class Target:
    """What is checked: a gateway, a client id and the two keys (with names for messages)."""

    source: str
    gateway: str
    client_id: str
    private_key: str | bytes | Path
    public_key: str | bytes | Path
    private_name: str
    public_name: str
    # settings Antom needs in every payment that are still empty (outside training)
    missing: Sequence[str] = ()


@dataclass(frozen=True)
class Step:
    name: StepName
    ok: bool
    text: UserText  # what was checked
    detail: str = ""  # what came out (the reason when ``ok`` is False); UserText where worded
    failure: Failure | None = None  # set on the failing step that ends the checks
    error: BaseException | None = None  # the Antom client's error behind a failure


def check_connection(target: Target, timeout: float) -> Iterator[Step]:
    """The checks for ``target``, one ``Step`` each, stopping after the first failing one."""
    import httpx

    from posapp.core.antom import signing
    from posapp.core.antom.client import AntomClient
    from posapp.core.antom.errors import (
        AntomError,
        GatewayConnectError,
        GatewayTimeoutError,
        KeyFileTooLargeError,
        KeyFormatError,
        SignatureError,
        TransportError,
        UnknownResultCodeError,
    )
    from posapp.core.antom.messages import Action, AntomOutcome, explain
    from posapp.core.antom.retry import NO_RETRY

    for line in target.missing:
        yield Step(
            StepName.SETTINGS,
            False,
            UserText("diagnostics.settings", "settings"),
            line,
        )

    title = UserText(
        "diagnostics.private_key",
        "merchant private key ({source})",
        source=target.private_name,
    )
    try:
        private = signing.load_private_key(target.private_key, target.private_name)
    except KeyFileTooLargeError as exc:  # the wrong file given: bad input, not a bad key
        yield Step(StepName.PRIVATE_KEY, False, title, exc.message, Failure.INPUT, exc)
        return
    except KeyFormatError as exc:
        reason = UserText(
            "doctor.private_key_unusable",
            "unusable merchant private key: {reason}",
            reason=exc.message,
        )
        yield Step(StepName.PRIVATE_KEY, False, title, reason, Failure.KEY, exc)
        return
    probe = b"posapp doctor self-check"
    if not signing.verify(private.public_key(), probe, signing.sign(private, probe)):
        reason = UserText(
            "doctor.key_cannot_sign", "{source}: the key cannot sign", source=target.private_name
        )
        yield Step(StepName.PRIVATE_KEY, False, title, reason, Failure.KEY)
        return
    yield Step(
        StepName.PRIVATE_KEY,
        True,
        title,
        UserText(
            "diagnostics.private_key_ok",
            "RSA {bits} bits, signs and verifies with its public half",
            bits=private.key_size,
        ),
    )

    title = UserText(
        "diagnostics.public_key", "Antom public key ({source})", source=target.public_name
    )
    try:
        public = signing.load_public_key(target.public_key, target.public_name)
    except KeyFileTooLargeError as exc:
        yield Step(StepName.PUBLIC_KEY, False, title, exc.message, Failure.INPUT, exc)
        return
    except KeyFormatError as exc:
        reason = UserText(
            "doctor.public_key_unusable",
            "unusable Antom public key: {reason}",
            reason=exc.message,
        )
        yield Step(StepName.PUBLIC_KEY, False, title, reason, Failure.KEY, exc)
        return
    if signing.keys_match(private, public):
        reason = UserText(
            "doctor.own_public_key",
            "{source} is the merchant's own public key, not Antom's: "
            "copy the Antom public key from the dashboard",
            source=target.public_name,
        )
        yield Step(StepName.PUBLIC_KEY, False, title, reason, Failure.KEY)
        return
    yield Step(
        StepName.PUBLIC_KEY,
        True,
        title,
        UserText(
            "diagnostics.public_key_ok",
            "RSA {bits} bits, distinct from the merchant key",
            bits=public.key_size,
        ),
    )

    gateway = UserText("diagnostics.gateway", "gateway")
    if not target.gateway:
        yield Step(
            StepName.GATEWAY, False, gateway, "no gateway URL: give --gateway", Failure.INPUT
        )
        return
    parsed = urlsplit(target.gateway)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        bad_url = (
            f"{target.gateway!r} is not a gateway URL (e.g. https://open-sea-global.alipay.com)"
        )
        yield Step(StepName.GATEWAY, False, gateway, bad_url, Failure.INPUT)
        return
    if not target.client_id:
        yield Step(
            StepName.GATEWAY, False, gateway, "no client id: give --client-id", Failure.INPUT
        )
        return

    request_id = f"posapp-doctor-{secrets.token_hex(8)}"
    path = signing.sandbox_path(target.client_id, "/ams/api/v1/payments/inquiryPayment")
    title = UserText(
        "diagnostics.request",
        "signed inquiryPayment for {request_id} to {url}",
        request_id=request_id,
        url=f"{target.gateway}{path}",
    )
    try:
        client = AntomClient(
            target.gateway, target.client_id, private, public, timeout=timeout, retry=NO_RETRY
        )
    except ValueError as exc:
        yield Step(StepName.GATEWAY, False, gateway, str(exc), Failure.INPUT, exc)
        return
    failed: tuple[str, Failure, BaseException] | None = None
    try:
        with client:
            answer = client.inquiry_payment(request_id)
    except SignatureError as exc:
        line = (
            f"the answer's signature does not verify ({exc.message}): "
            "check the Antom public key and the gateway"
        )
        failed = (line, Failure.SIGNATURE, exc)
    except GatewayConnectError as exc:
        failed = (f"connection failed: {exc.message}", Failure.CONNECT, exc)
    except (GatewayTimeoutError, TransportError) as exc:
        failed = (exc.message, Failure.CONNECT, exc)
    except UnknownResultCodeError as exc:
        failed = (f"verified, but refused: {exc.result_code}", Failure.ANSWER, exc)
    except AntomError as exc:
        failed = (f"unusable answer: {exc}", Failure.ANSWER, exc)
    except httpx.InvalidURL as exc:
        failed = (f"the gateway URL is not valid: {exc}", Failure.INPUT, exc)
    if failed is not None:
        yield Step(StepName.REQUEST, False, title, *failed)
        return
    result = answer.result
    yield Step(
        StepName.REQUEST,
        True,
        title,
        UserText(
            "diagnostics.answered",
            "answered {status} {code}: {message}",
            status=result.status.value,
            code=result.code,
            # Antom's words in English, ours for the code in a translated UI
            message=explain(result.code, result.message[:80]) or result.message[:80],
        ),
    )
    yield Step(
        StepName.SIGNATURE,
        True,
        UserText("diagnostics.signature", "answer signature verified with the Antom public key"),
    )

    verdict = UserText("diagnostics.answer", "answer")
    if answer.classification.action is Action.FIX_CONFIG:
        reason = UserText(
            "doctor.gateway_refused",
            "the gateway refused the request: {code} ({reason})",
            code=result.code,
            reason=answer.classification.reason,
        )
        yield Step(StepName.ANSWER, False, verdict, reason, Failure.ANSWER)
    elif answer.classification.outcome is AntomOutcome.FAILED and not answer.not_found:
        yield Step(
            StepName.ANSWER, False, verdict, f"the gateway answered {result.code}", Failure.ANSWER
        )
    elif answer.classification.outcome is AntomOutcome.UNKNOWN:
        line = f"the gateway answered {result.code} (try again)"
        yield Step(StepName.ANSWER, False, verdict, line, Failure.ANSWER)
