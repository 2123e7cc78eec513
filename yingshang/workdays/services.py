"""The working-day calendar for the rest of the platform, and the office's way of entering a year.

Other modules need only::

    from yingshang.workdays.services import get_calendar
    calendar = get_calendar()
    calendar.is_workday(day); calendar.add_workdays(day, n); calendar.workdays_between(a, b)
    deadline = calendar.deadline(submitted_at, n)  # deadline.due, deadline.version

and catch ``yingshang.workdays.engine.CalendarError`` (its ``message`` is Chinese, for the user).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from yingshang.workdays.engine import ArrangementEntry, CalendarError, WorkCalendar, check_arrangement
from yingshang.workdays.models import HolidayEntry, HolidayYear

__all__ = [
    "ArrangementRejected",
    "CalendarError",
    "confirm_year",
    "delete_draft",
    "get_calendar",
    "preview_calendar",
    "save_arrangement",
]


class ArrangementRejected(CalendarError):
    """An arrangement with problems; nothing was saved."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("节假日安排有误，未保存：" + "；".join(self.problems))


@dataclass
class _Cached:
    stamp: tuple[object, ...]
    calendar: WorkCalendar


_cache: _Cached | None = None


def workday_cutoff() -> dt.time:
    """The after-hours cut-off from settings (YINGSHANG_WORKDAY_CUTOFF, default 17:30)."""
    raw = getattr(settings, "WORKDAY_CUTOFF", "17:30")
    try:
        return dt.time.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            f"YINGSHANG_WORKDAY_CUTOFF 的值“{raw}”无效，应为 时:分，如 17:30"
        ) from None


def _stamp() -> tuple[object, ...]:
    # One small query: the calendar is rebuilt when any year is confirmed, revised or withdrawn, in
    # whichever process did it, because each process compares this stamp with the one it built from.
    years = tuple(HolidayYear.objects.order_by("year").values_list("year", "revision", "is_confirmed"))
    return (*years, workday_cutoff())


def get_calendar() -> WorkCalendar:
    """The calendar in force: chinese-calendar plus the confirmed years entered by the office."""
    global _cache
    stamp = _stamp()
    if _cache is not None and _cache.stamp == stamp:
        return _cache.calendar
    confirmed = HolidayYear.objects.filter(is_confirmed=True).prefetch_related("entries")
    arrangements = [year.arrangement() for year in confirmed]
    drafts = HolidayYear.objects.filter(is_confirmed=False).values_list("year", flat=True)
    calendar = WorkCalendar(arrangements, drafts=drafts, cutoff=workday_cutoff())
    _cache = _Cached(stamp, calendar)
    return calendar


def preview_calendar(holiday_year: HolidayYear) -> WorkCalendar:
    """The calendar in force with one more year (a draft) added, for checking it before confirming."""
    current = get_calendar()
    if current.knows(holiday_year.year):
        return current
    confirmed = HolidayYear.objects.filter(is_confirmed=True).prefetch_related("entries")
    arrangements = [year.arrangement() for year in confirmed]
    return WorkCalendar([*arrangements, holiday_year.arrangement()], cutoff=workday_cutoff())


def invalidate_calendar(**_: object) -> None:
    global _cache
    _cache = None


for _model in (HolidayYear, HolidayEntry):
    post_save.connect(invalidate_calendar, sender=_model, dispatch_uid=f"workdays-save-{_model.__name__}")
    post_delete.connect(invalidate_calendar, sender=_model, dispatch_uid=f"workdays-delete-{_model.__name__}")


@transaction.atomic
def save_arrangement(
    year: int,
    entries: Sequence[ArrangementEntry],
    *,
    notice_title: str,
    notice_number: str = "",
    published_on: dt.date | None = None,
    source_text: str = "",
    user: object | None = None,
) -> HolidayYear:
    """Save a year's arrangement as entered; all or nothing.

    A change to the dates of a confirmed year sends it back to draft: until it is confirmed again the
    year cannot be counted, which is better than counting with dates nobody has checked. A change to
    the notice title or number alone keeps it confirmed.
    """
    problems = check_arrangement(year, entries)
    if not notice_title.strip():
        problems.insert(0, "请填写通知标题")
    if problems:
        raise ArrangementRejected(problems)
    holiday_year = HolidayYear.objects.select_for_update().filter(year=year).first()
    if holiday_year is None:
        holiday_year = HolidayYear(year=year)
    holiday_year.notice_title = notice_title.strip()
    holiday_year.notice_number = notice_number.strip()
    holiday_year.published_on = published_on
    holiday_year.source_text = source_text
    holiday_year.entered_by = user if isinstance(user, get_user_model()) and user.pk else None
    holiday_year._history_user = holiday_year.entered_by  # type: ignore[attr-defined]
    holiday_year.save()
    if _replace_entries(holiday_year, entries) and holiday_year.is_confirmed:
        holiday_year.is_confirmed = False
        holiday_year.save(update_fields=["is_confirmed", "updated_at"])
    return holiday_year


def _replace_entries(holiday_year: HolidayYear, entries: Sequence[ArrangementEntry]) -> bool:
    """Make the stored entries equal ``entries``, touching only the rows that differ (a readable audit
    trail: "2027-02-14 放假 → 上班" rather than everything deleted and re-added). True if any changed."""
    wanted = {e.day: e for e in entries}
    changed = False
    for stored in holiday_year.entries.all():
        entry = wanted.pop(stored.date, None)
        stored._history_user = holiday_year.entered_by  # type: ignore[attr-defined]
        if entry is None:
            stored.delete()
            changed = True
        elif (stored.kind, stored.name) != (entry.kind, entry.name.strip()):
            stored.kind, stored.name = entry.kind, entry.name.strip()
            stored.full_clean(validate_unique=False, validate_constraints=False)  # dates checked above
            stored.save()
            changed = True
    for entry in wanted.values():
        created = HolidayEntry(
            holiday_year=holiday_year, date=entry.day, kind=entry.kind, name=entry.name.strip()
        )
        created._history_user = holiday_year.entered_by  # type: ignore[attr-defined]
        created.full_clean(validate_unique=False, validate_constraints=False)  # dates checked above
        created.save()
        changed = True
    return changed


@transaction.atomic
def confirm_year(holiday_year: HolidayYear, user: object | None = None) -> HolidayYear:
    """Put a checked draft into force; its revision goes up by one."""
    holiday_year = HolidayYear.objects.select_for_update().get(pk=holiday_year.pk)
    if holiday_year.is_confirmed:
        return holiday_year
    problems = holiday_year.problems()
    if problems:
        raise ArrangementRejected(problems)
    holiday_year.is_confirmed = True
    holiday_year.revision += 1
    holiday_year.confirmed_by = user if isinstance(user, get_user_model()) and user.pk else None
    holiday_year.confirmed_at = timezone.now()
    holiday_year._history_user = holiday_year.confirmed_by  # type: ignore[attr-defined]
    holiday_year.save()
    return holiday_year


@transaction.atomic
def delete_draft(holiday_year: HolidayYear, user: object | None = None) -> None:
    """Throw away a year that was never confirmed (a confirmed year is corrected, not deleted)."""
    holiday_year = HolidayYear.objects.select_for_update().get(pk=holiday_year.pk)
    if holiday_year.is_confirmed or holiday_year.revision:
        raise CalendarError(f"{holiday_year.year}年的安排曾经启用，不能删除；如有错误请修改后重新确认")
    by = user if isinstance(user, get_user_model()) and user.pk else None
    holiday_year._history_user = by  # type: ignore[attr-defined]
    holiday_year.delete()
