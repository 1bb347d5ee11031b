"""How a report travels: HTTPS POST (httpx; TLS verified, province CA, optional client
certificate; multipart/form-data, the report, its signature and PDF as raw parts so that the
receiver can stream them to disk) or an SFTP drop (paramiko; host key pinned; temp name then
rename)."""

from __future__ import annotations

import hashlib
import posixpath
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import paramiko

from auditor.errors import CodedError
from auditor.report.outputs import PDF, REPORT, SIGNATURE
from auditor.sshclient import pinned_client
from auditor.upload.outbox import Item


class Retry(CodedError):
    """A temporary failure (network, timeout, 5xx): try again later."""


class Refused(CodedError):
    """The receiver refused the report for good (bad signature, replayed id …)."""


class Held(CodedError):
    """The receiver refused us, not the report (a wrong or missing upload token): keep the
    report queued, do not retry until the officer fixes it."""


def _network_error(exc: httpx.HTTPError) -> Retry:
    """Say which network failure it was: an untrusted certificate is not a refused port."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return Retry("upload.tls_untrusted", str(cause.verify_message or ""))
        if isinstance(cause, ConnectionRefusedError):
            return Retry("upload.connection_refused")
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        return Retry("upload.timeout")
    return Retry("upload.network", type(exc).__name__)


class Transport(Protocol):
    def send(self, item: Item) -> dict[str, Any]: ...


@dataclass(frozen=True)
class HttpsTransport:
    url: str
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    token: str | None = None
    timeout_s: float = 30.0

    def send(self, item: Item) -> dict[str, Any]:
        parts = {
            "report": ("report.json", item.content, "application/json"),
            "signature": ("report.json.p7s", item.signature, "application/pkcs7-signature"),
        }
        pdf = item.pdf
        if pdf is not None:
            parts["pdf"] = ("report.pdf", pdf, "application/pdf")
        headers = {"Idempotency-Key": item.report_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        context = ssl.create_default_context(cafile=str(self.ca_bundle) if self.ca_bundle else None)
        if self.client_cert and self.client_key:  # mutual TLS with the commune certificate
            context.load_cert_chain(str(self.client_cert), str(self.client_key))
        try:
            with httpx.Client(verify=context, timeout=self.timeout_s) as client:
                response = client.post(
                    self.url.rstrip("/") + "/api/reports",
                    data={"report_id": item.report_id},
                    files=parts,
                    headers=headers,
                )
        except httpx.HTTPError as exc:  # connection refused, reset, timeout, TLS failure
            raise _network_error(exc) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise Retry("upload.server_busy", f"HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise Retry("upload.not_json", f"HTTP {response.status_code}") from None
        if not isinstance(payload, dict):
            raise Retry("upload.not_json", f"HTTP {response.status_code}")
        if response.status_code in (200, 201):
            return payload
        if response.status_code == 401:  # our token: fix it and send again, keep the report
            raise Held(str(payload.get("error") or "receiver.auth_required"))
        raise Refused(str(payload.get("error") or "upload.refused"), f"HTTP {response.status_code}")


@dataclass(frozen=True)
class SftpTransport:
    host: str
    port: int
    user: str
    key_file: Path
    known_hosts: Path
    remote_dir: str
    timeout_s: float = 30.0

    def send(self, item: Item) -> dict[str, Any]:
        client = pinned_client(self.known_hosts)
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.user,
                key_filename=str(self.key_file),
                allow_agent=False,
                look_for_keys=False,
                timeout=self.timeout_s,
            )
            sftp = client.open_sftp()
            files = [(SIGNATURE, item.signature), (REPORT, item.content)]
            pdf = item.pdf
            if pdf is not None:
                files.insert(0, (PDF, pdf))
            for name, data in files:
                final = posixpath.join(self.remote_dir, f"{item.report_id}.{name}")
                temp = posixpath.join(self.remote_dir, f".{item.report_id}.{name}.part")
                with sftp.open(temp, "wb") as handle:
                    handle.write(data)
                sftp.posix_rename(temp, final)  # replaces an earlier partial copy atomically
            sftp.close()
        except paramiko.BadHostKeyException:
            raise Refused("ssh.host_key_changed") from None
        except (paramiko.SSHException, OSError) as exc:
            raise Retry("upload.network", type(exc).__name__) from None
        finally:
            client.close()
        return {
            "report_id": item.report_id,
            "sha256": hashlib.sha256(item.content).hexdigest(),
            "remote": f"sftp://{self.host}:{self.port}{self.remote_dir}",
        }
