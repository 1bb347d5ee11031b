"""Charts drawn on the server as inline SVG (no script, readable in print and in the PDF),
with the numbers written beside what they draw: people would rather look than read, and a
clerk must still be able to read the figures off the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    name: str  # shown in the legend
    colour: str
    values: Sequence[int]


STATUS_COLOURS = {
    "met": "#2e7d32",
    "partly_met": "#ef6c00",
    "not_met": "#c62828",
    "not_assessed": "#9e9e9e",
}


def line_chart(labels: Sequence[str], series: Sequence[Series], title: str) -> Markup:
    """One line per series over `labels` (e.g. audit dates), each point's value beside it.
    Nothing (empty markup) for fewer than two points: a line needs two."""
    if len(labels) < 2:
        return Markup("")
    width, height, pad = 640, 230, 40
    top = max([1, *(v for s in series for v in s.values)])
    step = (width - 2 * pad) / (len(labels) - 1)

    def x(index: int) -> float:
        return pad + index * step

    def y(value: int) -> float:
        return height - pad - value / top * (height - 2 * pad)

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#888"/>',
    ]
    for row, s in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(
            f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5" points="{points}"/>'
        )
        parts += [
            f'<text class="v" x="{x(i):.1f}" y="{y(v) - 5:.1f}" text-anchor="middle" '
            f'font-size="11" fill="{s.colour}">{v}</text>'
            for i, v in enumerate(s.values)
        ]
        parts.append(
            f'<text x="{width - 230}" y="{14 + 16 * row}" fill="{s.colour}">{escape(s.name)}</text>'
        )
    parts += [
        f'<text class="x" x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" '
        f'font-size="11">{escape(label)}</text>'
        for i, label in enumerate(labels)
    ]
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(
    rows: Sequence[tuple[str, dict[str, int]]], words: dict[str, str], title: str
) -> Markup:
    """One horizontal bar per row (e.g. a criteria group), split by status in the status
    colours, with each part's count written on it and the total beside the bar."""
    if not rows:
        return Markup("")
    label_w, bar_w, row_h, pad = 190, 380, 24, 8
    most = max([1, *(sum(c.values()) for _, c in rows)])
    height = pad * 2 + row_h * len(rows) + 22
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">'
    ]
    for index, (label, counts) in enumerate(rows):
        top = pad + index * row_h
        parts.append(f'<text x="0" y="{top + 16}" font-size="12">{escape(label)}</text>')
        left = float(label_w)
        for status, colour in STATUS_COLOURS.items():
            count = counts.get(status, 0)
            if not count:
                continue
            w = count / most * bar_w
            parts.append(
                f'<rect x="{left:.1f}" y="{top + 3}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{colour}"><title>{escape(words.get(status, status))}: {count}</title>'
                "</rect>"
            )
            if w >= 14:
                parts.append(
                    f'<text x="{left + w / 2:.1f}" y="{top + 16}" text-anchor="middle" '
                    f'font-size="11" fill="#fff">{count}</text>'
                )
            left += w
        parts.append(
            f'<text x="{left + 4:.1f}" y="{top + 16}" font-size="11">{sum(counts.values())}</text>'
        )
    legend_y = pad + row_h * len(rows) + 14
    x = 0
    for status, colour in STATUS_COLOURS.items():
        word = escape(words.get(status, status))
        parts.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{legend_y}" font-size="11">{word}</text>'
        )
        x += 150
    parts.append("</svg>")
    return Markup("".join(parts))
