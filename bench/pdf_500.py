"""Benchmark: render and sign the PDF report of a 500-asset audit (target ≤ 20 s on 2 cores).

Builds a realistic report from the recorded fixtures (Windows PCs and Linux servers cycled
to 500 assets), then times, side by side in one run: the HTML rendering (the peer baseline
that every audit already produces), the PDF layout (WeasyPrint) and the PAdES signature
(pyHanko). Prints the figures; asserts nothing.

    .venv/bin/python bench/pdf_500.py [--assets 500]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.checking import discover  # noqa: E402
from auditor.collect.linux_parse import parse_host, split_sections  # noqa: E402
from auditor.collect.windows_parse import load_document, parse_windows  # noqa: E402
from auditor.engine import evaluate  # noqa: E402
from auditor.facts import AssetFacts, Declared  # noqa: E402
from auditor.inventory import Asset, Inventory  # noqa: E402
from auditor.policy import load_policy  # noqa: E402
from auditor.report.html import render_html  # noqa: E402
from auditor.report.pades import KeyFileSigner, sign_pdf  # noqa: E402
from auditor.report.pdf import render_pdf  # noqa: E402
from auditor.report.signing import init_keys  # noqa: E402
from auditor.report.writer import AuditInput, build_report  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def build(count: int):  # type: ignore[no-untyped-def]
    windows = [
        parse_windows(load_document(p.read_bytes()))
        for p in sorted((FIXTURES / "windows").glob("*.json"))
    ]
    linux = parse_host(split_sections((FIXTURES / "raw" / "ubuntu2204-hardened.txt").read_text()))
    assets, facts = [], {}
    for i in range(count):
        is_linux = i % 10 == 0
        asset = Asset.model_validate(
            {
                "id": f"pc-{i:03d}",
                "name": f"Máy tính {i:03d}",
                "kind": "linux" if is_linux else "windows",
                "connection": "import",
                "admins": ["quantri"],
            }
        )
        assets.append(asset)
        host = linux if is_linux else windows[i % len(windows)]
        facts[asset.id] = AssetFacts(
            asset_id=asset.id, declared=Declared(kind=asset.kind.value), host=host
        )
    inventory = Inventory.model_validate(
        {
            "organisation": {
                "name": "UBND xã Thử",
                "commune": "xã Thử",
                "province": "Sơn La",
                "security_officer": {"name": "Nguyễn Văn An"},
                "incident_contact": {"name": "Nguyễn Văn An"},
            },
            "assets": [a.model_dump() for a in assets],
        }
    )
    registry = discover()
    pack = load_policy("nd85-level2", registry)
    evaluation = evaluate(pack, inventory.assets, facts, {}, registry, date(2026, 11, 20))
    data = AuditInput(
        inventory=inventory,
        inventory_bytes=b"",
        pack=pack,
        evaluation=evaluation,
        facts=facts,
        evidence={},
        attestations={},
    )
    from datetime import UTC, datetime

    return build_report(data, [], None, datetime(2026, 11, 20, tzinfo=UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    report = build(args.assets)
    built = time.perf_counter()
    html = render_html(report, "vi")
    html_done = time.perf_counter()
    rendered = render_pdf(report, "vi", "1/BC-UBND")
    pdf_done = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        init_keys(Path(tmp) / "k", "UBND xã Thử")
        signed = sign_pdf(
            rendered, KeyFileSigner(Path(tmp) / "k", None), reason="bench", location="bench"
        )
    signed_done = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"assets                      {args.assets}")
    print(f"evaluate + build report     {built - started:7.2f} s")
    print(f"HTML render (baseline)      {html_done - built:7.2f} s   {len(html) / 1e6:.1f} MB")
    print(f"PDF layout (WeasyPrint)     {pdf_done - html_done:7.2f} s   {rendered.pages} pages")
    size = len(signed) / 1e6
    print(f"PAdES sign (pyHanko)        {signed_done - pdf_done:7.2f} s   {size:.1f} MB")
    print(f"PDF total (target <= 20 s)  {signed_done - html_done:7.2f} s")
    print(f"CPU seconds                 {usage.ru_utime + usage.ru_stime:7.2f}")
    print(f"peak RSS                    {usage.ru_maxrss / 1024:7.0f} MB")


if __name__ == "__main__":
    main()
