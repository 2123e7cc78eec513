"""Forms of the registry pages: the 企业名录 upload, a person's role and department."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from yingshang.core.fields import DayField
from yingshang.core.scope import grantable_departments, grantable_roles, is_city_level, scoped
from yingshang.registry.importer import ImportRefused, check_size
from yingshang.registry.models import Department, Enterprise, ImportBatch, User


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="名录文件",
        help_text="Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GB18030 编码）；表头见“导入格式说明”",
        error_messages={
            "required": "请选择要导入的文件",
            "empty": "文件是空的（0 字节），请检查是否选错了文件",
        },
    )
    as_of = DayField(
        label="数据截至日期",
        invalid="日期格式应为 2026-06-30",
        error_messages={"required": "请填写数据截至日期"},
    )
    source = forms.CharField(
        label="数据来源",
        max_length=200,
        help_text="例如：市场监管局企业名录（2026年6月）",
        error_messages={"required": "请填写数据来源"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise forms.ValidationError(
                f"只支持 .xlsx 和 .csv 文件，“{upload.name}”的扩展名是“{suffix or '无'}”"
            )
        try:
            check_size(upload.size, settings.IMPORT_MAX_BYTES)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return upload

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        problem = ImportBatch.as_of_problem(as_of)
        if problem:
            raise forms.ValidationError(problem)
        return as_of


class StaffForm(forms.ModelForm):
    """Role, department and enterprise of one user; the model's clean() checks they fit together.

    The granter (core.scope) offers only what is inside its reach: a district 营商办 its district's
    departments and enterprises, so it can never make anyone city-level or another district's admin."""

    enterprise_uscc = forms.CharField(
        label="所属企业统一社会信用代码", required=False, max_length=18, help_text="仅企业用户填写"
    )

    class Meta:
        model = User
        fields = ["first_name", "role", "department", "phone", "is_active"]
        labels = {"first_name": "姓名", "is_active": "启用"}

    def __init__(self, *args: Any, granter: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.granter = granter
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = grantable_departments(Department.objects.order_by("code"), granter)
        department.error_messages["invalid_choice"] = "所选部门不在您可以分配的范围内"
        role = cast(forms.ChoiceField, self.fields["role"])
        role.required = False
        labels = dict(User._meta.get_field("role").choices or ())
        role.choices = [(r.value, labels.get(r.value, "未分配角色")) for r in grantable_roles(granter)]
        role.error_messages["invalid_choice"] = "所选角色不在您可以分配的范围内"
        if self.instance.enterprise_id:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc

    def clean_enterprise_uscc(self) -> Enterprise | None:
        code = self.cleaned_data["enterprise_uscc"].strip().upper()
        if not code:
            return None
        enterprise = scoped(Enterprise.objects.all(), self.granter, "change").filter(uscc=code).first()
        if enterprise is None:
            # The same answer for one that does not exist and one of another district.
            beyond = "" if is_city_level(self.granter) else "，或它不在您的辖区内"
            raise forms.ValidationError(f"名录中没有统一社会信用代码为 {code} 的市场主体{beyond}")
        return enterprise

    def _post_clean(self) -> None:
        # The enterprise comes from a USCC field, so bind it before the model validates the combination.
        self.instance.enterprise = self.cleaned_data.get("enterprise_uscc")
        super()._post_clean()  # type: ignore[misc]  # private in Django's stubs

    def _update_errors(self, errors: ValidationError) -> None:
        # The model reports on `enterprise`; on this form that is the USCC field.
        if hasattr(errors, "error_dict") and "enterprise" in errors.error_dict:
            messages = errors.error_dict.pop("enterprise")
            if "enterprise_uscc" not in self.errors:
                errors.error_dict["enterprise_uscc"] = messages
        super()._update_errors(errors)  # type: ignore[misc]  # private in Django's stubs
