"""Look up user-facing strings by key in the Vietnamese or English catalogue."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from auditor.yamlfile import load_shipped

LANGS = ("vi", "en")


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _flatten(node: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = str(node)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All strings of one language, keyed "section.key" (check ids keep their dots)."""
    return _own_strings(lang) | card_strings(lang)


@cache
def _own_strings(lang: str) -> dict[str, str]:
    """The language's catalogue file alone: what the console needs before any check is
    named (reading the 114 check cards waits until a check's words are asked for)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}")
    text = files("auditor.messages").joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    _flatten(load_shipped(text), "", out)
    return out


_CARD_KEYS = ("check.", "proves.")


@cache
def card_strings(lang: str) -> dict[str, str]:
    """A check's title and what its pass proves live on its card (checks/<id>.yaml)."""
    from auditor.cards import check_cards  # cards read the catalogue's Text model

    out: dict[str, str] = {}
    for card in check_cards().values():
        out[f"check.{card.id}.title"] = card.title(lang)
        out[f"proves.{card.id}.pass"] = card.proves(lang)
        out[f"proves.{card.id}.not"] = card.does_not_prove(lang)
    return out


class Messages:
    """Translator bound to one language; unknown keys come back as the key itself."""

    def __init__(self, lang: str = "vi") -> None:
        self.lang = lang
        self._own = _own_strings(lang)

    def _get(self, key: str) -> str | None:
        if key.startswith(_CARD_KEYS) and key not in self._own:
            return card_strings(self.lang).get(key)
        return self._own.get(key)

    def __call__(self, key: str, /, **params: Any) -> str:
        template = self._get(key)
        if template is None and "count" in params:  # a text with plural forms: one / other
            form = "one" if params["count"] == 1 else "other"
            template = self._get(f"{key}.{form}")
        if template is None:
            return key
        return template.format_map(_Keep(params))

    def has(self, key: str) -> bool:
        return self._get(key) is not None or self._get(f"{key}.other") is not None
