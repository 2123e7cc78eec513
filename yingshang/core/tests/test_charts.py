"""The pure SVG charts of the report pages (charts.py): scale, labels, escaping, accessibility."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from yingshang.core import charts
from yingshang.core.charts import Bar, Group

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    """The chart as XML: it must be well-formed whatever text went in."""
    return ET.fromstring(svg)


def bar_widths(svg: str) -> list[float]:
    return [float(rect.get("width")) for rect in parsed(svg).iter(f"{SVG}rect") if rect.get("height") != "12"]


def titles(svg: str) -> list[str]:
    return [element.text or "" for element in parsed(svg).iter(f"{SVG}title")]


@pytest.mark.parametrize(
    ("value", "largest", "width", "expected"),
    [
        (0, 0, 400, 0.0),  # nothing at all: no bars
        (0, 10, 400, 0.0),
        (10, 10, 400, 400.0),  # the largest fills the plot
        (5, 10, 400, 200.0),
        (1, 3, 400, 133.3),
        (1, 1_000_000, 400, 1.0),  # tiny but not zero stays visible
    ],
)
def test_a_bar_is_as_long_as_its_share_of_the_largest(value, largest, width, expected):
    assert charts.bar_length(value, largest, width) == expected


def test_a_negative_value_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不能为负数"):
        charts.bar_length(-1, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("abc", 3 * 13 * 0.6),
        ("高企", 26),
        ("A股", 13 * 0.6 + 13),
        ("（）", 26),  # full-width punctuation takes a full em
    ],
)
def test_wide_characters_take_a_full_em(text, expected):
    assert charts.text_width(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("区工信局", 100, "区工信局"),
        ("新认定（复审）国家高新技术企业奖励", 100, "新认定（复审）…"),
        ("abcdefghij", 40, "abcd…"),
        ("长", 5, "…"),
    ],
)
def test_a_long_label_is_cut_with_an_ellipsis(text, width, expected):
    assert charts.fit_label(text, width) == expected
    assert charts.text_width(charts.fit_label(text, width)) <= max(width, charts.text_width("…"))


@pytest.mark.parametrize(
    ("bars", "widths"),
    [
        ([Bar("区科技局", 100), Bar("区工信局", 50)], [420.0, 210.0]),
        ([Bar("甲", 0), Bar("乙", 0)], [0.0, 0.0]),
        ([Bar("只有一个", 7)], [420.0]),
    ],
)
def test_a_bar_chart_draws_one_bar_per_label_on_one_scale(bars, widths):
    assert bar_widths(charts.bar_chart("c", "图", bars)) == widths


def test_every_bar_names_its_label_and_value_for_screen_readers():
    svg = charts.bar_chart(
        "paid", "实际兑付金额", [Bar("区科技局", 12345)], value_text=lambda n: f"{n / 100:.2f} 元"
    )
    root = parsed(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "paid-title paid-desc"
    assert titles(svg) == ["实际兑付金额", "区科技局：123.45 元"]
    assert root.find(f"{SVG}desc").text == "区科技局：123.45 元"


@pytest.mark.parametrize(
    "label",
    ['<script>alert("x")</script>', "A&B 公司", "引号\"和'单引号", "]]>"],
)
def test_text_that_looks_like_markup_is_escaped(label):
    for svg in (
        charts.bar_chart("c", label, [Bar(label, 1)]),
        charts.grouped_bar_chart("c", label, [label], [Group(label, (1,))]),
    ):
        assert "<script>" not in svg
        assert label in titles(svg)  # well-formed, and the text reads back unchanged


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.bar_chart("c", "各部门兑付金额", []),
        lambda: charts.grouped_bar_chart("c", "各部门兑付金额", ["候选"], []),
    ],
)
def test_a_chart_without_data_says_so(draw):
    svg = draw()
    assert "暂无数据" in svg
    assert bar_widths(svg) == []


def test_a_funnel_draws_each_series_per_item_with_a_legend():
    svg = charts.grouped_bar_chart(
        "funnel",
        "兑现进度",
        ["候选", "已推送", "已兑付"],
        [Group("高企奖励", (4, 2, 1)), Group("研发补助", (2, 2, 0))],
    )
    assert bar_widths(svg) == [420.0, 210.0, 105.0, 210.0, 210.0, 0.0]
    legend = [text.text for g in parsed(svg).iter(f"{SVG}g") if g.get("class") == "legend" for text in g]
    assert legend == [None, "候选", None, "已推送", None, "已兑付"]
    assert "高企奖励 · 已推送：2" in titles(svg)
    assert "研发补助 · 已兑付：0" in titles(svg)
    # Colours repeat per series, not per item.
    fills = [r.get("fill") for r in parsed(svg).iter(f"{SVG}rect")]
    assert fills[3:6] == fills[6:9] == list(charts.PALETTE[:3])


@pytest.mark.parametrize(
    ("series", "groups", "message"),
    [
        (["候选", "已推送"], [Group("高企", (1,))], "“高企”有 1 个数值，应为 2 个"),
        (["s"] * 7, [], "系列最多 6 个"),
    ],
)
def test_a_grouped_chart_refuses_data_that_does_not_fit_its_series(series, groups, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        charts.grouped_bar_chart("c", "图", series, groups)


def test_the_chart_grows_with_its_rows():
    one = parsed(charts.bar_chart("c", "图", [Bar("a", 1)]))
    three = parsed(charts.bar_chart("c", "图", [Bar("a", 1), Bar("b", 2), Bar("c", 3)]))
    assert int(three.get("height")) - int(one.get("height")) == 2 * (charts.BAR_HEIGHT + charts.ROW_GAP)
