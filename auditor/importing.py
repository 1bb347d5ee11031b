"""`auditor import`: keep a Windows facts file for an asset, signed off so that it cannot be
edited silently between the import and the audit that uses it.

The record names the file's sha256, its size, when it was imported and which host it says
it came from; the record is signed with the auditor's key (CMS, like the report).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from pydantic import BaseModel, ConfigDict

from auditor import __version__
from auditor.collect.windows import FACTS_FILE, RECORD_FILE, RECORD_SIG
from auditor.collect.windows_parse import load_document, parse_windows
from auditor.fileio import atomic_write
from auditor.inventory import Asset
from auditor.report.signing import Signer, sign_detached, verify_detached


class ImportRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    asset_id: str
    sha256: str
    size: int
    source_name: str
    imported_at: datetime
    hostname: str | None
    collected_at: datetime
    tool_version: str


def import_facts(source: Path, asset: Asset, imports_dir: Path, signer: Signer) -> ImportRecord:
    """Validate the file (raises CollectionError if unusable), store it and sign the record."""
    data = source.read_bytes()
    host = parse_windows(load_document(data))
    record = ImportRecord(
        asset_id=asset.id,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        source_name=source.name,
        imported_at=datetime.now(UTC).replace(microsecond=0),
        hostname=host.os.hostname,
        collected_at=host.collected_at,
        tool_version=__version__,
    )
    body = (json.dumps(record.model_dump(mode="json"), sort_keys=True, indent=1) + "\n").encode()
    directory = imports_dir / asset.id
    atomic_write(directory / FACTS_FILE, data)
    atomic_write(directory / RECORD_FILE, body)
    atomic_write(directory / RECORD_SIG, sign_detached(body, signer))
    return record


def check_import(directory: Path, anchors: list[x509.Certificate]) -> str | None:
    """None when the record's signature is ours and the facts file matches it."""
    try:
        body = (directory / RECORD_FILE).read_bytes()
        signature = (directory / RECORD_SIG).read_bytes()
        data = (directory / FACTS_FILE).read_bytes()
    except OSError:
        return "record missing"
    verdict = verify_detached(body, signature, anchors)
    if not verdict.intact or not verdict.trusted:
        return "record signature"
    try:
        record = ImportRecord.model_validate_json(body)
    except ValueError:
        return "record unreadable"
    if hashlib.sha256(data).hexdigest() != record.sha256 or len(data) != record.size:
        return "facts.json sha256"
    if directory.name != record.asset_id:
        return "asset id"
    return None
