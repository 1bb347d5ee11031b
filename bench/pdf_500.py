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
import tempfile
import time
from pathlib import Path

from synthetic import report_of, synthetic

from auditor.report.html import render_html
from auditor.report.pades import KeyFileSigner, sign_pdf
from auditor.report.pdf import render_pdf
from auditor.report.signing import init_keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    report = report_of(*synthetic(args.assets))
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
