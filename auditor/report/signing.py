"""Keys, certificates and CMS (PKCS#7) detached signatures over report.json.

Signing uses `cryptography`'s PKCS7 builder (ECDSA P-256 or RSA keys; Ed25519 is not
usable in CMS). Verification: pyHanko's CMS validation checks the content type and message
digest attributes and the signature over them (any algorithm it allows, RSA-PSS included),
so that `openssl cms -verify` and `auditor verify` are two independent judges; the
certificate path is validated by `cryptography.x509.verification` (a maintained RFC 5280
validator). Nothing of either is written by hand here.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Generic, TypeVar

from asn1crypto import cms as acms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from auditor.errors import SigningError
from auditor.fileio import atomic_write

T = TypeVar("T")

KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"
CHAIN_FILE = "chain.pem"
SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Signer:
    key: SigningKey
    cert: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)


def _check_key_dir(key_dir: Path) -> None:
    """The key folder (or what it links to) is ours alone: owned by us, writable by no one
    else — otherwise another user could swap the key or the certificate."""
    try:
        info = os.stat(key_dir)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        raise SigningError("keys.dir_unsafe", str(key_dir))
    if info.st_mode & 0o022 or info.st_uid != os.geteuid():
        raise SigningError("keys.dir_unsafe", f"{key_dir} {oct(info.st_mode & 0o777)}")


def _make_key_dir(key_dir: Path) -> None:
    _check_key_dir(key_dir)
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_dir.chmod(0o700)


def _encryption(passphrase: bytes | None) -> serialization.KeySerializationEncryption:
    if passphrase:
        return serialization.BestAvailableEncryption(passphrase)
    return serialization.NoEncryption()


def init_keys(
    key_dir: Path,
    organisation: str,
    *,
    commune: str | None = None,
    province: str | None = None,
    passphrase: bytes | None = None,
    days: int = 1095,
    force: bool = False,
    valid_from: datetime | None = None,
) -> Signer:
    """Create an ECDSA P-256 key (0600) and a self-signed certificate naming the organisation
    (valid from now, or from `valid_from` for generated demo histories)."""
    _check_key_dir(key_dir)
    if (key_dir / KEY_FILE).exists() and not force:
        raise SigningError("keys.exists", str(key_dir / KEY_FILE))
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation[:40]} (commune-auditor)"),
    ]
    if province:
        attrs.insert(1, x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province[:64]))
    if commune:
        attrs.insert(1, x509.NameAttribute(NameOID.LOCALITY_NAME, commune[:64]))
    name = x509.Name(attrs)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _make_key_dir(key_dir)
    _store(key_dir, key, cert, [], passphrase)
    return Signer(key, cert)


def import_p12(
    key_dir: Path, p12_bytes: bytes, passphrase: bytes | None, *, force: bool = False
) -> Signer:
    """Take key, certificate and chain from a PKCS#12 (.p12/.pfx) issued by a real CA."""
    _check_key_dir(key_dir)
    if (key_dir / KEY_FILE).exists() and not force:
        raise SigningError("keys.exists", str(key_dir / KEY_FILE))
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(p12_bytes, passphrase)
    except ValueError:
        raise SigningError("keys.p12_unreadable") from None
    if cert is None or not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningError("keys.p12_unsupported")
    _make_key_dir(key_dir)
    _store(key_dir, key, cert, list(chain), passphrase)
    return Signer(key, cert, list(chain))


def _store(
    key_dir: Path,
    key: SigningKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    passphrase: bytes | None,
) -> None:
    atomic_write(
        key_dir / KEY_FILE,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _encryption(passphrase)
        ),
        mode=0o600,
    )
    atomic_write(key_dir / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    chain_path = key_dir / CHAIN_FILE
    if chain:
        pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        atomic_write(chain_path, pem, mode=0o644)
    elif chain_path.exists():
        chain_path.unlink()


def load_signer(key_dir: Path, passphrase: bytes | None) -> Signer:
    _check_key_dir(key_dir)
    key_path, cert_path = key_dir / KEY_FILE, key_dir / CERT_FILE
    if not key_path.exists() or not cert_path.exists():
        raise SigningError("keys.missing", str(key_dir))
    mode = key_path.stat().st_mode & 0o077
    if mode:
        raise SigningError("keys.too_open", f"{key_path} {oct(key_path.stat().st_mode & 0o777)}")
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), passphrase)
    except TypeError:
        raise SigningError("keys.passphrase_needed") from None
    except ValueError:
        raise SigningError("keys.bad_passphrase") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningError("keys.p12_unsupported")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    chain_path = key_dir / CHAIN_FILE
    chain = x509.load_pem_x509_certificates(chain_path.read_bytes()) if chain_path.exists() else []
    return Signer(key, cert, chain)


def sign_detached(content: bytes, signer: Signer) -> bytes:
    """DER CMS SignedData, detached, over the exact bytes (no MIME canonicalisation)."""
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(signer.cert, signer.key, hashes.SHA256())
    )
    for extra in signer.chain:
        builder = builder.add_certificate(extra)
    return builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )


@dataclass
class SignatureCheck:
    intact: bool = False
    trusted: bool = False
    signer_subject: str = ""
    signer_cert: x509.Certificate | None = None
    signing_time: datetime | None = None
    problems: list[str] = field(default_factory=list)


_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


def verify_detached(
    content: bytes | IO[bytes],
    signature: bytes,
    anchors: list[x509.Certificate],
    *,
    at: datetime | None = None,
) -> SignatureCheck:
    """Check a detached CMS signature and whether its signer chains to one of `anchors`.

    The digest and signature are checked here (an independent judge beside `openssl cms`);
    the certificate path is validated by `cryptography.x509.verification`, never by hand.
    `at` is the moment the certificates must be valid at: the receiver passes "now"; by
    default it is the signing time the signature carries. `content` may be a file (read
    from its start in slices, so that a large report is never held whole for this).
    """
    result = SignatureCheck()
    try:
        info = acms.ContentInfo.load(signature)
        signed = info["content"]
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError("one signer expected")
        signer_info = signer_infos[0]
        certs = [
            x509.load_der_x509_certificate(c.chosen.dump())
            for c in signed["certificates"]
            if c.name == "certificate"
        ]
        sid = signer_info["sid"]
        cert = _find_signer(sid.name, sid.chosen, certs)
    except (ValueError, KeyError, IndexError, TypeError):
        result.problems.append("verify.signature_unreadable")
        return result
    if cert is None:
        result.problems.append("verify.no_signer_cert")
        return result
    result.signer_subject = cert.subject.rfc4514_string()
    result.signer_cert = cert
    problem = _check_signature(content, signer_info, cert, result)
    if problem:
        result.problems.append(problem)
        return result
    result.intact = True
    when = at or result.signing_time or datetime.now(UTC)
    problem = validate_path(cert, certs, anchors, when)
    result.trusted = problem is None
    if problem:
        result.problems.append(problem)
    return result


def _find_signer(kind: str, sid: object, certs: list[x509.Certificate]) -> x509.Certificate | None:
    """The certificate the SignerInfo names: by issuer + serial, or by subjectKeyIdentifier."""
    for cert in certs:
        if kind == "issuer_and_serial_number":
            assert isinstance(sid, acms.IssuerAndSerialNumber)
            if (
                cert.serial_number == sid["serial_number"].native
                and cert.issuer.public_bytes() == sid["issuer"].dump()
            ):
                return cert
        elif kind == "subject_key_identifier":
            assert isinstance(sid, acms.OctetString)
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            except x509.ExtensionNotFound:
                continue
            if ski.digest == sid.native:
                return cert
    return None


def _check_signature(
    content: bytes | IO[bytes],
    signer_info: acms.SignerInfo,
    cert: x509.Certificate,
    result: SignatureCheck,
) -> str | None:
    """The content's digest, the signed attributes (content type, message digest) and the
    signature over them, checked by pyHanko's CMS validation (maintained; RSA-PSS, ECDSA,
    EdDSA, the algorithm allow-list) rather than by hand; only SHA-2 digests are accepted."""
    from asn1crypto import x509 as ax509
    from pyhanko.sign.general import (
        CMSExtractionError,
        CMSStructuralError,
        MultivaluedAttributeError,
        NonexistentAttributeError,
    )
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import (
        extract_self_reported_ts,
        validate_sig_integrity,
    )
    from pyhanko_certvalidator.errors import DisallowedAlgorithmError

    hasher = _HASHES.get(signer_info["digest_algorithm"]["algorithm"].native)
    if hasher is None or not signer_info["signed_attrs"]:
        return "verify.unsupported_signature"
    digest = hashes.Hash(hasher)
    if isinstance(content, bytes):
        digest.update(content)
    else:
        content.seek(0)
        while chunk := content.read(1 << 20):
            digest.update(chunk)
    try:
        matches, valid = validate_sig_integrity(
            signer_info,
            ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            "data",
            digest.finalize(),
        )
        signing_time = extract_self_reported_ts(signer_info)
    except (
        SignatureValidationError,  # no or another content type, a wrong signing-cert attribute
        DisallowedAlgorithmError,
        CMSStructuralError,
        CMSExtractionError,
        NonexistentAttributeError,  # no message digest
        MultivaluedAttributeError,
        ValueError,
        KeyError,
        TypeError,
    ):
        return "verify.unsupported_signature"
    if not matches:
        return "verify.content_changed"
    if not valid:
        return "verify.bad_signature"
    result.signing_time = signing_time
    return None


def _signing_key_usage(_policy: Policy, _cert: x509.Certificate, usage: x509.KeyUsage) -> None:
    if not (usage.digital_signature or usage.content_commitment):
        raise ValueError("key usage allows neither digitalSignature nor nonRepudiation")


def validate_path(
    cert: x509.Certificate,
    pool: list[x509.Certificate],
    anchors: list[x509.Certificate],
    when: datetime,
) -> str | None:
    """RFC 5280 path validation by `cryptography`: CA basic constraints, keyCertSign, path
    length, every certificate valid at `when`, and a signer key usage that allows signing.
    Returns a problem code, or None when the signer chains to an anchor."""
    if when < cert.not_valid_before_utc:
        return "verify.cert_not_yet_valid"
    if when > cert.not_valid_after_utc:
        return "verify.cert_expired"
    if not anchors:
        return "verify.untrusted_signer"
    ee_policy = ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, Criticality.AGNOSTIC, _signing_key_usage
    )
    verifier = (
        PolicyBuilder()
        .store(_trust_store(anchors))
        .time(when)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy)
        .build_client_verifier()
    )
    try:
        verifier.verify(cert, [c for c in pool if c != cert])
    except VerificationError:
        return "verify.untrusted_signer"
    return None


class PerAnchors(Generic[T]):
    """A value derived from a list of trust anchors, made once per list and kept for the
    last few lists: a province trusts thousands of commune certificates, and building their
    trust store took 3.7 ms of each upload's 11. Kept by the very certificate objects (held
    here, so no id is reused): a list changed in any way gets a new value."""

    def __init__(self, make: Callable[[list[x509.Certificate]], T], size: int = 4) -> None:
        self._make, self._size = make, size
        self._kept: list[tuple[tuple[x509.Certificate, ...], T]] = []  # newest first
        self._lock = threading.Lock()

    def __call__(self, anchors: list[x509.Certificate]) -> T:
        with self._lock:
            for held, value in self._kept:
                if len(held) == len(anchors) and all(
                    a is b for a, b in zip(held, anchors, strict=True)
                ):
                    return value
        value = self._make(anchors)
        with self._lock:
            self._kept.insert(0, (tuple(anchors), value))
            del self._kept[self._size :]
        return value


_trust_store = PerAnchors(lambda anchors: Store(list(anchors)))


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
