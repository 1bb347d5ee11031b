"""Typed facts that collectors gather and checks judge.

A field that could not be read is `None` (unknown), never `False`: a check must be able
to tell "firewall off" from "we could not see the firewall".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OsInfo(Fact):
    family: Literal["linux", "windows"]
    distro_id: str | None = None
    name: str | None = None
    version_id: str | None = None
    kernel: str | None = None
    hostname: str | None = None
    build: int | None = None  # Windows: CurrentBuild, e.g. 19045
    edition: str | None = None  # Windows: EditionID, e.g. Professional, EnterpriseS, ServerStandard
    display_version: str | None = None  # Windows: 22H2, 24H2 …


class AvProduct(Fact):
    name: str
    running: bool | None = None
    realtime: bool | None = None
    signature_time: datetime | None = None
    up_to_date: bool | None = None  # as reported by Windows Security Center
    passive: bool | None = None  # Defender in passive mode beside another product
    update_problems: list[str] = Field(default_factory=list)  # failed/outdated, from its log


class AntiMalware(Fact):
    products: list[AvProduct] = Field(default_factory=list)


class Patching(Fact):
    manager: str | None = None
    last_update: datetime | None = None
    pending_updates: int | None = None
    pending_security: int | None = None


class PasswordPolicy(Fact):
    min_length: int | None = None
    min_classes: int | None = None
    max_age_days: int | None = None
    history: int | None = None
    source: str = ""


class LockoutPolicy(Fact):
    threshold: int | None = None  # 0 means "never lock"
    duration_s: int | None = None  # 0 means "until an admin unlocks"
    source: str = ""


class Firewall(Fact):
    enabled: bool | None = None
    backend: str | None = None
    detail: str = ""


class Listener(Fact):
    proto: Literal["tcp", "udp"]
    address: str
    port: int


class Account(Fact):
    name: str
    can_login: bool
    uid: int | None = None  # Linux
    shell: str | None = None  # Linux
    sid: str | None = None  # Windows
    builtin: Literal["administrator", "guest"] | None = None
    password: Literal["set", "empty", "locked"] | None = None
    password_never_expires: bool | None = None
    password_max_days: int | None = None  # Linux: this account's own maximum (shadow field 5)
    # Linux: its stored hash verifies the image's factory password (pi/raspberry …), tried on
    # the host by its own crypt; None when that could not be tried
    factory_password: bool | None = None
    last_login: datetime | None = None
    never_logged_in: bool | None = None


class Privileges(Fact):
    uid0_accounts: list[str]
    sudo_users: list[str] | None = None  # None when sudoers could not be read


class Logging(Fact):
    audit_daemon: bool | None = None
    journald_persistent: bool | None = None
    syslog_daemon: bool | None = None
    retention_days: int | None = None
    # login successes/failures and sudo lines found in the kept logs: the auth log file
    # (syslog) and the journal; None = could not be read
    auth_file_events: int | None = None
    journal_auth_events: int | None = None


class SshServer(Fact):
    """The SSH server's effective settings (`sshd -T`, lower-case keys)."""

    installed: bool
    settings: dict[str, str] | None = None  # None: installed but `sshd -T` could not run


class ScreenLock(Fact):
    """Idle time before the session locks: machine policy or (secure) screen saver."""

    timeout_s: int | None = None
    secure: bool | None = None
    source: str = ""


class Hardening(Fact):
    """Windows settings read from the registry and optional features."""

    autorun_disabled: bool | None = None
    autologon: bool | None = None
    default_password_stored: bool | None = None  # its value is never read
    smb1_enabled: bool | None = None
    rdp_enabled: bool | None = None
    rdp_nla: bool | None = None
    insecure_features: list[str] | None = None


class Browser(Fact):
    name: str
    version: str
    user: str | None = None  # a per-user copy (in that profile's %LOCALAPPDATA%)


class TimeSync(Fact):
    synchronized: bool | None = None
    service: str | None = None  # a time service that runs (running is not synchronised)
    offset_s: float | None = None  # |clock − NTP| as the daemon reports it
    last_sync_age_s: float | None = None  # seconds since the last good sync, where reported
    source: str | None = None  # the time source the daemon uses


class Backup(Fact):
    path: str
    exists: bool
    newest_file_time: datetime | None = None
    files: int = 0
    same_device_as_root: bool | None = None
    fstype: str | None = None


class EncryptedVolume(Fact):
    name: str
    kind: Literal["os", "fixed", "removable", "unknown"]
    encrypted: bool


class Encryption(Fact):
    encrypted_volumes: list[str] = Field(default_factory=list)
    root_encrypted: bool | None = None
    volumes: list[EncryptedVolume] = Field(default_factory=list)  # every volume, where known


class SocAgent(Fact):
    """A monitoring agent's own account of its link to its manager (the provincial SOC):
    what its state file says, and the manager addresses its configuration names."""

    product: str
    status: str | None = None  # e.g. "connected", "disconnected", "pending"
    managers: list[str] = Field(default_factory=list)


class HostFacts(Fact):
    """Everything read from one Linux (later also Windows) host."""

    collected_at: datetime
    # the host's clock minus the auditor's when its answer arrived (live collection only):
    # a host a year behind must not date its own patches and logs as recent
    clock_skew_s: float | None = None
    soc_agent: SocAgent | None = None  # None: no agent that keeps a readable state
    os: OsInfo
    antimalware: AntiMalware | None = None
    patching: Patching | None = None
    password_policy: PasswordPolicy | None = None
    lockout: LockoutPolicy | None = None
    firewall: Firewall | None = None
    listeners: list[Listener] | None = None
    processes: list[str] | None = None
    accounts: list[Account] | None = None
    privileges: Privileges | None = None
    logging: Logging | None = None
    ssh_server: SshServer | None = None
    time: TimeSync | None = None
    backup: Backup | None = None
    encryption: Encryption | None = None
    # installed package → version; a dict, not models: 1,000 packages per host add up to
    # hundreds of MB over a province's hosts
    packages: dict[str, str] | None = None
    screen_lock: ScreenLock | None = None
    hardening: Hardening | None = None
    audit_policy: dict[str, int] | None = (
        None  # subcategory GUID → 0 none, 1 success, 2 failure, 3 both
    )
    browsers: list[Browser] | None = None


class OpenPort(Fact):
    port: int
    proto: Literal["tcp", "udp"] = "tcp"
    service: str | None = None
    product: str | None = None
    version: str | None = None


class ScanFacts(Fact):
    """What nmap saw from the auditor's position for one address."""

    address: str
    scanned_at: datetime
    arguments: str
    host_up: bool
    open_ports: list[OpenPort] = Field(default_factory=list)


class TlsCertificate(Fact):
    subject: str
    issuer: str
    not_after: datetime
    verified: bool  # chains to the trust store and matches the host name
    error: str | None = None


class WebFacts(Fact):
    """What a website shows to a visitor: TLS versions, certificate, headers, admin pages."""

    url: str
    collected_at: datetime
    reachable: bool
    tls_versions: list[str] = Field(default_factory=list)  # accepted, e.g. ["TLSv1.2"]
    certificate: TlsCertificate | None = None
    status: int | None = None
    headers: dict[str, str] = Field(default_factory=dict)  # lower-case names
    exposed_admin_paths: list[str] | None = None


class PortForward(Fact):
    """An inbound NAT rule: `port` on the WAN side reaches `to_host`:`to_port` inside."""

    proto: str
    port: int
    to_host: str | None = None
    to_port: int | None = None
    rule: str | None = None  # the device's own configuration line, to say what to remove


class NetDeviceFacts(Fact):
    """A router, switch or access point as its configuration describes it."""

    vendor: str
    collected_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    hostname: str | None = None
    firmware: str | None = None
    model: str | None = None
    mgmt_services: dict[str, bool] = Field(default_factory=dict)  # telnet, ssh, http, …: on?
    mgmt_restricted: bool | None = None  # management limited to given source addresses
    mgmt_sources: list[str] | None = None  # those addresses/networks, as configured
    local_users: list[str] | None = None  # local account names (never their passwords)
    idle_timeout_s: int | None = None  # 0 means never
    idle_timeout_assumed: bool = False  # not configured: the vendor default was assumed
    syslog_targets: list[str] | None = None  # None: the configuration could not be read
    ntp_servers: list[str] | None = None
    ntp_synchronized: bool | None = None  # what the device says live; a saved file cannot
    # when the saved configuration was made, as it says itself (export header, "Last
    # configuration change", pfSense revision); None when it does not say
    config_time: datetime | None = None
    snmp_issues: list[str] | None = None  # RW communities, RO open to any address, defaults
    password_issues: list[str] | None = None  # reversible (type 7) or clear-text passwords
    weak_crypto: list[str] | None = None  # SSH v1, weak SSH ciphers, PPTP …
    default_accounts: list[str] | None = None
    # accounts whose stored hash could not be tried against the weak passwords, with the
    # hash's format ("ketoan (fortios-pb2)"): none may be called free of a weak password
    untried_accounts: list[str] = Field(default_factory=list)
    login_limit: bool | None = None  # failed-login blocking configured
    wifi_modes: list[str] | None = None  # per security profile: "open", "wep", "wpa2" …
    wps_enabled: bool | None = None
    wan_mgmt_exposed: bool | None = None  # a management service answers on the WAN side
    port_forwards: list[PortForward] | None = None  # inbound NAT from the WAN to the inside
    firewall_enabled: bool | None = None  # inbound traffic to the device/LAN is filtered
    ips_enabled: bool | None = None  # an intrusion prevention engine inspects traffic
    ips_signatures_at: datetime | None = None  # when its signatures were published, if said
    zones: list[str] | None = None  # VLANs / interfaces / zones that separate the network
    config_saved: bool | None = None  # running configuration equals the saved one
    default_login_works: bool | None = None  # the opt-in probe logged in with the vendor pair
    # settings the configuration left out, taken as the vendor's documented default for its
    # version (FortiOS `show`): said as assumed wherever a verdict rests on them
    assumed_defaults: list[str] = Field(default_factory=list)


class CollectionFailure(Fact):
    source: str
    code: str
    detail: str = ""


class Declared(Fact):
    """What the inventory says should be true, for checks that compare claim and reality."""

    kind: str
    admins: list[str] = Field(default_factory=list)
    users: list[str] | None = None  # current staff accounts; None = not declared
    backup_configured: bool = False
    soc_managers: list[str] = Field(default_factory=list)  # the provincial SOC's addresses


class AssetFacts(Fact):
    """All facts for one asset from every collector, and what failed."""

    asset_id: str
    declared: Declared
    host: HostFacts | None = None
    scan: ScanFacts | None = None
    web: WebFacts | None = None
    netdev: NetDeviceFacts | None = None
    failures: list[CollectionFailure] = Field(default_factory=list)
