"""A user-facing text in both languages, as policy packs and legal texts carry it: a module of
its own so that the law, the packs and the report can all use it without importing each
other."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Text(BaseModel):
    """A user-facing text in both languages; Vietnamese is the primary one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en
