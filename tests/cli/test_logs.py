"""Logs under the data dir: card data never in clear, and the files rotate (posapp/logs.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from posapp.logs import BACKUPS, MAX_BYTES, redact, setup_logging

PAN = "4054695723100768"


@pytest.mark.parametrize(
    "text",
    [
        f"PAN{PAN}",  # glued to a label
        f"pan%3D{PAN}",  # URL-encoded key=value
        f"x{PAN}y",
        '{"cardNo": "4054 6957 2310 0768"}',  # a grouped value after a card-number key
        "card_number=4054-6957-2310-0768",
    ],
)
def test_card_numbers_in_odd_places_are_redacted(text: str) -> None:
    clean = redact(text)
    digits = "".join(ch for ch in clean if ch.isdigit())
    assert "69572310" not in digits, clean
    assert "4054" not in clean


@pytest.mark.parametrize(
    "text",
    ["cvv 737", "CVV: 737", "cardVerificationCode=737", "security code 737", '"cvv2": "73"'],
)
def test_cvv_after_its_label_is_redacted(text: str) -> None:
    clean = redact(text)
    assert "737" not in clean and "73" not in clean, clean


@pytest.mark.parametrize(
    "text",
    [
        "decided 2024",  # 'cid' inside a word is not a CVV label
        "japan: 123",  # nor is 'pan' inside a word
        "id 202611255550997475696027343",  # a 27-digit Antom paymentId
        "at 1732563600000",
        "PAY-5d89da43a9e147c9822d341f7e3beae1",
        "amount 12.34",
    ],
)
def test_ordinary_text_survives(text: str) -> None:
    assert redact(text) == text


def _file_handler() -> logging.handlers.RotatingFileHandler:
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_posapp", False) and isinstance(
            handler, logging.handlers.RotatingFileHandler
        ):
            return handler
    raise AssertionError("setup_logging installed no rotating file handler")


def test_log_files_rotate_and_stay_bounded(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs", "INFO")
    log = logging.getLogger("posapp.test.rotation")
    line = "x" * 1000
    for i in range(int(MAX_BYTES * (BACKUPS + 3) / 1000)):
        log.info("%06d %s card %s", i, line, PAN)
    _file_handler().flush()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["posapp.log"] + [f"posapp.log.{n}" for n in range(1, BACKUPS + 1)]
    for p in path.parent.iterdir():
        assert p.stat().st_size <= MAX_BYTES
        assert PAN not in p.read_text(encoding="utf-8")
    assert "[card …0768]" in path.read_text(encoding="utf-8")


def test_a_rotation_that_cannot_rename_loses_no_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = setup_logging(tmp_path / "logs", "INFO")
    handler = _file_handler()

    def refuse(source: str, dest: str) -> None:  # Windows: another process holds the file
        raise PermissionError(13, "file in use", source)

    handler.rotator = refuse
    log = logging.getLogger("posapp.test.rotation")
    for i in range(int(MAX_BYTES * 1.5 / 500)):
        log.info("%06d %s", i, "y" * 500)
    log.info("last record")
    handler.flush()
    assert "last record" in path.read_text(encoding="utf-8")
    assert "Logging error" not in capsys.readouterr().err


def test_unwritable_log_file_is_one_line(tmp_path: Path) -> None:
    from posapp.paths import DataDirError

    logs = tmp_path / "logs"
    (logs / "posapp.log").mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(DataDirError, match=r"cannot write the log file .*posapp\.log"):
        setup_logging(logs, "INFO")
