"""Render the canonical report as an A4 PDF laid out like a Vietnamese administrative report
(national motto header, issuing body, number/date line, title, body, signature block).

WeasyPrint renders from a jinja2 template with DejaVu fonts, which ship with the system and
carry every Vietnamese diacritic; nothing is fetched from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from auditor.engine import ReqStatus
from auditor.messages.catalogue import Messages
from auditor.report.html import environment, load_resource
from auditor.report.methodology import methodology
from auditor.report.model import Report
from auditor.report.remediation import grouped_fixes

PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
SIGNATURE_FIELD_ID = "sig-field"
SIGNATURE_END_ID = "sig-field-end"  # a zero-size box at the field's bottom-right corner


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    signature_page: int  # 0-based
    signature_box: tuple[float, float, float, float]  # PDF points, origin bottom-left
    stamp: bytes  # a one-page PDF drawn in the same fonts, used as the signature's appearance


def _context(report: Report, lang: str, number: str | None) -> dict[str, Any]:
    t = Messages(lang)
    org = report.organisation
    when = report.generated_at
    counts: dict[str, dict[str, int]] = {
        a.id: {s.value: 0 for s in ReqStatus} for a in report.assets
    }
    for result in report.evaluation.requirements:
        for asset_id, status in result.assets.items():
            counts[asset_id][status.value] += 1
    return {
        "report": report,
        "t": t,
        "lang": lang,
        "ReqStatus": ReqStatus,
        "reqs": {r.id: r for r in report.requirements},
        "asset_counts": counts,
        "fixes": grouped_fixes(report),
        "methodology": methodology(report, t),
        "number": number or "……/BC",
        "parent": t("pdf.parent", province=org.province),
        "org_upper": org.name.upper(),
        "place_date": t(
            "pdf.place_date",
            place=org.commune[:1].upper() + org.commune[1:],
            day=when.day,
            month=when.month,
            year=when.year,
        ),
        "css": Markup(load_resource("report-pdf.css") or ""),  # package data, not input
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
    the signature block landed."""
    from weasyprint import HTML  # optional dependency, imported only when a PDF is wanted

    context = context or _context(report, lang, number)
    html = environment().get_template(template).render(**context)
    document = HTML(string=html).render()
    page_index, box = _signature_box(document)
    stamp_html = (
        environment()
        .get_template("stamp.pdf.j2")
        .render(
            **context,
            width_mm=round((box[2] - box[0]) / 72 * 25.4, 2),
            height_mm=round((box[3] - box[1]) / 72 * 25.4, 2),
        )
    )
    return RenderedPdf(
        data=document.write_pdf(),
        pages=len(document.pages),
        signature_page=page_index,
        signature_box=box,
        stamp=HTML(string=stamp_html).write_pdf(),
    )


def _signature_box(document: Any) -> tuple[int, tuple[float, float, float, float]]:
    """Page and rectangle of the empty signature area, for pyHanko's visible field: the
    corners are two anchors (public `Page.anchors`, CSS px from the page's top-left)."""
    for index, page in enumerate(document.pages):
        start, end = page.anchors.get(SIGNATURE_FIELD_ID), page.anchors.get(SIGNATURE_END_ID)
        if start is not None and end is not None:
            height_pt = page.height * PX_TO_PT
            x1, top = start[0] * PX_TO_PT, start[1] * PX_TO_PT
            x2, bottom = end[0] * PX_TO_PT, end[1] * PX_TO_PT
            return index, (x1, height_pt - bottom, x2, height_pt - top)
    last = len(document.pages) - 1
    return last, (330.0, 60.0, 530.0, 140.0)
