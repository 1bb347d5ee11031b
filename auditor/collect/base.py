"""What every collector returns: typed facts plus the raw evidence they came from."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import TypeVar

from auditor.errors import CollectionError
from auditor.facts import CollectionFailure, HostFacts, NetDeviceFacts, WebFacts
from auditor.inventory import Asset

MAX_OUTPUT = 8 * 1024 * 1024
T = TypeVar("T")


def safe(build: Callable[[], T | None]) -> T | None:
    """A parser that trips over garbage from a host yields unknown, not a crash or a pass."""
    try:
        return build()
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


@dataclass
class HostResult:
    """Facts from one host collector run, or the failure that prevented them."""

    host: HostFacts | None = None
    failures: list[CollectionFailure] = field(default_factory=list)
    web: WebFacts | None = None
    netdev: NetDeviceFacts | None = None
    evidence: dict[str, bytes] = field(default_factory=dict)


def secret_from_env(name: str | None) -> str | None:
    """The secret an inventory names by environment variable (None when none is named);
    a named variable that is not set is this asset's collection failure."""
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise CollectionError("ssh.secret_env_missing", name)
    return value


@cache
def default_logins() -> str:
    """The factory user/password pairs the Linux script tries on the host (data file)."""
    text = files("auditor.collect").joinpath("linux_default_logins.txt").read_text("utf-8")
    return "\n".join(ln for ln in text.splitlines() if ln and not ln.startswith("#"))


def linux_script(asset: Asset) -> str:
    """The batched fact script with this asset's backup location and the factory logins to
    try filled in safely."""
    body = files("auditor.collect").joinpath("linux_facts.sh").read_text(encoding="utf-8")
    logins = shlex.quote(default_logins())
    prefix = f"AUDITOR_DEFAULT_LOGINS={logins}\nexport AUDITOR_DEFAULT_LOGINS\n"
    if asset.backup is not None:
        prefix += (
            f"AUDITOR_BACKUP_PATH={shlex.quote(asset.backup.path)}\n"
            f"AUDITOR_BACKUP_PATTERN={shlex.quote(asset.backup.pattern)}\n"
        )
    return prefix + body


def sections_evidence(sections: dict[str, str]) -> dict[str, bytes]:
    """One evidence file per script section, as the host printed it (already secret-free)."""
    return {
        f"{name}.txt": body.encode("utf-8", "replace") for name, body in sorted(sections.items())
    }


def truncated(sections: dict[str, str]) -> list[CollectionFailure]:
    """The script always ends with an `end` section; without it the output was cut short."""
    if "end" in sections:
        return []
    return [
        CollectionFailure(
            source="script", code="collect.truncated", detail=f"{len(sections)} sections received"
        )
    ]
