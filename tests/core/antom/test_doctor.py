"""`posapp doctor` end to end: against the embedded sandbox and a signed loopback server."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from posapp.cli import main
from posapp.commands import doctor
from posapp.config import Environment, Settings, save_settings
from posapp.core.antom import signing
from posapp.paths import app_dirs
from posapp.sandbox import Sandbox

from .signed_server import SignedServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def keyfiles(sandbox: Sandbox, tmp_path: Path) -> tuple[Path, Path]:
    priv = tmp_path / "merchant.pem"
    pub = tmp_path / "antom.pub"
    priv.write_text(sandbox.merchant_private_key_pem)
    pub.write_text(sandbox.antom_public_key_pem)
    return priv, pub


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["doctor", *args])
    out, err = capsys.readouterr()
    return code, out, err


def flags(sandbox: Sandbox | SignedServer, priv: Path, pub: Path, **over: str) -> list[str]:
    values = {
        "--gateway": sandbox.base_url,
        "--client-id": sandbox.client_id,
        "--private-key": str(priv),
        "--antom-public-key": str(pub),
        **over,
    }
    return [x for kv in values.items() for x in kv]


def save_gateway_settings(
    data_dir: Path, sandbox: Sandbox, redirect_url: str = "https://shop.example/back"
) -> None:
    """Settings that name this sandbox as a custom gateway (sandbox environment)."""
    settings = Settings(
        environment=Environment.SANDBOX,
        region="custom",
        gateway_url=sandbox.base_url,
        client_id=sandbox.client_id,
        payment_redirect_url=redirect_url,
    )
    save_settings(app_dirs(data_dir).settings_file, settings)


def one_failure_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("posapp doctor: FAILED: ")
    assert "Traceback" not in err
    return lines[0]


def test_flags_against_the_sandbox_pass(capsys, sandbox, keyfiles) -> None:
    code, out, err = run(capsys, *flags(sandbox, *keyfiles))
    assert code == 0, err
    for step in ("[1/4]", "[2/4]", "[3/4]", "[4/4]"):
        assert step in out
    assert "ORDER_NOT_EXIST" in out and "/ams/sandbox/api/v1/payments/inquiryPayment" in out
    assert "OK" in out.splitlines()[-1] and err == ""


def test_no_flags_and_no_settings_checks_the_embedded_sandbox(capsys, data_dir) -> None:
    code = main(["--data-dir", str(data_dir), "doctor"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "embedded training sandbox" in out and "[4/4]" in out


def test_configured_gateway_and_client_id_with_key_flags(
    capsys, sandbox, keyfiles, data_dir
) -> None:
    save_gateway_settings(data_dir, sandbox)
    priv, pub = keyfiles
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "doctor",
            "--private-key",
            str(priv),
            "--antom-public-key",
            str(pub),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sandbox.base_url in out


def test_wrong_antom_public_key_is_a_signature_failure(capsys, sandbox, keyfiles, tmp_path) -> None:
    other = tmp_path / "other.pub"
    other.write_text(signing.public_key_spki_pem(signing.generate_private_key().public_key()))
    code, out, err = run(capsys, *flags(sandbox, keyfiles[0], other))
    assert code == doctor.EXIT_SIGNATURE
    assert "signature does not verify" in one_failure_line(err)
    assert "[4/4]" not in out


def test_tampered_answer_is_a_signature_failure(capsys, tmp_path) -> None:
    merchant, antom = signing.generate_private_key(), signing.generate_private_key()
    priv, pub = tmp_path / "m.pem", tmp_path / "a.pub"
    priv.write_text(signing.private_key_pkcs1_pem(merchant))
    pub.write_text(signing.public_key_bare_base64(antom.public_key()))
    with SignedServer("SANDBOX_T", merchant.public_key(), antom, tamper=True) as server:
        code, _, err = run(capsys, *flags(server, priv, pub))
    assert code == doctor.EXIT_SIGNATURE, err
    one_failure_line(err)
    # the same server untampered passes: the failure above is the tampering
    with SignedServer("SANDBOX_T", merchant.public_key(), antom) as server:
        code, _, err = run(capsys, *flags(server, priv, pub))
    assert code == 0, err


def test_refused_connection(capsys, sandbox, keyfiles) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run(
        capsys, *flags(sandbox, *keyfiles, **{"--gateway": f"http://127.0.0.1:{port}"})
    )
    assert code == doctor.EXIT_CONNECT
    assert "connection failed" in one_failure_line(err)


@pytest.mark.parametrize("which", ["private", "public"])
def test_unusable_key_files(capsys, sandbox, keyfiles, tmp_path, which) -> None:
    bad = tmp_path / "broken.pem"
    bad.write_text("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n")
    priv, pub = keyfiles
    args = flags(sandbox, bad, pub) if which == "private" else flags(sandbox, priv, bad)
    code, _, err = run(capsys, *args)
    assert code == doctor.EXIT_KEY
    line = one_failure_line(err)
    assert str(bad) in line and "truncated" in line


def test_encrypted_private_key(capsys, sandbox, keyfiles, tmp_path) -> None:
    key = signing.load_private_key(sandbox.merchant_private_key_pem)
    enc = tmp_path / "enc.pem"
    enc.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"x"),
        )
    )
    code, _, err = run(capsys, *flags(sandbox, enc, keyfiles[1]))
    assert code == doctor.EXIT_KEY and "encrypted" in one_failure_line(err)


def test_own_public_key_given_as_antom_key(capsys, sandbox, keyfiles, tmp_path) -> None:
    mine = tmp_path / "mine.pub"
    mine.write_text(sandbox.merchant_public_key_pem)
    code, _, err = run(capsys, *flags(sandbox, keyfiles[0], mine))
    assert code == doctor.EXIT_KEY and "merchant's own public key" in one_failure_line(err)


def test_gateway_refusing_our_signature_fails(capsys, sandbox, keyfiles, tmp_path) -> None:
    other = tmp_path / "other.pem"
    other.write_text(signing.private_key_pkcs1_pem(signing.generate_private_key()))
    code, out, err = run(capsys, *flags(sandbox, other, keyfiles[1]))
    assert code == doctor.EXIT_ANSWER
    assert "INVALID_SIGNATURE" in one_failure_line(err)
    assert "[4/4]" in out  # the answer itself verified


def test_partial_flags_without_settings(capsys, data_dir, keyfiles) -> None:
    code = main(["--data-dir", str(data_dir), "doctor", "--private-key", str(keyfiles[0])])
    _, err = capsys.readouterr()
    assert code == doctor.EXIT_USAGE
    line = one_failure_line(err)
    assert "--gateway" in line and "--client-id" in line and "--antom-public-key" in line


def test_a_missing_payment_setting_is_named_after_the_checks(
    capsys, sandbox, keyfiles, data_dir
) -> None:
    save_gateway_settings(data_dir, sandbox, redirect_url="")
    priv, pub = keyfiles
    args = ["--data-dir", str(data_dir), "doctor", "--private-key", str(priv)]
    code = main([*args, "--antom-public-key", str(pub)])
    out, err = capsys.readouterr()
    # the connection itself is fine: every step ran and passed
    assert "[4/4]" in out and "ORDER_NOT_EXIST" in out
    assert "settings: MISSING: paymentRedirectUrl is not set" in out
    # an existing exit status: 2, missing input; one line naming the setting
    assert code == doctor.EXIT_USAGE
    line = one_failure_line(err)
    assert "paymentRedirectUrl is not set: sandbox payments would be refused" in line


def test_flags_alone_check_no_settings(capsys, sandbox, keyfiles, data_dir) -> None:
    code, out, _ = run(capsys, *flags(sandbox, *keyfiles))
    assert code == 0 and "MISSING" not in out


@pytest.mark.keyring
@pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="run through tests/run.sh"
)
def test_no_flags_uses_settings_and_the_keyring(capsys, sandbox, data_dir) -> None:
    from posapp.core.services.secrets import Credentials, KeyringSecretStore

    store = KeyringSecretStore()
    save_gateway_settings(data_dir, sandbox)
    store.delete("sandbox")
    code = main(["--data-dir", str(data_dir), "doctor"])
    _, err = capsys.readouterr()
    assert code == doctor.EXIT_KEY and "no sandbox keys are stored" in one_failure_line(err)
    store.save(
        "sandbox",
        Credentials(
            sandbox.client_id, sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem
        ),
    )
    try:
        code = main(["--data-dir", str(data_dir), "doctor"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "settings (sandbox)" in out and sandbox.base_url in out
    finally:
        store.delete("sandbox")
