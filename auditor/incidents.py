"""An incident the commune handled, as recorded in the register (`auditor incidents add`)
and as the incident-reporting requirement judges it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["malware", "intrusion", "dos", "defacement", "phishing", "data_leak", "other"]
Severity = Literal["low", "medium", "high", "serious"]


class Incident(BaseModel):
    """One incident, validated before it reaches the store; times carry their zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int | None = None
    detected_at: dt.datetime
    system: str | None = Field(default=None, max_length=64)
    asset_id: str | None = Field(default=None, max_length=64)
    kind: Kind
    severity: Severity
    description: str = Field(min_length=1, max_length=5000)
    actions: str = Field(default="", max_length=5000)
    reported_to: str | None = Field(default=None, max_length=300)
    reported_at: dt.datetime | None = None
    recorded_by: str = Field(min_length=1, max_length=200)
    recorded_at: dt.datetime
