"""The incident register kept in the history store: what the annual report lists and
what the incident-response requirements are judged against."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.incidents import Incident
from auditor.store.db import from_store, to_store
from auditor.store.models import IncidentRow


def _model(row: IncidentRow) -> Incident:
    return Incident(
        id=row.id,
        detected_at=from_store(row.detected_at),
        system=row.system,
        asset_id=row.asset_id,
        kind=row.kind,  # validated when written
        severity=row.severity,
        description=row.description,
        actions=row.actions,
        reported_to=row.reported_to,
        reported_at=from_store(row.reported_at) if row.reported_at else None,
        recorded_by=row.recorded_by,
        recorded_at=from_store(row.recorded_at),
    )


def add_incident(session: Session, org: str, incident: Incident) -> Incident:
    """Record `incident` in organisation `org`'s register."""
    values = incident.model_dump(exclude={"id"}) | {"org": org}
    for key in ("detected_at", "reported_at", "recorded_at"):
        if values[key] is not None:
            values[key] = to_store(values[key])
    row = IncidentRow(**values)
    session.add(row)
    session.flush()
    return _model(row)


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
    return [_model(row) for row in session.scalars(query)]


def get_incident(session: Session, org: str, incident_id: int) -> Incident | None:
    """Incident `incident_id` if it is organisation `org`'s."""
    row = session.get(IncidentRow, incident_id)
    return _model(row) if row is not None and row.org == org else None
