from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from posapp.core.antom.signing import generate_private_key, private_key_pkcs1_pem
from posapp.logs import redact, setup_logging

VISA = "4054695723100768"


@pytest.mark.parametrize(
    "text",
    [
        f"card {VISA} declined",
        "card 4054 6957 2310 0768 declined",
        "card 4054-6957-2310-0768 declined",
        '{"cardNo": "4054695723100768", "cvv": "123"}',
    ],
)
def test_card_numbers_are_redacted_keeping_last_four(text: str) -> None:
    out = redact(text)
    assert VISA not in out.replace(" ", "").replace("-", "")
    assert "0768" in out or "[redacted]" in out


def test_mistyped_card_number_with_brand_prefix_is_redacted() -> None:
    # one digit wrong: fails Luhn but is still somebody's card number
    assert "4054695723100769" not in redact("typed 4054695723100769")


def test_timestamps_and_amounts_survive() -> None:
    text = "request-time 1764090000123 amount 12345"
    assert redact(text) == text


@pytest.mark.parametrize("text", ['"cvv": "123"', "cvv=9876", "CVC: 321", "security code=456"])
def test_cvv_values_are_redacted(text: str) -> None:
    out = redact(text)
    assert not any(code in out for code in ("123", "9876", "321", "456"))


def test_pem_keys_are_redacted() -> None:
    pem = private_key_pkcs1_pem(generate_private_key())
    out = redact(f"loaded key {pem} ok")
    assert "BEGIN" not in out and "[redacted key]" in out
    body = "".join(pem.splitlines()[1:-1])
    assert body[:40] not in redact(f"bare {body}")


def test_log_file_is_redacted_including_tracebacks(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs")
    log = logging.getLogger("posapp.test")
    log.info("pay with %s cvv=%s", VISA, "737")
    try:
        raise ValueError(f"bad card {VISA}")
    except ValueError:
        log.exception("failure")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = path.read_text()
    assert "0768" in content
    assert VISA not in content
    # the milliseconds of a timestamp may read 737 by chance: look at the messages only
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
    messages = [stamp.sub("", line) for line in content.splitlines()]
    assert len(messages) > 3 and all(not stamp.match(m) for m in messages)
    assert not any("737" in m for m in messages), messages
    assert "Traceback" in content
