"""Signing against vectors made by the official Python SDK, headers, times and key loading."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from posapp.core.antom import signing
from posapp.core.antom.errors import KeyFormatError, SignatureError

DATA = Path(__file__).parent / "data"
VECTORS = json.loads((DATA / "sdk_vectors.json").read_text(encoding="utf-8"))["cases"]
PRIVATE_PEM = (DATA / "test_key_pkcs1.pem").read_text()
PUBLIC_PEM = (DATA / "test_key_spki.pem").read_text()


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return signing.load_private_key(PRIVATE_PEM)


@pytest.fixture(scope="module")
def public_key() -> rsa.RSAPublicKey:
    return signing.load_public_key(PUBLIC_PEM)


def _content(case: dict[str, str]) -> bytes:
    return signing.content_to_sign(
        case["method"], case["path"], case["client_id"], case["time"], case["body"]
    )


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_we_sign_exactly_what_the_sdk_signs(case: dict[str, str], private_key) -> None:
    ours = signing.sign(private_key, _content(case))
    assert quote_plus(ours) == case["signature_urlencoded"]
    assert signing.build_signature_header(ours) == case["header_sdk"]


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
@pytest.mark.parametrize("form", ["header_sdk", "header_docs"])
def test_we_verify_sdk_signatures_in_both_header_forms(case, form, public_key) -> None:
    parsed = signing.parse_signature_header(case[form])
    assert parsed.algorithm == "RSA256" and parsed.key_version == "1"
    assert signing.verify(public_key, _content(case), parsed.signature)


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_a_changed_byte_anywhere_breaks_the_sdk_signature(case, public_key) -> None:
    sig = signing.parse_signature_header(case["header_sdk"]).signature
    content = _content(case)
    for i in (0, len(content) // 2, len(content) - 1):
        changed = content[:i] + bytes([content[i] ^ 1]) + content[i + 1 :]
        assert not signing.verify(public_key, changed, sig)


def test_content_to_sign_layout() -> None:
    assert signing.content_to_sign("post", "/a?b=1", "C", "T", b'{"x":1}') == (
        b'POST /a?b=1\nC.T.{"x":1}'
    )
    # str bodies are UTF-8, exactly as the bytes on the wire
    assert signing.content_to_sign("POST", "/p", "C", "1", "é").endswith("é".encode())


def test_signature_is_url_encoded_in_the_header(private_key) -> None:
    # find a content whose Base64 signature has + / = so the encoding is exercised
    for n in range(50):
        sig = signing.sign(private_key, f"x{n}".encode())
        if "+" in sig or "/" in sig:
            break
    header = signing.build_signature_header(sig, "3")
    assert "+" not in header.split("signature=")[1] and "/" not in header.split("signature=")[1]
    parsed = signing.parse_signature_header(header)
    assert parsed.signature == sig and parsed.key_version == "3"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "algorithm=RSA256,keyVersion=1",
        "algorithm=RSA256,keyVersion=1,signature=",
        "algorithm=HMAC,keyVersion=1,signature=abcd",
        "algorithm=RSA256,keyVersion,signature=abcd",
        "algorithm=RSA256,keyVersion=1,signature=%%%",
        "algorithm=RSA256,keyVersion=1,signature=ab cd",
    ],
)
def test_garbled_signature_headers_are_signature_errors(value) -> None:
    with pytest.raises(SignatureError):
        signing.parse_signature_header(value)


def test_request_time_is_epoch_ms_like_the_java_sdk() -> None:
    assert signing.request_time_now(1_700_000_000_123) == "1700000000123"
    assert signing.request_time_now().isdigit() and len(signing.request_time_now()) == 13


@pytest.mark.parametrize(
    "text",
    [
        "1700000000000",
        "2024-05-01T08:00:00+00:00",
        "2024-05-01T16:00:00.123+08:00",
        "2024-05-01T08:00:00Z",
    ],
)
def test_both_time_forms_are_accepted(text) -> None:
    assert signing.parse_time_header(text).tzinfo is not None


@pytest.mark.parametrize("text", ["", "yesterday", "2024-05-01T08:00:00", "12"])
def test_bad_times_are_refused(text) -> None:
    with pytest.raises(SignatureError):
        signing.parse_time_header(text)


def test_sandbox_path_rewrites_the_first_prefix_only() -> None:
    path = "/ams/api/v1/payments/pay"
    assert signing.sandbox_path("SANDBOX_X", path) == "/ams/sandbox/api/v1/payments/pay"
    assert signing.sandbox_path("PROD_X", path) == path
    assert signing.sandbox_path("SANDBOX_X", "/p/ams/api/ams/api") == "/p/ams/sandbox/api/ams/api"
    assert signing.sandbox_path("SANDBOX_X", "/ams/sandbox/api/v1/x") == "/ams/sandbox/api/v1/x"


# -- verify_message ------------------------------------------------------------------------


def _signed_headers(
    private_key, path, body, *, client_id="C1", time_value="1700000000000", case=str.lower
):
    sig = signing.sign(
        private_key, signing.content_to_sign("POST", path, client_id, time_value, body)
    )
    return {
        case("Signature"): signing.build_signature_header(sig),
        case("Response-Time"): time_value,
        case("Client-Id"): client_id,
    }


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_verify_message_any_header_case(private_key, public_key, case) -> None:
    headers = _signed_headers(private_key, "/p", b"{}", case=case)
    got = signing.verify_message(
        public_key,
        "POST",
        "/p",
        headers,
        b"{}",
        time_header="response-time",
        expected_client_id="C1",
    )
    assert got.client_id == "C1" and got.time_value == "1700000000000"


def test_verify_message_refusals(private_key, public_key) -> None:
    headers = _signed_headers(private_key, "/p", b"{}")
    verify = signing.verify_message
    with pytest.raises(SignatureError, match="does not verify"):
        verify(public_key, "POST", "/p", headers, b"{ }", time_header="response-time")
    with pytest.raises(SignatureError, match="does not verify"):
        verify(public_key, "POST", "/q", headers, b"{}", time_header="response-time")
    with pytest.raises(SignatureError, match="another client id"):
        verify(
            public_key,
            "POST",
            "/p",
            headers,
            b"{}",
            time_header="response-time",
            expected_client_id="C2",
        )
    for missing in ("signature", "response-time"):
        partial = {k: v for k, v in headers.items() if k != missing}
        with pytest.raises(SignatureError, match="missing"):
            verify(public_key, "POST", "/p", partial, b"{}", time_header="response-time")
    other = signing.generate_private_key()
    with pytest.raises(SignatureError):
        verify(other.public_key(), "POST", "/p", headers, b"{}", time_header="response-time")


# -- keys ----------------------------------------------------------------------------------


def _bare(pem: bytes) -> str:
    return "".join(line for line in pem.decode().splitlines() if not line.startswith("-----"))


@pytest.fixture(scope="module")
def key_forms(private_key) -> dict[str, bytes]:
    p = private_key
    pub = p.public_key()
    pkcs8 = p.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pkcs1 = PRIVATE_PEM.encode()
    return {
        "pkcs1_pem": pkcs1,
        "pkcs8_pem": pkcs8,
        "pkcs1_bare": _bare(pkcs1).encode(),
        "pkcs8_bare": _bare(pkcs8).encode(),
        "pkcs1_bare_multiline": "\n".join(
            _bare(pkcs1)[i : i + 64] for i in range(0, len(_bare(pkcs1)), 64)
        ).encode(),
        "spki_pem": PUBLIC_PEM.encode(),
        "spki_bare": signing.public_key_bare_base64(pub).encode(),
        "pkcs1_pub_pem": pub.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        ),
        "pkcs1_pub_bare": _bare(
            pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        ).encode(),
    }


@pytest.mark.parametrize(
    "form", ["pkcs1_pem", "pkcs8_pem", "pkcs1_bare", "pkcs8_bare", "pkcs1_bare_multiline"]
)
def test_private_key_forms_load_to_the_same_key(key_forms, form, private_key, tmp_path) -> None:
    path = tmp_path / f"{form}.key"
    path.write_bytes(key_forms[form])
    key = signing.load_private_key(path)
    assert key.private_numbers() == private_key.private_numbers()
    # the loaded key reproduces the SDK's signature
    case = VECTORS[0]
    assert quote_plus(signing.sign(key, _content(case))) == case["signature_urlencoded"]


@pytest.mark.parametrize("form", ["spki_pem", "spki_bare", "pkcs1_pub_pem", "pkcs1_pub_bare"])
def test_public_key_forms_load_to_the_same_key(key_forms, form, public_key, tmp_path) -> None:
    path = tmp_path / f"{form}.pub"
    path.write_bytes(key_forms[form])
    assert signing.load_public_key(path).public_numbers() == public_key.public_numbers()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bad_private_keys_name_the_file_and_the_fault(tmp_path, key_forms, private_key) -> None:
    encrypted = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    legacy_encrypted = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw"),
    )
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = key_forms["pkcs1_pem"]
    cases = {
        "encrypted.pem": (encrypted, "encrypted"),
        "legacy-encrypted.pem": (legacy_encrypted, "encrypted"),
        "ec.pem": (ec_key, "not an RSA key"),
        "small.pem": (small, "1024 bits"),
        "truncated.pem": (pem[: len(pem) // 2], "truncated"),
        "cut-body.pem": (pem[:200] + b"\n-----END RSA PRIVATE KEY-----\n", "not"),
        "bare-truncated.txt": (key_forms["pkcs1_bare"][:300], "not"),
        "public.pem": (key_forms["spki_pem"], "public key, not a private key"),
        "public-bare.txt": (key_forms["spki_bare"], "public key"),
        "garbage.txt": (b"hello world!", "not valid PEM or Base64"),
        "empty.pem": (b"", "empty"),
        "binary.der": (b"\x30\x82\xff\x00\x01", "not a text key"),
    }
    for name, (data, fault) in cases.items():
        path = _write(tmp_path, name, data)
        with pytest.raises(KeyFormatError) as info:
            signing.load_private_key(path)
        assert str(path) in info.value.message, name
        assert fault in info.value.message, (name, info.value.message)
    with pytest.raises(KeyFormatError, match="cannot read"):
        signing.load_private_key(tmp_path / "missing.pem")


def test_bad_public_keys_name_the_file_and_the_fault(tmp_path, key_forms) -> None:
    ec_pub = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    spki = key_forms["spki_pem"]
    cases = {
        "ec.pub": (ec_pub, "not an RSA key"),
        "private.pem": (key_forms["pkcs1_pem"], "private key"),
        "private-bare.txt": (key_forms["pkcs8_bare"], "private key"),
        "truncated.pub": (spki[: len(spki) // 2], "truncated"),
        "damaged.pub": (
            base64.b64encode(base64.b64decode(_bare(spki))[:100]),
            "truncated or damaged",
        ),
    }
    for name, (data, fault) in cases.items():
        path = _write(tmp_path, name, data)
        with pytest.raises(KeyFormatError) as info:
            signing.load_public_key(path)
        assert str(path) in info.value.message
        assert fault in info.value.message, (name, info.value.message)


def test_keys_match(private_key, public_key) -> None:
    assert signing.keys_match(private_key, public_key)
    assert not signing.keys_match(private_key, signing.generate_private_key().public_key())


def test_public_key_inside_an_x509_certificate_is_used(tmp_path: Path) -> None:
    import datetime as _dt

    from cryptography import x509 as _x509
    from cryptography.hazmat.primitives import hashes as _hashes
    from cryptography.x509.oid import NameOID

    key = signing.generate_private_key()
    name = _x509.Name([_x509.NameAttribute(NameOID.COMMON_NAME, "antom-test")])
    now = _dt.datetime.now(_dt.UTC)
    cert = (
        _x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + _dt.timedelta(days=1))
        .sign(key, _hashes.SHA256())
    )
    path = tmp_path / "antom.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    loaded = signing.load_public_key(path)
    assert signing.keys_match(key, loaded)
    broken = tmp_path / "broken.crt"
    broken.write_text("-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(KeyFormatError, match=r"broken\.crt: the certificate is damaged"):
        signing.load_public_key(broken)
