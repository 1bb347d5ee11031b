"""A small real PKI for tests: a province CA, commune leaves it issues, and the forgeries an
attacker would try (a leaf used as an issuer, an expired or not-yet-valid certificate)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from auditor.report.signing import Signer


@dataclass(frozen=True)
class Issued:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def signer(self, *chain: Issued) -> Signer:
        return Signer(self.key, self.cert, [c.cert for c in chain])

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """cert and key as PEM files (for the openssl binary)."""
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        return cert_path, key_path


def key_usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    organisation: str,
    issuer: Issued | None = None,
    *,
    ca: bool = False,
    start: datetime | None = None,
    days: int = 365,
    usage: x509.KeyUsage | None = None,
    person: str | None = None,
    title: str | None = None,
) -> Issued:
    """A certificate for `organisation` (or for `person` with `title` in it), signed by
    `issuer` (self-signed without one)."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
    ]
    if title:
        attributes.append(x509.NameAttribute(NameOID.TITLE, title))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, person or organisation))
    name = x509.Name(attributes)
    begin = start or datetime.now(UTC) - timedelta(days=1)
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(begin)
        .not_valid_after(begin + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage or key_usage(ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    return Issued(key, builder.sign(signing_key, hashes.SHA256()))


def openssl_sign(content: Path, signer: Path, key: Path, out: Path, *extra: str) -> None:
    """`openssl cms -sign` detached, DER — e.g. with `-keyid` (signer named by its SKI)."""
    subprocess.run(
        [
            *("openssl", "cms", "-sign", "-binary", "-outform", "DER", "-in", str(content)),
            *("-signer", str(signer), "-inkey", str(key), "-out", str(out), *extra),
        ],
        check=True,
        capture_output=True,
    )


def p12(issued: Issued, path: Path, password: bytes, *chain: Issued) -> Path:
    """The key and certificate (with its chain) as a PKCS#12 file, as a CA hands them out."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer",
            issued.key,
            issued.cert,
            [c.cert for c in chain] or None,
            serialization.BestAvailableEncryption(password),
        )
    )
    return path


def ink_png(
    path: Path, colour: tuple[int, int, int], *, alpha: bool = True, size: int = 240
) -> Path:
    """A signature-like stroke (or a seal-like ring) in `colour` on a transparent background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA" if alpha else "RGB", (size, size), (0, 0, 0, 0) if alpha else "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, size - 10, size - 10), outline=(*colour, 255), width=12)
    draw.line((30, size // 2, size - 30, size // 3), fill=(*colour, 255), width=8)
    image.save(path, "PNG")
    return path
