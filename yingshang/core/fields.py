"""Form fields every app's pages share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


class DayField(forms.DateField):
    """A day typed on a page.

    The browser's date picker gets the value in ISO form (2026-06-30), so a form saved untouched keeps
    its dates: with Django's default (localised) format the picker shows an empty box and the save
    erases the date. Days outside 1900–2100 are refused with a Chinese message instead of breaking a
    query or a date sum further on (`?end=9999-12-31`).
    """

    def __init__(self, *, label: str, invalid: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        messages = {"invalid": invalid or f"“{label}”不是有效日期，应写作 2026-06-30"}
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(label=label, input_formats=["%Y-%m-%d"], error_messages=messages, **kwargs)

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"“{self.label}” {value:%Y-%m-%d} 超出范围："
                f"应在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间",
                code="out_of_range",
            )
