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
