"""Scan the inventory's own addresses with nmap and report open ports per address.

Only addresses written in the inventory are probed; nothing is discovered beyond them.
TCP connect scan (-sT) by default; SYN scan (-sS) only when running as root.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nmap

from auditor.facts import CollectionFailure, OpenPort, ScanFacts
from auditor.inventory import ScanSettings


@dataclass
class ScanResult:
    by_address: dict[str, ScanFacts] = field(default_factory=dict)
    failures: dict[str, CollectionFailure] = field(default_factory=dict)
    evidence: dict[str, bytes] = field(default_factory=dict)  # address → its part of nmap's XML


def scan_arguments(settings: ScanSettings, *, as_root: bool) -> str:
    parts = ["-sS" if as_root else "-sT", "-Pn", "-n", f"--host-timeout {settings.timeout_s}s"]
    parts.append(f"--max-retries {settings.max_retries}")
    if settings.min_rate:
        parts.append(f"--min-rate {settings.min_rate}")
    if settings.service_detection:
        parts.append("-sV --version-light")
    return " ".join(parts)


def resolve(address: str) -> str | None:
    """IP for an inventory address (hostnames resolved once, so results map back)."""
    try:
        return str(socket.getaddrinfo(address, None, type=socket.SOCK_STREAM)[0][4][0])
    except (OSError, IndexError):
        return None


def in_scope(ip: str, settings: ScanSettings) -> bool:
    """True when no scope is set, or `ip` lies inside one of the allowed networks."""
    if settings.allowed_networks is None:
        return True
    addr = ipaddress.ip_address(ip)
    return any(addr in net for net in settings.allowed_networks)


def _targets(addresses: list[str], settings: ScanSettings, result: ScanResult) -> dict[str, str]:
    """Each inventory address resolved once; unresolvable or out-of-scope ones become
    failures in `result`."""
    ips: dict[str, str] = {}
    for address in dict.fromkeys(addresses):
        ip = resolve(address)
        if ip is None:
            result.failures[address] = CollectionFailure(
                source="nmap", code="nmap.unresolvable", detail=address
            )
        elif not in_scope(ip, settings):
            result.failures[address] = CollectionFailure(
                source="nmap", code="nmap.out_of_scope", detail=f"{address} ({ip})"
            )
        else:
            ips[address] = ip
    return ips


def _open_ports(entry: dict[str, Any] | None) -> list[OpenPort]:
    """The open TCP and UDP ports python-nmap reports for one host."""
    ports = []
    for proto in ("tcp", "udp"):
        for port, info in sorted(((entry or {}).get(proto) or {}).items()):
            if info.get("state") == "open":
                ports.append(
                    OpenPort(
                        port=int(port),
                        proto=proto,
                        service=info.get("name") or None,
                        product=info.get("product") or None,
                        version=info.get("version") or None,
                    )
                )
    return ports


def _run_nmap(
    ips: dict[str, str], settings: ScanSettings, arguments: str
) -> tuple[dict[str, Any], bytes]:
    """One nmap run over every address (python-nmap's dict and the XML it wrote)."""
    scanner = (
        nmap.PortScanner(nmap_search_path=(settings.nmap_binary,))
        if settings.nmap_binary
        else nmap.PortScanner()
    )
    raw: dict[str, Any] = scanner.scan(
        hosts=" ".join(sorted(set(ips.values()))),
        ports=settings.ports,
        arguments=arguments,
        timeout=settings.timeout_s + 30,
    )
    return raw, scanner.get_nmap_last_output() or b""


def scan(addresses: list[str], settings: ScanSettings) -> ScanResult:
    """Scan each inventory address once; unresolvable or failed ones get a failure."""
    result = ScanResult()
    ips = _targets(addresses, settings, result)
    if not ips:
        return result
    arguments = scan_arguments(settings, as_root=os.geteuid() == 0)
    started = datetime.now(UTC)
    try:
        raw, xml = _run_nmap(ips, settings, arguments)
    except nmap.PortScannerError as exc:
        code = "nmap.missing" if "not found" in str(exc) else "nmap.failed"
        for address in ips:
            result.failures[address] = CollectionFailure(
                source="nmap", code=code, detail=str(exc)[:200]
            )
        return result
    except nmap.PortScannerTimeout:
        for address in ips:
            result.failures[address] = CollectionFailure(source="nmap", code="nmap.timeout")
        return result
    hosts = raw.get("scan", {})
    answered = _answering_ips(xml)
    per_ip = _split_by_host(xml)
    for address, ip in ips.items():
        result.by_address[address] = ScanFacts(
            address=address,
            scanned_at=started,
            arguments=f"{arguments} -p {settings.ports}",
            host_up=ip in answered,
            open_ports=_open_ports(hosts.get(ip)),
        )
        result.evidence[address] = per_ip.get(ip, xml)
    return result


def _split_by_host(xml: bytes) -> dict[str, bytes]:
    """nmap's XML cut into one document per host (run header + that host), so the evidence
    stored for each asset stays small however many hosts were scanned together."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return {}
    out = {}
    for host in root.iter("host"):
        addr = host.find("address")
        if addr is None:
            continue
        doc = ET.Element(root.tag, root.attrib)
        doc.extend([*root.findall("scaninfo"), host])
        out[addr.get("addr", "")] = ET.tostring(doc, encoding="utf-8", xml_declaration=True)
    return out


def _answering_ips(xml: bytes) -> set[str]:
    """Addresses where at least one port answered (open or closed), i.e. really reachable.

    With -Pn nmap calls every host "up"; a host that answered nothing is not proof of
    a clean host, so exposure checks must see it as not scanned.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return set()
    out = set()
    for host in root.iter("host"):
        addr = host.find("address")
        if addr is None:
            continue
        states = [p.get("state") for p in host.iter("port") for p in p.iter("state")]
        states += [e.get("state") for e in host.iter("extraports")]
        if any(s in ("open", "closed") for s in states):
            out.add(addr.get("addr", ""))
    return out
