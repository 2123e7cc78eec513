"""Forms every app shares: the evaluation-day form (测算日期) of the pages that compute something as of a
day, the optional day field it is made of (fields.DayField with the house's message), and the
spreadsheet upload field of every import page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms

from yingshang.core.fields import DayField
from yingshang.core.spreadsheets import ImportRefused, check_size

DATE_ERRORS = {"invalid": "日期格式应为 2026-06-30"}


def date_field(label: str, help_text: str = "") -> forms.DateField:
    return DayField(label=label, required=False, help_text=help_text, invalid=DATE_ERRORS["invalid"])


class AsOfForm(forms.Form):
    """The evaluation day of the calculator; empty means today (北京时间)."""

    as_of = date_field("测算日期", "不填为今天")

    def day(self) -> dt.date | None:
        return self.cleaned_data.get("as_of") if self.is_valid() else None


class SpreadsheetField(forms.FileField):
    """An uploaded .xlsx or .csv file, refused with a Chinese message when its extension or its size is
    wrong (`max_bytes`: the route's limit; the upload middleware has already refused larger requests)."""

    def __init__(self, *, max_bytes: int, **kwargs: Any) -> None:
        self.max_bytes = max_bytes
        messages = {
            "required": "请选择要上传的文件",
            "empty": "文件是空的（0 字节），请检查是否选错了文件",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(error_messages=messages, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise forms.ValidationError(
                f"只支持 .xlsx 和 .csv 文件，“{upload.name}”的扩展名是“{suffix or '无'}”"
            )
        try:
            check_size(upload.size, self.max_bytes)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return upload
