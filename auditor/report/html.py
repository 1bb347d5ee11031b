"""Render the canonical report as HTML through jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup, escape

from auditor.checking import Status
from auditor.engine import ReqStatus
from auditor.messages.catalogue import Messages
from auditor.report.methodology import methodology
from auditor.report.model import Report
from auditor.report.official import dmy, vn_date, vn_time


def load_resource(name: str) -> str | None:
    resource = files("auditor.reports").joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


@cache
def environment() -> Environment:
    """One environment for the process: it keeps the compiled templates (compiling the
    dashboard's took as long as rendering it). Nothing changes it after it is made."""
    env = Environment(
        loader=FunctionLoader(load_resource),
        undefined=StrictUndefined,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["show"] = show_value
    env.filters["words"] = words
    env.globals["dmy"] = dmy
    env.globals["hm"] = hm
    env.globals["vn_day"] = vn_date  # the calendar day in Vietnam of a moment
    env.filters["basis"] = basis
    return env


def word(t: Messages, value: Any) -> str:
    """A value in the reader's language: the catalogue's `value.*` words for the tool's own
    tokens ("on", "[]", "any source"), yes/no for booleans, anything else as it was read."""
    if isinstance(value, bool):
        return t("value.yes" if value else "value.no")
    text = str(value)
    return t("value." + text) if t.has("value." + text) else text


@pass_context
def show_value(context: Any, value: Any) -> str:
    """Observed/expected values as the officer reads them, in the report's language."""
    return said(context["t"], value)


def said(t: Messages, value: Any) -> str:
    """A value in the reader's words: "—" for none, a list joined, each item by `word`."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(word(t, v) for v in value) if value else t("value.empty")
    return word(t, value)


@pass_context
def words(context: Any, params: dict[str, Any]) -> dict[str, str]:
    """A note's parameters in the report's language (`what="port forwards"` and the like)."""
    return {key: word(context["t"], value) for key, value in params.items()}


@pass_context
def basis(context: Any, reference: str) -> str:
    """A requirement's legal basis as a document shows it: "Kế hoạch địa phương" named by
    the commune's own plan (number and date) where the inventory gives it, and a missing
    one said in words, never "—"."""
    t = context["t"]
    if not reference.strip() or reference.strip() == "—":
        return str(t("doc.no_basis"))
    plan = context["report"].organisation.documents.local_plan
    local = "Kế hoạch địa phương"
    if local in reference:
        named = plan if plan else t("doc.local_plan_unnamed")
        reference = reference.replace(local, named)
    return reference


def hm(moment: datetime) -> str:
    """dd/mm/yyyy hh:mm in Vietnam time."""
    return vn_time(moment).strftime("%d/%m/%Y %H:%M")


def render_html(report: Report, lang: str) -> str:
    t = Messages(lang)
    reqs = {r.id: r for r in report.requirements}
    by_asset: dict[str, list[Any]] = {}
    for ar in report.evaluation.asset_results:
        by_asset.setdefault(ar.asset_id, []).append(ar)
    groups: dict[str, list[Any]] = {}
    for result in report.evaluation.requirements:
        groups.setdefault(reqs[result.requirement].group, []).append(result)
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            t=t,
            lang=lang,
            reqs=reqs,
            groups=groups,
            by_asset=by_asset,
            finding_ids={
                (p.asset_id, p.requirement): p.id
                for p in (report.history.plan if report.history else [])
            },
            methodology=methodology(report, t),
            trend_svg=trend_svg(report, t),
            ReqStatus=ReqStatus,
            Status=Status,
            css=Markup(load_resource("report.css") or ""),  # our own package data, not input
        )
    )


def trend_svg(report: Report, t: Messages) -> Markup:
    """Met requirements and open findings over the last audits as an inline SVG (no JS)."""
    points = report.history.trend if report.history else []
    if len(points) < 2:
        return Markup("")
    width, height, pad = 640, 220, 36
    top = max(max(p.met for p in points), max(p.open_findings for p in points), 1)
    step = (width - 2 * pad) / (len(points) - 1)

    def xy(index: int, value: int) -> str:
        return f"{pad + index * step:.1f},{height - pad - value / top * (height - 2 * pad):.1f}"

    met = " ".join(xy(i, p.met) for i, p in enumerate(points))
    open_ = " ".join(xy(i, p.open_findings) for i, p in enumerate(points))
    # the shortest date format that tells the audits apart (several may run on one day)
    shape = next(
        (
            f
            for f in ("%d/%m", "%d/%m %H:%M", "%d/%m %H:%M:%S")
            if len({vn_time(p.generated_at).strftime(f) for p in points}) == len(points)
        ),
        "%d/%m %H:%M:%S",
    )
    labels = "".join(
        f'<text x="{pad + i * step:.1f}" y="{height - 12}" text-anchor="middle">'
        f"{escape(vn_time(p.generated_at).strftime(shape))}</text>"
        for i, p in enumerate(points)
    )
    return Markup(
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' role="img" aria-label="{escape(t("history.trend"))}">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        f'stroke="#888"/><text x="{pad}" y="14">{top}</text>'
        f'<polyline fill="none" stroke="#2e7d32" stroke-width="2.5" points="{met}"/>'
        f'<polyline fill="none" stroke="#c62828" stroke-width="2.5" points="{open_}"/>'
        f'{labels}<text x="{width - 220}" y="14" fill="#2e7d32">'
        f'{escape(t("history.met_series"))}</text><text x="{width - 220}" y="30" fill="#c62828">'
        f"{escape(t('history.open_series'))}</text></svg>"
    )
