"""What an audit reports while it runs: named phases and one event per collected asset.

A small typed protocol, so the library never knows whether a person watches a live display,
cron mails a log, or a test counts events.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from auditor.facts import CollectionFailure


class Phase(StrEnum):
    collect = "collect"
    scan = "scan"
    evaluate = "evaluate"
    sign = "sign"
    write = "write"


@dataclass(frozen=True)
class AssetDone:
    asset_id: str
    seconds: float
    failure: CollectionFailure | None  # the first failure that kept facts away, if any


class Progress(Protocol):
    def phase(self, phase: Phase, total: int | None = None) -> None:
        """A phase starts (`total` assets for collection)."""

    def phase_done(self, phase: Phase) -> None:
        """A phase ended."""

    def asset(self, done: AssetDone) -> None:
        """One asset's collection ended, well or not."""


class Silent:
    """Progress that shows nothing (library use, `--quiet`)."""

    def phase(self, phase: Phase, total: int | None = None) -> None:
        return None

    def phase_done(self, phase: Phase) -> None:
        return None

    def asset(self, done: AssetDone) -> None:
        return None
