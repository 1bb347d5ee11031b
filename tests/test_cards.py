"""Every check's card: complete, pointing at real code, with placeholders its parameters can
fill, and its test cases (pass / fail / unknown / near miss) run against the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from auditor.cards import CardError, CheckCard, check_cards, placeholders, requirement_cards
from auditor.checking import Registry, discover
from auditor.facts import AssetFacts, HostFacts, NetDeviceFacts, ScanFacts, WebFacts
from auditor.policy import builtin_packs, load_policy

ROOT = Path(__file__).parent.parent
FACTS: dict[str, type[BaseModel]] = {
    "host": HostFacts,
    "scan": ScanFacts,
    "asset": AssetFacts,
    "netdev": NetDeviceFacts,
    "web": WebFacts,
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


def test_one_card_per_check_named_by_its_id(registry: Registry) -> None:
    cards = check_cards()
    assert sorted(cards) == registry.ids()
    for card in cards.values():
        assert (ROOT / card.card_file).is_file()
        code = (ROOT / card.code_file).read_text(encoding="utf-8")
        assert f'@check("{card.id}"' in code, f"{card.id} is not coded in {card.code_file}"


CASES = [
    (card.id, index, case)
    for card in check_cards().values()
    for index, case in enumerate(card.cases)
]


@pytest.mark.parametrize(
    ("check_id", "index", "case"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2].kind}" for c in CASES]
)
def test_card_case(registry: Registry, check_id: str, index: int, case: Any) -> None:
    spec = registry[check_id]
    facts = FACTS[spec.needs].model_validate(case.facts)
    outcome = spec.run(facts, case.params)
    assert outcome.status is case.expect, (check_id, index, case.note, outcome)


def test_near_misses_never_pass() -> None:
    for card in check_cards().values():
        for case in card.cases:
            if case.kind == "near_miss":
                assert case.expect.value != "pass", card.id


def test_placeholders_are_ones_the_check_can_fill(registry: Registry) -> None:
    for card in check_cards().values():
        fields = registry[card.id].params.model_fields
        for step in card.remediation:
            texts = [step.text.vi, step.text.en, step.command or ""]
            for name in set().union(*(placeholders(t) for t in texts)):
                if name.startswith("param."):
                    field = name.removeprefix("param.")
                    assert field in fields, f"{card.id}: {{{name}}} is not a parameter"
                    annotation = fields[field].annotation
                    assert annotation in (int, float, str, float | None, int | None), name


def test_every_platform_of_a_host_check_has_a_command() -> None:
    """A fix on Windows, Linux, Cisco or RouterOS is something to type, not only words,
    unless no command can do it (`manual`: a reinstall, a firmware image)."""
    typed = {"windows", "debian", "rhel", "cisco-ios", "routeros"}
    for card in check_cards().values():
        for step in card.remediation:
            if step.platform in typed and not step.manual:
                assert step.command, f"{card.id} on {step.platform} has no command"


def test_a_card_missing_a_field_stops_the_loader(tmp_path: Path) -> None:
    text = (ROOT / "checks" / "pwd.min_length.yaml").read_text(encoding="utf-8")
    card = yaml.safe_load(text)
    for field in ("rationale", "proves", "remediation", "sources"):
        broken = {k: v for k, v in card.items() if k != field}
        with pytest.raises(ValueError, match=field):
            CheckCard.model_validate(broken)
    no_near_miss = card | {"cases": [c for c in card["cases"] if c["kind"] != "near_miss"]}
    with pytest.raises(ValueError, match="near_miss"):
        CheckCard.model_validate(no_near_miss)
    assert issubclass(CardError, ValueError)


def test_every_management_requirement_has_a_card() -> None:
    cards = requirement_cards()
    registry = discover()
    for name in builtin_packs():
        pack = load_policy(name, registry)
        for req in pack.requirements:
            if req.attestation is not None:
                assert req.id in cards, f"{req.id} ({name}) has no requirement card"
