"""Network devices: Cisco IOS/IOS-XE, MikroTik RouterOS and pfSense, from a saved
configuration file or live over SSH. One parser per platform turns the text into
NetDeviceFacts; secrets are redacted before anything is kept as evidence."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from auditor.collect.base import HostResult
from auditor.collect.netdev.cisco import parse_cisco
from auditor.collect.netdev.common import MAX_CONFIG
from auditor.collect.netdev.mikrotik import parse_mikrotik
from auditor.collect.netdev.pfsense import parse_pfsense
from auditor.collect.netdev.redact import redact
from auditor.errors import CollectionError
from auditor.facts import CollectionFailure, NetDeviceFacts
from auditor.inventory import Asset

__all__ = ["collect_config_file", "collect_live", "detect", "redact"]


def detect(text: str) -> str | None:
    head = text[:4000]
    if "<pfsense>" in head:
        return "pfsense"
    if re.search(r"^# .* by RouterOS", text, re.M) or re.search(r"^/ip service", text, re.M):
        return "mikrotik"
    if re.search(r"^(hostname|line vty|version \d)", text, re.M):
        return "cisco-ios"
    return None


def _parse(platform: str, outputs: dict[str, str]) -> NetDeviceFacts:
    parsers: dict[str, Callable[[], NetDeviceFacts]] = {
        "cisco-ios": lambda: parse_cisco(
            outputs["show running-config"],
            outputs.get("show version"),
            outputs.get("show startup-config"),
        ),
        "mikrotik": lambda: parse_mikrotik(
            outputs["/export verbose"], outputs.get("/system resource print")
        ),
        "pfsense": lambda: parse_pfsense(outputs["config.xml"]),
    }
    return parsers[platform]()


def _fail(source: str, code: str, detail: str = "", **evidence: bytes) -> HostResult:
    return HostResult(
        failures=[CollectionFailure(source=source, code=code, detail=detail)], evidence=evidence
    )


def _judge(source: str, platform: str | None, outputs: dict[str, str]) -> HostResult:
    """Parse the outputs of one device; garbage is a clear failure, never a clean device."""
    outputs = {name: text.replace("\r\n", "\n") for name, text in outputs.items()}
    evidence = {
        f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.txt": redact(text).encode()
        for name, text in outputs.items()
    }
    main = next(iter(outputs.values()), "")
    found = detect(main)
    if found is None or (platform is not None and found != platform):
        detail = f"expected {platform}, looks like {found or 'nothing known'}"
        return _fail(source, "collect.garbage", detail, **evidence)
    if found == "cisco-ios" and not main.rstrip().endswith("end"):
        return _fail(source, "collect.truncated", "no final 'end' line", **evidence)
    try:
        facts = _parse(found, outputs)
    except Exception as exc:  # a malformed file must not stop the audit
        return _fail(source, "collect.garbage", type(exc).__name__, **evidence)
    return HostResult(netdev=facts, evidence=evidence)


def collect_config_file(path: Path, platform: str | None = None) -> HostResult:
    """Facts from an exported configuration; the kept evidence is the redacted text."""
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG:
            return _fail("import", "collect.too_much_output", f"{size} bytes")
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        return _fail("import", "collect.failed", type(exc).__name__)
    found = detect(text) if platform is None else platform
    key = {"cisco-ios": "show running-config", "mikrotik": "/export verbose"}.get(
        found or "", "config.xml"
    )
    return _judge("import", platform, {key: text})


def collect_live(asset: Asset, known_hosts: Path, timeout_s: int) -> HostResult:
    """Log in over SSH, run the platform's read-only commands, parse, redact."""
    from auditor.collect.netdev.live import run_commands, try_default_login

    try:
        outputs = run_commands(asset, known_hosts, timeout_s)
    except CollectionError as exc:
        return _fail("ssh", exc.code, exc.detail)
    result = _judge("ssh", asset.platform, outputs)
    if result.netdev is not None and asset.probe_default_login:
        works = try_default_login(asset, known_hosts, timeout_s)
        result = HostResult(
            netdev=result.netdev.model_copy(update={"default_login_works": works}),
            failures=result.failures,
            evidence=result.evidence,
        )
    return result
