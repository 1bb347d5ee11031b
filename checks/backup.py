"""Recent backups exist on storage separate from the source (L2-BAK-*)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import AssetFacts

from ._params import MaxDays, days_between, host_clock


@check("backup.latest_age", needs="asset", params=MaxDays)
def latest_age(facts: AssetFacts, p: MaxDays) -> Outcome:
    """Pass proves: the newest file in the declared backup folder is at most the pack's number of
    days old. Does not prove: that the backup can be restored or is complete."""
    backup = facts.host.backup if facts.host else None
    if not facts.declared.backup_configured and backup is None:
        return Outcome.unknown("outcome.backup_not_declared")
    if backup is None:
        return Outcome.unknown("outcome.not_collected", what="backup")
    if not backup.exists or backup.newest_file_time is None:
        return Outcome.fail(
            observed=None,
            expected=f"≤ {p.max_days}",
            note="outcome.no_backup_files",
            path=backup.path,
        )
    assert facts.host is not None
    age = round(days_between(backup.newest_file_time, host_clock(facts.host)), 1)
    return Outcome.at_most(age, p.max_days, what="backup age")


@check("backup.separate_storage", needs="asset")
def separate_storage(facts: AssetFacts, _: NoParams) -> Outcome:
    """Pass proves: the backup folder is on another physical disk than the system (Windows: the
    disk number behind the volume, not just its letter; Linux: the block device) or on a
    network share. Does not prove: that the other disk is kept apart from the office (offline,
    off-site)."""
    backup = facts.host.backup if facts.host else None
    if not facts.declared.backup_configured and backup is None:
        return Outcome.unknown("outcome.backup_not_declared")
    if backup is None or not backup.exists or backup.same_device_as_root is None:
        return Outcome.unknown("outcome.not_collected", what="backup device")
    observed = f"{backup.path} ({backup.fstype or '?'})"
    if backup.same_device_as_root:
        return Outcome.fail(
            observed=observed, expected="separate device", note="outcome.backup_same_disk"
        )
    return Outcome.ok(observed=observed, expected="separate device")
