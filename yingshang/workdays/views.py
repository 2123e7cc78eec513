"""The 工作日历 pages: the calendar of a year with a small calculator, and the office's entry of a
later year's arrangement (draft → check → confirm)."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from itertools import chain
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yingshang.core import clock
from yingshang.core.permissions import capability_required, city_level
from yingshang.workdays.engine import (
    BUILTIN_FIRST_YEAR,
    BUILTIN_LAST_YEAR,
    CalendarError,
    DayInfo,
    DayKind,
    EntryKind,
    WorkCalendar,
    missing_festivals,
    weekday_name,
)
from yingshang.workdays.forms import ArrangementForm, CalculatorForm
from yingshang.workdays.models import HolidayEntry, HolidayYear
from yingshang.workdays.notice import format_entries
from yingshang.workdays.services import (
    ArrangementRejected,
    confirm_year,
    delete_draft,
    get_calendar,
    preview_calendar,
    save_arrangement,
)


@capability_required("calendar.view")
def calendar(request: HttpRequest) -> HttpResponse:
    current = get_calendar()
    year = _chosen_year(request, current)
    calculator = _calculate(request, current) if "op" in request.GET else None
    if request.htmx and calculator is not None:
        return render(request, "workdays/_result.html", {"calc": calculator})
    holiday_year = HolidayYear.objects.filter(year=year).first()
    shown = current
    if holiday_year is not None and not holiday_year.is_confirmed and not current.knows(year):
        shown = preview_calendar(holiday_year)
    can_manage = request.user.can("calendar.manage")
    context: dict[str, Any] = {
        "year": year,
        "calendar": current,
        "holiday_year": holiday_year,
        "is_draft": shown is not current,
        "unknown": None,
        "calc": calculator or {"form": CalculatorForm(initial={"start": clock.today()})},
        "year_choices": _year_choices(current),
        "builtin_first": BUILTIN_FIRST_YEAR,
        "builtin_last": BUILTIN_LAST_YEAR,
        "can_manage": can_manage,
        "next_year": _next_enterable_year(current),
    }
    try:
        context["source"] = "录入草稿（未启用）" if context["is_draft"] else shown.source_of(year)
        context["months"] = _months(shown, year)
        context["special_days"] = [_special_row(info) for info in shown.special_days(year)]
    except CalendarError as error:
        context["unknown"] = error.message
    if holiday_year is not None:
        context["missing_festivals"] = missing_festivals(holiday_year.arrangement().entries)
        context["differences"] = current.differences_from_builtin(year)
        if can_manage:
            context["history"] = _history(holiday_year)
    if can_manage:
        context["entered_years"] = HolidayYear.objects.select_related("entered_by", "confirmed_by")
    return render(request, "workdays/calendar.html", context)


def _chosen_year(request: HttpRequest, current: WorkCalendar) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and BUILTIN_FIRST_YEAR <= int(raw) <= BUILTIN_LAST_YEAR + 100:
        return int(raw)
    today = clock.today()
    return today.year if current.knows(today.year) else current.known_years[-1]


def _next_enterable_year(current: WorkCalendar) -> int:
    entered = HolidayYear.objects.order_by("-year").values_list("year", flat=True).first()
    return max(BUILTIN_LAST_YEAR, current.known_years[-1], entered or 0) + 1


def _year_choices(current: WorkCalendar) -> list[int]:
    entered = set(HolidayYear.objects.values_list("year", flat=True))
    years = {*current.known_years, *entered, current.known_years[-1] + 1}
    return sorted(years, reverse=True)


def _months(shown: WorkCalendar, year: int) -> list[dict[str, Any]]:
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            # Days of the neighbouring months are left blank: they may lie in a year nobody entered.
            weeks.append([_cell(shown.describe(day)) if day.month == month else None for day in week])
        months.append({"month": month, "weeks": weeks})
    return months


def _cell(info: DayInfo) -> dict[str, Any]:
    # Strings made here rather than with template filters: a year is 365 cells and filters are slow.
    iso = info.day.isoformat()
    title = f"{iso} {info.kind.label} {info.name}".rstrip()
    return {"iso": iso, "kind": info.kind.value, "title": title, "number": info.day.day}


def _special_row(info: DayInfo) -> dict[str, Any]:
    return {"info": info, "weekday": weekday_name(info.day), "label": info.kind.label}


def _calculate(request: HttpRequest, current: WorkCalendar) -> dict[str, Any]:
    form = CalculatorForm(request.GET)
    result: dict[str, Any] = {"form": form, "version": current.version}
    if not form.is_valid():
        return result
    data = form.cleaned_data
    start: dt.date = data["start"]
    try:
        if data["op"] == "add":
            answer = current.add_workdays(start, data["n"])
            result["answer"] = answer.isoformat()
            described = f"{answer.isoformat()}（{weekday_name(answer)}，{_kind_label(current, answer)}）"
            result["explain"] = (
                f"{start.isoformat()}（{weekday_name(start)}）之后第 {data['n']} 个工作日是 {described}"
                if data["n"]
                else f"{start.isoformat()} 当日（如是工作日）或其后第一个工作日是 {described}"
            )
        else:
            end: dt.date = data["end"]
            count = current.workdays_between(start, end)
            result["answer"] = str(count)
            result["explain"] = f"{start.isoformat()} 之后至 {end.isoformat()}（含）共有 {count} 个工作日"
            if count < 0:
                result["explain"] = (
                    f"结束日期早于起始日期：{end.isoformat()} 之后至 {start.isoformat()}（含）"
                    f"共有 {-count} 个工作日，记为 {count}"
                )
    except CalendarError as error:
        result["error"] = error.message
    return result


def _kind_label(current: WorkCalendar, day: dt.date) -> str:
    info = current.describe(day)
    return f"{info.kind.label}·{info.name}" if info.kind is DayKind.MAKEUP else info.kind.label


CHANGE_LABELS = {"+": "新增", "~": "修改", "-": "删除"}
YEAR_FIELD_LABELS = {f.name: str(f.verbose_name) for f in HolidayYear._meta.fields}


def _history(holiday_year: HolidayYear, limit: int = 100) -> list[dict[str, Any]]:
    """The year's audit trail, newest first: the year's own changes and every entry added, changed or
    removed (entries keep their year id in the history even after deletion)."""
    year_records = holiday_year.history.select_related("history_user").order_by("-history_date")[:limit]
    entry_records = (
        HolidayEntry.history.filter(holiday_year_id=holiday_year.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    rows = []
    records = sorted(chain(year_records, entry_records), key=lambda r: r.history_date, reverse=True)
    for record in records[:limit]:
        rows.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "change": CHANGE_LABELS.get(record.history_type, record.history_type),
                "what": _describe_record(record),
            }
        )
    return rows


def _describe_record(record: Any) -> str:
    if isinstance(record.instance, HolidayEntry):
        current = f"{record.date.isoformat()} {EntryKind(record.kind).label} {record.name}"
        # prev_record is a query: asked only for changes, the rare kind of record.
        previous = record.prev_record if record.history_type == "~" else None
        if previous is not None:
            before = f"{EntryKind(previous.kind).label} {previous.name}"
            return f"{record.date.isoformat()}：{before} → {EntryKind(record.kind).label} {record.name}"
        return current
    previous = record.prev_record if record.history_type == "~" else None
    if previous is None:
        return f"{record.year}年安排：{record.notice_title}"
    changes = record.diff_against(previous, excluded_fields=["updated_at", "source_text"]).changes
    said = [f"{YEAR_FIELD_LABELS.get(c.field, c.field)}：{_shown(c.old)} → {_shown(c.new)}" for c in changes]
    return "；".join(said) or "（无字段变化）"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "（空）" if value in (None, "") else str(value)


@city_level("calendar.manage")
def arrangement_form(request: HttpRequest, year: int | None = None) -> HttpResponse:
    holiday_year = get_object_or_404(HolidayYear, year=year) if year is not None else None
    if request.method == "POST":
        form = ArrangementForm(request.POST, fixed_year=year)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = save_arrangement(
                    data["year"],
                    form.entries,
                    notice_title=data["notice_title"],
                    notice_number=data["notice_number"],
                    published_on=data["published_on"],
                    source_text=data["text"],
                    user=request.user,
                )
            except ArrangementRejected as rejected:
                form.line_problems = rejected.problems
            else:
                next_step = "" if saved.is_confirmed else "请对照通知核对日历后点击“确认启用”。"
                messages.success(
                    request,
                    f"{saved.year}年安排已保存（{len(form.entries)} 个日期），"
                    f"状态：{saved.status_label}。{next_step}",
                )
                if form.skipped:
                    messages.info(
                        request,
                        f"以下 {len(form.skipped)} 行没有日期，未作为安排读入：{'、'.join(form.skipped)}",
                    )
                return redirect(f"{reverse('workdays:calendar')}?year={saved.year}")
    else:
        initial: dict[str, Any] = {}
        if holiday_year is not None:
            initial = {
                "year": holiday_year.year,
                "notice_title": holiday_year.notice_title,
                "notice_number": holiday_year.notice_number,
                "published_on": holiday_year.published_on,
                "text": format_entries(holiday_year.arrangement().entries),
            }
        elif request.GET.get("year", "").isdigit():
            initial = {"year": int(request.GET["year"])}
        form = ArrangementForm(initial=initial, fixed_year=year)
    return render(request, "workdays/arrangement_form.html", {"form": form, "holiday_year": holiday_year})


@city_level("calendar.manage")
@require_POST
def arrangement_confirm(request: HttpRequest, year: int) -> HttpResponse:
    holiday_year = get_object_or_404(HolidayYear, year=year)
    try:
        confirmed = confirm_year(holiday_year, request.user)
    except ArrangementRejected as rejected:
        messages.error(request, rejected.message)
    else:
        messages.success(
            request,
            f"{year}年安排已确认启用（第{confirmed.revision}版）；当前日历版本：{get_calendar().version}",
        )
    return redirect(f"{reverse('workdays:calendar')}?year={year}")


@city_level("calendar.manage")
@require_POST
def arrangement_delete(request: HttpRequest, year: int) -> HttpResponse:
    holiday_year = get_object_or_404(HolidayYear, year=year)
    try:
        delete_draft(holiday_year, request.user)
    except CalendarError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{year}年的草稿已删除")
    return redirect(f"{reverse('workdays:calendar')}?year={year}")
