"""Render the canonical report as HTML through jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from auditor.checking import Status
from auditor.messages.catalogue import Messages
from auditor.report.charts import STATUS_COLOURS, Series, line_chart
from auditor.report.methodology import methodology
from auditor.report.model import Report
from auditor.report.official import dmy, vn_date, vn_time
from auditor.results import ReqStatus


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
    return line_chart(
        moment_labels([p.generated_at for p in points]),
        [
            Series(t("history.met_series"), STATUS_COLOURS["met"], [p.met for p in points]),
            Series(
                t("history.open_series"),
                STATUS_COLOURS["not_met"],
                [p.open_findings for p in points],
            ),
        ],
        t("history.trend"),
    )


def moment_labels(moments: list[datetime]) -> list[str]:
    """The shortest date format that tells the moments apart (several audits may run on
    one day), in Vietnam time."""
    shape = next(
        (
            f
            for f in ("%d/%m", "%d/%m %H:%M", "%d/%m %H:%M:%S")
            if len({vn_time(m).strftime(f) for m in moments}) == len(moments)
        ),
        "%d/%m %H:%M:%S",
    )
    return [vn_time(m).strftime(shape) for m in moments]
