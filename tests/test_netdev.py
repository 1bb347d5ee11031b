"""Network devices from exported configurations (Cisco IOS, MikroTik RouterOS): parsed
facts, verdicts on hardened and weak configurations, secrets never kept, and a signed
report with the network requirements right."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.audit import run_audit
from auditor.collect.netdev import collect_config_file, detect, redact
from auditor.results import ReqStatus
from tests.device_hashes import cisco_type8, cisco_type9, fortios_ak1, fortios_sh2
from tests.helpers import FIXTURES, ORG

NETDEV = FIXTURES / "netdev"
SECRETS = [
    "Xa-Wifi-Secret-2026",
    "KeToan@2024",
    "Qx7-ReadOnly-2026",
    "0822455D0A16",
    "xa-monitor-ro",
    "$9$kJq0nJ3ZlQ0bWq",
    "$9$nD3rGv5n3kVbVq",
    "password 0 cisco",
    "enable password cisco",
]


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("cisco-ios-hardened.txt", "cisco-ios"),
        ("cisco-ios-weak.txt", "cisco-ios"),
        ("mikrotik-hardened.rsc", "mikrotik"),
        ("mikrotik-weak.rsc", "mikrotik"),
    ],
)
def test_vendor_detected_and_secrets_redacted(name: str, vendor: str) -> None:
    text = (NETDEV / name).read_text()
    assert detect(text) == vendor
    cleaned = redact(text)
    for secret in SECRETS:
        assert secret not in cleaned, (name, secret)
    assert cleaned.count("\n") == text.count("\n")  # structure kept for the reader


def test_cisco_facts() -> None:
    good = collect_config_file(NETDEV / "cisco-ios-hardened.txt").netdev
    bad = collect_config_file(NETDEV / "cisco-ios-weak.txt").netdev
    assert good is not None and bad is not None
    assert good.mgmt_services == {"telnet": False, "ssh": True, "http": False, "https": False}
    assert (good.mgmt_restricted, good.idle_timeout_s, good.login_limit) == (True, 600, True)
    assert (good.mgmt_sources, good.local_users) == (["192.168.10.20"], ["quantri"])
    assert (bad.mgmt_sources, bad.local_users) == ([], ["cisco", "admin"])
    assert good.syslog_targets == ["192.168.10.20"] and len(good.ntp_servers or []) == 2
    assert bad.mgmt_services["telnet"] and bad.mgmt_services["http"]
    assert bad.idle_timeout_s == 0
    assert any(i.startswith("default community") for i in bad.snmp_issues or [])
    assert any("clear text" in i for i in bad.password_issues or [])
    # the vendor pair, then enable and "admin" whose stored passwords are common weak ones
    assert bad.default_accounts == ["cisco/cisco", "enable: weak password", "admin: weak password"]
    assert bad.password_issues == [
        "username cisco: clear text",
        "username admin: type 7",
        "enable password: clear text",
        "enable password without enable secret",
        "line vty 0 4: clear text",
    ]
    assert bad.snmp_issues == ["default community RO without ACL", "default community RW"]
    assert (good.password_issues, good.default_accounts, good.snmp_issues) == ([], [], [])


def test_mikrotik_facts() -> None:
    good = collect_config_file(NETDEV / "mikrotik-hardened.rsc").netdev
    bad = collect_config_file(NETDEV / "mikrotik-weak.rsc").netdev
    assert good is not None and bad is not None
    assert (good.firmware, good.model, good.hostname) == ("7.16.1", "RB750Gr3", "R-XA-MIKROTIK")
    assert good.mgmt_restricted and not good.mgmt_services["telnet"]
    assert good.mgmt_sources == ["192.168.88.0/24"] and good.local_users == ["quantri"]
    assert good.wifi_modes == ["wpa2"] and good.snmp_issues == []
    assert bad.wifi_modes == ["open"]
    assert any(i.startswith("default community") for i in bad.snmp_issues or [])
    assert bad.mgmt_services["telnet"] and bad.mgmt_services["ftp"] and not bad.mgmt_restricted
    assert bad.default_accounts is None  # "admin" is there; its password no export shows
    assert good.default_accounts == []
    assert bad.password_issues == ["ppp secret ketoan: clear text"]
    assert bad.weak_crypto == ["ssh strong-crypto=no (default assumed)", "PPTP server enabled"]
    # the guest and server VLANs are separated by forward drops; the LAN bridge is a zone too
    assert good.weak_crypto == [] and good.zones == [
        "vlan20-wifi-khach",
        "vlan30-may-chu",
        "bridge",
    ]


def test_garbage_and_huge_configs_are_collection_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.cfg"
    junk.write_bytes(b"\x00\x01 this is not a router configuration \xff" * 50)
    assert [f.code for f in collect_config_file(junk).failures] == ["collect.garbage"]
    huge = tmp_path / "huge.cfg"
    huge.write_bytes(b"!\n" * (3 * 1024 * 1024))
    assert [f.code for f in collect_config_file(huge).failures] == ["collect.too_much_output"]
    assert [f.code for f in collect_config_file(tmp_path / "none").failures] == ["collect.failed"]


def test_devices_in_a_signed_report(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        ORG
        + f"""assets:
  - {{id: router-cisco, name: Router Cisco, kind: netdevice, connection: import,
     config_file: {NETDEV / "cisco-ios-weak.txt"}, scan: false}}
  - {{id: router-mikrotik, name: Router MikroTik, kind: netdevice, connection: import,
     config_file: {NETDEV / "mikrotik-hardened.rsc"}, scan: false}}
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
    status = {
        (r.requirement, a): s
        for r in result.report.evaluation.requirements
        for a, s in r.assets.items()
    }
    expected = {
        ("L2-NET-MGMT-01", "router-cisco"): ReqStatus.not_met,
        ("L2-NET-MGMT-01", "router-mikrotik"): ReqStatus.not_assessed,  # no scan to compare
        ("L2-NET-TMO-01", "router-cisco"): ReqStatus.not_met,
        ("L2-NET-TMO-01", "router-mikrotik"): ReqStatus.not_assessed,  # not in RouterOS exports
        ("L2-NET-LOG-01", "router-cisco"): ReqStatus.not_met,
        ("L2-NET-LOG-01", "router-mikrotik"): ReqStatus.met,
        ("L2-LOG-NTP-01", "router-mikrotik"): ReqStatus.not_assessed,  # configured, not proven
        ("L2-ACC-DEF-01", "router-cisco"): ReqStatus.not_met,
        ("L2-ACC-DEF-01", "router-mikrotik"): ReqStatus.met,
        ("L2-NET-WIFI-01", "router-mikrotik"): ReqStatus.met,
        ("L2-NET-WIFI-01", "router-cisco"): ReqStatus.not_applicable,
    }
    assert {k: status[k] for k in expected} == expected
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for secret in SECRETS:
                assert secret not in text, (path, secret)


def test_pfsense_facts() -> None:
    good = collect_config_file(NETDEV / "pfsense-hardened.xml").netdev
    bad = collect_config_file(NETDEV / "pfsense-weak.xml").netdev
    assert good is not None and bad is not None
    assert good.mgmt_services == {"ssh": True, "http": False, "https": True}
    assert (good.wan_mgmt_exposed, good.firewall_enabled, good.ips_enabled) == (False, True, True)
    assert (good.default_login_works, good.idle_timeout_s, good.port_forwards) == (False, 900, [])
    assert good.syslog_targets == ["192.168.10.20:514"] and "opt1" in (good.zones or [])
    assert (bad.wan_mgmt_exposed, bad.ips_enabled) == (True, False)
    assert bad.snmp_issues == ["default community"]
    assert bad.default_login_works is True  # admin still verifies "pfsense" (one bcrypt check)
    assert [(f.port, f.to_host) for f in bad.port_forwards or []] == [(3389, "192.168.1.10")]
    cleaned = redact((NETDEV / "pfsense-hardened.xml").read_text())
    assert "Xa-Ipsec-Psk-2026-Province" not in cleaned and "$2y$" not in cleaned
    assert "xa-monitor-pf" not in cleaned and "<hostname>fw-ubnd-xa</hostname>" in cleaned


def test_hostile_pfsense_xml_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "config.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE pfsense [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><pfsense><system>'
        "<hostname>&b;</hostname></system></pfsense>"
    )
    got = collect_config_file(bomb)
    assert got.netdev is None and [f.code for f in got.failures] == ["collect.garbage"]


REAL = NETDEV / "real"  # published outputs of real devices (see real/SOURCES.md)


def test_real_pfsense_factory_default_is_caught_with_its_default_password() -> None:
    got = collect_config_file(REAL / "pfsense-default-config.xml")
    facts = got.netdev
    assert got.failures == [] and facts is not None
    assert facts.default_login_works is True  # the shipped hash verifies "pfsense"
    assert facts.mgmt_services == {"ssh": False, "http": False, "https": True}
    assert (facts.firewall_enabled, facts.wan_mgmt_exposed, facts.port_forwards) == (
        True,
        False,
        [],
    )
    evidence = b"".join(got.evidence.values())
    assert b"$2y$" not in evidence and b"$2b$" not in evidence


@pytest.mark.parametrize(
    ("name", "model", "version"),
    [
        ("cisco-show-version-1.raw", "1801", "12.4(6)T2"),
        ("cisco-show-version-2.raw", "ASR1001", "15.3(2)S1"),
        ("cisco-show-version-3.raw", "C9500-40X", "16.9.3"),
    ],
)
def test_real_cisco_show_version(name: str, model: str, version: str) -> None:
    from auditor.collect.netdev.cisco import show_version

    got = show_version((REAL / name).read_text())
    assert (got["model"], got["version"]) == (model, version)


def test_real_mikrotik_system_resource() -> None:
    from auditor.collect.netdev.mikrotik import system_resource

    assert system_resource((REAL / "mikrotik-resource-1.raw").read_text()) == {
        "version": "6.48.6",
        "model": "hEX PoE lite",
    }
    assert system_resource((REAL / "mikrotik-resource-2.raw").read_text())["version"] == "7.12.2"


def test_plain_routeros_export_gets_the_defaults_it_leaves_out(tmp_path: Path) -> None:
    # `/export` (not verbose) omits defaults: services on from anywhere, radios off, WPS
    # push-button, SNMP off. A file that only disables telnet must not look restricted.
    text = (
        "# jan/02/2026 10:00:00 by RouterOS 6.49.7\n/interface wireless\n"
        "set [ find default-name=wlan1 ] disabled=no mode=ap-bridge ssid=UBND\n"
        "/ip service\nset telnet disabled=yes\n/snmp community\n"
        "set [ find default=yes ] addresses=0.0.0.0/0\n"
    )
    path = tmp_path / "plain.rsc"
    path.write_text(text)
    facts = collect_config_file(path).netdev
    assert facts is not None
    assert facts.mgmt_services["winbox"] and facts.mgmt_services["ssh"]
    assert not facts.mgmt_services["telnet"] and not facts.mgmt_services["https"]
    assert facts.mgmt_restricted is False and facts.wan_mgmt_exposed is True
    assert (facts.wifi_modes, facts.wps_enabled) == (["open"], True)
    assert facts.snmp_issues == []  # "public" exists, but SNMP is off


def test_windows_line_endings_and_permit_any_acls(tmp_path: Path) -> None:
    config = (
        (NETDEV / "cisco-ios-hardened.txt")
        .read_text()
        .replace(" permit 192.168.10.20\n", " permit any\n")
    )
    path = tmp_path / "crlf.txt"
    path.write_bytes(config.replace("\n", "\r\n").encode())
    facts = collect_config_file(path).netdev
    assert facts is not None and facts.mgmt_sources == ["any"]
    assert facts.mgmt_restricted is False  # an access-class that permits any is no limit


# ---------------------------------------------------------------- near misses, per class
CISCO_BASE = f"""hostname R1
enable secret 9 {cisco_type9("Bat-Mat-Khau-Xa-2026", "nD3rGv5n3kVbVq")}
username quantri privilege 15 secret 9 {cisco_type9("Quan-Tri-Vien-Xa-9!", "kJq0nJ3ZlQ0bWq")}
ip ssh version 2
interface GigabitEthernet0/0
 ip address dhcp
 ip nat outside
 ip access-group WAN-IN in
interface GigabitEthernet0/1
 ip address 192.168.10.1 255.255.255.0
interface Loopback0
 ip address 10.255.255.1 255.255.255.255
interface GigabitEthernet0/2
 ip address 192.168.30.1 255.255.255.0
 shutdown
ip access-list extended WAN-IN
 10 permit tcp any host 203.0.113.10 eq 443
 20 deny ip any any
ip access-list standard VTY
 10 permit 192.168.10.20
line vty 0 4
 access-class VTY in
 transport input ssh
 exec-timeout 10 0
end
"""


def cisco(text: str) -> Any:
    from auditor.collect.netdev.cisco import parse_cisco

    return parse_cisco(text)


def test_cisco_near_misses() -> None:
    from auditor.checking import Status, discover

    registry = discover()
    clean = cisco(CISCO_BASE)
    assert clean.mgmt_restricted and clean.firewall_enabled
    assert (clean.password_issues, clean.default_accounts, clean.weak_crypto) == ([], [], [])
    assert clean.zones == ["GigabitEthernet0/1"]  # not the loopback, not a shut interface
    assert (clean.idle_timeout_s, clean.idle_timeout_assumed) == (600, False)
    no_timeout = cisco(CISCO_BASE.replace(" exec-timeout 10 0\n", ""))
    assert (no_timeout.idle_timeout_s, no_timeout.idle_timeout_assumed) == (600, True)
    outcome = registry["net.idle_timeout"].run(no_timeout, {"max_seconds": 900})
    assert outcome.status is Status.failed and outcome.observed == "default assumed: 10 min"
    assert registry["net.accounts"].run(clean, {}).status is Status.passed

    # the vty ACL with a sequence-numbered "permit any" is an open vty, not a restricted one
    open_vty = cisco(CISCO_BASE.replace(" 10 permit 192.168.10.20", " 10 permit any"))
    assert open_vty.mgmt_restricted is False
    # an inbound ACL that ends in "permit ip any any" filters nothing
    permissive = cisco(CISCO_BASE.replace(" 20 deny ip any any", " 20 permit ip any any"))
    assert permissive.firewall_enabled is False
    # type 7 on a user, an enable password beside the secret, a clear line password
    weak = cisco(
        re.sub(r"quantri privilege 15 secret 9 \S+", "quantri password 7 0822455D0A16", CISCO_BASE)
        .replace(" exec-timeout 10 0", " exec-timeout 10 0\n password 0 letmein")
        .replace("enable secret 9", "enable password 7 0822455D0A16\nenable secret 9")
    )
    assert weak.password_issues == [
        "username quantri: type 7",
        "enable password: type 7",
        "line vty 0 4: clear text",
    ]
    assert registry["net.accounts"].run(weak, {}).status is Status.failed
    # an account without any password, and SSH left at the IOS default version
    loose = cisco(CISCO_BASE.replace("ip ssh version 2\n", "") + "username tamthoi privilege 15\n")
    assert loose.default_accounts == ["tamthoi (no password)"]
    assert loose.weak_crypto == ["ip ssh version not set (default assumed: 1.99, accepts SSH 1)"]
    # SNMP: a well-named RW community, an RO one without ACL, an RO one with an ACL
    snmp = cisco(
        CISCO_BASE
        + "snmp-server community Xa-Rw-2026 RW 10\n"
        + "snmp-server community Xa-Ro-2026 RO\n"
        + "snmp-server community Xa-Ro-Acl view V RO 10\n"
    )
    assert snmp.snmp_issues == ["community RW", "community RO without ACL"]


MIKROTIK_BASE = """# by RouterOS 7.16.1
/interface list
add name=WAN
add name=LAN
/interface list member
add interface=ether1 list=WAN
add interface=bridge list=LAN
/ip address
add address=192.168.88.1/24 interface=bridge
add address=10.255.255.1/32 interface=loopback
add address=203.0.113.2/30 interface=ether1
/ip firewall filter
add action=accept chain=input connection-state=established,related
add action=drop chain=input in-interface-list=!LAN
/ip ssh
set strong-crypto=yes
/snmp
set enabled=yes
/snmp community
set [ find default=yes ] addresses=192.168.88.20/32 name=xa-ro
/user
add group=full name=quantri
"""


def mikrotik(text: str) -> Any:
    from auditor.collect.netdev.mikrotik import parse_mikrotik

    return parse_mikrotik(text)


def test_mikrotik_near_misses() -> None:
    clean = mikrotik(MIKROTIK_BASE)
    assert clean.firewall_enabled and clean.snmp_issues == [] and clean.weak_crypto == []
    assert clean.zones == ["bridge"]  # not the loopback, not the WAN port
    assert clean.default_accounts == [] and clean.password_issues == []
    # the default drop is there but disabled: no filtering
    disabled = mikrotik(
        MIKROTIK_BASE.replace("in-interface-list=!LAN", "in-interface-list=!LAN disabled=yes")
    )
    assert disabled.firewall_enabled is False
    # a drop for one port from the WAN is not filtering
    one_port = mikrotik(
        MIKROTIK_BASE.replace(
            "add action=drop chain=input in-interface-list=!LAN",
            "add action=drop chain=input dst-port=23 in-interface-list=WAN protocol=tcp",
        )
    )
    assert one_port.firewall_enabled is False
    # a disabled port forward is not a forward
    forwards = mikrotik(
        MIKROTIK_BASE
        + "/ip firewall nat\nadd action=dst-nat chain=dstnat dst-port=3389 disabled=yes"
        " protocol=tcp to-addresses=192.168.88.10 to-ports=3389\n"
    )
    assert forwards.port_forwards == []
    # SNMP open to any address, IPv4 or IPv6, and a community that may write
    for addresses in ("0.0.0.0/0", "::/0"):
        snmp = mikrotik(MIKROTIK_BASE.replace("192.168.88.20/32", addresses))
        assert snmp.snmp_issues == ["community RO from any address"], addresses
    rw = mikrotik(MIKROTIK_BASE.replace("name=xa-ro", "name=xa-ro write-access=yes"))
    assert rw.snmp_issues == ["community RW"]
    # no crypto, PPTP, clear PPPoE password
    weak = mikrotik(
        MIKROTIK_BASE.replace(
            "set strong-crypto=yes", "set allow-none-crypto=yes strong-crypto=yes"
        )
        + "/interface pptp-server server\nset enabled=yes\n"
        + "/interface pppoe-client\nadd interface=ether1 name=pppoe-vnpt password=Vnpt123 user=x\n"
    )
    assert weak.weak_crypto == ["ssh allow-none-crypto=yes", "PPTP server enabled"]
    assert weak.password_issues == ["pppoe-client pppoe-vnpt: clear text"]
    assert "Vnpt123" not in redact(
        MIKROTIK_BASE + "/interface pppoe-client\nadd password=Vnpt123\n", "mikrotik"
    )


def test_mikrotik_wifi_wpa1_and_tkip_fail() -> None:
    base = (
        MIKROTIK_BASE
        + "/interface wireless\nset [ find default-name=wlan1 ] disabled=no wps-mode=disabled\n"
        + "/interface wireless security-profiles\n"
        + "set [ find default=yes ] {auth} mode=dynamic-keys\n"
    )
    modes = {
        "authentication-types=wpa2-psk": ["wpa2"],
        "authentication-types=wpa-psk,wpa2-psk": ["wpa"],
        "authentication-types=wpa2-psk unicast-ciphers=tkip": ["tkip"],
        "authentication-types=wpa2-psk unicast-ciphers=tkip,aes-ccm": ["wpa2"],
    }
    for auth, expected in modes.items():
        assert mikrotik(base.format(auth=auth)).wifi_modes == expected, auth


def _pfsense_admin(stored: str) -> str:
    text = (NETDEV / "pfsense-hardened.xml").read_text()
    start, end = text.index("<bcrypt-hash>"), text.index("</bcrypt-hash>") + len("</bcrypt-hash>")
    return text[:start] + stored + text[end:]


def test_pfsense_factory_password_in_every_stored_form() -> None:
    """bcrypt (2.4+), SHA-512 crypt (<sha512-hash>) and the older md5-crypt/sha512-crypt in
    <password>: the factory password "pfsense" is caught in each; another password is not;
    no hash at all is unknown, never "refused"."""
    from passlib.hash import md5_crypt, sha512_crypt

    from auditor.collect.netdev.pfsense import parse_pfsense

    forms = {
        f"<sha512-hash>{sha512_crypt.hash('pfsense')}</sha512-hash>": True,
        f"<password>{md5_crypt.hash('pfsense')}</password>": True,
        f"<password>{sha512_crypt.hash('pfsense')}</password>": True,
        f"<sha512-hash>{sha512_crypt.hash('Xa-Admin-2026!')}</sha512-hash>": False,
        f"<password>{md5_crypt.hash('Xa-Admin-2026!')}</password>": False,
        "<descr>no hash stored</descr>": None,
    }
    for stored, works in forms.items():
        facts = parse_pfsense(_pfsense_admin(stored))
        assert facts.default_login_works is works, stored
        assert facts.default_accounts == (
            None if works is None else ["admin/pfsense"] if works else []
        )


def test_mikrotik_wan_management_is_computed_from_services_and_rule_order() -> None:
    drop = "add action=drop chain=input in-interface-list=!LAN\n"
    winbox_wan = "add action=accept chain=input dst-port=8291 protocol=tcp\n"
    winbox_lan = "add action=accept chain=input dst-port=8291 in-interface-list=LAN protocol=tcp\n"
    assert mikrotik(MIKROTIK_BASE).wan_mgmt_exposed is False  # the default drop covers it
    before = mikrotik(MIKROTIK_BASE.replace(drop, winbox_wan + drop))
    assert before.wan_mgmt_exposed is True  # near miss: an accept for Winbox above the drop
    assert mikrotik(MIKROTIK_BASE.replace(drop, winbox_lan + drop)).wan_mgmt_exposed is False
    assert mikrotik(MIKROTIK_BASE.replace(drop, drop + winbox_wan)).wan_mgmt_exposed is False
    restricted = MIKROTIK_BASE.replace(drop, winbox_wan + drop) + (
        "/ip service\nset winbox address=192.168.88.0/24\nset telnet disabled=yes\n"
        "set ftp disabled=yes\nset www disabled=yes\nset ssh address=192.168.88.0/24\n"
        "set api disabled=yes\nset api-ssl disabled=yes\n"
    )
    assert mikrotik(restricted).wan_mgmt_exposed is False  # the service itself is limited
    no_drop = mikrotik(MIKROTIK_BASE.replace(drop, ""))
    assert no_drop.wan_mgmt_exposed is True


def test_zones_count_only_what_filter_rules_separate() -> None:
    """Two addressed inside interfaces with nothing filtering between them are one zone."""
    flat = MIKROTIK_BASE.replace(
        "add address=10.255.255.1/32 interface=loopback\n",
        "add address=10.255.255.1/32 interface=loopback\n"
        "add address=192.168.20.1/24 interface=vlan20\n",
    )
    assert mikrotik(flat).zones == ["bridge+vlan20"]
    separated = flat.replace(
        "add action=drop chain=input in-interface-list=!LAN\n",
        "add action=drop chain=input in-interface-list=!LAN\n"
        "add action=drop chain=forward in-interface=vlan20 out-interface=bridge\n",
    )
    assert mikrotik(separated).zones == ["bridge", "vlan20"]
    # a drop for one port between them does not separate the zones
    one_port = separated.replace(
        "out-interface=bridge", "out-interface=bridge dst-port=445 protocol=tcp"
    )
    assert mikrotik(one_port).zones == ["bridge+vlan20"]


def test_cisco_wan_management_from_services_and_the_inbound_acl() -> None:
    assert cisco(CISCO_BASE).wan_mgmt_exposed is False  # vty limited to one address
    open_vty = CISCO_BASE.replace(" access-class VTY in\n", "")
    assert cisco(open_vty).wan_mgmt_exposed is False  # the inbound ACL lets no SSH in
    ssh_in = open_vty.replace(
        " 10 permit tcp any host 203.0.113.10 eq 443\n",
        " 10 permit tcp any host 203.0.113.10 eq 443\n 15 permit tcp any any eq 22\n",
    )
    assert cisco(ssh_in).wan_mgmt_exposed is True  # near miss: one permit for SSH from any


def test_pfsense_idle_timeout_left_at_the_default_is_shown_as_assumed() -> None:
    from auditor.collect.netdev.pfsense import parse_pfsense

    text = (NETDEV / "pfsense-hardened.xml").read_text()
    set_timeout = parse_pfsense(text)
    assert set_timeout.idle_timeout_assumed is ("<session_timeout>" not in text)
    without = parse_pfsense(
        text.replace("<session_timeout>", "<x>").replace("</session_timeout>", "</x>")
    )
    assert (without.idle_timeout_s, without.idle_timeout_assumed) == (240 * 60, True)


def test_a_known_but_unsupported_platform_is_said_so_and_not_kept(tmp_path: Path) -> None:
    result = collect_config_file(NETDEV / "juniper-unsupported.conf")
    assert [(f.code, f.detail) for f in result.failures] == [
        ("collect.unsupported_device", "Juniper (Junos)")
    ]
    assert result.netdev is None
    kept = b"".join(result.evidence.values())
    assert b"Jn0sRx9q" not in kept and b"SRX-UBND-XA" not in kept  # a fingerprint only
    garbage = tmp_path / "notes.txt"
    garbage.write_text("just some notes\n", encoding="utf-8")
    assert [f.code for f in collect_config_file(garbage).failures] == ["collect.garbage"]


def test_aironet_wep_and_leap_are_wifi_that_fails() -> None:
    from auditor.checking import discover

    wifi = discover()["net.wifi"]
    text = (NETDEV / "cisco-aironet-wep.txt").read_text(encoding="utf-8")
    wep = cisco(text)
    assert wep.wifi_modes == ["wep"]  # the LEAP SSID is on a radio that is shut down
    assert wifi.run(wep, {}).status.value == "fail"
    both = cisco(text.replace(" no ip address\n shutdown\n", " no ip address\n", 1))
    assert both.wifi_modes == ["wep", "open", "leap"]
    wpa2_text = text.replace(
        "encryption mode wep mandatory", "encryption mode ciphers aes-ccm"
    ).replace(
        "   authentication open\n",
        "   authentication open\n   authentication key-management wpa version 2\n",
    )
    wpa2 = cisco(wpa2_text)
    assert wpa2.wifi_modes == ["wpa2"] and wifi.run(wpa2, {}).status.value == "pass"
    wpa1 = cisco(wpa2_text.replace("key-management wpa version 2", "key-management wpa"))
    assert wpa1.wifi_modes == ["wpa"]  # near miss: AES, but WPA1 key management
    assert wifi.run(wpa1, {}).status.value == "fail"
    assert cisco((NETDEV / "cisco-ios-weak.txt").read_text()).wifi_modes is None  # no radio


def test_the_aironet_fix_turns_wifi_to_pass() -> None:
    """The card's IOS lines, applied to the WEP access point, make its Wi-Fi pass."""
    from auditor.cards import check_cards
    from auditor.checking import discover

    step = next(s for s in check_cards()["net.wifi"].remediation if s.platform == "cisco-ios")
    assert step.command is not None
    text = (NETDEV / "cisco-aironet-wep.txt").read_text(encoding="utf-8").rstrip()
    fixed = cisco(text.removesuffix("end") + step.command + "end\n")
    assert fixed.wifi_modes == ["wpa2"]
    assert discover()["net.wifi"].run(fixed, {}).status.value == "pass"


def test_every_local_account_is_tried_against_weak_passwords() -> None:
    """Not only admin: any enabled account whose stored hash verifies a common weak password
    (bcrypt on pfSense; clear, type 7 or md5-crypt on IOS), without ever saying it."""
    from passlib.hash import bcrypt, md5_crypt

    from auditor.collect.netdev.pfsense import parse_pfsense

    hardened = (NETDEV / "pfsense-hardened.xml").read_text(encoding="utf-8")

    def user(name: str, password: str, disabled: bool = False) -> str:
        hashed = bcrypt.using(rounds=4).hash(password)
        flag = "<disabled/>" if disabled else ""
        return f"<user><name>{name}</name>{flag}<bcrypt-hash>{hashed}</bcrypt-hash></user>"

    def accounts(*users: str) -> Any:
        return parse_pfsense(hardened.replace("</system>", "".join(users) + "</system>", 1))

    weak = accounts(user("ketoan", "admin123"), user("vanthu", "Kh0ng-Doan-Duoc-2026!"))
    assert weak.default_accounts == ["ketoan: weak password"]
    assert "admin123" not in str(weak.model_dump())
    assert accounts(user("cu", "password", disabled=True)).default_accounts == []  # near miss
    ios = (NETDEV / "cisco-ios-hardened.txt").read_text(encoding="utf-8").rstrip()
    ios = ios.removesuffix("end")
    md5 = md5_crypt.hash("P@ssw0rd")
    found = cisco(ios + f"username ketoan privilege 1 secret 5 {md5}\nend\n").default_accounts
    assert found == ["ketoan: weak password"]
    strong = md5_crypt.hash("Kh0ng-Doan-Duoc-2026!")
    assert cisco(ios + f"username ketoan secret 5 {strong}\nend\n").default_accounts == []


def test_hashcat_examples_prove_the_test_hash_makers() -> None:
    """The hashes the tests below feed in are what the devices store: our makers reproduce
    hashcat's own example hashes (password "hashcat") for each format, and John the Ripper's
    published FortiOS hash of "admin"."""
    import base64

    def salt(example: str) -> bytes:
        return base64.b64decode(example[3:])[:12]

    sh2 = "SH2lpcpFXM5QRlWYwY5vL9+5svfYyb+c79qENpxEoB3NtZpVxKwHjuq/9TH88U="
    ak1 = "AK1FCIhM0IUIQVFJgcDFwLCMi7GppdwtRzMyDpFOFxdpH8="
    assert fortios_sh2("hashcat", salt(sh2)) == sh2 and fortios_ak1("hashcat", salt(ak1)) == ak1
    assert fortios_ak1("admin", salt(JTR_AK1_ADMIN)) == JTR_AK1_ADMIN
    assert cisco_type8("hashcat") == "$8$84486783037343$pYNyVrtyMalQrZLxRi7ZLQS1Fl.jkYCgASUi5P8JNb2"
    assert cisco_type9("hashcat") == "$9$87023684531115$phio0TBQwaO7KZ8toQFyGFyDvyOzidaypRWN0uKX0hU"


JTR_AK1_ADMIN = "AK1Vd1SCGVtAAT931II/U22WTppAISQkITHOlz0ukIg4nA="  # John the Ripper's test vector


def _fortigate_admins(*admins: tuple[str, str]) -> str:
    """The hardened backup with more administrators, each with its stored password."""
    entries = "".join(
        f'    edit "{name}"\n        set accprofile "super_admin"\n'
        f"        set password ENC {stored}\n    next\n"
        for name, stored in admins
    )
    return FGT_HARDENED.replace("config system admin\n", "config system admin\n" + entries, 1)


def test_every_fortigate_and_ios_hash_is_tried_by_hashcat() -> None:
    """FortiOS AK1/SH2 and IOS type 8/9 hashes go to hashcat (a real run here): the one a
    weak password verifies is named, never the password; a strong one passes; a format hashcat
    cannot try (FortiOS PB2) leaves the accounts requirement unknown, never met."""
    from auditor.checking import Status, discover

    check = discover()["net.accounts"]
    weak = fortios(
        _fortigate_admins(
            ("ketoan", JTR_AK1_ADMIN),
            ("vanthu", fortios_sh2("P@ssw0rd", b"vanthu-salt!")),
            ("mota", fortios_sh2("Kh0ng-Doan-Duoc-2026!", b"mota-salt-12")),
        )
    )
    assert sorted(weak.default_accounts) == ["ketoan: weak password", "vanthu: weak password"]
    assert weak.untried_accounts == [] and "P@ssw0rd" not in weak.model_dump_json()
    assert check.run(weak, {}).status is Status.failed
    strong = fortios(_fortigate_admins(("mota", fortios_sh2("Kh0ng-Doan-Duoc-2026!", b"s" * 12))))
    assert (strong.default_accounts, strong.untried_accounts) == ([], [])
    assert check.run(strong, {}).status is Status.passed
    pb2 = fortios(_fortigate_admins(("moi", "PB2" + "A" * 60)))  # near miss: a newer format
    assert pb2.default_accounts == [] and pb2.untried_accounts == ["moi (fortios-pb2)"]
    outcome = check.run(pb2, {})
    assert outcome.status is Status.error and outcome.note == "outcome.hash_untried"
    ios = CISCO_BASE.replace(
        "username quantri", f"username ketoan secret 9 {cisco_type9('cisco')}\nusername quantri"
    ).replace("ip ssh", f"username vanthu secret 8 {cisco_type8('Admin@123')}\nip ssh")
    assert sorted(cisco(ios).default_accounts) == ["ketoan: weak password", "vanthu: weak password"]


def test_two_audits_at_once_both_try_their_hashes() -> None:
    """Two hashcat runs at the same time (two audits, or two devices of one) each have their
    own session and directory: neither is refused as "already running"."""
    from concurrent.futures import ThreadPoolExecutor

    from auditor.collect.netdev.common import weak_passwords
    from auditor.collect.netdev.hashcat import Hashed, try_hashes

    def trial(index: int) -> Any:
        stored = fortios_sh2("admin123", f"salt-{index:07d}".encode())
        return try_hashes([Hashed(f"u{index}", "fortios-sh2", stored)], weak_passwords())

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(trial, range(2)))
    assert [(r.weak, r.untried) for r in results] == [
        (["u0: weak password"], []),
        (["u1: weak password"], []),
    ]


def test_without_hashcat_the_hashes_are_untried_not_strong(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No hashcat on the machine: each hashed account is named as untried and the accounts
    requirement stays unknown, however strong the password may be."""
    from auditor.checking import Status, discover
    from auditor.collect.netdev import hashcat

    hashcat._verified.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))
    facts = cisco(CISCO_BASE)
    hashcat._verified.cache_clear()
    assert facts.untried_accounts == ["enable (cisco-9)", "quantri (cisco-9)"]
    assert discover()["net.accounts"].run(facts, {}).status is Status.error


def test_an_old_configuration_is_not_judged_as_todays(tmp_path: Path) -> None:
    """Its age comes from what it carries (RouterOS export header, IOS "Last configuration
    change", pfSense revision time), else from the file's time; past the limit it is stale."""
    import datetime as dt
    import os

    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    old = collect_config_file(NETDEV / "mikrotik-weak.rsc", max_age_days=31, now=now)
    assert [(f.code, int(f.detail) > 600) for f in old.failures] == [("collect.stale_config", True)]
    assert old.netdev is None and old.evidence  # kept (redacted), not judged
    fresh = collect_config_file(NETDEV / "mikrotik-hardened.rsc", max_age_days=31, now=now)
    assert fresh.netdev is not None and not fresh.failures  # exported 18/11/2026
    ios = collect_config_file(NETDEV / "cisco-ios-hardened.txt", max_age_days=31, now=now)
    assert ios.netdev is not None and ios.netdev.config_time == dt.datetime(
        2026, 11, 17, 2, 12, 44, tzinfo=dt.UTC
    )  # 09:12:44 ICT
    later = collect_config_file(
        NETDEV / "cisco-ios-hardened.txt", max_age_days=31, now=now + dt.timedelta(days=40)
    )
    assert [f.code for f in later.failures] == ["collect.stale_config"]  # the near miss
    undated = tmp_path / "pfsense.xml"
    undated.write_bytes((NETDEV / "pfsense-weak.xml").read_bytes())
    year_ago = (now - dt.timedelta(days=365)).timestamp()
    os.utime(undated, (year_ago, year_ago))  # no revision time: the file's own time counts
    assert [f.code for f in collect_config_file(undated, max_age_days=31, now=now).failures] == [
        "collect.stale_config"
    ]
    revised = (
        (NETDEV / "pfsense-weak.xml")
        .read_text()
        .replace("</system>", "</system><revision><time>1796000000</time></revision>", 1)
    )
    undated.write_text(revised)  # 2026-11-30: the revision inside wins over the old file time
    os.utime(undated, (year_ago, year_ago))
    assert collect_config_file(undated, max_age_days=31, now=now).netdev is not None


def test_cisco_telnet_behind_an_access_class_that_really_limits_sources() -> None:
    """Telnet on the lines is a restriction only when the access-class's list exists and
    admits no "any": an undefined list (IOS lets everything through) or a permit any is not."""
    telnet = CISCO_BASE.replace(" transport input ssh\n", " transport input telnet ssh\n")
    ssh_in_any = telnet.replace(" 20 deny ip any any\n", " 15 permit tcp any any eq 23\n")
    limited = cisco(ssh_in_any)
    assert limited.mgmt_services["telnet"] and limited.mgmt_restricted is True
    assert limited.wan_mgmt_exposed is False  # the lines answer only 192.168.10.20
    undefined = cisco(
        ssh_in_any.replace("ip access-list standard VTY\n 10 permit 192.168.10.20\n", "")
    )
    assert undefined.mgmt_restricted is False and undefined.wan_mgmt_exposed is True
    anyone = cisco(ssh_in_any.replace(" 10 permit 192.168.10.20\n", " 10 permit any\n"))
    assert anyone.mgmt_restricted is False and anyone.wan_mgmt_exposed is True


# ---------------------------------------------------------------- FortiGate (FortiOS)
def fortios(text: str) -> Any:
    from auditor.collect.netdev.fortios import parse_fortios

    return parse_fortios(text)


FGT_HARDENED = (NETDEV / "fortigate-hardened.conf").read_text(encoding="utf-8")


def test_fortigate_backups_are_read_hardened_and_weak() -> None:
    good = collect_config_file(NETDEV / "fortigate-hardened.conf").netdev
    assert good is not None and good.vendor == "fortios"
    assert (good.model, good.firmware, good.hostname) == (
        "FGT60F",
        "7.2.5 build 1517",
        "FGT-UBND-XA",
    )
    assert good.mgmt_services == {
        "telnet": False, "ssh": True, "http": False, "https": True, "snmp": False,
    }  # fmt: skip
    assert good.mgmt_restricted is True and good.wan_mgmt_exposed is False
    assert good.mgmt_sources == ["192.168.10.20 255.255.255.255", "192.168.10.21 255.255.255.255"]
    assert (good.idle_timeout_s, good.idle_timeout_assumed) == (600, False)
    assert good.syslog_targets == ["192.168.10.30"]
    assert good.ntp_servers == ["192.168.10.1", "time.nist.gov"]
    assert (good.snmp_issues, good.password_issues, good.default_accounts) == ([], [], [])
    assert good.ips_enabled is True and good.firewall_enabled is True
    assert good.zones == ["internal", "vlan20-ketoan"] and good.port_forwards == []
    assert good.assumed_defaults == ["strong-crypto"]  # `show` leaves the default out

    weak = collect_config_file(NETDEV / "fortigate-weak.conf").netdev
    assert weak is not None
    assert weak.mgmt_services["telnet"] and weak.mgmt_services["http"]
    assert weak.wan_mgmt_exposed is True and weak.mgmt_restricted is False
    assert weak.idle_timeout_s == 480 * 60 and weak.syslog_targets == []
    assert weak.snmp_issues == ["default community", "community open to any address"]
    assert weak.default_accounts == ["admin/<empty>"]  # the factory login: no password line
    assert weak.password_issues == ["secrets encrypted with the fixed FortiOS key"]
    assert weak.weak_crypto == ["strong-crypto disabled"] and weak.wifi_modes == ["open"]
    assert weak.ips_enabled is False
    assert [(f.port, f.to_host, f.to_port) for f in weak.port_forwards] == [
        (3389, "192.168.20.15", 3389)
    ]


def test_fortigate_judged_by_the_checks() -> None:
    from auditor.checking import Status, discover

    registry = discover()
    good = collect_config_file(NETDEV / "fortigate-hardened.conf").netdev
    weak = collect_config_file(NETDEV / "fortigate-weak.conf").netdev
    params: dict[str, dict[str, Any]] = {
        "net.mgmt_protocols": {"services": ["telnet", "http"]},
        "net.idle_timeout": {"max_seconds": 900},
        "net.port_forwards": {"ports": {3389: "RDP", 22: "SSH"}},
        "net.zones": {"min_zones": 2},
    }
    for check_id in (
        "net.mgmt_protocols", "net.mgmt_restricted", "net.idle_timeout", "net.syslog",
        "net.snmp_default", "net.accounts", "net.wan_management", "net.port_forwards",
        "net.ips", "net.weak_crypto",
    ):  # fmt: skip
        check = registry[check_id]
        assert check.run(good, params.get(check_id, {})).status is Status.passed, check_id
        assert check.run(weak, params.get(check_id, {})).status is Status.failed, check_id
    crypto = registry["net.weak_crypto"].run(good, {})
    assert crypto.note == "outcome.default_assumed" and crypto.params == {
        "settings": "strong-crypto"
    }  # met by the version's default, said as assumed


def test_fortigate_near_misses() -> None:
    # a trusthost of 0.0.0.0/0 is no restriction
    anywhere = FGT_HARDENED.replace(
        "set trusthost2 192.168.10.21 255.255.255.255", "set trusthost2 0.0.0.0 0.0.0.0"
    ).replace("set trusthost1 192.168.10.20 255.255.255.255", "set trusthost1 0.0.0.0 0.0.0.0")
    assert fortios(anywhere).mgmt_restricted is False
    # an IPS sensor on a disabled policy, or with UTM off, inspects nothing
    no_ips = FGT_HARDENED.replace('set ips-sensor "default"\n', "", 1).replace(
        '        set name "KeToan-Internet"\n',
        '        set name "KeToan-Internet"\n        set status disable\n',
    )
    assert fortios(no_ips).ips_enabled is False
    # a policy letting everything from one inside interface to the other joins the zones
    joined = FGT_HARDENED.replace(
        "config firewall policy\n",
        'config firewall policy\n    edit 9\n        set srcintf "internal"\n'
        '        set dstintf "vlan20-ketoan"\n        set action accept\n'
        '        set srcaddr "all"\n        set dstaddr "all"\n        set service "ALL"\n'
        "    next\n",
    )
    assert fortios(joined).zones == ["internal+vlan20-ketoan"]
    # an interface that is down is neither a zone nor a way in
    down = FGT_HARDENED.replace(
        "        set vlanid 20\n", "        set vlanid 20\n        set status down\n"
    )
    assert fortios(down).zones == ["internal"]
    # a VIP that is not a port forward, or is disabled, forwards no port
    assert fortios(FGT_HARDENED).port_forwards == []
    # left out by `show`: the version's documented default, named as assumed
    bare = FGT_HARDENED.replace("    set admintimeout 10\n", "").replace(
        "    set admin-lockout-threshold 3\n", ""
    )
    facts = fortios(bare)
    assert (facts.idle_timeout_s, facts.idle_timeout_assumed) == (300, True)
    assert facts.login_limit is True and "admin-lockout-threshold" in facts.assumed_defaults
    # a version the defaults table does not know (5.6): what is left out stays unknown
    old = bare.replace("FGT60F-7.2.5-FW-build1517", "FGT60E-5.6.14-FW-build1727")
    facts = fortios(old)
    assert (facts.idle_timeout_s, facts.login_limit, facts.weak_crypto) == (None, None, None)
    # a fragment without interfaces or administrators says nothing about them
    fragment = fortios('config system global\n    set hostname "x"\nend\n')
    assert fragment.mgmt_services == {} and fragment.zones is None
    assert fragment.default_accounts is None and fragment.mgmt_restricted is None


def test_fortigate_truncated_backup_is_incomplete_and_its_secrets_redacted() -> None:
    result = collect_config_file(NETDEV / "fortigate-truncated.conf")
    assert result.netdev is None
    assert [f.code for f in result.failures] == ["collect.truncated"]
    kept = b"".join(result.evidence.values()).decode()
    assert "config firewall policy" in kept and "<redacted>" in kept
    listed = yaml.safe_load((NETDEV / "SECRETS.yaml").read_text(encoding="utf-8"))
    for secret in listed["fortigate-truncated.conf"]:
        assert secret not in kept
    # a quoted value cut off before its closing quote: the rest is never kept
    cut = FGT_HARDENED[: FGT_HARDENED.index("AgIIADAMBggq")]
    from auditor.collect.netdev import redact

    assert "MIIFHDBOBgkq" not in redact(cut, "fortios")


def test_fortigate_multi_vdom_backup_reads_global_and_root() -> None:
    body = FGT_HARDENED.split("\n", 4)[4]
    global_part, vdom_part = body.split("config system interface\n", 1)
    vdoms = (
        "#config-version=FGT100F-7.4.3-FW-build2573-240201:opmode=0:vdom=1:user=quantri\n"
        "config vdom\nedit root\nnext\nend\n"
        f"config global\n{global_part}end\n"
        f"config vdom\nedit root\nconfig system interface\n{vdom_part}next\nend\n"
    )
    facts = fortios(vdoms)
    assert facts.hostname == "FGT-UBND-XA" and facts.ips_enabled is True
    assert facts.zones == ["internal", "vlan20-ketoan"] and facts.model == "FGT100F"


def test_pfsense_zones_need_a_rule_between_them() -> None:
    """Segments count as zones only when the rules separate them: an OPT interface allowed
    to reach anything is one flat zone with the LAN; a VLAN never assigned is no segment."""
    from auditor.collect.netdev.pfsense import parse_pfsense

    text = (NETDEV / "pfsense-hardened.xml").read_text(encoding="utf-8")
    assert parse_pfsense(text).zones == ["opt1", "lan"]  # the guest VLAN blocked from the LAN
    open_guest = text.replace(
        "\t\t\t<type>block</type>\n\t\t\t<interface>opt1</interface>",
        "\t\t\t<type>pass</type>\n\t\t\t<interface>opt1</interface>",
    ).replace(
        "\t\t\t\t<network>lan</network>\n\t\t\t</destination>",
        "\t\t\t\t<any></any>\n\t\t\t</destination>",
    )
    assert parse_pfsense(open_guest).zones == ["lan+opt1"]  # near miss: nothing between them
    unassigned = text.replace("<opt1>\n\t\t\t<enable></enable>", "<opt1>")
    assert parse_pfsense(unassigned).zones == ["lan"]  # a disabled interface is no zone


PUBLISHED = NETDEV / "fortigate-published"


def test_fortigate_backups_shaped_after_published_ones() -> None:
    """Backups laid out as real published FortiOS 6.2–7.4 exports are (SOURCES.md there):
    read, judged, redacted by the tree (every ENC value and the whole private key), and the
    cut one refused as incomplete."""
    from auditor.checking import Status, discover

    registry = discover()
    good = collect_config_file(PUBLISHED / "fortigate-hardened.conf")
    weak = collect_config_file(PUBLISHED / "fortigate-weak.conf")
    assert good.netdev is not None and weak.netdev is not None
    for check_id, params in (
        ("net.mgmt_protocols", {"services": ["telnet", "http"]}),
        ("net.wan_management", {}),
        ("net.accounts", {}),
        ("net.snmp_default", {}),
        ("net.weak_crypto", {}),
    ):
        assert registry[check_id].run(good.netdev, params).status is Status.passed, check_id
        assert registry[check_id].run(weak.netdev, params).status is Status.failed, check_id
    assert weak.netdev.wifi_modes == ["open"] and weak.netdev.default_accounts == ["admin/<empty>"]
    for result, name in ((good, "hardened"), (weak, "weak")):
        text = (PUBLISHED / f"fortigate-{name}.conf").read_text(encoding="utf-8")
        kept = b"".join(result.evidence.values()).decode()
        secrets = re.findall(r"set \S+ ENC (\S+)", text)
        assert secrets and not [s for s in secrets if s in kept], name
        body = text.split("BEGIN ENCRYPTED PRIVATE KEY-----", 1)[1].split("-----END", 1)[0]
        assert body.strip() and body.strip().splitlines()[0] not in kept
    cut = collect_config_file(PUBLISHED / "fortigate-truncated.conf")
    assert cut.netdev is None and [f.code for f in cut.failures] == ["collect.truncated"]
