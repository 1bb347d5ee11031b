"""Turn the JSON printed by windows_facts.ps1 into HostFacts: each family of sections has
its parser in `auditor/collect/windows_sections/` (document, system, software, security,
accounts); this module puts their answers together.

The document comes from a machine we do not trust and may have travelled on a USB stick:
it may be UTF-16 with a BOM (PowerShell 5.1's `>` redirect), truncated, oversized, or from
an older script with fields missing. Each of those becomes a typed CollectionError or an
unknown (`None`) fact — never a crash, never a pass.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.base import safe
from auditor.collect.windows_sections import accounts, security, software, system
from auditor.collect.windows_sections.document import MAX_BYTES, listed, load_document, when
from auditor.errors import CollectionError
from auditor.facts import HostFacts

__all__ = ["MAX_BYTES", "load_document", "parse_windows"]


def parse_windows(doc: dict[str, Any]) -> HostFacts:
    collected = when(doc.get("collected_at"))
    if collected is None:  # never "fresh" by default: no time, no facts
        raise CollectionError("windows.no_collected_at")
    os_raw = doc.get("os") or {}
    os_info = system.os_info(os_raw)
    registry = doc.get("registry") if isinstance(doc.get("registry"), dict) else None
    policy = doc.get("security_policy")
    return HostFacts(
        collected_at=collected,
        os=os_info,
        antimalware=safe(lambda: security.antimalware(doc)),
        patching=safe(lambda: software.patching(doc)),
        password_policy=safe(lambda: accounts.password_policy(policy)),
        lockout=safe(lambda: accounts.lockout(policy)),
        firewall=safe(lambda: security.firewall(listed(doc, "firewall"))),
        listeners=safe(lambda: system.listeners(listed(doc, "listeners"))),
        processes=safe(lambda: system.processes(doc)),
        accounts=safe(lambda: accounts.accounts(listed(doc, "local_users"))),
        privileges=safe(
            lambda: accounts.privileges(listed(doc, "administrators"), os_info.hostname)
        ),
        logging=safe(lambda: system.event_log(doc.get("security_log"), collected)),
        time=safe(lambda: system.time_sync(doc.get("time_service"), registry, doc.get("w32tm"))),
        backup=safe(lambda: system.backup(doc.get("backup"), os_raw)),
        soc_agent=safe(lambda: system.wazuh(doc.get("wazuh"))),
        encryption=safe(lambda: security.bitlocker(listed(doc, "bitlocker"), os_raw)),
        packages=safe(lambda: software.software(listed(doc, "software"))),
        screen_lock=safe(lambda: security.screen_lock(registry)),
        hardening=safe(lambda: security.hardening(registry, doc)),
        audit_policy=safe(lambda: security.audit_policy(listed(doc, "audit_policy"))),
        browsers=safe(lambda: software.browsers(listed(doc, "browsers"))),
    )
