"""Everything an audit reads before it collects: the inventory, the policy pack with the
commune's tailoring, and the attestations. `inventory validate` and `audit` load them the
same way, so validation says every problem an audit would, all at once."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from auditor.attest import Recorded, load_attestations
from auditor.checking import Registry, discover
from auditor.errors import InputError, Problem
from auditor.inventory import Inventory, load_inventory
from auditor.policy import Pack, load_policy


@dataclass(frozen=True)
class Inputs:
    inventory: Inventory
    registry: Registry
    pack: Pack
    attestations: dict[str, Recorded]


def load_inputs(inventory_path: Path) -> Inputs:
    """The inputs, or one InputError with the problems of every file: the inventory's own
    (which stop the rest), then the pack's, the tailoring's and the attestations'."""
    inventory = load_inventory(inventory_path)
    registry = discover()
    problems: list[Problem] = []
    pack: Pack | None = None
    known: set[str] | None = None  # requirement ids the attestations are checked against
    try:
        pack = load_policy(inventory.policy, registry, inventory.overrides)
        known = set(pack.ids())
    except InputError as exc:
        problems += exc.problems
        if inventory.overrides is not None:  # the tailoring failed: the pack itself may not
            with contextlib.suppress(InputError):
                known = set(load_policy(inventory.policy, registry).ids())
    attestations: dict[str, Recorded] = {}
    if inventory.attestations is not None and known is not None:
        try:
            attestations = load_attestations(inventory.attestations, known)
        except InputError as exc:
            problems += exc.problems
    if problems or pack is None:
        raise InputError(problems)
    return Inputs(inventory, registry, pack, attestations)
