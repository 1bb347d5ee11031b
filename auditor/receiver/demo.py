"""A throwaway province for a first look at the dashboard: generated communes, each with its
own signing key, registered certificate and a few quarterly reports signed with it, a
province account, and a TLS certificate for 127.0.0.1. Nothing here is real data: the
verdicts are drawn at random (seeded), the reports are real signed reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import random
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from auditor import __version__
from auditor.checking import discover
from auditor.fileio import atomic_write, safe_dir
from auditor.inventory import Organisation, Person
from auditor.policy import load_policy
from auditor.receiver.accounts import add_account
from auditor.receiver.digest import digest_of
from auditor.receiver.store import Received, ReportDigest, add_commune, open_store
from auditor.report.model import (
    SCHEMA_VERSION,
    Changes,
    History,
    PlanItem,
    PolicyInfo,
    Report,
    RequirementInfo,
    ToolInfo,
    canonical_bytes,
)
from auditor.report.signing import fingerprint, init_keys, sign_detached
from auditor.results import Evaluation, ReqStatus, RequirementResult, Summary
from auditor.systems import SystemInfo

_FIRST = ["Mường", "Chiềng", "Tà", "Nậm", "Long", "Bình", "Tân", "Phú", "Hòa", "Yên", "Sơn", "Mai"]
_SECOND = ["La", "Bú", "Hùng", "Sại", "Khoa", "Xuân", "Lập", "An", "Thịnh", "Phong", "Lương"]
# a demo province's areas: its former districts, as a province might name them
_AREAS = [
    "Mai Sơn (huyện cũ)",
    "Mường La (huyện cũ)",
    "Thuận Châu (huyện cũ)",
    "Yên Châu (huyện cũ)",
]
_WEIGHTS = {
    ReqStatus.met: 6,
    ReqStatus.partly_met: 1,
    ReqStatus.not_met: 2,
    ReqStatus.not_assessed: 2,
    ReqStatus.not_applicable: 1,
}


@dataclass(frozen=True)
class Demo:
    db_url: str
    trust: Path
    tls_cert: Path
    tls_key: Path
    username: str
    password_file: Path  # 0600: the generated password is never printed
    communes: int
    reports: int


def _names(count: int) -> list[str]:
    names = [f"UBND xã {a} {b}" for a in _FIRST for b in _SECOND]
    if count > len(names):
        names += [f"UBND xã Thử {n}" for n in range(count - len(names))]
    return names[:count]


def _tls(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for 127.0.0.1 (a demo only)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls-cert.pem", directory / "tls-key.pem"
    atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    atomic_write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        0o600,
    )
    return cert_path, key_path


def demo_report(
    rng: random.Random, name: str, when: dt.datetime, infos: list[RequirementInfo], base: PolicyInfo
) -> Report:
    statuses = list(_WEIGHTS)
    weights = list(_WEIGHTS.values())
    results = [
        RequirementResult(requirement=info.id, status=rng.choices(statuses, weights)[0], assets={})
        for info in infos
    ]
    counts = {s.value: sum(1 for r in results if r.status is s) for s in ReqStatus}
    applicable = len(results) - counts["not_applicable"]
    assessed = applicable - counts["not_assessed"]
    plan = [
        PlanItem(
            id=n,
            asset_id="*",
            requirement=r.requirement,
            severity=next(i.severity.value for i in infos if i.id == r.requirement),
            status="open",
            due=(when + dt.timedelta(days=rng.choice([7, 30, 90]) - 45)).date(),
            overdue=False,
        )
        for n, r in enumerate(results, 1)
        if r.status is ReqStatus.not_met
    ]
    commune = name.removeprefix("UBND ")
    officer = Person(name="Cán bộ phụ trách " + commune.removeprefix("xã "))
    return Report(
        schema_version=SCHEMA_VERSION,
        report_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        generated_at=when,
        tool=ToolInfo(name="commune-auditor", version=__version__),
        auditor_host="demo",
        organisation=Organisation(
            name=name,
            commune=commune,
            province="Tỉnh Mẫu",
            security_officer=officer,
            incident_contact=officer,
        ),
        systems=[
            SystemInfo(
                id="lan", name="Mạng nội bộ " + name, level=rng.choice([2, 2, 2, 3]), assets=[]
            )
        ],
        policy=base,
        requirements=infos,
        tailoring=[],
        inventory_sha256="0" * 64,
        previous_report_sha256=None,
        assets=[],
        evaluation=Evaluation(
            requirements=results,
            asset_results=[],
            summary=Summary(
                counts=counts,
                applicable=applicable,
                assessed=assessed,
                coverage=round(assessed / applicable, 4) if applicable else 0.0,
                checks_total=0,
                checks_assessed=0,
                collection_failures=0,
            ),
        ),
        evidence=[],
        history=History(
            plan=plan,
            changes=Changes(previous_report_id=None, new=[], fixed=[], regressed=[], unchanged=0),
            trend=[],
        ),
    )


def make_demo(
    directory: Path,
    communes: int = 120,
    reports: int = 4,
    seed: int = 2026,
    db_url: str | None = None,
) -> Demo:
    """Fill `directory` with a demo province: store (SQLite in it, or `db_url`), trust
    file, TLS pair, one account."""
    safe_dir(directory, 0o700)
    rng = random.Random(seed)
    pack = load_policy("nd85-level2", discover())
    infos = [RequirementInfo.of(r) for r in pack.requirements]
    db_url = db_url or f"sqlite:///{directory / 'received.db'}"
    engine = open_store(db_url)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    base = PolicyInfo.of(pack, now.date())
    trust: list[bytes] = []
    tokens: dict[str, dict[str, str]] = {}  # commune → upload token and key folder
    for index, name in enumerate(_names(communes)):
        signer = init_keys(
            directory / "keys" / f"{index:04d}",
            name,
            commune=name[5:],
            valid_from=now - dt.timedelta(days=reports * 91 + 200),
        )
        trust.append(signer.cert.public_bytes(serialization.Encoding.PEM))
        tokens[name] = {
            "token": add_commune(
                engine, name, fingerprint(signer.cert), _AREAS[index % len(_AREAS)]
            ),
            "keys": str(directory / "keys" / f"{index:04d}"),
        }
        late = rng.random() < 0.15  # some communes have stopped reporting
        rows, digests = [], []
        for k in range(reports):
            age = (reports - 1 - k) * 91 + rng.randint(1, 20) + (200 if late else 0)
            when = now - dt.timedelta(days=age)
            report = demo_report(rng, name, when, infos, base)
            content = canonical_bytes(report)
            rows.append(
                Received(
                    report_id=report.report_id,
                    sha256=hashlib.sha256(content).hexdigest(),
                    organisation=name,
                    generated_at=when,
                    received_at=when + dt.timedelta(hours=1),
                    signer=signer.cert.subject.rfc4514_string()[:500],
                    signer_sha256=fingerprint(signer.cert),
                    content=content,
                    signature=sign_detached(content, signer),
                )
            )
            digests.append(  # as the receiver keeps it at receipt
                ReportDigest(report_id=report.report_id, digest=digest_of(report).model_dump_json())
            )
        with Session(engine) as session:
            session.add_all(rows)
            session.add_all(digests)
            session.commit()
    # the communes' upload tokens, to try `auditor upload` against the demo (0600)
    atomic_write(directory / "tokens.json", json.dumps(tokens, ensure_ascii=False).encode(), 0o600)
    trust_path = directory / "trust.pem"
    atomic_write(trust_path, b"".join(trust))
    cert, key = _tls(directory)
    password = secrets.token_urlsafe(12)
    add_account(engine, "demo", password, "admin")
    password_file = directory / "demo-password.txt"
    atomic_write(password_file, password.encode(), 0o600)
    return Demo(db_url, trust_path, cert, key, "demo", password_file, communes, reports)
