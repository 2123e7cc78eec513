"""热线大数据分析: a month's appeals by department, category, channel and street, the last 12 months, and
the month's hotspots — for whatever the reader may see (services.visible_appeals: a district's office
its district, the city's office all, a department its own appeals).

The appeals counted are those received in the month (北京时间), merged duplicates left out (they are
answered with the appeal they were merged into). Counts come from the database, one grouped query per
table (`Count` with `filter=`); the only rows read into Python are the replied ones (their receipt and
reply moments, for the working days that the database's calendar does not know) and the texts of the
hotspot period. What each figure means: docs/appeals.md, 热线分析.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse

from yingshang.appeals import hotspots, services
from yingshang.appeals.models import CHANNELS, Appeal, Category
from yingshang.appeals.workflow import State
from yingshang.core import clock
from yingshang.core.spreadsheets import Sheet, write_workbook
from yingshang.registry.models import Department, Street, User
from yingshang.workdays.services import CalendarError, get_calendar

NONE = "none"  # the drill-down value of "no department / category / street"
NOT_DISPATCHED = "未派发"
NOT_CATEGORISED = "未分类"
NO_STREET = "未注明"
TREND_MONTHS = 12
HOTSPOT_LIMIT = 20
HOTSPOT_TEXT_CHARS = 500  # enough to tell the matter; bounds the cost of a long appeal
ONE_DECIMAL = Decimal("0.1")

SATISFIED = Q(rating__in=["satisfied", "basically"])
CLOSED = Q(state=State.CLOSED.value)


def figures() -> dict[str, Any]:
    """The aggregates of one table row, for `values(...).annotate(**figures())`."""
    return {
        "received": Count("id"),
        "closed": Count("id", filter=CLOSED),
        "replied": Count("id", filter=Q(replied_at__isnull=False)),
        "timed": Count("id", filter=Q(replied_at__isnull=False, finish_due_on__isnull=False)),
        # 按时: replied on or before the finish deadline (the reply's day in 北京时间).
        "on_time": Count(
            "id",
            filter=LessThanOrEqual(TruncDate("replied_at", tzinfo=clock.SHANGHAI), F("finish_due_on")),
        ),
        "rated": Count("id", filter=~Q(rating="")),
        "satisfied": Count("id", filter=SATISFIED),
        "reopened": Count("id", filter=CLOSED & Q(reopens__gt=0)),
    }


FIGURE_NAMES = tuple(figures())


def _rate(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def _percent(rate: Decimal | None) -> str:
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)}%"


@dataclass
class Line:
    """One row of a table: the month's appeals of one department, category, channel, street or month."""

    key: str  # the drill-down value (a department's id, a category's code, "none" …)
    label: str
    received: int = 0
    closed: int = 0
    replied: int = 0
    timed: int = 0  # replied with a finish deadline known
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0  # 满意 or 基本满意
    reopened: int = 0  # closed after at least one 重办
    days: list[int] = field(default_factory=list)  # working days from receipt to reply, each replied one
    drill: dict[str, str] = field(default_factory=dict)  # the staff list's filter of these appeals

    @property
    def closure_rate(self) -> Decimal | None:
        """办结率: closed over received."""
        return _rate(self.closed, self.received)

    @property
    def on_time_rate(self) -> Decimal | None:
        """按时办结率: replied on or before the finish deadline over replied (with a deadline)."""
        return _rate(self.on_time, self.timed)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """满意率: 满意 and 基本满意 over rated."""
        return _rate(self.satisfied, self.rated)

    @property
    def reopen_rate(self) -> Decimal | None:
        """重办率: closed ones reopened at least once over closed."""
        return _rate(self.reopened, self.closed)

    closure_percent = property(lambda self: _percent(self.closure_rate))
    on_time_percent = property(lambda self: _percent(self.on_time_rate))
    satisfaction_percent = property(lambda self: _percent(self.satisfaction_rate))
    reopen_percent = property(lambda self: _percent(self.reopen_rate))

    @property
    def days_mean(self) -> Decimal | None:
        if not self.days:
            return None
        return (Decimal(sum(self.days)) / len(self.days)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def days_median(self) -> Decimal | None:
        if not self.days:
            return None
        return Decimal(str(statistics.median(self.days))).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def link(self) -> str:
        """The staff list filtered to these appeals."""
        return f"{reverse('appeals:appeal_list')}?{urlencode(self.drill)}"


@dataclass
class HotspotRow:
    """A hotspot with its appeals' numbers, for links."""

    spot: hotspots.Hotspot
    numbers: list[str]


@dataclass
class Analysis:
    scope: str  # “全市”, a district's name or a department's name
    month: dt.date  # the month's first day
    period: tuple[dt.date, dt.date]  # the hotspots' period: first and last day (the month so far)
    previous: tuple[dt.date, dt.date]  # the previous period of the same length
    total: Line
    by_department: list[Line]
    by_category: list[Line]
    by_channel: list[Line]
    by_street: list[Line]
    trend: list[Line]  # the last 12 months, oldest first, the chosen month last
    hotspots: list[HotspotRow]
    calendar_problems: list[str] = field(default_factory=list)

    @property
    def month_text(self) -> str:
        return month_key(self.month)


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_appeals(qs: QuerySet[Appeal], first: dt.date, months: int = 1) -> QuerySet[Appeal]:
    """Appeals received in `months` months from the month of `first` (北京时间), merged ones left out."""
    return qs.exclude(state=State.MERGED.value).filter(
        received_at__gte=clock.at(first, 0), received_at__lt=clock.at(add_months(first, months), 0)
    )


def line_of(key: str, label: str, row: Mapping[str, Any], drill: dict[str, str]) -> Line:
    line = Line(key=key, label=label, drill=drill)
    for name in FIGURE_NAMES:
        setattr(line, name, row[name] or 0)
    return line


def _grouped(qs: QuerySet[Appeal], by: str) -> list[dict[str, Any]]:
    return list(qs.order_by().values(by).annotate(**figures()))


def _sorted(lines: list[Line]) -> list[Line]:
    return sorted(lines, key=lambda line: (-line.received, line.label))


# The dimensions of the month's tables: the grouped field, and how a value is named and drilled into.
DaysKey = tuple[Any, ...]  # (month key, handler id, category id, channel, street id)


def _days(qs: QuerySet[Appeal]) -> tuple[list[tuple[DaysKey, int]], list[str]]:
    """Working days from receipt to reply of each replied appeal, counted like a deadline
    (`elapsed_workdays`), with its month and dimensions; a reply in a year the calendar does not know is
    left out and said so."""
    calendar = get_calendar()
    counted: list[tuple[DaysKey, int]] = []
    problems: dict[str, int] = defaultdict(int)
    rows = (
        qs.filter(replied_at__isnull=False)
        .order_by()
        .values_list(
            "handler_id", "category_id", "channel", "enterprise__street_id", "received_at", "replied_at"
        )
    )
    for handler, category, channel, street, received_at, replied_at in rows.iterator(2000):
        assert replied_at is not None  # filtered above
        try:
            days = calendar.elapsed_workdays(received_at, replied_at)
        except CalendarError as error:
            problems[error.message] += 1
            continue
        month = month_key(clock.local(received_at).date().replace(day=1))
        counted.append(((month, handler, category, channel, street), days))
    return counted, [f"{count} 件答复未计入工作日统计：{message}" for message, count in problems.items()]


def _table(
    qs: QuerySet[Appeal],
    by: str,
    position: int,
    days: list[tuple[DaysKey, int]],
    month: str,
    name: Callable[[Any], tuple[str, str]],
) -> list[Line]:
    """One table: a line per value of `by`; `name(value)` gives its drill-down key and label; the
    working days are those of `days` whose key has the value at `position`."""
    by_value: dict[Any, list[int]] = defaultdict(list)
    for days_key, count in days:
        if days_key[0] == month:
            by_value[days_key[position]].append(count)
    lines = []
    for row in _grouped(qs, by):
        key, label = name(row[by])
        line = line_of(key, label, row, {})
        line.days = by_value.get(row[by], [])
        lines.append(line)
    return _sorted(lines)


def scope_name(user: User) -> str:
    if not user.can("appeals.dispatch") and user.department is not None:
        return user.department.name  # department staff see their own department's appeals only
    return user.jurisdiction.name if user.jurisdiction is not None else "全市"


def hotspot_period(month: dt.date, today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The month (up to today when it is the current month) and the period of the same length before."""
    end = min(add_months(month, 1), today + dt.timedelta(days=1))
    length = max((end - month).days, 1)
    return (month, month + dt.timedelta(days=length - 1)), (
        month - dt.timedelta(days=length),
        month - dt.timedelta(days=1),
    )


def find_hotspots(
    qs: QuerySet[Appeal], period: tuple[dt.date, dt.date], previous: tuple[dt.date, dt.date], by: str
) -> list[HotspotRow]:
    rows = (
        qs.exclude(state=State.MERGED.value)
        .filter(
            received_at__gte=clock.at(previous[0], 0),
            received_at__lt=clock.at(period[1] + dt.timedelta(days=1), 0),
        )
        .order_by()
        .values_list(
            "pk",
            "number",
            "title",
            "text",
            "place",
            "handler__name",
            "enterprise__street__name",
            "received_at",
        )
    )
    start = clock.at(period[0], 0)
    docs, numbers = [], {}
    for pk, number, title, text, place, handler, street, received_at in rows.iterator(2000):
        numbers[pk] = number
        docs.append(
            hotspots.Doc(
                key=pk,
                text=f"{title} {text[:HOTSPOT_TEXT_CHARS]}",
                title=title,
                current=received_at >= start,
                place=place or street or "",
                department=handler or NOT_DISPATCHED,
            )
        )
    found = hotspots.find_hotspots(docs, limit=HOTSPOT_LIMIT, by="growth" if by == "growth" else "count")
    return [HotspotRow(spot, [numbers[key] for key in spot.keys]) for spot in found]


def build_analysis(user: User, month: dt.date, *, hotspot_order: str = "count") -> Analysis:
    """The analysis of `month` (its first day) over the appeals `user` may see."""
    visible = services.visible_appeals(user)
    first = add_months(month, -(TREND_MONTHS - 1))
    window = month_appeals(visible, first, TREND_MONTHS)
    cohort = month_appeals(visible, month)
    days, problems = _days(window)
    key = month_key(month)

    def drill(**extra: str) -> dict[str, str]:
        return {"month": key, "unmerged": "1", **extra}

    handler_ids = cohort.values_list("handler_id", flat=True).distinct()
    departments = dict(Department.objects.filter(pk__in=handler_ids).values_list("pk", "name"))
    categories = {c.pk: c for c in Category.objects.all()}
    streets = {s.pk: str(s) for s in Street.objects.filter(pk__in=cohort.values("enterprise__street"))}
    channels: dict[str, str] = dict(CHANNELS)

    def by_department(pk: int | None) -> tuple[str, str]:
        return (NONE, NOT_DISPATCHED) if pk is None else (str(pk), departments.get(pk, str(pk)))

    def by_category(pk: int | None) -> tuple[str, str]:
        if pk is None or pk not in categories:
            return NONE, NOT_CATEGORISED
        return categories[pk].code, categories[pk].name

    def by_street(pk: int | None) -> tuple[str, str]:
        return (NONE, NO_STREET) if pk is None else (str(pk), streets.get(pk, str(pk)))

    def by_channel(code: str) -> tuple[str, str]:
        return code, channels.get(code, code)

    tables = {}
    dimensions: list[tuple[str, str, int, Callable[[Any], tuple[str, str]]]] = [
        ("department", "handler", 1, by_department),
        ("category", "category", 2, by_category),
        ("channel", "channel", 3, by_channel),
        ("street", "enterprise__street", 4, by_street),
    ]
    for name, by, position, naming in dimensions:
        lines = _table(cohort, by, position, days, key, naming)
        for line in lines:
            line.drill = drill(**{name: line.key})
        tables[name] = lines

    total = line_of("", "合计", cohort.order_by().aggregate(**figures()), drill())
    total.days = [count for k, count in days if k[0] == key]

    trend_rows: dict[str, Mapping[str, Any]] = {
        month_key(
            clock.local(row["month"]).date() if isinstance(row["month"], dt.datetime) else row["month"]
        ): row
        for row in window.order_by()
        .annotate(month=TruncMonth("received_at", tzinfo=clock.SHANGHAI))
        .values("month")
        .annotate(**figures())
    }
    empty: dict[str, Any] = dict.fromkeys(FIGURE_NAMES, 0)
    trend = []
    for step in range(TREND_MONTHS):
        each = month_key(add_months(first, step))
        line = line_of(each, each, trend_rows.get(each, empty), {"month": each, "unmerged": "1"})
        line.days = [count for k, count in days if k[0] == each]
        trend.append(line)

    period, previous = hotspot_period(month, clock.today())
    return Analysis(
        scope=scope_name(user),
        month=month,
        period=period,
        previous=previous,
        total=total,
        by_department=tables["department"],
        by_category=tables["category"],
        by_channel=tables["channel"],
        by_street=tables["street"],
        trend=trend,
        hotspots=find_hotspots(visible, period, previous, hotspot_order),
        calendar_problems=problems,
    )


# ==================================================================================================
# .xlsx
# ==================================================================================================

COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (attribute, header, kind): kind decides the cell's number format.
    ("received", "受理量", "count"),
    ("closed", "已办结", "count"),
    ("closure_rate", "办结率", "percent"),
    ("timed", "已答复（有期限）", "count"),
    ("on_time", "按时答复", "count"),
    ("on_time_rate", "按时办结率", "percent"),
    ("rated", "已评价", "count"),
    ("satisfied", "满意和基本满意", "count"),
    ("satisfaction_rate", "满意率", "percent"),
    ("reopened", "重办后办结", "count"),
    ("reopen_rate", "重办率", "percent"),
    ("days_mean", "受理至答复工作日（平均）", "days"),
    ("days_median", "受理至答复工作日（中位数）", "days"),
)
FORMATS = {"count": "#,##0", "percent": "0.0%", "days": "0.0"}


def line_values(line: Line) -> list[Any]:
    return [line.label, *(getattr(line, attribute) for attribute, _, _ in COLUMNS)]


def analysis_workbook(analysis: Analysis) -> bytes:
    """The page as .xlsx in the house style: one sheet per table, rates as fractions shown in percent,
    and the hotspots."""
    formats = {position: FORMATS[kind] for position, (_, _, kind) in enumerate(COLUMNS, start=1)}
    caption = f"热线分析（{analysis.scope}）· {analysis.month:%Y年%m月}受理的诉求"
    tables: list[tuple[str, str, Iterable[Line], bool]] = [
        ("按承办部门", "主办部门", analysis.by_department, True),
        ("按类别", "类别", analysis.by_category, True),
        ("按渠道", "渠道", analysis.by_channel, True),
        ("按街道", "街道", analysis.by_street, True),
        ("近12个月", "受理月份", analysis.trend, False),
    ]
    sheets = [
        Sheet(
            title=title,
            headers=[first, *(header for _, header, _ in COLUMNS)],
            rows=[
                *(line_values(line) for line in lines),
                *([line_values(analysis.total)] if with_total else []),
                *([problem] for problem in analysis.calendar_problems),
            ],
            caption=caption if with_total else f"热线分析（{analysis.scope}）· 近 12 个月，按受理月份",
            widths=[30, *([None] * len(COLUMNS))],
            formats=formats,
        )
        for title, first, lines, with_total in tables
    ]
    start, end = analysis.period
    before_start, before_end = analysis.previous
    sheets.append(
        Sheet(
            title="热点诉求",
            headers=[
                "排名",
                "热点（代表诉求）",
                "本期诉求数",
                "上期诉求数",
                "增长",
                "主要地点",
                "涉及部门",
                "诉求编号",
            ],
            rows=[
                [
                    rank,
                    row.spot.title,
                    row.spot.count,
                    row.spot.previous,
                    row.spot.growth_text,
                    "、".join(f"{place}（{count}）" for place, count in row.spot.places),
                    "、".join(f"{name}（{count}）" for name, count in row.spot.departments),
                    "、".join(row.numbers),
                ]
                for rank, row in enumerate(analysis.hotspots, start=1)
            ],
            caption=(
                f"热点诉求（{analysis.scope}）：本期 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}，"
                f"上期 {before_start:%Y-%m-%d} 至 {before_end:%Y-%m-%d}"
            ),
            widths=[6, 40, 10, 10, 10, 30, 30, 40],
        )
    )
    return write_workbook(sheets)
