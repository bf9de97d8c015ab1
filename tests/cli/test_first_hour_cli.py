"""A bad ``--data-dir`` as a new user types it: refused in one line, nothing created."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Result

Posapp = Callable[..., Result]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["file", "under a file", "missing"])
def test_doctor_refuses_a_data_dir_that_is_not_a_folder(
    posapp: Posapp, tmp_path: Path, a_file: Path, where: str
) -> None:
    path = {
        "file": a_file,
        "under a file": a_file / "till",
        "missing": tmp_path / "no-such-till",
    }[where]
    result = posapp("doctor", "--data-dir", str(path))
    assert result.code == 2
    assert result.line.startswith(f"posapp: cannot use --data-dir {path}: ")
    assert "OK" not in result.out
    assert "sandbox" not in result.out  # it did not go on to check the training sandbox
    assert not (tmp_path / "no-such-till").exists()


def test_doctor_names_what_is_wrong(posapp: Posapp, tmp_path: Path, a_file: Path) -> None:
    assert posapp("doctor", "--data-dir", str(a_file)).line.endswith(
        f"{a_file} is a file, not a folder"
    )
    missing = tmp_path / "no-such-till"
    assert posapp("--data-dir", str(missing), "doctor").line.endswith("there is no such folder")


@pytest.mark.parametrize("where", ["file", "under a file", "missing parent"])
def test_self_test_refuses_a_bad_data_dir_on_stderr(
    posapp: Posapp, tmp_path: Path, a_file: Path, where: str
) -> None:
    path = {
        "file": a_file,
        "under a file": a_file / "till",
        "missing parent": tmp_path / "shop" / "till",
    }[where]
    result = posapp("--self-test", "--data-dir", str(path))
    assert result.code == 2
    assert result.out == ""
    assert result.line.startswith(f"posapp: cannot use --data-dir {path}: ")
    assert not (tmp_path / "shop").exists()  # no missing parent folders made


def test_self_test_names_the_missing_parent(posapp: Posapp, tmp_path: Path) -> None:
    result = posapp("--self-test", "--data-dir", str(tmp_path / "shop" / "till"))
    assert result.line.endswith(f"the folder {tmp_path / 'shop'} does not exist")
