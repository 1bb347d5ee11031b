"""What every device driver shares: limits, default names, and the block reader."""

from __future__ import annotations

MAX_CONFIG = 4 * 1024 * 1024  # bytes of configuration/output accepted from one device
DEFAULT_COMMUNITIES = {"public", "private"}
DEFAULT_USERS = {"admin", "cisco", "root", "user", "ubnt", "support"}


def blocks(text: str, header: str) -> dict[str, list[str]]:
    """IOS-style sections: each top-level line starting with `header` → its indented lines."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(header):
            current = out.setdefault(line.strip(), [])
        elif current is not None and line.startswith(" "):
            current.append(line.strip())
        else:
            current = None
    return out
