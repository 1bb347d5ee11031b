"""Signing keys: 0600 files, passphrases, PKCS#12 from a CA, and refusal of loose keys."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from auditor.report.signing import (
    SigningError,
    import_p12,
    init_keys,
    load_signer,
    sign_detached,
    verify_detached,
)
from tests.helpers import openssl_verify
from tests.pki import key_usage


def test_init_creates_private_key_0600_and_names_the_organisation(tmp_path: Path) -> None:
    signer = init_keys(tmp_path / "k", "UBND xã Mường La", commune="xã Mường La", province="Sơn La")
    mode = stat.S_IMODE((tmp_path / "k" / "key.pem").stat().st_mode)
    assert mode == 0o600
    org = signer.cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert org == "UBND xã Mường La"
    with pytest.raises(SigningError) as caught:
        init_keys(tmp_path / "k", "again")
    assert caught.value.code == "keys.exists"


def test_passphrase_protected_key(tmp_path: Path) -> None:
    init_keys(tmp_path / "k", "UBND", passphrase=b"correct horse")
    assert b"ENCRYPTED" in (tmp_path / "k" / "key.pem").read_bytes()
    with pytest.raises(SigningError) as caught:
        load_signer(tmp_path / "k", None)
    assert caught.value.code == "keys.passphrase_needed"
    with pytest.raises(SigningError) as caught:
        load_signer(tmp_path / "k", b"wrong")
    assert caught.value.code == "keys.bad_passphrase"
    assert load_signer(tmp_path / "k", b"correct horse").cert is not None


def test_world_readable_key_is_refused(tmp_path: Path) -> None:
    init_keys(tmp_path / "k", "UBND")
    (tmp_path / "k" / "key.pem").chmod(0o644)
    with pytest.raises(SigningError) as caught:
        load_signer(tmp_path / "k", None)
    assert caught.value.code == "keys.too_open"


def make_ca_issued_p12(tmp_path: Path) -> tuple[bytes, Path]:
    """A CA (like the official-use CA) issuing an RSA certificate to the commune."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA Chuyên dùng")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND xã Thử")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(key_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    p12 = pkcs12.serialize_key_and_certificates(
        b"commune", key, leaf, [ca], serialization.BestAvailableEncryption(b"p12-pass")
    )
    return p12, ca_path


def test_p12_import_signs_verifiably_against_the_ca(tmp_path: Path) -> None:
    p12, ca_path = make_ca_issued_p12(tmp_path)
    with pytest.raises(SigningError):
        import_p12(tmp_path / "k", p12, b"wrong")
    signer = import_p12(tmp_path / "k", p12, b"p12-pass")
    content = b'{"report": true}\n'
    signature = sign_detached(content, signer)
    ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
    check = verify_detached(content, signature, [ca])
    assert check.intact and check.trusted, check.problems
    (tmp_path / "report.json").write_bytes(content)
    (tmp_path / "report.json.p7s").write_bytes(signature)
    run = openssl_verify(tmp_path, ca_path)
    assert run.returncode == 0, run.stderr


def test_cli_keys_init_and_show(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("s3cret-passphrase\n")
    secret.chmod(0o600)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "--lang",
            "en",
            "keys",
            "init",
            "--org",
            "UBND xã Thử",
            "--key-dir",
            str(tmp_path / "k"),
            "--passphrase-file",
            str(secret),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "s3cret-passphrase" not in run.stdout + run.stderr
    assert load_signer(tmp_path / "k", b"s3cret-passphrase") is not None
    show = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "keys", "show", "--key-dir", str(tmp_path / "k")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "UBND xã Thử" in show.stdout and "SHA256" in show.stdout
