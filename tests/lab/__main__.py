"""Command line of the lab: up, down, status, audit, demo."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from tests.lab import network
from tests.lab.audit import audit_lab, mismatches


def _require_lab() -> None:
    missing = network.why_not_available()
    if missing:
        raise click.ClickException(missing)


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command()
@click.option("--hosts", default=10, show_default=True, help="Number of lab hosts (1–1000).")
@click.option("--no-router", is_flag=True, help="Leave out the simulated router.")
def up(hosts: int, no_router: bool) -> None:
    """Start a fresh lab (an earlier or crashed one is removed first)."""
    _require_lab()
    started = time.monotonic()
    try:
        state = network.up(hosts, router=not no_router)
    except network.LabError as exc:
        network.down()
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"lab up: {len(state.hosts)} hosts in {time.monotonic() - started:.1f} s "
        f"(subnet {network.SUBNET}, controller namespace {network.CONTROLLER})"
    )


@main.command()
def down() -> None:
    """Remove every lab namespace, process and file. Safe to run twice."""
    _require_lab()
    removed = network.down()
    click.echo(f"lab down: {len(removed)} namespaces removed")


@main.command()
def status() -> None:
    """List the lab hosts and their profiles."""
    try:
        state = network.LabState.load()
    except network.LabError as exc:
        raise click.ClickException(str(exc)) from None
    for host in state.hosts:
        click.echo(f"{host.name}  {host.hostname}  {host.ip:<12} {host.profile}")
    if state.router_ip:
        click.echo(f"{network.PREFIX}rtr  router  {state.router_ip}")


@main.command()
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("lab-report"), show_default=True
)
def audit(out: Path) -> None:
    """Audit the running lab from the controller namespace and compare with the profiles."""
    _require_lab()
    try:
        state = network.LabState.load()
    except network.LabError as exc:
        raise click.ClickException(str(exc)) from None
    _audit_and_compare(state, out)


@main.command()
@click.option("--hosts", default=10, show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("lab-report"), show_default=True
)
@click.option("--keep", is_flag=True, help="Leave the lab running afterwards.")
def demo(hosts: int, out: Path, keep: bool) -> None:
    """Bring up a commune lab, audit it, write a signed report, check it against the profiles."""
    _require_lab()
    try:
        state = network.up(hosts)
        click.echo(f"lab up: {len(state.hosts)} hosts + router")
        _audit_and_compare(state, out)
    finally:
        if not keep:
            network.down()


def _audit_and_compare(state: network.LabState, out: Path) -> None:
    started = time.monotonic()
    done = audit_lab(state, out)
    if done.stderr.strip():
        click.echo(done.stderr.strip()[-2000:], err=True)
    if done.returncode not in (0, 1, 3) or not (out / "report.json").exists():
        raise click.ClickException(f"audit failed (exit {done.returncode})")
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    click.echo(f"audit: {time.monotonic() - started:.1f} s, report in {out} — {summary}")
    wrong = mismatches(state, out / "report.json")
    for m in wrong:
        click.echo(f"MISMATCH {m.host} ({m.profile}) {m.check}: expected {m.expected}, got {m.got}")
    if wrong:
        sys.exit(1)
    click.echo("every host's verdicts match its profile")


if __name__ == "__main__":
    main()
