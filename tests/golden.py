"""The golden audit: every recorded fixture judged in one report, for the byte-identity test.

The engine may be rewritten for speed; its report must not change by one byte. This module
builds one report from every recorded host, device and scan fixture, with waivers, an
organisation-wide exemption, attestations, declared systems and an incident, so that every
path of the engine shows in the golden file.

    .venv/bin/python -m tests.golden --write   # after an intended change of the output
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from auditor.attest import AttestationEntry, Recorded
from auditor.checking import discover
from auditor.collect.base import truncated
from auditor.collect.linux.sections import split_sections
from auditor.collect.linux_parse import parse_host
from auditor.collect.netdev import collect_config_file
from auditor.collect.windows import facts_from_bytes
from auditor.engine import evaluate
from auditor.facts import AssetFacts, CollectionFailure, Declared, OpenPort
from auditor.incidents import Incident, SentReport
from auditor.inventory import Inventory
from auditor.policy import load_policy
from auditor.report.model import Report, ToolInfo, canonical_bytes
from auditor.report.writer import AuditInput, build_report
from auditor.results import Exemption
from auditor.systems import systems_of
from tests.helpers import FIXTURES, NOW, scan

GOLDEN = FIXTURES / "golden" / "report-all-fixtures.json"
TODAY = date(2026, 11, 20)
NETDEV = ("cisco-ios-hardened.txt", "cisco-ios-weak.txt", "mikrotik-hardened.rsc")
NETDEV += ("mikrotik-weak.rsc", "pfsense-hardened.xml", "pfsense-weak.xml")
LINUX = ("ubuntu2204-hardened.txt", "ubuntu2204-truncated.txt", "debian12-container.txt")
LINUX += ("rocky9-dnf.txt", "garbage.txt")

ORGANISATION = {
    "name": "UBND xã Thử",
    "commune": "xã Thử",
    "province": "Sơn La",
    "security_officer": {"name": "Nguyễn Văn An"},
    "incident_contact": {"name": "Nguyễn Văn An", "phone": "0900"},
}
SYSTEMS = [
    {
        "id": "lan",
        "name": "Hệ thống mạng nội bộ",
        "level": 2,
        "decision_no": "12/QĐ-UBND",
        "decision_date": "2025-03-10",
        "approved_by": "Chủ tịch UBND xã Thử",
    },
    {"id": "motcua", "name": "Hệ thống một cửa điện tử", "level": 2},
]


def _stem(name: str) -> str:
    return name.split(".")[0].replace("_", "-")


def _assets_and_facts() -> tuple[list[dict[str, Any]], dict[str, AssetFacts]]:
    rows: list[dict[str, Any]] = []
    facts: dict[str, AssetFacts] = {}

    def add(asset_id: str, kind: str, row: dict[str, Any], af: dict[str, Any]) -> None:
        rows.append({"id": asset_id, "name": asset_id, "kind": kind, "systems": ["lan"], **row})
        declared = Declared(kind=kind, admins=["quantri"], backup_configured=kind == "linux")
        facts[asset_id] = AssetFacts(asset_id=asset_id, declared=declared, **af)

    for path in sorted((FIXTURES / "windows").glob("*.json")):
        result = facts_from_bytes(path.read_bytes(), "import")
        add(
            f"win-{_stem(path.name)}",
            "windows",
            {"connection": "import", "admins": ["quantri"]},
            {"host": result.host, "failures": result.failures},
        )
    for name in LINUX:
        sections = split_sections((FIXTURES / "raw" / name).read_text(encoding="utf-8"))
        host = parse_host(sections, backup_path="/mnt/backup")
        if "clock" not in sections:  # the parser then takes the time of parsing
            host = host.model_copy(update={"collected_at": NOW})
        add(
            f"lnx-{_stem(name)}",
            "linux",
            {"connection": "import", "admins": ["quantri"], "backup": {"path": "/mnt/backup"}},
            {"host": host, "failures": truncated(sections)},
        )
    for name in NETDEV:
        result = collect_config_file(FIXTURES / "netdev" / name)
        assert result.netdev is not None, name
        device = result.netdev.model_copy(update={"collected_at": NOW})  # read "now"
        add(
            f"net-{_stem(name)}",
            "netdevice",
            {"connection": "import", "config_file": name},
            {"netdev": device, "failures": result.failures},
        )
    telnet = [OpenPort(port=23, service="telnet"), OpenPort(port=443, service="https")]
    add(
        "net-scanned",
        "netdevice",
        {"connection": "import", "config_file": "missing.rsc", "address": "127.0.0.9"},
        {"scan": scan(address="127.0.0.9", open_ports=telnet)},
    )
    unreachable = CollectionFailure(source="ssh", code="collect.unreachable", detail="timeout")
    add(
        "lnx-unreachable",
        "linux",
        {"connection": "ssh", "address": "127.0.0.8", "credential": {"user": "an", "agent": True}},
        {"failures": [unreachable]},
    )
    add(
        "web-cong",
        "website",
        {"connection": "http", "address": "xathu.example.vn"},
        {},
    )
    return rows, facts


def golden_input() -> AuditInput:
    """Every fixture judged as of 20/11/2026, as the writer receives it."""
    rows, facts = _assets_and_facts()
    inventory = Inventory.model_validate(
        {"organisation": ORGANISATION, "systems": SYSTEMS, "assets": rows}
    )
    registry = discover()
    pack = load_policy("nd85-level2", registry)
    attestations = {
        "L2-MGMT-POL-01": Recorded(
            entry=AttestationEntry(
                requirement="L2-MGMT-POL-01",
                decision_no="12/QĐ-UBND",
                date=date(2026, 3, 1),
                signer="Chủ tịch UBND xã",
            ),
            evidence_path=Path("qd-12.pdf"),
            evidence_sha256="0" * 64,
        ),
        "L2-MGMT-IR-02": Recorded(  # past its review period
            entry=AttestationEntry(
                requirement="L2-MGMT-IR-02",
                decision_no="3/KH-UBND",
                date=date(2024, 1, 10),
                signer="Chủ tịch UBND xã",
            ),
            evidence_path=None,
            evidence_sha256=None,
        ),
    }
    exemptions = {
        ("win-win11-24h2-av-disabled", "L2-MAL-AV-01"): Exemption(
            kind="waived", reason="Máy chờ thay", until=date(2027, 1, 1), approved_by="Chủ tịch"
        ),
        ("lnx-ubuntu2204-hardened", "L2-VUL-PATCH-01"): Exemption(
            kind="waived", reason="Hết hạn", until=date(2026, 1, 1)
        ),
        ("net-mikrotik-weak", "L2-NET-FW-01"): Exemption(
            kind="not_applicable", reason="Thiết bị dự phòng"
        ),
        ("*", "L2-MGMT-HR-02"): Exemption(kind="waived", reason="Chờ kế hoạch tỉnh"),
    }
    incidents = [
        Incident(
            id=1,
            detected_at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
            system="lan",
            kind="malware",
            severity="serious",
            description="Mã độc trên máy kế toán",
            sent=[
                SentReport(
                    kind="notice",
                    at=datetime(2026, 6, 2, 14, 0, tzinfo=UTC),
                    to="Công an tỉnh",
                    reference="15/TB-UBND",
                )
            ],
            recorded_by="an",
            recorded_at=datetime(2026, 6, 2, 15, 0, tzinfo=UTC),
        )
    ]
    evaluation = evaluate(
        pack,
        inventory.assets,
        facts,
        attestations,
        registry,
        TODAY,
        exemptions,
        systems_of(inventory),
        incidents,
    )
    return AuditInput(
        inventory=inventory,
        inventory_bytes=b"golden",
        pack=pack,
        evaluation=evaluation,
        facts=facts,
        evidence={},
        attestations=attestations,
    )


def golden_report() -> Report:
    """The report of every fixture, as of 20/11/2026 12:00 UTC, with fixed ids."""
    report = build_report(
        golden_input(), [], None, NOW, report_id="00000000-0000-4000-8000-000000000000"
    )
    # the tool's version and the machine's name are not the engine's output
    return report.model_copy(
        update={
            "tool": ToolInfo(name="commune-auditor", version="golden"),
            "auditor_host": "golden",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the golden file")
    args = parser.parse_args()
    body = canonical_bytes(golden_report())
    if args.write:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(body)
        print(f"wrote {GOLDEN} ({len(body)} bytes)")
    else:
        print("same" if GOLDEN.read_bytes() == body else "DIFFERENT")


if __name__ == "__main__":
    main()
