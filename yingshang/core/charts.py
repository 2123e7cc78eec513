"""Charts for the pages: figures in, a `Chart` out (Apache ECharts options plus the same figures as text).

The platform draws every chart on a page with Apache ECharts, served from our own static files
(core/static/core/vendor/echarts/) and started by core/static/core/charts.js from the options these
builders return; no CDN and no inline script. The template tag `{% chart c %}` (core/templatetags/
charts.py) writes the container, the options as JSON in a data attribute, and a caption with the
figures as a table: a page without JavaScript, a screen reader and a test all read the table; the
script hides it visually once the chart is drawn.

Builders, one per kind of chart the analytics pages need:

* `bar_chart`: one bar per category, one or more series side by side (horizontal by default: the
  labels are long Chinese names);
* `stacked_bar_chart`: the series stacked, e.g. appeals per department by state;
* `line_chart`: series over an ordered axis, e.g. months;
* `ranking_chart`: the "map-like" comparison of districts or departments on one figure: sorted, with
  rank numbers and a colour scale from worst to best;
* `heat_map`: rows × columns (districts × indicators) coloured by value, with the figure in each cell.

Values are numbers (integer fen for money); `value_text` turns one into the text shown in labels,
tooltips and the table (e.g. `core.money.format_fen`), and `divisor` scales the axis (100: money
shown in 元). Plain Python, no Django: images for .docx/.pdf bulletins will be drawn from the same
figures with matplotlib when bulletins come (not yet a dependency).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

__all__ = [
    "PALETTE",
    "SCALE",
    "Chart",
    "Series",
    "bar_chart",
    "heat_map",
    "line_chart",
    "ranking_chart",
    "shade",
    "stacked_bar_chart",
]

# Colours readable on white and apart for colour-blind readers (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
# A sequential scale for rankings and heat maps, light (low) to dark (high).
SCALE = ("#9ecae1", "#6baed6", "#3182bd", "#08519c")
ROW_HEIGHT = 28  # px per category of a horizontal chart
SERIES_HEIGHT = 12  # px per bar when several series sit side by side
LABEL_WIDTH = 200  # px kept for category labels (longer ones are cut with "…", the table keeps them)
_ID = re.compile(r"^[A-Za-z][-A-Za-z0-9_]*$")

ValueText = Callable[[int | float], str]
ChartKind = Literal["bar", "stacked_bar", "line", "ranking", "heat_map"]


def _plain(value: int | float) -> str:
    return f"{value:,}"


@dataclass(frozen=True)
class Series:
    """One named row of figures, one value per category (None: no figure)."""

    name: str
    values: tuple[int | float | None, ...]


@dataclass(frozen=True)
class Chart:
    """What the template tag needs: where, what it says, the ECharts options and the figures as text."""

    chart_id: str
    title: str
    option: dict[str, Any]
    header: tuple[str, ...]  # the table's column headers: the category's name, then one per series
    rows: tuple[tuple[str, ...], ...]  # the table: a category label, then its figures as text
    height: int = 320  # px the drawn chart takes
    description: str = ""  # one sentence under the caption, if the chart needs one
    kind: ChartKind = "bar"

    @property
    def empty(self) -> bool:
        return not self.rows


def _check(chart_id: str, categories: Sequence[str], series: Sequence[Series]) -> None:
    if not _ID.match(chart_id):
        raise ValueError(f"图表编号“{chart_id}”只能由字母、数字、-、_ 组成，且以字母开头")
    if len(series) > len(PALETTE):
        raise ValueError(f"系列最多 {len(PALETTE)} 个，收到 {len(series)} 个")
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"系列“{s.name}”有 {len(s.values)} 个数值，应为 {len(categories)} 个")


def _point(value: int | float | None, value_text: ValueText, divisor: int) -> dict[str, Any]:
    if value is None:
        return {"value": None, "text": "—"}
    shown = value / divisor if divisor != 1 else value
    return {"value": shown, "text": value_text(value)}


def _table(
    first: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_text: ValueText,
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    header = (first, *(s.name for s in series))
    rows = tuple(
        (label, *("—" if s.values[i] is None else value_text(s.values[i]) for s in series))  # type: ignore[arg-type]
        for i, label in enumerate(categories)
    )
    return header, rows


def _base(series: Sequence[Series]) -> dict[str, Any]:
    return {
        "color": list(PALETTE),
        "animation": False,
        "aria": {"enabled": False},  # the figures are in the table next to the chart
        "textStyle": {"fontFamily": "sans-serif"},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"show": len(series) > 1, "top": 0, "type": "scroll"},
        "grid": {
            "left": 8,
            "right": 140,  # room for the value text right of the longest bar ("200,000.00 元")
            "top": 36 if len(series) > 1 else 12,
            "bottom": 8,
            "containLabel": True,
        },
    }


def _category_axis(categories: Sequence[str], *, horizontal: bool) -> dict[str, Any]:
    axis: dict[str, Any] = {"type": "category", "data": list(categories)}
    if horizontal:
        # First category on top, labels cut at LABEL_WIDTH (the table has them whole).
        axis |= {"inverse": True, "axisLabel": {"width": LABEL_WIDTH, "overflow": "truncate"}}
    else:
        axis |= {"axisLabel": {"interval": 0, "hideOverlap": True}}
    return axis


def _value_axis(unit: str) -> dict[str, Any]:
    return {"type": "value", "name": unit, "minInterval": 1}


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    value_text: ValueText = _plain,
    unit: str = "",
    divisor: int = 1,
    horizontal: bool = True,
    stacked: bool = False,
    first: str = "项目",
    description: str = "",
) -> Chart:
    """Bars, one per category and series: several series side by side (e.g. a funnel per item:
    候选 → 已推送 → 已确认 → 审核通过 → 已兑付), or `stacked` into one bar (`stacked_bar_chart`)."""
    _check(chart_id, categories, series)
    option = _base(series)
    bars = []
    for s in series:
        bar: dict[str, Any] = {
            "name": s.name,
            "type": "bar",
            "data": [_point(v, value_text, divisor) for v in s.values],
            "label": {"show": not stacked, "position": "right" if horizontal else "top"},
        }
        if stacked:
            bar["stack"] = "total"
        bars.append(bar)
    option["series"] = bars
    category_axis, value_axis = _category_axis(categories, horizontal=horizontal), _value_axis(unit)
    axes = (value_axis, category_axis) if horizontal else (category_axis, value_axis)
    option["xAxis"], option["yAxis"] = axes
    per_category = ROW_HEIGHT if stacked or len(series) == 1 else len(series) * SERIES_HEIGHT + 10
    height = 60 + len(categories) * per_category if horizontal else 360
    header, rows = _table(first, categories, series, value_text)
    return Chart(
        chart_id, title, option, header, rows, height, description, "stacked_bar" if stacked else "bar"
    )


# The parts of a whole per category (appeals per department by state): `bar_chart(…, stacked=True)`.
stacked_bar_chart = partial(bar_chart, stacked=True)


def line_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    value_text: ValueText = _plain,
    unit: str = "",
    divisor: int = 1,
    first: str = "时间",
    description: str = "",
) -> Chart:
    """Lines over an ordered axis (months, quarters); a missing figure leaves a gap, not a zero."""
    _check(chart_id, categories, series)
    option = _base(series)
    option["tooltip"] = {"trigger": "axis"}
    option["xAxis"] = _category_axis(categories, horizontal=False) | {"boundaryGap": False}
    option["yAxis"] = _value_axis(unit)
    option["series"] = [
        {"name": s.name, "type": "line", "data": [_point(v, value_text, divisor) for v in s.values]}
        for s in series
    ]
    header, rows = _table(first, categories, series, value_text)
    return Chart(chart_id, title, option, header, rows, 360, description, "line")


def shade(value: float, low: float, high: float) -> str:
    """The colour of `value` on the light-to-dark scale from `low` to `high` (four steps)."""
    if high <= low:
        return SCALE[-1]
    step = int((value - low) / (high - low) * len(SCALE))
    return SCALE[min(max(step, 0), len(SCALE) - 1)]


def _ink(colour: str) -> str:
    """Label text readable on `colour`: white on the two dark steps."""
    return "#ffffff" if colour in SCALE[2:] else "#1a1a1a"


def ranking_chart(
    chart_id: str,
    title: str,
    figures: Sequence[tuple[str, int | float]],
    *,
    name: str,
    value_text: ValueText = _plain,
    unit: str = "",
    divisor: int = 1,
    higher_is_better: bool = True,
    first: str = "排名",
    description: str = "",
) -> Chart:
    """The districts (or departments) ranked on one figure, best first, numbered, coloured from the
    worst (light) to the best (dark): the comparison a map would give, readable as a list.
    Ties share a rank (1, 2, 2, 4)."""
    ordered = sorted(figures, key=lambda f: -f[1] if higher_is_better else f[1])
    ranks: list[int] = []
    for i, (_, value) in enumerate(ordered):
        ranks.append(ranks[-1] if i and value == ordered[i - 1][1] else i + 1)
    labels = [f"{rank}. {label}" for rank, (label, _) in zip(ranks, ordered, strict=True)]
    series = [Series(name, tuple(value for _, value in ordered))]
    chart = bar_chart(
        chart_id, title, labels, series, value_text=value_text, unit=unit, divisor=divisor, first=first,
        description=description,
    )  # fmt: skip
    values = [value for _, value in ordered]
    worst, best = (min(values), max(values)) if values else (0, 0)
    for point, value in zip(chart.option["series"][0]["data"], values, strict=True):
        goodness = value if higher_is_better else worst + best - value
        point["itemStyle"] = {"color": shade(goodness, worst, best)}
    return replace(chart, kind="ranking")


def heat_map(
    chart_id: str,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int | float | None]],
    *,
    value_text: ValueText = _plain,
    first: str = "",
    description: str = "",
) -> Chart:
    """Rows × columns (e.g. districts × indicators), each cell coloured by its value (light: low,
    dark: high) and labelled with its figure; a missing figure is an empty cell."""
    _check(chart_id, rows, [])
    if len(values) != len(rows) or any(len(row) != len(columns) for row in values):
        raise ValueError(f"热力图应有 {len(rows)} 行、每行 {len(columns)} 个数值")
    known = [v for row in values for v in row if v is not None]
    low, high = (min(known), max(known)) if known else (0, 0)
    cells = []
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            if value is None:
                continue
            colour = shade(value, low, high)
            cells.append(
                {
                    "value": [j, i, value],
                    "text": value_text(value),
                    "tip": f"{rows[i]} · {columns[j]}：{value_text(value)}",
                    "itemStyle": {"color": colour},
                    "label": {"color": _ink(colour)},
                }
            )
    option = {
        "animation": False,
        "aria": {"enabled": False},
        "textStyle": {"fontFamily": "sans-serif"},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 8, "right": 8, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": list(columns), "position": "top", "axisLabel": {"interval": 0}},
        "yAxis": {"type": "category", "data": list(rows), "inverse": True},
        "series": [{"type": "heatmap", "data": cells, "label": {"show": True}}],
    }
    header = (first, *columns)
    table = tuple(
        (label, *("—" if v is None else value_text(v) for v in row))
        for label, row in zip(rows, values, strict=True)
    )
    return Chart(chart_id, title, option, header, table, 60 + 36 * len(rows), description, "heat_map")
