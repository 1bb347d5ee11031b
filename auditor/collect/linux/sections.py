"""The linux_facts.sh output as sections, and the small readers every parser shares:
key-value lines, the host's own clock and time zone.

Every parser is defensive: the text comes from a machine we do not trust, may be truncated
or garbage, and an unreadable section is `None` (unknown), never a pass."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

SECTION = re.compile(r"^@@AUDITOR-SECTION ([a-z_]+)@@$", re.MULTILINE)


def split_sections(text: str) -> dict[str, str]:
    """Map section name → body. A section that appears twice keeps the first copy.

    Output without the final `end` marker was cut short: its last section may be partial,
    so it is dropped rather than trusted.
    """
    out: dict[str, str] = {}
    marks = list(SECTION.finditer(text))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        out.setdefault(mark.group(1), text[mark.end() : end].strip("\n"))
    if marks and "end" not in out:
        out.pop(marks[-1].group(1), None)
    return out


def lines_or_none(body: str | None) -> list[str] | None:
    if body is None:
        return None
    return sorted({line.strip() for line in body.splitlines() if line.strip()})


def host_clock(body: str | None) -> datetime:
    try:
        assert body is not None
        return datetime.fromtimestamp(int(body.split()[0]), UTC)
    except (AssertionError, ValueError, IndexError):
        return datetime.now(UTC)


def host_zone(body: str | None) -> timezone:
    try:
        assert body is not None
        raw = body.split()[1]
        sign = -1 if raw[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(raw[1:3]), minutes=int(raw[3:5])))
    except (AssertionError, ValueError, IndexError):
        return UTC


def key_values(body: str | None, sep: str | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (body or "").splitlines():
        parts = line.split("=", 1) if sep == "=" else line.split(None, 1)
        if len(parts) == 2:
            out[parts[0].strip()] = parts[1].strip().strip('"')
    return out


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
