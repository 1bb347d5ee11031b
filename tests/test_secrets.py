"""No secret of any device configuration reaches anything the tool writes or prints.

Every configuration in tests/fixtures/netdev is audited in one run with the PDF, the fix
scripts, a verbose console and a log file; every secret value listed by hand in
SECRETS.yaml (passwords continued on the next line, trap communities, SNMPv3 keys, RoMON
secrets, IPsec and OpenVPN keys, …) is then looked for in the report, HTML, PDF text,
evidence, fix scripts, console and log."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import FIXTURES, ORG, archive_review, auditor_cli

NETDEV = FIXTURES / "netdev"
SECRETS: dict[str, list[str]] = yaml.safe_load((NETDEV / "SECRETS.yaml").read_text("utf-8"))


def test_every_configuration_with_secrets_is_listed() -> None:
    configs = {p.name for p in NETDEV.iterdir() if p.suffix in (".txt", ".rsc", ".xml", ".conf")}
    assert configs == set(SECRETS)
    for name, values in SECRETS.items():
        text = (NETDEV / name).read_text(encoding="utf-8")
        for value in values:
            assert value in text, (name, value)  # the list says what the file really holds


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_no_secret_reaches_any_output(tmp_path: Path) -> None:
    assets = "".join(
        f"  - {{id: dev-{i}, name: Thiết bị {i}, kind: netdevice, connection: import,"
        f" config_file: {NETDEV / name}, scan: false, systems: [lan]}}\n"
        for i, name in enumerate(sorted(SECRETS))
    )
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        ORG
        + archive_review(tmp_path)  # the fixtures are archived exports
        + "systems:\n  - {id: lan, name: Mạng nội bộ, level: 2}\nassets:\n"
        + assets,
        encoding="utf-8",
    )
    log = tmp_path / "audit.log"
    out = tmp_path / "out"
    run = auditor_cli(
        "-v",
        "--log-file",
        str(log),
        "audit",
        "-i",
        str(inventory),
        "-o",
        str(out),
        "--pdf",
        "--fixes",
        "--no-history",
        home=tmp_path / "home",
    )
    # 3: a truncated and an unsupported configuration are among them, as collection failures
    assert run.returncode == 3, run.stderr
    texts = {"console": run.stdout + run.stderr, "log": log.read_text(encoding="utf-8")}
    for path in out.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    pdf = subprocess.run(
        ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
    )
    texts["report.pdf text"] = pdf.stdout
    assert any("evidence/dev-" in name for name in texts)  # the evidence was kept, redacted
    for name, values in SECRETS.items():
        for value in values:
            leaks = [where for where, text in texts.items() if value in text]
            assert not leaks, (name, value, leaks)
