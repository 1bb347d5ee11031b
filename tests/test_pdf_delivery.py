"""The commune's signed PDF travels to the province with its report: queued with it, or
after it once made or countersigned; checked on receipt (signed, unchanged, trusted, first
signed by the commune's own certificate, bound to this very report); kept in the signed
bundle the province downloads. A PDF the receiver refuses never holds back the report."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import ssl
import subprocess
import sys
import zipfile
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from auditor.report.signing import fingerprint, init_keys
from auditor.upload.outbox import Outbox
from auditor.upload.sender import upload_pending
from auditor.upload.transport import HttpsTransport
from tests.helpers import login
from tests.receiver_server import PROVINCE_PASSWORD, PROVINCE_USER, Receiver
from tests.reportkit import build

pytest.importorskip("weasyprint", reason="PDF extra not installed: pip install '.[pdf]'")
pytest.importorskip("uvicorn", reason="receiver extra not installed: pip install '.[receiver]'")

from auditor.report.pades import (
    KeyFileSigner,
    binding_keywords,
    certify_pdf,
    verify_pdf,
    write_signed_pdf,
)
from auditor.report.pdf import render_pdf


def no_sleep(_: float) -> None:
    pass


def _staff_get(rx: Receiver, path: str) -> httpx.Response:
    """A page of the dashboard, read by province staff after logging in."""
    context = ssl.create_default_context(cafile=str(rx.ca))
    with httpx.Client(base_url=rx.url, verify=context) as staff:
        login(staff, {"username": PROVINCE_USER, "password": PROVINCE_PASSWORD})
        return staff.get(path)


def _stored_pdf(rx: Receiver, report_id: str) -> bytes | None:
    """The PDF as the province downloads it: in the signed bundle."""
    bundle = _staff_get(rx, f"/reports/{report_id}/bundle.zip")
    assert bundle.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert {"report.json", "report.json.p7s"} <= set(names)
    if "report.pdf" not in names:
        return None
    return zipfile.ZipFile(io.BytesIO(bundle.content)).read("report.pdf")


def test_the_pdf_made_after_the_upload_follows_its_report_into_the_bundle(
    tmp_path: Path,
) -> None:
    report, signer, out = build(tmp_path)
    outbox = Outbox(tmp_path / "outbox")
    outbox.enqueue(out, report.report_id)
    with Receiver(tmp_path / "rx", [signer.cert]) as rx:
        transport = HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token)
        first = upload_pending(outbox, transport, [signer.cert], sleep=no_sleep)
        assert first.sent == [report.report_id]
        assert _stored_pdf(rx, report.report_id) is None  # the report alone, so far

        # the officer makes the signed PDF afterwards: it is queued again, with the report
        pdf = write_signed_pdf(
            out, report, "vi", KeyFileSigner(tmp_path / "keys", None),
            number=None, reason="Báo cáo", location="Xã Thử",
        )  # fmt: skip
        assert outbox.attach_pdf(out, report.report_id)
        assert [i.report_id for i in outbox.pending()] == [report.report_id]
        second = upload_pending(outbox, transport, [signer.cert], sleep=no_sleep)
        assert second.sent == [report.report_id] and not second.pdf_refused
        assert not outbox.attach_pdf(out, report.report_id)  # this PDF went already

        delivered = _stored_pdf(rx, report.report_id)
        assert delivered == pdf.read_bytes()
        verdict = verify_pdf(delivered, [signer.cert])
        assert verdict.ok and verdict.signer_sha256 == [fingerprint(signer.cert)]
        page = _staff_get(rx, f"/communes/{report.organisation.name}").text
        assert '<td class="pdf">Đã nhận</td>' in page


def test_a_pdf_not_of_this_report_or_commune_is_refused_and_the_report_still_arrives(
    tmp_path: Path,
) -> None:
    report, signer, out = build(tmp_path)
    digest = hashlib.sha256((out / "report.json").read_bytes()).hexdigest()
    ours = KeyFileSigner(tmp_path / "keys", None)
    other = init_keys(tmp_path / "other-keys", "UBND xã Bên", commune="xã Bên", province="Sơn La")
    rendered = render_pdf(report, "vi")

    def signed(spec: KeyFileSigner, report_id: str, sha256: str) -> bytes:
        keywords = binding_keywords(report_id, sha256)
        return certify_pdf(rendered, spec, reason="Báo cáo", location="Xã Thử", keywords=keywords)

    good = signed(ours, report.report_id, digest)
    near_misses = {
        # a real, trusted signature of the commune, but bound to another report
        "receiver.pdf_not_bound": signed(ours, str(uuid4()), digest),
        "receiver.pdf_not_bound ": signed(ours, report.report_id, "0" * 64),
        # bound to this report, signed by another commune the province also trusts
        "receiver.pdf_signer_not_bound": signed(KeyFileSigner(tmp_path / "other-keys", None),
                                                report.report_id, digest),
        "receiver.pdf_changed_after_signing": good + b"\n% added after signing\n",
        "receiver.pdf_unreadable": b"%PDF-1.7 not really",
    }  # fmt: skip
    trust = [signer.cert, other.cert]
    with Receiver(tmp_path / "rx", trust, communes={"UBND xã Thử": signer.cert}) as rx:
        context = ssl.create_default_context(cafile=str(rx.ca))

        def post(pdf: bytes) -> httpx.Response:
            body = {
                "report_id": report.report_id,
                "report": base64.b64encode((out / "report.json").read_bytes()).decode(),
                "signature": base64.b64encode((out / "report.json.p7s").read_bytes()).decode(),
                "pdf": base64.b64encode(pdf).decode(),
            }
            headers = {"Authorization": f"Bearer {rx.token}"}
            return httpx.post(f"{rx.url}/api/reports", json=body, headers=headers, verify=context)

        for code, pdf in near_misses.items():
            refused = post(pdf)
            assert refused.status_code in (403, 422) and refused.json()["error"] == code.strip()
        assert _staff_get(rx, f"/reports/{report.report_id}/bundle.zip").status_code == 404

        # the sender: the receiver refuses the PDF, the report goes without it
        outbox = Outbox(tmp_path / "outbox")
        (out / "report.pdf").write_bytes(near_misses["receiver.pdf_not_bound"])
        outbox.enqueue(out, report.report_id)
        transport = HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token)
        result = upload_pending(outbox, transport, [signer.cert], sleep=no_sleep)
        assert result.sent == [report.report_id] and not result.waiting
        assert result.pdf_refused == {report.report_id: "receiver.pdf_not_bound"}
        kept = tmp_path / "outbox" / "sent" / report.report_id / "report.pdf.refused"
        assert kept.read_bytes() == near_misses["receiver.pdf_not_bound"]
        assert _stored_pdf(rx, report.report_id) is None

        # the right PDF, sent again with the same report: the stored report gains it
        accepted = post(good)
        assert accepted.status_code == 200 and accepted.json()["sha256"] == digest
        assert _stored_pdf(rx, report.report_id) == good


def test_the_officer_makes_the_pdf_and_uploads_it_from_the_command_line(tmp_path: Path) -> None:
    """`auditor pdf` on a queued report puts the PDF beside it in the outbox; `auditor
    upload` sends both; the province's bundle holds the very file the officer signed."""
    report, signer, out = build(tmp_path)
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True)
    for name in ("key.pem", "cert.pem"):
        (home / "keys" / name).write_bytes((tmp_path / "keys" / name).read_bytes())
    (home / "keys" / "key.pem").chmod(0o600)
    Outbox(home / "outbox").enqueue(out, report.report_id)
    env = {**os.environ, "AUDITOR_HOME": str(home)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "auditor.cli", "--lang", "en", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    made = cli("pdf", str(out))
    assert made.returncode == 0, made.stderr
    queued = home / "outbox" / "pending" / report.report_id / "report.pdf"
    assert queued.read_bytes() == (out / "report.pdf").read_bytes()
    with Receiver(tmp_path / "rx", [signer.cert]) as rx:
        token = tmp_path / "token"
        token.write_text(rx.token)
        token.chmod(0o600)
        sent = cli("upload", "--to", rx.url, "--ca-bundle", str(rx.ca), "--token-file", str(token))
        assert sent.returncode == 0, sent.stderr
        assert _stored_pdf(rx, report.report_id) == (out / "report.pdf").read_bytes()


@pytest.mark.parametrize(
    ("pdf", "status", "code"),
    [
        (123, 400, "receiver.bad_request"),  # not a string
        ("%%% not base64", 400, "receiver.bad_request"),
        ("", 422, "receiver.pdf_unreadable"),  # empty: never taken
        (base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode(), 422, "receiver.pdf_unreadable"),
        ("the report's own PDF, rendered and never signed", 422, "receiver.pdf_unsigned"),
    ],
)
def test_a_malformed_pdf_field_is_refused_and_nothing_is_stored(
    tmp_path: Path, pdf: object, status: int, code: str
) -> None:
    report, signer, out = build(tmp_path)
    if isinstance(pdf, str) and pdf.startswith("the report's own PDF"):
        pdf = base64.b64encode(render_pdf(report, "vi").data).decode()
    with Receiver(tmp_path / "rx", [signer.cert]) as rx:
        body = {
            "report_id": report.report_id,
            "report": base64.b64encode((out / "report.json").read_bytes()).decode(),
            "signature": base64.b64encode((out / "report.json.p7s").read_bytes()).decode(),
            "pdf": pdf,
        }
        sent = httpx.post(
            f"{rx.url}/api/reports",
            json=body,
            headers={"Authorization": f"Bearer {rx.token}"},
            verify=ssl.create_default_context(cafile=str(rx.ca)),
        )
        assert (sent.status_code, sent.json()["error"]) == (status, code)
        assert _staff_get(rx, f"/reports/{report.report_id}/bundle.zip").status_code == 404
