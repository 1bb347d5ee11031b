"""Collect facts from every asset of an inventory, concurrently, then scan with nmap.

Per-asset failures never stop the audit: each becomes a CollectionFailure on that asset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.collect import nmap_scan
from auditor.collect.base import HostResult
from auditor.collect.local import Started, collect_local
from auditor.facts import AssetFacts, CollectionFailure, Declared
from auditor.inventory import Asset, AssetKind, Connection, Inventory
from auditor.logs import event
from auditor.progress import AssetDone, Phase, Progress, Silent

if TYPE_CHECKING:
    from auditor.collect.windows import RecordCheck


log = logging.getLogger("auditor.collect")


@dataclass
class Collected:
    facts: dict[str, AssetFacts] = field(default_factory=dict)
    evidence: dict[str, dict[str, bytes]] = field(default_factory=dict)  # asset → name → bytes


@dataclass(frozen=True)
class Context:
    """Where collectors find pinned host keys and imported facts, and how to vet imports."""

    known_hosts: Path
    imports_dir: Path
    check_import: RecordCheck  # imported for types only: paramiko loads when SSH is used
    now: datetime
    max_fact_age_days: int  # the pack's: older imports and saved configurations are stale
    # local fact scripts the CLI started before the audit's modules loaded, by asset id
    early: Mapping[str, Started] = field(default_factory=dict)


def collect_host(asset: Asset, inventory: Inventory, ctx: Context) -> HostResult:
    """Pick the collector for the asset's kind and connection; unsupported ones fail clearly."""
    timeout = inventory.settings.ssh_timeout_s
    kind, connection = asset.kind, asset.connection
    if kind is AssetKind.website:
        from auditor.collect.web import probe  # httpx: imported only when a website is audited

        settings = asset.web
        url = settings.url if settings else f"https://{asset.address}/"
        web, failures = probe(
            url, timeout=min(timeout, 20), ca_bundle=settings.ca_bundle if settings else None
        )
        return HostResult(web=web, failures=failures)
    if connection is Connection.local:
        return collect_local(asset, timeout, ctx.early.get(asset.id))
    # the other collectors load paramiko (~70 ms): only when an asset needs them
    from auditor.collect.netdev import collect_config_file, collect_live
    from auditor.collect.ssh import collect_ssh
    from auditor.collect.windows import collect_import, collect_windows_ssh

    if kind is AssetKind.netdevice and asset.config_file is not None:
        return collect_config_file(
            asset.config_file,
            asset.platform,
            ctx.max_fact_age_days,
            ctx.now,
        )
    if kind is AssetKind.netdevice and connection is Connection.ssh:
        return collect_live(asset, ctx.known_hosts, timeout)
    if connection is Connection.ssh and kind is AssetKind.linux:
        return collect_ssh(asset, ctx.known_hosts, timeout)
    if connection is Connection.ssh and kind is AssetKind.windows:
        return collect_windows_ssh(asset, ctx.known_hosts, timeout)
    if connection is Connection.winrm and kind is AssetKind.windows:
        from auditor.collect.winrm import collect_winrm  # pywinrm + requests: only when used

        return collect_winrm(asset, timeout)
    if connection is Connection.import_ and kind is AssetKind.windows:
        return collect_import(
            asset,
            ctx.imports_dir,
            ctx.max_fact_age_days,
            ctx.now,
            ctx.check_import,
        )
    return HostResult(
        failures=[
            CollectionFailure(
                source=connection.value,
                code="collect.not_supported",
                detail=f"{kind.value}/{connection.value}",
            )
        ]
    )


def _timed(asset: Asset, inventory: Inventory, ctx: Context) -> tuple[HostResult, float]:
    start = time.perf_counter()
    return collect_host(asset, inventory, ctx), time.perf_counter() - start


def _log_asset(asset: Asset, got: HostResult, seconds: float, failed: bool) -> None:
    """One record per asset (how it went, how long), one per failure with its code."""
    code = "log.collect.failed" if failed else "log.collect.done"
    level = logging.WARNING if failed else logging.INFO
    event(
        log,
        level,
        code,
        asset=asset.id,
        connection=asset.connection.value,
        seconds=f"{seconds:.1f}",
    )
    for failure in got.failures:
        event(
            log,
            logging.WARNING,
            "log.collect.failure",
            asset=asset.id,
            code=failure.code,
            detail=failure.detail or "",
        )


def _finished(future: Future[tuple[HostResult, float]], asset: Asset) -> tuple[HostResult, float]:
    """A collector's result and time; a collector bug is this asset's error, not the
    audit's."""
    try:
        return future.result()
    except Exception as exc:
        failure = CollectionFailure(
            source=asset.connection.value, code="collect.crashed", detail=type(exc).__name__
        )
        return HostResult(failures=[failure]), 0.0


def _facts(
    asset: Asset,
    inventory: Inventory,
    result: HostResult,
    scan: nmap_scan.ScanResult,
    address: str | None,
) -> tuple[AssetFacts, dict[str, bytes]]:
    """One asset's facts and evidence: its collector's, with what the port scan saw."""
    failures = list(result.failures)
    if address and address in scan.failures:
        failures.append(scan.failures[address])
    facts = AssetFacts(
        asset_id=asset.id,
        declared=Declared(
            kind=asset.kind.value,
            admins=asset.admins,
            users=asset.users,
            backup_configured=asset.backup is not None,
            soc_managers=inventory.organisation.soc_managers,
        ),
        host=result.host,
        web=result.web,
        netdev=result.netdev,
        scan=scan.by_address.get(address) if address else None,
        failures=failures,
    )
    evidence = dict(result.evidence)
    if address and address in scan.evidence:
        evidence["nmap.xml"] = scan.evidence[address]
    return facts, evidence


def collect_all(inventory: Inventory, ctx: Context, progress: Progress | None = None) -> Collected:
    """Hosts in parallel (bounded by settings.concurrency) while one nmap run scans them all."""
    progress = progress or Silent()
    hosts: dict[str, HostResult] = {}
    targets = {a.id: a.scan_address for a in inventory.assets if a.scan_address}
    # nmap runs once for every target, alongside the host collectors rather than after them
    with (
        ThreadPoolExecutor(max_workers=1) as scanner,
        ThreadPoolExecutor(max_workers=inventory.settings.concurrency) as pool,
    ):
        scanning = (
            scanner.submit(nmap_scan.scan, list(targets.values()), inventory.scan)
            if targets
            else None
        )
        progress.phase(Phase.collect, len(inventory.assets))
        if scanning:
            progress.phase(Phase.scan, len(targets))
            scanning.add_done_callback(lambda _f: progress.phase_done(Phase.scan))
        futures = {pool.submit(_timed, a, inventory, ctx): a for a in inventory.assets}
        for future in as_completed(futures):
            asset = futures[future]
            got, seconds = _finished(future, asset)
            hosts[asset.id] = got
            failed = got.host is None and got.web is None and got.netdev is None
            failure = got.failures[0] if failed and got.failures else None
            _log_asset(asset, got, seconds, failed)
            progress.asset(AssetDone(asset.id, seconds, failure))
        progress.phase_done(Phase.collect)
        scan = scanning.result() if scanning else nmap_scan.ScanResult()
        if scanning:
            event(log, logging.INFO, "log.collect.scanned", targets=len(targets))
    out = Collected()
    for asset in inventory.assets:
        address = targets.get(asset.id)
        facts, evidence = _facts(asset, inventory, hosts[asset.id], scan, address)
        out.facts[asset.id], out.evidence[asset.id] = facts, evidence
    return out
