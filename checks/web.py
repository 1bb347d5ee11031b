"""Websites: TLS versions and certificate, security headers, exposed admin pages (L2-WEB-*)."""

from __future__ import annotations

import re

from auditor.checking import NoParams, Outcome, check
from auditor.facts import WebFacts

from ._params import Params


class TlsParams(Params):
    refused: list[str]  # versions that must be refused, e.g. TLSv1, TLSv1.1


class CertParams(Params):
    min_days_left: int


class HstsParams(Params):
    min_max_age: int


class HeaderParams(Params):
    required: list[list[str]]  # each inner list: any one of these headers satisfies it


@check("web.tls_versions", needs="web", params=TlsParams)
def tls_versions(facts: WebFacts, p: TlsParams) -> Outcome:
    """Pass proves: the site is served over HTTPS and refuses the outdated TLS versions. Does not
    prove: the cipher suites offered."""
    if not facts.reachable:
        return Outcome.unknown("outcome.not_collected", what="TLS")
    if not facts.tls_versions:
        return Outcome.fail(observed="no TLS", expected="HTTPS, TLS ≥ 1.2")
    old = sorted(v for v in facts.tls_versions if v in p.refused)
    if old:
        return Outcome.fail(observed=facts.tls_versions, expected=f"≠ {', '.join(p.refused)}")
    return Outcome.ok(observed=facts.tls_versions, expected=f"≠ {', '.join(p.refused)}")


@check("web.certificate", needs="web", params=CertParams)
def certificate(facts: WebFacts, p: CertParams) -> Outcome:
    """Pass proves: the certificate is trusted, matches the name and is valid at least the pack's
    number of days more. Does not prove: that the private key is kept safely."""
    cert = facts.certificate
    if cert is None:
        return Outcome.unknown("outcome.not_collected", what="certificate")
    days = (cert.not_after - facts.collected_at).days
    if not cert.verified:
        return Outcome.fail(
            observed=cert.error or "untrusted",
            expected="trusted",
            note="outcome.cert_untrusted",
            days=days,
        )
    return Outcome.at_least(days, p.min_days_left, what="certificate")


@check("web.hsts", needs="web", params=HstsParams)
def hsts(facts: WebFacts, p: HstsParams) -> Outcome:
    """Pass proves: the site sends Strict-Transport-Security with at least the pack's max-age. Does
    not prove: that every page is served over HTTPS."""
    if facts.status is None:
        return Outcome.unknown("outcome.not_collected", what="HTTP headers")
    value = facts.headers.get("strict-transport-security", "")
    match = re.search(r"max-age\s*=\s*(\d+)", value)
    return Outcome.at_least(int(match.group(1)) if match else 0, p.min_max_age, what="HSTS")


@check("web.security_headers", needs="web", params=HeaderParams)
def security_headers(facts: WebFacts, p: HeaderParams) -> Outcome:
    """Pass proves: the site sends the protective headers the pack lists. Does not prove: that the
    application has no vulnerability."""
    if facts.status is None:
        return Outcome.unknown("outcome.not_collected", what="HTTP headers")
    missing = [
        " | ".join(group) for group in p.required if not any(h in facts.headers for h in group)
    ]
    return (
        Outcome.fail(observed=missing, expected="[]", note="outcome.headers_missing")
        if missing
        else Outcome.ok(observed=[], expected="[]")
    )


@check("web.admin_exposed", needs="web")
def admin_exposed(facts: WebFacts, _: NoParams) -> Outcome:
    """Pass proves: none of the known CMS admin or login paths answers on the site. Does not prove:
    that other admin paths are closed."""
    if facts.exposed_admin_paths is None:
        return Outcome.unknown("outcome.not_collected", what="admin pages")
    if facts.exposed_admin_paths:
        return Outcome.fail(observed=facts.exposed_admin_paths, expected="[]")
    return Outcome.ok(observed=[], expected="[]")
