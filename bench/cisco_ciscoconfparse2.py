"""The Cisco decision's comparison (README, design choices): ciscoconfparse2 0.9.18 reading
the four IOS fixtures, in a venv of its own (it is not a dependency of ours):

    python3 -m venv /tmp/ccp && /tmp/ccp/bin/pip install ciscoconfparse2
    /tmp/ccp/bin/python bench/cisco_ciscoconfparse2.py

Prints what it finds in each fixture (vty blocks, their transports and access-classes,
users, SNMP communities) and how long it took, to set beside `parse_cisco`'s facts.
"""

from __future__ import annotations

import time
from pathlib import Path

from ciscoconfparse2 import CiscoConfParse

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "netdev"


def main() -> None:
    for path in sorted(FIXTURES.glob("cisco*")):
        text = path.read_text(encoding="utf-8", errors="replace")
        started = time.perf_counter()
        parse = CiscoConfParse(text.splitlines(), syntax="ios")
        vty = parse.find_objects(r"^line vty")
        lines = [c.text.strip() for block in vty for c in block.children]
        transports = [line for line in lines if "transport input" in line]
        acl = [line for line in lines if "access-class" in line]
        users = parse.find_objects(r"^username ")
        snmp = parse.find_objects(r"^snmp-server community")
        took = (time.perf_counter() - started) * 1000
        print(
            f"{path.name}: {len(vty)} vty blocks, transports={transports}, acl={acl}, "
            f"users={len(users)}, snmp={len(snmp)}, {took:.1f} ms"
        )


if __name__ == "__main__":
    main()
