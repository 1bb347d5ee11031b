"""Render the canonical report as an A4 PDF laid out as an administrative document (NĐ
30/2020, Phụ lục I: letterhead, number and date line, title, legal bases, body, the head's
and the preparer's signature blocks, recipients).

WeasyPrint renders from a jinja2 template with a Times-metric font named by file (see
fonts.py); nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from auditor.engine import ReqStatus
from auditor.messages.catalogue import Messages
from auditor.report.by_system import system_verdicts
from auditor.report.fonts import document_font
from auditor.report.html import environment, load_resource
from auditor.report.methodology import methodology
from auditor.report.model import Report
from auditor.report.official import letterhead, vn_date, vn_time
from auditor.report.remediation import plan_rows

PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
PREPARER_FIELD = ("sig-field", "sig-field-end")  # anchors of the preparer's signature box
HEAD_FIELD = ("sig-head", "sig-head-end")  # the head's (chairman's) signature box
Box = tuple[float, float, float, float]  # PDF points, origin bottom-left


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    signature_page: int  # 0-based; the preparer's field, signed first
    signature_box: Box
    stamp: bytes  # a one-page PDF drawn in the same fonts, used as the signature's appearance
    head_page: int | None = None  # the head's field, left empty for `auditor cosign`
    head_box: Box | None = None


def document_context(
    report: Report, lang: str, number: str | None, abstract: str, proposals: Sequence[str]
) -> dict[str, Any]:
    """What every official view needs: letterhead, fonts, date helpers."""
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
        "proposals": proposals or report.organisation.documents.proposals,
        "reqs": {r.id: r for r in report.requirements},
        "fonts": Markup(document_font().css()),  # file URIs we chose, not input
        "css": Markup(load_resource("report-pdf.css") or ""),  # package data, not input
    }


def report_context(
    report: Report, lang: str, number: str | None, proposals: Sequence[str] = ()
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
        **document_context(report, lang, number, abstract, proposals),
        "asset_counts": counts,
        "systems": system_verdicts(report),
        "plan": plan_rows(report, t),
        "methodology": methodology(report, t),
    }


def render_pdf(
    report: Report,
    lang: str,
    number: str | None = None,
    *,
    template: str = "report.pdf.j2",
    context: dict[str, Any] | None = None,
) -> RenderedPdf:
    """Lay out the report (or another view of it, e.g. the annual report) and find where
    the signature blocks landed."""
    from weasyprint import HTML  # optional dependency, imported only when a PDF is wanted

    context = context or report_context(report, lang, number)
    html = environment().get_template(template).render(**context)
    document = HTML(string=html).render()
    page_index, box = _box(document, PREPARER_FIELD) or (len(document.pages) - 1, _FALLBACK)
    head = _box(document, HEAD_FIELD)
    signer = report.organisation.security_officer.name
    return RenderedPdf(
        data=document.write_pdf(),
        pages=len(document.pages),
        signature_page=page_index,
        signature_box=box,
        stamp=render_stamp(lang, box, signer, report.organisation.name),
        head_page=head[0] if head else None,
        head_box=head[1] if head else None,
    )


def render_stamp(lang: str, box: Box, signer: str, organisation: str) -> bytes:
    """The visible appearance of a signature: who signed, for which body, and when, in
    ISO 8601 with the Vietnamese offset (NĐ 30/2020, Phụ lục I, II.8)."""
    from weasyprint import HTML

    now = vn_time(datetime.now(UTC)).replace(microsecond=0)
    html = (
        environment()
        .get_template("stamp.pdf.j2")
        .render(
            t=Messages(lang),
            lang=lang,
            signer=signer,
            organisation=organisation,
            signed_at=now.isoformat(),
            fonts=Markup(document_font().css()),
            width_mm=round((box[2] - box[0]) / 72 * 25.4, 2),
            height_mm=round((box[3] - box[1]) / 72 * 25.4, 2),
        )
    )
    return bytes(HTML(string=html).write_pdf())


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
