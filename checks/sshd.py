"""The SSH server of a Linux host, judged from its effective settings (`sshd -T`)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, Status, check
from auditor.facts import HostFacts

from ._params import Params


class MaxTries(Params):
    max_tries: int


class MaxSeconds(Params):
    max_seconds: int


class WeakAlgorithms(Params):
    """Algorithm names (exact) a server must not offer, from the pack."""

    ciphers: list[str]
    macs: list[str]


def _settings(facts: HostFacts) -> dict[str, str] | Outcome:
    """The effective settings, or the outcome to give when there are none."""
    server = facts.ssh_server
    if server is None:
        return Outcome.unknown("outcome.not_collected", what="sshd -T")
    if not server.installed:
        return Outcome(status=Status.not_applicable, note="outcome.no_ssh_server")
    if server.settings is None:
        return Outcome.unknown("outcome.not_collected", what="sshd -T (needs root)")
    return server.settings


@check("sshd.root_login", needs="host")
def root_login(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: the SSH server refuses root logins with a password. Does not prove: who holds
    root's keys."""
    settings = _settings(facts)
    if isinstance(settings, Outcome):
        return settings
    value = settings.get("permitrootlogin")
    if value is None:
        return Outcome.unknown("outcome.not_collected", what="PermitRootLogin")
    safe = value in ("no", "prohibit-password", "without-password", "forced-commands-only")
    expected = "no | prohibit-password"
    return (
        Outcome.ok(observed=value, expected=expected)
        if safe
        else Outcome.fail(observed=value, expected=expected)
    )


@check("sshd.password_auth", needs="host")
def password_auth(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: the SSH server takes no password alone: password and keyboard-interactive
    logins are off, or every allowed method list also needs a key. Does not prove: who holds
    the keys, or that they are protected by a passphrase."""
    settings = _settings(facts)
    if isinstance(settings, Outcome):
        return settings
    methods = settings.get("authenticationmethods", "any")
    if methods != "any" and all("publickey" in m.split(",") for m in methods.split()):
        return Outcome.ok(observed=f"AuthenticationMethods {methods}", expected="key + password")
    password = settings.get("passwordauthentication")
    # keyboard-interactive (PAM) asks for the same password; older servers name it
    # ChallengeResponseAuthentication, and leave it out when it is off
    interactive = settings.get(
        "kbdinteractiveauthentication", settings.get("challengeresponseauthentication")
    )
    if password is None or interactive is None:
        return Outcome.unknown(
            "outcome.not_collected", what="PasswordAuthentication, KbdInteractiveAuthentication"
        )
    on = [
        name
        for name, value in (
            ("PasswordAuthentication", password),
            ("KbdInteractiveAuthentication", interactive),
        )
        if value == "yes"
    ]
    if on:
        return Outcome.fail(observed=[f"{n} yes" for n in on], expected="no (key only)")
    return Outcome.ok(observed="PasswordAuthentication no", expected="no (key only)")


@check("sshd.auth_tries", needs="host", params=MaxTries)
def auth_tries(facts: HostFacts, p: MaxTries) -> Outcome:
    """Pass proves: one SSH connection allows at most the pack's number of password attempts. Does
    not prove: that accounts lock after repeated failures."""
    settings = _settings(facts)
    if isinstance(settings, Outcome):
        return settings
    value = settings.get("maxauthtries", "")
    return Outcome.at_most(
        int(value) if value.isdigit() else None, p.max_tries, what="MaxAuthTries"
    )


@check("sshd.idle_timeout", needs="host", params=MaxSeconds)
def idle_timeout(facts: HostFacts, p: MaxSeconds) -> Outcome:
    """Pass proves: an idle SSH session is closed within the pack's time (ClientAliveInterval ×
    ClientAliveCountMax). Does not prove: that a console or desktop session locks."""
    settings = _settings(facts)
    if isinstance(settings, Outcome):
        return settings
    interval, count = (
        settings.get("clientaliveinterval", ""),
        settings.get("clientalivecountmax", ""),
    )
    if not (interval.isdigit() and count.isdigit()):
        return Outcome.unknown("outcome.not_collected", what="ClientAliveInterval")
    seconds = int(interval) * max(int(count), 1)
    return Outcome.at_most(
        seconds, p.max_seconds, what="SSH idle timeout", zero_means_unlimited=True
    )


@check("sshd.crypto", needs="host", params=WeakAlgorithms)
def crypto(facts: HostFacts, p: WeakAlgorithms) -> Outcome:
    """Pass proves: the SSH server offers none of the pack's weak ciphers and MACs. Does not prove:
    the key-exchange and host-key choices."""
    settings = _settings(facts)
    if isinstance(settings, Outcome):
        return settings
    if "ciphers" not in settings or "macs" not in settings:
        return Outcome.unknown("outcome.not_collected", what="Ciphers/MACs")
    offered = settings["ciphers"].split(",") + settings["macs"].split(",")
    weak = sorted(set(offered) & (set(p.ciphers) | set(p.macs)))
    if weak:
        return Outcome.fail(observed=weak, expected="[]")
    return Outcome.ok(observed=[], expected="[]")
