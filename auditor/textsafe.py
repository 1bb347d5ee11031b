"""Text from hosts, devices, imports, certificates and peers, made safe for a terminal.

Such text may carry ANSI/OSC escapes, bidi overrides (RLO) or NULs meant to rewrite what the
officer sees; they are shown as visible escapes instead of being obeyed.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = 2000) -> str:
    """`text` with control, format and bidi characters escaped, cut to `limit` characters."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), cut)


def has_control(text: str) -> bool:
    """True when `text` holds a character a name must never contain (controls, bidi)."""
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in text)
