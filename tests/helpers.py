"""Small builders shared by tests: facts with sensible defaults, paths to fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.facts import AssetFacts, Declared, HostFacts, OsInfo, ScanFacts

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def host(**fields: Any) -> HostFacts:
    """HostFacts at NOW with only the given sub-facts set (all others unknown)."""
    fields.setdefault(
        "os",
        OsInfo(
            family="linux",
            distro_id="debian",
            version_id="12",
            name="Debian GNU/Linux 12 (bookworm)",
        ),
    )
    return HostFacts(collected_at=NOW, **fields)


def scan(**fields: Any) -> ScanFacts:
    fields.setdefault("address", "127.0.0.1")
    fields.setdefault("host_up", True)
    return ScanFacts(scanned_at=NOW, arguments="-sT", **fields)


def asset_facts(host_facts: HostFacts | None = None, **declared: Any) -> AssetFacts:
    declared.setdefault("kind", "linux")
    return AssetFacts(asset_id="a1", declared=Declared(**declared), host=host_facts)


def raw(name: str) -> str:
    return (FIXTURES / "raw" / name).read_text(encoding="utf-8")


ORG = """organisation:
  name: UBND xã Thử
  commune: xã Thử
  province: Sơn La
  security_officer: {name: Nguyễn Văn An}
  incident_contact: {name: Nguyễn Văn An, phone: "0900"}
"""


def openssl_verify(directory: Path, cafile: Path) -> subprocess.CompletedProcess[str]:
    """The independent judge: `openssl cms -verify` on report.json and its signature."""
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(directory / "report.json.p7s"),
            "-content",
            str(directory / "report.json"),
            "-CAfile",
            str(cafile),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def auditor_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m auditor.cli ARGS` as a user would, with its own auditor home."""
    env = {**os.environ, "AUDITOR_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def login(client: Any, fields: dict[str, str]) -> Any:
    """Log in to the province dashboard as its form does: fetch the page (its CSRF cookie and
    token), then post the fields with the token."""
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client.post("/login", data={**fields, "csrf": token})


def archive_review(folder: Path, days: int = 3650) -> str:
    """The inventory line of a tailoring file that lets facts `days` old be judged (the
    fixtures are archived exports), with the reason the report prints."""
    path = folder / "overrides-archive.yaml"
    path.write_text(
        "overrides:\n"
        f"  - setting: max_fact_age_days\n    value: {days}\n"
        "    justification: Xem xét các bản sao lưu cấu hình và dữ liệu đã lưu trữ\n",
        encoding="utf-8",
    )
    return f"overrides: {path}\n"
