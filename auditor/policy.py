"""Policy packs: requirements, their legal references, checks and thresholds, as data.

A pack may `extends:` another (the NĐ 331 pack extends the NĐ 85 one). A commune may
tailor thresholds in an overrides file where every change carries a justification that
the report prints.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from auditor.bilingual import Text as Text  # the packs' texts; re-exported for their readers
from auditor.checking import Registry
from auditor.errors import InputError, Problem
from auditor.inventory import AssetKind
from auditor.yamlfile import (
    CodedValueError,
    LoadedYaml,
    dotted,
    load_yaml,
    parse_yaml,
    problem_of,
    validate,
)

REQ_ID = r"^L2-[A-Z0-9]+(-[A-Z0-9]+)*-\d{2}$"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Refs(Model):
    legacy: str
    current: str


class CheckRef(Model):
    id: str
    params: dict[str, Any] = Field(default_factory=dict)
    kinds: list[AssetKind] | None = None


class AttestationSpec(Model):
    """`decision`: an act (assignment, level approval, policy issue) that stays valid until
    a newer one supersedes it; `review`: a review, training or drill that expires after
    `review_months`."""

    review_months: int = Field(ge=1, le=120)
    evidence_required: bool = True
    kind: Literal["decision", "review"] = "review"
    # "systems": judged from the approval decisions of the systems the inventory declares;
    # "incidents": from the incident register, when it holds incidents of the review period
    source: Literal["attestation", "systems", "incidents"] = "attestation"
    # for "incidents": hours allowed from detection to report, by incident severity


class Requirement(Model):
    id: str = Field(pattern=REQ_ID)
    group: str
    title: Text
    refs: Refs
    severity: Severity
    threshold: Text | None = None
    applies_to: list[AssetKind] = Field(default_factory=list)
    when_no_asset: str = Field(default="not_assessed", pattern="^(not_assessed|not_applicable)$")
    checks: list[CheckRef] = Field(default_factory=list)
    attestation: AttestationSpec | None = None
    not_applicable: Text | None = None
    waivable: bool = True  # mandatory documents (policy, level decision, officer) are not

    @model_validator(mode="after")
    def _assessable(self) -> Requirement:
        if not (self.checks or self.attestation or self.not_applicable):
            raise CodedValueError("policy.requirement_unassessable")
        if self.checks and not self.applies_to:
            raise CodedValueError("policy.checks_need_kinds")
        return self


class Tailoring(Model):
    """One local change to the pack, printed in the report with its justification: a
    check's threshold, a requirement not applicable, or a pack-wide setting."""

    requirement: str | None = None
    check: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    not_applicable: bool = False
    setting: Literal["max_fact_age_days"] | None = None
    value: int | None = Field(default=None, ge=1, le=3650)
    justification: str = Field(min_length=10, max_length=2000)
    approved_by: str | None = None

    @model_validator(mode="after")
    def _one_change(self) -> Tailoring:
        """A change is of a requirement, or of a setting with its value; never both."""
        if self.setting is None and self.requirement is None:
            raise CodedValueError("policy.tailoring_needs_target")
        if self.setting is not None and (
            self.requirement is not None or self.check is not None or self.value is None
        ):
            raise CodedValueError("policy.setting_change_shape")
        if self.setting is None and self.value is not None:
            raise CodedValueError("policy.setting_change_shape")
        return self


class Overrides(Model):
    overrides: list[Tailoring] = Field(default_factory=list)


class Pack(Model):
    id: str
    version: str
    title: Text
    legal_basis: list[str]
    # The legal texts the pack rests on (ids of policies/law/texts.yaml): an official
    # document's "Căn cứ" lines are chosen from them by the document's date (auditor.law)
    citations: list[str] = Field(default_factory=list, max_length=20)
    level: int = Field(default=2, ge=1, le=5)  # the highest system level this pack covers
    refs_in_force: Literal["legacy", "current"] = "legacy"  # which refs cite this pack's law
    abstract: Text | None = None  # trích yếu of the official report
    annual_abstract: Text | None = None  # trích yếu of the annual report; {year} is filled in
    # the form of the annual report: TT 12/2022 Đ14's items, or NĐ 331's Mẫu 08 công văn
    annual_form: Literal["tt12", "mau08"] = "tt12"
    extends: str | None = None
    requirements: list[Requirement]
    sla_days: dict[Severity, int]  # days to fix a finding, by severity
    successor: str | None = None  # the pack that replaces this one (the "ready for" view)
    # the day from which a new inventory is made under this pack (`auditor init`): the day
    # its law took effect; the pack it replaces then serves history and transition only
    new_inventories_from: date | None = None
    successor_deadline: date | None = None
    # facts older than this (an imported PC's, a saved device configuration's) are not
    # judged: "chưa đánh giá: dữ liệu cũ"; tailoring may change it, with its reason
    max_fact_age_days: int = Field(default=31, ge=1, le=3650)
    tailoring: list[Tailoring] = Field(default_factory=list)

    @field_validator("citations")
    @classmethod
    def _known_texts(cls, ids: list[str]) -> list[str]:
        from auditor.law import legal_texts

        unknown = [i for i in ids if i not in legal_texts()]
        if unknown:
            raise ValueError(f"unknown legal text(s) {unknown} (policies/law/texts.yaml)")
        return ids

    def requirement(self, req_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == req_id)

    def ids(self) -> list[str]:
        return [r.id for r in self.requirements]

    def digest(self) -> str:
        """sha256 of the effective pack (after extends and tailoring), for the report."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def builtin_packs() -> list[str]:
    return sorted(
        p.name.removesuffix(".yaml")
        for p in files("auditor.policies").iterdir()
        if p.name.endswith(".yaml")
    )


def default_pack(day: date, registry: Registry) -> str:
    """The pack a new inventory made on `day` is written with: the built-in pack whose law
    had taken effect most recently by then."""
    dated = [
        (pack.new_inventories_from, pack.id)
        for pack in (load_policy(name, registry) for name in builtin_packs())
        if pack.new_inventories_from is not None and pack.new_inventories_from <= day
    ]
    return max(dated)[1]


def builtin_requirements(registry: Registry) -> list[Requirement]:
    """Every requirement of every shipped pack (a successor repeats its parent's ids), for
    what knows a requirement id but not which pack it came from (history, exports)."""
    return [r for name in builtin_packs() for r in load_policy(name, registry).requirements]


def _load_raw(name_or_path: str, chain: tuple[str, ...] = ()) -> tuple[LoadedYaml, dict[str, Any]]:
    """Raw pack data with `extends:` merged (child requirements override parent ones by id).

    `chain` is the list of packs already being loaded, to refuse an `extends:` cycle.
    """
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        loaded = load_yaml(path)
    else:
        resource = files("auditor.policies").joinpath(f"{name_or_path}.yaml")
        if not resource.is_file():
            raise InputError(
                [
                    Problem(
                        name_or_path,
                        None,
                        None,
                        "policy.unknown_pack",
                        {"known": ", ".join(builtin_packs())},
                    )
                ]
            )
        loaded = parse_yaml(resource.read_text(encoding="utf-8"), f"policies/{name_or_path}.yaml")
    data = loaded.data if isinstance(loaded.data, dict) else {}
    pack_id = str(data.get("id") or name_or_path)
    parent = data.get("extends")
    if isinstance(parent, str):
        line = loaded.line_of(("extends",))
        if parent in (*chain, pack_id, name_or_path):
            raise InputError(
                [
                    Problem(
                        loaded.file,
                        line,
                        "extends",
                        "policy.extends_cycle",
                        {"chain": " → ".join((*chain, pack_id, parent))},
                    )
                ]
            )
        try:
            _, base = _load_raw(parent, (*chain, pack_id, name_or_path))
        except InputError as exc:
            if [p.code for p in exc.problems] == ["policy.unknown_pack"]:
                raise InputError(
                    [
                        Problem(
                            loaded.file,
                            line,
                            "extends",
                            "policy.unknown_pack",
                            exc.problems[0].params,
                        )
                    ]
                ) from None
            raise
        data = _merge_pack(base, data)
    return loaded, data


def _merge_pack(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **{k: v for k, v in child.items() if k != "requirements"}}
    by_id = {r["id"]: r for r in base.get("requirements", []) if isinstance(r, dict)}
    for req in child.get("requirements", []):
        if not isinstance(req, dict):
            continue
        old = by_id.get(req.get("id", ""))
        if old is None:
            by_id[req["id"]] = req
            continue
        new = {**old, **req}
        if "checks" in req and "checks" in old:
            olds = {c["id"]: c for c in old["checks"]}
            new["checks"] = [
                {
                    **olds.get(c["id"], {}),
                    **c,
                    "params": {**olds.get(c["id"], {}).get("params", {}), **c.get("params", {})},
                }
                for c in req["checks"]
            ]
        by_id[req["id"]] = new
    merged["requirements"] = list(by_id.values())
    return merged


def load_policy(name_or_path: str, registry: Registry, overrides: Path | None = None) -> Pack:
    """Load a pack by name or path, check it against the registry, apply local tailoring."""
    loaded, data = _load_raw(name_or_path)
    pack = validate(Pack, LoadedYaml(loaded.file, data, loaded.lines))
    problems = _check_pack(pack, registry, loaded)
    if problems:
        raise InputError(problems)
    if overrides is None:
        return pack
    tail_file = load_yaml(overrides)
    tailoring = validate(Overrides, tail_file)
    problems = []
    for index, change in enumerate(tailoring.overrides):
        loc = ("overrides", index)
        line = tail_file.line_of(loc)
        if change.requirement is None:  # a pack-wide setting, checked by its model
            continue
        if change.requirement not in pack.ids():
            problems.append(
                Problem(
                    tail_file.file,
                    line,
                    dotted((*loc, "requirement")),
                    "policy.unknown_requirement",
                    {"id": change.requirement},
                )
            )
            continue
        req = pack.requirement(change.requirement)
        if change.check is not None:
            ref = next((c for c in req.checks if c.id == change.check), None)
            if ref is None:
                problems.append(
                    Problem(
                        tail_file.file,
                        line,
                        dotted((*loc, "check")),
                        "policy.check_not_in_requirement",
                        {"id": change.check},
                    )
                )
                continue
            problems += _param_problems(
                registry,
                ref.id,
                {**ref.params, **change.params},
                tail_file.file,
                line,
                dotted((*loc, "params")),
            )
    if problems:
        raise InputError(problems)
    return _apply(pack, tailoring.overrides)


def _apply(pack: Pack, changes: list[Tailoring]) -> Pack:
    reqs = []
    for req in pack.requirements:
        mine = [c for c in changes if c.requirement == req.id]
        for change in mine:
            if change.not_applicable:
                req = req.model_copy(
                    update={
                        "not_applicable": Text(vi=change.justification, en=change.justification)
                    }
                )
            if change.check:
                req = req.model_copy(
                    update={
                        "checks": [
                            c.model_copy(update={"params": {**c.params, **change.params}})
                            if c.id == change.check
                            else c
                            for c in req.checks
                        ]
                    }
                )
        reqs.append(req)
    settings: dict[str, Any] = {c.setting: c.value for c in changes if c.setting is not None}
    return pack.model_copy(update={"requirements": reqs, "tailoring": changes, **settings})


def _check_pack(pack: Pack, registry: Registry, loaded: LoadedYaml) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, req in enumerate(pack.requirements):
        loc = ("requirements", index)
        if req.id in seen:
            problems.append(
                Problem(
                    loaded.file,
                    loaded.line_of(loc),
                    dotted((*loc, "id")),
                    "policy.duplicate_requirement",
                    {"id": req.id},
                )
            )
        seen.add(req.id)
        for cindex, ref in enumerate(req.checks):
            cloc = (*loc, "checks", cindex)
            if ref.id not in registry:
                problems.append(loaded.problem(cloc, "policy.unknown_check", {"id": ref.id}))
                continue
            problems += _param_problems(
                registry,
                ref.id,
                ref.params,
                loaded.file,
                loaded.line_of(cloc),
                dotted((*cloc, "params")),
            )
    return problems


def _param_problems(
    registry: Registry,
    check_id: str,
    params: dict[str, Any],
    file: str,
    line: int | None,
    field: str,
) -> list[Problem]:
    model = registry[check_id].params
    try:
        model.model_validate(params)
    except ValidationError as exc:
        known = set(model.model_fields)  # a mistyped parameter gets the nearest real one
        return [
            problem_of(e, file, line, (*field.split("."), *e["loc"]), known)
            for e in exc.errors(include_input=False)
        ]
    return []


def _attestation_change(a: AttestationSpec | None, b: AttestationSpec | None) -> str:
    """Only what changed ("report_within_hours: {…} → {…}"), never "12 → 12"."""
    old = a.model_dump(mode="json") if a else {}
    new = b.model_dump(mode="json") if b else {}
    return "; ".join(
        f"{key}: {json.dumps(old.get(key), ensure_ascii=False)} → "
        f"{json.dumps(new.get(key), ensure_ascii=False)}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    )


def _check_changes(req_id: str, a: Requirement, b: Requirement) -> list[tuple[str, str, str]]:
    """Checks added, removed, or with other parameters (each changed key, old → new)."""

    def shown(value: Any) -> str:
        return json.dumps(value, default=str, ensure_ascii=False)

    old_checks = {c.id: c.params for c in a.checks}
    new_checks = {c.id: c.params for c in b.checks}
    out = []
    for check_id in sorted(set(old_checks) | set(new_checks)):
        if check_id not in old_checks:
            out.append((req_id, "check_added", check_id))
        elif check_id not in new_checks:
            out.append((req_id, "check_removed", check_id))
        elif old_checks[check_id] != new_checks[check_id]:
            was, now = old_checks[check_id], new_checks[check_id]
            changed = [
                f"{key}: {shown(was.get(key))} → {shown(now.get(key))}"
                for key in sorted(set(was) | set(now))
                if was.get(key) != now.get(key)
            ]
            out.append((req_id, "params", f"{check_id} {'; '.join(changed)}"))
    return out


def _requirement_changes(a: Requirement, b: Requirement, lang: str) -> list[tuple[str, str, str]]:
    """What changes in one requirement both packs have."""
    out = []
    if a.severity != b.severity:
        out.append((a.id, "severity", f"{a.severity.value} → {b.severity.value}"))
    if a.threshold != b.threshold and b.threshold is not None:
        was = a.threshold(lang) if a.threshold else "—"
        out.append((a.id, "threshold", f"{was} → {b.threshold(lang)}"))
    out += _check_changes(a.id, a, b)
    if a.attestation != b.attestation:
        out.append((a.id, "attestation", _attestation_change(a.attestation, b.attestation)))
    if a.refs.current != b.refs.current:
        out.append((a.id, "reference", b.refs.current))
    return out


def diff_packs(old: Pack, new: Pack, lang: str = "vi") -> list[tuple[str, str, str]]:
    """(requirement, kind, detail) for everything that changes from `old` to `new`:
    added, removed, severity, threshold, checks and their parameters, attestation review."""
    out: list[tuple[str, str, str]] = []
    before = {r.id: r for r in old.requirements}
    after = {r.id: r for r in new.requirements}
    for req_id in sorted(set(before) | set(after)):
        a, b = before.get(req_id), after.get(req_id)
        if a is None:
            out.append((req_id, "added", b.title(lang) if b else ""))
        elif b is None:
            out.append((req_id, "removed", a.title(lang)))
        else:
            out += _requirement_changes(a, b, lang)
    return out
