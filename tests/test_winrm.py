"""WinRM transport against a WS-Management endpoint on 127.0.0.1 (real HTTP + SOAP)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from auditor.collect.windows import windows_script
from auditor.collect.winrm import collect_winrm
from auditor.inventory import load_inventory
from tests.helpers import FIXTURES, ORG
from tests.winrm_server import WinRMServer

REPLAY = (FIXTURES / "windows" / "win11-23h2-kaspersky-defender-passive.json").read_bytes()


def inventory(tmp_path: Path, port: int, extra: str = "") -> Path:
    path = tmp_path / "inv.yaml"
    path.write_text(
        ORG
        + f"""assets:
  - id: pc-diachinh
    name: PC địa chính
    kind: windows
    connection: winrm
    address: 127.0.0.1
    port: {port}
    credential: {{user: quantri, password_env: TEST_WINRM_PASSWORD}}
    winrm: {{transport: basic, https: false{extra}}}
""",
        encoding="utf-8",
    )
    return path


def test_winrm_runs_the_script_and_parses_the_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WINRM_PASSWORD", "S3cret-Thu-1")
    with WinRMServer(REPLAY, "quantri", "S3cret-Thu-1") as server:
        asset = load_inventory(inventory(tmp_path, server.port)).assets[0]
        result = collect_winrm(asset, 30)
    assert result.failures == [] and result.host is not None
    assert result.host.os.hostname == "PC-DIACHINH"
    exchange = server.exchange
    assert exchange.actions[:4] == ["Create", "Command", "Send", "Receive"]
    assert exchange.actions[-1] == "Delete"
    assert exchange.command == "powershell.exe"
    bootstrap = base64.b64decode(" ".join(exchange.arguments).split()[-1]).decode("utf-16-le")
    assert "[Console]::In.ReadToEnd()" in bootstrap
    assert exchange.stdin == windows_script().encode()
    assert asset.warnings == ["winrm.http_plaintext"]


def test_winrm_wrong_password_and_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WINRM_PASSWORD", "wrong")
    with WinRMServer(REPLAY, "quantri", "right") as server:
        asset = load_inventory(inventory(tmp_path, server.port)).assets[0]
        result = collect_winrm(asset, 10)
    assert [f.code for f in result.failures] == ["winrm.auth_failed"]
    closed = load_inventory(inventory(tmp_path, server.port)).assets[0]
    assert [f.code for f in collect_winrm(closed, 5).failures] == ["winrm.unreachable"]
    monkeypatch.delenv("TEST_WINRM_PASSWORD")
    assert [f.code for f in collect_winrm(closed, 5).failures] == ["ssh.secret_env_missing"]


def test_https_is_the_default_and_verification_is_on(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        ORG
        + """assets:
  - id: pc
    name: PC
    kind: windows
    connection: winrm
    address: 127.0.0.1
    credential: {user: quantri, password_env: X}
""",
        encoding="utf-8",
    )
    asset = load_inventory(path).assets[0]
    from auditor.collect.winrm import endpoint

    assert endpoint(asset) == "https://127.0.0.1:5986/wsman"
    assert asset.warnings == []
    unverified = load_inventory(inventory(tmp_path, 1, ", verify_tls: false")).assets[0]
    assert unverified.warnings == ["winrm.http_plaintext", "winrm.tls_unverified"]
