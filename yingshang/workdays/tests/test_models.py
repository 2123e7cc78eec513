"""HolidayYear and HolidayEntry: what the models themselves refuse, in Chinese, and their history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from yingshang.workdays.models import HolidayEntry, HolidayYear
from yingshang.workdays.testing import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2027() -> HolidayYear:
    return HolidayYear.objects.create(year=2027, notice_title="测试用虚构样例")


@pytest.mark.parametrize(
    ("date", "kind", "name", "field", "fragment"),
    [
        ("2027-02-10", "workday", "春节", "date", "2027-02-10（周三）本来就是工作日"),
        ("2028-01-01", "holiday", "元旦", "date", "2028-01-01 不在2027年内"),
        ("2027-02-08", "holiday", "", "name", "请填写节日名称"),
        ("2027-02-08", "vacation", "春节", "kind", ""),
    ],
)
def test_an_entry_that_contradicts_itself_is_refused_in_chinese(year_2027, date, kind, name, field, fragment):
    entry = HolidayEntry(holiday_year=year_2027, date=d(date), kind=kind, name=name)
    with pytest.raises(ValidationError) as raised:
        entry.full_clean()
    assert field in raised.value.message_dict
    assert fragment in " ".join(raised.value.message_dict[field])


def test_a_makeup_saturday_is_accepted(year_2027):
    HolidayEntry(holiday_year=year_2027, date=d("2027-02-20"), kind="workday", name="春节").full_clean()


def test_a_date_can_be_entered_only_once_a_year(year_2027):
    HolidayEntry.objects.create(holiday_year=year_2027, date=d("2027-02-08"), kind="holiday", name="春节")
    duplicate = HolidayEntry(holiday_year=year_2027, date=d("2027-02-08"), kind="holiday", name="春节")
    with pytest.raises(ValidationError, match="同一日期只能录入一次"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_shipped_year_is_refused_by_the_year_model():
    with pytest.raises(ValidationError, match="2026年的节假日安排已内置"):
        HolidayYear(year=2026, notice_title="x").full_clean()


def test_changes_are_kept_in_the_history(year_2027):
    entry = HolidayEntry.objects.create(
        holiday_year=year_2027, date=d("2027-02-08"), kind="holiday", name="春节"
    )
    entry.name = "春节（除夕）"
    entry.save()
    entry.delete()
    assert [r.history_type for r in HolidayEntry.history.order_by("history_date")] == ["+", "~", "-"]
    assert year_2027.history.count() == 1


def test_the_status_says_draft_or_revision(year_2027):
    assert year_2027.status_label == "草稿，未启用"
    year_2027.is_confirmed, year_2027.revision = True, 3
    assert year_2027.status_label == "已启用（第3版）"
