"""Collect facts from the machine the auditor runs on: the fact script plus psutil."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

import psutil

from auditor.collect.base import (
    MAX_OUTPUT,
    HostResult,
    linux_script,
    sections_evidence,
    truncated,
)
from auditor.collect.linux.sections import split_sections
from auditor.collect.linux_parse import parse_host
from auditor.facts import CollectionFailure, Listener
from auditor.inventory import Asset, AssetKind, Connection


@dataclass
class Started:
    """The fact script running here, its output going to a private temporary file (a pipe
    would stop it at 64 KiB until someone reads)."""

    process: subprocess.Popen[bytes]
    output: IO[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()


def start_script(asset: Asset) -> Started:
    """Start the asset's fact script under /bin/sh, its text on stdin from a temporary file."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Started.stop
    with tempfile.TemporaryFile() as script:
        script.write(linux_script(asset).encode())
        script.seek(0)
        try:
            process = subprocess.Popen(
                ["/bin/sh", "-s"], stdin=script, stdout=output, stderr=subprocess.DEVNULL
            )
        except OSError:
            output.close()
            raise
    return Started(process, output)


def is_local_host(asset: Asset) -> bool:
    return asset.connection is Connection.local and asset.kind is not AssetKind.website


@contextmanager
def started_early(assets: Iterable[Asset]) -> Iterator[dict[str, Started]]:
    """The local assets' fact scripts, started as soon as the inventory is read: the audit's
    own modules load while they run. Whatever the audit did not collect is stopped."""
    started: dict[str, Started] = {}
    try:
        for asset in assets:
            if is_local_host(asset):
                with suppress(OSError):  # said by the collector when it starts it again
                    started[asset.id] = start_script(asset)
        yield started
    finally:
        for run in started.values():
            run.stop()


def collect_local(asset: Asset, timeout_s: int, started: Started | None = None) -> HostResult:
    """Run the fact script under /bin/sh here (or take the run started early); psutil
    supplies processes and sockets."""
    try:
        run = started or start_script(asset)
    except OSError as exc:
        return HostResult(
            failures=[
                CollectionFailure(source="local", code="collect.failed", detail=type(exc).__name__)
            ]
        )
    try:
        run.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        run.stop()
        return HostResult(
            failures=[
                CollectionFailure(source="local", code="collect.timeout", detail=f"{timeout_s}s")
            ]
        )
    run.output.seek(0)
    raw = run.output.read(MAX_OUTPUT)
    run.stop()
    text = raw.decode("utf-8", "replace")
    sections = split_sections(text)
    processes = sorted({p.info["name"] for p in psutil.process_iter(["name"]) if p.info["name"]})
    listeners = _listeners()
    host = parse_host(
        sections,
        processes=processes,
        listeners=listeners,
        backup_path=asset.backup.path if asset.backup else None,
        received_at=datetime.now(UTC),
    )
    evidence = sections_evidence(sections)
    evidence["processes.txt"] = "\n".join(processes).encode()
    return HostResult(host=host, failures=truncated(sections), evidence=evidence)


def _listeners() -> list[Listener] | None:
    try:
        conns = psutil.net_connections(kind="inet")
    except (psutil.AccessDenied, OSError):
        return None
    found = set()
    for conn in conns:
        if not conn.laddr:
            continue
        if conn.type == 1 and conn.status != psutil.CONN_LISTEN:  # SOCK_STREAM
            continue
        if conn.type == 2 and conn.raddr:  # SOCK_DGRAM that is connected is a client
            continue
        found.add(("tcp" if conn.type == 1 else "udp", conn.laddr.ip, conn.laddr.port))
    return [
        Listener(proto="tcp" if p == "tcp" else "udp", address=a, port=n)
        for p, a, n in sorted(found)
    ]
