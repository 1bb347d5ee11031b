"""Text from hosts, devices, imports, certificates and peers, made safe for a terminal.

Such text may carry ANSI/OSC escapes, bidi overrides (RLO) or NULs meant to rewrite what the
officer sees; they are shown as visible escapes instead of being obeyed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rich.console import Console
from rich.text import Text

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = 2000) -> str:
    """`text` with control, format and bidi characters shown as \\uXXXX (also a valid escape
    inside a JSON string), cut to `limit` characters."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", cut)


def has_control(text: str) -> bool:
    """True when `text` holds a character a name must never contain (controls, bidi)."""
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in text)


class SafeConsole(Console):
    """A rich Console for text that may come from hosts, devices, imports or peers: markup
    off by default (an owner named "[/bold]" is text, not a tag) and control characters
    shown escaped."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        safe = tuple(printable(o, 100_000) if isinstance(o, str) else o for o in objects)
        super().print(*safe, **kwargs)


def cell(value: object) -> Text:
    """A table cell from data: never parsed as markup, control characters escaped."""
    return Text(printable(str(value), 1000))
