"""Every test gets its own auditor home, so no test reads or writes the real one."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("auditor-home")
    monkeypatch.setenv("AUDITOR_HOME", str(home))
    return home


# Modules whose tests start real peers or many processes (sshd, network namespaces, a
# browser, PostgreSQL, a receiver, nginx, a fresh venv, PDF rendering): `pytest -m "not
# slow"` leaves them out for a quick run while editing; `.ci/run` runs everything.
SLOW_MODULES = frozenset(
    {
        "test_lab", "test_dashboard", "test_receiver", "test_receiver_startup", "test_ssh",
        "test_netdev_live", "test_windows_e2e", "test_history_e2e", "test_upload",
        "test_pdf", "test_pdf_delivery", "test_pdf_original", "test_official", "test_proxy",
        "test_install", "test_nmap", "test_winrm", "test_console", "test_secrets",
        "test_vietnamese_errors", "test_web", "test_schedule", "test_signatures",
        "test_cli", "test_accounts", "test_regime", "test_guidance",
    }
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
