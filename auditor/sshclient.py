"""SSH with pinned host keys, shared by the collectors and the SFTP upload (neither imports
the other): keys live in the auditor's own known_hosts file; an unknown host is refused
until the officer pins it with `auditor hosts trust`, and a changed key is always refused.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import paramiko

from auditor.errors import CollectionError
from auditor.fileio import atomic_write
from auditor.inventory import Asset


@dataclass(frozen=True)
class HostKey:
    """A host key as seen on the wire, with the name under which it is pinned."""

    host_id: str
    key: paramiko.PKey

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint  # "SHA256:…"


def known_host_name(asset: Asset) -> str:
    """OpenSSH's spelling: bare host for port 22, "[host]:port" otherwise."""
    port = asset.port or 22
    assert asset.address is not None
    return asset.address if port == 22 else f"[{asset.address}]:{port}"


def fetch_host_key(asset: Asset, timeout_s: float) -> HostKey:
    """Read the server's host key without authenticating (for `hosts trust`)."""
    assert asset.address is not None
    try:
        sock = socket.create_connection((asset.address, asset.port or 22), timeout=timeout_s)
    except OSError as exc:
        raise CollectionError("ssh.unreachable", type(exc).__name__) from None
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout_s)
        return HostKey(known_host_name(asset), transport.get_remote_server_key())
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise CollectionError("ssh.handshake_failed", type(exc).__name__) from None
    finally:
        transport.close()


def pin_host_key(known_hosts: Path, seen: HostKey, *, replace: bool = False) -> str:
    """Record `seen` in known_hosts; refuse to overwrite a different key unless `replace`.

    Returns "added", "unchanged" or "replaced".
    """
    hostkeys = paramiko.HostKeys()
    if known_hosts.exists():
        hostkeys.load(str(known_hosts))
    current = hostkeys.lookup(seen.host_id)
    old = current.get(seen.key.get_name()) if current else None
    if old is not None and old == seen.key:
        return "unchanged"
    if current and not replace:
        raise CollectionError("ssh.host_key_changed", seen.host_id)
    if current:
        del hostkeys[seen.host_id]
    hostkeys.add(seen.host_id, seen.key.get_name(), seen.key)
    lines = "".join(
        f"{host} {key.get_name()} {key.get_base64()}\n"
        for host in hostkeys
        for key in hostkeys[host].values()
    )
    atomic_write(known_hosts, lines.encode(), mode=0o600)
    return "replaced" if current else "added"


def pinned_client(known_hosts: Path) -> paramiko.SSHClient:
    """An SSH client that accepts only the host keys pinned in `known_hosts`."""
    client = paramiko.SSHClient()
    if known_hosts.exists():
        client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client
