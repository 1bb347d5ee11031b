"""nmap against listeners this test opens on 127.0.0.1 — real scans, loopback only."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator

import pytest

from auditor.checking import Status, discover
from auditor.collect import nmap_scan
from auditor.inventory import ScanSettings
from tests.sshd import free_port

pytestmark = pytest.mark.skipif(
    shutil.which("nmap") is None, reason="nmap is not installed (apt-get install nmap)"
)


@pytest.fixture()
def listeners() -> Iterator[list[int]]:
    socks = []
    for _ in range(2):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        socks.append(sock)
    yield [s.getsockname()[1] for s in socks]
    for sock in socks:
        sock.close()


def test_scan_finds_exactly_the_open_listeners(listeners: list[int]) -> None:
    closed = free_port()
    ports = ",".join(map(str, [*listeners, closed]))
    result = nmap_scan.scan(["127.0.0.1"], ScanSettings(ports=ports, timeout_s=60))
    assert result.failures == {}
    facts = result.by_address["127.0.0.1"]
    assert facts.host_up
    assert sorted(p.port for p in facts.open_ports) == sorted(listeners)
    assert b"<nmaprun" in result.evidence["127.0.0.1"]
    assert ("-sS" if os.geteuid() == 0 else "-sT") in facts.arguments


def test_insecure_port_is_flagged_by_the_check(listeners: list[int]) -> None:
    telnet_like = listeners[0]
    result = nmap_scan.scan(["127.0.0.1"], ScanSettings(ports=str(telnet_like), timeout_s=60))
    check = discover()["scan.insecure_ports"]
    outcome = check.run(result.by_address["127.0.0.1"], {"ports": {f"{telnet_like}/tcp": "Telnet"}})
    assert outcome.status is Status.failed
    assert outcome.observed == [f"{telnet_like}/tcp Telnet"]
    clean = nmap_scan.scan(["127.0.0.1"], ScanSettings(ports=str(free_port()), timeout_s=60))
    assert (
        check.run(clean.by_address["127.0.0.1"], {"ports": {f"{telnet_like}/tcp": "Telnet"}}).status
        is Status.passed
    )


def test_hostname_is_resolved_and_mapped_back(listeners: list[int]) -> None:
    result = nmap_scan.scan(["localhost"], ScanSettings(ports=str(listeners[0]), timeout_s=60))
    assert [p.port for p in result.by_address["localhost"].open_ports] == [listeners[0]]


def test_unresolvable_name_is_a_failure_not_a_clean_host() -> None:
    result = nmap_scan.scan(["no-such-host.invalid"], ScanSettings(ports="22", timeout_s=30))
    assert result.by_address == {}
    assert result.failures["no-such-host.invalid"].code == "nmap.unresolvable"


def test_missing_nmap_binary_is_a_failure() -> None:
    settings = ScanSettings(ports="22", timeout_s=30, nmap_binary="/nonexistent/nmap")
    result = nmap_scan.scan(["127.0.0.1"], settings)
    assert result.failures["127.0.0.1"].code == "nmap.missing"


def test_each_address_keeps_only_its_own_part_of_the_scan(listeners: list[int]) -> None:
    ports = ",".join(map(str, listeners))
    result = nmap_scan.scan(["127.0.0.1", "127.0.0.2"], ScanSettings(ports=ports, timeout_s=60))
    one, two = result.evidence["127.0.0.1"], result.evidence["127.0.0.2"]
    assert b'addr="127.0.0.1"' in one and b'addr="127.0.0.2"' not in one
    assert b'addr="127.0.0.2"' in two and b'addr="127.0.0.1"' not in two
    assert b"<scaninfo" in one  # the run header (type, protocol, ports) stays with each part


def test_addresses_outside_allowed_networks_are_never_scanned(listeners: list[int]) -> None:
    settings = ScanSettings(ports=str(listeners[0]), allowed_networks=["10.77.0.0/16"])
    result = nmap_scan.scan(["127.0.0.1"], settings)
    assert result.by_address == {} and result.evidence == {}
    assert result.failures["127.0.0.1"].code == "nmap.out_of_scope"
    inside = ScanSettings(ports=str(listeners[0]), allowed_networks=["127.0.0.0/8"])
    assert nmap_scan.scan(["127.0.0.1"], inside).by_address["127.0.0.1"].open_ports
