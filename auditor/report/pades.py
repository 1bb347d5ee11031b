"""PAdES signatures on the PDF report (pyHanko): from the auditor's key file, a PKCS#12, or
a PKCS#11 token such as the official-use USB token; verification for `auditor verify`.

B-B by default; B-T when a time-stamp authority URL is given. The signature field is visible
in the report's signature block. A PIN is taken from a protected file or asked for, never
logged or written anywhere.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auditor.errors import SigningError
from auditor.fileio import atomic_write, read_regular
from auditor.report.model import Report
from auditor.report.outputs import PDF
from auditor.report.pdf import RenderedPdf, render_pdf
from auditor.report.signing import CERT_FILE, CHAIN_FILE, KEY_FILE

if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import Signer

MAX_PDF = 200 * 1024 * 1024  # a report PDF is a few MB

FIELD_NAME = "ChuKySo"  # the preparer's signature, made with the report
HEAD_FIELD_NAME = "ChuKyLanhDao"  # the head's, added later by `auditor cosign`


@dataclass(frozen=True)
class KeyFileSigner:
    """The auditor's own key.pem/cert.pem (what `keys init` or `keys import` produced)."""

    key_dir: Path
    passphrase: bytes | None


@dataclass(frozen=True)
class Pkcs12Signer:
    path: Path
    passphrase: bytes | None


@dataclass(frozen=True)
class TokenSigner:
    """A PKCS#11 token: module path, slot or token label, key label, PIN."""

    module: Path
    pin: str = field(repr=False)
    key_label: str
    slot: int | None = None
    token_label: str | None = None
    cert_label: str | None = None
    cert_file: Path | None = None  # when the token holds the key but not the certificate


SignerSpec = KeyFileSigner | Pkcs12Signer | TokenSigner


def _load_signer(spec: SignerSpec) -> Signer:
    from pyhanko.sign import signers

    if isinstance(spec, KeyFileSigner):
        chain = spec.key_dir / CHAIN_FILE
        simple: Signer | None = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
            str(spec.key_dir / KEY_FILE),
            str(spec.key_dir / CERT_FILE),
            ca_chain_files=(str(chain),) if chain.exists() else None,
            key_passphrase=spec.passphrase,
        )
        if simple is None:
            raise SigningError("keys.bad_passphrase")
        return simple
    if isinstance(spec, Pkcs12Signer):
        p12: Signer | None = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            str(spec.path), passphrase=spec.passphrase
        )
        if p12 is None:
            raise SigningError("keys.p12_unreadable")
        return p12
    return _token_signer(spec)


def _token_signer(spec: TokenSigner) -> Signer:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            str(spec.module),
            slot_no=spec.slot,
            token_criteria=TokenCriteria(label=spec.token_label) if spec.token_label else None,
            user_pin=spec.pin,
        )
    except Exception as exc:  # python-pkcs11 raises many types; the message may not leak a PIN
        raise SigningError("keys.token_unavailable", type(exc).__name__) from None
    cert = None
    if spec.cert_file is not None:
        der = x509.load_pem_x509_certificate(spec.cert_file.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
        cert = ax509.Certificate.load(der)
    ecdsa = cert is not None and cert.public_key.algorithm == "ec"
    return PKCS11Signer(
        session,
        key_label=spec.key_label,
        cert_label=spec.cert_label,
        signing_cert=cert,
        use_raw_mechanism=ecdsa,  # many tokens (SoftHSM too) offer only raw CKM_ECDSA
    )


BINDING_PREFIX = "commune-auditor:"


def binding_keywords(report_id: str, report_sha256: str) -> list[str]:
    """What ties a PDF to the report.json it was rendered from, in the signed document info."""
    return [f"{BINDING_PREFIX}report_id={report_id}", f"{BINDING_PREFIX}sha256={report_sha256}"]


def sign_pdf(
    rendered: RenderedPdf,
    spec: SignerSpec,
    *,
    reason: str,
    location: str,
    tsa_url: str | None = None,
    keywords: list[str] | None = None,
) -> bytes:
    """Add a visible PAdES signature in the signature block of the rendered report; the
    `keywords` (the report binding) go into the document info inside the signed revision."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    signer = _load_signer(spec)
    writer = IncrementalPdfFileWriter(BytesIO(rendered.data))
    if keywords:
        writer.document_meta.keywords = keywords
    x1, y1, x2, y2 = (round(v) for v in rendered.signature_box)
    fields.append_signature_field(
        writer,
        fields.SigFieldSpec(FIELD_NAME, on_page=rendered.signature_page, box=(x1, y1, x2, y2)),
    )
    if rendered.head_box is not None and rendered.head_page is not None:
        # the head's empty field is part of what the preparer signs; filling it later is
        # a permitted change that leaves the first signature valid
        hx1, hy1, hx2, hy2 = (round(v) for v in rendered.head_box)
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                HEAD_FIELD_NAME, on_page=rendered.head_page, box=(hx1, hy1, hx2, hy2)
            ),
        )
    return _sign_field(writer, signer, FIELD_NAME, rendered.stamp, reason, location, tsa_url)


def _sign_field(
    writer: IncrementalPdfFileWriter,
    signer: Signer,
    field_name: str,
    stamp_pdf: bytes,
    reason: str,
    location: str,
    tsa_url: str | None,
) -> bytes:
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.stamp import StaticStampStyle

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    stamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    out = BytesIO()
    # The visible appearance is a small page WeasyPrint drew with the report's own embedded
    # fonts (pyHanko's built-in font is a non-embedded Courier without Vietnamese glyphs).
    # pyHanko reads the stamp file while signing, so it lives until the signature is done.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as stamp:
        stamp.write(stamp_pdf)
        stamp.flush()
        style = StaticStampStyle.from_pdf_file(stamp.name, border_width=0)
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=stamper, stamp_style=style)
        pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def head_field_box(data: bytes) -> tuple[float, float, float, float] | None:
    """The rectangle of the head's still empty signature field, or None when the PDF has
    no such field or it is already signed."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(BytesIO(data), strict=False)
    for name, value, ref in enumerate_sig_fields(reader, filled_status=False):
        if name == HEAD_FIELD_NAME and value is None:
            rect = [float(v) for v in ref.get_object()["/Rect"]]
            return (rect[0], rect[1], rect[2], rect[3])
    return None


def cosign_pdf(
    path: Path,
    spec: SignerSpec,
    *,
    lang: str,
    signer_name: str,
    organisation: str,
    reason: str,
    location: str,
    tsa_url: str | None = None,
) -> None:
    """Add the head's signature in its block, as a new revision: the preparer's signature
    stays valid and `verify` checks both."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from auditor.report.pdf import render_stamp

    data = read_regular(path, MAX_PDF)
    box = head_field_box(data)
    if box is None:
        raise SigningError("pdf.no_head_field", path.name)
    signer = _load_signer(spec)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    stamp = render_stamp(lang, box, signer_name, organisation)
    signed = _sign_field(writer, signer, HEAD_FIELD_NAME, stamp, reason, location, tsa_url)
    atomic_write(path, signed)


def write_signed_pdf(
    out_dir: Path,
    report: Report,
    lang: str,
    spec: SignerSpec,
    *,
    number: str | None,
    reason: str,
    location: str,
    tsa_url: str | None = None,
    rendered: RenderedPdf | None = None,
    filename: str = PDF,
) -> Path:
    """Render `report` (unless already `rendered`) and write it signed with `spec`."""
    rendered = rendered or render_pdf(report, lang, number)
    source = out_dir / "report.json"
    digest = hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else ""
    keywords = binding_keywords(report.report_id, digest)
    data = sign_pdf(
        rendered, spec, reason=reason, location=location, tsa_url=tsa_url, keywords=keywords
    )
    target = out_dir / filename
    atomic_write(target, data)
    return target


@dataclass
class PdfVerdict:
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""  # every signer, in signing order, joined
    signers: list[str] = field(default_factory=list)
    signer_sha256: list[str] = field(default_factory=list)  # each signer's certificate
    keywords: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def _keywords(reader: object) -> list[str]:
    """The /Keywords of the document info (pyHanko writes them comma-separated)."""
    try:
        info = reader.trailer_view["/Info"]  # type: ignore[attr-defined]
        raw = str(info.get("/Keywords", ""))
    except (KeyError, AttributeError, TypeError):
        return []
    return [k.strip() for k in raw.split(",") if k.strip()]


def bound_to(verdict: PdfVerdict, report_id: str, report_sha256: str) -> bool:
    """True when the PDF names this report id and this report.json's sha256."""
    return set(binding_keywords(report_id, report_sha256)) <= set(verdict.keywords)


def verify_pdf(source: Path | bytes, anchors: list[x509.Certificate]) -> PdfVerdict:
    """Integrity, trust (against `anchors`, now) and whether anything was added after
    signing, of a PDF file or of PDF bytes as the receiver got them."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # we report the verdict ourselves
    verdict = PdfVerdict()
    roots = [ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in anchors]
    try:
        with BytesIO(source) if isinstance(source, bytes) else source.open("rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            signatures = reader.embedded_signatures
            if not signatures:
                verdict.problems.append("pdf.unsigned")
                return verdict
            verdict.signed = True
            verdict.keywords = _keywords(reader)
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            statuses = [validate_pdf_signature(sig, context) for sig in signatures]
    except (SignatureValidationError, ValueError, OSError, KeyError):
        verdict.problems.append("pdf.changed_after_signing")
        return verdict
    except Exception:  # pyHanko's reader raises many kinds on a mangled file
        verdict.problems.append("pdf.changed_after_signing")
        return verdict
    # Every signature intact and trusted; the last covers the whole file; an earlier one
    # may only be followed by form filling (the next signer's field), never by new content.
    verdict.intact = all(bool(s.intact and s.valid) for s in statuses)
    verdict.trusted = all(bool(s.trusted) for s in statuses)
    last = statuses[-1]
    verdict.whole_file = last.coverage == SignatureCoverageLevel.ENTIRE_FILE and all(
        s.modification_level is not None and s.modification_level <= ModificationLevel.FORM_FILLING
        for s in statuses[:-1]
    )
    verdict.signers = [s.signing_cert.subject.human_friendly for s in statuses]
    verdict.signer_sha256 = [hashlib.sha256(s.signing_cert.dump()).hexdigest() for s in statuses]
    verdict.signer = "; ".join(verdict.signers)
    if not verdict.intact or not verdict.whole_file:
        verdict.problems.append("pdf.changed_after_signing")
    if not verdict.trusted:
        verdict.problems.append("pdf.untrusted")
    return verdict
