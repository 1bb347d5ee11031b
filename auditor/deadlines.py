"""When a remediation item is late: one rule for the CLI, the history store, the report's
plan and the province's dashboard (which judges it again on the day it is viewed)."""

from __future__ import annotations

import datetime as dt


def overdue(due: dt.date | None, status: str, today: dt.date) -> bool:
    """Past its due date and not an accepted risk; due today is not yet late."""
    return status != "waived" and due is not None and due < today
