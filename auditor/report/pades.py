"""PAdES signatures on the official PDF (pyHanko), as NĐ 30/2020 makes an e-document an
original: the competent person's signature (ô 7c, with the blue image of their signature) and
the agency's (ô 8, the red seal image at real size over the left third of the person's).

The tool certifies every PDF it writes: an invisible certification signature with the
auditor's own key (DocMDP: form filling and signing allowed), which covers the report binding
(report id and report.json's sha256, in the document info and the page footer) and creates
the two empty fields. FieldMDP locks every other field, so the only change allowed after it is
filling those two fields; `verify_pdf` refuses any other revision (a new field or annotation,
a new page, a changed /Info, a third signature), using pyHanko's difference analysis. Every
name shown in a signature's appearance is read from its certificate.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from auditor.errors import SigningError
from auditor.fileio import atomic_write, read_regular
from auditor.report.model import Report
from auditor.report.outputs import PDF, REPORT
from auditor.report.pdf import Box, RenderedPdf, SignatureLook, render_pdf, render_stamp
from auditor.report.signing import CERT_FILE, CHAIN_FILE, KEY_FILE

if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import Signer

MAX_PDF = 200 * 1024 * 1024  # a report PDF is a few MB

CERTIFY_FIELD = "XacThucBaoCao"  # the tool's invisible certification, made with the PDF
PERSON_FIELD = "ChuKyNguoiCoThamQuyen"  # ô 7c: the chairman or the vice-chairman signing for him
AGENCY_FIELD = "ChuKyCoQuan"  # ô 8: the People's Committee, with its seal
Role = Literal["person", "agency"]
FIELD_OF: dict[Role, str] = {"person": PERSON_FIELD, "agency": AGENCY_FIELD}
ROLE_OF: dict[str, str] = {
    CERTIFY_FIELD: "certification",
    PERSON_FIELD: "person",
    AGENCY_FIELD: "agency",
}
# What a signer's software may change in the document info when it adds its signature.
INFO_KEYS_SIGNERS_TOUCH = {"/ModDate", "/Producer", "/Creator"}


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
        try:
            simple: Signer | None = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
                str(spec.key_dir / KEY_FILE),
                str(spec.key_dir / CERT_FILE),
                ca_chain_files=(str(chain),) if chain.exists() else None,
                key_passphrase=spec.passphrase,
            )
        except (ValueError, TypeError):
            simple = None
        if simple is None:
            raise SigningError("keys.bad_passphrase")
        return simple
    if isinstance(spec, Pkcs12Signer):
        try:
            p12: Signer | None = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
                str(spec.path), passphrase=spec.passphrase
            )
        except (ValueError, TypeError):  # a wrong password is a ValueError in cryptography
            p12 = None
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
    """What ties a PDF to the report.json it was rendered from, in the certified revision."""
    return [f"{BINDING_PREFIX}report_id={report_id}", f"{BINDING_PREFIX}sha256={report_sha256}"]


# ------------------------------------------------------------------ names from certificates
@dataclass(frozen=True)
class CertNames:
    """The names a signature may show, read from its certificate and nowhere else."""

    name: str  # subject CN
    title: str  # subject title (2.5.4.12), else the organisational unit
    organisation: str  # subject O

    @classmethod
    def of(cls, cert: ax509.Certificate) -> CertNames:
        subject = x509.load_der_x509_certificate(cert.dump()).subject

        def first(*oids: x509.ObjectIdentifier) -> str:
            for oid in oids:
                for attribute in subject.get_attributes_for_oid(oid):
                    value = attribute.value
                    return value if isinstance(value, str) else value.decode(errors="replace")
            return ""

        return cls(
            name=first(NameOID.COMMON_NAME),
            title=first(NameOID.TITLE, NameOID.ORGANIZATIONAL_UNIT_NAME),
            organisation=first(NameOID.ORGANIZATION_NAME),
        )


def same_name(a: str, b: str) -> bool:
    """Names compared as a person reads them: Unicode-normalised, case and spacing folded,
    "UBND" read as "Ủy ban nhân dân" (both spellings of "ủy"/"uỷ" accepted)."""

    def fold(text: str) -> str:
        text = unicodedata.normalize("NFC", " ".join(text.split())).casefold()
        text = text.replace("uỷ", "ủy")
        return text.replace("ủy ban nhân dân", "ubnd")

    return bool(a.strip()) and fold(a) == fold(b)


# ------------------------------------------------------------------ writing
def _pdf_signer(meta: Any, signer: Signer, **kwargs: Any) -> Any:
    """pyHanko's PdfSigner, keeping the file at PDF 1.7: pyHanko moves a file signed with an
    ECDSA P-256 key to PDF 2.0 (ISO 32002), which provincial document systems and signing
    tools do not take; PAdES on PDF 1.7 needs only the ESIC extension."""
    from pyhanko.sign import signers
    from pyhanko.sign.signers import constants

    class Pdf17Signer(signers.PdfSigner):
        def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
            pdf_out.ensure_output_version(version=(1, 7))
            if pdf_out.output_version < (2, 0):
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    return Pdf17Signer(meta, signer=signer, **kwargs)


def certify_pdf(
    rendered: RenderedPdf,
    spec: SignerSpec,
    *,
    reason: str,
    location: str,
    keywords: list[str],
    tsa_url: str | None = None,
) -> bytes:
    """The first revision: the report binding in the document info, the person's and the
    agency's empty fields, and the tool's invisible certification signature over all of it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko.sign.timestamps import HTTPTimeStamper

    signer = _load_signer(spec)
    writer = IncrementalPdfFileWriter(BytesIO(rendered.data))
    writer.document_meta.keywords = keywords
    for name, box in ((PERSON_FIELD, rendered.person_box), (AGENCY_FIELD, rendered.agency_box)):
        fields.append_signature_field(
            writer, fields.SigFieldSpec(name, on_page=rendered.person_page, box=_rounded(box))
        )
    meta = _metadata(
        CERTIFY_FIELD, reason, location, certify=True, docmdp_permissions=fields.MDPPerm.FILL_FORMS
    )
    lock = fields.FieldMDPSpec(fields.FieldMDPAction.EXCLUDE, fields=[PERSON_FIELD, AGENCY_FIELD])
    pdf_signer = _pdf_signer(
        meta,
        signer,
        timestamper=HTTPTimeStamper(tsa_url) if tsa_url else None,
        new_field_spec=fields.SigFieldSpec(CERTIFY_FIELD, field_mdp_spec=lock),
    )
    out = BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def _metadata(field_name: str, reason: str, location: str, **extra: Any) -> Any:
    """A PAdES baseline signature with SHA-256 in `field_name`."""
    from pyhanko.sign import fields, signers

    return signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        **extra,
    )


def _rounded(box: Box) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (round(v) for v in box)
    return x1, y1, x2, y2


def _sign_field(
    writer: IncrementalPdfFileWriter,
    signer: Signer,
    field_name: str,
    stamp_pdf: bytes,
    reason: str,
    location: str,
    tsa_url: str | None,
) -> bytes:
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.stamp import StaticStampStyle

    meta = _metadata(field_name, reason, location)
    stamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    out = BytesIO()
    # The visible appearance is a small page WeasyPrint drew with the report's own embedded
    # fonts (pyHanko's built-in font is a non-embedded Courier without Vietnamese glyphs).
    # pyHanko reads the stamp file while signing, so it lives until the signature is done.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as stamp:
        stamp.write(stamp_pdf)
        stamp.flush()
        style = StaticStampStyle.from_pdf_file(stamp.name, border_width=0)
        pdf_signer = _pdf_signer(meta, signer, timestamper=stamper, stamp_style=style)
        pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def empty_field_box(data: bytes, field_name: str) -> Box | None:
    """The rectangle of a still empty signature field, or None when the PDF has no such
    field or it is already signed."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(BytesIO(data), strict=False)
    for name, value, ref in enumerate_sig_fields(reader, filled_status=False):
        if name == field_name and value is None:
            rect = [float(v) for v in ref.get_object()["/Rect"]]
            return (rect[0], rect[1], rect[2], rect[3])
    return None


@dataclass(frozen=True)
class Countersignature:
    """Who adds a signature to a certified PDF, and what the document says they must be."""

    role: Role
    spec: SignerSpec
    # whom the certificate must name: the signatory (person) or the organisation (agency) the
    # PDF prints, and `--name` when given; each non-empty one must match
    expected_names: tuple[str, ...]
    image: bytes | None = None  # checked PNG: blue signature, or red seal at real size
    reason: str = ""
    location: str = ""
    tsa_url: str | None = None


def countersign_pdf(path: Path, signing: Countersignature, verdict: PdfVerdict, lang: str) -> None:
    """Fill the role's field, as a new revision that the certification allows. The caller has
    verified the PDF (`verdict`) and its binding; here the credential is checked: not one that
    already signed, and its certificate names the person or the agency the document names."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    data = read_regular(path, MAX_PDF)
    field_name = FIELD_OF[signing.role]
    box = empty_field_box(data, field_name)
    if box is None:
        raise SigningError("pdf.field_taken", path.name)
    signer = _load_signer(signing.spec)
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("pdf.no_signer_cert", path.name)
    names = CertNames.of(cert)
    if hashlib.sha256(cert.dump()).hexdigest() in {s.cert_sha256 for s in verdict.signatures}:
        raise SigningError("pdf.already_signed_by", names.name)
    for expected in filter(None, signing.expected_names):
        named = same_name(names.name, expected) or (
            signing.role == "agency" and same_name(names.organisation, expected)
        )
        if not named:
            raise SigningError("pdf.name_mismatch", f"{names.name} ≠ {expected}")
    look = SignatureLook(
        role=signing.role,
        name=names.name,
        title=names.title,
        organisation=names.organisation,
        image=signing.image,
    )
    stamp = render_stamp(lang, box, look)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    signed = _sign_field(
        writer, signer, field_name, stamp, signing.reason, signing.location, signing.tsa_url
    )
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
    report_sha256: str | None = None,
) -> Path:
    """Render `report` (unless already `rendered`) and write it certified with `spec`, bound
    to out_dir/report.json (whose sha256 a caller that rendered the PDF already knows)."""
    digest = report_digest(out_dir) if report_sha256 is None else report_sha256
    rendered = rendered or render_pdf(report, lang, number, report_sha256=digest)
    data = certify_pdf(
        rendered,
        spec,
        reason=reason,
        location=location,
        tsa_url=tsa_url,
        keywords=binding_keywords(report.report_id, digest),
    )
    target = out_dir / filename
    atomic_write(target, data)
    return target


def report_digest(out_dir: Path) -> str:
    """The sha256 of out_dir's report.json ("" when there is none)."""
    source = out_dir / REPORT
    return hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else ""


# ------------------------------------------------------------------ verifying
@dataclass(frozen=True)
class SignatureSeen:
    """One signature as `verify` shows it: names from its certificate, role from its field."""

    field_name: str
    role: str  # certification / person / agency / unplanned
    name: str
    title: str
    organisation: str
    signed_at: datetime | None
    intact: bool
    trusted: bool
    cert_sha256: str


@dataclass
class PdfVerdict:
    signatures: list[SignatureSeen] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)  # from the certified revision only
    problems: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.problems

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def signer_sha256(self) -> list[str]:
        return [s.cert_sha256 for s in self.signatures]

    @property
    def missing_roles(self) -> list[str]:
        """The NĐ 30 signatures not yet made (the PDF is valid, not yet an e-original)."""
        present = {s.role for s in self.signatures}
        return [role for role in ("person", "agency") if role not in present]

    def problem_codes(self) -> list[str]:
        return [code for code, _ in self.problems]


def bound_to(verdict: PdfVerdict, report_id: str, report_sha256: str) -> bool:
    """True when the certified revision names this report id and this report.json's sha256."""
    return set(binding_keywords(report_id, report_sha256)) <= set(verdict.keywords)


def _info(handler: Any) -> dict[str, str]:
    """The document info of a revision (a historical resolver) or of the whole file."""
    from pyhanko.pdf_utils import generic

    try:
        raw = handler.trailer_view.raw_get("/Info")
        info = handler.get_object(raw.reference) if isinstance(raw, generic.IndirectObject) else raw
        return {str(k): str(v) for k, v in info.items()}
    except (KeyError, AttributeError, TypeError, ValueError):
        return {}


def _split_keywords(info: dict[str, str]) -> list[str]:
    return [k.strip() for k in info.get("/Keywords", "").split(",") if k.strip()]


def verify_pdf(source: Path | bytes, anchors: list[x509.Certificate]) -> PdfVerdict:
    """Each signature's integrity and trust (against `anchors`, now), and that nothing but
    the planned fields was filled after the certification."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # we report the verdict ourselves
    verdict = PdfVerdict()
    roots = [ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in anchors]
    try:
        with BytesIO(source) if isinstance(source, bytes) else source.open("rb") as handle:
            try:
                reader = PdfFileReader(handle, strict=False)
                embedded = reader.embedded_signatures
            except Exception:  # pyHanko's reader raises many kinds on a mangled file
                verdict.problems.append(("pdf.unreadable", {}))
                return verdict
            if not embedded:
                verdict.problems.append(("pdf.unsigned", {}))
                return verdict
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            _judge(reader, embedded, context, verdict)
    except OSError:
        verdict.problems.append(("pdf.unreadable", {}))
    except Exception:  # a structure the validator cannot follow: not what was signed
        verdict.problems.append(("pdf.changed_after_signing", {}))
    return verdict


def _judge(reader: Any, embedded: list[Any], context: Any, verdict: PdfVerdict) -> None:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    statuses = [validate_pdf_signature(sig, context) for sig in embedded]
    for sig, status in zip(embedded, statuses, strict=True):
        names = CertNames.of(status.signing_cert)
        seen = SignatureSeen(
            field_name=str(sig.field_name),
            role=ROLE_OF.get(str(sig.field_name), "unplanned"),
            name=names.name,
            title=names.title,
            organisation=names.organisation,
            signed_at=sig.self_reported_timestamp,
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            cert_sha256=hashlib.sha256(status.signing_cert.dump()).hexdigest(),
        )
        verdict.signatures.append(seen)
        if not seen.intact:
            verdict.problems.append(("pdf.signature_broken", {"signer": seen.name}))
        if not seen.trusted:
            verdict.problems.append(("pdf.untrusted_signer", _who(seen)))
        if seen.role == "unplanned":
            verdict.problems.append(("pdf.unplanned_signature", {"field": seen.field_name}))
    first = embedded[0]
    if str(first.field_name) != CERTIFY_FIELD or first.docmdp_level != MDPPerm.FILL_FORMS:
        verdict.problems.append(("pdf.not_certified", {}))
    certified = reader.get_historical_resolver(first.signed_revision)
    certified_info = _info(certified)
    verdict.keywords = _split_keywords(certified_info)
    final_info = _info(reader)
    changed = {
        key
        for key in set(certified_info) | set(final_info)
        if key not in INFO_KEYS_SIGNERS_TOUCH and certified_info.get(key) != final_info.get(key)
    }
    if changed:
        verdict.problems.append(("pdf.info_changed", {"keys": ", ".join(sorted(changed))}))
    later_allowed = all(
        s.modification_level is not None
        and s.modification_level <= ModificationLevel.FORM_FILLING
        and s.docmdp_ok is not False
        for s in statuses[:-1]
    )
    whole = statuses[-1].coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not later_allowed or not whole:
        verdict.problems.append(("pdf.changed_after_signing", {}))


def _who(seen: SignatureSeen) -> dict[str, str]:
    return {"signer": seen.name, "role": seen.role}
