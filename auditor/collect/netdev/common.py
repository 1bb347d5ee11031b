"""What the device drivers share: the size limit and vendor default names."""

from __future__ import annotations

MAX_CONFIG = 4 * 1024 * 1024  # bytes of configuration/output accepted from one device
DEFAULT_COMMUNITIES = {"public", "private"}


def separated_zones(interfaces: list[str], filtered: set[str]) -> list[str]:
    """Zones as the filtering makes them: each inside interface whose traffic a rule filters
    is a zone of its own; the ones nothing separates form a single flat zone ("a+b")."""
    flat = [name for name in interfaces if name not in filtered]
    zones = [name for name in interfaces if name in filtered]
    return zones + (["+".join(flat)] if flat else [])
