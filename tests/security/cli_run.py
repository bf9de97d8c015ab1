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


def refuse_to_start_the_till(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For tests of a till that must NOT start: were it to start anyway, fail at once
    instead of opening the window and waiting for a user. Returns the messages that
    went to the start-up problem window."""
    import posapp.app as app_module
    import posapp.ui.application as application

    def started(*_args: object) -> int:
        raise AssertionError("the till started")

    shown: list[str] = []
    monkeypatch.setattr(application, "run_application", started)
    monkeypatch.setattr(app_module, "_startup_problem", lambda _s, message: shown.append(message))
    return shown
