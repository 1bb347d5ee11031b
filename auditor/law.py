"""The legal texts a document may cite, with their validity (policies/law/texts.yaml), and
the choice of what a document dated `day` cites: each text the pack rests on if it is in
force that day, else what replaced it, and the old text again as the transition basis while
its transition lasts. A document dated December 2026 under the NĐ 85 pack therefore cites
Luật An ninh mạng 116/2025 and NĐ 331/2026, and NĐ 85/2016 only as the transition basis."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field

from auditor.bilingual import Text
from auditor.yamlfile import load_shipped


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Validity(_Frozen):
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None  # the last day in force

    def covers(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


class Transition(_Frozen):
    until: dt.date
    vi: str
    en: str


class LegalText(_Frozen):
    id: str
    number: str
    issued: dt.date
    issuer: Text
    citation: Text
    in_force: Validity
    replaced_by: list[str] = Field(default_factory=list)
    transition: Transition | None = None
    confidence: str


@cache
def legal_texts() -> dict[str, LegalText]:
    raw = files("auditor.policies").joinpath("law", "texts.yaml").read_text("utf-8")
    texts = [LegalText.model_validate(t) for t in load_shipped(raw)["texts"]]
    known = {t.id for t in texts}
    for text in texts:
        missing = set(text.replaced_by) - known
        if missing:
            raise ValueError(f"policies/law/texts.yaml: {text.id} replaced by unknown {missing}")
    return {t.id: t for t in texts}


def citations_on(day: dt.date, ids: list[str]) -> list[Text]:
    """What a document dated `day` cites for a pack resting on `ids`, in the pack's order,
    each text once."""
    texts = legal_texts()
    cited: list[Text] = []
    seen: set[str] = set()

    def cite(text_id: str) -> None:
        text = texts[text_id]
        if text_id in seen or text.in_force.from_ > day:
            return
        if text.in_force.covers(day):
            seen.add(text_id)
            cited.append(text.citation)
            return
        for successor in text.replaced_by:
            cite(successor)
        if text.transition is not None and day <= text.transition.until:
            seen.add(text_id)
            cited.append(
                Text(
                    vi=f"{text.citation.vi} ({text.transition.vi})",
                    en=f"{text.citation.en} ({text.transition.en})",
                )
            )

    for text_id in ids:
        cite(text_id)
    return cited
