"""Signatures as an attacker would try them: a leaf posing as a CA, a signer named by its key
identifier, expired certificates, a path too long, a key not meant for signing. Each verdict
is checked by our code and by the `openssl` binary."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from auditor.report.signing import sign_detached, verify_detached
from tests.helpers import auditor_cli, openssl_verify
from tests.pki import Issued, issue, openssl_sign
from tests.reportkit import build

CONTENT = b'{"report": "x"}\n'


def _pem(directory: Path, cert: x509.Certificate, name: str = "ca.pem") -> Path:
    path = directory / name
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def province_ca() -> Issued:
    return issue("Sở KH&CN tỉnh Thử (CA)", ca=True, days=3650)


def test_leaf_of_the_ca_cannot_mint_a_certificate_for_another_commune(
    tmp_path: Path, province_ca: Issued
) -> None:
    commune_a = issue("UBND xã A", province_ca)
    forged_b = issue("UBND xã B", commune_a)  # A's CA:FALSE leaf used as an issuer
    ca_pem = _pem(tmp_path, province_ca.cert)

    honest = verify_detached(
        CONTENT, sign_detached(CONTENT, commune_a.signer()), [province_ca.cert]
    )
    assert honest.intact and honest.trusted, honest.problems

    forged = verify_detached(
        CONTENT, sign_detached(CONTENT, forged_b.signer(commune_a)), [province_ca.cert]
    )
    assert forged.intact and not forged.trusted
    assert forged.problems == ["verify.untrusted_signer"]

    # the same forgery in a real report directory: `auditor verify` and openssl both refuse
    _report, _signer, out = build(tmp_path, signer=forged_b.signer(commune_a))
    run = auditor_cli(
        "--lang", "en", "verify", str(out), "--ca", str(ca_pem), home=tmp_path / "home"
    )
    assert run.returncode == 1
    assert "not trusted" in run.stderr
    assert openssl_verify(out, ca_pem).returncode != 0


def test_forged_chain_report_verifies_when_signed_by_the_real_leaf(
    tmp_path: Path, province_ca: Issued
) -> None:
    """The near miss: the same chain shape signed by the CA's own leaf is accepted by both."""
    commune_a = issue("UBND xã A", province_ca)
    ca_pem = _pem(tmp_path, province_ca.cert)
    _report, _signer, out = build(tmp_path, signer=commune_a.signer(province_ca))
    run = auditor_cli("verify", str(out), "--ca", str(ca_pem), home=tmp_path / "home")
    assert run.returncode == 0, run.stderr
    assert openssl_verify(out, ca_pem).returncode == 0


def test_path_length_of_the_ca_is_enforced(tmp_path: Path) -> None:
    root = issue("Root", ca=True)
    root = Issued(root.key, _with_path_length(root, 0))
    sub = issue("Sub CA", root, ca=True)
    leaf = issue("UBND xã C", sub)
    check = verify_detached(CONTENT, sign_detached(CONTENT, leaf.signer(sub)), [root.cert])
    assert not check.trusted and check.problems == ["verify.untrusted_signer"]
    ok = verify_detached(CONTENT, sign_detached(CONTENT, leaf.signer(sub)), [sub.cert])
    assert ok.trusted, ok.problems


def _with_path_length(ca: Issued, length: int) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(ca.cert.subject)
        .issuer_name(ca.cert.subject)
        .public_key(ca.key.public_key())
        .serial_number(ca.cert.serial_number)
        .not_valid_before(ca.cert.not_valid_before_utc)
        .not_valid_after(ca.cert.not_valid_after_utc)
    )
    for ext in ca.cert.extensions:
        value = ext.value
        if isinstance(value, x509.BasicConstraints):
            value = x509.BasicConstraints(ca=True, path_length=length)
        builder = builder.add_extension(value, critical=ext.critical)
    return builder.sign(ca.key, hashes.SHA256())


def test_signer_key_must_allow_signing(province_ca: Issued) -> None:
    encipher_only = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    leaf = issue("UBND xã D", province_ca, usage=encipher_only)
    check = verify_detached(CONTENT, sign_detached(CONTENT, leaf.signer()), [province_ca.cert])
    assert check.intact and not check.trusted


def test_expired_and_future_certificates_are_refused_at_the_time_asked(
    province_ca: Issued,
) -> None:
    now = datetime.now(UTC)
    expired = issue("UBND xã E", province_ca, start=now - timedelta(days=40), days=30)
    future = issue("UBND xã F", province_ca, start=now + timedelta(days=5))
    for leaf, code in ((expired, "verify.cert_expired"), (future, "verify.cert_not_yet_valid")):
        check = verify_detached(
            CONTENT, sign_detached(CONTENT, leaf.signer()), [province_ca.cert], at=now
        )
        assert check.intact and not check.trusted
        assert check.problems == [code]


def test_signer_identified_by_subject_key_identifier(tmp_path: Path, province_ca: Issued) -> None:
    """`openssl cms -sign -keyid` names the signer by SKI: verified, not a traceback."""
    commune = issue("UBND xã G", province_ca)
    ca_pem = _pem(tmp_path, province_ca.cert)
    _report, _signer, out = build(tmp_path, signer=commune.signer())
    cert_path, key_path = commune.write(tmp_path, "leaf")
    openssl_sign(out / "report.json", cert_path, key_path, out / "report.json.p7s", "-keyid")
    assert openssl_verify(out, ca_pem).returncode == 0
    check = verify_detached(
        (out / "report.json").read_bytes(),
        (out / "report.json.p7s").read_bytes(),
        [province_ca.cert],
    )
    assert check.intact and check.trusted, check.problems
    run = auditor_cli("verify", str(out), "--ca", str(ca_pem), home=tmp_path / "home")
    assert run.returncode == 0, run.stderr
    # near miss: a different leaf with the same subject is not the signer the SKI names
    other = issue("UBND xã G", province_ca)
    tampered = verify_detached(
        (out / "report.json").read_bytes(),
        _swap_certificate((out / "report.json.p7s").read_bytes(), other.cert),
        [province_ca.cert],
    )
    assert not tampered.intact and tampered.problems == ["verify.no_signer_cert"]


def _swap_certificate(signature: bytes, cert: x509.Certificate) -> bytes:
    info = cms.ContentInfo.load(signature)
    der = cert.public_bytes(serialization.Encoding.DER)
    info["content"]["certificates"] = [
        cms.CertificateChoices(name="certificate", value=asn1_x509.Certificate.load(der))
    ]
    return bytes(info.dump())


def test_the_trust_store_follows_the_anchors_asked_for(province_ca: Issued) -> None:
    """The store of anchors is built once per list (a province trusts thousands of commune
    certificates); a cached store must never lend its trust to another list, nor to the
    same list changed in place."""
    other_ca = issue("Sở KH&CN tỉnh Khác (CA)", ca=True, days=3650)
    signature = sign_detached(CONTENT, issue("UBND xã A", province_ca).signer())
    ours, theirs = [province_ca.cert], [other_ca.cert]
    assert verify_detached(CONTENT, signature, ours).trusted
    assert not verify_detached(CONTENT, signature, theirs).trusted
    assert verify_detached(CONTENT, signature, ours).trusted
    # the same certificate, read again into another object: still trusted
    again = x509.load_pem_x509_certificate(
        province_ca.cert.public_bytes(serialization.Encoding.PEM)
    )
    assert verify_detached(CONTENT, signature, [again]).trusted
    # one list, changed in place: trust follows what it holds now
    theirs.append(province_ca.cert)
    assert verify_detached(CONTENT, signature, theirs).trusted
    ours[0] = other_ca.cert
    assert not verify_detached(CONTENT, signature, ours).trusted
    ours.clear()
    assert verify_detached(CONTENT, signature, ours).problems == ["verify.untrusted_signer"]


def _rsa_leaf(ca: Issued, name: str) -> Issued:
    """An RSA-2048 signing certificate under `ca` (the pki helper makes EC keys)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.pki import key_usage

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]  # type: ignore[attr-defined]
    )
    begin = datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(begin)
        .not_valid_after(begin + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(False), critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(key, cert)  # type: ignore[arg-type]


def _hand_made(
    content: bytes, leaf: Issued, *, content_type: str = "data", digest_of: bytes | None = None
) -> bytes:
    """A detached CMS signature built attribute by attribute (ECDSA), so that its content
    type or message digest can be made wrong while the signature over them stays valid."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import ec

    der = leaf.cert.public_bytes(serialization.Encoding.DER)
    attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": [content_type]}),
            cms.CMSAttribute(
                {
                    "type": "message_digest",
                    "values": [
                        hashlib.sha256(content if digest_of is None else digest_of).digest()
                    ],
                }
            ),
        ]
    )
    signature = leaf.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    certificate = asn1_x509.Certificate.load(der)
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value=cms.IssuerAndSerialNumber(
                    {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
                ),
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
    )
    signed = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [certificate],
            "signer_infos": [signer],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def test_rsa_pkcs1_rsa_pss_and_ecdsa_signers_and_wrong_attributes(
    tmp_path: Path, province_ca: Issued
) -> None:
    """RSA PKCS#1 v1.5 (our own signer), RSA-PSS (openssl's -keyopt) and ECDSA signatures
    verify, by our code and by openssl; a wrong content type or a wrong message digest is
    refused even though the signature over the attributes is itself valid."""
    ca_pem = _pem(tmp_path, province_ca.cert)
    content = tmp_path / "report.json"
    content.write_bytes(CONTENT)

    rsa_leaf = _rsa_leaf(province_ca, "UBND xã RSA")
    pkcs1 = sign_detached(CONTENT, rsa_leaf.signer())
    cert_path, key_path = rsa_leaf.write(tmp_path, "rsa")
    pss_path = tmp_path / "pss.p7s"
    openssl_sign(content, cert_path, key_path, pss_path, "-keyopt", "rsa_padding_mode:pss")
    assert "rsassaPss" in cms.ContentInfo.load(pss_path.read_bytes())["content"]["signer_infos"][0][
        "signature_algorithm"
    ]["algorithm"].dotted.replace("1.2.840.113549.1.1.10", "rsassaPss")
    ecdsa = sign_detached(CONTENT, issue("UBND xã EC", province_ca).signer())
    for signature in (pkcs1, pss_path.read_bytes(), ecdsa):
        check = verify_detached(CONTENT, signature, [province_ca.cert])
        assert check.intact and check.trusted, check.problems
        (tmp_path / "sig.p7s").write_bytes(signature)
        openssl = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
             "-in", str(tmp_path / "sig.p7s"), "-content", str(content),
             "-CAfile", str(ca_pem), "-purpose", "any", "-out", "/dev/null"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert openssl.returncode == 0, openssl.stderr

    leaf = issue("UBND xã Thử", province_ca)
    good = verify_detached(CONTENT, _hand_made(CONTENT, leaf), [province_ca.cert])
    assert good.intact and good.trusted, good.problems  # the hand-made shape itself is right
    other_type = verify_detached(
        CONTENT, _hand_made(CONTENT, leaf, content_type="signed_data"), [province_ca.cert]
    )
    assert not other_type.intact and other_type.problems == ["verify.unsupported_signature"]
    other_digest = verify_detached(
        CONTENT, _hand_made(CONTENT, leaf, digest_of=b"something else"), [province_ca.cert]
    )
    assert not other_digest.intact and other_digest.problems == ["verify.content_changed"]
