"""The canonical report: what gets signed. HTML and other formats are views of it.

Serialisation is deterministic (sorted keys, fixed separators, UTF-8) so the same report
always has the same bytes and the same digest.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.facts import CollectionFailure
from auditor.inventory import Organisation
from auditor.policy import Pack, Refs, Requirement, Severity, Tailoring, Text
from auditor.results import Evaluation
from auditor.systems import SystemInfo

SCHEMA_VERSION = "1.0"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolInfo(Model):
    name: str
    version: str


class PolicyInfo(Model):
    id: str
    version: str
    digest: str
    title: Text
    legal_basis: list[str]
    citations: list[Text] = []
    level: int = 2
    in_force: str = "legacy"  # which of a requirement's refs is the pack's own ("Căn cứ")
    abstract: Text | None = None  # trích yếu of the report made under this pack
    annual_abstract: Text | None = None  # trích yếu of its annual report ({year})
    annual_form: str = "tt12"  # tt12 (TT 12/2022 Đ14) or mau08 (NĐ 331 Mẫu 08)
    sla_days: dict[str, int] = {}  # days to fix a finding, by severity

    @classmethod
    def of(cls, pack: Pack, day: date) -> PolicyInfo:
        """The pack as a report dated `day` carries it: its citations are the texts in
        force on that day (auditor.law)."""
        from auditor.law import citations_on

        return cls(
            id=pack.id,
            version=pack.version,
            digest=pack.digest(),
            title=pack.title,
            legal_basis=pack.legal_basis,
            citations=citations_on(day, pack.citations),
            level=pack.level,
            in_force=pack.refs_in_force,
            abstract=pack.abstract,
            annual_abstract=pack.annual_abstract,
            annual_form=pack.annual_form,
            sla_days={k.value: v for k, v in pack.sla_days.items()},
        )


class RequirementInfo(Model):
    """Requirement text copied into the report so it reads without the policy file."""

    id: str
    group: str
    title: Text
    refs: Refs
    severity: Severity
    threshold: Text | None = None
    has_attestation: bool
    applies_to: list[str] = Field(default_factory=list)  # asset kinds its checks look at

    @classmethod
    def of(cls, req: Requirement) -> RequirementInfo:
        return cls(
            id=req.id,
            group=req.group,
            title=req.title,
            refs=req.refs,
            severity=req.severity,
            threshold=req.threshold,
            has_attestation=req.attestation is not None,
            applies_to=[k.value for k in req.applies_to],
        )


class AssetInfo(Model):
    id: str
    name: str
    kind: str
    connection: str
    address: str | None = None
    owner: str | None = None
    location: str | None = None
    criticality: str
    os: str | None = None
    hostname: str | None = None
    collected_at: datetime | None = None
    failures: list[CollectionFailure]
    warnings: list[str] = []
    systems: list[str] = []


class EvidenceEntry(Model):
    path: str
    sha256: str
    size: int


class PlanItem(Model):
    """One open finding in the remediation plan."""

    id: int
    asset_id: str
    requirement: str
    severity: str
    status: str  # open, reopened, waived
    owner: str | None = None
    due: date | None = None
    overdue: bool = False
    waiver_reason: str | None = None
    waiver_until: date | None = None
    approved_by: str | None = None


class PlanAction(Model):
    """One concrete step of a plan row, for one platform, with the values it was filled
    with: `check` None is the action of a management requirement or a collection."""

    kind: Literal["fix", "document", "collect"]
    check: str | None = None
    platform: str | None = None  # windows, debian, cisco-ios, … (None: any)
    assets: list[str] = []
    text: Text
    where: Text | None = None
    command: str | None = None
    template: str | None = None  # the `auditor templates` document to start from


class PlanRow(Model):
    """One line of the remediation plan: a requirement, the assets in the same situation,
    what is wrong and what to do (its actions), who and by when. A requirement and an asset
    appear in one row only; `kind` "collect" is what must be gathered before it can be
    judged ("cần thu thập / bổ sung"), never a failure."""

    kind: Literal["fix", "document", "collect"]
    requirement: str | None  # None: an asset that could not be collected at all
    severity: str
    assets: list[str]
    gap: Text
    actions: list[PlanAction]
    responsible: str
    due: date


class Change(Model):
    asset_id: str
    requirement: str


class Changes(Model):
    previous_report_id: str | None
    new: list[Change]
    fixed: list[Change]
    regressed: list[Change]
    unchanged: int


class TrendPoint(Model):
    report_id: str
    generated_at: datetime
    met: int
    open_findings: int


class ReadinessItem(Model):
    requirement: str
    title: Text
    status: str  # under the successor pack
    current_status: str | None  # under the pack applied now; None if the requirement is new


class Readiness(Model):
    """What would not be met under the successor pack (the "ready for 2027" section)."""

    pack_id: str
    title: Text
    deadline: date | None
    # the day the successor's law took effect: from then on this pack serves only systems
    # approved under the old rules, until `deadline`
    successor_from: date | None = None
    failing: list[ReadinessItem]
    new_requirements: list[str]
    tailoring_applied: bool = False  # the commune's tailoring file was applied to it too


class History(Model):
    """What the history store knows when this report was made."""

    plan: list[PlanItem]
    changes: Changes
    trend: list[TrendPoint]


class Report(Model):
    schema_version: str
    report_id: str
    generated_at: datetime
    tool: ToolInfo
    auditor_host: str
    organisation: Organisation
    systems: list[SystemInfo] = []  # empty only in reports made before systems existed
    policy: PolicyInfo
    requirements: list[RequirementInfo]
    tailoring: list[Tailoring]
    inventory_sha256: str
    previous_report_sha256: str | None
    assets: list[AssetInfo]
    evaluation: Evaluation
    evidence: list[EvidenceEntry]
    history: History | None = None
    readiness: Readiness | None = None
    plan: list[PlanRow] = []  # empty in reports made before plans were written into them


def canonical_bytes(report: Report) -> bytes:
    """The exact bytes that are written and signed."""
    text = json.dumps(
        report.model_dump(mode="json"),
        sort_keys=True,
        ensure_ascii=False,
        indent=1,
        separators=(",", ": "),
    )
    return (text + "\n").encode("utf-8")


def parse_report(data: bytes) -> Report:
    return Report.model_validate_json(data)
