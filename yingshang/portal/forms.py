"""Forms of the enterprise page and the public pages; every error names the field, in Chinese."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from yingshang.appeals.workflow import KIND_CHOICES as APPEAL_KINDS
from yingshang.entitlements.services import ACCOUNT_RE as ACCOUNT_NO
from yingshang.entitlements.services import OBJECTION_MAX_CHARS
from yingshang.entitlements.services import PHONE_RE as PHONE

# The service's own rules, so the form names the field before the service would refuse.
from yingshang.notifications.models import MOBILE_PATTERN

MOBILE = re.compile(MOBILE_PATTERN)


def _required(label: str) -> dict[str, str]:
    return {"required": f"请填写{label}", "max_length": f"{label}最多 %(limit_value)d 个字"}


class ConfirmForm(forms.Form):
    """快申快享: the enterprise ticks each condition it stands behind and gives the account to pay."""

    confirmer_name = forms.CharField(
        label="确认人姓名", max_length=50, error_messages=_required("确认人姓名")
    )
    confirmer_phone = forms.CharField(
        label="确认人手机号", max_length=20, error_messages=_required("确认人手机号")
    )
    account_name = forms.CharField(label="收款户名", max_length=200, error_messages=_required("收款户名"))
    bank = forms.CharField(label="开户银行", max_length=100, error_messages=_required("开户银行"))
    account_no = forms.CharField(label="银行账号", max_length=60, error_messages=_required("银行账号"))

    def __init__(self, *args: Any, conditions: list[str], enterprise_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conditions = conditions
        self.enterprise_name = enterprise_name
        for index, sentence in enumerate(conditions):
            self.fields[f"condition_{index}"] = forms.BooleanField(
                label=sentence,
                required=True,
                error_messages={"required": f"请核对并勾选第 {index + 1} 条：{sentence}"},
            )
        self.order_fields([f"condition_{i}" for i in range(len(conditions))])

    @property
    def condition_fields(self) -> list[forms.BoundField]:
        return [self[f"condition_{i}"] for i in range(len(self.conditions))]

    @property
    def detail_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in ("confirmer_name", "confirmer_phone", "account_name", "bank", "account_no")
        ]

    def clean_confirmer_phone(self) -> str:
        phone = self.cleaned_data["confirmer_phone"].replace(" ", "").replace("-", "")
        if not MOBILE.match(phone):
            raise forms.ValidationError("确认人手机号应为 11 位数字、以 1 开头，如 13800000000")
        return phone

    def clean_account_name(self) -> str:
        name = self.cleaned_data["account_name"].strip()
        # Rewards are paid to the enterprise's own corporate account, never to a person's.
        if name != self.enterprise_name:
            raise forms.ValidationError(
                f"收款户名须与企业名称“{self.enterprise_name}”一致：奖补资金只拨付到本企业的对公账户"
            )
        return name

    def clean_account_no(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["account_no"])
        if not ACCOUNT_NO.match(number):
            raise forms.ValidationError("银行账号应为 8 至 30 位数字（可含空格，提交时自动去掉）")
        return number

    def payee(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "account_name": data["account_name"],
            "bank": data["bank"].strip(),
            "account_no": data["account_no"],
        }


class ObjectionForm(forms.Form):
    """An objection to a 公示, from anyone; contact details optional and never shown publicly."""

    entitlement = forms.TypedChoiceField(
        label="针对的公示条目",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "所选条目不在本公示中，请重新选择"},
    )
    text = forms.CharField(
        label="异议内容",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "请填写异议内容：说明对哪一条、什么情况有异议"},
    )
    contact_name = forms.CharField(
        label="联系人（选填）",
        max_length=50,
        required=False,
        error_messages={"max_length": "联系人最多 50 个字"},
    )
    contact_phone = forms.CharField(
        label="联系电话（选填）",
        max_length=20,
        required=False,
        error_messages={"max_length": "联系电话最多 20 位"},
    )

    def __init__(self, *args: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].choices = [("", "（整份公示）")] + [
            (row["pk"], f"{row['enterprise__name']} · {row['item__title']}") for row in rows
        ]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("请填写异议内容：说明对哪一条、什么情况有异议")
        if len(text) > OBJECTION_MAX_CHARS:
            raise forms.ValidationError(
                f"异议内容过长：最多 {OBJECTION_MAX_CHARS} 字，现有 {len(text)} 字，请精简后再提交"
            )
        return text

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip().replace(" ", "")
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                "联系电话格式不正确：请填写手机号（11 位）或带区号的固定电话，如 0917-1234567"
            )
        return phone


class CardBatchForm(forms.Form):
    """Which cards to print together."""

    district = forms.ModelChoiceField(
        label="区县",
        queryset=None,
        required=False,
        empty_label="全部（本人辖区）",
        error_messages={"invalid_choice": "所选区县不存在或不在您的辖区内"},
    )
    awaiting = forms.BooleanField(label="只打印有待确认事项的企业", required=False)

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts


class EnterpriseAppealForm(forms.Form):
    """An appeal from the enterprise's own page (企业码 or login): the district is the enterprise's."""

    kind = forms.ChoiceField(label="诉求类型", choices=APPEAL_KINDS, widget=forms.RadioSelect, initial="help")
    title = forms.CharField(label="标题（选填）", max_length=100, required=False)
    text = forms.CharField(
        label="诉求内容",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": "请填写诉求内容", "max_length": "诉求内容不能超过 5,000 字"},
    )
    requester_name = forms.CharField(label="联系人", max_length=50, error_messages=_required("联系人"))
    requester_phone = forms.CharField(label="联系电话", max_length=20, error_messages=_required("联系电话"))
    key = forms.CharField(widget=forms.HiddenInput, required=False)
