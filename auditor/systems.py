"""The commune's information systems (hệ thống thông tin): the unit the regulation
classifies and approves a level for. Assets belong to systems; the report judges each
system and the organisation; the level requirement is judged against the declared
approval decisions.

An inventory without `systems:` keeps working: all its assets form one implicit system,
and the report says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from auditor.attest import MAX_EVIDENCE, sha256_file
from auditor.fileio import UnsafePath, refuse_link
from auditor.inventory import Inventory

IMPLICIT_ID = "*"


class SystemInfo(BaseModel):
    """A system as the report carries it: what the inventory declared, the sha256 of the
    scanned decision, and the assets in it. `implicit` marks the stand-in system of an
    inventory that declares none (its name is the organisation's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    level: int | None = None
    decision_no: str | None = None
    decision_date: dt.date | None = None
    decision_file: str | None = None  # file name only: the path is the commune's business
    decision_sha256: str | None = None
    approved_by: str | None = None
    scope: str | None = None
    owner: str | None = None
    operator: str | None = None
    assets: list[str]
    implicit: bool = False
    approval_status: str | None = None  # drafting, submitted, appraised, approved
    expected_approval: dt.date | None = None
    security_rules: str | None = None
    expected_full_implementation: dt.date | None = None
    check_kind: str = "periodic"  # or before_use
    asset_kinds: list[str] = Field(default_factory=list)  # what it declares it is made of

    @property
    def decided(self) -> bool:
        return bool(self.decision_no and self.decision_date)


def _digest(path: Path | None) -> str | None:
    """sha256 of a scanned decision; a link, a missing or an oversized file has none."""
    if path is None:
        return None
    try:
        refuse_link(path)
        if not path.is_file() or path.stat().st_size > MAX_EVIDENCE:
            return None
        return sha256_file(path)
    except (OSError, UnsafePath):
        return None


def systems_of(inventory: Inventory) -> list[SystemInfo]:
    """The declared systems with their assets, or the one implicit system."""
    org = inventory.organisation
    if not inventory.systems:
        classification = org.classification
        return [
            SystemInfo(
                id=IMPLICIT_ID,
                name=org.name,
                level=classification.level if classification else None,
                decision_no=classification.decision_no if classification else None,
                decision_date=classification.approved_on if classification else None,
                owner=org.name,
                assets=[a.id for a in inventory.assets],
                implicit=True,
            )
        ]
    return [
        SystemInfo(
            id=s.id,
            name=s.name,
            level=s.level,
            decision_no=s.decision_no,
            decision_date=s.decision_date,
            decision_file=s.decision_file.name if s.decision_file else None,
            decision_sha256=_digest(s.decision_file),
            approved_by=s.approved_by,
            scope=s.scope,
            owner=s.owner or org.name,
            operator=s.operator,
            assets=[a.id for a in inventory.assets if s.id in a.systems],
            approval_status=s.approval_status,
            expected_approval=s.expected_approval,
            security_rules=s.security_rules,
            expected_full_implementation=s.expected_full_implementation,
            check_kind=s.check_kind,
            asset_kinds=[k.value for k in s.asset_kinds],
        )
        for s in inventory.systems
    ]


def gaps(inventory: Inventory) -> list[tuple[str, dict[str, str]]]:
    """What the inventory still lacks for a complete official report: catalogue codes and
    their parameters, in the order the officer should fill them in."""
    found: list[tuple[str, dict[str, str]]] = []
    if not inventory.systems:
        found.append(("inventory.gap_no_systems", {}))
    for system in inventory.systems:
        if not (system.decision_no and system.decision_date):
            found.append(("inventory.gap_decision", {"name": system.name}))
        elif system.decision_file is None:
            found.append(("inventory.gap_decision_file", {"name": system.name}))
        if not system.operator:
            found.append(("inventory.gap_operator", {"name": system.name}))
        for kind in undeclared_kinds(inventory, system.id):
            found.append(("inventory.gap_kind", {"name": system.name, "kind": kind}))
    documents = inventory.organisation.documents
    if documents.signatory is None:
        found.append(("inventory.gap_signatory", {}))
    if not documents.recipients:
        found.append(("inventory.gap_recipients", {}))
    return found


def undeclared_kinds(inventory: Inventory, system_id: str) -> list[str]:
    """Kinds the system says it is made of with no asset of that kind in the inventory."""
    system = next(s for s in inventory.systems if s.id == system_id)
    present = {a.kind for a in inventory.assets if system_id in a.systems}
    return [k.value for k in system.asset_kinds if k not in present]
