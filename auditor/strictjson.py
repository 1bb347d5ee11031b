"""JSON from outside (uploads, facts files) read strictly: a key given twice is ambiguous —
which value did the sender mean? — so it is refused, never silently last-one-wins."""

from __future__ import annotations

from typing import Any


class DuplicateKey(ValueError):
    """A JSON object named the same key twice."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook` for `json.loads`: the object, or DuplicateKey."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out
