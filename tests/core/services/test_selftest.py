"""`posapp --self-test`: one line, exit 0; a failure names its step."""

from __future__ import annotations

from pathlib import Path

import pytest

from posapp.cli import main
from posapp.commands import selftest


def test_self_test_passes_with_one_line(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("self-test: OK")
    assert (data_dir / "journal.sqlite3").exists()


def test_self_test_names_the_failing_step(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selftest, "SELF_TEST_PAN", "4054692760174822")  # a declining card
    assert main(["--self-test", "--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("self-test: FAILED at authorise:")
