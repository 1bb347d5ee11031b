"""What the device drivers share: the size limit and vendor default names."""

from __future__ import annotations

MAX_CONFIG = 4 * 1024 * 1024  # bytes of configuration/output accepted from one device
DEFAULT_COMMUNITIES = {"public", "private"}
