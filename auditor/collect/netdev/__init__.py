"""Network devices: Cisco IOS/IOS-XE, FortiGate, MikroTik RouterOS and pfSense, from a saved
configuration file or live over SSH. One parser per platform turns the text into
NetDeviceFacts; secrets are redacted before anything is kept as evidence."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from auditor.collect.base import HostResult
from auditor.collect.netdev.common import MAX_CONFIG, Incomplete
from auditor.collect.netdev.drivers import DRIVERS, detect, unsupported
from auditor.collect.netdev.redact import redact
from auditor.errors import CollectionError
from auditor.facts import CollectionFailure
from auditor.fileio import TooLarge, read_regular
from auditor.inventory import Asset

__all__ = ["collect_config_file", "collect_live", "detect", "redact"]


def _fail(source: str, code: str, detail: str = "", **evidence: bytes) -> HostResult:
    return HostResult(
        failures=[CollectionFailure(source=source, code=code, detail=detail)], evidence=evidence
    )


def _fingerprints(outputs: dict[str, str]) -> dict[str, bytes]:
    """For text no driver understood: its size and sha256 only. Redaction knows device
    formats; an unknown text (a wrong file, /etc/shadow) is never kept whole."""
    return {
        f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.sha256": (
            f"{hashlib.sha256(text.encode()).hexdigest()}  {len(text.encode())} bytes\n".encode()
        )
        for name, text in outputs.items()
    }


def _judge(source: str, platform: str | None, outputs: dict[str, str]) -> HostResult:
    """Parse the outputs of one device; garbage is a clear failure, never a clean device."""
    outputs = {name: text.replace("\r\n", "\n") for name, text in outputs.items()}
    main = next(iter(outputs.values()), "")
    found = detect(main)
    if found is None and (other := unsupported(main)) is not None:
        return _fail(source, "collect.unsupported_device", other, **_fingerprints(outputs))
    if found is None or (platform is not None and found != platform):
        detail = f"expected {platform}, looks like {found or 'nothing known'}"
        return _fail(source, "collect.garbage", detail, **_fingerprints(outputs))
    try:  # redacted as the platform's structure says, or not kept at all
        evidence = {
            f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.txt": redact(
                text, found
            ).encode()
            for name, text in outputs.items()
        }
    except Exception as exc:  # e.g. XML that does not parse: the parser refuses it too
        return _fail(source, "collect.garbage", type(exc).__name__, **_fingerprints(outputs))
    if found == "cisco-ios" and not main.rstrip().endswith("end"):
        return _fail(source, "collect.truncated", "no final 'end' line", **evidence)
    try:
        facts = DRIVERS[found].parse(outputs)
    except Incomplete as exc:  # cut off: what is there is kept, nothing is judged
        return _fail(source, "collect.truncated", str(exc), **evidence)
    except Exception as exc:  # a malformed file must not stop the audit
        return _fail(source, "collect.garbage", type(exc).__name__, **_fingerprints(outputs))
    return HostResult(netdev=facts, evidence=evidence)


def collect_config_file(
    path: Path,
    platform: str | None = None,
    max_age_days: int | None = None,
    now: datetime | None = None,
) -> HostResult:
    """Facts from an exported configuration; the kept evidence is the redacted text. A
    configuration older than `max_age_days` (by the date it carries, else the file's time)
    is not judged: an old export says nothing about the device today."""
    try:
        text = read_regular(path, MAX_CONFIG).decode("utf-8", "replace")
    except TooLarge:
        return _fail("import", "collect.too_much_output", f"> {MAX_CONFIG} bytes")
    except OSError as exc:
        return _fail("import", "collect.failed", type(exc).__name__)
    driver = DRIVERS.get(platform or detect(text) or "")
    result = _judge("import", platform, {driver.config if driver else "config": text})
    if result.netdev is None or max_age_days is None:
        return result
    made = result.netdev.config_time or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    age = ((now or datetime.now(UTC)) - made).days
    if age > max_age_days:
        failure = CollectionFailure(source="import", code="collect.stale_config", detail=str(age))
        return HostResult(failures=[failure], evidence=result.evidence)
    return result


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
