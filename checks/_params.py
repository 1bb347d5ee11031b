"""Parameter models shared by several check families (values always come from policy)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from auditor.checking import Outcome
from auditor.facts import HostFacts


class Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MaxDays(Params):
    max_days: int


class PortList(Params):
    """Insecure ports as "port/proto" (e.g. "23/tcp") → protocol name shown to the officer."""

    ports: dict[str, str]


def days_between(earlier: object, later: object) -> float:
    """Age in days between two aware datetimes (typed loosely to keep checks terse)."""
    assert isinstance(earlier, datetime) and isinstance(later, datetime)
    return (later - earlier).total_seconds() / 86400


def host_clock(facts: HostFacts) -> datetime:
    """The host's own clock at collection: an age of something the host dated itself (its
    package log, its backup files, its logins) is measured on the clock that dated it, so a
    host whose clock is a year off is neither a year out of date nor a year ahead of it (the
    skew itself is judged by time.sync)."""
    return facts.collected_at + timedelta(seconds=facts.clock_skew_s or 0)


def support_ends(observed: str, end: date | None, today: date) -> Outcome:
    """Verdict for a release whose vendor support ends on `end` (unknown when not in the table)."""
    if end is None:
        return Outcome.unknown("outcome.eol_unknown", os=observed)
    note = "outcome.eol_passed" if today > end else "outcome.eol_until"
    make = Outcome.fail if today > end else Outcome.ok
    shown = end.strftime("%d/%m/%Y")  # the date as the report prints dates
    return make(observed=observed, expected=f"≥ {shown}", note=note, end=shown)
