"""The incident register kept in the history store: what the annual report lists and
what the incident-response requirements are judged against.

The register is append-only: a later fact (what was done, a report sent, the closure) is
added with who and when, and nothing recorded is ever rewritten."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.errors import StoreError
from auditor.incidents import DetailField, EventKind, Incident, IncidentEvent, SentReport
from auditor.sqlstore import from_store, to_store
from auditor.store.models import IncidentEventRow, IncidentRow, IncidentSentRow


def _model(session: Session, row: IncidentRow) -> Incident:
    sent = session.scalars(
        select(IncidentSentRow)
        .where(IncidentSentRow.incident_id == row.id)
        .order_by(IncidentSentRow.at, IncidentSentRow.id)
    )
    events = session.scalars(
        select(IncidentEventRow)
        .where(IncidentEventRow.incident_id == row.id)
        .order_by(IncidentEventRow.at, IncidentEventRow.id)
    )
    return Incident(
        id=row.id,
        detected_at=from_store(row.detected_at),
        system=row.system,
        asset_id=row.asset_id,
        kind=row.kind,  # validated when written
        severity=row.severity,
        description=row.description,
        actions=row.actions,
        recorded_by=row.recorded_by,
        recorded_at=from_store(row.recorded_at),
        closed_at=from_store(row.closed_at) if row.closed_at else None,
        sent=[
            SentReport.model_validate(
                {
                    "kind": s.kind,
                    "at": from_store(s.at),
                    "to": s.sent_to,
                    "channel": s.channel,
                    "reference": s.reference,
                }
            )
            for s in sent
        ],
        history=[
            IncidentEvent.model_validate(
                {"at": from_store(e.at), "actor": e.actor, "kind": e.kind, "detail": e.detail}
            )
            for e in events
        ],
    )


def _event(
    session: Session,
    incident_id: int,
    at: dt.datetime,
    actor: str,
    kind: EventKind,
    detail: str = "",
) -> None:
    session.add(
        IncidentEventRow(
            incident_id=incident_id, at=to_store(at), actor=actor, kind=kind, detail=detail
        )
    )


def _send(session: Session, incident_id: int, report: SentReport) -> None:
    session.add(
        IncidentSentRow(
            incident_id=incident_id,
            kind=report.kind,
            at=to_store(report.at),
            sent_to=report.to,
            channel=report.channel,
            reference=report.reference,
        )
    )


def add_incident(
    session: Session, org: str, incident: Incident, details: dict[DetailField, str] | None = None
) -> Incident:
    """Record `incident` (with the reports already sent and the form's facts known so far)
    in organisation `org`'s register."""
    values = incident.model_dump(exclude={"id", "sent", "history", "closed_at"}) | {"org": org}
    for key in ("detected_at", "recorded_at"):
        values[key] = to_store(values[key])
    row = IncidentRow(**values)
    session.add(row)
    session.flush()
    _event(session, row.id, incident.recorded_at, incident.recorded_by, "recorded")
    for field, value in (details or {}).items():
        _event(
            session,
            row.id,
            incident.recorded_at,
            incident.recorded_by,
            "detail",
            f"{field}={value}",
        )
    for report in incident.sent:
        _send(session, row.id, report)
    session.flush()
    return _model(session, row)


def _owned(session: Session, org: str, incident_id: int) -> IncidentRow:
    row = session.get(IncidentRow, incident_id)
    if row is None or row.org != org:
        raise StoreError("store.no_incident", str(incident_id))
    return row


def update_incident(
    session: Session,
    org: str,
    incident_id: int,
    *,
    actor: str,
    now: dt.datetime,
    note: str = "",
    sent: SentReport | None = None,
    details: dict[DetailField, str] | None = None,
) -> Incident:
    """Add what happened since: a note (what was found or done), facts the report forms
    ask for (cause, scope, …) and/or a report sent. The incident's own description and
    actions stay as first recorded; all that is added is history."""
    row = _owned(session, org, incident_id)
    if note:
        _event(session, row.id, now, actor, "update", note)
    for field, value in (details or {}).items():
        _event(session, row.id, now, actor, "detail", f"{field}={value}")
    if sent is not None:
        if sent.at < from_store(row.detected_at):
            raise StoreError("store.sent_before_detected", sent.at.isoformat())
        _send(session, row.id, sent)
        _event(session, row.id, now, actor, "sent", sent.model_dump_json(exclude={"at"}))
    session.flush()
    return _model(session, row)


def close_incident(
    session: Session,
    org: str,
    incident_id: int,
    *,
    actor: str,
    now: dt.datetime,
    at: dt.datetime,
    result: str,
) -> Incident:
    """Close the incident at `at` with the result of the response; closing twice is refused."""
    row = _owned(session, org, incident_id)
    if row.closed_at is not None:
        raise StoreError("store.incident_closed", str(incident_id))
    if at < from_store(row.detected_at):
        raise StoreError("store.closed_before_detected", at.isoformat())
    row.closed_at = to_store(at)
    _event(session, row.id, now, actor, "closed", result)
    session.flush()
    return _model(session, row)


def incidents_between(
    session: Session, org: str, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> list[Incident]:
    """Organisation `org`'s incidents detected in [start, end), oldest first."""
    query = (
        select(IncidentRow)
        .where(IncidentRow.org == org)
        .order_by(IncidentRow.detected_at, IncidentRow.id)
    )
    if start is not None:
        query = query.where(IncidentRow.detected_at >= to_store(start))
    if end is not None:
        query = query.where(IncidentRow.detected_at < to_store(end))
    return [_model(session, row) for row in session.scalars(query)]


def get_incident(session: Session, org: str, incident_id: int) -> Incident | None:
    """Incident `incident_id` if it is organisation `org`'s."""
    row = session.get(IncidentRow, incident_id)
    return _model(session, row) if row is not None and row.org == org else None
