"""Benchmark: the engine and the report writer alone, without any collection.

    .venv/bin/python bench/engine.py [--hosts 10000] [--report-hosts 1000]

Times, in one run: evaluating the default pack (nd85-level2) over N synthetic host fact
sets (target: 10,000 in ≤ 2 s, stretch 1 s; peak RSS ≤ 400 MB), and building report.json
(canonical bytes) plus the HTML report for M hosts (target: 1,000 in ≤ 5 s). Also prints
time per host at N/10 and N, so quadratic work shows up as a growing per-host figure.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import time

from synthetic import judge, report_of, synthetic  # bench/ is on sys.path

from auditor.checking import discover
from auditor.perf import gc_paused
from auditor.report.html import render_html
from auditor.report.model import canonical_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--report-hosts", type=int, default=1_000)
    args = parser.parse_args()
    registry = discover()
    print(f"{'what':<44}{'hosts':>7}{'seconds':>9}{'ms/host':>9}")
    for count in (args.hosts // 10, args.hosts):
        assets, facts = synthetic(count)
        started = time.perf_counter()
        _, evaluation = judge(assets, facts, registry)
        took = time.perf_counter() - started
        rows = sum(len(r.checks) for r in evaluation.asset_results)
        label = f"evaluate nd85-level2 ({rows} check results)"
        print(f"{label:<44}{count:>7}{took:>9.2f}{took / count * 1000:>9.3f}")
        del evaluation
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS after evaluating (facts included) {peak:.0f} MB (target <= 400 MB)")
    assets, facts = synthetic(args.report_hosts)
    started = time.perf_counter()
    report = report_of(assets, facts)
    built = time.perf_counter()
    with gc_paused():  # as the writer does
        body = canonical_bytes(report)
        json_done = time.perf_counter()
        html = render_html(report, "vi")
        html_done = time.perf_counter()
    m = args.report_hosts
    print(f"{'evaluate + build report model':<44}{m:>7}{built - started:>9.2f}")
    print(f"{'report.json canonical bytes':<44}{m:>7}{json_done - built:>9.2f}")
    print(f"{'report.html (jinja2, autoescape)':<44}{m:>7}{html_done - json_done:>9.2f}")
    total = html_done - built
    print(f"{'report.json + HTML (target <= 5 s)':<44}{m:>7}{total:>9.2f}")
    print(f"sizes: report.json {len(body) / 1e6:.1f} MB, report.html {len(html) / 1e6:.1f} MB")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"peak RSS at the end {usage.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
