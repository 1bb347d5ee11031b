"""pfSense: the saved configuration `/conf/config.xml` (Diagnostics → Backup, or `cat` over
SSH). Read with defusedxml, which refuses entity tricks a hostile file could carry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from passlib.context import CryptContext

from auditor.collect.netdev.common import DEFAULT_COMMUNITIES, separated_zones, weak_accounts
from auditor.facts import NetDeviceFacts, PortForward

DEFAULT_LOGIN = ("admin", "pfsense")  # the documented factory pair
MGMT_PORTS = {"22", "80", "443"}


def _text(node: Element | None, path: str) -> str | None:
    found = node.find(path) if node is not None else None
    return (found.text or "").strip() if found is not None else None


# pfSense has stored the admin password as bcrypt (<bcrypt-hash>), SHA-512 crypt
# (<sha512-hash>) and, on older releases, md5-crypt or sha512-crypt in <password>/<md5-hash>.
HASH_ELEMENTS = ("bcrypt-hash", "sha512-hash", "password", "md5-hash")
_HASHES = CryptContext(schemes=["bcrypt", "sha512_crypt", "md5_crypt"])


def _default_password(root: Element) -> bool | None:
    """Whether the admin account still verifies the factory password: True/False from the
    stored hash in any of its historical forms, None when no hash in a known form is there
    (unknown — never "refused")."""
    for user in root.iterfind("system/user"):
        if _text(user, "name") != DEFAULT_LOGIN[0]:
            continue
        for element in HASH_ELEMENTS:
            stored = _text(user, element)
            if stored and _HASHES.identify(stored) is not None:
                try:
                    return bool(_HASHES.verify(DEFAULT_LOGIN[1], stored))
                except ValueError:  # a malformed hash of a known scheme
                    return None
        return None
    return False  # no account named admin: the factory login cannot work


def _forwards(root: Element) -> list[PortForward]:
    out = []
    for rule in root.iterfind("nat/rule"):
        if _text(rule, "interface") != "wan" or rule.find("disabled") is not None:
            continue
        port, local = _text(rule, "destination/port") or "", _text(rule, "local-port") or ""
        if port.isdigit():
            out.append(
                PortForward(
                    proto=_text(rule, "protocol") or "tcp",
                    port=int(port),
                    to_host=_text(rule, "target"),
                    to_port=int(local) if local.isdigit() else None,
                )
            )
    return out


def _wan_mgmt(root: Element) -> bool:
    """A pass rule on the WAN towards the firewall itself on a management port."""
    for rule in root.iterfind("filter/rule"):
        if _text(rule, "interface") != "wan" or _text(rule, "type") != "pass":
            continue
        if rule.find("disabled") is not None:
            continue
        target = _text(rule, "destination/network") or (
            "any" if rule.find("destination/any") is not None else ""
        )
        port = _text(rule, "destination/port") or ""
        if target in ("wanip", "(self)", "any") and (not port or port in MGMT_PORTS):
            return True
    return False


def _zones(root: Element) -> list[str] | None:
    """Inside segments as the rules separate them: every enabled, addressed interface but
    the WAN (a VLAN counts once it is assigned to one). A segment whose rules pass traffic
    to any destination, with no block towards another inside segment, is not separated
    from the others (pfSense's default LAN rule); the unseparated ones form one zone."""
    interfaces = root.find("interfaces")
    if interfaces is None:
        return None
    inside = [
        child.tag
        for child in interfaces
        if child.tag != "wan" and child.find("enable") is not None and _text(child, "ipaddr")
    ]
    rules = [r for r in root.iterfind("filter/rule") if r.find("disabled") is None]

    def filtered(name: str) -> bool:
        own = [r for r in rules if _text(r, "interface") == name]
        passes_any = any(
            _text(r, "type") == "pass" and r.find("destination/any") is not None for r in own
        )
        others = {n for n in inside if n != name} | {f"{n}ip" for n in inside if n != name}
        blocks_inside = any(
            _text(r, "type") in ("block", "reject")
            and (_text(r, "destination/network") or "") in others
            for r in own
        )
        return not passes_any or blocks_inside

    return separated_zones(inside, {name for name in inside if filtered(name)})


def _default_accounts(root: Element, works: bool | None) -> list[str] | None:
    """The factory pair on admin, then every enabled account whose stored hash verifies a
    common weak password."""
    if works is None:
        return None
    found = [f"{DEFAULT_LOGIN[0]}/{DEFAULT_LOGIN[1]}"] if works else []
    accounts = []
    for user in root.iterfind("system/user"):
        name = _text(user, "name") or "?"
        if user.find("disabled") is not None or (works and name == DEFAULT_LOGIN[0]):
            continue
        stored = next((h for e in HASH_ELEMENTS if (h := _text(user, e))), None)
        if stored and _HASHES.identify(stored) is not None:
            accounts.append((name, _verifier(stored)))
    weak = weak_accounts(accounts)
    return None if weak is None else found + weak


def _verifier(stored: str) -> Callable[[str], bool]:
    def verifies(candidate: str) -> bool:
        try:
            return bool(_HASHES.verify(candidate, stored))
        except ValueError:  # a malformed hash of a known scheme
            return False

    return verifies


def _log_targets(root: Element) -> list[str]:
    """Remote syslog servers, when remote logging is on."""
    if root.find("syslog/enable") is None:
        return []
    names = ("remoteserver", "remoteserver2", "remoteserver3")
    return [s for s in (_text(root, f"syslog/{k}") for k in names) if s]


def _ips_on(root: Element) -> bool:
    """Suricata or Snort installed with an enabled rule set on some interface."""
    return any(
        (_text(rule, "enable") or "") == "on"
        for package in ("suricata", "snort")
        for rule in root.iterfind(f"installedpackages/{package}/rule")
    )


def _snmp_issues(root: Element) -> list[str]:
    """bsnmpd is read-only; who may query it is decided by the firewall rules."""
    on = root.find("snmpd/enable") is not None
    return (
        ["default community"]
        if on and _text(root, "snmpd/rocommunity") in DEFAULT_COMMUNITIES
        else []
    )


def _gui_timeout(system: Element | None) -> tuple[int, bool]:
    """The web GUI's idle timeout in seconds; without <session_timeout>, its default of
    240 minutes, assumed rather than configured."""
    timeout = _text(system, "webgui/session_timeout")
    if timeout and timeout.isdigit():
        return int(timeout) * 60, False
    return 240 * 60, True


def parse_pfsense(text: str) -> NetDeviceFacts:
    root = ElementTree.fromstring(text)
    default_login = _default_password(root)
    system = root.find("system")
    ssh_on = _text(system, "ssh/enable") == "enabled" or (
        system is not None and system.find("enablesshd") is not None
    )
    protocol = _text(system, "webgui/protocol") or "https"
    idle, assumed = _gui_timeout(system)
    revision = _text(root, "revision/time") or ""
    made = datetime.fromtimestamp(int(revision), UTC) if revision.isdigit() else None
    return NetDeviceFacts(
        vendor="pfsense",
        config_time=made,
        hostname=_text(system, "hostname"),
        firmware=None,  # config.xml carries the schema version only; see `show version`
        model=None,
        mgmt_services={"ssh": ssh_on, "http": protocol == "http", "https": protocol == "https"},
        mgmt_restricted=not _wan_mgmt(root),
        mgmt_sources=None,  # the GUI's allowed sources live in firewall rules, not one list
        local_users=[_text(u, "name") or "" for u in root.iterfind("system/user")],
        idle_timeout_s=idle,
        idle_timeout_assumed=assumed,
        syslog_targets=_log_targets(root),
        ntp_servers=(_text(system, "timeservers") or "").split(),
        snmp_issues=_snmp_issues(root),
        weak_crypto=[],
        password_issues=[],  # pfSense stores one-way hashes only
        default_accounts=_default_accounts(root, default_login),
        login_limit=True,  # pfSense always blocks repeated failed logins (sshguard)
        wifi_modes=None,
        wan_mgmt_exposed=_wan_mgmt(root),
        port_forwards=_forwards(root),
        firewall_enabled=system is not None and system.find("disablefilter") is None,
        ips_enabled=_ips_on(root),
        zones=_zones(root),
        config_saved=True,  # config.xml is the saved configuration
        default_login_works=default_login,
    )
