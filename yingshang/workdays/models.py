"""The holiday arrangements the 营商办 enters for years chinese-calendar does not ship yet.

A year is entered as a draft, checked on the calendar page, then confirmed; only confirmed years are
used for counting. Every change is kept by django-simple-history.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from yingshang.core.scope import CITY_LEVEL
from yingshang.workdays.engine import (
    BUILTIN_LAST_YEAR,
    ArrangementEntry,
    EntryKind,
    YearArrangement,
    check_arrangement,
    weekday_name,
)


class HolidayYear(models.Model):
    scope = CITY_LEVEL  # one calendar for the whole city

    year = models.PositiveSmallIntegerField("年份", unique=True)
    notice_title = models.CharField(
        "通知标题", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    notice_number = models.CharField("文号", max_length=60, blank=True, help_text="如：国办发明电〔2026〕×号")
    published_on = models.DateField("发布日期", null=True, blank=True)
    source_text = models.TextField("录入原文", blank=True)
    is_confirmed = models.BooleanField("已确认启用", default=False)
    # Counts confirmations; goes into the calendar version stored with every computed deadline.
    revision = models.PositiveIntegerField("版本", default=0)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="节假日安排变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排（年度）"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"

    @property
    def status_label(self) -> str:
        return f"已启用（第{self.revision}版）" if self.is_confirmed else "草稿，未启用"

    def clean(self) -> None:
        if self.year is not None and self.year <= BUILTIN_LAST_YEAR:
            raise ValidationError(
                {"year": f"{self.year}年的节假日安排已内置，只能录入{BUILTIN_LAST_YEAR + 1}年及以后的年份"}
            )

    def arrangement(self) -> YearArrangement:
        stored = sorted(self.entries.all(), key=lambda e: e.date)  # all(): uses a prefetch when there is one
        entries = tuple(ArrangementEntry(e.date, e.kind, e.name) for e in stored)
        return YearArrangement(self.year, entries, revision=self.revision)

    def problems(self) -> list[str]:
        return check_arrangement(self.year, self.arrangement().entries)


class HolidayEntry(models.Model):
    scope = CITY_LEVEL

    holiday_year = models.ForeignKey(
        HolidayYear, verbose_name="年度安排", on_delete=models.CASCADE, related_name="entries"
    )
    date = models.DateField("日期")
    kind = models.CharField(
        "类型", max_length=10, choices=[(k.value, k.label) for k in EntryKind], default=EntryKind.HOLIDAY
    )
    name = models.CharField("节日", max_length=40, help_text="如：春节")

    history = HistoricalRecords(verbose_name="节假日条目变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "节假日条目"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["holiday_year", "date"],
                name="workdays_one_entry_per_date",
                violation_error_message="同一日期只能录入一次",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not isinstance(self.date, dt.date):
            return
        if self.holiday_year_id and self.date.year != self.holiday_year.year:
            errors["date"] = f"{self.date.isoformat()} 不在{self.holiday_year.year}年内"
        elif self.kind == EntryKind.WORKDAY and self.date.weekday() < 5:
            errors["date"] = (
                f"{self.date.isoformat()}（{weekday_name(self.date)}）本来就是工作日，调休上班日只能是周六或周日"
            )
        if not (self.name or "").strip():
            errors["name"] = "请填写节日名称（如 春节）"
        if errors:
            raise ValidationError(errors)
