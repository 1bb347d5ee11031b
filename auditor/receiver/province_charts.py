"""The province's pictures: compliance over the quarters and by area on the communes page,
and each commune's trend on its own page. Drawn by the report's own SVG charts (no script),
each number written beside what it draws."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from auditor.messages.catalogue import Messages
from auditor.receiver.digest import Digest
from auditor.receiver.province import Quarter
from auditor.report.charts import STATUS_COLOURS, Series, line_chart, stacked_bars
from auditor.report.html import moment_labels
from auditor.report.official import vn_time

STATUSES = ("met", "partly_met", "not_met", "not_assessed")
REPORTED_COLOUR = "#1565c0"


def province_charts(
    quarters: list[Quarter], areas: list[tuple[str, dict[str, int]]], t: Messages
) -> dict[str, Markup]:
    trend = line_chart(
        [t("dash.quarter", quarter=q.quarter, year=q.year) for q in quarters],
        [
            Series(t("dash.met_share"), STATUS_COLOURS["met"], [q.met_share for q in quarters]),
            Series(t("dash.reported_share"), REPORTED_COLOUR, [q.reported_share for q in quarters]),
        ],
        t("dash.province_trend"),
    )
    bars = stacked_bars(
        [(area, {s: counts.get(s, 0) for s in STATUSES}) for area, counts in areas],
        {s: t(f"status.{s}") for s in STATUSES},
        t("dash.by_area"),
    )
    return {"trend": trend, "areas": bars}


def commune_chart(points: list[tuple[datetime, Digest]], t: Messages) -> Markup:
    """A commune's requirements met, partly met and not met at each of its reports: by
    month where that tells them apart (reports span years), else by day and time."""
    moments = [when for when, _ in points]
    months = [vn_time(m).strftime("%m/%Y") for m in moments]
    labels = months if len(set(months)) == len(months) else moment_labels(moments)
    return line_chart(
        labels,
        [
            Series(t(f"status.{s}"), STATUS_COLOURS[s], [d.counts.get(s, 0) for _, d in points])
            for s in ("met", "partly_met", "not_met")
        ],
        t("dash.commune_trend"),
    )
