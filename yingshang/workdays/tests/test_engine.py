"""The working-day engine on real 2024–2026 dates (official notices, as shipped by chinese-calendar)
and on a fictional 2027 entered by the office."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from yingshang.workdays.engine import (
    BUILTIN_LAST_YEAR,
    BUILTIN_VERSION,
    SHANGHAI,
    ArrangementEntry,
    CalendarError,
    CalendarUnknownYear,
    DayKind,
    NaiveMoment,
    WorkCalendar,
    YearArrangement,
    arrangement_problems,
    check_arrangement,
    missing_festivals,
)
from yingshang.workdays.testing import d, fictional_2027, fictional_2027_entries

CALENDAR = WorkCalendar()


def at(text: str) -> dt.datetime:
    """A Shanghai moment from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# 调休上班: the weekend days worked, from the notices for 2024, 2025 and 2026.
MAKEUP_WEEKEND_DAYS = [
    ("2024-02-04", "春节"),
    ("2024-02-18", "春节"),
    ("2024-04-07", "清明"),
    ("2024-04-28", "劳动节"),
    ("2024-05-11", "劳动节"),
    ("2024-09-14", "中秋"),
    ("2024-09-29", "国庆节"),
    ("2024-10-12", "国庆节"),
    ("2025-01-26", "春节"),
    ("2025-02-08", "春节"),
    ("2025-04-27", "劳动节"),
    ("2025-09-28", "国庆节"),
    ("2025-10-11", "国庆节"),
    ("2026-01-04", "元旦"),
    ("2026-02-14", "春节"),
    ("2026-02-28", "春节"),
    ("2026-05-09", "劳动节"),
    ("2026-09-20", "国庆节"),
    ("2026-10-10", "国庆节"),
]


@pytest.mark.parametrize(("day", "festival"), MAKEUP_WEEKEND_DAYS)
def test_a_makeup_saturday_or_sunday_is_a_working_day(day, festival):
    info = CALENDAR.describe(d(day))
    assert d(day).weekday() >= 5
    assert info.is_workday and CALENDAR.is_workday(d(day))
    assert info.kind is DayKind.MAKEUP
    assert info.name == festival


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_makeup_days_listed_here_are_all_the_makeup_days_of_the_year(year):
    listed = sorted(day for day, _ in MAKEUP_WEEKEND_DAYS if day.startswith(str(year)))
    found = sorted(
        info.day.isoformat() for info in CALENDAR.special_days(year) if info.kind is DayKind.MAKEUP
    )
    assert found == listed


@pytest.mark.parametrize(
    ("first", "last", "festival"),
    [
        ("2024-02-10", "2024-02-17", "春节"),
        ("2025-01-28", "2025-02-04", "春节"),
        ("2026-02-15", "2026-02-23", "春节"),
        ("2024-10-01", "2024-10-07", "国庆节"),
        ("2025-10-01", "2025-10-08", "国庆节"),  # 国庆 and 中秋 together in 2025 (10-06 is 中秋)
        ("2026-10-01", "2026-10-07", "国庆节"),
        ("2026-01-01", "2026-01-03", "元旦"),
        ("2026-05-01", "2026-05-05", "劳动节"),
    ],
)
def test_every_day_of_a_holiday_period_is_a_day_off(first, last, festival):
    day = d(first)
    while day <= d(last):
        info = CALENDAR.describe(day)
        assert not CALENDAR.is_workday(day), day
        assert info.kind is DayKind.HOLIDAY, day
        assert info.name in (festival, "中秋"), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2024-02-09", DayKind.WORKDAY),  # 除夕 2024 was officially a working day
        ("2026-02-13", DayKind.WORKDAY),
        ("2026-02-24", DayKind.WORKDAY),
        ("2026-10-08", DayKind.WORKDAY),
        ("2026-10-11", DayKind.REST),
        ("2026-09-19", DayKind.REST),
    ],
)
def test_days_next_to_holidays_follow_the_weekday(day, kind):
    assert CALENDAR.describe(d(day)).kind is kind


@pytest.mark.parametrize("year", range(2004, BUILTIN_LAST_YEAR + 1))
def test_every_shipped_day_agrees_with_chinese_calendar(year):
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert CALENDAR.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(("year", "count"), [(2024, 251), (2025, 248), (2026, 248)])
def test_a_year_has_the_working_days_its_notice_implies(year, count):
    # days − weekends − weekday holidays + makeup weekend days, counted from the notices by hand
    assert CALENDAR.workdays_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31)) == count


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-09-30", 3, "2026-10-10"),  # the CLI example: 10-08, 10-09, then the 调休 Saturday 10-10
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-09-30", 0, "2026-09-30"),  # n = 0: the day itself when it is a working day
        ("2026-10-01", 0, "2026-10-08"),  # ... else the next working day
        ("2026-10-10", 0, "2026-10-10"),
        ("2026-10-10", 1, "2026-10-12"),
        ("2026-02-13", 1, "2026-02-14"),  # Friday → 调休 Saturday
        ("2026-02-14", 1, "2026-02-24"),  # across the whole 春节 period
        ("2026-02-14", 5, "2026-02-28"),
        ("2025-09-26", 1, "2025-09-28"),  # Friday → 调休 Sunday
        ("2025-09-30", 1, "2025-10-09"),
        ("2025-10-09", 2, "2025-10-11"),
        ("2024-02-09", 1, "2024-02-18"),
        ("2024-09-13", 1, "2024-09-14"),
        ("2024-09-14", 1, "2024-09-18"),
        ("2024-12-31", 1, "2025-01-02"),  # across the year and 元旦
        ("2024-01-01", 251, "2024-12-31"),
        ("2026-12-31", 0, "2026-12-31"),
    ],
)
def test_adding_working_days(start, n, expected):
    assert CALENDAR.add_workdays(d(start), n) == d(expected)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-09-28", "2026-10-12", 6),  # the CLI example: 09-29, 09-30, 10-08, 10-09, 10-10, 10-12
        ("2026-09-28", "2026-09-28", 0),
        ("2026-10-12", "2026-09-28", -6),
        ("2026-10-01", "2026-10-07", 0),
        ("2026-09-30", "2026-10-07", 0),
        ("2026-02-13", "2026-02-28", 6),
        ("2025-01-24", "2025-01-27", 2),  # 01-26 调休 Sunday and Monday 01-27
        ("2024-12-31", "2025-01-02", 1),
        ("2024-10-11", "2024-10-12", 1),  # Friday to the 调休 Saturday
    ],
)
def test_counting_working_days_between_two_days(start, end, expected):
    assert CALENDAR.workdays_between(d(start), d(end)) == expected


@pytest.mark.parametrize(
    ("moment", "received"),
    [
        ("2026-09-30 10:00", "2026-09-30"),
        ("2026-09-30 17:29:59", "2026-09-30"),
        ("2026-09-30 17:30", "2026-10-08"),  # at the cut-off: the next working day
        ("2026-09-30 23:59", "2026-10-08"),
        ("2026-10-01 09:00", "2026-10-08"),  # on a holiday
        ("2026-10-10 09:00", "2026-10-10"),  # a 调休 Saturday is a working day
        ("2026-10-10 18:00", "2026-10-12"),
        ("2026-10-11 09:00", "2026-10-12"),  # an ordinary Sunday
        ("2026-10-09 18:00", "2026-10-10"),  # Friday evening → the 调休 Saturday
        ("2024-02-08 20:00", "2024-02-09"),
    ],
)
def test_a_submission_counts_from_its_effective_day(moment, received):
    assert CALENDAR.effective_start(at(moment)) == d(received)


def test_a_moment_in_another_time_zone_is_read_in_shanghai_time():
    utc = dt.UTC
    assert CALENDAR.effective_start(dt.datetime(2026, 9, 30, 9, 45, tzinfo=utc)) == d("2026-10-08")  # 17:45
    assert CALENDAR.effective_start(dt.datetime(2026, 9, 29, 16, 30, tzinfo=utc)) == d("2026-09-30")  # 00:30


def test_the_cut_off_can_be_moved():
    late = WorkCalendar(cutoff=dt.time(18, 0))
    assert late.effective_start(at("2026-09-30 17:45")) == d("2026-09-30")
    assert CALENDAR.effective_start(at("2026-09-30 17:45"), cutoff=dt.time(18, 0)) == d("2026-09-30")


@pytest.mark.parametrize(
    ("moment", "n", "counted_from", "due"),
    [
        ("2026-09-30 10:00", 1, "2026-09-30", "2026-10-08"),
        ("2026-09-30 18:00", 1, "2026-10-08", "2026-10-09"),
        ("2026-09-30 10:00", 3, "2026-09-30", "2026-10-10"),
        ("2026-10-03 10:00", 5, "2026-10-08", "2026-10-14"),
        ("2025-01-24 16:00", 2, "2025-01-24", "2025-01-27"),
        ("2024-02-08 20:00", 1, "2024-02-09", "2024-02-18"),
    ],
)
def test_a_deadline_runs_from_the_day_after_the_submission_counts_as_received(moment, n, counted_from, due):
    deadline = CALENDAR.deadline(at(moment), n)
    assert deadline.counted_from == d(counted_from)
    assert deadline.due == d(due)
    assert deadline.version == CALENDAR.version
    assert deadline.received_at.tzinfo is not None


def test_a_deadline_is_overdue_only_after_its_due_day():
    deadline = CALENDAR.deadline(at("2026-09-30 10:00"), 1)
    assert not deadline.is_overdue(at("2026-10-08 23:59"))
    assert deadline.is_overdue(at("2026-10-09 00:00"))


@pytest.mark.parametrize(
    ("start", "end", "used"),
    [
        ("2026-09-29 09:00", "2026-09-29 16:00", 0),  # same day
        ("2026-09-29 09:00", "2026-09-30 09:00", 1),
        ("2026-09-29 18:00", "2026-09-30 11:00", 0),  # after hours: counted from 09-30
        ("2026-09-29 18:00", "2026-09-29 19:00", 0),  # answered before counting began
        ("2026-09-30 10:00", "2026-10-08 10:00", 1),  # the holiday costs nothing
        ("2026-10-03 10:00", "2026-10-12 10:00", 3),  # a weekend submission counts from 10-08
    ],
)
def test_working_days_used_between_submission_and_answer(start, end, used):
    assert CALENDAR.elapsed_workdays(at(start), at(end)) == used


def test_an_answer_before_its_submission_is_refused():
    with pytest.raises(CalendarError, match="早于开始时间"):
        CALENDAR.elapsed_workdays(at("2026-09-30 10:00"), at("2026-09-29 10:00"))


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_workday(d("2027-01-04")),
        lambda c: c.add_workdays(d("2026-12-31"), 1),
        lambda c: c.add_workdays(d("2026-12-28"), 10),
        lambda c: c.workdays_between(d("2026-12-01"), d("2027-01-05")),
        lambda c: c.deadline(at("2026-12-31 18:00"), 1),
        lambda c: c.special_days(2027),
    ],
)
def test_a_day_in_2027_is_an_error_until_2027_is_entered(call):
    with pytest.raises(CalendarUnknownYear) as raised:
        call(CALENDAR)
    assert raised.value.year == 2027
    assert "2027年节假日安排尚未录入" in raised.value.message
    assert "工作日历" in raised.value.message


def test_a_year_before_the_data_is_an_error_not_a_guess():
    with pytest.raises(CalendarUnknownYear, match="2003年早于工作日历的数据范围"):
        CALENDAR.is_workday(d("2003-12-31"))


def test_an_entered_but_unconfirmed_year_says_so():
    with pytest.raises(CalendarUnknownYear, match="已录入但尚未确认"):
        WorkCalendar(drafts=[2027]).is_workday(d("2027-01-04"))


def test_a_naive_datetime_is_refused():
    with pytest.raises(NaiveMoment, match="缺少时区"):
        CALENDAR.effective_start(dt.datetime(2026, 9, 30, 10, 0))


def test_a_negative_number_of_working_days_is_refused():
    with pytest.raises(CalendarError, match="不能为负数"):
        CALENDAR.add_workdays(d("2026-09-30"), -1)


def test_the_version_names_chinese_calendar_alone_when_nothing_is_entered():
    assert CALENDAR.version == BUILTIN_VERSION
    assert BUILTIN_VERSION.startswith("chinese-calendar ")


def test_an_entered_2027_makes_2027_computable():
    calendar = WorkCalendar([fictional_2027(revision=3)])
    assert calendar.version == f"{BUILTIN_VERSION} + 2027:v3"
    assert calendar.known_years[-1] == 2027 and calendar.entered_years == [2027]
    assert calendar.add_workdays(d("2026-12-31"), 1) == d("2027-01-04")
    assert calendar.is_workday(d("2027-01-31"))  # a fictional 调休 Sunday
    assert not calendar.is_workday(d("2027-02-08"))  # a Monday inside the fictional 春节 period
    assert calendar.add_workdays(d("2027-09-30"), 2) == d("2027-10-09")
    assert calendar.workdays_between(d("2026-12-31"), d("2027-01-08")) == 5
    assert calendar.describe(d("2027-10-09")).kind is DayKind.MAKEUP
    with pytest.raises(CalendarUnknownYear, match="2028年"):
        calendar.add_workdays(d("2027-12-31"), 1)


def test_an_entered_year_chinese_calendar_already_ships_is_not_used():
    moved = YearArrangement(2026, (ArrangementEntry(d("2026-09-30"), "holiday", "国庆节"),))
    calendar = WorkCalendar([moved])
    assert calendar.is_workday(d("2026-09-30"))
    assert calendar.version == BUILTIN_VERSION
    assert calendar.shadowed_years == [2026]
    differences = calendar.differences_from_builtin(2026)
    assert any(line.startswith("2026-09-30：录入为放假") for line in differences)


def test_a_calendar_refuses_an_arrangement_that_contradicts_itself():
    both = (
        ArrangementEntry(d("2027-02-14"), "holiday", "春节"),
        ArrangementEntry(d("2027-02-14"), "workday", "春节"),
    )
    with pytest.raises(CalendarError, match="自相矛盾"):
        WorkCalendar([YearArrangement(2027, both)])


def entry(day: str, kind: str = "holiday", name: str = "春节", line: int | None = None) -> ArrangementEntry:
    return ArrangementEntry(d(day), kind, name, line)


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        (
            [entry("2027-02-14", "holiday", line=3), entry("2027-02-14", "workday", line=5)],
            "第5行：2027-02-14 既列为放假（第3行）又列为上班，自相矛盾",
        ),
        ([entry("2027-02-10", "workday", line=2)], "第2行：2027-02-10（周三）本来就是工作日"),
        ([entry("2028-01-01", line=4)], "第4行：2028-01-01 不在2027年内"),
        ([entry("2027-02-08", name=" ", line=1)], "第1行：2027-02-08 缺少节日名称"),
        (
            [entry("2027-02-08", line=1), entry("2027-02-08", line=2)],
            "第2行：2027-02-08 重复列出（第1行已列出）",
        ),
        ([entry("2027-02-08", kind="vacation", line=7)], "类型“vacation”无法识别"),
        ([entry("2027-01-31", "workday")], "没有任何放假日"),
    ],
)
def test_a_contradictory_arrangement_is_explained_in_chinese(entries, fragment):
    problems = check_arrangement(2027, entries)
    assert any(fragment in p for p in problems), problems


def test_a_consistent_arrangement_has_no_problems():
    assert check_arrangement(2027, fictional_2027_entries()) == []


def test_a_year_chinese_calendar_ships_cannot_be_entered():
    problems = check_arrangement(2026, [entry("2026-10-01", name="国庆节")])
    assert problems and "2026年的节假日安排已内置" in problems[0]
    assert arrangement_problems(2026, [entry("2026-10-01", name="国庆节")]) == []


def test_missing_festivals_are_pointed_out():
    assert missing_festivals(fictional_2027_entries()) == []
    only_spring = [entry("2027-02-08"), entry("2027-01-31", "workday", "国庆节")]
    assert missing_festivals(only_spring) == ["元旦", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
