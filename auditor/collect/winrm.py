"""Collect Windows facts over WinRM (WS-Management): the same script as the other paths.

HTTPS with certificate validation is the default; NTLM or Kerberos authenticate. The
password comes from an environment variable named in the inventory, never from the file.
"""

from __future__ import annotations

import time

import requests
from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError
from winrm.protocol import Protocol

from auditor.collect.base import MAX_OUTPUT, HostResult, secret_from_env
from auditor.collect.windows import facts_from_bytes, powershell_args, windows_script
from auditor.errors import CollectionError
from auditor.facts import CollectionFailure
from auditor.inventory import Asset, WinRMSettings


def endpoint(asset: Asset) -> str:
    settings = asset.winrm or WinRMSettings()
    scheme = "https" if settings.https else "http"
    port = asset.port or (5986 if settings.https else 5985)
    return f"{scheme}://{asset.address}:{port}/wsman"


def _protocol(asset: Asset, timeout_s: int) -> Protocol:
    settings = asset.winrm or WinRMSettings()
    cred = asset.credential
    assert cred is not None
    password = secret_from_env(cred.password_env)
    operation = max(1, min(timeout_s, 20))
    return Protocol(
        endpoint(asset),
        transport=settings.transport,
        username=cred.user,
        password=password,
        server_cert_validation="validate" if settings.verify_tls else "ignore",
        ca_trust_path=str(settings.ca_bundle) if settings.ca_bundle else None,  # type: ignore[arg-type]
        operation_timeout_sec=operation,
        read_timeout_sec=operation + 10,
        proxy=None,
    )


def run_winrm(asset: Asset, timeout_s: int) -> bytes:
    """Run the fact script through a WinRM shell, script fed on stdin; bounded in time/size."""
    deadline = time.monotonic() + timeout_s
    try:
        protocol = _protocol(asset, timeout_s)
        shell = protocol.open_shell()
        try:
            command = protocol.run_command(shell, "powershell.exe", powershell_args(asset))
            protocol.send_command_input(shell, command, windows_script().encode(), end=True)
            out = b""
            done = False
            while not done:
                if time.monotonic() > deadline:
                    raise CollectionError("winrm.timeout", f"{timeout_s}s")
                chunk, _err, _code, done = protocol.get_command_output_raw(shell, command)
                out += chunk
                if len(out) > MAX_OUTPUT:
                    raise CollectionError("collect.too_much_output", f">{MAX_OUTPUT} bytes")
            protocol.cleanup_command(shell, command)
            return out
        finally:
            protocol.close_shell(shell)
    except InvalidCredentialsError:
        raise CollectionError(
            "winrm.auth_failed", asset.credential.user if asset.credential else "?"
        ) from None
    except requests.exceptions.SSLError as exc:
        raise CollectionError("winrm.tls_failed", type(exc).__name__) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise CollectionError("winrm.unreachable", type(exc).__name__) from None
    except (WinRMTransportError, WinRMError, StopIteration, ValueError) as exc:
        raise CollectionError("winrm.failed", type(exc).__name__) from None


def collect_winrm(asset: Asset, timeout_s: int) -> HostResult:
    try:
        raw = run_winrm(asset, timeout_s)
    except CollectionError as exc:
        return HostResult(
            failures=[CollectionFailure(source="winrm", code=exc.code, detail=exc.detail)]
        )
    return facts_from_bytes(raw, "winrm")
