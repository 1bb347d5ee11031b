"""The remediation plan written into report.json: for every gap, the concrete steps from the
check's card for the asset's platform, filled with what was observed and what is required.

A requirement and an asset appear in one row only: assets of a requirement that are in the
same situation (the same failing and unknown checks) share a row. An asset whose facts could
not be collected, a fact that is missing and a document not yet recorded are rows of kind
"collect" ("cần thu thập / bổ sung"), never failures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from auditor.cards import CheckCard, Step, check_cards, fill, requirement_cards
from auditor.checking import Registry, Status
from auditor.facts import AssetFacts
from auditor.fixes import command_for, param_values, step_items
from auditor.messages.catalogue import LANGS, Messages
from auditor.policy import Requirement, Text
from auditor.report.html import said, word
from auditor.report.model import AssetInfo, PlanAction, PlanItem, PlanRow
from auditor.results import CheckResult, Evaluation

_SEVERITY = {"high": 0, "medium": 1, "low": 2}
_KIND = {"fix": 0, "document": 1, "collect": 2}
_LINUX = {
    "debian": ("debian", "ubuntu", "raspbian", "linuxmint", "kali", "pop"),
    "rhel": ("rhel", "rocky", "almalinux", "centos", "fedora", "ol", "amzn"),
}
_VENDOR = {
    "cisco-ios": "cisco-ios",
    "fortios": "fortios",
    "mikrotik": "routeros",
    "pfsense": "pfsense",
}


def platform_of(facts: AssetFacts | None, kind: str) -> str | None:
    """The remediation platform of an asset, or None when it is not known for sure (the
    plan then shows the steps of every platform the card has)."""
    if facts is not None and facts.netdev is not None:
        return _VENDOR.get(facts.netdev.vendor)
    if facts is not None and facts.host is not None and facts.host.os is not None:
        os = facts.host.os
        if os.family == "windows":
            return "windows"
        for platform, ids in _LINUX.items():
            if os.distro_id in ids:
                return platform
        return None
    return "windows" if kind == "windows" else None


@dataclass(frozen=True)
class PlanContext:
    """What the plan is made from, gathered once when the report is built."""

    evaluation: Evaluation
    requirements: Sequence[Requirement]
    assets: Sequence[AssetInfo]
    platforms: Mapping[str, str | None]
    registry: Registry
    assigned: Mapping[tuple[str, str], PlanItem]
    officer: str
    today: date
    sla_days: Mapping[str, int]
    org_asset: str


def build_plan(ctx: PlanContext) -> list[PlanRow]:
    reqs = {r.id: r for r in ctx.requirements}
    names = {a.id: a.name for a in ctx.assets}
    uncollected = {a.id for a in ctx.assets if a.failures}
    rows: list[PlanRow] = []
    by_req: dict[str, dict[str, list[CheckResult]]] = {}
    for ar in ctx.evaluation.asset_results:
        # what an asset that could not be collected leaves unknown is said once, in its own
        # "collect" row; what it was seen to fail is still a failure
        wanted = (Status.failed,) if ar.asset_id in uncollected else (Status.failed, Status.error)
        open_checks = [c for c in ar.checks if c.status in wanted]
        if open_checks:
            by_req.setdefault(ar.requirement, {})[ar.asset_id] = open_checks
    for req_id, per_asset in by_req.items():
        rows += _check_rows(ctx, reqs[req_id], per_asset, names)
    for rr in ctx.evaluation.requirements:
        att = rr.attestation
        if att is not None and att.status in (Status.failed, Status.manual):
            rows.append(_document_row(ctx, reqs[rr.requirement], att.status))
    rows += [_uncollected_row(ctx, a) for a in ctx.assets if a.failures]
    return sorted(
        rows,
        key=lambda r: (
            _SEVERITY.get(r.severity, 3),
            r.due,
            _KIND[r.kind],
            r.requirement or "",
            r.assets,
        ),
    )


def _check_rows(
    ctx: PlanContext,
    req: Requirement,
    per_asset: Mapping[str, list[CheckResult]],
    names: Mapping[str, str],
) -> list[PlanRow]:
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for asset_id, checks in per_asset.items():
        failed = tuple(sorted(c.check for c in checks if c.status is Status.failed))
        unknown = tuple(sorted(c.check for c in checks if c.status is Status.error))
        groups.setdefault((failed, unknown), []).append(asset_id)
    cards = check_cards()
    params = {ref.id: ref.params for ref in req.checks}
    rows = []
    for (failed, unknown), assets in sorted(groups.items()):
        results = {a: {c.check: c for c in per_asset[a]} for a in assets}
        actions: list[PlanAction] = []
        for check_id in failed:
            model = ctx.registry[check_id].params.model_validate(params.get(check_id, {}))
            seen = {a: results[a][check_id] for a in assets}
            actions += _fix_actions(cards[check_id], seen, model, ctx.platforms, names)
        for check_id in unknown:
            actions.append(_collect_action(check_id, {a: results[a][check_id] for a in assets}))
        kind: Literal["fix", "collect"] = "fix" if failed else "collect"
        gap = _text(
            "plan.gap_failed" if failed else "plan.gap_unknown",
            title=req.title,
            checks=[cards[c].title for c in failed or unknown],
            assets=", ".join(names.get(a, a) for a in assets),
        )
        rows.append(_row(ctx, kind, req, assets, gap, actions))
    return rows


def _fix_actions(
    card: CheckCard,
    seen: Mapping[str, CheckResult],
    params: BaseModel,
    platforms: Mapping[str, str | None],
    names: Mapping[str, str],
) -> list[PlanAction]:
    """The card's steps for each platform among the assets, filled with their values."""
    by_platform: dict[str | None, list[str]] = {}
    for asset_id in seen:
        by_platform.setdefault(platforms.get(asset_id), []).append(asset_id)
    actions = []
    for platform, assets in by_platform.items():
        for step in _steps_for(card, platform):
            values = {
                lang: _values(lang, {a: seen[a] for a in assets}, params, names) for lang in LANGS
            }
            actions.append(
                PlanAction(
                    kind="fix",
                    check=card.id,
                    platform=step.platform,
                    assets=assets,
                    text=Text(
                        vi=fill(step.text.vi, values["vi"]), en=fill(step.text.en, values["en"])
                    ),
                    where=step.where,
                    command=command_for(step, _items(step, [seen[a] for a in assets]), params),
                )
            )
    return actions


def _items(step: Step, results: Sequence[CheckResult]) -> list[str]:
    return [i for r in results for i in step_items(step, r.observed, r.params)]


def _steps_for(card: CheckCard, platform: str | None) -> list[Step]:
    own = [s for s in card.remediation if s.platform in (platform, "any")]
    return own if platform is not None and own else list(card.remediation)


def _values(
    lang: str,
    seen: Mapping[str, CheckResult],
    params: BaseModel,
    names: Mapping[str, str],
) -> dict[str, str]:
    t = Messages(lang)
    shown = {a: said(t, r.observed) for a, r in seen.items()}
    if len(set(shown.values())) == 1:
        observed = next(iter(shown.values()))
    else:
        observed = "; ".join(f"{names.get(a, a)}: {v}" for a, v in shown.items())
    required = next((r.expected for r in seen.values() if r.expected), None)
    values = {
        "observed": observed,
        "required": required or "—",
        "assets": ", ".join(names.get(a, a) for a in seen),
    }
    return values | param_values(params)


def _collect_action(check_id: str, seen: Mapping[str, CheckResult]) -> PlanAction:
    """What is missing (the check's own note says which fact) and how to gather it."""
    first = next(iter(seen.values()))
    note = first.note or "outcome.not_collected"
    texts = {}
    for lang in LANGS:
        t = Messages(lang)
        params = {k: word(t, v) for k, v in first.params.items()}
        texts[lang] = t(
            "plan.collect_fact", check=check_cards()[check_id].title(lang), what=t(note, **params)
        )
    return PlanAction(kind="collect", check=check_id, assets=list(seen), text=Text(**texts))


def _document_row(ctx: PlanContext, req: Requirement, status: Status) -> PlanRow:
    card = requirement_cards()[req.id]  # tests/test_cards.py: every such requirement has one
    recorded = status is Status.failed  # recorded, but expired or without its evidence
    # who issues what, then (when nothing is recorded yet) what to record in the tool
    actions = [PlanAction(kind="document", text=card.action, template=card.template)]
    if not recorded:
        actions.append(PlanAction(kind="collect", text=card.collect))
    gap = _text("plan.gap_document" if recorded else "plan.gap_unrecorded", title=req.title)
    return _row(ctx, "document" if recorded else "collect", req, [ctx.org_asset], gap, actions)


def _uncollected_row(ctx: PlanContext, asset: AssetInfo) -> PlanRow:
    failure = asset.failures[0]
    texts = {}
    hows = {}
    for lang in LANGS:
        t = Messages(lang)
        texts[lang] = t(
            "plan.gap_uncollected", asset=asset.name, reason=t(failure.code, detail=failure.detail)
        )
        hint = f"fix.{failure.code}"
        hows[lang] = t(hint) if t.has(hint) else t("plan.collect_again", asset=asset.name)
    action = PlanAction(kind="collect", assets=[asset.id], text=Text(**hows))
    return PlanRow(
        kind="collect",
        requirement=None,
        severity="medium",
        assets=[asset.id],
        gap=Text(**texts),
        actions=[action],
        responsible=ctx.officer,
        due=ctx.today + timedelta(days=ctx.sla_days.get("medium", 30)),
    )


def _row(
    ctx: PlanContext,
    kind: Literal["fix", "document", "collect"],
    req: Requirement,
    assets: list[str],
    gap: Text,
    actions: list[PlanAction],
) -> PlanRow:
    planned = [ctx.assigned[(a, req.id)] for a in assets if (a, req.id) in ctx.assigned]
    owners = sorted({p.owner for p in planned if p.owner}) or [ctx.officer]
    dues = [p.due for p in planned if p.due is not None]
    severity = req.severity.value
    due = min(dues) if dues else ctx.today + timedelta(days=ctx.sla_days.get(severity, 30))
    return PlanRow(
        kind=kind,
        requirement=req.id,
        severity=severity,
        assets=assets,
        gap=gap,
        actions=actions,
        responsible=", ".join(owners),
        due=due,
    )


def _text(key: str, **params: Any) -> Text:
    """One catalogue message in both languages; Text parameters are said in each."""
    out = {}
    for lang in LANGS:
        said = {k: _said(v, lang) for k, v in params.items()}
        out[lang] = Messages(lang)(key, **said)
    return Text(**out)


def _said(value: Any, lang: str) -> str:
    if isinstance(value, Text):
        return value(lang)
    if isinstance(value, list):
        return ", ".join(_said(v, lang) for v in value)
    return str(value)
