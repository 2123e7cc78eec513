"""政策兑现报表: how far entitlements got, per reward item, per department and per district.

Counts and sums are computed by the database (one grouped query per table, `Count`/`Sum` with
`filter=`); the only rows read into Python are the paid ones, because the working days from match to
payment come from the working-day calendar (`yingshang.workdays`), which the database does not know.

Scope: a user whose department belongs to a district sees that district's entitlements only; the city
office sees the whole city and may narrow it to one district. Column meanings: docs/reports.md.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from yingshang.core import clock
from yingshang.core.money import format_fen, to_yuan
from yingshang.core.scope import scoped
from yingshang.core.spreadsheets import Sheet, write_workbook
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.services import ledger_run, overdue_q, possible_results
from yingshang.entitlements.workflow import BUDGET_STATES, State
from yingshang.policies.models import RewardItem
from yingshang.registry.models import District, User
from yingshang.workdays.services import CalendarError, get_calendar

UNNAMED_DEPARTMENT = "未注明牵头部门（营商办办理）"
ONE_DECIMAL = Decimal("0.1")

# What each column counts, as a filter on the entitlement (see docs/reports.md).
PUSHED = Q(pushed_at__isnull=False)
SEEN = Q(pushed_at__isnull=False, seen_at__isnull=False)
# 免申即享 skips the enterprise's confirmation unless data was missing at matching time
# (workflow.requires_confirmation, written as a query).
NEEDS_CONFIRMATION = ~Q(mode="免申即享") | Q(verdict="needs_confirmation")
CONFIRMED = Q(confirmed_at__isnull=False)
# Certain: the match found every condition met. A 需确认 pair is in the ledger only once a 核实推送 told
# its enterprise; its money is possible, never added to the certain sums (docs/reports.md, 确定与可能).
CERTAIN = Q(verdict="eligible")
PAID = Q(paid_on__isnull=False)
# Approved = reached approval and not rejected since: approved, 公示中, paid, or archived after payment.
APPROVED = Q(state__in=[s.value for s in BUDGET_STATES - {State.ARCHIVED}]) | Q(
    state=State.ARCHIVED, paid_on__isnull=False
)
REJECTED = Q(state=State.REJECTED) | (Q(state=State.ARCHIVED, paid_on__isnull=True) & ~Q(rejection_reason=""))


@dataclass
class ReportFilter:
    """What the reader chose: matched between two days (inclusive, 北京时间), one item, one district."""

    start: dt.date | None = None
    end: dt.date | None = None
    item_key: str = ""
    district: District | None = None

    def describe(self) -> str:
        parts = []
        if self.start or self.end:
            start = f"{self.start:%Y-%m-%d}" if self.start else "最早"
            end = f"{self.end:%Y-%m-%d}" if self.end else "至今"
            parts.append(f"比对时间 {start} 至 {end}")
        if self.item_key:
            parts.append(f"事项 {self.item_key}")
        return "，".join(parts) or "全部比对时间、全部事项"


@dataclass
class Line:
    """One row of a report table; the counts are entitlements (enterprise × item)."""

    key: str
    label: str
    candidates: int = 0
    certain: int = 0
    pushed: int = 0
    seen: int = 0
    needs_confirmation: int = 0
    confirmed: int = 0
    approved: int = 0
    rejected: int = 0
    paid: int = 0
    overdue: int = 0
    certain_fen: int = 0
    possible_fen: int = 0
    approved_fen: int = 0
    paid_fen: int = 0
    days: list[int] = field(default_factory=list)  # working days match → payment of each paid one
    article: str = ""
    mode: str = ""

    @property
    def awareness(self) -> Decimal | None:
        """知晓率: share of pushed entitlements the enterprise has seen; None before any push."""
        if not self.pushed:
            return None
        return Decimal(self.seen) / Decimal(self.pushed)

    @property
    def awareness_percent(self) -> str:
        rate = self.awareness
        if rate is None:
            return "—"
        return f"{(rate * 100).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)}%"

    @property
    def days_median(self) -> Decimal | None:
        if not self.days:
            return None
        return Decimal(str(statistics.median(self.days))).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def days_mean(self) -> Decimal | None:
        if not self.days:
            return None
        return (Decimal(sum(self.days)) / len(self.days)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Report:
    scope: str  # “全市” or a district's name
    city_wide: bool
    filters: ReportFilter
    today: dt.date
    by_item: list[Line]
    by_department: list[Line]
    by_district: list[Line]  # only for a city-wide reader
    total: Line
    # Paid entitlements whose working days could not be counted (a year the calendar does not know).
    calendar_problems: list[str] = field(default_factory=list)
    # 需确认 pairs of the ledger's run not pushed yet: match results, outside every figure above.
    unpushed: Unpushed | None = None


@dataclass
class Unpushed:
    """The possible pairs still only match results (not 核实推送), in the reader's scope and item."""

    run_id: int
    pairs: int
    possible_fen: int
    amount_pending: int


def possible_notes(report: Report) -> list[str]:
    """What the certain figures leave out, said in words (the page and the workbook say the same)."""
    notes = []
    total = report.total
    pushed_possible = total.candidates - total.certain
    if pushed_possible:
        notes.append(
            f"台账中有 {pushed_possible:,} 户·项经“核实推送”告知企业、待企业确认条件，"
            f"可能金额 {format_fen(total.possible_fen)}，计入户数，不计入确定金额"
        )
    left = report.unpushed
    if left is not None and left.pairs:
        pending = f"，其中 {left.amount_pending:,} 户·项金额待定" if left.amount_pending else ""
        money = format_fen(left.possible_fen)
        notes.append(
            f"另有 {left.pairs:,} 户·项因数据不全需企业确认（可能金额 {money}{pending}），"
            f"尚未推送，留在匹配结果中（批次 {left.run_id}），不计入本报表"
        )
    return notes


def unpushed_of(user: User, filters: ReportFilter) -> Unpushed | None:
    """What the ledger's run found possible and nobody has pushed: shown beside the report, never in it
    (None before the first ledger)."""
    run = ledger_run()
    if run is None:
        return None
    qs = possible_results(user, run)
    if user.jurisdiction is None and filters.district is not None:
        qs = qs.filter(district=filters.district)
    if filters.item_key:
        qs = qs.filter(item__key=filters.item_key)
    row = qs.order_by().aggregate(
        pairs=Count("id"),
        possible_fen=Sum("amount_fen"),
        amount_pending=Count("id", filter=Q(amount_fen__isnull=True)),
    )
    return Unpushed(run.pk, row["pairs"] or 0, row["possible_fen"] or 0, row["amount_pending"] or 0)


def scoped_entitlements(user: User, filters: ReportFilter) -> QuerySet[Entitlement]:
    """The entitlements the report covers: the user's district (if any) and the chosen filters."""
    qs = scoped(Entitlement.objects.all(), user)
    if user.jurisdiction is None and filters.district is not None:
        qs = qs.filter(district=filters.district)
    if filters.start:
        qs = qs.filter(matched_at__gte=clock.at(filters.start, 0))
    if filters.end:
        next_day = filters.end + dt.timedelta(days=1)
        qs = qs.filter(matched_at__lt=clock.at(next_day, 0))
    if filters.item_key:
        qs = qs.filter(item_key=filters.item_key)
    return qs


def figures(today: dt.date) -> dict[str, Any]:
    """The aggregates of one report row, for `values(...).annotate(**figures(today))`."""
    return {
        "candidates": Count("id"),
        "certain": Count("id", filter=CERTAIN),
        "pushed": Count("id", filter=PUSHED),
        "seen": Count("id", filter=SEEN),
        "needs_confirmation": Count("id", filter=NEEDS_CONFIRMATION),
        "confirmed": Count("id", filter=CONFIRMED),
        "approved": Count("id", filter=APPROVED),
        "rejected": Count("id", filter=REJECTED),
        "paid": Count("id", filter=PAID),
        "overdue": Count("id", filter=overdue_q(today)),
        "certain_fen": Sum("amount_fen", filter=CERTAIN),
        "possible_fen": Sum("amount_fen", filter=~CERTAIN),
        "approved_fen": Sum("amount_fen", filter=APPROVED),
        "paid_fen": Sum("paid_fen", filter=PAID),
    }


FIGURE_NAMES = tuple(figures(dt.date(2000, 1, 1)))


def line_of(key: str, label: str, row: dict[str, Any]) -> Line:
    return Line(key=key, label=label, **{name: row[name] or 0 for name in FIGURE_NAMES})


def grouped(qs: QuerySet[Entitlement], by: str, today: dt.date) -> list[dict[str, Any]]:
    return list(qs.order_by().values(by).annotate(**figures(today)).order_by(by))


def item_titles(keys: Iterable[str]) -> dict[str, RewardItem]:
    """Each item key's row for naming it: the working pack's version when there is one, else the
    newest stored version (an item dropped from the packs still has its entitlements)."""
    rows = (
        RewardItem.objects.filter(key__in=list(keys))
        .select_related("policy__pack")
        .order_by("key", "-policy__pack__is_working", "-policy__pack__created_at", "-pk")
    )
    chosen: dict[str, RewardItem] = {}
    for row in rows:
        chosen.setdefault(row.key, row)
    return chosen


DaysKey = tuple[str, str, int]  # (item key, department, district id)


def working_days(qs: QuerySet[Entitlement]) -> tuple[dict[DaysKey, list[int]], list[str]]:
    """Working days from match to payment of each paid entitlement, by (item key, department,
    district), and
    the problems met (a payment in a year the calendar does not know is left out, and said so).

    Counted as `workdays_between(day matched, day paid)`: working days after the day of the match up
    to and including the day of payment, both days in 北京时间."""
    calendar = get_calendar()
    days: dict[DaysKey, list[int]] = defaultdict(list)
    problems: dict[str, int] = defaultdict(int)
    paid = (
        qs.filter(PAID)
        .order_by()
        .values_list("item_key", "department", "district_id", "matched_at", "paid_on")
    )
    for item_key, department, district_id, matched_at, paid_on in paid.iterator(2000):
        matched_on = clock.local(matched_at).date()
        try:
            count = calendar.workdays_between(matched_on, paid_on)
        except CalendarError as error:
            problems[error.message] += 1
            continue
        days[(item_key, department, district_id)].append(count)
    messages = [f"{count} 笔兑付未计入工作日统计：{message}" for message, count in problems.items()]
    return days, messages


def build_report(user: User, filters: ReportFilter, *, on: dt.date | None = None) -> Report:
    """The report `user` may see under `filters`; `on` is the day overdue is judged against."""
    day = on or clock.today()
    qs = scoped_entitlements(user, filters)
    jurisdiction = user.jurisdiction
    city_wide = jurisdiction is None
    days, problems = working_days(qs)

    item_rows = grouped(qs, "item_key", day)
    titles = item_titles(row["item_key"] for row in item_rows)
    by_item = []
    for row in item_rows:
        key = row["item_key"]
        named = titles.get(key)
        line = line_of(key, named.title if named else key, row)
        if named:
            line.article, line.mode = named.article, named.mode
        line.days = [d for (k, _, _), values in days.items() if k == key for d in values]
        by_item.append(line)

    by_department = []
    for row in grouped(qs, "department", day):
        name = row["department"]
        line = line_of(name, name or UNNAMED_DEPARTMENT, row)
        line.days = [d for (_, dep, _), values in days.items() if dep == name for d in values]
        by_department.append(line)

    by_district = []
    if city_wide:
        names = dict(District.objects.values_list("id", "name"))
        for row in grouped(qs, "district", day):
            district_id = row["district"]
            line = line_of(str(district_id), names.get(district_id, str(district_id)), row)
            line.days = [d for (_, _, dis), values in days.items() if dis == district_id for d in values]
            by_district.append(line)

    totals = qs.order_by().aggregate(**figures(day))
    total = line_of("", "合计", totals)
    total.days = [d for values in days.values() for d in values]

    scope = jurisdiction.name if jurisdiction else (filters.district.name if filters.district else "全市")
    return Report(
        scope=scope,
        city_wide=city_wide,
        filters=filters,
        today=day,
        by_item=by_item,
        by_department=by_department,
        by_district=by_district,
        total=total,
        calendar_problems=problems,
        unpushed=unpushed_of(user, filters),
    )


# ==================================================================================================
# .xlsx
# ==================================================================================================

COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (attribute, header, kind): kind decides the cell's number format.
    ("candidates", "台账（户·项）", "count"),
    ("pushed", "已推送", "count"),
    ("seen", "已查看", "count"),
    ("awareness", "知晓率", "percent"),
    ("needs_confirmation", "需企业确认", "count"),
    ("confirmed", "企业已确认", "count"),
    ("approved", "审核通过", "count"),
    ("rejected", "审核不通过", "count"),
    ("paid", "已兑付", "count"),
    ("overdue", "逾期未办结", "count"),
    ("certain_fen", "确定金额（元）", "money"),
    ("approved_fen", "审核通过金额（元）", "money"),
    ("paid_fen", "实际兑付金额（元）", "money"),
    ("days_median", "比对至兑付工作日（中位数）", "days"),
    ("days_mean", "比对至兑付工作日（平均）", "days"),
)
FORMATS = {"count": "#,##0", "percent": "0.0%", "money": "#,##0.00", "days": "0.0"}


def line_values(line: Line) -> list[Any]:
    """One table row: counts as integers, 知晓率 as a fraction shown in percent, amounts as exact
    Decimal yuan, working days with one decimal (the formats are the sheet's, by column)."""
    return [
        line.label,
        *(to_yuan(getattr(line, a)) if kind == "money" else getattr(line, a) for a, _, kind in COLUMNS),
    ]


def report_workbook(report: Report) -> bytes:
    """The report as .xlsx in the house style (core.spreadsheets): one sheet per table, amounts as exact
    yuan numbers; item, department and district names are text whatever they look like."""
    tables: list[tuple[str, str, list[Line]]] = [
        ("按奖补事项", "奖补事项", report.by_item),
        ("按牵头部门", "牵头部门", report.by_department),
    ]
    if report.city_wide:
        tables.append(("按区县", "区县", report.by_district))
    formats = {position: FORMATS[kind] for position, (_, _, kind) in enumerate(COLUMNS, start=1)}
    sheets = [
        Sheet(
            title=sheet_title,
            headers=[first_header, *(header for _, header, _ in COLUMNS)],
            rows=[
                *(line_values(line) for line in lines),
                line_values(report.total),
                *([problem] for problem in report.calendar_problems),
                *([note] for note in possible_notes(report)),
            ],
            caption=(
                f"政策兑现报表（{report.scope}）·{sheet_title}：{report.filters.describe()}；"
                f"逾期按 {report.today:%Y-%m-%d} 计"
            ),
            widths=[40, *([None] * len(COLUMNS))],
            formats=formats,
        )
        for sheet_title, first_header, lines in tables
    ]
    return write_workbook(sheets)
