"""What is installed on a Windows PC and how current it is: Windows Update history and
pending updates, installed programs and browsers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditor.collect.windows_sections.document import integer, listed, when
from auditor.facts import Browser, Patching


def patching(doc: dict[str, Any]) -> Patching | None:
    history = listed(doc, "update_history")
    hotfixes = listed(doc, "hotfixes")
    if history is None and hotfixes is None:
        return None
    times = [
        when(h.get("Date"))
        for h in history or []
        if integer(h.get("Operation")) == 1 and integer(h.get("ResultCode")) in (2, 3)
    ]
    times += [
        when(h.get("InstalledOnIso")) or _us_date(h.get("InstalledOn")) for h in hotfixes or []
    ]
    known = [t for t in times if t is not None]
    pending = listed(doc, "pending_updates")
    security = None
    if pending is not None:
        security = sum(
            1
            for p in pending
            if p.get("MsrcSeverity") or "Security Updates" in (p.get("Categories") or [])
        )
    return Patching(
        manager="windows-update",
        last_update=max(known) if known else None,
        pending_updates=len(pending) if pending is not None else None,
        pending_security=security,
    )


def _us_date(value: Any) -> datetime | None:
    """Win32_QuickFixEngineering.InstalledOn as WMI gives it (M/D/YYYY) when no ISO copy."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def software(rows: list[dict[str, Any]] | None) -> dict[str, str] | None:
    if rows is None:
        return None
    return {
        str(r.get("DisplayName"))[:200]: str(r.get("DisplayVersion") or "")[:100]
        for r in rows
        if r.get("DisplayName")
    }


def browsers(rows: list[dict[str, Any]] | None) -> list[Browser] | None:
    if rows is None:
        return None
    return [
        Browser(
            name=str(r.get("Name"))[:100],
            version=str(r.get("ProductVersion") or "")[:50],
            user=str(r["User"])[:100] if r.get("User") else None,
        )
        for r in rows
        if r.get("Name")
    ]
