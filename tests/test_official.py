"""Reports as administrative documents (NĐ 30/2020, Phụ lục I) for a two-system commune:
letterhead, number, padded date line, signer blocks, recipients, Vietnam time, the
Times-metric font embedded, no English or raw tokens in Vietnamese; two PAdES signatures
(preparer, then head) checked by our code and by pdfsig; the annual report built from three
audits in the history store and an incident recorded with `auditor incidents add`."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.checking import Status, discover
from auditor.engine import judge_incidents
from auditor.incidents import VIETNAM, Incident
from auditor.messages.catalogue import Messages, catalogue
from auditor.policy import load_policy
from auditor.report.annual import reporting_period, reporting_year
from auditor.report.html import render_html
from auditor.report.model import Report
from auditor.report.official import document_number, place_date, vn_date, vn_time
from auditor.report.pades import KeyFileSigner, verify_pdf
from auditor.report.pdf import render_pdf
from auditor.results import ReqStatus
from auditor.store.history import AuditMeta, Store
from tests.helpers import auditor_cli
from tests.reportkit import build

pytest.importorskip("weasyprint", reason="PDF extra not installed: pip install '.[pdf]'")
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfsig"))
pytestmark = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")

# Words and symbols that must never reach a Vietnamese reader (issue #16), as whole tokens.
FORBIDDEN = ["on/off", "on", "off", "exposed", "any source", "[]", "∅", "≥ min", "(attestation)"]
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def pdf_text(path: Path, *mode: str) -> str:
    """The text in reading order (table cells kept together), or as laid out (`-layout`)."""
    return subprocess.run(
        ["pdftotext", *mode, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def flat(text: str) -> str:
    """Layout text with runs of spaces and line breaks folded, for phrase checks."""
    return re.sub(r"\s+", " ", text)


def raw_tokens(text: str) -> list[str]:
    """Forbidden words, ISO dates and message keys found in `text`."""
    found = [
        token
        for token in FORBIDDEN
        if re.search(r"(?<![\w./-])" + re.escape(token) + r"(?![\w./-])", text)
    ]
    found += ISO_DATE.findall(text)
    keys = [k for k in catalogue("vi") if "." in k]
    found += [k for k in keys if re.search(r"(?<![\w.])" + re.escape(k) + r"(?![\w.])", text)]
    return found


def visible(html: str) -> str:
    """What a browser shows of an HTML page: no style sheet, no tags."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", html, flags=re.S))


def test_number_and_date_line_follow_the_decree() -> None:
    t = Messages("vi")
    assert document_number("5", "BC-UBND") == "05/BC-UBND"
    assert document_number("12/BC-UBND", "BC-UBND") == "12/BC-UBND"
    assert document_number("3", "BC-UBND") == "03/BC-UBND"
    with pytest.raises(ValueError):
        document_number("5 /BC-UBND", "BC-UBND")
    assert place_date(t, "Mường La", dt.date(2026, 2, 5)) == "Mường La, ngày 05 tháng 02 năm 2026"
    assert place_date(t, "Mường La", dt.date(2026, 3, 15)) == "Mường La, ngày 15 tháng 3 năm 2026"
    # 23:30 UTC on 31/12 is already 1 January in Vietnam: the document date is the local one
    late = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert vn_date(late) == dt.date(2026, 1, 1) and vn_time(late).hour == 6


def test_period_label_between_15_and_31_december_is_the_period_just_ended() -> None:
    assert reporting_year(dt.date(2026, 12, 20)) == 2026
    assert reporting_period(2026) == (dt.date(2025, 12, 15), dt.date(2026, 12, 14))
    assert reporting_year(dt.date(2027, 1, 10)) == 2027


@pytest.fixture()
def commune(tmp_path: Path) -> tuple[Report, Path, Path]:
    report, _, out = build(tmp_path, commune=True)
    return report, out, tmp_path


def test_official_pdf_of_a_two_system_commune(commune: tuple[Report, Path, Path]) -> None:
    report, out, tmp_path = commune
    made = auditor_cli("pdf", str(out), "--number", "5", home=tmp_path)
    assert made.returncode == 0, made.stderr
    text = pdf_text(out / "report.pdf")
    lines = [line.strip() for line in pdf_text(out / "report.pdf", "-layout").splitlines()]
    assert lines[0].startswith("ỦY BAN NHÂN DÂN") and lines[1].startswith("XÃ THỬ")
    assert "UBND SƠN LA" not in text and "TỈNH SƠN LA" not in text  # no invented parent line
    # dated after 01/07/2026: the replaced Luật 86/2015 is never a basis, the new law is
    assert "86/2015" not in text and "Luật An ninh mạng số 116/2025/QH15" in flat(text)
    local = vn_date(report.generated_at)
    month = f"{local.month:02d}" if local.month <= 2 else str(local.month)
    words = flat(text)
    for phrase in (
        "Số: 05/BC-UBND",
        f"Thử, ngày {local.day:02d} tháng {month} năm {local.year}",
        "BÁO CÁO",
        "Kết quả tự kiểm tra, đánh giá bảo đảm an toàn hệ thống thông tin theo cấp độ",
        "Căn cứ Nghị định số 85/2016/NĐ-CP ngày 01 tháng 7 năm 2016",
        "Hệ thống mạng nội bộ UBND xã Thử",
        "Hệ thống một cửa điện tử",
        "Số 12/QĐ-UBND ngày 10/03/2025",
        "được phê duyệt cấp độ 3; báo cáo này chỉ đánh giá theo yêu cầu cấp độ 2",
        f"Thời gian đánh giá: {vn_time(report.generated_at):%d/%m/%Y %H:%M} (giờ Việt Nam)",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Lê Văn Cường",
        "Nơi nhận:",
        "- Công an tỉnh Sơn La (Phòng PA05);",
        "- Lưu: VT, VHXH.",
        "VHXH.An(02)",
        "Đề nghị Sở Khoa học và Công nghệ hỗ trợ kinh phí",
        "TỒN TẠI VÀ KẾ HOẠCH KHẮC PHỤC",
    ):
        assert phrase in words, phrase
    # no preparer's block (not an NĐ 30 element): the drafter's mark stands under "Lưu"
    assert "NGƯỜI LẬP BÁO CÁO" not in words
    assert words.index("- Lưu: VT, VHXH.") < words.index("VHXH.An(02)")
    assert "Báo cáo Báo cáo" not in words and "BÁO CÁO BÁO CÁO" not in words
    assert "Phụ lục PHƯƠNG PHÁP ĐÁNH GIÁ (Kèm theo Báo cáo số 05/BC-UBND ngày" in words
    assert raw_tokens(text) == []  # the appendix too
    # the signature block stands with the last part of the body; no word alone in the title
    page = next(p for p in pdf_text(out / "report.pdf").split("\f") if "Nơi nhận:" in p)
    assert "ĐỀ XUẤT, KIẾN NGHỊ" in page
    layout = pdf_text(out / "report.pdf", "-layout").splitlines()
    title_end = next(i for i, line in enumerate(layout) if "Kết quả tự kiểm tra" in line) + 1
    assert len(layout[title_end].split()) >= 2, layout[title_end]
    # the report id goes to the footer, not the body
    assert f"Lập từ báo cáo đánh giá {report.report_id}" in words
    fonts = subprocess.run(
        ["pdffonts", str(out / "report.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(re.search(r"\+(Liberation-Serif|TeX-Gyre-Termes)", f) for f in fonts), (
        fonts
    )
    assert all(line.split()[-5] == "yes" for line in fonts)  # every font embedded


def test_remediation_plan_names_person_due_date_and_action(
    commune: tuple[Report, Path, Path],
) -> None:
    report, _, tmp_path = commune
    undecided = next(row for row in report.plan if "Hồ sơ đề xuất cấp độ" in row.gap.vi)
    assert undecided.responsible == "Nguyễn Văn An"  # the officer, by default
    assert undecided.due == vn_date(report.generated_at) + dt.timedelta(days=7)  # high: 7 days
    assert undecided.kind == "document"  # a system without its level decision
    issue = undecided.actions[0]
    assert "Chủ tịch" in issue.text.vi and issue.template == "ho-so-cap-do"
    unrecorded = [r for r in report.plan if r.kind == "collect" and r.assets == ["*"]]
    assert unrecorded and all(len(r.actions) == 2 for r in unrecorded)  # issue, then record
    (tmp_path / "plan.pdf").write_bytes(render_pdf(report, "vi", "5").data)
    body = pdf_text(tmp_path / "plan.pdf")  # the official plan: words, no tool commands
    assert issue.text.vi.split(";")[0][:30] in " ".join(body.split())
    assert "auditor " not in body and ".yaml" not in body and "decision_no" not in body


def test_every_vietnamese_view_is_free_of_raw_tokens(commune: tuple[Report, Path, Path]) -> None:
    report, out, tmp_path = commune
    html = visible(render_html(report, "vi"))
    assert raw_tokens(html) == []
    made = auditor_cli("annual", str(out), "--db", f"sqlite:///{tmp_path}/h.db", home=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "CẢNH BÁO" not in made.stderr  # the report's own year: no warning
    future = auditor_cli(
        *("annual", str(out), "--db", f"sqlite:///{tmp_path}/h.db", "--year", "2099"),
        *("-o", str(tmp_path / "future.html")),
        home=tmp_path,
    )
    assert "CẢNH BÁO: năm 2099 chưa tới kỳ báo cáo" in future.stderr, future.stderr
    annual = visible((out / "annual-report.html").read_text(encoding="utf-8"))
    assert raw_tokens(annual) == []
    rendered = render_pdf(report, "vi", "5")
    (tmp_path / "plain.pdf").write_bytes(rendered.data)
    body = pdf_text(tmp_path / "plain.pdf")
    assert raw_tokens(body) == []


def test_near_miss_the_token_check_sees_a_raw_value(commune: tuple[Report, Path, Path]) -> None:
    """The raw-token test would fail if a view printed the tool's own words."""
    assert raw_tokens("Tường lửa: on; dịch vụ quản trị mở cho any source; ngày 2026-03-01") == [
        "on",
        "any source",
        "2026-03-01",
    ]
    assert raw_tokens("Chưa có xác nhận (outcome.awaiting_attestation)") == [
        "outcome.awaiting_attestation"
    ]


def load(path: Path) -> list[object]:
    from cryptography import x509

    return list(x509.load_pem_x509_certificates(path.read_bytes()))


def record(store: Store, report: Report, when: dt.datetime, evaluation: object) -> None:
    meta = AuditMeta(
        report_id=f"audit-{when:%Y%m%d}",
        generated_at=when.astimezone(dt.UTC),  # as an audit records it
        organisation=report.organisation.name,
        policy_id=report.policy.id,
        policy_digest=report.policy.digest,
    )
    severity = {r.id: r.severity.value for r in report.requirements}
    with store.transaction() as session:
        store.record(session, meta, evaluation, severity, {"high": 7}, "test")  # type: ignore[arg-type]


def fixed(report: Report) -> object:
    """The same audit with every failing requirement fixed on every asset."""
    requirements = [
        r.model_copy(update={"assets": {a: ReqStatus.met for a in r.assets}})
        if r.status is ReqStatus.not_met and r.assets
        else r
        for r in report.evaluation.requirements
    ]
    return report.evaluation.model_copy(update={"requirements": requirements})


def test_annual_report_covers_three_audits_and_an_incident(
    commune: tuple[Report, Path, Path],
) -> None:
    report, out, tmp_path = commune
    db = f"sqlite:///{tmp_path}/history.db"
    store = Store.for_organisation(report.organisation, db)
    vn = dt.timezone(dt.timedelta(hours=7))
    record(store, report, dt.datetime(2025, 12, 1, 9, tzinfo=vn), report.evaluation)  # before
    record(store, report, dt.datetime(2026, 1, 12, 9, tzinfo=vn), report.evaluation)
    record(store, report, dt.datetime(2026, 6, 3, 9, tzinfo=vn), fixed(report))
    record(store, report, dt.datetime(2026, 11, 20, 9, tzinfo=vn), report.evaluation)
    added = auditor_cli(
        "incidents", "add", "--db", db,
        "--at", "2026-05-03 09:30", "--type", "malware", "--severity", "medium",
        "--system", "lan", "--asset", "fs1",
        "--description", "Máy chủ tệp nhiễm mã độc tống tiền qua USB",
        "--actions", "Cô lập máy, khôi phục từ bản sao lưu",
        "--reported-to", "Công an tỉnh Sơn La (PA05)", "--reported-at", "2026-05-03 15:00",
        "-i", str(tmp_path / "inventory.yaml"),
        home=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    wrong = auditor_cli(
        "incidents", "add", "--db", db, "--at", "2026-05-03 09:30", "--type", "malware",
        "--severity", "medium", "--description", "x", "--system", "khong-co",
        "-i", str(tmp_path / "inventory.yaml"), home=tmp_path,
    )  # fmt: skip
    assert wrong.returncode == 2 and "khong-co" in wrong.stderr
    listed = auditor_cli(
        "incidents", "list", "--db", db, "--year", "2026", "--json", home=tmp_path
    )  # fmt: skip
    (entry,) = json.loads(listed.stdout)
    detected = dt.datetime.fromisoformat(entry["detected_at"])
    assert entry["kind"] == "malware"
    assert vn_time(detected).strftime("%d/%m %H:%M") == "03/05 09:30"
    shown = auditor_cli("incidents", "show", str(entry["id"]), "--db", db, home=tmp_path)
    assert "Phát hiện lúc: 03/05/2026 09:30" in shown.stdout and "Loại: Mã độc" in shown.stdout
    before = auditor_cli("incidents", "list", "--db", db, "--year", "2025", "--json", home=tmp_path)
    assert json.loads(before.stdout) == []
    made = auditor_cli(
        "annual", str(out), "--db", db, "--year", "2026", "--pdf", "--number", "7",
        home=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    words = flat(pdf_text(out / "annual-report.pdf"))
    for phrase in (
        "Số: 07/BC-UBND",
        "Tình hình bảo đảm an toàn hệ thống thông tin theo cấp độ năm 2026",
        "từ ngày 15/12/2025 đến ngày 14/12/2026",
        "đã tổ chức 3 lần tự kiểm tra, đánh giá (lần đầu ngày 12/01/2026, lần cuối ngày "
        "20/11/2026)",
        "Máy chủ tệp nhiễm mã độc tống tiền qua USB",
        "Công an tỉnh Sơn La (PA05), 03/05/2026 15:00",
        "Hệ thống một cửa điện tử",
        "Chưa được phê duyệt",
        "TM. ỦY BAN NHÂN DÂN",
    ):
        assert phrase in words, phrase
    assert "01/12/2025" not in words  # the audit before the period is not counted
    # the running footer (binding line, page number) may fall inside the sentence
    footer = r" ?Lập từ báo cáo đánh giá \S+ — SHA-256 của report\.json: \S+( \d+)?"
    body = re.sub(footer, "", words)
    fixed_count = re.search(r"đã khắc phục (\d+) tồn tại", body)
    assert fixed_count is not None and int(fixed_count.group(1)) > 0
    assert raw_tokens(pdf_text(out / "annual-report.pdf")) == []
    assert verify_pdf(out / "annual-report.pdf", load(tmp_path / "keys" / "cert.pem")).ok
    # TT 12/2022 Điều 14, item by item, each answered from the report and the period; the
    # criteria groups said "đã / chưa đáp ứng đầy đủ" as TT 12 asks
    assert "CÁC NỘI DUNG THEO ĐIỀU 14 THÔNG TƯ SỐ 12/2022/TT-BTTTT" in words  # its title
    assert "Việc tuân thủ quy chế bảo đảm an toàn hệ thống thông tin" in words
    assert "Chưa đáp ứng đầy đủ" in words
    html = visible((out / "annual-report.html").read_text(encoding="utf-8"))
    appendix = flat(html.split("Các nội dung theo Điều 14 Thông tư số 12/2022/TT-BTTTT", 1)[1])
    for n in range(1, 12):
        assert re.search(rf"\b{n} ", appendix), n
    summary = report.evaluation.summary.counts
    for phrase in (
        "Đã tự kiểm tra, đánh giá 3 lần trong kỳ (từ 12/01/2026 đến 20/11/2026)",
        f"{summary['met']}/{sum(summary.values())} yêu cầu đạt",
        "Hệ thống một cửa điện tử (đơn vị vận hành:",
        "hệ thống đã được phê duyệt hồ sơ đề xuất cấp độ",
        "Chưa đáp ứng đầy đủ:",
        "Việc tuân thủ quy chế bảo đảm an toàn hệ thống thông tin",
    ):
        assert phrase in appendix, (phrase, appendix)


def test_evidence_count_counts_files_not_failed_checks(commune: tuple[Report, Path, Path]) -> None:
    from auditor.report.annual import group_rows

    report, _, _ = commune
    rows = {row.group: row for row in group_rows(report)}
    files = {e.path for e in report.evidence}
    # management rests on the recorded documents and the scanned level decision
    attested = {p for p in files if p.startswith(("evidence/attestations/", "evidence/systems/"))}
    assert rows["management"].evidence == len(attested) > 0
    assert all(row.evidence <= len(files) for row in rows.values())


def test_key_file_signer_alone_leaves_the_person_and_agency_fields_empty(
    commune: tuple[Report, Path, Path],
) -> None:
    from auditor.report.pades import AGENCY_FIELD, PERSON_FIELD, empty_field_box, write_signed_pdf

    report, out, tmp_path = commune
    pdf = write_signed_pdf(
        out, report, "vi", KeyFileSigner(tmp_path / "keys", None), number=None,
        reason="r", location="l",
    )  # fmt: skip
    assert empty_field_box(pdf.read_bytes(), PERSON_FIELD) is not None
    assert empty_field_box(pdf.read_bytes(), AGENCY_FIELD) is not None
    assert re.search(r"Số:\s+/BC-UBND", pdf_text(pdf, "-layout"))  # blank for the clerk


def incident(
    hours_to_notice: float | None,
    severity: str = "medium",
    *,
    detected: dt.datetime = dt.datetime(2026, 5, 3, 9, 30, tzinfo=dt.UTC),
    hours_to_report: float | None = None,
    reference: str | None = "12/TB-UBND",
) -> Incident:
    def sent(kind: str, hours: float | None) -> list[dict[str, object]]:
        if hours is None:
            return []
        at = detected + dt.timedelta(hours=hours)
        return [{"kind": kind, "at": at, "to": "PA05", "reference": reference}]

    return Incident.model_validate(
        {
            "id": 1,
            "detected_at": detected,
            "kind": "malware",
            "severity": severity,
            "description": "x",
            "recorded_by": "an",
            "recorded_at": detected,
            "sent": sent("notice", hours_to_notice) + sent("report", hours_to_report),
        }
    )


def test_incident_reporting_is_judged_by_the_text_in_force_on_its_day() -> None:
    """TT 20/2017's five days before 01/07/2026, NĐ 331's 24 h notice and 72 h report of a
    serious incident after — whatever pack the audit runs under."""
    registry = discover()
    req = load_policy("nd85-level2", registry).requirement("L2-MGMT-IR-03")
    same = load_policy("nd331-level2", registry).requirement("L2-MGMT-IR-03")
    today = dt.date(2026, 11, 30)
    on_time = judge_incidents(req, [incident(5.5)], today)
    assert on_time is not None and on_time.status is Status.passed
    # near miss: a serious incident notified after 30 hours — on time on 30/06/2026 (five
    # days), late on 02/07/2026 (24 hours), under either pack
    june = dt.datetime(2026, 6, 30, 2, 0, tzinfo=dt.UTC)  # 30/06 09:00 in Vietnam
    july = dt.datetime(2026, 7, 2, 2, 0, tzinfo=dt.UTC)
    for pack_req in (req, same):
        before = judge_incidents(pack_req, [incident(30, "serious", detected=june)], today)
        assert before is not None and before.status is Status.passed
        after = judge_incidents(pack_req, [incident(30, "serious", detected=july)], today)
        assert after is not None and after.status is Status.failed
        assert after.params == {"ids": "#1"}
    # after 01/07/2026 the notice in 20 hours is not enough: the report is due in 72
    no_report = judge_incidents(req, [incident(20, "serious", detected=july)], today)
    assert no_report is not None and no_report.status is Status.failed
    both = judge_incidents(req, [incident(20, "serious", detected=july, hours_to_report=70)], today)
    assert both is not None and both.status is Status.passed
    # a medium incident after 01/07/2026 has no statutory deadline: the attestation decides
    assert judge_incidents(req, [incident(None, detected=july)], today) is None
    # sent in time but without a number: the officer's word only, not "met"
    unproven = judge_incidents(req, [incident(5.5, reference=None)], today)
    assert unproven is not None and unproven.status is Status.manual
    never = judge_incidents(req, [incident(None)], today)
    assert never is not None and never.status is Status.failed
    # nothing in the last 12 months: the register proves nothing, the attestation decides
    assert judge_incidents(req, [incident(1)], dt.date(2027, 6, 1)) is None
    from auditor.incidents import rule_for

    assert rule_for(june + dt.timedelta(hours=14, minutes=59)).id == "tt20-2017"  # type: ignore[union-attr]
    assert rule_for(june + dt.timedelta(hours=15)).id == "nd331-2026"  # type: ignore[union-attr]


def test_an_audit_judges_incident_reporting_from_the_register(tmp_path: Path) -> None:
    from tests.test_history_e2e import audit_with_firewall, setup

    home, inv = setup(tmp_path)
    late = auditor_cli(
        "incidents", "add", "--at", "2026-05-03 09:30", "--type", "intrusion",
        "--severity", "high", "--description", "Đăng nhập trái phép vào máy Chủ tịch",
        "--reported-to", "Công an tỉnh", "--reported-at", "2026-05-10 09:30", home=home,
    )  # fmt: skip
    assert late.returncode == 0, late.stderr
    audit_with_firewall(tmp_path, home, inv, public_on=True)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    result = next(
        r for r in report["evaluation"]["requirements"] if r["requirement"] == "L2-MGMT-IR-03"
    )
    assert result["status"] == "not_met"  # 7 days after detection: later than TT 20's 5 days
    assert result["attestation"]["note"] == "outcome.incidents_late"


def test_incidents_are_followed_to_closure_in_an_append_only_register(tmp_path: Path) -> None:
    """A serious incident recorded late says so at once; the notice sent later, a note and
    the closure are added with who and when; nothing is rewritten; closing twice is refused."""
    home = tmp_path / "home"
    detected = (dt.datetime.now(VIETNAM) - dt.timedelta(days=3)).replace(second=0, microsecond=0)
    at = detected.strftime("%Y-%m-%d %H:%M")
    added = auditor_cli(
        "incidents", "add", "--at", at, "--type", "defacement", "--severity", "serious",
        "--description", "Trang thông tin điện tử của xã bị thay giao diện", "--by", "an",
        home=home,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "CẢNH BÁO" in added.stderr and "thông báo ban đầu" in added.stderr
    assert "331/2026/NĐ-CP" in added.stderr  # the text in force on the incident's day
    sent_at = (detected + dt.timedelta(hours=30)).strftime("%Y-%m-%d %H:%M")
    update = auditor_cli(
        "incidents", "update", "1", "--sent", "notice", "--to", "Công an tỉnh (PA05)",
        "--at", sent_at, "--channel", "email", "--reference", "12/TB-UBND", "--by", "binh",
        home=home,
    )  # fmt: skip
    assert update.returncode == 0, update.stderr
    assert "báo cáo (nguyên nhân, phạm vi, khắc phục)" in update.stderr + update.stdout
    noted = auditor_cli(
        "incidents", "update", "1", "--note", "Đã khôi phục trang từ bản sao lưu", home=home
    )
    assert noted.returncode == 0, noted.stderr
    empty = auditor_cli("incidents", "update", "1", home=home)
    assert empty.returncode != 0 and "--note" in empty.stderr
    closed = auditor_cli("incidents", "close", "1", "--result", "Đã khắc phục", home=home)
    assert closed.returncode == 0, closed.stderr
    again = auditor_cli("incidents", "close", "1", "--result", "Lần nữa", home=home)
    assert again.returncode != 0 and "đã đóng" in again.stderr
    shown = auditor_cli("incidents", "show", "1", home=home).stdout
    for words in (
        "Ghi vào sổ", "Gửi báo cáo", "Ghi thêm: Đã khôi phục trang từ bản sao lưu",
        "Đóng sự cố: Đã khắc phục", "thư điện tử, số 12/TB-UBND", "Quá hạn",
        "Nghị định số 331/2026/NĐ-CP",
    ):  # fmt: skip
        assert words in shown, (words, shown)
    assert "binh" in shown and "an" in shown
    (entry,) = json.loads(auditor_cli("incidents", "list", "--json", home=home).stdout)
    assert entry["rule"] == "nd331-2026" and entry["closed_at"] is not None
    assert [(d["report"], d["state"]) for d in entry["deadlines"]] == [
        ("notice", "late"),
        ("report", "late"),
    ]
    assert [e["kind"] for e in entry["history"]] == ["recorded", "sent", "update", "closed"]


def test_accepted_risk_count_is_explained_beside_the_waived_findings(tmp_path: Path) -> None:
    from auditor.report.model import Changes, History, PlanItem

    report, _, _ = build(tmp_path)
    waived = [
        PlanItem(
            id=n, asset_id=a, requirement="L2-CFG-FW-01", severity="high", status="waived",
            waiver_reason="Máy sắp thanh lý", waiver_until=dt.date(2027, 1, 1),
            approved_by="Chủ tịch",
        )
        for n, a in ((1, "fs1"), (2, "fs2"))
    ]  # fmt: skip
    history = History(
        plan=waived,
        changes=Changes(previous_report_id=None, new=[], fixed=[], regressed=[], unchanged=0),
        trend=[],
    )
    html = visible(render_html(report.model_copy(update={"history": history}), "vi"))
    assert "2 phát hiện đang được chấp nhận rủi ro" in flat(html)
    counted = report.evaluation.summary.counts["waived"]
    assert f"{counted} yêu cầu có kết quả chung “Chấp nhận rủi ro”" in flat(html)


def test_english_pdf_has_plurals_and_no_python_none(tmp_path: Path) -> None:
    from tests.golden import golden_report

    report = golden_report()
    (tmp_path / "en.pdf").write_bytes(render_pdf(report, "en", "5").data)
    words = " ".join(pdf_text(tmp_path / "en.pdf").split())
    assert "2 information systems (20 devices)" in words
    assert "(s)" not in words and " None " not in f" {words} "
    one = report.model_copy(update={"systems": report.systems[:1]})
    (tmp_path / "one.pdf").write_bytes(render_pdf(one, "en", "5").data)
    assert "1 information system (20 devices)" in " ".join(pdf_text(tmp_path / "one.pdf").split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_annual_report_under_the_2026_pack_is_a_mau08_cong_van(tmp_path: Path) -> None:
    """Under the NĐ 331 pack the annual report is Mẫu 08: Số …/UBND, V/v, Kính gửi the
    chuyên trách unit, the counts, the owner and the unit, the twelve columns with the
    approval and implementation words, the signature and Nơi nhận; under the NĐ 85 pack it
    stays the TT 12 Đ14 report."""
    from auditor.report.annual import (
        PeriodHistory,
        annual_context,
        annual_template,
        render_annual,
    )
    from auditor.report.model import PolicyInfo

    report, _, _ = build(tmp_path, commune=True)
    assert annual_template(report) == "annual.html.j2"  # the NĐ 85 pack: TT 12's items
    pack = load_policy("nd331-level2", discover())
    documents = report.organisation.documents.model_copy(
        update={"addressee": "Công an tỉnh Sơn La (Phòng PA05)", "phone": "0212 3850 000"}
    )
    motcua = report.systems[1].model_copy(
        update={"approval_status": "submitted", "expected_approval": dt.date(2027, 3, 31)}
    )
    report = report.model_copy(
        update={
            "policy": PolicyInfo.of(pack, vn_date(report.generated_at)),
            "organisation": report.organisation.model_copy(update={"documents": documents}),
            "systems": [report.systems[0], motcua],
        }
    )
    assert annual_template(report) == "annual-mau08.html.j2"
    context = annual_context(report, "vi", PeriodHistory(), year=2026, number="9")
    html = render_annual(report, "vi", PeriodHistory(), year=2026, number="9")
    for phrase in (
        "Tình trạng phê duyệt", "Quy chế bảo đảm an ninh mạng", "Dự kiến triển khai đầy đủ",
        "Hình thức kiểm tra", "Đã được phê duyệt", "Đã gửi thẩm định", "Định kỳ",
        "Chưa đáp ứng đầy đủ", "(Kèm theo Công văn số 09/UBND",
        "Số 12/QĐ-UBND ngày 01/03/2026",  # the quy chế recorded for L2-MGMT-POL-01
    ):  # fmt: skip
        assert phrase in html, phrase
    pdf = tmp_path / "annual.pdf"
    pdf.write_bytes(
        render_pdf(report, "vi", template=annual_template(report), context=context).data
    )
    words = flat(pdf_text(pdf))
    for phrase in (
        "Số: 09/UBND",
        "V/v kết quả công tác bảo đảm an ninh mạng hệ thống thông tin",
        "Kính gửi: Công an tỉnh Sơn La (Phòng PA05)",
        "1. Thông tin chung",
        "Tổng số hệ thống thông tin thuộc phạm vi quản lý: 2.",
        "đang dự thảo 0; đã gửi thẩm định 1; đã thẩm định 0; đã được phê duyệt 1.",
        "Dự kiến thời gian hoàn thành phê duyệt cấp độ toàn bộ hệ thống thông tin: 31/03/2027.",
        "a) Chủ quản hệ thống thông tin: UBND xã Thử.",
        "Điện thoại: 0212 3850 000.",
        "b) Đơn vị, người phụ trách an ninh mạng: Nguyễn Văn An",
        "UBND xã Thử trân trọng báo cáo.",
        "Nơi nhận:", "- Lưu: VT, VHXH.", "KT. CHỦ TỊCH", "Lê Văn Cường",
    ):  # fmt: skip
        assert phrase in words, phrase
    assert re.search(r"Đã triển khai một số hạng mục|Chưa triển khai|Đã triển khai đầy đủ", html)
    assert "Căn cứ" not in words  # a công văn answers; it has no "Căn cứ" block
    assert raw_tokens(pdf_text(pdf)) == []


def test_a_report_answering_a_plan_opens_with_it_and_names_the_local_plan(
    tmp_path: Path,
) -> None:
    """ "Thực hiện …" in place of the "Căn cứ" lines when the report answers a plan; the
    requirements' "Kế hoạch địa phương" named by that plan; no bare "—" as a basis."""
    from auditor.report.pdf import report_context

    report, _, _ = build(tmp_path, commune=True)
    plan = "Kế hoạch số 12/KH-UBND ngày 15/01/2026 của UBND tỉnh Sơn La"
    documents = report.organisation.documents.model_copy(
        update={"answers": [plan], "local_plan": plan}
    )
    answering = report.model_copy(
        update={"organisation": report.organisation.model_copy(update={"documents": documents})}
    )
    context = report_context(answering, "vi", "5")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(answering, "vi", template="report.pdf.j2", context=context).data)
    words = flat(pdf_text(pdf))
    assert f"Thực hiện {plan}, UBND xã Thử báo cáo kết quả tự kiểm tra" in words
    assert "Căn cứ Luật" not in words and "Căn cứ Nghị định" not in words  # no "Căn cứ" block
    assert "Kế hoạch địa phương" not in words and f"{plan}: sao lưu" in words
    html = render_html(answering, "vi")
    assert "Không có căn cứ ngoài bộ tiêu chí" in html  # never a bare "—" as a basis
    # without a plan given, the reference says the local plan is not named yet
    unnamed = render_html(report, "vi")
    assert "kế hoạch của địa phương (chưa khai báo số, ngày" in unnamed


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_an_incident_notice_and_reports_are_signed_official_documents(tmp_path: Path) -> None:
    """`incidents report` makes the notice, the report and the final report of an incident
    as NĐ 30 documents with the fields the forms ask for, from the register and the
    inventory; a field the register lacks is a dotted line and is named on the console; the
    PDF is certified and bound to the incident's record (one changed byte of it unbinds);
    the final report of an open incident is refused."""
    import hashlib

    from auditor.report.pades import bound_to, verify_pdf
    from tests.helpers import ORG

    home = tmp_path / "home"
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        ORG + "systems:\n  - {id: web, name: Cổng thông tin điện tử xã, level: 2,"
        " operator: Văn phòng HĐND và UBND xã}\n"
        + "assets:\n  - {id: web-xa, name: Máy chủ web, kind: website, connection: http,"
        " address: 203.0.113.10, systems: [web]}\n",
        encoding="utf-8",
    )
    assert auditor_cli("keys", "init", "--org", "UBND xã Thử", home=home).returncode == 0
    detected = (dt.datetime.now(VIETNAM) - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    added = auditor_cli(
        "incidents", "add", "-i", str(inventory), "--at", f"{detected:%Y-%m-%d %H:%M}",
        "--type", "defacement", "--severity", "serious", "--system", "web", "--asset", "web-xa",
        "--description", "Trang chủ bị thay giao diện", "--actions", "Ngắt máy chủ khỏi mạng",
        "--detected-by", "Người dân báo qua điện thoại", home=home,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    out = tmp_path / "docs"
    out.mkdir()

    def report(kind: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return auditor_cli(
            "incidents", "report", "1", "--kind", kind, "-i", str(inventory), "-o", str(out),
            "--pdf", *extra, home=home,
        )  # fmt: skip

    notice = report("notice", "--to", "Công an tỉnh Sơn La (PA05)")
    assert notice.returncode == 0, notice.stderr
    # what the register does not hold yet is named, not invented
    assert "Phạm vi ảnh hưởng" in notice.stderr and "Đề xuất, kiến nghị" in notice.stderr
    text = flat(pdf_text(out / "incident-1-notice.pdf", "-layout"))
    for words in (
        "THÔNG BÁO", "Về sự cố an ninh mạng (thông báo ban đầu)", "/TB-UBND",
        "Kính gửi: Công an tỉnh Sơn La (PA05)",
        "Thực hiện quy định tại Nghị định số 331/2026/NĐ-CP",
        "Cổng thông tin điện tử xã; Máy chủ web (203.0.113.10)", "Cấp độ 2",
        "Văn phòng HĐND và UBND xã", f"{detected:%H:%M} {detected:%d/%m/%Y}",
        "Người dân báo qua điện thoại", "Trang chủ bị thay giao diện", "Ngắt máy chủ khỏi mạng",
        "Đang xử lý", "Nguyễn Văn An", "trân trọng thông báo",
    ):  # fmt: skip
        assert words in text, (words, text)
    assert "Nguyên nhân" not in text  # the notice does not ask for the cause yet
    assert raw_tokens(text) == []

    # bound to its record: the certified keywords carry the record's sha256
    record = (out / "incident-1-notice.json").read_bytes()
    verdict = verify_pdf(out / "incident-1-notice.pdf", [])
    digest = hashlib.sha256(record).hexdigest()
    assert verdict.signatures and verdict.signatures[0].intact
    assert bound_to(verdict, "incident-1-notice", digest)
    assert not bound_to(verdict, "incident-1-notice", hashlib.sha256(record + b" ").hexdigest())
    assert (
        "Signature is Valid"
        in subprocess.run(
            ["pdfsig", str(out / "incident-1-notice.pdf")], capture_output=True, text=True
        ).stdout
    )

    sent = (detected + dt.timedelta(hours=20)).strftime("%Y-%m-%d %H:%M")
    recorded = auditor_cli(
        "incidents", "update", "1", "--sent", "notice", "--to", "Công an tỉnh Sơn La (PA05)",
        "--at", sent, "--reference", "15/TB-UBND", "--cause", "Mật khẩu quản trị yếu",
        "--affected", "Trang chủ; tên miền xathu.gov.vn", home=home,
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    shown = auditor_cli("incidents", "show", "1", home=home).stdout
    assert "Nguyên nhân: Mật khẩu quản trị yếu" in shown
    assert "Bổ sung thông tin: Nguyên nhân = Mật khẩu quản trị yếu" in shown
    second = report("report")
    assert second.returncode == 0, second.stderr
    text = flat(pdf_text(out / "incident-1-report.pdf", "-layout"))
    for words in (
        "BÁO CÁO", "Về nguyên nhân, phạm vi và biện pháp khắc phục sự cố an ninh mạng",
        "Kính gửi: Công an tỉnh Sơn La (PA05)",  # the notice's addressee, when not given
        "Nguyên nhân", "Mật khẩu quản trị yếu", "Trang chủ; tên miền xathu.gov.vn",
        "15/TB-UBND", "trân trọng báo cáo",
    ):  # fmt: skip
        assert words in text, (words, text)
    assert raw_tokens(text) == []

    refused = report("final")
    assert refused.returncode != 0 and "chưa đóng" in refused.stderr
    assert not (out / "incident-1-final.pdf").exists()
    closed = auditor_cli("incidents", "close", "1", "--result", "Đã khôi phục trang", home=home)
    assert closed.returncode == 0, closed.stderr
    final = report("final")
    assert final.returncode == 0, final.stderr
    text = flat(pdf_text(out / "incident-1-final.pdf", "-layout"))
    assert "Kết thúc ứng phó sự cố an ninh mạng" in text and "Đã khôi phục trang" in text

    # an incident of May 2026 falls under TT 20/2017: its form (Mẫu 03) and its basis
    may = auditor_cli(
        "incidents", "add", "-i", str(inventory), "--at", "2026-05-03 09:30", "--type",
        "malware", "--severity", "high", "--description", "Mã độc trên máy văn thư", home=home,
    )  # fmt: skip
    assert may.returncode == 0, may.stderr
    old = auditor_cli(
        "incidents", "report", "2", "--kind", "report", "-i", str(inventory), "-o", str(out),
        home=home,
    )  # fmt: skip
    assert old.returncode == 0, old.stderr
    html = visible((out / "incident-2-report.html").read_text(encoding="utf-8"))
    assert "Ban đầu về sự cố mạng" in html and "Thông tư số 20/2017/TT-BTTTT" in html
    assert not (out / "incident-2-report.pdf").exists()  # no --pdf: HTML only
