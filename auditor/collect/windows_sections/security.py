"""Protection on a Windows PC: anti-malware (Security Center and Defender), the firewall's
profiles, BitLocker, the screen lock, hardening settings and the audit policy."""

from __future__ import annotations

from typing import Any, Literal

from auditor.collect.windows_sections.document import integer, listed, truthy, when
from auditor.facts import (
    AntiMalware,
    AvProduct,
    EncryptedVolume,
    Encryption,
    Firewall,
    Hardening,
    ScreenLock,
)

INSECURE_FEATURES = ("TelnetServer", "TelnetClient", "TFTP", "IIS-FTPServer", "IIS-FTPSvc")
PROFILES = {"Domain", "Private", "Public"}


def decode_product_state(state: int) -> tuple[bool, bool]:
    """(enabled, up to date) from SecurityCenter2's productState bytes."""
    scanner = (state >> 8) & 0xFF
    definitions = state & 0xFF
    return bool(scanner & 0x10), definitions == 0x00


def antimalware(doc: dict[str, Any]) -> AntiMalware | None:
    center = listed(doc, "antivirus")
    defender = doc.get("defender") if isinstance(doc.get("defender"), dict) else None
    if center is None and defender is None:
        return None
    products: list[AvProduct] = []
    defender_uptodate: bool | None = None
    for item in center or []:
        state = integer(item.get("productState"))
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
        service = truthy(defender.get("AMServiceEnabled"))
        av_on = truthy(defender.get("AntivirusEnabled"))
        products.append(
            AvProduct(
                name="Microsoft Defender Antivirus",
                running=bool(service and av_on and not passive and mode in ("Normal", "")),
                realtime=truthy(defender.get("RealTimeProtectionEnabled")) and not passive,
                signature_time=when(defender.get("AntivirusSignatureLastUpdated")),
                up_to_date=defender_uptodate,
                passive=passive,
            )
        )
    return AntiMalware(products=products)


def firewall(profiles: list[dict[str, Any]] | None) -> Firewall | None:
    if not profiles:
        return None
    states = {str(p.get("Name")): integer(p.get("Enabled")) for p in profiles}
    if any(v not in (0, 1) for v in states.values()):
        return None
    off = sorted(name for name, v in states.items() if v == 0)
    detail = ", ".join(f"{n}: {'on' if v else 'off'}" for n, v in sorted(states.items()))
    missing = sorted(PROFILES - set(states))
    if missing and not off:  # on for the profiles seen says nothing of the one not seen
        detail += f"; missing: {', '.join(missing)}"
        return Firewall(enabled=None, backend="Windows Firewall", detail=detail)
    return Firewall(enabled=not off, backend="Windows Firewall", detail=detail)


def bitlocker(volumes: list[dict[str, Any]] | None, os_raw: dict[str, Any]) -> Encryption | None:
    if volumes is None:
        return None
    system = str(os_raw.get("SystemDrive") or "C:").upper()
    listed = [
        EncryptedVolume(
            name=str(v.get("DriveLetter") or "?")[:20],
            kind="os"
            if str(v.get("DriveLetter") or "").upper() == system
            else VOLUME_TYPES.get(integer(v.get("VolumeType")), "unknown"),
            encrypted=integer(v.get("ProtectionStatus")) == 1,
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


def screen_lock(reg: dict[str, Any] | None) -> ScreenLock | None:
    if reg is None:
        return None
    machine = integer(reg.get("InactivityTimeoutSecs"))
    if machine:
        return ScreenLock(timeout_s=machine, secure=True, source="InactivityTimeoutSecs")
    for prefix, source in (("Policy", "screen saver policy"), ("", "screen saver")):
        if truthy(reg.get(f"{prefix}ScreenSaveActive")):
            return ScreenLock(
                timeout_s=integer(reg.get(f"{prefix}ScreenSaveTimeOut")),
                secure=truthy(reg.get(f"{prefix}ScreenSaverIsSecure")) or False,
                source=source,
            )
    return ScreenLock(timeout_s=0, secure=False, source="none")


def hardening(reg: dict[str, Any] | None, doc: dict[str, Any]) -> Hardening | None:
    if reg is None:
        return None
    features = listed(doc, "optional_features")
    smb = doc.get("smb") if isinstance(doc.get("smb"), dict) else {}
    smb1 = truthy(smb.get("EnableSMB1Protocol")) if smb else None
    if features is not None:
        installed = {str(f.get("Name")) for f in features if integer(f.get("InstallState")) == 1}
        smb1 = bool(smb1) or bool(installed & {"SMB1Protocol", "SMB1Protocol-Server"})
    deny = integer(reg.get("fDenyTSConnections"))
    return Hardening(
        autorun_disabled=integer(reg.get("NoDriveTypeAutoRun")) == 0xFF
        or integer(reg.get("NoAutorun")) == 1,
        autologon=str(reg.get("AutoAdminLogon") or "0").strip() == "1",
        default_password_stored=truthy(reg.get("DefaultPasswordPresent")),
        smb1_enabled=smb1,
        rdp_enabled=None if deny is None else deny == 0,
        rdp_nla=integer(reg.get("UserAuthentication")) == 1,
        insecure_features=None
        if features is None
        else sorted(
            str(f.get("Name"))
            for f in features
            if integer(f.get("InstallState")) == 1 and f.get("Name") in INSECURE_FEATURES
        ),
    )


def audit_policy(rows: list[dict[str, Any]] | None) -> dict[str, int] | None:
    if rows is None:
        return None
    out = {}
    for row in rows:
        guid = str(row.get("Subcategory GUID") or "").strip("{}").upper()
        value = integer(row.get("Setting Value"))
        if guid and value is not None:
            out[guid] = value
    return out
