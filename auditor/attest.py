"""Management requirements recorded by the officer: decision number, date, signer, evidence.

The evidence file's sha256 goes into the report, so a later change to the scanned decision
is visible. An attestation older than the policy's review period counts as not met.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.errors import InputError, Problem
from auditor.fileio import inside
from auditor.yamlfile import load_yaml, validate


class AttestationEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requirement: str
    decision_no: str = Field(min_length=1, max_length=200)
    date: dt.date
    signer: str = Field(min_length=1, max_length=300)
    evidence: Path | None = None
    note: str | None = Field(default=None, max_length=2000)


class AttestationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attestations: list[AttestationEntry] = Field(default_factory=list, max_length=1000)

    @field_validator("attestations", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        """`attestations:` with every entry still commented out (the `init` template)."""
        return [] if value is None else value


class Recorded(BaseModel):
    """An attestation ready for evaluation: evidence resolved and hashed."""

    model_config = ConfigDict(frozen=True)

    entry: AttestationEntry
    evidence_path: Path | None
    evidence_sha256: str | None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MAX_EVIDENCE = 64 * 1024 * 1024  # a scanned decision is a few MB; a disk image is not evidence


def load_attestations(path: Path, known_requirements: set[str]) -> dict[str, Recorded]:
    """Newest attestation per requirement; problems (unknown id, missing file) all at once."""
    loaded = load_yaml(path)
    parsed = validate(AttestationFile, loaded)
    problems: list[Problem] = []
    newest: dict[str, Recorded] = {}
    for index, entry in enumerate(parsed.attestations):
        loc = ("attestations", index)
        if entry.requirement not in known_requirements:
            problems.append(
                loaded.problem(
                    (*loc, "requirement"), "policy.unknown_requirement", {"id": entry.requirement}
                )
            )
            continue
        evidence = None
        digest = None
        if entry.evidence is not None:
            evidence = inside(path.parent, entry.evidence)
            at = (*loc, "evidence")
            if evidence is None:  # outside the folder, through a link: never into a report
                problems.append(
                    loaded.problem(at, "inventory.evidence_outside", {"path": str(entry.evidence)})
                )
                continue
            if not evidence.is_file():
                problems.append(
                    loaded.problem(at, "inventory.file_not_found", {"path": str(evidence)})
                )
                continue
            if evidence.stat().st_size > MAX_EVIDENCE:
                problems.append(
                    loaded.problem(at, "inventory.evidence_too_large", {"path": str(evidence)})
                )
                continue
            digest = sha256_file(evidence)
        current = newest.get(entry.requirement)
        if current is None or entry.date > current.entry.date:
            newest[entry.requirement] = Recorded(
                entry=entry, evidence_path=evidence, evidence_sha256=digest
            )
    if problems:
        raise InputError(problems)
    return newest
