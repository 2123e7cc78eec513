"""Forms of the calendar pages: the 工作日计算器 and the entry of a year's arrangement."""

from __future__ import annotations

from typing import Any

from django import forms

from yingshang.core.fields import DayField
from yingshang.workdays.engine import (
    BUILTIN_FIRST_YEAR,
    BUILTIN_LAST_YEAR,
    ArrangementEntry,
    arrangement_problems,
)
from yingshang.workdays.notice import parse_arrangement

LAST_ENTERABLE_YEAR = 2100


class CalculatorForm(forms.Form):
    OPERATIONS = [("add", "加上N个工作日"), ("between", "两日之间的工作日数")]

    op = forms.ChoiceField(label="计算", choices=OPERATIONS, initial="add")
    start = DayField(label="起始日期")
    n = forms.IntegerField(label="工作日数", min_value=0, max_value=10000, required=False)
    end = DayField(label="结束日期", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("op") == "add" and data.get("n") is None and "n" not in self.errors:
            self.add_error("n", "请填写要加上的工作日数")
        if data.get("op") == "between" and data.get("end") is None and "end" not in self.errors:
            self.add_error("end", "请填写结束日期")
        return data


class ArrangementForm(forms.Form):
    year = forms.IntegerField(label="年份")
    notice_title = forms.CharField(
        label="通知标题",
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": "国务院办公厅关于2027年部分节假日安排的通知", "size": 50}
        ),
    )
    notice_number = forms.CharField(
        label="文号",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "国办发明电〔2026〕×号"}),
    )
    published_on = DayField(label="发布日期", required=False)
    text = forms.CharField(
        label="放假与调休上班安排",
        widget=forms.Textarea(attrs={"rows": 16, "cols": 90, "spellcheck": "false"}),
        help_text=(
            "可直接粘贴通知原文（每个节日一行，如“二、春节：2月6日（周六）至13日（周六）放假调休，共8天。"
            "2月14日（周日）上班。”），或每行一条“日期,放假/上班,名称”，区间用 ~ 或 至 连接，"
            "如“2027-02-06~2027-02-13,放假,春节”“2027-02-14,上班,春节”。"
        ),
    )

    def __init__(self, *args: Any, fixed_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries: list[ArrangementEntry] = []
        self.line_problems: list[str] = []
        self.fixed_year = fixed_year
        if fixed_year is not None:
            self.fields["year"].initial = fixed_year
            self.fields["year"].disabled = True

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year <= BUILTIN_LAST_YEAR:
            raise forms.ValidationError(
                f"{year}年的节假日安排已内置（chinese-calendar，{BUILTIN_FIRST_YEAR}–{BUILTIN_LAST_YEAR}年），"
                f"只能录入{BUILTIN_LAST_YEAR + 1}年及以后的年份"
            )
        if year > LAST_ENTERABLE_YEAR:
            raise forms.ValidationError(f"年份 {year} 不合理，请检查")
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year, text = data.get("year"), data.get("text")
        if year is None or text is None:
            return data
        parsed = parse_arrangement(text, year)
        # Reading errors first (a line that cannot be read), then contradictions between lines; the
        # year itself was checked by clean_year.
        problems = parsed.problems + arrangement_problems(year, parsed.entries)
        if problems:
            self.line_problems = problems
            raise forms.ValidationError(f"共 {len(problems)} 处问题，未保存任何内容，请修改后重新提交")
        self.entries = parsed.entries
        self.skipped = parsed.skipped
        return data
