"""Forms of the 政策兑现 staff pages: list filters, bulk actions, rejection, notes, payments, 公示,
objection handling and the finance bureau's returned payment file.

They only check the shape of what was typed (required, length, a date, a positive amount in yuan);
whether the action is allowed is the service's question (yingshang.entitlements.services).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from yingshang.core.fields import DayField
from yingshang.core.money import MoneyError, parse_money
from yingshang.entitlements.workflow import STATE_CHOICES, Deadlines

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def default_publicity_workdays() -> int:
    """公示 working days from settings (YINGSHANG_PUBLICITY_WORKDAYS), else the workflow default."""
    return int(getattr(settings, "ENTITLEMENT_PUBLICITY_WORKDAYS", Deadlines().publicity))


class EntitlementFilterForm(forms.Form):
    """The list's filters; every field optional, unknown values simply ignored."""

    item = forms.CharField(label="奖补事项", required=False)
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *STATE_CHOICES])
    # Most matched pairs are "needs confirmation" for want of data; the office pushes the 符合 first.
    verdict = forms.ChoiceField(
        label="比对结论",
        required=False,
        choices=[("", "全部结论"), ("eligible", "符合"), ("needs_confirmation", "需企业确认")],
    )
    district = forms.CharField(label="区县", required=False)
    overdue = forms.BooleanField(label="只看逾期", required=False)
    needs_review = forms.BooleanField(label="只看待复核", required=False)
    to_review = forms.BooleanField(label="只看待我审核", required=False)
    q = forms.CharField(label="企业名称或信用代码", required=False, max_length=100)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=300,
        error_messages={"required": "请填写撤销原因", "max_length": "原因最多 300 字"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不通过原因",
        max_length=300,
        error_messages={"required": "请填写不通过原因（企业会看到）", "max_length": "原因最多 300 字"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClearReviewForm(forms.Form):
    note = forms.CharField(
        label="复核意见",
        max_length=300,
        error_messages={
            "required": "请填写复核意见：为什么该事项仍然成立",
            "max_length": "复核意见最多 300 字",
        },
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="备注",
        max_length=2000,
        error_messages={"required": "备注不能为空", "max_length": "备注最多 2000 字"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PaymentForm(forms.Form):
    """One payment recorded by hand (the voucher the finance bureau gave back)."""

    voucher_no = forms.CharField(
        label="支付凭证号",
        max_length=50,
        error_messages={"required": "请填写支付凭证号", "max_length": "支付凭证号最多 50 个字符"},
    )
    paid_on = DayField(
        label="兑付日期", invalid="兑付日期格式应为 2026-06-30", error_messages={"required": "请填写兑付日期"}
    )
    amount = forms.CharField(
        label="兑付金额（元）",
        max_length=20,
        error_messages={"required": "请填写兑付金额（元）"},
    )

    def clean_voucher_no(self) -> str:
        return self.cleaned_data["voucher_no"].strip()

    def clean_amount(self) -> int:
        try:
            fen = parse_money(self.cleaned_data["amount"], "元")  # "100000.00", "1,234.5", "10万元"
        except MoneyError as exc:
            raise forms.ValidationError(exc.message) from None
        if fen <= 0:
            raise forms.ValidationError("兑付金额必须大于 0")
        return fen


class PublishForm(forms.Form):
    """A 公示 of the chosen approved entitlements."""

    title = forms.CharField(
        label="公示标题",
        max_length=200,
        error_messages={"required": "请填写公示标题", "max_length": "公示标题最多 200 字"},
    )
    workdays = forms.IntegerField(
        label="公示工作日数",
        min_value=1,
        max_value=60,
        required=False,
        error_messages={
            "invalid": "公示工作日数应为整数",
            "min_value": "公示至少 1 个工作日",
            "max_value": "公示最多 60 个工作日",
        },
    )


class ResolveObjectionForm(forms.Form):
    DECISIONS = [("uphold", "异议成立（该事项审核不通过）"), ("dismiss", "异议不成立（继续公示）")]
    decision = forms.ChoiceField(
        label="处理结论",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择处理结论", "invalid_choice": "请选择处理结论"},
    )
    entitlement = forms.TypedChoiceField(
        label="涉及的企业",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="异议针对整个公示时，认定成立须指明公示名单中的哪一家",
        error_messages={"invalid_choice": "所选企业不在本次公示名单中"},
    )
    resolution = forms.CharField(
        label="处理意见",
        max_length=2000,
        error_messages={
            "required": "请填写处理意见（核查了什么、结论依据）",
            "max_length": "处理意见最多 2000 字",
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, listed: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        """`listed`: the notice's entitlements to choose from (None: the objection names its own)."""
        super().__init__(*args, **kwargs)
        if listed is None:
            del self.fields["entitlement"]
        else:
            self.fields["entitlement"].choices = [("", "（不指明）"), *listed]


class PaymentFileForm(forms.Form):
    file = forms.FileField(
        label="财政局回执文件（.xlsx）",
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"},
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(f"文件“{upload.name}”不是 .xlsx 文件，请上传财政局返回的 Excel 文件")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件“{upload.name}”超过 5 MB，不像是拨付回执文件")
        return upload
