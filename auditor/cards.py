"""Check cards: everything about one check in one file beside its code.

A check `fam.name` is coded in `checks/fam.py` and described in `checks/fam.name.yaml`:
its title, why it matters, what a pass proves and does not, the remediation per platform
(with the vendor documentation it was checked against) and its test cases as data. The
cards are validated into typed models when first used, so a missing field stops the tool
at start-up rather than leaving a blank in a signed report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from auditor.checking import Status
from auditor.policy import Text
from auditor.yamlfile import load_shipped

Platform = Literal[
    "windows",
    "debian",
    "rhel",
    "cisco-ios",
    "fortios",
    "routeros",
    "pfsense",
    "nginx",
    "apache",
    "any",
]
CaseKind = Literal["pass", "fail", "unknown", "near_miss"]
CARD_PACKAGE = "auditor.checks"
_PLACEHOLDER = re.compile(r"\{(observed|required|assets|item|param\.[a-z_][a-z0-9_]*)\}")


class _Card(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Card):
    """One remediation step for one platform: words, where to click, what to type."""

    platform: Platform
    text: Text
    where: Text | None = None
    command: str | None = None
    per_item: bool = False  # the command is repeated for each observed item ({item})
    # where the items come from: the observed list, or the device's own lines the check
    # names (its `rules` parameter, one per line) when the fix must repeat them exactly
    items: Literal["observed", "rules"] = "observed"
    # no command can do it: a reinstall, a firmware image, a device the platform lacks
    manual: bool = False

    @model_validator(mode="after")
    def _item_only_per_item(self) -> Step:
        uses_item = "{item}" in (self.command or "")
        if uses_item != self.per_item:
            raise ValueError("{item} is used exactly when per_item is true")
        if self.command is not None and "{assets}" in self.command:
            raise ValueError("{assets} is for the text, never for a command")
        if self.manual and self.command is not None:
            raise ValueError("a manual step has no command")
        return self


class Source(_Card):
    url: str = Field(pattern=r"^https://")
    title: str = Field(min_length=1)


class Case(_Card):
    """A test case as data: these facts and parameters give this status."""

    kind: CaseKind
    note: str = ""
    params: dict[Any, Any] = {}
    facts: dict[str, Any]
    expect: Status


class CheckCard(_Card):
    id: str = Field(pattern=r"^[a-z]+\.[a-z0-9_]+$")
    title: Text
    rationale: Text
    proves: Text
    does_not_prove: Text
    remediation: list[Step] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    cannot_fail: str | None = None  # why there is no failing case (e.g. a scan that ran)
    cases: list[Case]

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def code_file(self) -> str:
        return f"checks/{self.family}.py"

    @property
    def card_file(self) -> str:
        return f"checks/{self.id}.yaml"

    def platforms(self) -> list[str]:
        return list(dict.fromkeys(s.platform for s in self.remediation))

    @model_validator(mode="after")
    def _cases_cover_every_kind(self) -> CheckCard:
        kinds = {c.kind for c in self.cases}
        wanted = {"pass", "unknown", "near_miss"} | (set() if self.cannot_fail else {"fail"})
        if missing := sorted(wanted - kinds):
            raise ValueError(f"no test case of kind {', '.join(missing)}")
        return self


class RequirementCard(_Card):
    """A management requirement: who issues what, approved by whom, and its template."""

    id: str = Field(pattern=r"^L2-[A-Z0-9-]+$")
    action: Text
    collect: Text
    template: str | None = None

    @field_validator("template")
    @classmethod
    def _known_template(cls, value: str | None) -> str | None:
        if value is not None and value not in TEMPLATES:
            raise ValueError(f"unknown template {value!r}")
        return value


# The documents `auditor templates` writes (the names cards refer to).
TEMPLATES = (
    "quyet-dinh-phan-cong",
    "quy-che",
    "ke-hoach-ung-pho",
    "ho-so-cap-do",
    "ke-hoach-kiem-tra",
    "bien-ban-khoi-phuc",
    "cam-ket-bao-mat",
)


class CardError(ValueError):
    """A card file that does not validate, named so the newcomer can open it."""


def _load(name: str, text: str, model: type[_Card]) -> Any:
    try:
        return model.model_validate(load_shipped(text))
    except (yaml.YAMLError, ValueError) as exc:
        raise CardError(f"checks/{name}: {exc}") from exc


@cache
def check_cards() -> Mapping[str, CheckCard]:
    """Every check card shipped with the tool, by check id."""
    cards: dict[str, CheckCard] = {}
    for entry in sorted(files(CARD_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            card: CheckCard = _load(entry.name, entry.read_text(encoding="utf-8"), CheckCard)
            if entry.name != f"{card.id}.yaml":
                raise CardError(f"checks/{entry.name}: holds card {card.id!r}")
            cards[card.id] = card
    return cards


@cache
def requirement_cards() -> Mapping[str, RequirementCard]:
    """Every management requirement card, by requirement id."""
    folder = files(CARD_PACKAGE).joinpath("requirements")
    cards: dict[str, RequirementCard] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            name = f"requirements/{entry.name}"
            card: RequirementCard = _load(name, entry.read_text(encoding="utf-8"), RequirementCard)
            if entry.name != f"{card.id}.yaml":
                raise CardError(f"checks/{name}: holds card {card.id!r}")
            cards[card.id] = card
    return cards


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace only the card placeholders; other braces (PowerShell blocks) stay."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))
