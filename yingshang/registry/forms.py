"""Forms of the registry pages: the 企业名录 upload, a person's role and department."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q

from yingshang.core.fields import DayField
from yingshang.core.forms import SpreadsheetField
from yingshang.core.scope import (
    grantable_departments,
    grantable_roles,
    is_city_level,
    scope_of,
    scoped,
)
from yingshang.registry.models import Department, Enterprise, ImportBatch, User


class ImportUploadForm(forms.Form):
    file = SpreadsheetField(
        label="名录文件",
        help_text="Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GB18030 编码）；表头见“导入格式说明”",
        max_bytes=settings.IMPORT_MAX_BYTES,
        error_messages={"required": "请选择要导入的文件"},
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
        department.queryset = grantable_departments(Department.objects.filter(is_active=True), granter)
        department.error_messages["invalid_choice"] = "所选部门不在您可以分配的范围内"
        role = cast(forms.ChoiceField, self.fields["role"])
        role.required = False
        labels = dict(User._meta.get_field("role").choices or ())
        role.choices = [(r.value, labels.get(r.value, "未分配角色")) for r in grantable_roles(granter)]
        role.error_messages["invalid_choice"] = "所选角色不在您可以分配的范围内"
        if self.instance.enterprise_id:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        if not active and self.instance.pk is not None and self.instance.pk == self.granter.pk:
            raise forms.ValidationError("不能停用自己的账号")
        return active

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


class StaffCreateForm(StaffForm):
    """A new account: a login name, then what StaffForm asks. A district's administrator creates people
    only in its district's departments and enterprises (else nobody in the district could see them)."""

    class Meta(StaffForm.Meta):
        fields = ["username", *StaffForm.Meta.fields]
        labels = {**StaffForm.Meta.labels, "username": "用户名"}
        help_texts = {"username": "登录用，只能用字母、数字和 @ . + - _"}
        error_messages = {"username": {"unique": "该用户名已被使用，请换一个"}}

    def __init__(self, *args: Any, granter: User, **kwargs: Any) -> None:
        super().__init__(*args, granter=granter, **kwargs)
        self.fields["is_active"].initial = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        placed = cleaned.get("department") is not None or cleaned.get("enterprise_uscc") is not None
        if not placed and not is_city_level(self.granter):
            raise forms.ValidationError("请为新账号选择所属部门，或填写所属企业（须在您的辖区内）")
        return cleaned


class PasswordSetForm(forms.Form):
    """A password an administrator gives: left empty, a random one-time password is made and shown
    once. Either way the person must choose their own at the next login."""

    password = forms.CharField(
        label="新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="留空则自动生成一次性密码（只显示一次）",
    )
    password_again = forms.CharField(
        label="再次输入新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, person: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password, again = cleaned.get("password") or "", cleaned.get("password_again") or ""
        if password != again:
            self.add_error("password_again", "两次输入的密码不一致")
        elif password:
            try:
                validate_password(password, self.person)
            except ValidationError as problems:
                self.add_error("password", problems)
        return cleaned

    @staticmethod
    def rules() -> str:
        return password_validators_help_text_html()


class DepartmentForm(forms.ModelForm):
    """A department's name, place in the tree, order and whether it is in use, within the editor's
    reach: a district's administrator places departments only under its own district's."""

    class Meta:
        model = Department
        fields = ["name", "code", "kind", "parent", "district", "order", "is_active"]
        help_texts = {"code": "英文字母、数字和连字符，全市唯一，例如 weibin-fgj"}
        error_messages = {"code": {"unique": "该代码已被其他部门使用，请换一个"}}

    def __init__(self, *args: Any, editor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editor = editor
        parent = cast(forms.ModelChoiceField, self.fields["parent"])
        own = scoped(Department.objects.filter(is_active=True), editor, "change")
        if self.instance.pk is not None:
            own = own.exclude(pk=self.instance.pk)
        # A department keeps the parent it has even where the editor may not place others (a district's
        # own node under the city).
        keep = Q(pk=self.instance.parent_id)
        parent.queryset = Department.objects.filter(Q(pk__in=own.values("pk")) | keep)
        parent.error_messages["invalid_choice"] = "所选上级部门不在您可以管理的范围内"
        district = cast(forms.ModelChoiceField, self.fields["district"])
        city = is_city_level(editor)
        district.required = False
        if not city:
            # A district's administrator: its departments are its district's, whatever is posted.
            district.disabled = True
            district.initial = scope_of(editor).district_id
            district.queryset = district.queryset.filter(pk=scope_of(editor).district_id)

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        if not active and self.instance.pk is not None:
            staff = self.instance.staff.filter(is_active=True).count()
            if staff:
                raise forms.ValidationError(
                    f"该部门还有 {staff} 名启用的人员，请先调整他们的所属部门或停用账号"
                )
            if self.instance.children.filter(is_active=True).exists():
                raise forms.ValidationError("该部门还有启用的下级部门，请先停用或移走下级部门")
        return active

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not is_city_level(self.editor):
            self.instance.district_id = scope_of(self.editor).district_id
            cleaned["district"] = self.instance.district
        parent, district = cleaned.get("parent"), cleaned.get("district")
        if parent is not None and parent.district_id is not None and parent.district != district:
            self.add_error("parent", f"上级部门属于{parent.district.name}，本部门的辖区必须与它一致")
        if parent is None and not is_city_level(self.editor):
            self.add_error("parent", "请选择上级部门")
        return cleaned
