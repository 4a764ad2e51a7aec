"""Inline SVG charts, drawn on the server: no script and no CDN (the portal runs on government intranets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .formats import WAN_PER_YI, format_wan

PALETTE = (
    "#a61b1b",
    "#1f5fa8",
    "#2f7d32",
    "#b7791f",
    "#6b46c1",
    "#0f766e",
    "#b83280",
    "#7b5e3b",
    "#2c3e6b",
    "#6b7f1a",
)
DASHES = ("", "6 3", "2 3")


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks if span > 0 else 1.0
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _tick_label(value: float) -> str:
    return f"{value:g}"


@dataclass
class ChartSeries:
    label: str
    values: Sequence[Decimal | None]  # in 万元, one per year


def line_chart_svg(
    *,
    years: Sequence[int],
    series: Sequence[ChartSeries],
    label: str,
    width: int = 880,
    height: int = 300,
    legend: bool = True,
    target_wan: Decimal | None = None,
    target_label: str = "",
) -> SafeString:
    """A line chart as inline SVG markup: y in 亿元 from zero, one polyline per series, gaps where a
    year is missing, a native tooltip (``<title>``) on every point, an optional dashed target line.
    Presentation attributes only (no ``style``), so it passes a CSP without inline styles."""
    if not years or not any(v is not None for s in series for v in s.values):
        return format_html('<p class="muted">{}</p>', _("暂无产值数据。"))
    legend_width = 170 if legend else 0
    if legend:
        height = max(height, 48 + 20 * len(series))
    left, right, top, bottom = 58, 16 + legend_width, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(float(v) for s in series for v in s.values if v is not None) / float(WAN_PER_YI)
    if target_wan is not None:
        peak = max(peak, float(target_wan) / float(WAN_PER_YI))
    step = _nice_step(peak)
    y_max = step * max(1, -(-peak // step)) if peak > 0 else step
    if peak >= y_max:
        y_max += step

    def x_at(index: int) -> float:
        return left + (plot_w / 2 if len(years) == 1 else plot_w * index / (len(years) - 1))

    def y_at(yi: float) -> float:
        return top + plot_h - plot_h * yi / y_max

    parts: list[str] = [
        format_html(
            '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" '
            'role="img" aria-label="{}"><title>{}</title>',
            width,
            height,
            width,
            height,
            label,
            label,
        )
    ]
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = round(y_at(tick), 1)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9e2ec" stroke-width="1"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end" font-size="11" fill="#616e7c">{}</text>',
                left,
                y,
                left + plot_w,
                y,
                left - 6,
                y + 4,
                _tick_label(tick),
            )
        )
        tick += step
    parts.append(
        format_html(
            '<text class="axis-title" x="{}" y="{}" text-anchor="start" font-size="12" fill="#616e7c">{}</text>',
            4,
            top - 10,
            _("产值（亿元）"),
        )
    )
    parts.append(
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#616e7c" stroke-width="1"/>',
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
        )
    )
    for index, year in enumerate(years):
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle" font-size="11" fill="#616e7c">{}</text>',
                round(x_at(index), 1),
                top + plot_h + 16,
                _("%(y)d年") % {"y": year},
            )
        )
    parts.append(
        format_html(
            '<text class="axis-title" x="{}" y="{}" text-anchor="middle" font-size="12" fill="#616e7c">{}</text>',
            round(left + plot_w / 2, 1),
            height - 6,
            _("年份"),
        )
    )
    if target_wan is not None:
        y = round(y_at(float(target_wan) / float(WAN_PER_YI)), 1)
        parts.append(
            format_html(
                '<line class="target" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#2f7d32" stroke-width="1.5" '
                'stroke-dasharray="5 4"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="#2f7d32">{}</text>',
                left,
                y,
                left + plot_w,
                y,
                left + plot_w,
                y - 4,
                target_label,
            )
        )
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[(number // len(PALETTE)) % len(DASHES)]
        segment: list[str] = []
        segments: list[list[str]] = []
        points = []
        for index, value in enumerate(item.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = round(x_at(index), 1), round(y_at(float(value) / float(WAN_PER_YI)), 1)
            segment.append(f"{x},{y}")
            points.append((x, y, years[index], value))
        if segment:
            segments.append(segment)
        parts.append(format_html('<g class="series"><title>{}</title>', item.label))
        for coords in segments:
            if len(coords) > 1:
                parts.append(
                    format_html(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                        " ".join(coords),
                        colour,
                        format_html(' stroke-dasharray="{}"', dash) if dash else "",
                    )
                )
        for x, y, year, value in points:
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>',
                    x,
                    y,
                    colour,
                    _("%(town)s %(year)d年：%(value)s")
                    % {"town": item.label, "year": year, "value": format_wan(value)},
                )
            )
        parts.append(mark_safe("</g>"))  # noqa: S308 - a literal closing tag
        if legend:
            ly = top + 6 + 20 * number
            lx = width - legend_width + 4
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>'
                    '<text x="{}" y="{}" font-size="12" fill="#1f2933">{}</text>',
                    lx,
                    ly,
                    lx + 18,
                    ly,
                    colour,
                    format_html(' stroke-dasharray="{}"', dash) if dash else "",
                    lx + 24,
                    ly + 4,
                    item.label,
                )
            )
    parts.append(mark_safe("</svg>"))  # noqa: S308 - a literal closing tag
    return mark_safe("".join(parts))  # noqa: S308 - every part above is built by format_html
