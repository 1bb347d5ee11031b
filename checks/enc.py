"""Data at rest is encrypted (L2-AST-ENC-01)."""

from __future__ import annotations

from auditor.checking import Outcome, Status, check
from auditor.facts import HostFacts

from ._params import Params


class DataVolumes(Params):
    data_volumes: bool = True  # must fixed data volumes (D:, E: …) be encrypted too?


@check("enc.at_rest", needs="host", params=DataVolumes)
def at_rest(facts: HostFacts, p: DataVolumes) -> Outcome:
    """Pass proves: the system volume is encrypted (LUKS; BitLocker on the OS volume). Does not
    prove: that the recovery key is stored safely."""
    enc = facts.encryption
    if enc is None or enc.root_encrypted is None:
        return Outcome.unknown("outcome.not_collected", what="disk encryption")
    if not enc.root_encrypted:
        return Outcome.fail(observed=enc.encrypted_volumes, expected="system volume encrypted")
    plain = [v.name for v in enc.volumes if not v.encrypted and v.kind in ("fixed", "unknown")]
    if p.data_volumes and plain:
        return Outcome.fail(
            observed=plain,
            expected="every fixed volume encrypted",
            note="outcome.data_volume_plain",
        )
    removable = [v.name for v in enc.volumes if not v.encrypted and v.kind == "removable"]
    note = "outcome.removable_unencrypted" if removable else None
    return Outcome(
        status=Status.passed,
        observed=enc.encrypted_volumes,
        expected="system volume encrypted",
        note=note,
        params={"volumes": ", ".join(removable)} if removable else {},
    )
