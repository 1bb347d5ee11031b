"""A throwaway PostgreSQL cluster for the test run (Debian's postgresql package)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.sshd import free_port

BIN = (
    next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
    if Path("/usr/lib/postgresql").exists()
    else None
)


def why_not_available() -> str | None:
    if BIN is None or not (BIN / "initdb").exists():
        return "PostgreSQL server binaries are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "no 'postgres' user to run the throwaway cluster as"
    return None


class Cluster:
    """initdb + pg_ctl in a temporary directory, on 127.0.0.1 and a random port."""

    def __init__(self, root: Path) -> None:
        assert BIN is not None
        self.root, self.port = root, free_port()
        self.data = root / "data"
        self.user = "postgres" if os.geteuid() == 0 else None

    @classmethod
    def temporary(cls) -> Cluster:
        """In a fresh directory under the system temp dir, which `postgres` can reach."""
        return cls(Path(tempfile.mkdtemp(prefix="auditor-pg-")))

    def _run(self, *args: object) -> None:
        command = [str(a) for a in args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.root, self.user, self.user)
        assert BIN is not None
        self._run(BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "auditor", "-E", "UTF8")
        self._run(
            BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.root / "log",
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
            "start",
        )
        return f"postgresql://auditor@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        assert BIN is not None
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
