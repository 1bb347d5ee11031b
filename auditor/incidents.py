"""An incident the commune handled, as recorded in the register (`auditor incidents …`),
and the reporting deadlines it had to meet.

The deadlines come from the text in force on the day the incident was detected
(policies/law/incident-reporting.yaml: TT 20/2017's five days before 01/07/2026, NĐ 331's
24 hours for the notice and 72 hours for the report of a serious incident after), never
from the pack an audit happens to run under. A report counts as sent on the officer's word
only with its reference (the document's number) — the evidence every attestation needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.yamlfile import load_shipped

Kind = Literal["malware", "intrusion", "dos", "defacement", "phishing", "data_leak", "other"]
Severity = Literal["low", "medium", "high", "serious"]
SentKind = Literal["notice", "report", "final"]
Channel = Literal["email", "qlvb", "paper", "phone", "portal", "other"]
EventKind = Literal["recorded", "update", "sent", "closed", "detail"]
# What the incident report forms ask beyond the register's first entry (TT 20/2017 Mẫu 03:
# how it was found, what it touched; NĐ 331's 72-hour report: cause and scope; requests
# for support), each recorded as a "detail" event "field=value", the latest value counting
DetailField = Literal["detection_method", "affected", "cause", "requests"]
DETAIL_FIELDS: tuple[DetailField, ...] = ("detection_method", "affected", "cause", "requests")
VIETNAM = dt.timezone(dt.timedelta(hours=7))


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SentReport(_Frozen):
    """A notice or report sent about the incident: what, to whom, when, how, its number."""

    kind: SentKind
    at: dt.datetime
    to: str = Field(min_length=1, max_length=300)
    channel: Channel = "other"
    reference: str | None = Field(default=None, max_length=100)  # e.g. "12/TB-UBND"


class IncidentEvent(_Frozen):
    """One entry of the incident's append-only history."""

    at: dt.datetime
    actor: str
    kind: EventKind
    detail: str = ""


class Incident(_Frozen):
    """One incident, validated before it reaches the store; times carry their zone."""

    id: int | None = None
    detected_at: dt.datetime
    system: str | None = Field(default=None, max_length=64)
    asset_id: str | None = Field(default=None, max_length=64)
    kind: Kind
    severity: Severity
    description: str = Field(min_length=1, max_length=5000)
    actions: str = Field(default="", max_length=5000)
    recorded_by: str = Field(min_length=1, max_length=200)
    recorded_at: dt.datetime
    closed_at: dt.datetime | None = None
    sent: list[SentReport] = Field(default_factory=list)
    history: list[IncidentEvent] = Field(default_factory=list)

    @property
    def details(self) -> dict[str, str]:
        """The latest value of each form field recorded (its "detail" events)."""
        found: dict[str, str] = {}
        for event in self.history:
            if event.kind == "detail":
                field, _, value = event.detail.partition("=")
                found[field] = value
        return found

    @property
    def result(self) -> str | None:
        """How the response ended, as recorded when the incident was closed."""
        return next((e.detail for e in self.history if e.kind == "closed"), None)


# ------------------------------------------------------------------ the rules in force
class Words(_Frozen):
    vi: str
    en: str


class ReportingRule(_Frozen):
    """The reporting deadlines of one legal text, for incidents detected in its period."""

    id: str
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    basis: Words
    notice_within_hours: dict[str, int] = Field(default_factory=dict)
    report_within_hours: dict[str, int] = Field(default_factory=dict)

    def hours(self, kind: SentKind, severity: str) -> int | None:
        limits = self.notice_within_hours if kind == "notice" else self.report_within_hours
        return limits.get(severity, limits.get("default"))


@cache
def reporting_rules() -> tuple[ReportingRule, ...]:
    text = files("auditor.policies").joinpath("law", "incident-reporting.yaml").read_text("utf-8")
    return tuple(ReportingRule.model_validate(r) for r in load_shipped(text)["rules"])


def rule_for(detected_at: dt.datetime) -> ReportingRule | None:
    """The text in force on the (Vietnamese) day the incident was detected."""
    day = detected_at.astimezone(VIETNAM).date()
    return next(
        (r for r in reporting_rules() if r.from_ <= day and (r.until is None or day <= r.until)),
        None,
    )


@dataclass(frozen=True)
class Deadline:
    """One report an incident owed: by when, when it went (if it did), with what number."""

    kind: SentKind
    due: dt.datetime
    sent_at: dt.datetime | None
    reference: str | None

    def state(self, now: dt.datetime) -> Literal["on_time", "late", "pending", "unproven"]:
        if self.sent_at is None:
            return "late" if now > self.due else "pending"
        if self.sent_at > self.due:
            return "late"
        return "on_time" if self.reference else "unproven"


def deadlines(incident: Incident) -> tuple[ReportingRule | None, list[Deadline]]:
    """The rule the incident falls under and each report it owed (none when the rule sets
    no deadline for its severity)."""
    rule = rule_for(incident.detected_at)
    if rule is None:
        return None, []
    owed = []
    for kind in ("notice", "report"):
        hours = rule.hours(kind, incident.severity)
        if hours is None:
            continue
        sent = sorted((s for s in incident.sent if s.kind == kind), key=lambda s: s.at)
        first = sent[0] if sent else None
        owed.append(
            Deadline(
                kind=kind,
                due=incident.detected_at + dt.timedelta(hours=hours),
                sent_at=first.at if first else None,
                reference=first.reference if first else None,
            )
        )
    return rule, owed


def reporting_state(incident: Incident, now: dt.datetime) -> str:
    """One word for a register line: the worst state of the reports the incident owed
    (late, unproven, pending, on_time), or no_deadline when the text in force set none."""
    states = {d.state(now) for d in deadlines(incident)[1]}
    return next(
        (s for s in ("late", "unproven", "pending", "on_time") if s in states), "no_deadline"
    )
