"""get_calendar and the office's draft → confirm flow, against the database."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.workdays.engine import BUILTIN_VERSION, ArrangementEntry, CalendarError, CalendarUnknownYear
from yingshang.workdays.models import HolidayEntry, HolidayYear
from yingshang.workdays.services import (
    ArrangementRejected,
    confirm_year,
    delete_draft,
    get_calendar,
    save_arrangement,
    workday_cutoff,
)
from yingshang.workdays.testing import d, fictional_2027_entries

pytestmark = pytest.mark.django_db

TITLE = "国务院办公厅关于2027年部分节假日安排的通知（测试用虚构样例）"


def save_2027(entries=None, user=None) -> HolidayYear:
    return save_arrangement(2027, entries or fictional_2027_entries(), notice_title=TITLE, user=user)


def test_with_nothing_entered_the_calendar_is_chinese_calendar_and_2027_is_unknown():
    calendar = get_calendar()
    assert calendar.version == BUILTIN_VERSION
    with pytest.raises(CalendarUnknownYear, match="2027年节假日安排尚未录入"):
        calendar.is_workday(d("2027-01-04"))


def test_a_saved_draft_is_not_used_until_it_is_confirmed():
    holiday_year = save_2027()
    assert not holiday_year.is_confirmed and holiday_year.revision == 0
    assert holiday_year.entries.count() == len(fictional_2027_entries())
    with pytest.raises(CalendarUnknownYear, match="尚未确认启用"):
        get_calendar().add_workdays(d("2026-12-31"), 1)


def test_a_confirmed_2027_makes_2027_computable_and_names_its_revision(world):
    confirmed = confirm_year(save_2027(user=world.admin), world.admin)
    assert confirmed.is_confirmed and confirmed.revision == 1 and confirmed.confirmed_by == world.admin
    calendar = get_calendar()
    assert calendar.version == f"{BUILTIN_VERSION} + 2027:v1"
    assert calendar.add_workdays(d("2026-12-31"), 1) == d("2027-01-04")
    assert calendar.is_workday(d("2027-01-31"))


def test_the_calendar_is_rebuilt_when_a_year_is_confirmed_but_reused_otherwise():
    before = get_calendar()
    assert get_calendar() is before
    confirm_year(save_2027())
    after = get_calendar()
    assert after is not before and after.knows(2027)


def test_changing_the_dates_of_a_confirmed_year_sends_it_back_to_draft_and_bumps_the_revision_on_reconfirm():
    confirm_year(save_2027())
    moved = [e for e in fictional_2027_entries() if e.day != d("2027-10-09")]
    draft = save_2027(moved)
    assert not draft.is_confirmed
    with pytest.raises(CalendarUnknownYear):
        get_calendar().is_workday(d("2027-10-08"))
    assert confirm_year(draft).revision == 2
    assert get_calendar().version.endswith("2027:v2")
    assert not get_calendar().is_workday(d("2027-10-09"))


def test_changing_only_the_notice_number_keeps_a_confirmed_year_in_force():
    confirm_year(save_2027())
    kept = save_arrangement(
        2027, fictional_2027_entries(), notice_title=TITLE, notice_number="国办发明电〔2026〕99号"
    )
    assert kept.is_confirmed and kept.revision == 1


def test_only_the_changed_entries_are_touched_so_the_audit_trail_reads_as_the_change(world):
    save_2027(user=world.admin)
    before = list(HolidayEntry.history.values_list("history_id", flat=True))
    entries = [
        ArrangementEntry(e.day, "holiday", "国庆节") if e.day == d("2027-10-09") else e
        for e in fictional_2027_entries()
    ]
    save_2027(entries, user=world.admin)
    changed = list(HolidayEntry.history.exclude(history_id__in=before))
    assert [(r.history_type, r.date, r.kind) for r in changed] == [("~", d("2027-10-09"), "holiday")]
    assert changed[0].history_user == world.admin


def test_a_contradictory_arrangement_is_rejected_and_nothing_is_saved():
    entries = [*fictional_2027_entries(), ArrangementEntry(d("2027-02-08"), "workday", "春节")]
    with pytest.raises(ArrangementRejected) as rejected:
        save_2027(entries)
    assert any("自相矛盾" in p for p in rejected.value.problems)
    assert any("本来就是工作日" in p for p in rejected.value.problems)
    assert not HolidayYear.objects.exists() and not HolidayEntry.objects.exists()


def test_a_year_chinese_calendar_ships_cannot_be_saved():
    with pytest.raises(ArrangementRejected, match="2026年的节假日安排已内置"):
        save_arrangement(2026, [ArrangementEntry(d("2026-10-08"), "holiday", "国庆节")], notice_title="x")
    assert not HolidayYear.objects.exists()


def test_a_notice_title_is_required():
    with pytest.raises(ArrangementRejected, match="请填写通知标题"):
        save_arrangement(2027, fictional_2027_entries(), notice_title="  ")


def test_a_draft_can_be_deleted_but_a_year_once_confirmed_cannot():
    delete_draft(save_2027())
    assert not HolidayYear.objects.exists()
    confirmed = confirm_year(save_2027())
    with pytest.raises(CalendarError, match="曾经启用，不能删除"):
        delete_draft(confirmed)


def test_the_cut_off_comes_from_settings(settings):
    settings.WORKDAY_CUTOFF = "18:00"
    assert workday_cutoff() == dt.time(18, 0)
    assert get_calendar().cutoff == dt.time(18, 0)
    settings.WORKDAY_CUTOFF = "late"
    with pytest.raises(Exception, match="YINGSHANG_WORKDAY_CUTOFF"):
        workday_cutoff()
