"""`auditor import`: keep a Windows facts file for an asset, signed off so that it cannot be
edited silently between the import and the audit that uses it.

The record names the file's sha256, its size, when it was imported and which host it says
it came from; the record is signed with the auditor's key (CMS, like the report).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from pydantic import BaseModel, ConfigDict

from auditor import __version__
from auditor.collect.windows import FACTS_FILE, RECORD_FILE, RECORD_SIG
from auditor.collect.windows_parse import MAX_BYTES, load_document, parse_windows
from auditor.errors import CollectionError
from auditor.fileio import TooLarge, atomic_write, read_regular, safe_dir
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
    try:
        data = read_regular(source, MAX_BYTES)
    except TooLarge:
        raise CollectionError("windows.too_large", f"> {MAX_BYTES} bytes") from None
    except OSError as exc:
        raise CollectionError("import.unreadable", type(exc).__name__) from None
    host = parse_windows(load_document(data))
    now = datetime.now(UTC)
    if host.collected_at > now + CLOCK_SKEW:
        raise CollectionError("import.future", host.collected_at.isoformat())
    directory = imports_dir / asset.id
    previous = _previous_collected_at(directory)
    if previous is not None and host.collected_at < previous:
        raise CollectionError("import.rollback", previous.isoformat())
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
    safe_dir(imports_dir, 0o700)
    safe_dir(directory, 0o700)
    atomic_write(directory / FACTS_FILE, data, mode=0o600)
    atomic_write(directory / RECORD_FILE, body, mode=0o600)
    atomic_write(directory / RECORD_SIG, sign_detached(body, signer), mode=0o600)
    return record


CLOCK_SKEW = timedelta(minutes=10)


def _previous_collected_at(directory: Path) -> datetime | None:
    """When the facts already imported for this asset were collected (None: no import yet)."""
    try:
        record = json.loads((directory / RECORD_FILE).read_bytes())
        return datetime.fromisoformat(record["collected_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
