"""Forms every app shares: the evaluation-day form (测算日期) of the pages that compute something as of a
day, and the optional day field it is made of (fields.DayField with the house's message)."""

from __future__ import annotations

import datetime as dt

from django import forms

from yingshang.core.fields import DayField

DATE_ERRORS = {"invalid": "日期格式应为 2026-06-30"}


def date_field(label: str, help_text: str = "") -> forms.DateField:
    return DayField(label=label, required=False, help_text=help_text, invalid=DATE_ERRORS["invalid"])


class AsOfForm(forms.Form):
    """The evaluation day of the calculator; empty means today (北京时间)."""

    as_of = date_field("测算日期", "不填为今天")

    def day(self) -> dt.date | None:
        return self.cleaned_data.get("as_of") if self.is_valid() else None
