"""The commune's description of itself: organisation, assets, and how to reach them.

Secrets are never written here. A credential is a *reference*: an environment variable,
a key file, or the ssh-agent. Loading gives every problem at once, with file and line.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from datetime import date
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from auditor.attest import MAX_EVIDENCE
from auditor.errors import InputError, Problem
from auditor.fileio import inside
from auditor.textsafe import has_control
from auditor.yamlfile import CodedValueError, LoadedYaml, load_yaml, validate

PLACE_PREFIXES = ("xã ", "phường ", "thị trấn ", "đặc khu ")  # unit words before the name
SECRET_KEYS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "token", "passphrase", "private_key", "pin"}
)
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_ASSET_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class Model(BaseModel):
    """Strict, immutable base for everything read from a file."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AssetKind(StrEnum):
    linux = "linux"
    windows = "windows"
    netdevice = "netdevice"
    website = "website"
    segment = "segment"


class Connection(StrEnum):
    local = "local"
    ssh = "ssh"
    winrm = "winrm"
    import_ = "import"
    http = "http"  # websites: probed over HTTPS like a visitor


class Criticality(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Person(Model):
    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)


class Classification(Model):
    """Under which regime the system's level was approved, and when (the transition)."""

    regime: Literal["nd85", "nd331"]
    level: int = Field(default=2, ge=1, le=5)
    decision_no: str | None = Field(default=None, max_length=200)
    approved_on: date | None = None


class Reporting(Model):
    """The organisation's reporting calendar (data, as the province sets it)."""

    quarterly_due_day: int = Field(default=15, ge=1, le=28)  # day of the month after a quarter
    annual_due: str = Field(default="12-20", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class Signatory(Model):
    """Who signs official documents for the People's Committee (NĐ 30/2020, ô 7): the
    chairman (TM. … / CHỦ TỊCH) or a vice-chairman signing for him (KT. CHỦ TỊCH)."""

    name: str = Field(min_length=1, max_length=200)
    position: Literal["chairman", "vice_chairman"] = "chairman"


class Documents(Model):
    """How the commune's official documents are headed, signed and sent (NĐ 30/2020,
    Phụ lục I). Every field has a default a commune can keep; `inventory validate` says
    which ones are still missing."""

    parent_body: str | None = Field(default=None, max_length=200)  # ô 2, only where it applies
    issuer: str | None = Field(default=None, max_length=200)  # default "XÃ <COMMUNE>"
    place: str | None = Field(default=None, max_length=100)  # địa danh; default from commune
    symbol: str = Field(default="BC-UBND", pattern=r"^[A-ZĐ0-9]{1,10}(-[A-ZĐ0-9]{1,10}){0,3}$")
    signatory: Signatory | None = None
    recipients: list[str] = Field(default_factory=list, max_length=30)
    archive: str = Field(default="VT", min_length=1, max_length=100)  # "Lưu: VT, …"
    # ô 12: the drafting unit, the drafter's short name and the copies, e.g. "VHXH.An(02)"
    drafter: str | None = Field(default=None, pattern=r"^[\w.()\-]{1,40}$")
    # ô 8: the seal's diameter, so the agency's signature field holds it at real size
    seal_mm: float = Field(default=35.0, ge=20, le=60)
    proposals: list[str] = Field(default_factory=list, max_length=30)
    # a công văn (the annual report under NĐ 331, Mẫu 08): its symbol, whom it is addressed
    # to (the chuyên trách unit), and the organisation's contacts it gives
    # what the document answers ("Kế hoạch số 12/KH-UBND ngày 15/01/2026 của UBND tỉnh …"):
    # a báo cáo then opens with "Thực hiện …" instead of "Căn cứ …"; the local plan also
    # names the "Kế hoạch địa phương" a requirement's reference points to
    answers: list[str] = Field(default_factory=list, max_length=5)
    local_plan: str | None = Field(default=None, max_length=300)
    letter_symbol: str = Field(default="UBND", pattern=r"^[A-ZĐ0-9]{1,10}(-[A-ZĐ0-9]{1,10}){0,3}$")
    addressee: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)

    @field_validator("recipients", "proposals")
    @classmethod
    def _lines(cls, value: list[str]) -> list[str]:
        if any(not item.strip() or len(item) > 500 for item in value):
            raise CodedValueError("inventory.bad_document_line")
        return value


class Organisation(Model):
    name: str = Field(min_length=1, max_length=300)
    commune: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=200)
    security_officer: Person
    incident_contact: Person
    incident_deputy: Person | None = None
    classification: Classification | None = None
    reporting: Reporting = Field(default_factory=Reporting)
    documents: Documents = Field(default_factory=Documents)
    # the provincial SOC manager's host names or addresses, as the province gave them: an
    # agent connected to another manager does not connect the commune to its SOC
    soc_managers: list[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$")]
    ] = Field(default_factory=list, max_length=10)

    @property
    def history_key(self) -> str:
        """Whose history a store row is: the name and the province (two provinces may each
        have an "UBND xã Tân Lập"), Unicode- and whitespace-normalised so that retyping the
        name in another editor does not start a new history."""
        parts = (unicodedata.normalize("NFC", p) for p in (self.name, self.province))
        return " — ".join(" ".join(p.split()) for p in parts)

    @property
    def place(self) -> str:
        """The place name of the date line: the commune without its "xã"/"phường" prefix."""
        if self.documents.place:
            return self.documents.place
        name = " ".join(self.commune.split())
        for prefix in PLACE_PREFIXES:
            if name.lower().startswith(prefix) and len(name) > len(prefix):
                return name[len(prefix) :]
        return name

    @property
    def issuer_lines(self) -> list[str]:
        """The issuing body as printed (ô 2), upper case, without the governing body."""
        return [(self.documents.issuer or self.commune).upper()]


class InfoSystem(Model):
    """An information system as the regulation classifies it (hệ thống thông tin): the
    level is approved by a decision, and the system has an owner and an operator."""

    id: str = Field(pattern=_ASSET_ID)
    name: str = Field(min_length=1, max_length=300)
    level: int = Field(ge=1, le=5)
    decision_no: str | None = Field(default=None, max_length=200)
    decision_date: date | None = None
    decision_file: Path | None = None  # the scanned approval decision, hashed as evidence
    approved_by: str | None = Field(default=None, max_length=300)
    scope: str | None = Field(default=None, max_length=2000)
    owner: str | None = Field(default=None, max_length=300)  # chủ quản
    operator: str | None = Field(default=None, max_length=300)  # đơn vị vận hành
    # what the annual report (NĐ 331, Mẫu 08) says of it beyond the decision: how far its
    # level dossier (HSĐXCĐ) has gone, its cyber-security rules, the dates it expects
    approval_status: Literal["drafting", "submitted", "appraised", "approved"] | None = None
    expected_approval: date | None = None
    security_rules: str | None = Field(default=None, max_length=300)  # "Quyết định số …"
    expected_full_implementation: date | None = None
    check_kind: Literal["before_use", "periodic"] = "periodic"
    # what the system is made of (e.g. a web portal: website, linux): a declared kind with
    # no asset of it leaves that kind's requirements "chưa đánh giá: chưa khai báo" for
    # the system, never silently out of its verdict
    asset_kinds: list[AssetKind] = Field(default_factory=list, max_length=10)


class Credential(Model):
    """How to authenticate: by reference only (env var, key file or ssh-agent)."""

    user: str = Field(min_length=1, max_length=64)
    key_file: Path | None = None
    key_passphrase_env: str | None = None
    password_env: str | None = None
    enable_password_env: str | None = None  # Cisco `enable` secret, for a network device
    agent: bool = False

    @model_validator(mode="after")
    def _one_method(self) -> Credential:
        if not (self.key_file or self.password_env or self.agent):
            raise CodedValueError("inventory.credential_method")
        return self


class BackupSpec(Model):
    """Where this asset's backups land, so the collector can read the newest file time."""

    path: str = Field(min_length=1, max_length=4096)
    pattern: str = Field(default="*", max_length=200)


class WinRMSettings(Model):
    """How to reach a Windows host over WinRM. HTTPS with certificate checks by default;
    turning either off is allowed for a lab but the report then carries a warning."""

    transport: Literal["ntlm", "kerberos", "basic", "certificate"] = "ntlm"
    https: bool = True
    verify_tls: bool = True
    ca_bundle: Path | None = None


class WebSettings(Model):
    """How to reach a website asset; the certificate is judged against `ca_bundle` if given,
    else the system trust store."""

    url: str = Field(pattern=r"^https?://[^\s]{1,2000}$")
    ca_bundle: Path | None = None


class Asset(Model):
    id: str = Field(pattern=_ASSET_ID)
    name: str = Field(min_length=1, max_length=300)
    kind: AssetKind
    connection: Connection
    address: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    credential: Credential | None = None
    owner: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    criticality: Criticality = Criticality.medium
    tags: list[str] = Field(default_factory=list, max_length=50)
    backup: BackupSpec | None = None
    winrm: WinRMSettings | None = None
    web: WebSettings | None = None
    config_file: Path | None = None  # a network device's exported configuration
    platform: Literal["cisco-ios", "fortios", "mikrotik", "pfsense"] | None = (
        None  # network devices
    )
    # Opt-in: try the vendor's documented default login once (never a list, never twice).
    probe_default_login: bool = False
    scan: bool = True
    admins: list[str] = Field(default_factory=list, max_length=100)
    users: list[str] | None = Field(default=None, max_length=1000)
    systems: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ipaddress.ip_address(value)
            return value
        except ValueError:
            pass
        if _HOSTNAME.match(value) and not value.replace(".", "").isdigit():
            return value
        raise CodedValueError("inventory.bad_address")

    @model_validator(mode="after")
    def _consistent(self) -> Asset:
        if self.connection in (Connection.ssh, Connection.winrm):
            if not self.address:
                raise CodedValueError("inventory.ssh_needs_address")
            if self.credential is None:
                raise CodedValueError("inventory.ssh_needs_credential")
        if self.connection is Connection.local and self.kind is not AssetKind.linux:
            raise CodedValueError("inventory.local_linux_only")
        if self.kind is AssetKind.website and self.web is None and not self.address:
            raise CodedValueError("inventory.website_needs_url")
        if (
            self.kind is AssetKind.netdevice
            and self.connection is Connection.ssh
            and self.platform is None
        ):
            raise CodedValueError("inventory.netdevice_needs_platform")
        return self

    @property
    def warnings(self) -> list[str]:
        """Catalogue codes of weakened settings the report must show next to the asset."""
        if self.connection is not Connection.winrm:
            return []
        settings = self.winrm or WinRMSettings()
        found = []
        if not settings.https:
            found.append("winrm.http_plaintext")
        if not settings.verify_tls:
            found.append("winrm.tls_unverified")
        return found

    @property
    def scan_address(self) -> str | None:
        """The address nmap should probe for this asset (local means loopback)."""
        if not self.scan:
            return None
        if self.connection is Connection.local:
            return self.address or "127.0.0.1"
        return self.address


class ScanSettings(Model):
    ports: str = Field(
        default="21-23,25,53,69,80,110,135,139,143,161,443,445,3389,5900,8080",
        pattern=r"^[0-9,\-]{1,500}$",
    )
    timeout_s: int = Field(default=300, ge=5, le=3600)
    service_detection: bool = False
    # A commune LAN answers in milliseconds: one retry and a floor of 1,000 probes/s keep a
    # firewalled PC (every port filtered) from holding the scan for seconds.
    max_retries: int = Field(default=1, ge=0, le=10)
    min_rate: int | None = Field(default=1000, ge=1, le=100_000)
    nmap_binary: str | None = Field(default=None, max_length=4096)
    # When set, nmap probes only addresses inside these networks (the commune's own LAN, a lab).
    allowed_networks: list[IPv4Network | IPv6Network] | None = Field(default=None, max_length=100)

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        try:
            return [ipaddress.ip_network(str(item), strict=False) for item in value]
        except ValueError:
            raise CodedValueError("inventory.bad_network") from None


class Settings(Model):
    ssh_timeout_s: int = Field(default=60, ge=1, le=3600)
    concurrency: int = Field(default=8, ge=1, le=128)
    known_hosts: Path | None = None
    imports_dir: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        """The age limit of facts is the pack's now (tailored with a reason, not set here)."""
        if isinstance(data, dict) and "import_max_age_days" in data:
            raise CodedValueError("inventory.max_age_moved")
        return data


class Inventory(Model):
    organisation: Organisation
    policy: str = Field(default="nd85-level2", pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    overrides: Path | None = None
    attestations: Path | None = None
    systems: list[InfoSystem] = Field(default_factory=list, max_length=50)
    assets: list[Asset] = Field(min_length=1, max_length=5000)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    settings: Settings = Field(default_factory=Settings)

    def asset(self, asset_id: str) -> Asset:
        return next(a for a in self.assets if a.id == asset_id)


def load_inventory(path: Path) -> Inventory:
    """Load and validate an inventory file; raise InputError listing every problem."""
    loaded = load_yaml(path)
    problems = _secret_problems(loaded) + _duplicate_ids(loaded)
    try:
        inventory = validate(Inventory, loaded)
    except InputError as exc:
        flagged = {p.field for p in problems}
        problems += [p for p in exc.problems if p.field not in flagged]
        raise InputError(problems) from None
    problems += _unsafe_config_files(inventory, loaded, path.parent)
    problems += _system_problems(inventory, loaded, path.parent)
    inventory = _resolve_paths(inventory, path.parent)
    flagged = {p.field for p in problems}  # a file already refused is not also "missing"
    problems += [p for p in _missing_files(inventory, loaded) if p.field not in flagged]
    if problems:
        raise InputError(problems)
    return inventory


def _secret_problems(loaded: LoadedYaml) -> list[Problem]:
    """Refuse anything that looks like an inline secret, without echoing its value, and any
    text holding NUL, terminal escapes or bidi overrides (they would travel into reports)."""
    found: list[Problem] = []

    def walk(node: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                child = (*loc, str(key))
                if str(key).lower() in SECRET_KEYS and not isinstance(value, dict | list):
                    found.append(
                        loaded.problem(child, "inventory.inline_secret", {"key": str(key)})
                    )
                else:
                    walk(value, child)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, (*loc, index))
        elif isinstance(node, str) and has_control(node.replace("\n", "").replace("\t", "")):
            found.append(loaded.problem(loc, "inventory.control_character"))

    walk(loaded.data, ())
    return found


def _duplicate_ids(loaded: LoadedYaml) -> list[Problem]:
    assets = loaded.data.get("assets") if isinstance(loaded.data, dict) else None
    if not isinstance(assets, list):
        return []
    first_line: dict[str, int | None] = {}
    found: list[Problem] = []
    for index, asset in enumerate(assets):
        if not isinstance(asset, dict) or not isinstance(asset.get("id"), str):
            continue
        loc = ("assets", index, "id")
        if asset["id"] in first_line:
            found.append(
                loaded.problem(
                    loc,
                    "inventory.duplicate_id",
                    {"id": asset["id"], "first_line": first_line[asset["id"]]},
                )
            )
        else:
            first_line[asset["id"]] = loaded.line_of(loc)
    return found


def _unsafe_config_files(inventory: Inventory, loaded: LoadedYaml, base: Path) -> list[Problem]:
    """A device's saved configuration lies in the inventory's folder (no '..', no link on
    the way); a file elsewhere must be named by an absolute path, on purpose, and not be a
    link — so that /etc/shadow is never read as a "router config" and kept as evidence."""
    found: list[Problem] = []
    for index, asset in enumerate(inventory.assets):
        raw = asset.config_file.expanduser() if asset.config_file else None
        if raw is None:
            continue
        unsafe = raw.is_symlink() if raw.is_absolute() else inside(base, raw) is None
        if unsafe:
            loc = ("assets", index, "config_file")
            found.append(loaded.problem(loc, "inventory.config_outside", {"path": str(raw)}))
    return found


def _system_problems(inventory: Inventory, loaded: LoadedYaml, base: Path) -> list[Problem]:
    """Systems have unique ids, every asset names declared systems (and at least one once
    systems are declared), and a scanned decision lies in the inventory's folder."""
    found: list[Problem] = []
    seen: set[str] = set()
    for index, system in enumerate(inventory.systems):
        if system.id in seen:
            loc: tuple[str | int, ...] = ("systems", index, "id")
            found.append(loaded.problem(loc, "inventory.duplicate_system", {"id": system.id}))
        seen.add(system.id)
        raw = system.decision_file.expanduser() if system.decision_file else None
        if raw is not None and (raw.is_absolute() or inside(base, raw) is None):
            loc = ("systems", index, "decision_file")
            found.append(loaded.problem(loc, "inventory.evidence_outside", {"path": str(raw)}))
    for index, asset in enumerate(inventory.assets):
        for position, name in enumerate(asset.systems):
            if name not in seen:
                loc = ("assets", index, "systems", position)
                known = ", ".join(sorted(seen)) or "—"
                found.append(
                    loaded.problem(loc, "inventory.unknown_system", {"id": name, "known": known})
                )
        if seen and not asset.systems:
            loc = ("assets", index, "id")
            found.append(loaded.problem(loc, "inventory.asset_without_system", {"id": asset.id}))
    return found


def _resolve_paths(inventory: Inventory, base: Path) -> Inventory:
    """Make relative paths relative to the inventory file, not the working directory."""

    def fix(p: Path | None) -> Path | None:
        if p is None:
            return None
        p = p.expanduser()
        return p if p.is_absolute() else (base / p)

    assets = [
        a.model_copy(
            update={
                "credential": a.credential.model_copy(
                    update={"key_file": fix(a.credential.key_file)}
                )
                if a.credential
                else None,
                "config_file": fix(a.config_file),
            }
        )
        for a in inventory.assets
    ]
    systems = [
        s.model_copy(update={"decision_file": fix(s.decision_file)}) for s in inventory.systems
    ]
    settings = inventory.settings.model_copy(
        update={
            "known_hosts": fix(inventory.settings.known_hosts),
            "imports_dir": fix(inventory.settings.imports_dir),
        }
    )
    return inventory.model_copy(
        update={
            "assets": assets,
            "systems": systems,
            "settings": settings,
            "overrides": fix(inventory.overrides),
            "attestations": fix(inventory.attestations),
        }
    )


def _missing_files(inventory: Inventory, loaded: LoadedYaml) -> list[Problem]:
    found: list[Problem] = []
    for loc, target in (
        (("overrides",), inventory.overrides),
        (("attestations",), inventory.attestations),
    ):
        if target is not None and not target.is_file():
            found.append(loaded.problem(loc, "inventory.file_not_found", {"path": str(target)}))
    for index, asset in enumerate(inventory.assets):
        if asset.config_file is not None and not asset.config_file.is_file():
            cfg_loc = ("assets", index, "config_file")
            found.append(
                loaded.problem(
                    cfg_loc, "inventory.file_not_found", {"path": str(asset.config_file)}
                )
            )
        key = asset.credential.key_file if asset.credential else None
        if key is not None and not key.is_file():
            key_loc = ("assets", index, "credential", "key_file")
            found.append(loaded.problem(key_loc, "inventory.file_not_found", {"path": str(key)}))
    for index, system in enumerate(inventory.systems):
        decision = system.decision_file
        if decision is None:
            continue
        at = ("systems", index, "decision_file")
        if not decision.is_file():
            found.append(loaded.problem(at, "inventory.file_not_found", {"path": str(decision)}))
        elif decision.stat().st_size > MAX_EVIDENCE:  # refused now, not while writing the report
            found.append(
                loaded.problem(at, "inventory.evidence_too_large", {"path": str(decision)})
            )
    return found
