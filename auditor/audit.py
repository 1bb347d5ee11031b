"""One audit from inventory to signed report — the library call behind `auditor audit`."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.checking import Registry
from auditor.collect.local import Started
from auditor.collect.run import Context, collect_all
from auditor.engine import evaluate
from auditor.errors import InputError
from auditor.inputs import Inputs, load_inputs
from auditor.paths import default_imports_dir, default_outbox
from auditor.policy import Pack, load_policy
from auditor.progress import Phase, Progress, Silent
from auditor.readiness import readiness
from auditor.report.model import Report
from auditor.report.signing import KEY_FILE, Signer, init_keys, load_signer
from auditor.results import Evaluation, Exemption, ReqStatus
from auditor.runtime import EXIT_COLLECTION, EXIT_FINDINGS, EXIT_MET, default_actor
from auditor.systems import systems_of

if TYPE_CHECKING:
    from auditor.incidents import Incident
    from auditor.inventory import Organisation
    from auditor.store.history import Store


@dataclass(frozen=True)
class AuditResult:
    report: Report
    exit_code: int
    key_created: bool


def signer_for(
    key_dir: Path, passphrase: bytes | None, organisation: str, commune: str, province: str
) -> tuple[Signer, bool]:
    """Load the signing key, creating one on first use so a first audit runs unattended."""
    if not (key_dir / KEY_FILE).exists():
        return init_keys(
            key_dir, organisation, commune=commune, province=province, passphrase=passphrase
        ), True
    return load_signer(key_dir, passphrase), False


def exit_code_for(report: Report) -> int:
    """0 only when every applicable requirement is met: an accepted risk (waived) is not."""
    if any(a.failures for a in report.assets):
        return EXIT_COLLECTION
    statuses = {r.status for r in report.evaluation.requirements}
    done = {ReqStatus.met, ReqStatus.not_applicable}
    return EXIT_MET if statuses <= done else EXIT_FINDINGS


def _successor(pack_id: str, registry: Registry, overrides: Path | None) -> tuple[Pack, bool]:
    """The successor pack with the commune's tailoring applied, as the commune will run it;
    without it (and said so) when the tailoring names something the successor lacks."""
    if overrides is None:
        return load_policy(pack_id, registry), False
    try:
        return load_policy(pack_id, registry, overrides), True
    except InputError:
        return load_policy(pack_id, registry), False


def _check_import(directory: Path, signer: Signer) -> str | None:
    from auditor.importing import check_import

    return check_import(directory, [signer.cert])


def _prepare_writing(lang: str, *, recorded: bool) -> None:
    """What writing the report needs and can have ready before the facts arrive: the
    checks' words from their cards, the compiled HTML template and, for an audit that is
    recorded, the history's and the outbox's libraries (an experiment loads neither)."""
    from auditor.messages.catalogue import card_strings
    from auditor.report.html import environment

    card_strings(lang)
    environment().get_template("report.html.j2")
    if recorded:
        import auditor.store.history
        import auditor.upload.outbox  # noqa: F401


def _open_history(
    db_url: str | None, organisation: Organisation, now: datetime
) -> tuple[Store, dict[tuple[str, str], Exemption], list[Incident]]:
    """The organisation's history with what evaluation needs from it: running waivers and
    not-applicable marks, and the incidents of the last 13 months."""
    from auditor.store.history import Store
    from auditor.store.incidents import incidents_between

    store = Store.for_organisation(organisation, db_url)
    exemptions = store.exemptions(now.date())
    with store.transaction() as session:
        incidents = incidents_between(session, store.org, now - timedelta(days=400))
    return store, exemptions, incidents


def run_audit(
    inventory_path: Path,
    out_dir: Path,
    *,
    lang: str,
    key_dir: Path,
    passphrase: bytes | None,
    known_hosts: Path,
    imports_dir: Path | None = None,
    progress: Progress | None = None,
    db_url: str | None = None,
    record: bool = True,
    actor: str | None = None,
    fixes: bool = False,
    inputs: Inputs | None = None,
    early: Mapping[str, Started] | None = None,
) -> AuditResult:
    """Load and check every input first (or take them loaded), then collect, judge, write
    and sign."""
    progress = progress or Silent()
    inventory_bytes = inventory_path.read_bytes() if inventory_path.is_file() else b""
    inputs = inputs or load_inputs(inventory_path)
    inventory, registry, pack = inputs.inventory, inputs.registry, inputs.pack
    attestations = inputs.attestations
    org = inventory.organisation
    signer, created = signer_for(key_dir, passphrase, org.name, org.commune, org.province)
    now = datetime.now(UTC).replace(microsecond=0)
    ctx = Context(
        known_hosts=inventory.settings.known_hosts or known_hosts,
        imports_dir=inventory.settings.imports_dir or imports_dir or default_imports_dir(),
        check_import=lambda directory: _check_import(directory, signer),
        now=now,
        max_fact_age_days=pack.max_fact_age_days,
        early=early or {},
    )
    # Collection waits on hosts; the history store and the report libraries load meanwhile
    # (a database that cannot be opened still stops the audit, before anything is written).
    with ThreadPoolExecutor(1, thread_name_prefix="collect") as pool:
        collecting = pool.submit(collect_all, inventory, ctx, progress)
        store, exemptions, incidents = _open_history(db_url, org, now) if record else (None, {}, [])
        from auditor.report.writer import AuditInput, write_audit

        _prepare_writing(lang, recorded=store is not None)

        collected = collecting.result()
    progress.phase(Phase.evaluate)
    systems = systems_of(inventory)

    def judged(under: Pack) -> Evaluation:
        return evaluate(
            under,
            inventory.assets,
            collected.facts,
            attestations,
            registry,
            now.date(),
            exemptions,
            systems,
            incidents,
        )

    evaluation = judged(pack)
    data = AuditInput(
        inventory=inventory,
        inventory_bytes=inventory_bytes,
        pack=pack,
        evaluation=evaluation,
        facts=collected.facts,
        evidence=collected.evidence,
        attestations=attestations,
        fixes=fixes,
    )
    ready = None
    if pack.successor:
        successor, tailored = _successor(pack.successor, registry, inventory.overrides)
        later = judged(successor)
        ready = readiness(pack, evaluation, successor, later, tailored=tailored)
    progress.phase_done(Phase.evaluate)
    report_id = str(uuid.uuid4())
    progress.phase(Phase.write)
    if store is None:
        report = write_audit(
            out_dir, data, signer, lang, now=now, report_id=report_id, readiness=ready
        )
    else:
        from auditor.store.history import AuditMeta, history_for

        # One transaction: the audit, its findings and its report digest, or nothing.
        with store.transaction() as session:
            meta = AuditMeta(
                report_id=report_id,
                generated_at=now,
                organisation=org.name,
                policy_id=pack.id,
                policy_digest=pack.digest(),
            )
            severity = {r.id: r.severity.value for r in pack.requirements}
            sla = {k.value: v for k, v in pack.sla_days.items()}
            store.record(session, meta, evaluation, severity, sla, actor or default_actor())
            history = history_for(session, report_id, now.date())
            report = write_audit(
                out_dir,
                data,
                signer,
                lang,
                now=now,
                report_id=report_id,
                history=history,
                readiness=ready,
            )
            digest = hashlib.sha256((out_dir / "report.json").read_bytes()).hexdigest()
            store.set_report_digest(session, report_id, digest)
    progress.phase_done(Phase.write)
    if store is not None:  # an experiment (--no-history) never reaches the province
        from auditor.upload.outbox import Outbox

        Outbox(default_outbox()).enqueue(out_dir, report.report_id)
    return AuditResult(report=report, exit_code=exit_code_for(report), key_created=created)
