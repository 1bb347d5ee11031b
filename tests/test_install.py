"""A non-editable `pip install .` into a fresh venv, run from another directory, finds its
checks, policies, message catalogues and templates and audits this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")
def test_wheel_install_runs_from_elsewhere(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    # a copy of the tracked files: building in the work tree leaves build/lib behind, and a
    # module deleted since would be packaged again from it
    source = tmp_path / "source"
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info")
    )
    pip = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(ROOT / "inventory.example.yaml", work / "inventory.yaml")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["AUDITOR_HOME"] = str(tmp_path / "home")
    auditor = str(env_dir / "bin" / "auditor")
    where = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-c",
            "import auditor, auditor.checks; print(auditor.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=True,
    )
    assert str(env_dir) in where.stdout and str(ROOT) not in where.stdout
    audit = subprocess.run(
        [auditor, "--lang", "en", "audit", "-i", "inventory.yaml", "-o", "out"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=False,
        timeout=300,
    )
    assert audit.returncode in (0, 1), audit.stdout + audit.stderr
    html = (work / "out" / "report.html").read_text(encoding="utf-8")
    assert "Level-2 information system security audit report" in html
    assert "Minimum password length" in html  # check titles come from the catalogue
    script = subprocess.run(
        [auditor, "collect", "windows-script"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=False,
    )
    assert script.returncode == 0 and "secedit /export" in script.stdout
    pack = subprocess.run(
        [auditor, "policy", "validate", "nd331-level2"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=False,
    )
    assert pack.returncode == 0, pack.stderr
    assert (tmp_path / "home" / "history.db").exists()  # migrations shipped and applied
    verify = subprocess.run(
        [auditor, "verify", "out"], capture_output=True, text=True, cwd=work, env=env, check=False
    )
    assert verify.returncode == 0, verify.stderr
