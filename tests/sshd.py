"""A real OpenSSH server on 127.0.0.1 with its own host key and a throwaway user key."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def why_not_available() -> str | None:
    if not Path(SSHD).exists():
        return "openssh-server is not installed (apt-get install openssh-server)"
    if not shutil.which("ssh-keygen"):
        return "ssh-keygen is not installed"
    if not Path("/run/sshd").is_dir() and os.geteuid() != 0:
        return "sshd needs /run/sshd, which only root can create"
    return None


@dataclass
class Sshd:
    """One running sshd; `restart(new_host_key=True)` simulates a reinstalled host."""

    root: Path
    port: int
    user: str
    user_key: Path
    proc: subprocess.Popen[bytes] | None = None
    extra: str = ""

    @classmethod
    def start(cls, root: Path, extra: str = "") -> Sshd:
        """`extra` is appended to sshd_config (e.g. a ForceCommand replaying a fixture)."""
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        keygen(root / "user_key")
        keygen(root / "host_key")
        (root / "authorized_keys").write_text((root / "user_key.pub").read_text())
        server = cls(
            root=root,
            port=free_port(),
            user=getpass.getuser(),
            user_key=root / "user_key",
            extra=extra,
        )
        server._run()
        return server

    def _run(self) -> None:
        config = self.root / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.root}/host_key\n"
            f"PidFile {self.root}/sshd.pid\nAuthorizedKeysFile {self.root}/authorized_keys\n"
            "UsePAM no\nStrictModes no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\nLogLevel ERROR\n" + self.extra
        )
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"sshd exited: {self.proc.stderr.read() if self.proc.stderr else ''}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def restart(self, *, new_host_key: bool = False) -> None:
        self.stop()
        if new_host_key:
            (self.root / "host_key").unlink()
            (self.root / "host_key.pub").unlink()
            keygen(self.root / "host_key")
        self._run()
