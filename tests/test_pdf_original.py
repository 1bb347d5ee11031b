"""The signed PDF as an electronic original (NĐ 30/2020): the tool's certification, then the
competent person's and the agency's signatures, each with its own certificate and image; and
the attacks a clerk or a forger would try — rebinding an older PDF to the current report,
painting a new signature over the results, a third signature, an annotation, an edited
appearance — each refused by `verify` (exit 1, reason named) and by the receiver."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from auditor.receiver.app import Refusal, _check_pdf
from auditor.receiver.store import Commune
from auditor.report.pades import (
    PERSON_FIELD,
    Countersignature,
    Pkcs12Signer,
    binding_keywords,
    countersign_pdf,
    verify_pdf,
)
from tests import pki
from tests.helpers import auditor_cli
from tests.reportkit import build

pytest.importorskip("weasyprint", reason="PDF extra not installed: pip install '.[pdf]'")
pytestmark = pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils missing")


@dataclass
class Office:
    """A commune's report folder with its certified PDF, and the credentials of its chairman
    and of the People's Committee, issued by one CA."""

    home: Path
    out: Path
    ca_pem: Path
    own_pem: Path
    person_p12: Path
    agency_p12: Path
    stranger_p12: Path
    passfile: Path
    signature_png: Path
    seal_png: Path
    anchors: list[x509.Certificate]

    @property
    def pdf(self) -> Path:
        return self.out / "report.pdf"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return auditor_cli("--lang", "en", *args, home=self.home)

    def cosign(self, role: str, p12: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.cli(
            *("cosign", str(self.out), "--as", role, "--p12", str(p12)),
            *("--passphrase-file", str(self.passfile), "--ca", str(self.ca_pem), *extra),
        )

    def verify(self, pdf: Path | None = None) -> subprocess.CompletedProcess[str]:
        if pdf is not None:
            shutil.copy(pdf, self.pdf)
        return self.cli(
            "verify", str(self.out), "--ca", str(self.own_pem), "--ca", str(self.ca_pem)
        )


def _office(tmp_path: Path, same_commune_as: Office | None = None) -> Office:
    """A commune's folder; `same_commune_as` another one gives it that commune's own key
    (an older report of the same commune)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    signer = None
    if same_commune_as is not None:
        from auditor.report.signing import load_signer

        shutil.copytree(same_commune_as.home / "keys", tmp_path / "keys")
        signer = load_signer(tmp_path / "keys", None)
    _, signer, out = build(tmp_path, commune=True, signer=signer)
    ca = pki.issue("CA thử của tỉnh", ca=True)
    person = pki.issue("UBND xã Thử", ca, person="Lê Văn Cường", title="Phó Chủ tịch")
    stranger = pki.issue("UBND xã Thử", ca, person="Phạm Thị Không Ký", title="Chủ tịch")
    agency = pki.issue("UBND xã Thử", ca)
    ca_pem, _ = ca.write(tmp_path, "ca")
    passfile = tmp_path / "pw"
    passfile.write_text("pw")
    passfile.chmod(0o600)
    office = Office(
        home=tmp_path,
        out=out,
        ca_pem=ca_pem,
        own_pem=tmp_path / "keys" / "cert.pem",
        person_p12=pki.p12(person, tmp_path / "chu-tich.p12", b"pw", ca),
        agency_p12=pki.p12(agency, tmp_path / "ubnd.p12", b"pw", ca),
        stranger_p12=pki.p12(stranger, tmp_path / "la.p12", b"pw", ca),
        passfile=passfile,
        signature_png=pki.ink_png(tmp_path / "chu-ky.png", (20, 40, 200)),
        seal_png=pki.ink_png(tmp_path / "con-dau.png", (210, 20, 20)),
        anchors=[signer.cert, ca.cert],
    )
    made = office.cli("pdf", str(out), "--number", "5")
    assert made.returncode == 0, made.stderr
    assert "auditor cosign" in made.stderr  # says what is still to sign
    return office


@pytest.fixture(scope="module")
def signed_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The honest document: certified, then signed by the person, then by the agency."""
    office = _office(tmp_path_factory.mktemp("office"))
    person = office.cosign("person", office.person_p12, "--image", str(office.signature_png))
    assert person.returncode == 0, person.stderr
    agency = office.cosign("agency", office.agency_p12, "--image", str(office.seal_png))
    assert agency.returncode == 0, agency.stderr
    yield office


def _receiver_refuses(office: Office, data: bytes) -> str:
    """The receiver's PDF check on these bytes: the refusal code, or '' when accepted."""
    import json

    report = json.loads((office.out / "report.json").read_bytes())
    digest = hashlib.sha256((office.out / "report.json").read_bytes()).hexdigest()
    own = office.anchors[0]
    commune = Commune(name="UBND xã Thử", cert_sha256=_fingerprint(own))
    try:
        _check_pdf(data, office.anchors, commune, report["report_id"], digest)
    except Refusal as refusal:
        return refusal.code
    return ""


def _fingerprint(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def test_the_honest_two_signature_pdf_passes_verify_pdfsig_and_the_receiver(
    signed_office: Office,
) -> None:
    office = signed_office
    checked = office.verify()
    assert checked.returncode == 0, checked.stderr
    out = checked.stdout
    assert "certification by the audit tool" in out
    assert "competent person: Lê Văn Cường (Phó Chủ tịch)" in out
    assert "issuing body: UBND xã Thử" in out and "not yet an electronic original" not in out
    info = _pdfsig(office.pdf)
    assert info.count("Signature Validation: Signature is Valid.") == 3, info
    assert "Signer Certificate Common Name: Lê Văn Cường" in info
    pdfinfo = subprocess.run(["pdfinfo", str(office.pdf)], capture_output=True, text=True).stdout
    assert "PDF version:     1.7" in pdfinfo
    text = subprocess.run(["pdftotext", str(office.pdf), "-"], capture_output=True, text=True)
    assert "NGƯỜI LẬP BÁO CÁO" not in text.stdout
    assert _receiver_refuses(office, office.pdf.read_bytes()) == ""
    # without the signers' CA, verify names the untrusted signatures and what to do
    untrusted = office.cli("verify", str(office.out), "--ca", str(office.own_pem))
    assert untrusted.returncode == 1
    assert "the competent person signature of Lê Văn Cường is not trusted" in untrusted.stderr
    assert "add --ca" in untrusted.stderr
    # the images are in the appearances: blue ink and red seal on the signature page
    verdict = verify_pdf(office.pdf, office.anchors)
    assert verdict.ok and [s.role for s in verdict.signatures] == [
        "certification",
        "person",
        "agency",
    ]
    blue, red = _ink_on_signature_page(office.pdf)
    assert blue > 50 and red > 200, (blue, red)


def _ink_on_signature_page(pdf: Path) -> tuple[int, int]:
    from PIL import Image

    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    count = int(next(line for line in pages.splitlines() if line.startswith("Pages:")).split()[1])
    best = (0, 0)
    for number in range(1, count + 1):
        prefix = pdf.parent / f"page-{number}"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "50",
                "-png",
                "-f",
                str(number),
                "-l",
                str(number),
                str(pdf),
                str(prefix),
            ],
            check=True,
        )
        image = Image.open(next(pdf.parent.glob(f"page-{number}*.png"))).convert("RGB")
        pixels = image.tobytes()
        blue = red = 0
        for i in range(0, len(pixels), 3):
            r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
            blue += b > 150 and r < 100 and g < 120
            red += r > 170 and g < 80 and b < 80
        best = max(best, (blue, red), key=lambda pair: min(pair))
    return best


# ------------------------------------------------------------------ attacks
def _incremental(data: bytes, change: Any) -> bytes:
    """A new revision made by `change(writer)`, as any PDF editor could append."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _sign_new_field(
    data: bytes, p12: Path, name: str, box: tuple[int, int, int, int] | None
) -> bytes:
    """A trusted certificate signs a field the document never planned (visible over `box`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=b"pw")
    writer = IncrementalPdfFileWriter(BytesIO(data))
    spec = fields.SigFieldSpec(name, on_page=0, box=box) if box else fields.SigFieldSpec(name)
    out = BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256"),
        signer=signer,
        new_field_spec=spec,
    ).sign_pdf(writer, output=out)
    return out.getvalue()


def _refused_everywhere(office: Office, data: bytes, tmp_path: Path, *codes: str) -> None:
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(data)
    problems = verify_pdf(forged, office.anchors).problem_codes()
    assert problems and set(codes) <= set(problems), problems
    honest = office.pdf.read_bytes()
    try:
        checked = office.verify(forged)
        assert checked.returncode == 1, checked.stdout
        assert "report.pdf: " in checked.stderr  # the reason is named
        assert _receiver_refuses(office, data) != ""
    finally:
        office.pdf.write_bytes(honest)


def test_an_older_pdf_rebound_to_the_current_report_is_refused(
    signed_office: Office, tmp_path: Path
) -> None:
    """(a) An older report's certified PDF, its /Info edited to name the current report, with
    and without a countersignature after the edit: the binding is read from the certified
    revision, and the edited /Info is named."""
    import json

    office = signed_office
    older = _office(tmp_path / "older", same_commune_as=office)
    report = json.loads((office.out / "report.json").read_bytes())
    digest = hashlib.sha256((office.out / "report.json").read_bytes()).hexdigest()

    def rebind(writer: Any) -> None:
        from pyhanko.pdf_utils import generic

        info = writer.trailer["/Info"]
        keywords = ",".join(binding_keywords(report["report_id"], digest))
        info[generic.NameObject("/Keywords")] = generic.TextStringObject(keywords)
        writer.update_container(info)

    rebound = _incremental(older.pdf.read_bytes(), rebind)
    _refused_everywhere(office, rebound, tmp_path, "pdf.info_changed")
    bound = binding_keywords(report["report_id"], digest)
    assert verify_pdf(rebound, office.anchors).keywords != bound  # read from the certified one
    staged = tmp_path / "staged.pdf"
    staged.write_bytes(rebound)
    signing = Countersignature("person", Pkcs12Signer(office.person_p12, b"pw"), ())
    countersign_pdf(staged, signing, verify_pdf(staged, office.anchors), "en")
    _refused_everywhere(office, staged.read_bytes(), tmp_path, "pdf.info_changed")


def test_a_new_signature_painted_over_the_results_is_refused(
    signed_office: Office, tmp_path: Path
) -> None:
    """(b) A trusted certificate adds a visible signature field over page one and signs it."""
    office = signed_office
    painted = _sign_new_field(
        office.pdf.read_bytes(), office.agency_p12, "Paint", (60, 300, 560, 700)
    )
    _refused_everywhere(
        office, painted, tmp_path, "pdf.unplanned_signature", "pdf.changed_after_signing"
    )


def test_a_third_signature_is_refused(signed_office: Office, tmp_path: Path) -> None:
    """(c) After the person and the agency, a third, invisible signature."""
    office = signed_office
    third = _sign_new_field(office.pdf.read_bytes(), office.person_p12, "Them", None)
    _refused_everywhere(office, third, tmp_path, "pdf.unplanned_signature")


def test_an_annotation_after_signing_is_refused(signed_office: Office, tmp_path: Path) -> None:
    """(d) A square annotation added on page one after the signatures."""
    from pyhanko.pdf_utils import generic

    office = signed_office

    def annotate(writer: Any) -> None:
        page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
        page = page_ref.get_object()
        annotation = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Square"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (50, 50, 500, 700)]
                ),
            }
        )
        annots = list(page.get("/Annots", generic.ArrayObject()))
        page[generic.NameObject("/Annots")] = generic.ArrayObject(
            [*annots, writer.add_object(annotation)]
        )
        writer.update_container(page)

    annotated = _incremental(office.pdf.read_bytes(), annotate)
    _refused_everywhere(office, annotated, tmp_path, "pdf.changed_after_signing")


def test_near_miss_a_one_byte_change_to_a_stamp_appearance_is_refused(
    signed_office: Office, tmp_path: Path
) -> None:
    """The permitted field fill passes (the fixture); the person's appearance stream replaced
    by one that differs in one byte, in a later revision, does not."""
    from pyhanko.pdf_utils import generic

    office = signed_office
    data = office.pdf.read_bytes()

    def edit(writer: Any) -> None:
        field = next(
            f.get_object()
            for f in writer.root["/AcroForm"]["/Fields"]
            if f.get_object().get("/T") == PERSON_FIELD
        )
        widget = field if "/AP" in field else field["/Kids"][0].get_object()
        stream = widget["/AP"]["/N"]
        content = bytearray(stream.data)
        content[-2] ^= 0x01  # one byte of the person's stamp
        replaced = generic.StreamObject(
            {k: v for k, v in stream.items() if k not in ("/Length", "/Filter")},
            stream_data=bytes(content),
        )
        appearance = generic.DictionaryObject(
            {generic.NameObject("/N"): writer.add_object(replaced)}
        )
        widget[generic.NameObject("/AP")] = appearance
        writer.update_container(widget)

    edited = _incremental(data, edit)
    assert edited != data
    _refused_everywhere(office, edited, tmp_path, "pdf.changed_after_signing")


# ------------------------------------------------------------------ cosign checks first
def test_cosign_refuses_a_tampered_pdf_another_report_and_a_repeated_key(tmp_path: Path) -> None:
    office = _office(tmp_path / "a")
    no_credential = office.cli("cosign", str(office.out), "--as", "person")
    assert no_credential.returncode == 2 and "--p12" in no_credential.stderr
    wrong = office.passfile.with_name("wrong")
    wrong.write_text("not-the-password")
    wrong.chmod(0o600)
    bad_password = office.cli(
        *("cosign", str(office.out), "--p12", str(office.person_p12)),
        *("--passphrase-file", str(wrong), "--ca", str(office.ca_pem)),
    )
    assert bad_password.returncode == 2 and "Traceback" not in bad_password.stderr
    assert "PKCS#12" in bad_password.stderr
    impostor = office.cosign("person", office.stranger_p12)
    assert impostor.returncode == 2 and "Phạm Thị Không Ký ≠ Lê Văn Cường" in impostor.stderr
    # --name cannot relabel: the certificate must also match the name the document prints
    relabelled = office.cosign("person", office.stranger_p12, "--name", "Phạm Thị Không Ký")
    assert relabelled.returncode == 2 and "Phạm Thị Không Ký ≠ Lê Văn Cường" in relabelled.stderr
    mistyped = office.cosign("person", office.person_p12, "--name", "Lê Văn Cương")
    assert mistyped.returncode == 2 and "Lê Văn Cường ≠ Lê Văn Cương" in mistyped.stderr
    signed = office.cosign("person", office.person_p12, "--image", str(office.signature_png))
    assert signed.returncode == 0, signed.stderr
    again = office.cosign("agency", office.person_p12)
    assert again.returncode == 2 and "has already signed" in again.stderr
    red_signature = office.cosign("agency", office.agency_p12, "--image", str(office.signature_png))
    assert red_signature.returncode == 2 and "must be red" in red_signature.stderr
    # a PDF certified for another report, put in this folder
    other = _office(tmp_path / "b")
    honest = office.pdf.read_bytes()
    shutil.copy(other.pdf, office.pdf)
    elsewhere = office.cosign("agency", office.agency_p12)
    assert elsewhere.returncode == 2 and "not rendered from this report.json" in elsewhere.stderr
    # a tampered PDF: one byte of the certified revision changed
    data = bytearray(honest)
    data[len(data) // 4] ^= 0x01
    office.pdf.write_bytes(bytes(data))
    tampered = office.cosign("agency", office.agency_p12)
    assert tampered.returncode == 2 and "cannot be signed" in tampered.stderr
    office.pdf.write_bytes(honest)
    near_miss = office.cosign("agency", office.agency_p12, "--image", str(office.seal_png))
    assert near_miss.returncode == 0, near_miss.stderr


def test_signature_images_are_checked(tmp_path: Path) -> None:
    from auditor.errors import SigningError
    from auditor.report.images import signature_image

    blue = pki.ink_png(tmp_path / "blue.png", (20, 40, 200))
    assert signature_image(blue, "person") == blue.read_bytes()
    cases = {
        "pdf.image_no_alpha": (
            pki.ink_png(tmp_path / "opaque.png", (20, 40, 200), alpha=False),
            "person",
        ),
        "pdf.image_not_red": (blue, "agency"),
        "pdf.image_too_small": (
            pki.ink_png(tmp_path / "tiny.png", (210, 20, 20), size=30),
            "agency",
        ),
    }
    (tmp_path / "fake.png").write_bytes(b"GIF89a not a png")
    cases["pdf.image_unreadable"] = (tmp_path / "fake.png", "person")
    (tmp_path / "huge.png").write_bytes(b"\x89PNG" + b"\0" * (3 * 1024 * 1024))
    cases["pdf.image_too_big"] = (tmp_path / "huge.png", "person")
    for code, (path, role) in cases.items():
        with pytest.raises(SigningError) as caught:
            signature_image(path, role)  # type: ignore[arg-type]
        assert caught.value.code == code, (code, caught.value.code)
