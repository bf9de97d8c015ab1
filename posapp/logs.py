"""Logging to a rotating file, with card data and keys redacted from every line.

The redaction runs on the final text of each record (message, arguments and traceback),
so nothing that reaches the file can carry a card number, a CVV or a PEM key.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from io import TextIOWrapper
from pathlib import Path

from posapp.core.cards import DIGIT_RUN, TRACK1, TRACK2, detect_brand, luhn_ok
from posapp.paths import DataDirError, folder_error, make_private_dir, make_private_file

_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", re.S)
_CVV = re.compile(
    r"""(?ix)
    (["']?\b(?:cvv2?|cvc2?|cid|csc|security[ _-]?code|card[ _-]?verification[ _-]?(?:code|value))
    ["']?\s*[:=]?\s*["']?)
    (\d{2,4})(?!\d)
    """
)
# the value may itself be grouped ("4054 6957 2310 0768"): take the digits and their separators
_CARD_NO = re.compile(
    r"""(?i)(["']?\b(?:cardNo|card[ _-]?number|card_no|pan)["']?\s*[:=]\s*["']?)"""
    r"""(\d(?:[ -]?\d)*|[^"',}\s]+)"""
)
# A bare base64 private key (as Antom's tools hand out): long unbroken base64 starting MII.
_BARE_KEY = re.compile(r"MII[A-Za-z0-9+/]{200,}={0,2}")


def _pan_sub(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[ -]", "", text)
    # Luhn-valid runs are card numbers; so are mistyped runs with a card brand's prefix.
    # Epoch-millisecond timestamps (13 digits starting with 1) pass through unharmed.
    if luhn_ok(digits) or (len(digits) >= 14 and detect_brand(digits) is not None):
        return f"[card …{digits[-4:]}]"
    return text


def redact(text: str) -> str:
    """Remove card numbers, CVVs and keys from ``text``."""
    text = _PEM.sub("[redacted key]", text)
    text = _BARE_KEY.sub("[redacted key]", text)
    text = _CARD_NO.sub(lambda m: m.group(1) + "[redacted]", text)
    text = _CVV.sub(lambda m: m.group(1) + "***", text)
    # magnetic stripe data carries the name and service code too: the whole track goes
    text = TRACK1.sub("[card track]", text)
    text = TRACK2.sub("[card track]", text)
    return DIGIT_RUN.sub(_pan_sub, text)


class RedactionFilter(logging.Filter):
    """Rewrites each record so that its message and traceback are already redacted."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = ()
        if record.exc_info:
            record.exc_text = redact(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


MAX_BYTES = 1_000_000
BACKUPS = 5


class _RotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotation that never costs a record: when the old file cannot be renamed (another
    posapp process holds it open on Windows, a read-only backup), keep writing to the
    current file and try again at the next size check."""

    def _open(self) -> TextIOWrapper:
        # the log may hold operators' names and order details: owner-only, like the journal
        make_private_file(Path(self.baseFilename))
        return super()._open()

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:
            if self.stream is None or self.stream.closed:
                self.stream = self._open()


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


def setup_logging(log_dir: Path, level: int | str = logging.INFO) -> Path:
    """Log to ``log_dir/posapp.log`` (1 MB, then up to 5 older files: posapp.log.1 to .5)
    and stderr for warnings. Raises DataDirError when the folder or file cannot be written."""
    try:
        make_private_dir(log_dir)
    except OSError as exc:
        raise folder_error(log_dir, exc) from None
    path = log_dir / "posapp.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_posapp", False):
            root.removeHandler(handler)
            handler.close()
    try:
        file_handler = _RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        raise DataDirError(f"cannot write the log file {path}: {exc.strerror or exc}") from None
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)
    stderr.setFormatter(logging.Formatter("posapp: %(levelname)s: %(message)s"))
    handlers: list[logging.Handler] = [file_handler, stderr]
    for handler in handlers:
        handler.addFilter(RedactionFilter())
        handler._posapp = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO; keep it at WARNING.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return path
