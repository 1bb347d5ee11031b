"""Turn the sections printed by linux_facts.sh into HostFacts: each family of sources has
its parser in `auditor/collect/linux/` (sections, patching, accounts, network, system);
this module puts their answers together.

Every parser is defensive: the text comes from a machine we do not trust, may be
truncated or garbage, and an unreadable section becomes `None` (unknown), never a pass.
"""

from __future__ import annotations

from datetime import datetime

from auditor.collect.base import safe
from auditor.collect.linux import accounts, network, patching, system
from auditor.collect.linux.sections import host_clock, lines_or_none
from auditor.facts import HostFacts, Listener


def parse_host(
    sections: dict[str, str],
    *,
    processes: list[str] | None = None,
    listeners: list[Listener] | None = None,
    backup_path: str | None = None,
    received_at: datetime | None = None,
) -> HostFacts:
    """Build HostFacts; `processes`/`listeners` override the script's when psutil saw them.
    `received_at`, the auditor's time when the output arrived (live collection), dates the
    facts and measures the host's clock against it; an import has only the host's clock."""
    get = sections.get
    clock = host_clock(get("clock"))
    now = received_at or clock
    skew = (clock - received_at).total_seconds() if received_at and "clock" in sections else None
    procs = processes if processes is not None else lines_or_none(get("processes"))
    pam = get("pam")
    return HostFacts(
        collected_at=now,
        clock_skew_s=skew,
        soc_agent=safe(lambda: system.wazuh_agent(get("wazuh"))),
        os=system.os_info(sections),
        antimalware=safe(lambda: system.clamav(get("clamav"), procs, get("freshclam"))),
        patching=safe(
            lambda: patching.patching(get("pkg_last_change"), get("pending"), get("clock"))
        ),
        password_policy=safe(
            lambda: accounts.password_policy(get("login_defs"), get("pwquality"), pam)
        ),
        lockout=safe(lambda: accounts.lockout(pam, get("faillock"))),
        firewall=safe(lambda: network.firewall(get("firewall"))),
        listeners=listeners
        if listeners is not None
        else safe(lambda: network.listeners(get("listeners"))),
        processes=procs,
        accounts=safe(
            lambda: accounts.accounts(
                get("passwd"), get("shadow"), get("lastlog"), get("default_logins")
            )
        ),
        privileges=safe(lambda: accounts.privileges(get("passwd"), get("group"), get("sudoers"))),
        logging=safe(
            lambda: system.log_keeping(procs, get("journald"), get("logrotate"), get("authlog"))
        ),
        ssh_server=safe(lambda: network.ssh_server(get("sshd"))),
        time=safe(lambda: system.time_sync(get("timesync"), procs)),
        backup=safe(lambda: system.backup(backup_path, get("backup"))),
        encryption=safe(lambda: system.encryption(get("lsblk"))),
        packages=safe(lambda: system.packages(get("packages"))),
    )
