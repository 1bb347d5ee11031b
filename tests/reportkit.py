"""Build a real signed report directory from recorded facts, without touching any host."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from auditor.attest import Recorded, load_attestations
from auditor.checking import discover
from auditor.collect.base import sections_evidence
from auditor.collect.linux.sections import split_sections
from auditor.collect.linux_parse import parse_host
from auditor.engine import evaluate
from auditor.facts import AssetFacts, Declared
from auditor.inventory import load_inventory
from auditor.policy import load_policy
from auditor.report.model import Report
from auditor.report.signing import Signer, init_keys
from auditor.report.writer import AuditInput, write_audit
from auditor.systems import systems_of
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


COMMUNE = """organisation:
  name: UBND xã Thử
  commune: xã Thử
  province: Sơn La
  security_officer: {name: Nguyễn Văn An, title: "Công chức Văn hóa - Xã hội"}
  incident_contact: {name: Nguyễn Văn An, phone: "0900"}
  documents:
    signatory: {name: Lê Văn Cường, position: vice_chairman}
    recipients: ["Công an tỉnh Sơn La (Phòng PA05)", "Sở Khoa học và Công nghệ tỉnh Sơn La"]
    archive: "VT, VHXH"
    drafter: "VHXH.An(02)"
    proposals: ["Đề nghị Sở Khoa học và Công nghệ hỗ trợ kinh phí mua phần mềm diệt mã độc."]
attestations: attestations.yaml
systems:
  - id: lan
    name: Hệ thống mạng nội bộ UBND xã Thử
    level: 2
    decision_no: 12/QĐ-UBND
    decision_date: 2025-03-10
    decision_file: qd-12.pdf
    approved_by: Chủ tịch UBND xã Thử
    operator: Văn phòng HĐND và UBND xã
  - id: motcua
    name: Hệ thống một cửa điện tử
    level: 3
    operator: Bộ phận Một cửa
assets:
  - id: fs1
    name: "Máy chủ tệp"
    kind: linux
    connection: ssh
    address: 10.0.0.5
    credential: {user: an, agent: true}
    admins: [quantri]
    backup: {path: /mnt/backup}
    systems: [lan, motcua]
  - id: fs2
    name: "Máy chủ một cửa"
    kind: linux
    connection: ssh
    address: 10.0.0.6
    credential: {user: an, agent: true}
    admins: [quantri]
    backup: {path: /mnt/backup}
    systems: [motcua]
"""


def build(
    tmp_path: Path,
    *,
    hostname: str | None = None,
    asset_name: str = "Máy chủ tệp",
    signer: Signer | None = None,
    lang: str = "vi",
    commune: bool = False,
    decide_all: bool = False,
    scan_all: bool = True,
) -> tuple[Report, Signer, Path]:
    """One server (`fs1`), or with `commune` two servers in two declared systems (one of
    them level 3, one without a decision) and the official-document details."""
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
    text = COMMUNE if commune else inventory_text(asset_name)
    if decide_all:  # the second system gets its decision too (with its scan unless not)
        scan = "    decision_file: qd-7.pdf\n" if scan_all else ""
        text = text.replace(
            "    level: 3\n",
            "    level: 3\n    decision_no: 7/QĐ-UBND\n    decision_date: 2025-06-01\n" + scan,
        )
        (tmp_path / "qd-7.pdf").write_bytes(b"%PDF-1.4 decision 7/QD-UBND")
    inv_path.write_text(text, encoding="utf-8")
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
        asset.id: AssetFacts(
            asset_id=asset.id,
            declared=Declared(kind="linux", admins=["quantri"], backup_configured=True),
            host=host,
        )
        for asset in inventory.assets
    }
    evaluation = evaluate(
        pack, inventory.assets, facts, attestations, registry, TODAY, None, systems_of(inventory)
    )
    signer = signer or init_keys(
        tmp_path / "keys", "UBND xã Thử", commune="xã Thử", province="Sơn La"
    )
    data = AuditInput(
        inventory=inventory,
        inventory_bytes=inv_path.read_bytes(),
        pack=pack,
        evaluation=evaluation,
        facts=facts,
        evidence={asset.id: sections_evidence(sections) for asset in inventory.assets},
        attestations=attestations,
    )
    out = tmp_path / "out"
    return write_audit(out, data, signer, lang), signer, out
