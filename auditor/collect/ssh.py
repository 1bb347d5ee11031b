"""Collect facts from a Linux host over SSH: one batched script, strict host keys.

Host keys are pinned in the auditor's own known_hosts file. An unknown host is refused
until the officer pins it with `auditor hosts trust`; a changed key is always refused.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import paramiko

from auditor.collect.base import (
    MAX_OUTPUT,
    HostResult,
    linux_script,
    secret_from_env,
    sections_evidence,
    truncated,
)
from auditor.collect.linux.sections import split_sections
from auditor.collect.linux_parse import parse_host
from auditor.errors import CollectionError
from auditor.facts import CollectionFailure
from auditor.inventory import Asset
from auditor.sshclient import known_host_name, pinned_client


def collect_ssh(asset: Asset, known_hosts: Path, timeout_s: int) -> HostResult:
    """Run the Linux fact script on `asset`; any failure becomes a typed CollectionFailure."""
    try:
        raw = run_remote(asset, known_hosts, timeout_s, "/bin/sh -s", linux_script(asset).encode())
    except CollectionError as exc:
        return HostResult(
            failures=[CollectionFailure(source="ssh", code=exc.code, detail=exc.detail)]
        )
    text = raw.decode("utf-8", "replace")
    sections = split_sections(text)
    if "os_release" not in sections and "passwd" not in sections:
        return HostResult(
            failures=[
                CollectionFailure(source="ssh", code="collect.garbage", detail=f"{len(text)} bytes")
            ],
            evidence={"raw-output.txt": text[:65536].encode()},
        )
    host = parse_host(
        sections,
        backup_path=asset.backup.path if asset.backup else None,
        received_at=datetime.now(UTC),
    )
    return HostResult(host=host, failures=truncated(sections), evidence=sections_evidence(sections))


def _connect(asset: Asset, known_hosts: Path, timeout_s: int) -> paramiko.SSHClient:
    assert asset.address is not None and asset.credential is not None
    cred = asset.credential
    client = pinned_client(known_hosts)
    password = secret_from_env(cred.password_env)
    passphrase = os.environ.get(cred.key_passphrase_env) if cred.key_passphrase_env else None
    try:
        client.connect(
            asset.address,
            port=asset.port or 22,
            username=cred.user,
            key_filename=str(cred.key_file) if cred.key_file else None,
            passphrase=passphrase,
            password=password,
            allow_agent=cred.agent,
            look_for_keys=False,
            timeout=timeout_s,
            banner_timeout=timeout_s,
            auth_timeout=timeout_s,
        )
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise CollectionError(
            "ssh.host_key_changed",
            f"expected {exc.expected_key.fingerprint}, got {exc.key.fingerprint}",
        ) from None
    except paramiko.AuthenticationException:
        client.close()
        raise CollectionError("ssh.auth_failed", cred.user) from None
    except paramiko.SSHException as exc:
        client.close()
        code = "ssh.host_key_unknown" if "known_hosts" in str(exc) else "ssh.handshake_failed"
        raise CollectionError(code, known_host_name(asset)) from None
    except (OSError, EOFError) as exc:
        client.close()
        code = (
            "ssh.timeout" if isinstance(exc, TimeoutError | socket.timeout) else "ssh.unreachable"
        )
        raise CollectionError(code, type(exc).__name__) from None
    return client


def run_remote(
    asset: Asset, known_hosts: Path, timeout_s: int, command: str, stdin: bytes
) -> bytes:
    """Run one command on the host with `stdin` fed in; bounded in time and size."""
    deadline = time.monotonic() + timeout_s
    client = _connect(asset, known_hosts, timeout_s)
    try:
        transport = client.get_transport()
        assert transport is not None
        channel = transport.open_session(timeout=timeout_s)
        channel.settimeout(1.0)
        channel.exec_command(command)
        channel.sendall(stdin)
        channel.shutdown_write()
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise CollectionError("ssh.timeout", f"{timeout_s}s")
            try:
                data = channel.recv(65536)
            except TimeoutError:
                continue
            if not data:
                break
            size += len(data)
            if size > MAX_OUTPUT:
                raise CollectionError("collect.too_much_output", f">{MAX_OUTPUT} bytes")
            chunks.append(data)
        return b"".join(chunks)
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise CollectionError("ssh.session_failed", type(exc).__name__) from None
    finally:
        client.close()
