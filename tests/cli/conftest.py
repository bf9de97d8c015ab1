"""Helpers for the command-line tests: run the real entry point, keep stdout/stderr apart."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from posapp.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        """The one line a failing command must print on stderr."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got: {self.err!r}"
        assert "Traceback" not in self.err
        return lines[0]


@pytest.fixture
def posapp(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``posapp(*argv)`` runs ``posapp.cli.main`` as the console script does."""

    def run(*argv: str) -> Result:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse answers --help and usage errors this way
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture(autouse=True)
def _drop_posapp_log_handlers() -> Iterator[None]:
    """Commands install posapp's root log handlers; do not leave them to the next test."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_posapp", False):
            root.removeHandler(handler)
            handler.close()
