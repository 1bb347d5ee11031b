"""Render the canonical report as HTML through jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from auditor.checking import Status
from auditor.engine import ReqStatus
from auditor.messages.catalogue import Messages
from auditor.report.model import Report
from auditor.report.remediation import remediation_items


def load_resource(name: str) -> str | None:
    resource = files("auditor.reports").joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(load_resource),
        undefined=StrictUndefined,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["show"] = show_value
    return env


def show_value(value: Any) -> str:
    """Observed/expected values as the officer reads them."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "∅"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


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
            remediation=remediation_items(report),
            ReqStatus=ReqStatus,
            Status=Status,
            css=Markup(load_resource("report.css") or ""),  # our own package data, not input
        )
    )
