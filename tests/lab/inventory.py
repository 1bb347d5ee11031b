"""The inventory an officer would write for the lab: every host over SSH, the router from
its saved configuration, nmap limited to the lab subnet."""

from __future__ import annotations

from pathlib import Path

from tests.lab.hosts import BACKUP_PATH
from tests.lab.network import ROUTER_PASSWORD_ENV, SUBNET, LabState, check_targets


def write_inventory(state: LabState, path: Path, *, concurrency: int = 16) -> Path:
    """The inventory of the running lab; every address in it is checked to lie inside the
    lab subnet first, so no audit of it can scan anything else."""
    check_targets([h.ip for h in state.hosts] + ([state.router_ip] if state.router_ip else []))
    lines = [
        "organisation:",
        "  name: UBND xã Thử Nghiệm (phòng thí nghiệm)",
        "  commune: Xã Thử Nghiệm",
        "  province: Tỉnh Mẫu",
        "  security_officer: {name: Nguyễn Văn An, title: Công chức văn phòng}",
        '  incident_contact: {name: Nguyễn Văn An, phone: "0900000000"}',
        "assets:",
    ]
    for host in state.hosts:
        lines += [
            f"  - id: {host.hostname}",
            f"    name: Máy trạm {host.hostname} ({host.profile})",
            "    kind: linux",
            "    connection: ssh",
            f"    address: {host.ip}",
            f"    credential: {{user: root, key_file: {state.client_key}}}",
            "    admins: [root]",
            "    users: [canbo1]",
            f"    backup: {{path: {BACKUP_PATH}}}",
        ]
    if state.router_ip:
        lines += [
            "  - id: router",
            "    name: Router biên (MikroTik)",
            "    kind: netdevice",
            "    connection: ssh",
            "    platform: mikrotik",
            f"    address: {state.router_ip}",
            f"    credential: {{user: quantri, password_env: {ROUTER_PASSWORD_ENV}}}",
        ]
    lines += [
        "scan:",
        f"  allowed_networks: ['{SUBNET}']",
        "  timeout_s: 60",
        "settings:",
        "  ssh_timeout_s: 30",
        f"  concurrency: {concurrency}",
        f"  known_hosts: {state.known_hosts}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
