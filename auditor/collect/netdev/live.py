"""Live device sessions over SSH.

Cisco IOS, FortiOS and MikroTik RouterOS speak through an interactive shell, so netmiko drives
them (login, prompt detection, `enable`, terminal settings). Reading is ours: a device
may still page with `--More--` (a restricted account cannot turn paging off), so each
command is read until the prompt, answering every `--More--` with a space, bounded in
time and size. pfSense runs `cat /conf/config.xml` on an exec channel like a Linux host.
Host keys are pinned in the same known_hosts file as for hosts.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from auditor.collect.base import secret_from_env
from auditor.collect.netdev.common import MAX_CONFIG
from auditor.collect.netdev.drivers import DRIVERS
from auditor.errors import CollectionError
from auditor.inventory import Asset

PAGER_AT_END = re.compile(r"[ \t]*(?:-+ ?More ?-+|\(more\))\s*$", re.I)
ERASED = re.compile(r"\x08+ *\x08+|\x08")  # how a device wipes the pager prompt


def run_commands(asset: Asset, known_hosts: Path, timeout_s: int) -> dict[str, str]:
    """Every command of the asset's platform → its output (prompt and echo removed)."""
    driver = DRIVERS[asset.platform or ""]
    if driver.netmiko_type is None:
        from auditor.collect.ssh import run_remote

        raw = run_remote(asset, known_hosts, timeout_s, driver.config, b"")
        return {driver.config: raw.decode("utf-8", "replace")}
    conn = _connect(asset, driver.netmiko_type, known_hosts, timeout_s)
    try:
        return {cmd: _read_paged(conn, cmd, timeout_s) for cmd in driver.commands}
    finally:
        conn.disconnect()


def _connection_options(
    asset: Asset, netmiko_type: str, known_hosts: Path, timeout_s: int
) -> dict[str, Any]:
    """netmiko's arguments: secrets from the environment only, host keys pinned (unknown
    or changed ones refused), no agent, every wait bounded."""
    cred = asset.credential
    assert cred is not None and asset.address is not None
    return {
        "device_type": netmiko_type,
        "host": asset.address,
        "port": asset.port or 22,
        "username": cred.user,
        "password": secret_from_env(cred.password_env) or "",
        "secret": secret_from_env(cred.enable_password_env) or "",
        "key_file": str(cred.key_file) if cred.key_file else None,
        "use_keys": cred.key_file is not None,
        "allow_agent": False,
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(known_hosts),
        "conn_timeout": timeout_s,
        "auth_timeout": timeout_s,
        "banner_timeout": timeout_s,
        "read_timeout_override": timeout_s,
    }


def _timed_out(asset: Asset, text: str) -> CollectionError:
    """netmiko's timeout, which also wraps paramiko's host-key refusals: which one it was."""
    if "not found in known_hosts" in text:
        return CollectionError("ssh.host_key_unknown", f"{asset.address}:{asset.port or 22}")
    if "does not match" in text:
        return CollectionError("ssh.host_key_changed", str(asset.address))
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return CollectionError("ssh.unreachable", first[:200])


def _connect(asset: Asset, netmiko_type: str, known_hosts: Path, timeout_s: int) -> Any:
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
    from paramiko.ssh_exception import SSHException

    cred = asset.credential
    assert cred is not None and asset.platform is not None
    try:
        conn = ConnectHandler(**_connection_options(asset, netmiko_type, known_hosts, timeout_s))
        if netmiko_type == "generic":  # netmiko learns no prompt for a plain session
            conn.set_base_prompt(pri_prompt_terminator="#", alt_prompt_terminator="$")
        wants_enable = asset.platform == "cisco-ios" and cred.enable_password_env
        if wants_enable and not conn.check_enable_mode():
            conn.enable()
        return conn
    except NetmikoAuthenticationException:
        raise CollectionError("ssh.auth_failed", cred.user) from None
    except NetmikoTimeoutException as exc:
        raise _timed_out(asset, str(exc)) from None
    except SSHException as exc:
        if "known_hosts" in str(exc):
            where = f"{asset.address}:{asset.port or 22}"
            raise CollectionError("ssh.host_key_unknown", where) from None
        raise CollectionError("ssh.handshake_failed", str(exc)[:200]) from None
    except (OSError, EOFError, ValueError) as exc:
        raise CollectionError("ssh.session_failed", type(exc).__name__) from None


def _read_paged(conn: Any, command: str, timeout_s: int) -> str:
    """Send `command`; read to the prompt, paging through `--More--`; strip echo and prompt."""
    from netmiko.exceptions import ReadTimeout

    prompt = re.escape(conn.base_prompt)
    until = rf"({PAGER_AT_END.pattern}|{prompt}[^\n]*[>#]\s*$)"  # one group: netmiko splits on it
    deadline = time.monotonic() + timeout_s
    conn.write_channel(command + conn.RETURN)
    parts: list[str] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise CollectionError("netdev.timeout", f"{command!r} after {timeout_s}s")
        try:
            chunk = conn.read_until_pattern(pattern=until, read_timeout=left)
        except ReadTimeout:
            raise CollectionError("netdev.timeout", f"{command!r} after {timeout_s}s") from None
        size += len(chunk)
        if size > MAX_CONFIG:
            raise CollectionError("collect.too_much_output", f"{command!r} > {MAX_CONFIG} bytes")
        if PAGER_AT_END.search(chunk):
            parts.append(PAGER_AT_END.sub("", chunk))
            conn.write_channel(" ")
            continue
        parts.append(chunk)
        break
    text = ERASED.sub("", "".join(parts)).replace("\r", "")
    lines = text.split("\n")
    if lines and command in lines[0]:
        lines = lines[1:]  # the echoed command
    if lines and re.search(rf"{prompt}[^\n]*[>#]\s*$", lines[-1]):
        lines = lines[:-1]  # the prompt that ended the output
    return "\n".join(lines).strip("\n") + "\n"


def try_default_login(asset: Asset, known_hosts: Path, timeout_s: int) -> bool | None:
    """One password login with the vendor's documented default pair; None if not tried."""
    import paramiko

    from auditor.sshclient import pinned_client

    user, password = DRIVERS[asset.platform or ""].default_login
    client = pinned_client(known_hosts)
    try:
        client.connect(
            asset.address or "",
            port=asset.port or 22,
            username=user,
            password=password,
            allow_agent=False,
            look_for_keys=False,
            timeout=timeout_s,
            banner_timeout=timeout_s,
            auth_timeout=timeout_s,
        )
        return True
    except paramiko.AuthenticationException:
        return False
    except (paramiko.SSHException, OSError):
        return None
    finally:
        client.close()
