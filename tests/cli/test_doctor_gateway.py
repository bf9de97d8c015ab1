"""`posapp doctor` against a gateway that answers badly, through the console entry point."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


def _doctor(sb: Sandbox, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    private = tmp_path / "merchant.pem"
    public = tmp_path / "antom.pem"
    private.write_text(sb.merchant_private_key_pem)
    public.write_text(sb.antom_public_key_pem)
    (tmp_path / "data").mkdir(exist_ok=True)  # doctor refuses a --data-dir that is not there
    argv = [
        "doctor",
        "--gateway",
        sb.base_url,
        "--client-id",
        sb.client_id,
        "--private-key",
        str(private),
        "--antom-public-key",
        str(public),
        "--data-dir",
        str(tmp_path / "data"),
        *extra,
    ]
    return subprocess.run(
        [sys.executable, "-m", "posapp", *argv], capture_output=True, text=True, timeout=60
    )


def test_answer_with_a_bad_signature_is_exit_5(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.add("*/inquiryPayment", "bad_signature")
    proc = _doctor(sandbox, tmp_path)
    assert proc.returncode == 5, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("posapp doctor: FAILED: the answer's signature does not verify")
    assert "[4/4]" not in proc.stdout  # the verification step was never reported as passed


def test_the_same_gateway_without_the_fault_passes(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = _doctor(sandbox, tmp_path, "--timeout", "5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("posapp doctor: OK")
