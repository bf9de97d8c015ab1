"""Key files named by the user are read up to 64 KiB: ``/dev/zero``, a huge file or the
wrong file is refused after one bounded read (one line, exit 2), never read until the
process runs out of memory.

The command-line attacks run in a child process under an address-space limit, so the old
behaviour (read until killed) fails the test with a MemoryError instead of eating the
machine's memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from posapp.core.antom import signing
from posapp.core.antom.errors import KeyFileTooLargeError

ZERO = Path("/dev/zero")
pytestmark = pytest.mark.skipif(not ZERO.exists(), reason="needs /dev/zero (Linux, macOS)")

MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: plenty for posapp, far less than "forever"
TIME_GUARD = 120  # seconds; only a guard against a hang, nothing is measured


def _limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _posapp(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONFAULTHANDLER": "0"}
    return subprocess.run(
        [sys.executable, "-m", "posapp", "--data-dir", str(data_dir), *argv],
        capture_output=True,
        text=True,
        timeout=TIME_GUARD,
        preexec_fn=_limited,
        env=env,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    merchant, antom = signing.generate_private_key(), signing.generate_private_key()
    private, public = folder / "merchant.pem", folder / "antom.pub"
    private.write_text(signing.private_key_pkcs1_pem(merchant))
    public.write_text(signing.public_key_spki_pem(antom.public_key()))
    return private, public


def test_the_helper_reads_at_most_64_kib(tmp_path: Path) -> None:
    exact = tmp_path / "exact.pem"
    exact.write_bytes(b"A" * signing.MAX_KEY_FILE_BYTES)
    assert len(signing.read_key_file(exact)) == 64 * 1024
    over = tmp_path / "over.pem"
    over.write_bytes(b"A" * (signing.MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(KeyFileTooLargeError, match="larger than 64 KiB"):
        signing.read_key_file(over)
    with pytest.raises(KeyFileTooLargeError, match="/dev/zero"):
        signing.read_key_file(ZERO)


def test_loading_a_key_from_dev_zero_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileTooLargeError):
        signing.load_private_key(ZERO)
    with pytest.raises(KeyFileTooLargeError):
        signing.load_public_key(ZERO)


def test_keys_import_private_key_dev_zero_is_one_line_exit_2(
    data_dir: Path, key_pair: tuple[Path, Path]
) -> None:
    _private, public = key_pair
    result = _posapp(
        data_dir,
        "keys",
        "import",
        "--private-key",
        str(ZERO),
        "--antom-public-key",
        str(public),
        "--client-id",
        "SANDBOX_5Y0566SG25J004124",
    )
    assert result.returncode == 2, result.stderr[-2000:]
    line = _one_line(result)
    assert "--private-key" in line and "64 KiB" in line


def test_keys_import_public_key_dev_zero_is_one_line_exit_2(
    data_dir: Path, key_pair: tuple[Path, Path]
) -> None:
    private, _public = key_pair
    result = _posapp(
        data_dir,
        "keys",
        "import",
        "--private-key",
        str(private),
        "--antom-public-key",
        str(ZERO),
        "--client-id",
        "SANDBOX_5Y0566SG25J004124",
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "--antom-public-key" in _one_line(result)


def test_doctor_private_key_dev_zero_is_one_line_exit_2(
    data_dir: Path, key_pair: tuple[Path, Path]
) -> None:
    _private, public = key_pair
    result = _posapp(
        data_dir,
        "doctor",
        "--gateway",
        "http://127.0.0.1:9",
        "--client-id",
        "SANDBOX_5Y0566SG25J004124",
        "--private-key",
        str(ZERO),
        "--antom-public-key",
        str(public),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "64 KiB" in _one_line(result)


def test_doctor_antom_public_key_dev_zero_is_one_line_exit_2(
    data_dir: Path, key_pair: tuple[Path, Path]
) -> None:
    private, _public = key_pair
    result = _posapp(
        data_dir,
        "doctor",
        "--gateway",
        "http://127.0.0.1:9",
        "--client-id",
        "SANDBOX_5Y0566SG25J004124",
        "--private-key",
        str(private),
        "--antom-public-key",
        str(ZERO),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "64 KiB" in _one_line(result)


def test_a_huge_key_file_is_refused_by_keys_import(
    data_dir: Path, tmp_path: Path, key_pair: tuple[Path, Path]
) -> None:
    """A sparse 4 GiB file: the old code read it all (and died under the limit)."""
    _private, public = key_pair
    huge = tmp_path / "huge.pem"
    with huge.open("wb") as fh:
        fh.truncate(4 << 30)
    result = _posapp(
        data_dir,
        "keys",
        "import",
        "--private-key",
        str(huge),
        "--antom-public-key",
        str(public),
        "--client-id",
        "SANDBOX_5Y0566SG25J004124",
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "64 KiB" in _one_line(result)


def test_settings_dialog_refuses_dev_zero(qapp: object) -> None:
    from posapp.ui.views.settings_dialog import read_key_file

    with pytest.raises(ValueError, match="too large"):
        read_key_file(str(ZERO), "merchant private key")
