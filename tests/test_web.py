"""Website checks against HTTPS servers on 127.0.0.1: a well-configured one, and one with an
expired certificate, TLS 1.0 only, no security headers and an exposed /wp-admin/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.audit import run_audit
from auditor.checking import Registry, Status, discover
from auditor.collect.web import probe
from auditor.policy import load_policy
from auditor.results import ReqStatus
from tests.helpers import ORG
from tests.https_server import Site


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


@pytest.fixture(scope="module")
def params(registry: Registry) -> dict[str, dict[str, Any]]:
    pack = load_policy("nd85-level2", registry)
    return {c.id: c.params for r in pack.requirements for c in r.checks}


def judge(registry: Registry, params: dict[str, dict[str, Any]], facts: Any) -> dict[str, Status]:
    return {
        c: registry[c].run(facts, params[c]).status
        for c in (
            "web.tls_versions",
            "web.certificate",
            "web.hsts",
            "web.security_headers",
            "web.admin_exposed",
        )
    }


def test_good_site_passes(
    tmp_path: Path, registry: Registry, params: dict[str, dict[str, Any]]
) -> None:
    with Site(tmp_path, good=True) as site:
        facts, failures = probe(site.url, timeout=5, ca_bundle=site.ca)
    assert failures == [] and facts is not None
    assert "TLSv1" not in facts.tls_versions and "TLSv1.2" in facts.tls_versions
    assert facts.certificate is not None and facts.certificate.verified
    assert set(judge(registry, params, facts).values()) == {Status.passed}


def test_bad_site_fails_each_way(
    tmp_path: Path, registry: Registry, params: dict[str, dict[str, Any]]
) -> None:
    with Site(tmp_path, good=False) as site:
        facts, failures = probe(site.url, timeout=5, ca_bundle=site.ca)
    assert failures == [] and facts is not None
    assert facts.tls_versions == ["TLSv1"]
    assert facts.certificate is not None and not facts.certificate.verified
    assert facts.exposed_admin_paths == ["/wp-admin/", "/quantri/"]
    assert facts.headers.get("server") == "Apache/2.2.15 (CentOS)"
    assert set(judge(registry, params, facts).values()) == {Status.failed}


def test_unreachable_site_is_an_error(tmp_path: Path) -> None:
    from tests.sshd import free_port

    facts, failures = probe(f"https://127.0.0.1:{free_port()}/", timeout=3)
    assert facts is None and [f.code for f in failures] == ["web.unreachable"]


def test_website_asset_in_an_audit(tmp_path: Path) -> None:
    with Site(tmp_path, good=False) as site:
        inv = tmp_path / "inv.yaml"
        inv.write_text(
            ORG
            + f"""assets:
  - id: web-xa
    name: Cổng thông tin xã
    kind: website
    connection: http
    web: {{url: "{site.url}", ca_bundle: {site.ca}}}
    scan: false
""",
            encoding="utf-8",
        )
        result = run_audit(
            inv,
            tmp_path / "out",
            lang="vi",
            key_dir=tmp_path / "keys",
            passphrase=None,
            known_hosts=tmp_path / "kh",
            record=False,
        )
    statuses = {r.requirement: r.status for r in result.report.evaluation.requirements}
    assert statuses["L2-WEB-TLS-01"] is ReqStatus.not_met
    assert statuses["L2-WEB-ADMIN-01"] is ReqStatus.not_met
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "/wp-admin/" in html and "ssl_protocols TLSv1.2 TLSv1.3" in html
