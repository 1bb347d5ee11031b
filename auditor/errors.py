"""Input problems that name file, line and field, collected so a user sees all at once."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file; `code` is a message-catalogue key."""

    file: str
    line: int | None
    field: str | None
    code: str
    params: dict[str, Any] = dc_field(default_factory=dict)


class InputError(Exception):
    """Raised with every problem found in one input file (never a partial list)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in input")
        self.problems = problems


class CodedError(Exception):
    """A failure the user reads as a catalogue message: `code` is its key, `detail` fills
    it in (never a secret)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class CollectionError(CodedError):
    """A collector could not gather facts for one asset."""


class SigningError(CodedError):
    """A key or certificate problem."""


class StoreError(CodedError):
    """A finding or audit the history store cannot act on."""
