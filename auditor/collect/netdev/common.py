"""What the device drivers share: the size limit and vendor default names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from importlib.resources import files


class Incomplete(ValueError):
    """A configuration cut off before its end (a transfer interrupted, a paste too short):
    reported as incomplete, never judged."""


MAX_CONFIG = 4 * 1024 * 1024  # bytes of configuration/output accepted from one device
DEFAULT_COMMUNITIES = {"public", "private"}


def separated_zones(interfaces: list[str], filtered: set[str]) -> list[str]:
    """Zones as the filtering makes them: each inside interface whose traffic a rule filters
    is a zone of its own; the ones nothing separates form a single flat zone ("a+b")."""
    flat = [name for name in interfaces if name not in filtered]
    zones = [name for name in interfaces if name in filtered]
    return zones + (["+".join(flat)] if flat else [])


MAX_WEAK_CHECKS = 400  # slow-hash verifications per device: bounded, whatever the file holds


@cache
def weak_passwords() -> tuple[str, ...]:
    text = files("auditor.collect.netdev").joinpath("weak_passwords.txt").read_text("utf-8")
    return tuple(ln for ln in text.splitlines() if ln and not ln.startswith("#"))


def weak_accounts(accounts: list[tuple[str, Callable[[str], bool]]]) -> list[str] | None:
    """`name: weak password` for each account whose stored secret one of the weak
    passwords verifies; the password itself is never said. Work is bounded: a device with
    more accounts than MAX_WEAK_CHECKS allows is not judged (None), never called clean."""
    if len(accounts) * len(weak_passwords()) > MAX_WEAK_CHECKS:
        return None
    found = []
    for name, verifies in accounts:
        for candidate in weak_passwords():
            if verifies(candidate):
                found.append(f"{name}: weak password")
                break
    return found


_DEVICE_ZONE = timezone(timedelta(hours=7))  # a device's own clock: assumed Vietnam time


def device_time(text: str, formats: tuple[str, ...]) -> datetime | None:
    """A date a device printed in its own local time, in UTC; None when none parses."""
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=_DEVICE_ZONE).astimezone(UTC)
        except ValueError:
            continue
    return None
