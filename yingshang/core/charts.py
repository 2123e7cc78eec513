"""Charts for the report pages: data in, an inline SVG string out.

Plain Python, no Django and no JavaScript: the server draws the chart, the browser only shows it, so the
page works without any script or CDN and a screen reader gets the same facts (the chart's <title> and
<desc>, and a <title> on every bar). All text is XML-escaped here, so the caller may mark the result safe.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

FONT_SIZE = 13
ROW_GAP = 6
BAR_HEIGHT = 18
SERIES_BAR_HEIGHT = 11
LABEL_WIDTH = 220  # px kept for the category labels on the left
VALUE_WIDTH = 130  # px kept right of the longest bar for its value text
PLOT_WIDTH = 420
LEGEND_HEIGHT = 26
TITLE_HEIGHT = 24
# Colours readable on white and apart for colour-blind readers (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
EMPTY_TEXT = "暂无数据"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Group:
    """One category of a grouped chart: a label and one value per series, in the series' order."""

    label: str
    values: tuple[int, ...]


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """Estimated rendered width: a CJK (wide) character takes a full em, others about 0.6 em.

    No font metrics on the server; the estimate only decides where to cut a long label."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def fit_label(text: str, width: float, size: int = FONT_SIZE) -> str:
    """`text`, cut with “…” so it fits `width` (the full text stays in the bar's <title>)."""
    if text_width(text, size) <= width:
        return text
    kept = ""
    for ch in text:
        if text_width(kept + ch + "…", size) > width:
            break
        kept += ch
    return kept + "…"


def bar_length(value: int, largest: int, width: int = PLOT_WIDTH) -> float:
    """Length of a bar for `value` on a scale where `largest` fills `width`; a non-zero value stays
    visible (at least 1 px) so a small count is not mistaken for none."""
    if value < 0:
        raise ValueError(f"条形图的数值不能为负数：{value}")
    if largest <= 0 or value == 0:
        return 0.0
    return max(1.0, round(value / largest * width, 1))


def _svg(chart_id: str, title: str, description: str, width: int, height: int, body: list[str]) -> str:
    ids = f"{chart_id}-title {chart_id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id={quoteattr(chart_id)} role="img" '
        f'aria-labelledby="{escape(ids)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-size="{FONT_SIZE}" font-family="sans-serif">'
    )
    return "".join(
        [
            head,
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
            f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
            f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
            *body,
            "</svg>",
        ]
    )


def _empty(chart_id: str, title: str) -> str:
    body = [f'<text x="0" y="{TITLE_HEIGHT + 18}" fill="#667">{EMPTY_TEXT}</text>']
    return _svg(chart_id, title, EMPTY_TEXT, LABEL_WIDTH + PLOT_WIDTH, TITLE_HEIGHT + 30, body)


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    value_text: Callable[[int], str] = str,
    description: str = "",
    colour: str = PALETTE[0],
) -> str:
    """A horizontal bar chart: one bar per label, longest value filling the plot width."""
    if not bars:
        return _empty(chart_id, title)
    largest = max(bar.value for bar in bars)
    row = BAR_HEIGHT + ROW_GAP
    body = []
    for index, bar in enumerate(bars):
        top = TITLE_HEIGHT + index * row
        length = bar_length(bar.value, largest)
        said = value_text(bar.value)
        body.append(
            f'<g class="bar"><title>{escape(f"{bar.label}：{said}")}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{top + BAR_HEIGHT - 5}" text-anchor="end">'
            f"{escape(fit_label(bar.label, LABEL_WIDTH - 12))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{top}" width="{length}" height="{BAR_HEIGHT}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{top + BAR_HEIGHT - 5}">{escape(said)}</text></g>'
        )
    height = TITLE_HEIGHT + len(bars) * row + ROW_GAP
    text = description or "；".join(f"{bar.label}：{value_text(bar.value)}" for bar in bars)
    return _svg(chart_id, title, text, LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height, body)


def grouped_bar_chart(
    chart_id: str,
    title: str,
    series: Sequence[str],
    groups: Sequence[Group],
    *,
    value_text: Callable[[int], str] = str,
    description: str = "",
) -> str:
    """Horizontal bars grouped by category, one bar per series (e.g. a funnel per reward item:
    候选 → 已推送 → 已确认 → 审核通过 → 已兑付), all on one scale, with a legend."""
    if len(series) > len(PALETTE):
        raise ValueError(f"系列最多 {len(PALETTE)} 个，收到 {len(series)} 个")
    for group in groups:
        if len(group.values) != len(series):
            raise ValueError(f"“{group.label}”有 {len(group.values)} 个数值，应为 {len(series)} 个")
    if not groups:
        return _empty(chart_id, title)
    largest = max((value for group in groups for value in group.values), default=0)
    body = []
    x = 0.0
    for index, name in enumerate(series):
        body.append(
            f'<g class="legend"><rect x="{x}" y="{TITLE_HEIGHT}" width="12" height="12" '
            f'fill="{PALETTE[index]}"/>'
            f'<text x="{x + 16}" y="{TITLE_HEIGHT + 11}">{escape(name)}</text></g>'
        )
        x += 16 + text_width(name) + 18
    block = len(series) * SERIES_BAR_HEIGHT + 2 * ROW_GAP
    top_of_plot = TITLE_HEIGHT + LEGEND_HEIGHT
    for g_index, group in enumerate(groups):
        top = top_of_plot + g_index * block
        middle = top + len(series) * SERIES_BAR_HEIGHT / 2 + 4
        body.append(
            f'<g class="group"><text x="{LABEL_WIDTH - 8}" y="{middle}" '
            f'text-anchor="end"><title>{escape(group.label)}</title>'
            f"{escape(fit_label(group.label, LABEL_WIDTH - 12))}</text>"
        )
        for s_index, (name, value) in enumerate(zip(series, group.values, strict=True)):
            y = top + s_index * SERIES_BAR_HEIGHT
            length = bar_length(value, largest)
            said = value_text(value)
            body.append(
                f'<g class="bar"><title>{escape(f"{group.label} · {name}：{said}")}</title>'
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{SERIES_BAR_HEIGHT - 1}" '
                f'fill="{PALETTE[s_index]}"/>'
                f'<text x="{LABEL_WIDTH + length + 4}" y="{y + SERIES_BAR_HEIGHT - 2}" font-size="10">'
                f"{escape(said)}</text></g>"
            )
        body.append("</g>")
    height = top_of_plot + len(groups) * block + ROW_GAP
    text = description or "；".join(
        f"{group.label}（"
        + "，".join(f"{name} {value_text(v)}" for name, v in zip(series, group.values, strict=True))
        + "）"
        for group in groups
    )
    return _svg(chart_id, title, text, LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height, body)
