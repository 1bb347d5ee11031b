"""Turn the JSON printed by windows_facts.ps1 into HostFacts.

The document comes from a machine we do not trust and may have travelled on a USB stick:
it may be UTF-16 with a BOM (PowerShell 5.1's `>` redirect), truncated, oversized, or from
an older script with fields missing. Each of those becomes a typed CollectionError or an
unknown (`None`) fact — never a crash, never a pass.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, Literal

from auditor.collect.base import safe
from auditor.collect.linux.system import wazuh_agent
from auditor.errors import CollectionError
from auditor.facts import (
    Account,
    AntiMalware,
    AvProduct,
    Backup,
    Browser,
    EncryptedVolume,
    Encryption,
    Firewall,
    Hardening,
    HostFacts,
    Listener,
    LockoutPolicy,
    Logging,
    OsInfo,
    PasswordPolicy,
    Patching,
    Privileges,
    ScreenLock,
    SocAgent,
    TimeSync,
)
from auditor.strictjson import DuplicateKey, unique_keys
from auditor.textsafe import printable

SCHEMA = "commune-auditor/windows-facts/1"
MAX_BYTES = 16 * 1024 * 1024
_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
INSECURE_FEATURES = ("TelnetServer", "TelnetClient", "TFTP", "IIS-FTPServer", "IIS-FTPSvc")


def decode(data: bytes) -> str:
    """Text of a facts file in UTF-8 or UTF-16 (with or without BOM)."""
    if len(data) > MAX_BYTES:
        raise CollectionError("windows.too_large", f"{len(data)} bytes")
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec)
    if len(data) >= 2 and data[1] == 0 and data[0] != 0:
        return _decode(data, "utf-16-le")
    return _decode(data, "utf-8")


def _decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise CollectionError("windows.encoding", codec) from None


def load_document(data: bytes) -> dict[str, Any]:
    """The facts document, checked for being JSON of our schema."""
    text = decode(data).strip()
    try:
        doc = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise CollectionError("windows.not_json", f"line {exc.lineno} col {exc.colno}") from None
    except DuplicateKey as exc:
        raise CollectionError("windows.duplicate_key", printable(str(exc), 80)) from None
    except RecursionError:
        raise CollectionError("windows.too_deep") from None
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise CollectionError("windows.not_json", "number too large") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise CollectionError(
            "windows.wrong_schema",
            str(doc.get("schema"))[:80] if isinstance(doc, dict) else type(doc).__name__,
        )
    return doc


def when(value: Any) -> datetime | None:
    """ISO 8601 or PowerShell 5.1's "/Date(ms)/" to an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    """A list section; PowerShell 5.1 emits a single object instead of a one-item list."""
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def parse_windows(doc: dict[str, Any]) -> HostFacts:
    collected = when(doc.get("collected_at"))
    if collected is None:  # never "fresh" by default: no time, no facts
        raise CollectionError("windows.no_collected_at")
    os_info = _os(doc.get("os") or {})
    registry = doc.get("registry") if isinstance(doc.get("registry"), dict) else None
    processes = safe(lambda: _processes(doc))
    return HostFacts(
        collected_at=collected,
        os=os_info,
        antimalware=safe(lambda: _antimalware(doc)),
        patching=safe(lambda: _patching(doc)),
        password_policy=safe(lambda: _password_policy(doc.get("security_policy"))),
        lockout=safe(lambda: _lockout(doc.get("security_policy"))),
        firewall=safe(lambda: _firewall(_list(doc, "firewall"))),
        listeners=safe(lambda: _listeners(_list(doc, "listeners"))),
        processes=processes,
        accounts=safe(lambda: _accounts(_list(doc, "local_users"))),
        privileges=safe(lambda: _privileges(_list(doc, "administrators"), os_info.hostname)),
        logging=safe(lambda: _logging(doc.get("security_log"), collected)),
        time=safe(lambda: _time(doc.get("time_service"), registry, doc.get("w32tm"))),
        backup=safe(lambda: _backup(doc.get("backup"), doc.get("os") or {})),
        soc_agent=safe(lambda: _wazuh(doc.get("wazuh"))),
        encryption=safe(lambda: _bitlocker(_list(doc, "bitlocker"), doc.get("os") or {})),
        packages=safe(lambda: _software(_list(doc, "software"))),
        screen_lock=safe(lambda: _screen_lock(registry)),
        hardening=safe(lambda: _hardening(registry, doc)),
        audit_policy=safe(lambda: _audit_policy(_list(doc, "audit_policy"))),
        browsers=safe(lambda: _browsers(_list(doc, "browsers"))),
    )


def _os(raw: dict[str, Any]) -> OsInfo:
    build = _int(raw.get("CurrentBuild")) or _int(raw.get("BuildNumber"))
    return OsInfo(
        family="windows",
        distro_id="windows",
        name=raw.get("Caption"),
        version_id=raw.get("Version"),
        hostname=raw.get("CSName"),
        build=build,
        edition=raw.get("EditionID"),
        display_version=raw.get("DisplayVersion"),
        kernel=f"{raw.get('Version')}.{raw.get('UBR')}" if raw.get("UBR") is not None else None,
    )


def _processes(doc: dict[str, Any]) -> list[str] | None:
    procs = doc.get("processes")
    services = _list(doc, "services")
    if procs is None and services is None:
        return None
    names = {str(p) for p in (procs if isinstance(procs, list) else [procs] if procs else [])}
    names |= {str(s.get("Name")) for s in services or [] if s.get("State") == "Running"}
    return sorted(n for n in names if n and n != "None")


def decode_product_state(state: int) -> tuple[bool, bool]:
    """(enabled, up to date) from SecurityCenter2's productState bytes."""
    scanner = (state >> 8) & 0xFF
    definitions = state & 0xFF
    return bool(scanner & 0x10), definitions == 0x00


def _antimalware(doc: dict[str, Any]) -> AntiMalware | None:
    center = _list(doc, "antivirus")
    defender = doc.get("defender") if isinstance(doc.get("defender"), dict) else None
    if center is None and defender is None:
        return None
    products: list[AvProduct] = []
    defender_uptodate: bool | None = None
    for item in center or []:
        state = _int(item.get("productState"))
        enabled, uptodate = decode_product_state(state) if state is not None else (None, None)
        name = str(item.get("displayName") or "?")
        if defender is not None and "defender" in name.lower():
            defender_uptodate = uptodate
            continue
        products.append(
            AvProduct(name=name, running=enabled, realtime=enabled, up_to_date=uptodate)
        )
    if defender is not None:
        mode = str(defender.get("AMRunningMode") or "")
        passive = "passive" in mode.lower()
        service = _truthy(defender.get("AMServiceEnabled"))
        av_on = _truthy(defender.get("AntivirusEnabled"))
        products.append(
            AvProduct(
                name="Microsoft Defender Antivirus",
                running=bool(service and av_on and not passive and mode in ("Normal", "")),
                realtime=_truthy(defender.get("RealTimeProtectionEnabled")) and not passive,
                signature_time=when(defender.get("AntivirusSignatureLastUpdated")),
                up_to_date=defender_uptodate,
                passive=passive,
            )
        )
    return AntiMalware(products=products)


def _patching(doc: dict[str, Any]) -> Patching | None:
    history = _list(doc, "update_history")
    hotfixes = _list(doc, "hotfixes")
    if history is None and hotfixes is None:
        return None
    times = [
        when(h.get("Date"))
        for h in history or []
        if _int(h.get("Operation")) == 1 and _int(h.get("ResultCode")) in (2, 3)
    ]
    times += [
        when(h.get("InstalledOnIso")) or _us_date(h.get("InstalledOn")) for h in hotfixes or []
    ]
    known = [t for t in times if t is not None]
    pending = _list(doc, "pending_updates")
    security = None
    if pending is not None:
        security = sum(
            1
            for p in pending
            if p.get("MsrcSeverity") or "Security Updates" in (p.get("Categories") or [])
        )
    return Patching(
        manager="windows-update",
        last_update=max(known) if known else None,
        pending_updates=len(pending) if pending is not None else None,
        pending_security=security,
    )


def _us_date(value: Any) -> datetime | None:
    """Win32_QuickFixEngineering.InstalledOn as WMI gives it (M/D/YYYY) when no ISO copy."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _password_policy(sec: Any) -> PasswordPolicy | None:
    if not isinstance(sec, dict) or not sec:
        return None
    max_age = _int(sec.get("MaximumPasswordAge"))
    complexity = _int(sec.get("PasswordComplexity"))
    return PasswordPolicy(
        min_length=_int(sec.get("MinimumPasswordLength")),
        min_classes=None if complexity is None else (3 if complexity == 1 else 1),
        max_age_days=None if max_age is None else (0 if max_age < 0 else max_age),
        history=_int(sec.get("PasswordHistorySize")),
        source="secedit",
    )


def _lockout(sec: Any) -> LockoutPolicy | None:
    if not isinstance(sec, dict) or "LockoutBadCount" not in sec:
        return None
    threshold = _int(sec.get("LockoutBadCount"))
    minutes = _int(sec.get("LockoutDuration"))
    duration = None if minutes is None else (0 if minutes < 0 else minutes * 60)
    return LockoutPolicy(threshold=threshold, duration_s=duration, source="secedit")


PROFILES = {"Domain", "Private", "Public"}


def _firewall(profiles: list[dict[str, Any]] | None) -> Firewall | None:
    if not profiles:
        return None
    states = {str(p.get("Name")): _int(p.get("Enabled")) for p in profiles}
    if any(v not in (0, 1) for v in states.values()):
        return None
    off = sorted(name for name, v in states.items() if v == 0)
    detail = ", ".join(f"{n}: {'on' if v else 'off'}" for n, v in sorted(states.items()))
    missing = sorted(PROFILES - set(states))
    if missing and not off:  # on for the profiles seen says nothing of the one not seen
        detail += f"; missing: {', '.join(missing)}"
        return Firewall(enabled=None, backend="Windows Firewall", detail=detail)
    return Firewall(enabled=not off, backend="Windows Firewall", detail=detail)


def _listeners(rows: list[dict[str, Any]] | None) -> list[Listener] | None:
    if rows is None:
        return None
    found = {(str(r.get("LocalAddress")), _int(r.get("LocalPort"))) for r in rows}
    return [
        Listener(proto="tcp", address=a, port=p) for a, p in sorted(found, key=str) if p is not None
    ]


def _accounts(users: list[dict[str, Any]] | None) -> list[Account] | None:
    if users is None:
        return None
    out = []
    for u in users:
        sid = str(u.get("SID") or "")
        builtin = (
            "administrator" if sid.endswith("-500") else "guest" if sid.endswith("-501") else None
        )
        last = when(u.get("LastLogon"))
        expires = _truthy(u.get("PasswordExpires"))
        out.append(
            Account(
                name=str(u.get("Name")),
                sid=sid or None,
                builtin=builtin,
                can_login=not _truthy(u.get("Disabled")),
                password_never_expires=None if expires is None else not expires,
                last_login=last,
                never_logged_in=last is None,
            )
        )
    return out


def _privileges(members: list[dict[str, Any]] | None, hostname: str | None) -> Privileges | None:
    if members is None:
        return None
    names = []
    for m in members:
        if str(m.get("SID") or "").endswith("-500"):
            continue  # the built-in Administrator is judged by L2-ACC-DEF-01
        domain = str(m.get("Domain") or "")
        local = hostname is not None and domain.lower() == hostname.lower()
        names.append(str(m.get("Name")) if local or not domain else f"{domain}\\{m.get('Name')}")
    return Privileges(uid0_accounts=[], sudo_users=sorted(names))


def _logging(log: Any, now: datetime) -> Logging | None:
    if not isinstance(log, dict):
        return None
    oldest = when(log.get("OldestEvent"))
    days = int((now - oldest).total_seconds() // 86400) if oldest else None
    return Logging(retention_days=days)


def _time(service: Any, registry: dict[str, Any] | None, w32tm: Any = None) -> TimeSync | None:
    if not isinstance(service, dict):
        return None
    kind = str((registry or {}).get("W32TimeType") or "")
    running = service.get("State") == "Running"
    if kind == "NoSync":
        return TimeSync(synchronized=False, service="W32Time (NoSync)")
    label = f"W32Time ({kind or '?'})" if running else None
    status = w32tm_status(w32tm) if running else None
    if status is None:
        return TimeSync(synchronized=None, service=label)
    return status.model_copy(update={"service": label})


UNSYNCED_SOURCES = ("local cmos clock", "free-running system clock")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def w32tm_status(lines: Any) -> TimeSync | None:
    """`w32tm /query /status [/verbose]`, read by position: its 9 (16 with /verbose) lines
    keep their order in every language while labels, dates and words in parentheses are
    translated. Leap indicator 3, stratum 0 or the local CMOS clock as source means not
    synchronised; the offset and the age of the last sync are only in the verbose form."""
    if not isinstance(lines, list):
        return None
    values: list[str] = []
    for raw in lines:
        line = str(raw).rstrip()
        if not line.strip():
            continue
        _label, colon, rest = line.partition(":")
        if not colon and values:  # a localised message wrapped onto a second line
            values[-1] += " " + line.strip()
        else:
            values.append(rest.strip())
    if len(values) not in (9, 16):  # without /verbose: the first nine lines only
        return None

    def number(text: str) -> float | None:
        found = _NUMBER.search(text)
        return float(found.group().replace(",", ".")) if found else None

    leap, stratum = number(values[0]), number(values[1])
    source = values[7][:200]
    verbose = len(values) == 16
    offset = number(values[9]) if verbose else None
    age = number(values[15]) if verbose else None
    synced: bool | None = not (
        leap == 3 or stratum == 0 or source.lower().startswith(UNSYNCED_SOURCES)
    )
    if synced and not verbose:
        synced = None  # a source, but not when it last answered: not provable (or a cut output)
    return TimeSync(
        synchronized=synced,
        source=source,
        offset_s=abs(offset) if offset is not None else None,
        last_sync_age_s=age if synced else None,
    )


def _wazuh(raw: Any) -> SocAgent | None:
    """The Wazuh agent's state lines and manager addresses, as the fact script read them."""
    if not isinstance(raw, dict):
        return None
    lines = [str(x) for x in raw.get("State") or [] if isinstance(x, str)][:50]
    managers = [str(x)[:253] for x in raw.get("Managers") or [] if isinstance(x, str)][:5]
    body = "\n".join(lines + [f"address={m}" for m in managers])
    return wazuh_agent(body)


def _backup(raw: Any, os_raw: dict[str, Any]) -> Backup | None:
    if not isinstance(raw, dict) or not raw.get("Path"):
        return None
    root = str(raw.get("Root") or "")
    system = str(os_raw.get("SystemDrive") or "C:")[:2].upper()
    disk, system_disk = _int(raw.get("Disk")), _int(raw.get("SystemDisk"))
    same = None
    if root.startswith("\\\\"):
        same = False  # a network share
    elif root[:2].upper() == system:
        same = True  # the system's own volume
    elif root and disk is not None and system_disk is not None:
        same = disk == system_disk  # another letter can be a partition of the same disk
    # another letter and no disk numbers: not provable either way (None)
    return Backup(
        path=str(raw["Path"]),
        exists=bool(raw.get("Exists")),
        files=_int(raw.get("Files")) or 0,
        newest_file_time=when(raw.get("Newest")),
        same_device_as_root=same,
        fstype=root or None,
    )


def _bitlocker(volumes: list[dict[str, Any]] | None, os_raw: dict[str, Any]) -> Encryption | None:
    if volumes is None:
        return None
    system = str(os_raw.get("SystemDrive") or "C:").upper()
    listed = [
        EncryptedVolume(
            name=str(v.get("DriveLetter") or "?")[:20],
            kind="os"
            if str(v.get("DriveLetter") or "").upper() == system
            else VOLUME_TYPES.get(_int(v.get("VolumeType")), "unknown"),
            encrypted=_int(v.get("ProtectionStatus")) == 1,
        )
        for v in volumes
    ]
    encrypted = sorted(v.name for v in listed if v.encrypted)
    return Encryption(
        encrypted_volumes=encrypted, root_encrypted=system in encrypted, volumes=listed
    )


# Win32_EncryptableVolume.VolumeType: 0 OS, 1 fixed data, 2 portable (removable), 3 virtual
VOLUME_TYPES: dict[int | None, Literal["os", "fixed", "removable", "unknown"]] = {
    0: "os",
    1: "fixed",
    2: "removable",
    3: "fixed",
}


def _software(rows: list[dict[str, Any]] | None) -> dict[str, str] | None:
    if rows is None:
        return None
    return {
        str(r.get("DisplayName"))[:200]: str(r.get("DisplayVersion") or "")[:100]
        for r in rows
        if r.get("DisplayName")
    }


def _screen_lock(reg: dict[str, Any] | None) -> ScreenLock | None:
    if reg is None:
        return None
    machine = _int(reg.get("InactivityTimeoutSecs"))
    if machine:
        return ScreenLock(timeout_s=machine, secure=True, source="InactivityTimeoutSecs")
    for prefix, source in (("Policy", "screen saver policy"), ("", "screen saver")):
        if _truthy(reg.get(f"{prefix}ScreenSaveActive")):
            return ScreenLock(
                timeout_s=_int(reg.get(f"{prefix}ScreenSaveTimeOut")),
                secure=_truthy(reg.get(f"{prefix}ScreenSaverIsSecure")) or False,
                source=source,
            )
    return ScreenLock(timeout_s=0, secure=False, source="none")


def _hardening(reg: dict[str, Any] | None, doc: dict[str, Any]) -> Hardening | None:
    if reg is None:
        return None
    features = _list(doc, "optional_features")
    smb = doc.get("smb") if isinstance(doc.get("smb"), dict) else {}
    smb1 = _truthy(smb.get("EnableSMB1Protocol")) if smb else None
    if features is not None:
        installed = {str(f.get("Name")) for f in features if _int(f.get("InstallState")) == 1}
        smb1 = bool(smb1) or bool(installed & {"SMB1Protocol", "SMB1Protocol-Server"})
    deny = _int(reg.get("fDenyTSConnections"))
    return Hardening(
        autorun_disabled=_int(reg.get("NoDriveTypeAutoRun")) == 0xFF
        or _int(reg.get("NoAutorun")) == 1,
        autologon=str(reg.get("AutoAdminLogon") or "0").strip() == "1",
        default_password_stored=_truthy(reg.get("DefaultPasswordPresent")),
        smb1_enabled=smb1,
        rdp_enabled=None if deny is None else deny == 0,
        rdp_nla=_int(reg.get("UserAuthentication")) == 1,
        insecure_features=None
        if features is None
        else sorted(
            str(f.get("Name"))
            for f in features
            if _int(f.get("InstallState")) == 1 and f.get("Name") in INSECURE_FEATURES
        ),
    )


def _audit_policy(rows: list[dict[str, Any]] | None) -> dict[str, int] | None:
    if rows is None:
        return None
    out = {}
    for row in rows:
        guid = str(row.get("Subcategory GUID") or "").strip("{}").upper()
        value = _int(row.get("Setting Value"))
        if guid and value is not None:
            out[guid] = value
    return out


def _browsers(rows: list[dict[str, Any]] | None) -> list[Browser] | None:
    if rows is None:
        return None
    return [
        Browser(
            name=str(r.get("Name"))[:100],
            version=str(r.get("ProductVersion") or "")[:50],
            user=str(r["User"])[:100] if r.get("User") else None,
        )
        for r in rows
        if r.get("Name")
    ]
