"""The check API: statuses, outcomes, the @check decorator and an explicit registry.

Checks are pure functions `(facts, params) -> Outcome`. They never do I/O and never hold
a threshold: parameters come from the policy pack. The registry is built by `discover()`
and passed around; importing a check module registers nothing globally.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

Observed = str | int | float | bool | list[str] | None
Param = str | int | float | bool | None
Needs = Literal["host", "scan", "asset", "web", "netdev"]


class Status(StrEnum):
    passed = "pass"
    failed = "fail"
    error = "error"
    not_applicable = "not_applicable"
    manual = "manual"
    waived = "waived"


@dataclass(slots=True)
class Outcome:
    """What a check concluded, what it saw and what it expected.

    `note` is a message-catalogue key (`outcome.*`) with `params`, so the report can say
    it in Vietnamese or English. A plain slotted class, not a pydantic model: checks make
    one per asset and requirement (350,000 for a province's 10,000 hosts) and the types are
    held by mypy; the engine still refuses a malformed one from a plug-in (`well_formed`).
    Treat it as immutable: change one with `dataclasses.replace`.
    """

    status: Status
    observed: Observed = None
    expected: str | None = None
    note: str | None = None
    params: dict[str, Param] = field(default_factory=dict)

    @classmethod
    def ok(
        cls,
        observed: Observed = None,
        expected: str | None = None,
        note: str | None = None,
        **params: Param,
    ) -> Outcome:
        return cls(
            status=Status.passed, observed=observed, expected=expected, note=note, params=params
        )

    @classmethod
    def fail(
        cls,
        observed: Observed = None,
        expected: str | None = None,
        note: str | None = None,
        **params: Param,
    ) -> Outcome:
        return cls(
            status=Status.failed, observed=observed, expected=expected, note=note, params=params
        )

    @classmethod
    def unknown(cls, note: str, **params: Param) -> Outcome:
        """The fact needed was not collected: an error, never a pass."""
        return cls(status=Status.error, note=note, params=params)

    @classmethod
    def manual(cls, note: str, **params: Param) -> Outcome:
        return cls(status=Status.manual, note=note, params=params)

    @classmethod
    def at_most(
        cls,
        observed: int | float | None,
        limit: int | float,
        *,
        what: str,
        zero_means_unlimited: bool = False,
    ) -> Outcome:
        """Pass when observed ≤ limit; unknown when observed is None."""
        if observed is None:
            return cls.unknown("outcome.not_collected", what=what)
        if zero_means_unlimited and observed == 0:
            return cls.fail(
                observed=observed, expected=f"1..{limit}", note="outcome.zero_unlimited"
            )
        status = Status.passed if observed <= limit else Status.failed
        return cls(status=status, observed=observed, expected=f"≤ {limit}")

    @classmethod
    def at_least(cls, observed: int | float | None, limit: int | float, *, what: str) -> Outcome:
        """Pass when observed ≥ limit; unknown when observed is None."""
        if observed is None:
            return cls.unknown("outcome.not_collected", what=what)
        status = Status.passed if observed >= limit else Status.failed
        return cls(status=status, observed=observed, expected=f"≥ {limit}")


class NoParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


F = TypeVar("F", bound=Callable[..., Outcome])


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: stable id, which facts it needs, its parameter model."""

    id: str
    needs: Needs
    params: type[BaseModel]
    func: Callable[[Any, Any], Outcome]

    def run(self, facts: Any, params: dict[str, Any] | BaseModel) -> Outcome:
        """`params` as written in the pack, or already validated (the engine validates each
        pack entry once, not once per asset)."""
        model = params if isinstance(params, self.params) else self.params.model_validate(params)
        return self.func(facts, model)


def check(check_id: str, *, needs: Needs, params: type[BaseModel] = NoParams) -> Callable[[F], F]:
    """Mark a function as a check; `discover()` finds it. No global state is touched."""

    def mark(func: F) -> F:
        func.__check__ = CheckSpec(check_id, needs, params, func)  # type: ignore[attr-defined]
        return func

    return mark


class Registry:
    """Checks by id. Built by `discover()`; tests may build their own from modules."""

    def __init__(self, specs: Iterable[CheckSpec]) -> None:
        self._specs: dict[str, CheckSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"duplicate check id {spec.id!r}")
            self._specs[spec.id] = spec

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._specs

    def __getitem__(self, check_id: str) -> CheckSpec:
        return self._specs[check_id]

    def ids(self) -> list[str]:
        return sorted(self._specs)

    @classmethod
    def from_modules(cls, modules: Iterable[ModuleType]) -> Registry:
        specs = []
        for module in modules:
            for value in vars(module).values():
                spec = getattr(value, "__check__", None)
                if isinstance(spec, CheckSpec):
                    specs.append(spec)
        return cls(specs)


BUILTIN_CHECKS = "auditor.checks."


def discover() -> Registry:
    """Built-in checks (package `auditor.checks`) plus any from `auditor.checks` entry points."""
    builtin = importlib.import_module(BUILTIN_CHECKS.rstrip("."))
    modules = [
        importlib.import_module(f"{builtin.__name__}.{info.name}")
        for info in pkgutil.iter_modules(builtin.__path__)
        if not info.name.startswith("_")
    ]
    for entry in entry_points(group="auditor.checks"):
        modules.append(importlib.import_module(entry.value))
    return Registry.from_modules(modules)


_SCALARS = (str, int, float, bool, type(None))


def well_formed(outcome: object) -> bool:
    """An Outcome whose values the report can hold: a plug-in check typed by nobody must
    not make the signed report unwritable after a whole collection."""
    if type(outcome) is not Outcome or type(outcome.status) is not Status:
        return False
    observed = outcome.observed
    if isinstance(observed, list):
        if not all(type(v) is str for v in observed):
            return False
    elif not isinstance(observed, _SCALARS):
        return False
    return (
        (outcome.expected is None or type(outcome.expected) is str)
        and (outcome.note is None or type(outcome.note) is str)
        and all(type(k) is str and isinstance(v, _SCALARS) for k, v in outcome.params.items())
    )
