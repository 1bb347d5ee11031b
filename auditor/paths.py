"""Where the auditor keeps its own state (keys, pinned host keys) on this machine."""

from __future__ import annotations

import os
from pathlib import Path


def auditor_home() -> Path:
    """$AUDITOR_HOME, else $XDG_DATA_HOME/commune-auditor, else ~/.local/share/commune-auditor."""
    if env := os.environ.get("AUDITOR_HOME"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "commune-auditor"


def default_known_hosts() -> Path:
    return auditor_home() / "known_hosts"


def default_imports_dir() -> Path:
    return auditor_home() / "imports"


def default_outbox() -> Path:
    return auditor_home() / "outbox"


def default_key_dir() -> Path:
    return auditor_home() / "keys"
