"""Anti-malware present, running, fresh, real-time and centrally managed (L2-MAL-*)."""

from __future__ import annotations

from auditor.checking import Outcome, check
from auditor.facts import AssetFacts, HostFacts, SocAgent

from ._params import Params, days_between


class ProductNames(Params):
    """Product name → process names that prove it runs (vendor lists live in policy)."""

    products: dict[str, list[str]]


class SignatureAge(Params):
    max_days: int


def _running(facts: HostFacts, products: dict[str, list[str]]) -> list[str] | None:
    if facts.antimalware is None and facts.processes is None:
        return None
    names = [p.name for p in (facts.antimalware.products if facts.antimalware else []) if p.running]
    procs = set(facts.processes or [])
    names += [name for name, binaries in products.items() if procs.intersection(binaries)]
    return sorted(set(names))


@check("av.running", needs="host", params=ProductNames)
def av_running(facts: HostFacts, p: ProductNames) -> Outcome:
    """Pass proves: a known anti-malware product runs on the host. Does not prove: that its
    signatures are current or that it scans in real time."""
    running = _running(facts, p.products)
    if running is None:
        return Outcome.unknown("outcome.not_collected", what="anti-malware")
    if running:
        return Outcome.ok(observed=running, expected="≥ 1")
    return Outcome.fail(observed=[], expected="≥ 1", note="outcome.no_antimalware")


@check("av.signature_age", needs="host", params=SignatureAge)
def av_signature_age(facts: HostFacts, p: SignatureAge) -> Outcome:
    """Pass proves: the newest signature database of an active product is at most the pack's number
    of days old and its updater logs no failure. Does not prove: that the engine scans; Security
    Center's "up to date" without a date stays unknown."""
    if facts.antimalware is None:
        return Outcome.unknown("outcome.not_collected", what="anti-malware")
    products = facts.antimalware.products
    active = [prod for prod in products if not prod.passive]
    times = [prod.signature_time for prod in active if prod.signature_time]
    if not products:
        return Outcome.fail(
            observed=None, expected=f"≤ {p.max_days}", note="outcome.no_antimalware"
        )
    problems = [line for prod in active for line in prod.update_problems]
    if problems:
        return Outcome.fail(
            observed=problems, expected=f"≤ {p.max_days}", note="outcome.av_update_failed"
        )
    if not times:
        # Windows Security Center says only "up to date" or not for third-party products:
        # "up to date" cannot prove a database of at most `max_days` days.
        flags = [prod.up_to_date for prod in products if prod.up_to_date is not None]
        if any(flags):
            return Outcome.unknown("outcome.sc_up_to_date", days=p.max_days)
        if flags:
            return Outcome.fail(
                observed="out of date", expected=f"≤ {p.max_days}", note="outcome.sc_out_of_date"
            )
        return Outcome.unknown("outcome.not_collected", what="signature date")
    age = round(days_between(max(times), facts.collected_at), 1)
    return Outcome.at_most(age, p.max_days, what="signature age")


@check("av.central_agent", needs="asset", params=ProductNames)
def av_central_agent(facts: AssetFacts, p: ProductNames) -> Outcome:
    """Pass proves: a listed central anti-malware or provincial SOC agent runs and, where the
    agent keeps its own state (Wazuh), that it says it is connected, to the SOC the inventory
    declares when one is declared. Does not prove: that the console or the SOC receives and
    acts on what it sends; for agents without a readable state, only that the process runs."""
    host = facts.host
    if host is None or host.processes is None:
        return Outcome.unknown("outcome.not_collected", what="processes")
    agent = host.soc_agent
    if agent is not None:
        return _agent_link(agent, facts.declared.soc_managers)
    procs = set(host.processes)
    found = sorted(name for name, binaries in p.products.items() if procs.intersection(binaries))
    if found:
        return Outcome.ok(observed=found, expected="≥ 1")
    return Outcome.fail(
        observed=[], expected=", ".join(sorted(p.products)), note="outcome.no_central_agent"
    )


def _agent_link(agent: SocAgent, declared: list[str]) -> Outcome:
    """What the agent says about its link, against the SOC the inventory names."""
    if agent.status is None:
        return Outcome.unknown("outcome.agent_state_unreadable", product=agent.product)
    if agent.status != "connected":
        return Outcome.fail(
            observed=f"{agent.product}: {agent.status}",
            expected="connected",
            note="outcome.agent_not_connected",
        )
    wanted = {d.lower() for d in declared}
    if wanted and not wanted & {m.lower() for m in agent.managers}:
        return Outcome.fail(
            observed=agent.managers,
            expected=", ".join(sorted(declared)),
            note="outcome.agent_other_manager",
        )
    return Outcome.ok(observed=[f"{agent.product}: connected", *agent.managers], expected="≥ 1")


@check("av.realtime", needs="host", params=ProductNames)
def realtime(facts: HostFacts, p: ProductNames) -> Outcome:
    """Pass proves: at least one active anti-malware product reports real-time protection on. Does
    not prove: that it detects every threat."""
    if facts.antimalware is None:
        return Outcome.unknown("outcome.not_collected", what="anti-malware")
    active = [prod for prod in facts.antimalware.products if not prod.passive]
    on = sorted(prod.name for prod in active if prod.realtime)
    if on:
        return Outcome.ok(observed=on, expected="≥ 1")
    procs = set(facts.processes or [])
    silent = sorted(name for name, binaries in p.products.items() if procs.intersection(binaries))
    if silent:
        return Outcome.unknown("outcome.realtime_unreported", products=", ".join(silent))
    if any(prod.realtime is None for prod in active):
        return Outcome.unknown("outcome.not_collected", what="real-time protection")
    return Outcome.fail(observed=[], expected="≥ 1", note="outcome.no_realtime")
