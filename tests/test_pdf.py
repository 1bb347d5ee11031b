"""The PDF report: Vietnamese text extracted exactly, fonts embedded, pages not blank;
PAdES signatures from a key file, a PKCS#12 and a SoftHSM2 token, checked by pyHanko and
by poppler's pdfsig; one changed byte breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auditor.report.model import Report
from auditor.report.pades import (
    Countersignature,
    KeyFileSigner,
    Pkcs12Signer,
    TokenSigner,
    countersign_pdf,
    verify_pdf,
    write_signed_pdf,
)
from auditor.report.pdf import render_pdf
from auditor.report.signing import init_keys
from tests.reportkit import build

pytest.importorskip("weasyprint", reason="PDF extra not installed: pip install '.[pdf]'")
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm", "pdfsig"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")


def cert_of(tmp_path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())


def certified(out: Path, report: Report, keys: Path, number: str | None = None) -> Path:
    """out/report.pdf as the tool writes it: certified with the auditor's key in `keys`."""
    return write_signed_pdf(
        out, report, "vi", KeyFileSigner(keys, None), number=number, reason="r", location="l"
    )


def pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


@pytest.fixture()
def signed(tmp_path: Path) -> Path:
    report, _, out = build(tmp_path)
    return certified(out, report, tmp_path / "keys", "12/BC-UBND")


@needs_poppler
def test_vietnamese_text_fonts_and_pixels(signed: Path, tmp_path: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(signed), "-"], capture_output=True, text=True, check=True
    ).stdout
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "XÃ THỬ",
        "Số: 12/BC-UBND",
        "BÁO CÁO",
        "Nguyễn Văn An",
        "Kết quả tự kiểm tra, đánh giá bảo đảm an toàn hệ thống thông tin",
        "TỒN TẠI VÀ KẾ HOẠCH KHẮC PHỤC",
        "THÔNG TIN CHUNG",
        "Phụ lục",
        "(Kèm theo Báo cáo số 12/BC-UBND ngày",
    ):
        assert phrase in text, phrase
    assert "NGƯỜI LẬP BÁO CÁO" not in text  # the drafter is ô 12, not a signature block
    number_line = next(line for line in text.splitlines() if "Số: 12/BC-UBND" in line)
    assert "ngày" in number_line  # ô 3 and ô 4 on one line
    assert text.index("THÔNG TIN CHUNG") < text.index("\f")  # the systems are on page one
    fonts = subprocess.run(
        ["pdffonts", str(signed)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # "emb" column
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(signed), str(tmp_path / "page")],
        check=True,
    )
    from PIL import Image

    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(page.histogram()[:128])
    assert dark > 2000  # text on the page, not a blank sheet


@needs_poppler
def test_signature_valid_for_pyhanko_and_pdfsig_and_breaks_on_one_byte(
    signed: Path, tmp_path: Path
) -> None:
    verdict = verify_pdf(signed, [cert_of(tmp_path)])
    assert verdict.ok, verdict.problems
    assert [s.role for s in verdict.signatures] == ["certification"]
    assert "UBND xã Thử" in verdict.signatures[0].name
    assert verdict.missing_roles == ["person", "agency"]
    info = pdfsig(signed)
    assert "Signature Validation: Signature is Valid." in info
    assert "Total document signed" in info
    data = bytearray(signed.read_bytes())
    data[len(data) // 3] ^= 0x01
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(data))
    assert not verify_pdf(broken, [cert_of(tmp_path)]).ok
    assert "Signature is Valid." not in pdfsig(broken)
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(signed.read_bytes() + b"%%EOF\n")
    later = verify_pdf(appended, [cert_of(tmp_path)])
    assert not later.ok and later.problem_codes() == ["pdf.unreadable"]  # not a PDF revision
    stranger = init_keys(tmp_path / "other", "Kẻ lạ")
    assert verify_pdf(signed, [stranger.cert]).problem_codes() == ["pdf.untrusted_signer"]


def test_english_rendering_and_page_numbers(tmp_path: Path) -> None:
    report, _, _ = build(tmp_path)
    rendered = render_pdf(report, "en")
    assert rendered.pages >= 3
    assert rendered.person_page < rendered.pages - 1  # the methodology appendix follows
    x1, y1, x2, y2 = rendered.person_box
    assert 0 < x1 < x2 < 595 and 0 < y1 < y2 < 842  # inside an A4 page
    sx1, sy1, sx2, sy2 = rendered.agency_box
    assert round(sx2 - sx1) == round(sy2 - sy1) == round(35 * 72 / 25.4)  # the seal, real size
    assert sx1 < x1 < sx2 < x2 and abs((sx2 - x1) - (x2 - x1) / 3) < 1  # over its left third
    if POPPLER:
        path = tmp_path / "en.pdf"
        path.write_bytes(rendered.data)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "SOCIALIST REPUBLIC OF VIETNAM" in text and "GAPS AND REMEDIATION PLAN" in text
        assert "(Attached to Report No." in text
        appendix = text.split("ASSESSMENT METHODOLOGY", 1)[1]
        assert "A pass proves" in appendix and "Does not prove" in appendix
        assert "only root has user id 0" in appendix
        assert "\n2\n" in text  # page numbers from page two on


def test_cli_pdf_refuses_a_changed_report_and_verify_checks_the_pdf(tmp_path: Path) -> None:
    import sys

    _, _, out = build(tmp_path)
    env = {**os.environ, "AUDITOR_HOME": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "auditor.cli", "--lang", "en", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    made = cli("pdf", str(out), "--number", "7/BC-UBND")
    assert made.returncode == 0, made.stderr
    assert (out / "report.pdf").exists()
    ok = cli("verify", str(out))
    assert ok.returncode == 0 and "report.pdf: every signature valid" in ok.stdout
    assert "certification by the audit tool" in ok.stdout
    assert "is not yet an electronic original" in ok.stdout
    data = bytearray((out / "report.pdf").read_bytes())
    data[len(data) // 2] ^= 0x01
    (out / "report.pdf").write_bytes(bytes(data))
    bad = cli("verify", str(out))
    assert bad.returncode == 1 and "report.pdf: " in bad.stderr
    (out / "report.json").write_text((out / "report.json").read_text().replace("fs1", "fs2"))
    refused = cli("pdf", str(out))
    assert refused.returncode == 1 and "report.json was changed after signing" in refused.stderr


def test_pkcs12_signer(tmp_path: Path) -> None:
    """The competent person signs from a PKCS#12 with its CA chain; their name in the stamp
    comes from the certificate."""
    from tests import pki

    report, signer, out = build(tmp_path, commune=True)
    pdf = certified(out, report, tmp_path / "keys")
    ca = pki.issue("CA thử", ca=True)
    person = pki.issue("UBND xã Thử", ca, person="Lê Văn Cường", title="Phó Chủ tịch")
    p12 = pki.p12(person, tmp_path / "person.p12", b"p12-pass", ca)
    anchors = [signer.cert, ca.cert]
    signing = Countersignature("person", Pkcs12Signer(p12, b"p12-pass"), ("Lê Văn Cường",))
    countersign_pdf(pdf, signing, verify_pdf(pdf, anchors), "vi")
    verdict = verify_pdf(pdf, anchors)
    assert verdict.ok, verdict.problems
    assert [(s.role, s.name, s.title) for s in verdict.signatures[1:]] == [
        ("person", "Lê Văn Cường", "Phó Chủ tịch")
    ]


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, x509.Certificate]]:
    if not SOFTHSM.exists() or not shutil.which("softhsm2-util"):
        pytest.skip("softhsm2 is not installed (apt-get install softhsm2)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    signer = init_keys(root / "k", "UBND xã Token", commune="xã Token", province="Sơn La")
    key_pem = root / "key.pk8"
    key_pem.write_bytes(
        signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "auditor",
            "--pin",
            "123456",
            "--so-pin",
            "654321",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--import",
            str(key_pem),
            "--token",
            "auditor",
            "--label",
            "signkey",
            "--id",
            "01",
            "--pin",
            "123456",
        ],
        check=True,
        capture_output=True,
    )
    key_pem.unlink()  # the key now lives only in the token (and the test's own key dir)
    yield root / "k" / "cert.pem", signer.cert
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


@needs_poppler
def test_pkcs11_token_signer(tmp_path: Path, softhsm: tuple[Path, x509.Certificate]) -> None:
    cert_file, cert = softhsm
    report, _, _ = build(tmp_path)
    spec = TokenSigner(
        module=SOFTHSM,
        pin="123456",
        key_label="signkey",
        token_label="auditor",
        cert_file=cert_file,
    )
    assert "123456" not in repr(spec)  # a PIN never shows in logs or tracebacks
    out = certified(tmp_path / "out", report, tmp_path / "keys")
    anchors = [cert, cert_of(tmp_path)]
    agency = Countersignature("agency", spec, ("UBND xã Token",))
    countersign_pdf(out, agency, verify_pdf(out, anchors), "vi")
    verdict = verify_pdf(out, anchors)
    assert verdict.ok, verdict.problems
    assert verdict.signatures[-1].role == "agency"
    assert "Signature is Valid." in pdfsig(out)
    from auditor.errors import SigningError

    wrong_pin = TokenSigner(
        module=SOFTHSM,
        pin="000000",
        key_label="signkey",
        token_label="auditor",
        cert_file=cert_file,
    )
    with pytest.raises(SigningError) as caught:
        countersign_pdf(out, Countersignature("person", wrong_pin, ()), verdict, "vi")
    assert caught.value.code == "keys.token_unavailable"
    assert "000000" not in str(caught.value)


def test_verify_refuses_a_pdf_rendered_from_another_report(tmp_path: Path) -> None:
    """Another commune's (or an older) signed PDF next to this report.json does not verify:
    the PDF carries, inside its signed revision, the report id and sha256 it was made from."""
    from tests.helpers import auditor_cli

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    report_a, signer, out_a = build(tmp_path / "a")
    report_b, _signer, out_b = build(tmp_path / "b", signer=signer)
    for report, out in ((report_a, out_a), (report_b, out_b)):
        certified(out, report, tmp_path / "a" / "keys")
    ca = str(tmp_path / "a" / "keys" / "cert.pem")
    home = tmp_path / "home"
    good = auditor_cli("--lang", "en", "verify", str(out_a), "--ca", ca, home=home)
    assert good.returncode == 0, good.stderr
    shutil.copy(out_b / "report.pdf", out_a / "report.pdf")  # validly signed, other report
    swapped = auditor_cli("--lang", "en", "verify", str(out_a), "--ca", ca, home=home)
    assert swapped.returncode == 1
    assert "report.pdf was not rendered from this report.json" in swapped.stderr
