"""Forms of the 接诉即办 pages. They check the shape of what was typed; whether an action is allowed,
and the content rules (text length, phone, rate limits), are the service's (appeals.services)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from yingshang.appeals.models import CHANNELS, RATINGS, Category
from yingshang.appeals.workflow import KIND_CHOICES, STATE_CHOICES
from yingshang.registry.models import Department, District


class AppealForm(forms.Form):
    """The public form (web, 码上监督 QR links, the enterprise page): anyone may submit, with a contact."""

    kind = forms.ChoiceField(
        label="诉求类型", choices=KIND_CHOICES, widget=forms.RadioSelect, initial="consult"
    )
    district = forms.ModelChoiceField(
        label="所在区县",
        queryset=District.objects.order_by("code"),
        to_field_name="code",
        empty_label="请选择",
        error_messages={"required": "请选择诉求所在的区县", "invalid_choice": "所选区县不存在"},
    )
    title = forms.CharField(label="标题", max_length=100, required=False, help_text="可不填，系统取内容开头")
    text = forms.CharField(
        label="诉求内容",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": "请填写诉求内容", "max_length": "诉求内容不能超过 5,000 字"},
    )
    place = forms.CharField(label="发生地点或窗口", max_length=200, required=False)
    requester_name = forms.CharField(label="姓名", max_length=50, required=False)
    requester_phone = forms.CharField(
        label="联系电话",
        max_length=20,
        error_messages={"required": "请留下联系电话，以便答复和回访（不会公开）"},
    )
    anonymous = forms.BooleanField(label="匿名（不留姓名；电话仍需填写，只用于答复和回访）", required=False)
    about_staff = forms.BooleanField(
        label="反映政府部门工作人员的问题（将交由纪检监察部门办理）", required=False
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False)


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(
        label="承办部门", queryset=Department.objects.none(), empty_label="请选择"
    )
    category = forms.ModelChoiceField(
        label="类别", queryset=Category.objects.filter(is_active=True), required=False, empty_label="（不改）"
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    text = forms.CharField(label="答复内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class ExtensionForm(forms.Form):
    workdays = forms.IntegerField(label="延长工作日", min_value=1, max_value=30)
    reason = forms.CharField(label="延期理由", max_length=300)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label="评价", choices=RATINGS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="理由", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.Field):
    """A month typed as 2026-11 (the browser's month picker sends that form); cleaned to its first day."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}))
        super().__init__(label=label, **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()[:20]
        if not text:
            return None
        match = MONTH_RE.match(text)
        if match is None or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2100:
            raise forms.ValidationError(f"“{self.label}”“{text}”不是有效月份，应写作 2026-11")
        return dt.date(int(match[1]), int(match[2]), 1)


def _id_or_none(value: str, label: str) -> str:
    """A drill-down value: a row's id, or "none" for the appeals without one."""
    if value and value != "none" and not value.isdigit():
        raise forms.ValidationError(f"“{label}”筛选值“{value[:20]}”无效")
    return value


class ListFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=[("", "全部"), *STATE_CHOICES], required=False)
    kind = forms.ChoiceField(label="类型", choices=[("", "全部"), *KIND_CHOICES], required=False)
    channel = forms.ChoiceField(label="渠道", choices=[("", "全部"), *CHANNELS], required=False)
    category = forms.ChoiceField(label="类别", required=False)
    month = MonthField(label="受理月份", required=False)
    overdue = forms.BooleanField(label="已逾期", required=False)
    warned = forms.BooleanField(label="预警中", required=False)
    q = forms.CharField(label="编号或标题", max_length=50, required=False)
    # The 热线分析 page's drill-down: kept through the list's own filtering, named above the list.
    department = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    street = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    unmerged = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "全部"),
            ("none", "未分类"),
            *Category.objects.values_list("code", "name"),
        ]

    def clean_department(self) -> str:
        return _id_or_none(self.cleaned_data["department"], "主办部门")

    def clean_street(self) -> str:
        return _id_or_none(self.cleaned_data["street"], "街道")


class AnalyticsForm(forms.Form):
    """热线分析: which month, and how the hotspots are ranked."""

    month = MonthField(label="月份", required=False)
    hot = forms.ChoiceField(
        label="热点排序",
        choices=[("count", "按诉求数"), ("growth", "按增长")],
        required=False,
        error_messages={"invalid_choice": "热点排序只能按诉求数或按增长"},
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_month(self) -> dt.date:
        month = self.cleaned_data["month"] or self.today.replace(day=1)
        if month > self.today:
            raise forms.ValidationError(f"{month:%Y年%m月}尚未开始，请选择本月或以前的月份")
        return month


class ServiceRatingForm(forms.Form):
    """好差评 from a window's QR code: anyone may rate; a 差评 needs its reason and a phone."""

    score = forms.TypedChoiceField(
        label="您对本次服务的评价",
        coerce=int,
        choices=[(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择评价"},
    )
    comment = forms.CharField(
        label="意见（不满意时必填）", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label="联系电话（不满意时必填，只用于整改回访）", max_length=20, required=False)
