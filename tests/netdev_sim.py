"""A simulated network device: a real SSH server (paramiko) on 127.0.0.1 that logs in with
a password, shows the vendor's prompt, answers `enable`, pages long output with
`--More--` (unless paging is turned off and the account may do so), replays recorded
command outputs, runs exec commands (pfSense `cat /conf/config.xml`), and can hang in the
middle of an output like a stuck device."""

from __future__ import annotations

import argparse
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "netdev"

PAGE_LINES = 23
MORE = " --More-- "
ERASE = "\b" * len(MORE) + " " * len(MORE) + "\b" * len(MORE)


@dataclass
class Device:
    platform: str  # cisco-ios, fortios, mikrotik, pfsense
    hostname: str
    user: str
    password: str
    outputs: dict[str, str]  # command → output (shell), or exec command → output
    enable_secret: str | None = None  # Cisco: the user starts at ">" and needs `enable`
    force_paging: bool = False  # the account may not run `terminal length 0`
    hang_on: str | None = None  # this command stops half-way and never finishes
    logins: list[tuple[str, str]] = field(default_factory=list)  # every attempt, for tests


class _Server(paramiko.ServerInterface):
    def __init__(self, device: Device) -> None:
        self.device = device
        self.shell = threading.Event()
        self.exec_command: str | None = None

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED
            if kind == "session"
            else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        name = username.split("+", 1)[0]  # RouterOS login options: admin+ct511w4098h
        self.device.logins.append((name, password))
        ok = (name, password) == (self.device.user, self.device.password)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_pty_request(self, *args: Any) -> bool:
        return True

    def check_channel_shell_request(self, channel: Any) -> bool:
        self.shell.set()
        return True

    def check_channel_exec_request(self, channel: Any, command: bytes) -> bool:
        self.exec_command = command.decode()
        self.shell.set()
        return True


class Simulator:
    """`with Simulator(device) as sim:` → sim.port, sim.host_key_line for known_hosts."""

    def __init__(self, device: Device, address: str = "127.0.0.1", port: int = 0) -> None:
        self.device = device
        self.key = paramiko.ECDSAKey.generate()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.key.get_name()} {self.key.get_base64()}\n"

    def __enter__(self) -> Simulator:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        transport.add_server_key(self.key)
        server = _Server(self.device)
        try:
            transport.start_server(server=server)
            channel = transport.accept(20)
            if channel is None or not server.shell.wait(20):
                return
            if server.exec_command is not None:
                self._exec(channel, server.exec_command)
            else:
                _Shell(self.device, channel, self._stop).run()
        except (paramiko.SSHException, OSError, EOFError):
            pass
        finally:
            transport.close()

    def _exec(self, channel: Any, command: str) -> None:
        output = self.device.outputs.get(command)
        if command == self.device.hang_on and output:
            channel.sendall(output[: len(output) // 2].encode())
            self._stop.wait(3600)
            return
        if output is None:
            channel.sendall_stderr(f"sh: {command.split()[0]}: not found\n".encode())
            channel.send_exit_status(127)
        else:
            channel.sendall(output.encode())
            channel.send_exit_status(0)
        channel.close()


class _Shell:
    """The interactive CLI: echo, prompt, enable, paging, replayed outputs."""

    def __init__(self, device: Device, channel: Any, stop: threading.Event) -> None:
        self.d, self.ch, self.stop = device, channel, stop
        self.enabled = device.enable_secret is None
        self.paging = True
        self.pending = ""

    def prompt(self) -> str:
        if self.d.platform == "mikrotik":
            return f"[{self.d.user}@{self.d.hostname}] > "
        if self.d.platform == "fortios":
            return f"{self.d.hostname} # "
        return f"{self.d.hostname}{'#' if self.enabled else '>'}"

    def send(self, text: str) -> None:
        self.ch.sendall(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())

    def read_char(self) -> str | None:
        while not self.pending:
            data = self.ch.recv(1024)
            if not data:
                return None
            self.pending += data.decode(errors="replace")
        char, self.pending = self.pending[0], self.pending[1:]
        return char

    def read_line(self, echo: bool = True) -> str | None:
        line = ""
        while True:
            char = self.read_char()
            if char is None:
                return None
            if char in "\r\n":
                if char == "\r" and self.pending.startswith("\n"):
                    self.pending = self.pending[1:]
                self.send("\n")
                return line
            if echo:
                self.ch.sendall(char.encode())
            line += char

    def run(self) -> None:
        if self.d.platform == "mikrotik":
            self.send("\n\n  MikroTik RouterOS (c) 1999-2024       https://www.mikrotik.com/\n\n")
        self.send("\n" + self.prompt())
        while True:
            line = self.read_line()
            if line is None or line.strip() in ("exit", "quit", "/quit"):
                self.ch.close()
                return
            self.command(line.strip())
            self.send(self.prompt())

    def command(self, cmd: str) -> None:
        if not cmd:
            return
        if self.d.platform == "cisco-ios" and cmd == "enable":
            self.send("Password: ")
            given = self.read_line(echo=False)
            if given == self.d.enable_secret:
                self.enabled = True
            else:
                self.send("% Access denied\n\n")
            return
        if cmd.startswith("terminal length"):
            self.paging = self.d.force_paging or cmd.split()[-1] != "0"
            return
        if cmd.startswith("terminal width"):
            return
        output = self.d.outputs.get(cmd)
        if output is None or (cmd.startswith("show run") and not self.enabled):
            self.send("% Invalid input detected at '^' marker.\n\n")
            return
        if cmd == self.d.hang_on:
            self.send(output[: len(output) // 2])
            self.stop.wait(3600)
            return
        self.page(output)

    def page(self, output: str) -> None:
        lines = output.rstrip("\n").split("\n")
        if not self.paging or self.d.platform == "mikrotik":
            self.send("\n".join(lines) + "\n")
            return
        for start in range(0, len(lines), PAGE_LINES):
            self.send("\n".join(lines[start : start + PAGE_LINES]) + "\n")
            if start + PAGE_LINES >= len(lines):
                return
            self.ch.sendall(MORE.encode())
            key = self.read_char()
            self.ch.sendall(ERASE.encode())
            if key in (None, "q", "Q"):
                return


def fixture_device(platform: str, profile: str, user: str, password: str, **extra: Any) -> Device:
    """A device that replays the recorded outputs of `tests/fixtures/netdev` (hardened/weak)."""
    live = FIXTURES / "live"
    if platform == "cisco-ios":
        config = (FIXTURES / f"cisco-ios-{profile}.txt").read_text()
        # the weak router's VNC forward was added today and never saved
        unsaved = (
            "ip nat inside source static tcp 192.168.1.20 5900 interface FastEthernet0/0 5900\n"
        )
        outputs = {
            "show running-config": config,
            "show startup-config": config.replace(unsaved, ""),
            "show version": (live / f"cisco-{profile}-show-version.txt").read_text(),
        }
        host = "R-UBND-XA" if profile == "hardened" else "Router"
    elif platform == "mikrotik":
        outputs = {
            "/export verbose": (FIXTURES / f"mikrotik-{profile}.rsc").read_text(),
            "/system resource print": (
                live / f"mikrotik-{profile}-system-resource.txt"
            ).read_text(),
        }
        host = "MikroTik"
    elif platform == "fortios":
        backup = (FIXTURES / f"fortigate-{profile}.conf").read_text()
        outputs = {  # a live `show` prints no `#config-version=` header lines
            "show full-configuration": "".join(
                line for line in backup.splitlines(keepends=True) if not line.startswith("#")
            ),
            "get system status": (live / f"fortigate-{profile}-system-status.txt").read_text(),
        }
        host = "FGT-UBND-XA"
    else:
        outputs = {"cat /conf/config.xml": (FIXTURES / f"pfsense-{profile}.xml").read_text()}
        host = "pfSense"
    return Device(platform, host, user, password, outputs, **extra)


def main() -> None:
    """Serve one fixture device until killed (used by the lab's router namespace)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--platform", choices=["cisco-ios", "mikrotik", "pfsense"], required=True)
    parser.add_argument("--profile", choices=["hardened", "weak"], default="weak")
    parser.add_argument("--listen", default="127.0.0.1:0", help="address:port")
    parser.add_argument("--user", default="quantri")
    parser.add_argument("--password-env", default="DEVICE_PASSWORD")
    parser.add_argument("--host-key-out", type=Path, required=True)
    args = parser.parse_args()
    address, port = args.listen.rsplit(":", 1)
    device = fixture_device(args.platform, args.profile, args.user, os.environ[args.password_env])
    with Simulator(device, address, int(port)) as sim:
        args.host_key_out.write_text(f"{sim.key.get_name()} {sim.key.get_base64()}\n")
        threading.Event().wait()


if __name__ == "__main__":
    main()
