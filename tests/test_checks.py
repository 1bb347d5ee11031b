"""The check API beyond the cards' own cases (tests/test_cards.py runs every card's pass,
fail, unknown and near-miss case): failures carry what was observed and expected, and a
misspelt parameter is refused."""

from __future__ import annotations

import pytest

from auditor.checking import Registry, discover
from auditor.facts import OpenPort, PasswordPolicy
from tests.helpers import host, scan

PORTS = {"23/tcp": "Telnet", "21/tcp": "FTP", "3389/tcp": "RDP"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


def test_failures_carry_observed_and_expected(registry: Registry) -> None:
    outcome = registry["pwd.min_length"].run(
        host(password_policy=PasswordPolicy(min_length=6)), {"min_length": 8}
    )
    assert (outcome.observed, outcome.expected) == (6, "≥ 8")
    outcome = registry["scan.insecure_ports"].run(
        scan(open_ports=[OpenPort(port=23)]), {"ports": PORTS}
    )
    assert outcome.observed == ["23/tcp Telnet"]


def test_bad_params_are_rejected(registry: Registry) -> None:
    with pytest.raises(ValueError):
        registry["pwd.min_length"].run(host(), {"min_lenght": 8})
