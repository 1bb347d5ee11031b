"""Parameter models shared by several check families (values always come from policy)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MaxDays(Params):
    max_days: int


class PortList(Params):
    """Insecure ports as "port/proto" (e.g. "23/tcp") → protocol name shown to the officer."""

    ports: dict[str, str]


def days_between(earlier: object, later: object) -> float:
    """Age in days between two aware datetimes (typed loosely to keep checks terse)."""
    from datetime import datetime

    assert isinstance(earlier, datetime) and isinstance(later, datetime)
    return (later - earlier).total_seconds() / 86400
