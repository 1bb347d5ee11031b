"""Write one audit to a directory: evidence, report.json, its CMS signature, report.html.

Nothing is lost: an earlier report in the same directory is moved to archive/<its id>/
first and its digest chained into the new one; each file is written atomically.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from auditor import __version__
from auditor.attest import MAX_EVIDENCE, Recorded
from auditor.checking import discover
from auditor.facts import AssetFacts
from auditor.fileio import UnsafePath, atomic_write, read_regular, refuse_link, safe_dir
from auditor.fixes import asset_snippets
from auditor.inventory import Inventory
from auditor.perf import gc_paused
from auditor.policy import Pack
from auditor.report.html import render_html
from auditor.report.model import (
    SCHEMA_VERSION,
    AssetInfo,
    EvidenceEntry,
    History,
    PolicyInfo,
    Readiness,
    Report,
    RequirementInfo,
    ToolInfo,
    canonical_bytes,
    parse_report,
)
from auditor.report.official import vn_date
from auditor.report.outputs import HTML, PDF, REPORT, SIGNATURE
from auditor.report.plan import PlanContext, build_plan, platform_of
from auditor.report.signing import Signer, sign_detached
from auditor.results import Evaluation
from auditor.runtime import ORG_ASSET
from auditor.systems import systems_of

SIGNER_CERT = "signer-cert.pem"
EVIDENCE_DIR = "evidence"
FIXES_DIR = "fixes"
ARCHIVE_DIR = "archive"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class AuditInput:
    """Everything a report is built from; nothing here is collected by the writer."""

    inventory: Inventory
    inventory_bytes: bytes
    pack: Pack
    evaluation: Evaluation
    facts: dict[str, AssetFacts]
    evidence: dict[str, dict[str, bytes]]  # asset id → file name → raw bytes
    attestations: dict[str, Recorded]
    fixes: bool = False  # also write fixes/<asset>.<ext> for the officer to review and run


def _safe_name(name: str) -> str:
    return _SAFE.sub("_", name).lstrip(".") or "_"


# Everything an audit (and the commands run on its report afterwards) writes into out/.
OUTPUTS = (REPORT, SIGNATURE, HTML, SIGNER_CERT, EVIDENCE_DIR, FIXES_DIR)
LATER_OUTPUTS = (PDF, "annual-report.html", "annual-report.pdf")


def archive_previous(out_dir: Path) -> str | None:
    """Move an existing report set — report, signature, evidence, PDFs and annual report —
    to archive/<report id>/; return its report.json digest."""
    old = out_dir / REPORT
    if not old.exists():
        return None
    refuse_link(old)
    data = old.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        old_id = parse_report(data).report_id
    except ValueError:
        old_id = f"unreadable-{digest[:16]}"
    archive = safe_dir(out_dir / ARCHIVE_DIR)
    target = archive / _safe_name(old_id)
    if target.exists() or target.is_symlink():  # an earlier copy of the same report id
        target = archive / f"{_safe_name(old_id)}-{digest[:12]}"
    safe_dir(target)
    for name in (*OUTPUTS, *LATER_OUTPUTS):
        source = out_dir / name
        if source.is_symlink():
            raise UnsafePath(source)
        if source.exists():
            os.replace(source, target / name)
    return digest


def _write_evidence(out_dir: Path, data: AuditInput) -> list[EvidenceEntry]:
    entries: list[EvidenceEntry] = []

    def put(relative: str, content: bytes) -> None:
        atomic_write(out_dir / relative, content, durable=False)
        entries.append(
            EvidenceEntry(
                path=relative, sha256=hashlib.sha256(content).hexdigest(), size=len(content)
            )
        )

    for asset_id, files in sorted(data.evidence.items()):
        for name, content in sorted(files.items()):
            put(f"{EVIDENCE_DIR}/{_safe_name(asset_id)}/{_safe_name(name)}", content)
    for req_id, recorded in sorted(data.attestations.items()):
        if recorded.evidence_path is not None:
            name = f"{req_id}-{_safe_name(recorded.evidence_path.name)}"
            content = read_regular(recorded.evidence_path, MAX_EVIDENCE)
            put(f"{EVIDENCE_DIR}/attestations/{name}", content)
    for system in data.inventory.systems:
        if system.decision_file is not None and system.decision_file.is_file():
            name = f"{_safe_name(system.id)}-{_safe_name(system.decision_file.name)}"
            content = read_regular(system.decision_file, MAX_EVIDENCE)
            put(f"{EVIDENCE_DIR}/systems/{name}", content)
    if data.fixes:  # the snippets are listed in the signed manifest like the evidence
        names = {a.id: a.name for a in data.inventory.assets}
        registry = discover()
        snippets = asset_snippets(
            data.evaluation, data.pack.requirements, registry, _platforms(data), names
        )
        if snippets:
            safe_dir(out_dir / FIXES_DIR)
        for name, text in snippets.items():
            put(f"{FIXES_DIR}/{_safe_name(name)}", text.encode("utf-8"))
    os.sync()  # one flush for every evidence file, before the report that names them
    return sorted(entries, key=lambda e: e.path)


def build_report(
    data: AuditInput,
    evidence: list[EvidenceEntry],
    previous: str | None,
    now: datetime,
    report_id: str | None = None,
    history: History | None = None,
    readiness: Readiness | None = None,
) -> Report:
    pack = data.pack
    assets = []
    for asset in data.inventory.assets:
        facts = data.facts[asset.id]
        host, device = facts.host, facts.netdev
        system = host.os.name if host else None
        if device is not None:  # e.g. "mikrotik hAP lite 6.47.10"
            system = " ".join(x for x in (device.vendor, device.model, device.firmware) if x)
        assets.append(
            AssetInfo(
                id=asset.id,
                name=asset.name,
                kind=asset.kind.value,
                connection=asset.connection.value,
                address=asset.address,
                owner=asset.owner,
                location=asset.location,
                criticality=asset.criticality.value,
                os=system,
                hostname=host.os.hostname if host else (device.hostname if device else None),
                collected_at=host.collected_at
                if host
                else (device.collected_at if device else None),
                failures=facts.failures,
                warnings=asset.warnings,
                systems=asset.systems,
            )
        )
    plan = build_plan(
        PlanContext(
            evaluation=data.evaluation,
            requirements=pack.requirements,
            assets=assets,
            platforms=_platforms(data),
            registry=discover(),
            assigned={(p.asset_id, p.requirement): p for p in (history.plan if history else [])},
            officer=data.inventory.organisation.security_officer.name,
            today=vn_date(now),
            sla_days={k.value: v for k, v in pack.sla_days.items()},
            org_asset=ORG_ASSET,
        )
    )
    return Report(
        schema_version=SCHEMA_VERSION,
        report_id=report_id or str(uuid.uuid4()),
        generated_at=now,
        tool=ToolInfo(name="commune-auditor", version=__version__),
        auditor_host=socket.gethostname()[:253],
        organisation=data.inventory.organisation,
        systems=systems_of(data.inventory),
        policy=PolicyInfo.of(pack, vn_date(now)),
        requirements=[RequirementInfo.of(r) for r in pack.requirements],
        tailoring=pack.tailoring,
        inventory_sha256=hashlib.sha256(data.inventory_bytes).hexdigest(),
        previous_report_sha256=previous,
        assets=assets,
        evaluation=data.evaluation,
        evidence=evidence,
        history=history,
        readiness=readiness,
        plan=plan,
    )


def _platforms(data: AuditInput) -> dict[str, str | None]:
    return {a.id: platform_of(data.facts.get(a.id), a.kind.value) for a in data.inventory.assets}


def write_audit(
    out_dir: Path,
    data: AuditInput,
    signer: Signer,
    lang: str,
    *,
    now: datetime | None = None,
    report_id: str | None = None,
    history: History | None = None,
    readiness: Readiness | None = None,
) -> Report:
    """Archive any previous report, then write evidence, report, signature and HTML."""
    safe_dir(out_dir)
    previous = archive_previous(out_dir)
    safe_dir(out_dir / EVIDENCE_DIR)
    evidence = _write_evidence(out_dir, data)
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    with gc_paused():
        report = build_report(data, evidence, previous, when, report_id, history, readiness)
        content = canonical_bytes(report)
        html = render_html(report, lang).encode("utf-8")
    atomic_write(out_dir / REPORT, content)
    atomic_write(out_dir / SIGNATURE, sign_detached(content, signer))
    atomic_write(out_dir / SIGNER_CERT, signer.cert.public_bytes(serialization.Encoding.PEM))
    atomic_write(out_dir / HTML, html)
    return report
