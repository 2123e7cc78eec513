"""Days typed on pages: ISO in the date picker (an untouched form keeps its date) and within range."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from yingshang.core.fields import DayField


class OneDay(forms.Form):
    day = DayField(label="发布日期", required=False)


@pytest.mark.parametrize(
    ("typed", "day", "error"),
    [
        ("2026-06-30", dt.date(2026, 6, 30), ""),
        ("", None, ""),
        ("2026/06/30", None, "“发布日期”不是有效日期，应写作 2026-06-30"),
        ("2026-02-30", None, "“发布日期”不是有效日期"),
        ("9999-12-31", None, "“发布日期” 9999-12-31 超出范围：应在 1900-01-01 至 2100-12-31 之间"),
        ("0001-01-01", None, "超出范围"),
    ],
)
def test_a_day_is_read_in_iso_form_within_range(typed: str, day: dt.date | None, error: str) -> None:
    form = OneDay({"day": typed})
    assert form.is_valid() is (not error)
    if error:
        assert error in form.errors["day"][0]
    else:
        assert form.cleaned_data["day"] == day


def test_the_date_picker_gets_the_saved_day_in_iso_form_so_saving_untouched_keeps_it() -> None:
    html = str(OneDay(initial={"day": dt.date(2026, 11, 3)})["day"])
    assert 'type="date"' in html and 'value="2026-11-03"' in html
