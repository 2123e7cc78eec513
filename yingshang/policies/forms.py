"""Forms of the 政策找企业 pages: the evaluation day, the pack editor, batch runs and 政策测算."""

from __future__ import annotations

import datetime as dt

from django import forms

from yingshang.core.fields import DayField

DATE_ERRORS = {"invalid": "日期格式应为 2026-06-30"}
MAX_PACK_CHARS = 500_000


def date_field(label: str, help_text: str = "") -> forms.DateField:
    return DayField(label=label, required=False, help_text=help_text, invalid=DATE_ERRORS["invalid"])


class AsOfForm(forms.Form):
    """The evaluation day of the calculator; empty means today (北京时间)."""

    as_of = date_field("测算日期", "不填为今天")

    def day(self) -> dt.date | None:
        return self.cleaned_data.get("as_of") if self.is_valid() else None


class CalculatorSearchForm(forms.Form):
    uscc = forms.CharField(
        label="统一社会信用代码",
        max_length=18,
        min_length=18,
        error_messages={
            "required": "请输入统一社会信用代码",
            "min_length": "统一社会信用代码应为 18 位（现在是 %(show_value)d 位）",
            "max_length": "统一社会信用代码应为 18 位（现在是 %(show_value)d 位）",
        },
        widget=forms.TextInput(attrs={"placeholder": "18 位，如 91610302MA6X00001X", "autocomplete": "off"}),
    )

    def clean_uscc(self) -> str:
        return self.cleaned_data["uscc"].strip().upper()


class PackEditForm(forms.Form):
    text = forms.CharField(
        label="规则文本（YAML）",
        max_length=MAX_PACK_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 32, "spellcheck": "false", "class": "code"}),
        error_messages={
            "required": "规则文本不能为空",
            "max_length": "规则文本过长（最多 %(limit_value)d 个字符）",
        },
    )
    note = forms.CharField(
        label="修改说明",
        max_length=300,
        required=False,
        help_text="例如：按区政府2026年第3次常务会议调整高企奖励金额",
        error_messages={"max_length": "修改说明最多 300 字"},
    )


class StartRunForm(forms.Form):
    as_of = date_field("测算日期", "不填为今天；按这一天有效的现行政策和企业数据计算")


class WhatIfItemForm(forms.Form):
    """Change one item of a working pack: its conditions and/or its amount (written as in the pack)."""

    item = forms.ChoiceField(label="奖励项", error_messages={"required": "请选择奖励项"})
    conditions = forms.CharField(
        label="条件（YAML，与政策包中的写法相同）",
        required=False,
        strip=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
    )
    amount = forms.CharField(
        label="金额（如 20万元，或 {percent_of: 研发费用, rate: 10%, cap: 50万元}）",
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "code"}),
    )
    as_of = date_field("测算日期", "不填为今天")

    def __init__(self, *args, items: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "请选择"), *items]


class WhatIfDraftForm(forms.Form):
    """A whole draft pack (usually the working one edited), read exactly as a publish would read it."""

    draft_text = forms.CharField(
        label="政策包草稿（YAML）",
        max_length=MAX_PACK_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false", "class": "code"}),
        error_messages={"required": "请粘贴政策包草稿"},
    )
    as_of = date_field("测算日期", "不填为今天")
