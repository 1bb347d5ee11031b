"""Commands that set things up: policy, inventory, collect/import, hosts."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from auditor.cli.app import (
    EXISTING_FILE,
    KEY_DIR,
    PASSFILE,
    _fail,
    _input_errors,
    _lang,
    _passphrase,
    _t,
    err,
    main,
)
from auditor.cli.console import echo
from auditor.errors import CollectionError
from auditor.fileio import atomic_write
from auditor.paths import (
    default_imports_dir,
    default_key_dir,
    default_known_hosts,
)
from auditor.runtime import EXIT_INPUT


# ------------------------------------------------------------------ policy
@main.group()
def policy() -> None:
    """Inspect and validate policy packs."""


@policy.command("validate")
@click.argument("pack", default="nd85-level2")
@click.option(
    "--overrides",
    type=click.Path(path_type=Path),
    default=None,
    help="Local tailoring file to validate with the pack.",
)
def policy_validate(pack: str, overrides: Path | None) -> None:
    """Validate a pack (built-in name or YAML file) and optional overrides."""
    from auditor.checking import discover
    from auditor.policy import load_policy

    with _input_errors():
        loaded = load_policy(pack, discover(), overrides)
    echo(_t()("policy.valid", id=loaded.id, version=loaded.version, count=len(loaded.requirements)))


@policy.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True)
def policy_diff(old: str, new: str, as_json: bool) -> None:
    """What changes for a commune moving from pack OLD to pack NEW (e.g. nd85-level2 to
    nd331-level2): requirements added or removed, thresholds, checks and parameters."""
    from auditor.checking import discover
    from auditor.policy import diff_packs, load_policy

    t = _t()
    registry = discover()
    with _input_errors():
        changes = diff_packs(load_policy(old, registry), load_policy(new, registry), _lang())
    if as_json:
        echo(
            json.dumps(
                [{"requirement": r, "kind": k, "detail": d} for r, k, d in changes],
                ensure_ascii=False,
            )
        )
        return
    for requirement, kind, detail in changes:
        echo(f"{requirement:22} {t('policy.diff_' + kind):22} {detail}")
    echo(t("policy.diff_total", count=len(changes)))


@policy.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the packs as JSON.")
def policy_list(as_json: bool) -> None:
    """List the built-in policy packs: id, version, title, requirements and legal basis."""
    from auditor.checking import discover
    from auditor.policy import builtin_packs, load_policy

    t, lang = _t(), _lang()
    registry = discover()
    packs = [load_policy(name, registry) for name in builtin_packs()]
    if as_json:
        echo(
            json.dumps(
                [
                    {
                        "id": p.id,
                        "version": p.version,
                        "title": p.title(lang),
                        "requirements": len(p.requirements),
                        "legal_basis": p.legal_basis,
                    }
                    for p in packs
                ],
                ensure_ascii=False,
            )
        )
        return
    for pack in packs:
        echo(f"{pack.id}  {pack.version}  {pack.title(lang)}")
        echo("  " + t("policy.requirements_count", count=len(pack.requirements)))
        for basis in pack.legal_basis:
            echo(f"  - {basis}")


@policy.command("show")
@click.argument("requirement")
@click.option("--pack", default="nd85-level2", show_default=True)
def policy_show(requirement: str, pack: str) -> None:
    """Show one requirement: titles, references, threshold and checks with parameters."""
    from auditor.checking import discover
    from auditor.policy import load_policy

    t, lang = _t(), _lang()
    with _input_errors():
        loaded = load_policy(pack, discover())
    if requirement not in loaded.ids():
        _fail(t("policy.unknown_requirement", id=requirement))
    req = loaded.requirement(requirement)
    echo(f"{req.id} — {req.title(lang)}")
    echo(
        f"  {t('report.group')}: {t('group.' + req.group)}; "
        f"{t('report.severity')}: {t('severity.' + req.severity.value)}"
    )
    echo(f"  {t('report.legacy')}: {req.refs.legacy}")
    echo(f"  {t('report.current')}: {req.refs.current}")
    if req.threshold:
        echo(f"  {t('report.threshold')}: {req.threshold(lang)}")
    if req.applies_to:
        echo(f"  {t('report.kind')}: {', '.join(k.value for k in req.applies_to)}")
    for ref in req.checks:
        params = json.dumps(ref.params, ensure_ascii=False, default=str) if ref.params else ""
        echo(f"  {t('report.check')}: {ref.id} — {t('check.' + ref.id + '.title')} {params}")
    if req.attestation:
        echo(f"  {t('report.attestation')}: review {req.attestation.review_months} months")


# ------------------------------------------------------------------ inventory
@main.command("init")
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."), required=False
)
@click.option("--force", is_flag=True, help="Overwrite inventory.yaml / attestations.yaml.")
def init_command(directory: Path, force: bool) -> None:
    """Write a commented example inventory.yaml and an attestations.yaml template (every
    management requirement of the default pack, to fill in) into DIRECTORY (default: here)."""
    from importlib.resources import files

    from auditor.checking import discover
    from auditor.policy import default_pack, load_policy
    from auditor.report.official import vn_date

    t, lang = _t(), _lang()
    registry = discover()
    pack = default_pack(vn_date(dt.datetime.now(dt.UTC)), registry)  # the law in force today
    example = files("auditor.examples").joinpath("inventory.example.yaml").read_text("utf-8")
    example = re.sub(
        r"^policy: \S+( *)", lambda m: f"policy: {pack}{m[1]}", example, count=1, flags=re.M
    )
    targets = {
        "inventory.yaml": example.encode("utf-8"),
        "attestations.yaml": _attestations_template(load_policy(pack, registry), lang).encode(
            "utf-8"
        ),
    }
    existing = [name for name in targets if (directory / name).exists()]
    if existing and not force:
        _fail(t("init.exists", files=", ".join(existing)))
    with _input_errors():
        for name, data in targets.items():
            atomic_write(directory / name, data)
            echo(t("init.written", path=directory / name))
    echo(t("init.next", inventory=directory / "inventory.yaml"))


def _attestations_template(pack: Any, lang: str) -> str:
    """Every requirement the pack proves by a document, as a commented entry to fill in."""
    lines = [
        "# " + _t()("init.attestations_header"),
        "attestations:",
    ]
    for req in pack.requirements:
        if req.attestation is None:
            continue
        lines += [
            f"  # {req.id} — {req.title(lang)}",
            f'  # - {{requirement: {req.id}, decision_no: "…/QĐ-UBND", date: 2026-01-15,',
            '  #    signer: "Chủ tịch UBND xã", evidence: scans/….pdf}',
        ]
    return "\n".join(lines) + "\n"


@main.group()
def inventory() -> None:
    """Check the inventory file."""


@inventory.command("validate")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The inventory file (the same -i as every other command; or give it as PATH).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def inventory_validate(path: Path | None, inventory_path: Path | None, as_json: bool) -> None:
    """Report every problem in the inventory at once, with file, line and field, then
    what is still missing for a complete official report (systems, decisions, signatory,
    recipients): those gaps do not stop an audit."""
    from auditor.inputs import load_inputs
    from auditor.systems import gaps

    t = _t()
    chosen = inventory_path or path
    if chosen is None:
        raise click.UsageError(t("inventory.path_needed"))
    with _input_errors():  # what `audit` checks before collecting: inventory, pack, tailoring,
        inv = load_inputs(chosen).inventory  # attestations — every problem at once
    missing = gaps(inv)
    if as_json:
        summary = {
            "valid": True,
            "organisation": inv.organisation.name,
            "assets": len(inv.assets),
            "systems": [s.id for s in inv.systems],
            "policy": inv.policy,
            "gaps": [{"code": code, **params} for code, params in missing],
        }
        echo(json.dumps(summary, ensure_ascii=False))
        return
    echo(t("inventory.valid", assets=len(inv.assets), org=inv.organisation.name))
    if missing:
        echo(t("inventory.gaps"))
        for code, params in missing:
            echo(f"  - {t(code, **params)}")


# ------------------------------------------------------------------ collect / import
@main.group()
def collect() -> None:
    """Get the collector scripts to run on machines the auditor cannot reach."""


@collect.command("windows-script")
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the script to this file instead of standard output.",
)
def collect_windows_script(out_file: Path | None) -> None:
    """Print the read-only PowerShell fact script for Windows PCs.

    \b
    On the PC (as administrator), from a USB stick:
      powershell -NoProfile -ExecutionPolicy Bypass -File collect.ps1 -OutFile facts.json
    Back at the auditing machine:
      auditor import facts.json --asset pc-van-thu -i inventory.yaml
    """
    from auditor.collect.windows import windows_script

    text = windows_script()
    if out_file is None:
        echo(text, nl=False)
    else:
        with _input_errors():
            atomic_write(out_file, text.encode("utf-8-sig"))
        echo(_t()("collect.script_written", path=out_file))


@main.command("import")
@click.argument("facts_file", type=EXISTING_FILE)
@click.option("--asset", "asset_id", required=True, help="Inventory id of the PC.")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@KEY_DIR
@PASSFILE
def import_command(
    facts_file: Path,
    asset_id: str,
    inventory_path: Path,
    key_dir: Path | None,
    passphrase_file: Path | None,
) -> None:
    """Import a facts file produced by the Windows script for an `import` asset.

    The file is checked, stored with its sha256, import time and host name, and that record
    is signed with your key: a later edit of the stored file makes the audit refuse it.
    """
    from auditor.audit import signer_for
    from auditor.importing import import_facts
    from auditor.inventory import Connection, load_inventory

    t = _t()
    with _input_errors():
        inv = load_inventory(inventory_path)
        asset = next((a for a in inv.assets if a.id == asset_id), None)
        if asset is None:
            _fail(t("cli.unknown_asset", id=asset_id))
        if asset.connection is not Connection.import_:
            _fail(t("import.not_import", id=asset_id))
        org = inv.organisation
        signer, created = signer_for(
            key_dir or default_key_dir(),
            _passphrase(passphrase_file),
            org.name,
            org.commune,
            org.province,
        )
        try:
            record = import_facts(
                facts_file, asset, inv.settings.imports_dir or default_imports_dir(), signer
            )
        except CollectionError as exc:
            _fail(f"{facts_file}: {t(exc.code, detail=exc.detail)}")
    if created:
        err.print(t("keys.auto_created", dir=key_dir or default_key_dir()), markup=False)
    host = record.hostname or "?"
    if host.lower() not in (asset.id.lower(), asset.name.lower()):
        err.print(t("import.host_mismatch", host=host, asset=asset.id), markup=False)
    echo(t("import.done", host=host, asset=asset.id, sha256=record.sha256[:16]))


# ------------------------------------------------------------------ hosts
@main.group()
def hosts() -> None:
    """Pin SSH host keys so that audits refuse impostors."""


@hosts.command("trust")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@click.argument("asset_ids", nargs=-1)
@click.option("--known-hosts", type=click.Path(path_type=Path), default=None)
@click.option("--yes", is_flag=True, help="Do not ask; pin what the host presents.")
@click.option("--replace", is_flag=True, help="Replace a key that changed (after checking!).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per asset (asset, host, fingerprint, result); needs --yes.",
)
def hosts_trust(
    inventory_path: Path,
    asset_ids: tuple[str, ...],
    known_hosts: Path | None,
    yes: bool,
    replace: bool,
    as_json: bool,
) -> None:
    """Fetch each SSH asset's host key, show its fingerprint and pin it.

    Compare the fingerprint with the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*.pub)
    before accepting. Without ASSET_IDS, every ssh asset of the inventory is offered.
    """
    from auditor.inventory import Connection, load_inventory
    from auditor.sshclient import fetch_host_key, pin_host_key

    t = _t()
    if as_json and not yes:
        raise click.UsageError(t("hosts.json_needs_yes"))
    with _input_errors():
        inv = load_inventory(inventory_path)
    store = known_hosts or inv.settings.known_hosts or default_known_hosts()
    ids = list(asset_ids) or [a.id for a in inv.assets if a.connection is Connection.ssh]
    if not ids:  # nothing to do is said, not silence
        echo("[]" if as_json else t("hosts.no_ssh_assets", path=inventory_path))
        return
    status = 0
    results: list[dict[str, str]] = []
    for asset_id in ids:
        asset = next((a for a in inv.assets if a.id == asset_id), None)
        if asset is None:
            _fail(t("cli.unknown_asset", id=asset_id))
        if asset.connection is not Connection.ssh:
            err.print(t("hosts.not_ssh", id=asset_id), markup=False)
            results.append({"asset": asset_id, "result": "error", "code": "hosts.not_ssh"})
            status = EXIT_INPUT
            continue
        try:
            seen = fetch_host_key(asset, inv.settings.ssh_timeout_s)
            if not yes and not click.confirm(
                t("hosts.confirm", host=seen.host_id, fingerprint=seen.fingerprint)
            ):
                echo(t("hosts.skipped", host=seen.host_id))
                continue
            result = pin_host_key(store, seen, replace=replace)
        except CollectionError as exc:
            err.print(f"{asset_id}: {t(exc.code, detail=exc.detail)}", markup=False)
            results.append({"asset": asset_id, "result": "error", "code": exc.code})
            status = 3
            continue
        results.append(
            {
                "asset": asset_id,
                "host": seen.host_id,
                "fingerprint": seen.fingerprint,
                "result": result,
            }
        )
        if not as_json:
            echo(t("hosts.trusted", host=seen.host_id, fingerprint=seen.fingerprint, result=result))
    if as_json:
        echo(json.dumps(results, ensure_ascii=False))
    sys.exit(status)
