"""Web browsers are a supported release (L2-VUL-BROWSER-01)."""

from __future__ import annotations

from auditor.checking import Outcome, check
from auditor.facts import HostFacts

from ._params import Params


class BrowserMinimum(Params):
    min_major: dict[str, int]


@check("browser.supported", needs="host", params=BrowserMinimum)
def browsers_supported(facts: HostFacts, p: BrowserMinimum) -> Outcome:
    """Pass proves: every installed browser the version table knows is at or above its minimum
    version. Does not prove: anything about a browser the table does not list (unknown)."""
    if facts.browsers is None:
        return Outcome.unknown("outcome.not_collected", what="browsers")
    old, unlisted = [], []
    for browser in facts.browsers:
        minimum = p.min_major.get(browser.name)
        major = browser.version.split(".")[0]
        if minimum is None:
            unlisted.append(f"{browser.name} {browser.version}")
        elif not major.isdigit() or int(major) < minimum:
            where = f" [{browser.user}]" if browser.user else ""
            old.append(f"{browser.name} {browser.version}{where} (< {minimum})")
    if old:
        return Outcome.fail(observed=sorted(old), expected="≥ min")
    if unlisted:  # no minimum known for it: its support cannot be judged
        return Outcome.unknown("outcome.browser_unlisted", browsers=", ".join(sorted(unlisted)))
    return Outcome.ok(observed=[f"{b.name} {b.version}" for b in facts.browsers], expected="≥ min")
