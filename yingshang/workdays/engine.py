"""The Chinese working-day calendar as plain Python (no Django): which days are working days, and how
deadlines counted in working days fall.

Two sources of truth:

* the ``chinese-calendar`` package for the years it ships (2004–2026 in 1.11.0);
* years entered by the 营商办 from the State Council notice (国务院办公厅关于××年部分节假日安排的通知),
  given to the calendar as :class:`YearArrangement` data.

A day of a year neither source knows raises :class:`CalendarUnknownYear`; the calendar never guesses
from weekdays alone, because one missed 调休 Saturday moves every deadline that crosses it.

Counting rules (see docs/workdays.md):

* ``add_workdays(start, n)``: the n-th working day after ``start``'s day; ``n == 0`` gives ``start``
  itself when it is a working day, else the next working day.
* ``workdays_between(start, end)``: how many working days lie after ``start`` up to and including
  ``end`` (0 for the same day; negative when ``end`` is before ``start``).
* ``effective_start(moment)``: the day a submission counts as received. On a working day before the
  cut-off (17:30 by default) it is that day; at or after the cut-off, or on a rest day or holiday, it is
  the next working day. Deadlines "自受理之次日起计算" then run from the day after it.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import chinese_calendar

from yingshang.core.errors import UserError  # pure (no Django), like this module

# The zone of yingshang.core.clock, written here again on purpose: core.clock imports Django (it moves
# django.utils.timezone.now for the time machine) and this engine stays pure. Callers hand in aware
# moments (clock.now()); the engine only needs the zone to find their calendar day.
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_CUTOFF = dt.time(17, 30)

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# The years chinese-calendar knows, read from its own data so that an upgrade widens them by itself.
BUILTIN_FIRST_YEAR = min(chinese_calendar.holidays).year
BUILTIN_LAST_YEAR = max(chinese_calendar.holidays).year
BUILTIN_YEARS = range(BUILTIN_FIRST_YEAR, BUILTIN_LAST_YEAR + 1)
BUILTIN_VERSION = f"chinese-calendar {importlib.metadata.version('chinesecalendar')}"

# The seven statutory festivals (全国年节及纪念日放假办法); a notice that lacks one is probably cut short.
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


class CalendarError(UserError):
    """A working-day question the calendar cannot answer; ``message`` is Chinese, for the user."""


class CalendarUnknownYear(CalendarError):
    """The calendar has no arrangement for ``year``: not shipped, not entered, or entered but unconfirmed."""

    def __init__(self, year: int, *, draft: bool = False) -> None:
        self.year = year
        self.draft = draft
        if draft:
            message = (
                f"{year}年节假日安排已录入但尚未确认启用，无法计算工作日；"
                f"请营商办管理员核对后在“工作日历”中确认"
            )
        elif year < BUILTIN_FIRST_YEAR:
            message = f"{year}年早于工作日历的数据范围（{BUILTIN_FIRST_YEAR}年起），无法计算工作日"
        else:
            message = (
                f"{year}年节假日安排尚未录入，无法计算工作日；"
                f"请营商办管理员在“工作日历”中录入国务院办公厅公布的安排"
            )
        super().__init__(message)


class NaiveMoment(CalendarError):
    """A datetime without a time zone: which calendar day it falls on cannot be known."""


class DayKind(StrEnum):
    WORKDAY = "workday"  # an ordinary Monday–Friday
    REST = "rest"  # an ordinary Saturday or Sunday
    HOLIDAY = "holiday"  # 放假 (a statutory holiday or a day moved into a holiday period)
    MAKEUP = "makeup"  # 调休上班: a Saturday or Sunday worked to make a holiday period longer

    @property
    def label(self) -> str:
        return DAY_KIND_LABELS[self]


DAY_KIND_LABELS = {
    DayKind.WORKDAY: "工作日",
    DayKind.REST: "休息日",
    DayKind.HOLIDAY: "放假",
    DayKind.MAKEUP: "调休上班",
}


class EntryKind(StrEnum):
    HOLIDAY = "holiday"  # 放假
    WORKDAY = "workday"  # 上班 (调休)

    @property
    def label(self) -> str:
        return "放假" if self is EntryKind.HOLIDAY else "上班"


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    kind: DayKind
    name: str = ""  # the festival a holiday or makeup day belongs to

    @property
    def is_workday(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.MAKEUP)


@dataclass(frozen=True)
class ArrangementEntry:
    """One line of a year's notice: a date that is a holiday, or a weekend day that is worked."""

    day: dt.date
    kind: str  # an EntryKind value; kept a plain string so bad input reaches check_arrangement
    name: str
    line: int | None = None  # where the entry came from, for messages

    @property
    def where(self) -> str:
        return f"第{self.line}行：" if self.line is not None else ""


@dataclass(frozen=True)
class YearArrangement:
    """A year entered by the 营商办; ``revision`` goes into the calendar version."""

    year: int
    entries: tuple[ArrangementEntry, ...]
    revision: int = 1


@dataclass(frozen=True)
class Deadline:
    """A deadline of ``workdays`` working days counted from the day after ``counted_from``."""

    received_at: dt.datetime  # local time (Asia/Shanghai)
    counted_from: dt.date  # the day the submission counts as received (受理日)
    workdays: int
    due: dt.date  # the last day on which the work is on time
    version: str  # the calendar that produced it, stored next to the deadline

    def is_overdue(self, now: dt.datetime) -> bool:
        return local_moment(now).date() > self.due


def weekday_name(day: dt.date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


def local_moment(moment: dt.datetime) -> dt.datetime:
    """The moment in Shanghai time; a naive datetime is refused rather than assumed to be local."""
    if not isinstance(moment, dt.datetime):
        raise NaiveMoment(f"需要带时区的时间，收到的是{type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveMoment(
            f"时间 {moment.isoformat()} 缺少时区，无法判断属于哪一天；请使用带时区（Asia/Shanghai）的时间"
        )
    return moment.astimezone(SHANGHAI)


def check_arrangement(year: int, entries: Iterable[ArrangementEntry]) -> list[str]:
    """What is wrong with a year's arrangement as entered, in Chinese; an empty list means nothing.

    Refuses years chinese-calendar already ships: two sources for one year could disagree silently.
    """
    problems: list[str] = []
    if year <= BUILTIN_LAST_YEAR:
        problems.append(
            f"{year}年的节假日安排已内置（chinese-calendar，{BUILTIN_FIRST_YEAR}–{BUILTIN_LAST_YEAR}年），"
            f"只能录入{BUILTIN_LAST_YEAR + 1}年及以后的年份"
        )
    return problems + arrangement_problems(year, entries)


def arrangement_problems(year: int, entries: Iterable[ArrangementEntry]) -> list[str]:
    """The contradictions inside one year's entries, whatever the year."""
    problems: list[str] = []
    seen: dict[dt.date, ArrangementEntry] = {}
    holidays = 0
    for entry in entries:
        where = entry.where
        if entry.day.year != year:
            problems.append(f"{where}{entry.day.isoformat()} 不在{year}年内")
        if entry.kind not in set(EntryKind):
            problems.append(
                f"{where}{entry.day.isoformat()} 的类型“{entry.kind}”无法识别，应为“放假”或“上班”"
            )
            continue
        if not entry.name.strip():
            problems.append(f"{where}{entry.day.isoformat()} 缺少节日名称（如 春节）")
        if entry.kind == EntryKind.WORKDAY and entry.day.weekday() < 5:
            problems.append(
                f"{where}{entry.day.isoformat()}（{weekday_name(entry.day)}）本来就是工作日，"
                f"调休上班日只能是周六或周日"
            )
        if entry.kind == EntryKind.HOLIDAY:
            holidays += 1
        earlier = seen.get(entry.day)
        if earlier is None:
            seen[entry.day] = entry
        elif earlier.kind != entry.kind:
            problems.append(
                f"{where}{entry.day.isoformat()} 既列为{EntryKind(earlier.kind).label}"
                f"（{earlier.where.rstrip('：') or '前面'}）又列为{EntryKind(entry.kind).label}，自相矛盾"
            )
        else:
            problems.append(
                f"{where}{entry.day.isoformat()} 重复列出（{earlier.where.rstrip('：') or '前面'}已列出），"
                f"每个日期只能出现一次"
            )
    if holidays == 0:
        problems.append(f"{year}年的安排中没有任何放假日，请录入完整的节假日安排")
    return problems


def missing_festivals(entries: Iterable[ArrangementEntry]) -> list[str]:
    """Statutory festivals with no holiday entry: not an error (names vary), but worth a second look."""
    names = " ".join(e.name for e in entries if e.kind == EntryKind.HOLIDAY)
    return [f for f in FESTIVALS if f.removesuffix("节") not in names]


@dataclass(frozen=True)
class _Year:
    special: dict[dt.date, DayInfo]  # holidays and makeup days; other days follow the weekday
    workdays: list[int]  # ordinals of the working days, sorted, for bisect


def _ordinary_day(day: dt.date) -> DayInfo:
    return DayInfo(day, DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY)


def _festival_name(english: str) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def _builtin_special_days(year: int) -> dict[dt.date, DayInfo]:
    special = {
        day: DayInfo(day, DayKind.HOLIDAY, _festival_name(name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    }
    special.update(
        (day, DayInfo(day, DayKind.MAKEUP, _festival_name(name)))
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    )
    return special


def _entered_special_days(arrangement: YearArrangement) -> dict[dt.date, DayInfo]:
    return {
        e.day: DayInfo(e.day, DayKind.HOLIDAY if e.kind == EntryKind.HOLIDAY else DayKind.MAKEUP, e.name)
        for e in arrangement.entries
    }


class WorkCalendar:
    """Working days from chinese-calendar plus the years entered by the office.

    An entered year that chinese-calendar also ships (after a package upgrade) is not used: the
    package wins, the year is listed in ``shadowed_years``, and ``differences_from_builtin`` shows
    whether the two agree.
    """

    def __init__(
        self,
        arrangements: Iterable[YearArrangement] = (),
        *,
        drafts: Iterable[int] = (),
        cutoff: dt.time = DEFAULT_CUTOFF,
    ) -> None:
        self.cutoff = cutoff
        self._entered: dict[int, YearArrangement] = {}
        self.shadowed: dict[int, YearArrangement] = {}
        for arrangement in arrangements:
            problems = arrangement_problems(arrangement.year, arrangement.entries)
            if problems:
                raise CalendarError(f"{arrangement.year}年节假日安排有误：" + "；".join(problems))
            target = self.shadowed if arrangement.year in BUILTIN_YEARS else self._entered
            target[arrangement.year] = arrangement
        self.drafts = frozenset(drafts) - set(self._entered) - set(BUILTIN_YEARS)
        self._years: dict[int, _Year] = {}
        entered = "".join(f" + {y}:v{a.revision}" for y, a in sorted(self._entered.items()))
        self.version = BUILTIN_VERSION + entered

    # -- what the calendar knows -------------------------------------------------------------

    @property
    def known_years(self) -> list[int]:
        return sorted({*BUILTIN_YEARS, *self._entered})

    @property
    def entered_years(self) -> list[int]:
        return sorted(self._entered)

    @property
    def shadowed_years(self) -> list[int]:
        return sorted(self.shadowed)

    def knows(self, year: int) -> bool:
        return year in BUILTIN_YEARS or year in self._entered

    def source_of(self, year: int) -> str:
        """Where a year's arrangement comes from, in words, for pages and messages."""
        if year in BUILTIN_YEARS:
            return BUILTIN_VERSION
        if year in self._entered:
            return f"营商办录入（第{self._entered[year].revision}版）"
        raise CalendarUnknownYear(year, draft=year in self.drafts)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        if year in BUILTIN_YEARS:
            special = _builtin_special_days(year)
        elif year in self._entered:
            special = _entered_special_days(self._entered[year])
        else:
            raise CalendarUnknownYear(year, draft=year in self.drafts)
        first = dt.date(year, 1, 1).toordinal()
        last = dt.date(year, 12, 31).toordinal()
        workdays = []
        for ordinal in range(first, last + 1):
            day = dt.date.fromordinal(ordinal)
            info = special.get(day) or _ordinary_day(day)
            if info.is_workday:
                workdays.append(ordinal)
        built = _Year(special, workdays)
        self._years[year] = built
        return built

    # -- days --------------------------------------------------------------------------------

    def describe(self, day: dt.date) -> DayInfo:
        return self._year(day.year).special.get(day) or _ordinary_day(day)

    def is_workday(self, day: dt.date) -> bool:
        return self.describe(day).is_workday

    def special_days(self, year: int) -> list[DayInfo]:
        """The holidays and makeup workdays of a year, in date order."""
        return sorted(self._year(year).special.values(), key=lambda info: info.day)

    def differences_from_builtin(self, year: int) -> list[str]:
        """For a shadowed year: the days where the entered arrangement and chinese-calendar disagree."""
        arrangement = self.shadowed.get(year)
        if arrangement is None:
            return []
        entered = _entered_special_days(arrangement)
        differences = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            ours = entered.get(day) or _ordinary_day(day)
            theirs = self.describe(day)
            if ours.is_workday != theirs.is_workday:
                differences.append(
                    f"{day.isoformat()}：录入为{ours.kind.label}，{BUILTIN_VERSION} 为{theirs.kind.label}"
                )
            day += dt.timedelta(days=1)
        return differences

    # -- counting ----------------------------------------------------------------------------

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start``.

        n == 0 gives ``start`` when it is a working day, else the next working day.
        """
        if n < 0:
            raise CalendarError(f"工作日数不能为负数：{n}")
        if n == 0:
            return self._nth_workday_after(start.toordinal() - 1, 1)
        return self._nth_workday_after(start.toordinal(), n)

    def _nth_workday_after(self, ordinal: int, n: int) -> dt.date:
        year = dt.date.fromordinal(ordinal + 1).year
        remaining = n
        while True:
            workdays = self._year(year).workdays
            first = bisect_right(workdays, ordinal)
            available = len(workdays) - first
            if available >= remaining:
                return dt.date.fromordinal(workdays[first + remaining - 1])
            remaining -= available
            year += 1

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``.

        0 for the same day; negative (minus the count the other way round) when ``end`` is before ``start``.
        """
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        for year in range(start.year, end.year + 1):
            workdays = self._year(year).workdays
            count += bisect_right(workdays, end.toordinal()) - bisect_right(workdays, start.toordinal())
        return count

    # -- moments -----------------------------------------------------------------------------

    def effective_start(self, moment: dt.datetime, cutoff: dt.time | None = None) -> dt.date:
        """The day a submission counts as received (受理日).

        Before the cut-off on a working day: that day. At or after the cut-off, or on a rest day or
        holiday: the next working day, as if it had been received when the office next opened.
        """
        local = local_moment(moment)
        day = local.date()
        if self.is_workday(day) and local.time() < (cutoff or self.cutoff):
            return day
        return self.add_workdays(day, 1)

    def deadline(self, moment: dt.datetime, n: int, cutoff: dt.time | None = None) -> Deadline:
        """The due day of work that must be done within ``n`` working days of a submission at ``moment``.

        Counting starts the day after the effective start (自受理之次日起计算), so n == 1 means the next
        working day after the submission is received.
        """
        counted_from = self.effective_start(moment, cutoff)
        return Deadline(
            received_at=local_moment(moment),
            counted_from=counted_from,
            workdays=n,
            due=self.add_workdays(counted_from, n),
            version=self.version,
        )

    def elapsed_workdays(self, start: dt.datetime, end: dt.datetime, cutoff: dt.time | None = None) -> int:
        """Working days used between a submission and its answer, counted like a deadline.

        An answer on the day the submission counts as received (or before it, e.g. at 19:00 on the day of
        an after-hours submission) has used 0 working days.
        """
        started, ended = local_moment(start), local_moment(end)
        if ended < started:
            raise CalendarError(f"结束时间 {ended:%Y-%m-%d %H:%M} 早于开始时间 {started:%Y-%m-%d %H:%M}")
        counted_from = self.effective_start(start, cutoff)
        return max(0, self.workdays_between(counted_from, ended.date()))
