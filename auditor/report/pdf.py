"""Render the canonical report as an A4 PDF laid out as an administrative document (NĐ
30/2020, Phụ lục I: letterhead, number and date line, title, legal bases, body, the competent
person's signature block with the agency's seal over it, recipients, drafter).

WeasyPrint renders from a jinja2 template with a Times-metric font named by file (see
fonts.py); nothing is fetched from the network.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from markupsafe import Markup

from auditor.messages.catalogue import Messages
from auditor.report.by_system import system_verdicts
from auditor.report.fonts import document_font
from auditor.report.html import environment, load_resource
from auditor.report.methodology import methodology
from auditor.report.model import Report
from auditor.report.official import letterhead, stamp_time, vn_date
from auditor.results import ReqStatus

PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
PERSON_ANCHORS = ("sig-person", "sig-person-end")  # the competent person's box (ô 7c)
MM_TO_PT = 72 / 25.4
Box = tuple[float, float, float, float]  # PDF points, origin bottom-left


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    person_page: int  # 0-based page of the signature block
    person_box: Box  # ô 7c, between the title and the name
    agency_box: Box  # ô 8: the seal at its real size, over the left third of the person's box


@dataclass(frozen=True)
class SignatureLook:
    """What a signature's appearance shows: names read from its certificate, and the image
    (a blue signature for the person, a red seal for the agency) when one is given."""

    role: Literal["person", "agency"]
    name: str
    title: str
    organisation: str
    image: bytes | None = None


def document_context(
    report: Report,
    lang: str,
    number: str | None,
    abstract: str,
    proposals: Sequence[str],
    report_sha256: str = "",
) -> dict[str, Any]:
    """What every official view needs: letterhead, fonts, date helpers, and the line that
    binds the document to its report.json (in the footer and the certified metadata, never
    in the body)."""
    t = Messages(lang)
    citations = [c(lang) for c in report.policy.citations]
    return {
        "report": report,
        "t": t,
        "lang": lang,
        "ReqStatus": ReqStatus,
        "h": letterhead(
            report.organisation,
            t,
            number=number,
            day=vn_date(report.generated_at),
            citations=citations,
        ),
        "abstract": abstract,
        "title_lines": no_widow(abstract),
        "binding_css": css_string(
            t("doc.binding", report_id=report.report_id, sha256=report_sha256)
            if report_sha256
            else t("doc.binding_id", report_id=report.report_id)
        ),
        "proposals": proposals or report.organisation.documents.proposals,
        "reqs": {r.id: r for r in report.requirements},
        "fonts": Markup(document_font().css()),  # file URIs we chose, not input
        "css": Markup(load_resource("report-pdf.css") or ""),  # package data, not input
    }


def report_context(
    report: Report,
    lang: str,
    number: str | None,
    proposals: Sequence[str] = (),
    report_sha256: str = "",
) -> dict[str, Any]:
    t = Messages(lang)
    abstract = report.policy.abstract(lang) if report.policy.abstract else t("report.title")
    counts: dict[str, dict[str, int]] = {
        a.id: {s.value: 0 for s in ReqStatus} for a in report.assets
    }
    for result in report.evaluation.requirements:
        for asset_id, status in result.assets.items():
            counts[asset_id][status.value] += 1
    return {
        **document_context(report, lang, number, abstract, proposals, report_sha256),
        "asset_counts": counts,
        "systems": system_verdicts(report),
        "methodology": methodology(report, t),
    }


def render_pdf(
    report: Report,
    lang: str,
    number: str | None = None,
    *,
    template: str = "report.pdf.j2",
    context: dict[str, Any] | None = None,
    report_sha256: str = "",
) -> RenderedPdf:
    """Lay out the report (or another view of it, e.g. the annual report) as PDF 1.7 and
    find where the signature block landed."""
    context = context or report_context(report, lang, number, report_sha256=report_sha256)
    html = environment().get_template(template).render(**context)
    return render_document(html, report.organisation.documents.seal_mm)


def render_document(html: str, seal_mm: float) -> RenderedPdf:
    """Lay out an official document's HTML as PDF 1.7 and find its signature block (the
    seal `seal_mm` wide over it)."""
    from weasyprint import HTML  # optional dependency, imported only when a PDF is wanted

    document = HTML(string=html).render()
    page_index, box = _box(document, PERSON_ANCHORS) or (len(document.pages) - 1, _FALLBACK)
    return RenderedPdf(
        data=document.write_pdf(pdf_version="1.7"),
        pages=len(document.pages),
        person_page=page_index,
        person_box=box,
        agency_box=seal_box(box, seal_mm * MM_TO_PT),
    )


def seal_box(person: Box, seal: float) -> Box:
    """ô 8: the seal at its real size (`seal` points square), its right edge a third of the
    way into the person's box and centred on it vertically, so it covers about a third of
    the signature on its left (NĐ 30/2020, Phụ lục I, II.8)."""
    x1, y1, x2, y2 = person
    right = x1 + (x2 - x1) / 3
    middle = (y1 + y2) / 2
    return (right - seal, middle - seal / 2, right, middle + seal / 2)


def css_string(text: str) -> Markup:
    """A CSS string literal (for the footer's `content:`), safe inside <style>: quotes,
    backslashes, angle brackets and control characters escaped as CSS escapes."""
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\<>&' else f"\\{ord(ch):x} " for ch in text
    )
    return Markup(f'"{escaped}"')


def no_widow(title: str) -> str:
    """The title with its last two words held together, so no word stands alone on the
    last line."""
    head, _, last = title.rpartition(" ")
    return f"{head}\u00a0{last}" if head else title


def render_stamp(lang: str, box: Box, look: SignatureLook) -> bytes:
    """The visible appearance of a signature: the image, and who signed (from the
    certificate), for which body, and when in Vietnam time."""
    from weasyprint import HTML

    image = base64.b64encode(look.image).decode() if look.image else ""
    html = (
        environment()
        .get_template("stamp.pdf.j2")
        .render(
            t=Messages(lang),
            lang=lang,
            look=look,
            image=image,
            signed_at=stamp_time(lang, datetime.now(UTC)),
            fonts=Markup(document_font().css()),
            width_mm=round((box[2] - box[0]) / MM_TO_PT, 2),
            height_mm=round((box[3] - box[1]) / MM_TO_PT, 2),
        )
    )
    return bytes(HTML(string=html).write_pdf(pdf_version="1.7"))


_FALLBACK: Box = (330.0, 60.0, 530.0, 140.0)


def _box(document: Any, anchors: tuple[str, str]) -> tuple[int, Box] | None:
    """Page and rectangle of an empty signature area, for pyHanko's visible field: the
    corners are two anchors (public `Page.anchors`, CSS px from the page's top-left)."""
    for index, page in enumerate(document.pages):
        start, end = page.anchors.get(anchors[0]), page.anchors.get(anchors[1])
        if start is not None and end is not None:
            height_pt = page.height * PX_TO_PT
            x1, top = start[0] * PX_TO_PT, start[1] * PX_TO_PT
            x2, bottom = end[0] * PX_TO_PT, end[1] * PX_TO_PT
            return index, (x1, height_pt - bottom, x2, height_pt - top)
    return None
