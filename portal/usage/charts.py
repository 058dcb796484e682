"""Charts drawn on the server as SVG: no JavaScript, no library, readable by screen readers.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``; the
desc lists every value, and every bar carries a ``<title>`` (a tooltip on hover). Colours
are SVG presentation attributes, never ``style=`` (the CSP forbids inline styles). Text is
escaped; the result is Markup for the templates. The pages also show the numbers as a
table, so nothing depends on seeing the picture.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
BAR = "#8fb3dd"
BAR_STRONG = "#0b5cab"
GRID = "#d9e2ec"
INK = "#1f2933"
MUTED = "#52606d"


@dataclass(frozen=True)
class Bar:
    """One bar: its label on the axis, its value, the long label for tooltips."""

    label: str
    value: int
    long_label: str = ""
    strong: bool = False  # the month the page is about


def nice_ticks(top: int, count: int = 4) -> list[int]:
    """Round axis values from 0 covering ``top``: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    return list(range(0, int(math.ceil(top / step)) * step + 1, step))


def column_chart(ident: str, title: str, bars: Sequence[Bar], unit: str) -> Markup:
    """Vertical bars, one per month, with a value axis and gridlines."""
    height, left, top, bottom = 240, 52, 24, 34
    plot = (left, top, WIDTH - left - 12, height - top - bottom)  # x, y, width, height
    ticks = nice_ticks(max((b.value for b in bars), default=0))
    parts = [_open(ident, title, _describe(bars, unit), height)]
    parts += _value_axis(plot, ticks)
    parts += _columns(plot, bars, ticks[-1], unit)
    if not any(b.value for b in bars):
        parts.append(_text(left + plot[2] / 2, top + plot[3] / 2,
                           "この期間の利用はまだありません", size=13, fill=MUTED))
    parts.append("</svg>")
    return Markup("".join(parts))


def _value_axis(plot, ticks: list[int]) -> list[str]:
    x, y, width, height = plot
    parts = []
    for tick in ticks:
        at = y + height - tick * height / ticks[-1]
        parts.append(f'<line x1="{x}" x2="{x + width}" y1="{at:.1f}" y2="{at:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(x - 6, at + 4, f"{tick:,}", anchor="end", size=11, fill=MUTED))
    return parts


def _columns(plot, bars: Sequence[Bar], top_value: int, unit: str) -> list[str]:
    x0, y0, width, height = plot
    band = width / max(len(bars), 1)
    bar_width = min(band * 0.64, 48)
    parts = []
    for i, bar in enumerate(bars):
        x = x0 + band * i + (band - bar_width) / 2
        h = bar.value * height / top_value
        y = y0 + height - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{h:.1f}" '
                     f'fill="{BAR_STRONG if bar.strong else BAR}"><title>'
                     f'{escape(bar.long_label or bar.label)}: {bar.value:,}{escape(unit)}'
                     f'</title></rect>')
        middle = x + bar_width / 2
        if bar.value:
            parts.append(_text(middle, y - 5, f"{bar.value:,}", size=11, bold=bar.strong))
        parts.append(_text(middle, y0 + height + 18, bar.label, size=11,
                           fill=INK if bar.strong else MUTED, bold=bar.strong))
    return parts


def bar_list_chart(ident: str, title: str, bars: Sequence[Bar], unit: str) -> Markup:
    """Horizontal bars with their labels on the left: the most read titles."""
    row, left, right, top = 28, 236, 56, 8
    height = top * 2 + row * max(len(bars), 1)
    plot_w = WIDTH - left - right
    peak = max((b.value for b in bars), default=0) or 1
    parts = [_open(ident, title, _describe(bars, unit), height)]
    for i, bar in enumerate(bars):
        y = top + row * i
        w = max(bar.value / peak * plot_w, 2)
        parts.append(_text(left - 8, y + 18, fit(bar.label, 19), anchor="end", size=12,
                           fill=INK))
        parts.append(f'<rect x="{left}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" '
                     f'fill="{BAR_STRONG if i == 0 else BAR}"><title>'
                     f'{escape(bar.long_label or bar.label)}: {bar.value:,}{escape(unit)}'
                     f'</title></rect>')
        parts.append(_text(left + w + 6, y + 18, f"{bar.value:,}{unit}", anchor="start",
                           size=12, fill=MUTED))
    if not bars:
        parts.append(_text(WIDTH / 2, top + 18, "この月に開かれた本はありません", size=13,
                           fill=MUTED))
    parts.append("</svg>")
    return Markup("".join(parts))


def fit(text: str, width: float) -> str:
    """``text`` cut to about ``width`` full-width characters, with an ellipsis if cut."""
    used, out = 0.0, []
    for char in text:
        used += 1 if unicodedata.east_asian_width(char) in "WF" else 0.55
        if used > width - 1:
            return "".join(out) + "…"
        out.append(char)
    return text


def _open(ident: str, title: str, desc: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="inherit">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
    )


def _describe(bars: Sequence[Bar], unit: str) -> str:
    if not bars:
        return "データはありません。"
    return "、".join(f"{b.long_label or b.label} {b.value:,}{unit}" for b in bars) + "。"


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 12,
          fill: str = INK, bold: bool = False) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{weight}>{escape(content)}</text>')
