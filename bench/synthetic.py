"""Synthetic audits for benchmarks: recorded fixture facts cycled over many assets.

Nine in ten assets are Windows PCs (the six recorded Windows fixtures in turn), one in ten a
Linux server; every asset gets its own id and hostname so nothing can be cached per host.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.checking import Registry, discover  # noqa: E402
from auditor.collect.linux.sections import split_sections  # noqa: E402
from auditor.collect.linux_parse import parse_host  # noqa: E402
from auditor.collect.windows_parse import load_document, parse_windows  # noqa: E402
from auditor.engine import evaluate  # noqa: E402
from auditor.facts import AssetFacts, Declared, HostFacts  # noqa: E402
from auditor.inventory import Asset, Inventory  # noqa: E402
from auditor.policy import Pack, load_policy  # noqa: E402
from auditor.report.model import Report  # noqa: E402
from auditor.report.writer import AuditInput, build_report  # noqa: E402
from auditor.results import Evaluation  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TODAY = date(2026, 11, 20)
ORGANISATION = {
    "name": "UBND xã Thử",
    "commune": "xã Thử",
    "province": "Sơn La",
    "security_officer": {"name": "Nguyễn Văn An"},
    "incident_contact": {"name": "Nguyễn Văn An"},
}


def _templates() -> tuple[list[HostFacts], HostFacts]:
    windows = [
        parse_windows(load_document(p.read_bytes()))
        for p in sorted((FIXTURES / "windows").glob("*.json"))
    ]
    linux = parse_host(split_sections((FIXTURES / "raw" / "ubuntu2204-hardened.txt").read_text()))
    return windows, linux


def synthetic(count: int) -> tuple[list[Asset], dict[str, AssetFacts]]:
    windows, linux = _templates()
    rows, facts = [], {}
    for i in range(count):
        is_linux = i % 10 == 0
        asset_id = f"pc-{i:05d}"
        rows.append(
            {
                "id": asset_id,
                "name": f"Máy tính {i:05d}",
                "kind": "linux" if is_linux else "windows",
                "connection": "import",
                "admins": ["quantri"],
            }
        )
        template = linux if is_linux else windows[i % len(windows)]
        host = template.model_copy(update={"hostname": asset_id})
        facts[asset_id] = AssetFacts(
            asset_id=asset_id, declared=Declared(kind=rows[-1]["kind"]), host=host
        )
    return [Asset.model_validate(row) for row in rows], facts


def judge(
    assets: list[Asset], facts: dict[str, AssetFacts], registry: Registry | None = None
) -> tuple[Pack, Evaluation]:
    registry = registry or discover()
    pack = load_policy("nd85-level2", registry)
    return pack, evaluate(pack, assets, facts, {}, registry, TODAY)


def report_of(assets: list[Asset], facts: dict[str, AssetFacts]) -> Report:
    """The report model of an audit of `assets` (at most an inventory's 5,000)."""
    inventory = Inventory.model_validate(
        {"organisation": ORGANISATION, "assets": [a.model_dump() for a in assets]}
    )
    pack, evaluation = judge(inventory.assets, facts)
    data = AuditInput(
        inventory=inventory,
        inventory_bytes=b"",
        pack=pack,
        evaluation=evaluation,
        facts=facts,
        evidence={},
        attestations={},
    )
    return build_report(data, [], None, datetime(2026, 11, 20, tzinfo=UTC))
