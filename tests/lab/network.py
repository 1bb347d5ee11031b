"""Bring a lab of network-namespace hosts up and down.

Layout: the controller namespace `cal-ctl` owns the lab bridge and nothing else (no
default route, no link to the machine's own network), so a scanner run inside it can only
reach lab hosts. Each host `cal-hNNN` is a namespace with one veth on that bridge, its own
hostname and PID namespace, per-host /etc, /var/lib, /var/log and /srv (overlay and bind
mounts inside the host's own mount namespace) and a real sshd. State lives in ROOT; `down`
removes everything with the lab prefix, so it also cleans up after a crashed run.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.lab.hosts import HostPlan, listener_command, prepare_host, start_command
from tests.lab.profiles import profile_for

PREFIX = "cal-"
CONTROLLER = "cal-ctl"
BRIDGE = "calbr0"
SUBNET = ipaddress.ip_network("10.77.0.0/16")
CONTROLLER_IP = "10.77.0.1"
ROOT = Path(os.environ.get("CAL_LAB_ROOT", "/var/tmp/commune-auditor-lab"))
MAX_HOSTS = 1000
ROUTER_IP = "10.77.0.254"
ROUTER_PASSWORD_ENV = "LAB_ROUTER_PASSWORD"
ROUTER_PASSWORD = "lab-router-only"  # a simulated device in a namespace; nothing real
REPO = Path(__file__).resolve().parents[2]
LAB_PACKAGES = "iproute2 util-linux openssh-server nftables"


class LabError(RuntimeError):
    pass


def why_not_available() -> str | None:
    """None when this machine can run the lab, else what is missing (for a skip message)."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, mounts); run as root or in CI"
    for tool in ("ip", "unshare", "sshd", "ssh-keygen", "nft"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            return f"the lab needs `{tool}` (apt-get install {LAB_PACKAGES})"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"network namespaces are not available here: {probe.stderr.strip()}"
    return None


@dataclass(frozen=True)
class LabHost:
    name: str  # namespace name, e.g. cal-h001
    hostname: str
    ip: str
    profile: str
    host_key_pub: str


@dataclass(frozen=True)
class LabState:
    hosts: list[LabHost]
    router_ip: str | None
    client_key: str
    known_hosts: str

    def save(self) -> None:
        (ROOT / "state.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls) -> LabState:
        path = ROOT / "state.json"
        if not path.exists():
            raise LabError(f"no lab is up ({path} does not exist); run: python -m tests.lab up")
        raw = json.loads(path.read_text())
        return cls(
            hosts=[LabHost(**h) for h in raw["hosts"]],
            router_ip=raw["router_ip"],
            client_key=raw["client_key"],
            known_hosts=raw["known_hosts"],
        )


def host_ip(index: int) -> str:
    """Host i (0-based) → 10.77.1.1, 10.77.1.2 … 10.77.1.200, 10.77.2.1 …"""
    return f"10.77.{1 + index // 200}.{1 + index % 200}"


def run(*cmd: str, input_text: str | None = None) -> None:
    done = subprocess.run(cmd, input=input_text, capture_output=True, text=True)
    if done.returncode != 0:
        raise LabError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")


def lab_namespaces() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def down() -> list[str]:
    """Kill every lab process, delete every lab namespace and file. Safe to repeat."""
    removed = lab_namespaces()
    for ns in removed:
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
        for pid in pids.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
    for ns in removed:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    subprocess.run(["ip", "route", "del", "blackhole", str(SUBNET)], capture_output=True)
    shutil.rmtree(ROOT, ignore_errors=True)
    return removed


def up(hosts: int, *, router: bool = True, workers: int = 8) -> LabState:
    """Start a fresh lab of `hosts` hosts (after removing any previous one)."""
    if not 1 <= hosts <= MAX_HOSTS:
        raise LabError(f"--hosts must be between 1 and {MAX_HOSTS}")
    down()
    _refuse_overlap()
    # A safety net for mistakes: from this machine's own namespace, the lab subnet goes
    # nowhere (only the controller namespace reaches the lab; nothing leaves the machine).
    run("ip", "route", "add", "blackhole", str(SUBNET))
    ROOT.mkdir(parents=True, mode=0o700)
    (ROOT / "bin").mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ROOT / "client_key")], check=True
    )
    _controller()
    plans = [
        HostPlan(
            ns=f"{PREFIX}h{i + 1:03d}",
            hostname=f"pc-{i + 1:03d}",
            ip=host_ip(i),
            profile=profile_for(i),
            root=ROOT / "hosts" / f"h{i + 1:03d}",
            lab_root=ROOT,
        )
        for i in range(hosts)
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        started = list(pool.map(_start_host, plans))
    keys = [key for key, _ in started]
    router_ip, router_key = _router() if router else (None, "")
    known = "".join(f"{p.ip} {key}\n" for p, key in zip(plans, keys, strict=True))
    known += f"{router_ip} {router_key}\n" if router_ip else ""
    (ROOT / "known_hosts").write_text(known)
    state = LabState(
        hosts=[
            LabHost(p.ns, p.hostname, p.ip, p.profile.name, key)
            for p, key in zip(plans, keys, strict=True)
        ],
        router_ip=router_ip,
        client_key=str(ROOT / "client_key"),
        known_hosts=str(ROOT / "known_hosts"),
    )
    state.save()
    _wait_for_ssh(state.hosts, {p.ns: proc for p, (_, proc) in zip(plans, started, strict=True)})
    return state


def _refuse_overlap() -> None:
    """Never shadow a network this machine really uses with the lab's subnet."""
    routes = subprocess.run(["ip", "-j", "route", "show"], capture_output=True, text=True)
    for route in json.loads(routes.stdout or "[]"):
        dst = route.get("dst", "")
        if dst in ("", "default"):
            continue
        net = ipaddress.ip_network(dst, strict=False)
        if net.version == SUBNET.version and net.overlaps(SUBNET):
            raise LabError(f"the lab subnet {SUBNET} overlaps {dst}, a network of this machine")


def _controller() -> None:
    run("ip", "netns", "add", CONTROLLER)
    batch = (
        f"link add {BRIDGE} type bridge\nlink set {BRIDGE} up\nlink set lo up\n"
        f"addr add {CONTROLLER_IP}/{SUBNET.prefixlen} dev {BRIDGE}\n"
    )
    run("ip", "-n", CONTROLLER, "-batch", "-", input_text=batch)


def _plug(ns: str, ip: str) -> None:
    """A namespace with `eth0` on the lab bridge, addressed `ip`, no route beyond the lab."""
    run("ip", "netns", "add", ns)
    peer = ns  # the controller-side end carries the namespace's name (≤ 15 chars)
    run(
        "ip", "-n", CONTROLLER, "-batch", "-",
        input_text=(
            f"link add {peer} type veth peer name eth0 netns {ns}\n"
            f"link set {peer} master {BRIDGE}\nlink set {peer} up\n"
        ),
    )  # fmt: skip
    run(
        "ip", "-n", ns, "-batch", "-",
        input_text=f"link set lo up\nlink set eth0 up\naddr add {ip}/{SUBNET.prefixlen} dev eth0\n",
    )  # fmt: skip


def _start_host(plan: HostPlan) -> tuple[str, subprocess.Popen[bytes]]:
    _plug(plan.ns, plan.ip)
    host_key_pub = prepare_host(plan)
    if plan.profile.firewall:
        run("ip", "netns", "exec", plan.ns, "nft", "-f", "-", input_text=plan.profile.firewall)
    log = open(plan.root / "start.log", "wb")  # noqa: SIM115 - handed to the daemon
    proc = subprocess.Popen(
        ["ip", "netns", "exec", plan.ns, *start_command(plan)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    return host_key_pub, proc


def _router() -> tuple[str, str]:
    """The commune's MikroTik router, as the SSH device simulator replays it (the weak
    fixture: telnet on, RDP forwarded), with telnet really listening and RDP really
    forwarded (DNAT) to the first host. Returns its address and host key."""
    ns, ip = f"{PREFIX}rtr", ROUTER_IP
    _plug(ns, ip)
    ruleset = (
        "table ip nat {\n  chain prerouting {\n    type nat hook prerouting priority dstnat;\n"
        f"    tcp dport 3389 dnat to {host_ip(0)}:3389\n  }}\n}}\n"
    )
    run("ip", "netns", "exec", ns, "nft", "-f", "-", input_text=ruleset)
    log = open(ROOT / "router.log", "wb")  # noqa: SIM115 - handed to the daemons
    key_file = ROOT / "router_key.pub"
    for cmd in (
        listener_command(23),
        [sys.executable, "-m", "tests.netdev_sim", "--platform", "mikrotik", "--profile", "weak",
         "--listen", f"{ip}:22", "--password-env", ROUTER_PASSWORD_ENV,
         "--host-key-out", str(key_file)],
    ):  # fmt: skip
        subprocess.Popen(
            ["ip", "netns", "exec", ns, *cmd],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=REPO,
            env={**os.environ, ROUTER_PASSWORD_ENV: ROUTER_PASSWORD},
        )
    deadline = time.monotonic() + 30
    while not key_file.exists() or not key_file.read_text().strip():
        if time.monotonic() > deadline:
            raise LabError(
                f"the router simulator did not start: {(ROOT / 'router.log').read_text()[-500:]}"
            )
        time.sleep(0.05)
    return ip, key_file.read_text().strip()


def audit_env() -> dict[str, str]:
    """The environment an audit of the lab needs: the router's password by reference."""
    return {**os.environ, ROUTER_PASSWORD_ENV: ROUTER_PASSWORD}


def _wait_for_ssh(
    hosts: Iterable[LabHost], procs: dict[str, subprocess.Popen[bytes]], timeout_s: float = 60
) -> None:
    """Wait until every host's sshd listens (read from the host's own /proc/net/tcp)."""
    pending = {h.name: h for h in hosts}
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        if any(procs[ns].poll() is not None for ns in pending):
            break  # a host's start script died: report it now, not after the timeout
        for ns in list(pending):
            out = subprocess.run(
                ["ip", "netns", "exec", ns, "cat", "/proc/net/tcp"], capture_output=True, text=True
            ).stdout
            if ":0016 00000000:0000 0A" in out:
                del pending[ns]
        if pending:
            time.sleep(0.1)
    if pending:
        logs = {ns: (ROOT / "hosts" / ns.removeprefix(f"{PREFIX}") / "start.log") for ns in pending}
        detail = "; ".join(
            f"{ns}: {p.read_text(errors='replace')[-300:] if p.exists() else '?'}"
            for ns, p in list(logs.items())[:3]
        )
        raise LabError(f"{len(pending)} lab host(s) did not start sshd: {detail}")


def in_controller(*cmd: str) -> list[str]:
    """`cmd` run inside the controller namespace, where only the lab bridge is reachable."""
    return ["ip", "netns", "exec", CONTROLLER, *cmd]


def audit_command(inventory: Path, out: Path, *extra: str) -> list[str]:
    """`auditor audit` run inside the controller namespace. The installed console script,
    not `python -m auditor.cli`: from the repository root the latter would import the
    source tree, where `auditor.checks` exists only once installed."""
    script = Path(sys.executable).with_name("auditor")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "auditor.cli"]
    return in_controller(
        *program, "audit", "-i", str(inventory), "-o", str(out), "--no-history", *extra
    )


def check_targets(addresses: Iterable[str]) -> None:
    """Refuse any address outside the lab subnet before a scan is started."""
    for address in addresses:
        if ipaddress.ip_address(address) not in SUBNET:
            raise LabError(f"{address} is outside the lab subnet {SUBNET}; refusing to scan it")
