"""Collect facts from the machine the auditor runs on: the fact script plus psutil."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

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
from auditor.inventory import Asset


def collect_local(asset: Asset, timeout_s: int) -> HostResult:
    """Run the fact script under /bin/sh here; psutil supplies processes and sockets."""
    try:
        proc = subprocess.run(
            ["/bin/sh", "-s"],
            input=linux_script(asset).encode(),
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return HostResult(
            failures=[
                CollectionFailure(source="local", code="collect.timeout", detail=f"{timeout_s}s")
            ]
        )
    except OSError as exc:
        return HostResult(
            failures=[
                CollectionFailure(source="local", code="collect.failed", detail=type(exc).__name__)
            ]
        )
    text = proc.stdout[:MAX_OUTPUT].decode("utf-8", "replace")
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
