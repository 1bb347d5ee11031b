"""Probe a website as a visitor would: which TLS versions it accepts, its certificate, its
security headers, and whether common CMS admin pages answer. One request per path, no
crawling, no guessing of passwords."""

from __future__ import annotations

import http.client
import socket
import ssl
import warnings
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509

from auditor.facts import CollectionFailure, TlsCertificate, WebFacts
from auditor.yamlfile import load_shipped

VERSIONS = {"TLSv1": "TLSv1", "TLSv1.1": "TLSv1_1", "TLSv1.2": "TLSv1_2", "TLSv1.3": "TLSv1_3"}
MAX_HEADERS = 60


def admin_paths() -> list[str]:
    text = files("auditor.collect").joinpath("web_admin_paths.yaml").read_text(encoding="utf-8")
    return [str(p) for p in load_shipped(text)]


def _context(version: str | None = None) -> ssl.SSLContext:
    """A client that accepts what the site offers (old versions included) without judging it:
    one version only when `version` is given, every version from TLS 1.0 otherwise."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():  # old versions are what we are looking for
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        lowest = getattr(ssl.TLSVersion, VERSIONS[version or "TLSv1"])
        ctx.minimum_version = lowest
        if version is not None:
            ctx.maximum_version = lowest
    return ctx


def _accepts(host: str, port: int, version: str, timeout: float) -> bool:
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            _context(version).wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (ssl.SSLError, OSError, ValueError):
        return False


def _certificate(host: str, port: int, timeout: float, ca_bundle: Path | None) -> TlsCertificate:
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        _context().wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    cert = x509.load_der_x509_certificate(der)
    verifying = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    verified, error = True, None
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            verifying.wrap_socket(raw, server_hostname=host),
        ):
            pass
    except ssl.SSLCertVerificationError as exc:
        verified, error = False, exc.verify_message or "verify failed"
    except (ssl.SSLError, OSError) as exc:
        verified, error = False, type(exc).__name__
    return TlsCertificate(
        subject=cert.subject.rfc4514_string()[:300],
        issuer=cert.issuer.rfc4514_string()[:300],
        not_after=cert.not_valid_after_utc,
        verified=verified,
        error=error,
    )


def _get(host: str, port: int, path: str, timeout: float) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=_context())
    try:
        conn.request("GET", path, headers={"User-Agent": "commune-auditor"})
        response = conn.getresponse()
        response.read(65536)
        headers = {k.lower(): v[:500] for k, v in response.getheaders()[:MAX_HEADERS]}
        return response.status, headers
    finally:
        conn.close()


def probe(
    url: str, timeout: float = 10.0, ca_bundle: Path | None = None, paths: list[str] | None = None
) -> tuple[WebFacts | None, list[CollectionFailure]]:
    """Facts about an HTTPS site, or a failure when it cannot be reached at all."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    now = datetime.now(UTC)
    if parts.scheme != "https":
        return WebFacts(url=url, collected_at=now, reachable=True, tls_versions=[]), []
    try:
        certificate = _certificate(host, port, timeout, ca_bundle)
        status, headers = _get(host, port, parts.path or "/", timeout)
    except (OSError, ssl.SSLError, http.client.HTTPException) as exc:
        return None, [
            CollectionFailure(source="web", code="web.unreachable", detail=type(exc).__name__)
        ]
    versions = [v for v in VERSIONS if _accepts(host, port, v, timeout)]
    exposed = []
    for path in paths if paths is not None else admin_paths():
        try:
            code, found = _get(host, port, path, timeout)
        except (OSError, ssl.SSLError, http.client.HTTPException):
            continue
        redirect = found.get("location", "").lower()
        if code in (200, 401) or (code in (301, 302, 303, 307, 308) and "login" in redirect):
            exposed.append(path)
    return WebFacts(
        url=url,
        collected_at=now,
        reachable=True,
        tls_versions=versions,
        certificate=certificate,
        status=status,
        headers=headers,
        exposed_admin_paths=exposed,
    ), []
