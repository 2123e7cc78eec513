"""Reading a year's arrangement from pasted text: the notice's own sentences and table lines."""

from __future__ import annotations

import chinese_calendar
import pytest

from yingshang.workdays.engine import arrangement_problems
from yingshang.workdays.notice import format_entries, parse_arrangement
from yingshang.workdays.tests.fictional import LINES_2027, NOTICE_2027, d, fictional_2027_entries

# The 2026 notice (国务院办公厅关于2026年部分节假日安排的通知) as published: reading it must give
# exactly the days chinese-calendar ships for 2026.
NOTICE_2026 = """\
国务院办公厅关于2026年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


def chinese_calendar_days(year: int) -> dict:
    days = {day: "holiday" for day in chinese_calendar.holidays if day.year == year}
    days.update({day: "workday" for day in chinese_calendar.workdays if day.year == year})
    return days


def test_the_2026_notice_reads_as_the_days_chinese_calendar_ships():
    parsed = parse_arrangement(NOTICE_2026, 2026)
    assert parsed.problems == []
    assert parsed.skipped_lines == 2  # the title and the salutation
    assert {e.day: e.kind for e in parsed.entries} == chinese_calendar_days(2026)
    assert arrangement_problems(2026, parsed.entries) == []


def test_table_lines_and_notice_sentences_give_the_same_arrangement():
    from_notice = parse_arrangement(NOTICE_2027, 2027)
    from_lines = parse_arrangement(LINES_2027, 2027)
    assert from_notice.problems == from_lines.problems == []
    as_set = lambda parsed: {(e.day, e.kind, e.name) for e in parsed.entries}  # noqa: E731
    assert as_set(from_notice) == as_set(from_lines)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2027-01-01,holiday,元旦", [("2027-01-01", "holiday", "元旦")]),
        ("2027-02-14，上班，春节", [("2027-02-14", "workday", "春节")]),
        ("2027-02-14\t上班\t春节", [("2027-02-14", "workday", "春节")]),
        ("2027/2/14 上班 春节", [("2027-02-14", "workday", "春节")]),
        (
            "2027-02-06~2027-02-08,放假,春节",
            [
                ("2027-02-06", "holiday", "春节"),
                ("2027-02-07", "holiday", "春节"),
                ("2027-02-08", "holiday", "春节"),
            ],
        ),
        (
            "2027-02-06 至 2027-02-07,放假,春节",
            [("2027-02-06", "holiday", "春节"), ("2027-02-07", "holiday", "春节")],
        ),
        (
            "春节 2027-02-06 至 2027-02-07 放假；2027-02-14（周日）上班",
            [
                ("2027-02-06", "holiday", "春节"),
                ("2027-02-07", "holiday", "春节"),
                ("2027-02-14", "workday", "春节"),
            ],
        ),
        ("五、端午节：6月9日（星期三）放假，共1天。", [("2027-06-09", "holiday", "端午节")]),
        (
            "国庆节、中秋节：9月30日至10月1日放假调休，共2天。",
            [("2027-09-30", "holiday", "国庆节、中秋节"), ("2027-10-01", "holiday", "国庆节、中秋节")],
        ),
    ],
)
def test_a_line_is_read_in_any_of_the_accepted_forms(line, expected):
    parsed = parse_arrangement(line, 2027)
    assert parsed.problems == []
    assert [(e.day.isoformat(), e.kind, e.name) for e in parsed.entries] == expected
    assert all(e.line == 1 for e in parsed.entries)


def test_a_range_across_new_year_runs_into_the_next_year():
    parsed = parse_arrangement("元旦：12月31日（周五）至1月2日（周日）放假，共3天。", 2027)
    assert [e.day for e in parsed.entries] == [d("2027-12-31"), d("2028-01-01"), d("2028-01-02")]
    assert any("2028-01-01 不在2027年内" in p for p in arrangement_problems(2027, parsed.entries))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("\n2027-02-30,放假,春节", "第2行：日期“2027-02-30”无效"),
        ("2027-02-14,休假,春节", "第1行：类型“休假”无法识别"),
        ("2027-02-14", "第1行：缺少类型"),
        ("2027-02-13~2027-02-06,放假,春节", "第1行：区间起点 2027-02-13 晚于终点 2027-02-06"),
        ("2027-01-01~2027-03-01,放假,春节", "长达60天"),
        ("春节：2月6日（周日）至13日（周六）放假，共8天。", "“2月6日(周日)”标注为周日，但2027-02-06是周六"),
        ("春节：2月6日至13日放假调休，共9天。", "写明“共9天”，但2027-02-06至2027-02-13是8天"),
        ("春节：2月6日至13日。", "没有写明是放假还是上班"),
        ("春节：6日放假。", "缺少月份"),
        ("2027年2月14日上班", "无法识别"),
    ],
)
def test_a_line_that_cannot_be_read_is_reported_with_its_number(text, fragment):
    parsed = parse_arrangement(text, 2027)
    assert any(fragment in p for p in parsed.problems), parsed.problems


def test_lines_without_dates_and_the_date_of_issue_are_skipped_and_counted():
    text = "# 2027年安排\n\n经国务院批准，现将2027年有关安排通知如下：\n2027-06-09,放假,端午节\n2026年11月4日"
    parsed = parse_arrangement(text, 2027)
    assert parsed.problems == []
    assert parsed.skipped_lines == 4
    assert [e.line for e in parsed.entries] == [4]
    # Comments and blank lines go unmentioned; lines with words are named, so nobody loses one unseen.
    assert parsed.skipped == ["第3行“经国务院批准，现将2027年有关安排通知如下：”", "第5行“2026年11月4日”"]


@pytest.mark.parametrize(
    "line",
    ["三、清明节：四月五日放假，共1天。", "春节 二月六日至十三日放假调休", "五、端午节：放假1天"],
)
def test_a_festivals_line_without_a_readable_date_is_a_problem_not_skipped(line):
    parsed = parse_arrangement(f"2027-06-09,放假,端午节\n{line}", 2027)
    assert parsed.problems and parsed.problems[0].startswith("第2行：写了放假或上班，但没有能识别的日期")
    assert parsed.skipped == []


def test_entries_written_back_as_lines_read_back_as_the_same_entries():
    entries = fictional_2027_entries()
    text = format_entries(entries)
    assert "2027-02-05~2027-02-13,放假,春节" in text and "2027-01-31,上班,春节" in text
    reread = parse_arrangement(text, 2027)
    assert reread.problems == []
    assert {(e.day, e.kind, e.name) for e in reread.entries} == {(e.day, e.kind, e.name) for e in entries}
