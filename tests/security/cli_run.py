"""Running the real ``posapp`` entry point in-process for the security tests (one result)."""

from __future__ import annotations

import pytest

from posapp.cli import main
from tests.cli.conftest import Result


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own answers
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return Result(code, out, err)
