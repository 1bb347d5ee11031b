"""Build a real signed report directory from recorded facts, without touching any host."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from auditor.attest import Recorded, load_attestations
from auditor.checking import discover
from auditor.collect.base import sections_evidence
from auditor.collect.linux_parse import parse_host, split_sections
from auditor.engine import evaluate
from auditor.facts import AssetFacts, Declared
from auditor.inventory import load_inventory
from auditor.policy import load_policy
from auditor.report.model import Report
from auditor.report.signing import Signer, init_keys
from auditor.report.writer import AuditInput, write_audit
from tests.helpers import ORG, raw

TODAY = date(2026, 11, 20)


def inventory_text(name: str = "Máy chủ tệp") -> str:
    return (
        ORG
        + f"""attestations: attestations.yaml
assets:
  - id: fs1
    name: "{name}"
    kind: linux
    connection: ssh
    address: 10.0.0.5
    credential: {{user: an, agent: true}}
    admins: [quantri]
    backup: {{path: /mnt/backup}}
"""
    )


def build(
    tmp_path: Path,
    *,
    hostname: str | None = None,
    asset_name: str = "Máy chủ tệp",
    signer: Signer | None = None,
    lang: str = "vi",
) -> tuple[Report, Signer, Path]:
    (tmp_path / "qd-12.pdf").write_bytes(b"%PDF-1.4 decision 12/QD-UBND")
    (tmp_path / "attestations.yaml").write_text(
        "attestations:\n"
        "  - {requirement: L2-MGMT-POL-01, decision_no: 12/QĐ-UBND, date: 2026-03-01,"
        " signer: Chủ tịch UBND xã, evidence: qd-12.pdf}\n"
        "  - {requirement: L2-MGMT-IR-02, decision_no: 3/KH-UBND, date: 2024-01-10,"
        " signer: Chủ tịch UBND xã, evidence: qd-12.pdf}\n",
        encoding="utf-8",
    )
    inv_path = tmp_path / "inventory.yaml"
    inv_path.write_text(inventory_text(asset_name), encoding="utf-8")
    inventory = load_inventory(inv_path)
    registry = discover()
    pack = load_policy("nd85-level2", registry)
    attestations: dict[str, Recorded] = load_attestations(
        tmp_path / "attestations.yaml", set(pack.ids())
    )
    text = raw("ubuntu2204-hardened.txt")
    if hostname is not None:
        text = text.replace("fileserver-xa", hostname)
    sections = split_sections(text)
    host = parse_host(sections, backup_path="/mnt/backup")
    facts = {
        "fs1": AssetFacts(
            asset_id="fs1",
            declared=Declared(kind="linux", admins=["quantri"], backup_configured=True),
            host=host,
        )
    }
    evaluation = evaluate(pack, inventory.assets, facts, attestations, registry, TODAY)
    signer = signer or init_keys(
        tmp_path / "keys", "UBND xã Thử", commune="xã Thử", province="Sơn La"
    )
    data = AuditInput(
        inventory=inventory,
        inventory_bytes=inv_path.read_bytes(),
        pack=pack,
        evaluation=evaluation,
        facts=facts,
        evidence={"fs1": sections_evidence(sections)},
        attestations=attestations,
    )
    out = tmp_path / "out"
    return write_audit(out, data, signer, lang), signer, out
