"""The host firewall, listening sockets and the SSH server's effective settings.

Every parser is defensive: the text comes from a machine we do not trust, may be truncated
or garbage, and an unreadable section is `None` (unknown), never a pass."""

from __future__ import annotations

import ipaddress
import re

from auditor.collect.linux.sections import key_values
from auditor.facts import (
    Firewall,
    Listener,
    SshServer,
)


def firewall(body: str | None) -> Firewall | None:
    if body is None:
        return None
    blocks: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        if line.startswith("@@"):
            current = line[2:]
            blocks[current] = ""
        elif current:
            blocks[current] += line + "\n"
    denied = (
        "Operation not permitted",
        "must be root",
        "Permission denied",
        "need to be root",
        "you must be root",
    )
    readable = {k: v for k, v in blocks.items() if not any(d.lower() in v.lower() for d in denied)}
    if "ufw" in readable and "Status: active" in readable["ufw"]:
        return Firewall(enabled=True, backend="ufw", detail="Status: active")
    if "firewalld" in readable and readable["firewalld"].strip().startswith("running"):
        return Firewall(enabled=True, backend="firewalld", detail="running")
    nft = readable.get("nft", "")
    if re.search(r"hook input .*policy drop", nft) or re.search(
        r"hook input[\s\S]*?\b(drop|reject)\b", nft
    ):
        return Firewall(enabled=True, backend="nftables", detail="input chain drops or rejects")
    ipt = readable.get("iptables", "")
    if re.search(r"^-P INPUT DROP", ipt, re.M) or re.search(
        r"^-A INPUT .*-j (DROP|REJECT)", ipt, re.M
    ):
        return Firewall(enabled=True, backend="iptables", detail="INPUT drops or rejects")
    if not blocks:
        return Firewall(enabled=False, backend=None, detail="no firewall tool installed")
    if not readable:
        return None  # tools exist but we lacked the rights to read them
    return Firewall(enabled=False, backend=",".join(sorted(readable)), detail="no filtering rules")


def listeners(body: str | None) -> list[Listener] | None:
    if body is None:
        return None
    found: set[tuple[str, str, int]] = set()
    proto = "tcp"
    for line in body.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "sl":
            proto = "udp" if "drops" in line else "tcp"
            continue
        if len(parts) < 4 or ":" not in parts[1]:
            continue
        state = parts[3]
        if (proto == "tcp" and state != "0A") or (proto == "udp" and state != "07"):
            continue
        addr_hex, port_hex = parts[1].split(":")
        found.add((proto, _hex_addr(addr_hex), int(port_hex, 16)))
    return [
        Listener(proto="udp" if p == "udp" else "tcp", address=a, port=n)
        for p, a, n in sorted(found)
    ]


def _hex_addr(raw: str) -> str:
    if len(raw) == 8:
        return ".".join(str(int(raw[i : i + 2], 16)) for i in (6, 4, 2, 0))
    words = [raw[i : i + 8] for i in range(0, 32, 8)]
    flipped = "".join("".join(w[j : j + 2] for j in (6, 4, 2, 0)) for w in words)
    return str(ipaddress.IPv6Address(bytes.fromhex(flipped)))


def ssh_server(body: str | None) -> SshServer | None:
    if body is None:
        return None
    if "@@absent" in body:
        return SshServer(installed=False)
    if "@@unreadable" in body:
        return SshServer(installed=True)
    return SshServer(installed=True, settings={k.lower(): v for k, v in key_values(body).items()})
