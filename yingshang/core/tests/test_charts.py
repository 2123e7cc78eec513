"""Charts (core.charts, `{% chart %}`): ECharts options plus the same figures as a table."""

from __future__ import annotations

import json

import pytest
from django.template import Context, Template

from yingshang.core import charts
from yingshang.core.charts import SCALE, Series
from yingshang.core.money import format_fen
from yingshang.core.testing import chart_figures, chart_options

CATEGORIES = ("区科技局", "区工信局")
PAID = Series("实际兑付金额", (20_000_000, 5_000_012))


def points(chart: charts.Chart, index: int = 0) -> list[dict]:
    return chart.option["series"][index]["data"]


@pytest.mark.parametrize(
    ("build", "kind", "series_type"),
    [
        (charts.bar_chart, "bar", "bar"),
        (charts.stacked_bar_chart, "stacked_bar", "bar"),
        (charts.line_chart, "line", "line"),
    ],
)
def test_each_builder_gives_echarts_options_and_the_figures_as_text(build, kind, series_type):
    chart = build(
        "chart-x", "各部门兑付金额", CATEGORIES, [PAID], value_text=format_fen, divisor=100, first="部门"
    )
    assert chart.kind == kind
    assert [s["type"] for s in chart.option["series"]] == [series_type]
    assert points(chart) == [
        {"value": 200_000.0, "text": "200,000.00 元"},  # the axis in 元, the text exact
        {"value": 50_000.12, "text": "50,000.12 元"},
    ]
    assert chart.header == ("部门", "实际兑付金额")
    assert chart.rows == (("区科技局", "200,000.00 元"), ("区工信局", "50,000.12 元"))
    json.dumps(chart.option, allow_nan=False)  # plain JSON, nothing a browser would have to evaluate


@pytest.mark.parametrize(
    ("horizontal", "category_axis", "value_axis"), [(True, "yAxis", "xAxis"), (False, "xAxis", "yAxis")]
)
def test_bars_lie_or_stand_as_asked(horizontal, category_axis, value_axis):
    chart = charts.bar_chart("c", "t", CATEGORIES, [PAID], horizontal=horizontal, unit="元")
    assert chart.option[category_axis]["data"] == list(CATEGORIES)
    assert chart.option[value_axis] == {"type": "value", "name": "元", "minInterval": 1}
    assert chart.option[category_axis].get("inverse", False) is horizontal  # first category on top


def test_several_series_sit_side_by_side_or_stack():
    funnel = (Series("候选", (5, 3)), Series("已推送", (3, 3)), Series("已兑付", (2, 1)))
    side = charts.bar_chart("f", "进度", CATEGORIES, funnel)
    stacked = charts.stacked_bar_chart("s", "进度", CATEGORIES, funnel)
    assert [s.get("stack") for s in side.option["series"]] == [None, None, None]
    assert [s["stack"] for s in stacked.option["series"]] == ["total"] * 3
    assert side.option["legend"]["show"] and side.height > stacked.height  # three bars per row need room
    assert side.rows == (("区科技局", "5", "3", "2"), ("区工信局", "3", "3", "1"))


def test_a_missing_figure_is_a_gap_and_a_dash():
    chart = charts.line_chart("l", "月度", ("1月", "2月", "3月"), [Series("办结率", (90, None, 95))])
    assert points(chart)[1] == {"value": None, "text": "—"}
    assert chart.rows[1] == ("2月", "—")


@pytest.mark.parametrize(
    ("figures", "higher_is_better", "labels"),
    [
        ([("金台区", 1), ("渭滨区", 3), ("陈仓区", 2)], True, ["1. 渭滨区", "2. 陈仓区", "3. 金台区"]),
        ([("金台区", 1), ("渭滨区", 3), ("陈仓区", 2)], False, ["1. 金台区", "2. 陈仓区", "3. 渭滨区"]),
        ([("甲", 5), ("乙", 7), ("丙", 5), ("丁", 1)], True, ["1. 乙", "2. 甲", "2. 丙", "4. 丁"]),  # ties
        ([], True, []),
    ],
)
def test_a_ranking_numbers_the_best_first_and_ties_share_a_rank(figures, higher_is_better, labels):
    chart = charts.ranking_chart("r", "排名", figures, name="天数", higher_is_better=higher_is_better)
    assert chart.kind == "ranking"
    assert chart.option["yAxis"]["data"] == labels
    assert [row[0] for row in chart.rows] == labels
    if figures:  # the best is the darkest, the worst the lightest
        colours = [p["itemStyle"]["color"] for p in points(chart)]
        assert (colours[0], colours[-1]) == (SCALE[-1], SCALE[0])


@pytest.mark.parametrize(
    ("value", "low", "high", "colour"),
    [(0, 0, 100, SCALE[0]), (24, 0, 100, SCALE[0]), (25, 0, 100, SCALE[1]), (99, 0, 100, SCALE[3]),
     (100, 0, 100, SCALE[3]), (7, 7, 7, SCALE[3])],
)  # fmt: skip
def test_a_value_gets_its_step_of_the_colour_scale(value, low, high, colour):
    assert charts.shade(value, low, high) == colour


def test_a_heat_map_colours_each_cell_and_keeps_the_table():
    chart = charts.heat_map(
        "h",
        "各区县指标",
        ["渭滨区", "金台区"],
        ["开办企业（天）", "获得电力（天）"],
        [[1.5, 20], [3, None]],
        value_text=lambda v: f"{v:g} 天",
        first="区县",
    )
    cells = points(chart)
    assert [c["value"] for c in cells] == [[0, 0, 1.5], [1, 0, 20], [0, 1, 3]]  # the empty cell is left out
    assert cells[0]["tip"] == "渭滨区 · 开办企业（天）：1.5 天"
    assert cells[0]["itemStyle"]["color"] == SCALE[0] and cells[1]["itemStyle"]["color"] == SCALE[-1]
    assert chart.rows == (("渭滨区", "1.5 天", "20 天"), ("金台区", "3 天", "—"))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: charts.bar_chart("c", "t", CATEGORIES, [Series("x", (1,))]),
            "系列“x”有 1 个数值，应为 2 个",
        ),
        (lambda: charts.bar_chart("1c", "t", [], []), "图表编号“1c”只能由字母、数字、-、_ 组成"),
        (lambda: charts.bar_chart("c d", "t", [], []), "图表编号"),
        (
            lambda: charts.bar_chart("c", "t", ["a"], [Series(str(i), (1,)) for i in range(9)]),
            "系列最多 8 个",
        ),
        (lambda: charts.heat_map("h", "t", ["a"], ["x", "y"], [[1]]), "热力图应有 1 行、每行 2 个数值"),
    ],
)
def test_figures_that_do_not_fit_are_refused_in_chinese(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def render(chart: charts.Chart) -> str:
    return Template("{% load charts %}{% chart c %}").render(Context({"c": chart}))


def test_the_tag_writes_the_options_and_a_readable_table_without_any_script():
    chart = charts.bar_chart("chart-paid", "兑付金额", CATEGORIES, [PAID], value_text=format_fen, divisor=100)
    html = render(chart)
    assert "<script" not in html
    assert 'id="chart-paid"' in html and 'data-height="' in html
    assert chart_options(html, "chart-paid") == json.loads(json.dumps(chart.option))
    assert chart_figures(html, "chart-paid") == [
        ["项目", "实际兑付金额"],
        ["区科技局", "200,000.00 元"],
        ["区工信局", "50,000.12 元"],
    ]
    assert "兑付金额（数据表）" in html


def test_text_in_a_chart_cannot_break_out_of_the_page():
    evil = '"><script>alert(1)</script>'
    html = render(charts.bar_chart("c", f"标题{evil}", [evil], [Series(evil, (1,))]))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert chart_options(html, "c")["yAxis"]["data"] == [evil]  # read back intact from the attribute


def test_an_empty_chart_says_so_instead_of_drawing():
    html = render(charts.bar_chart("c", "兑付金额", [], [Series("金额", ())]))
    assert "暂无数据" in html and "data-chart-options" not in html


def test_the_scripts_are_our_own_static_files_and_deferred():
    html = Template("{% load charts %}{% chart_scripts %}").render(Context())
    assert html == (
        '<script src="/static/core/vendor/echarts/echarts.min.js" defer></script>'
        '<script src="/static/core/charts.js" defer></script>'
    )
